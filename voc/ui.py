"""The one module of ``voc`` that imports streamlit: start-up, caching and display helpers.

Caching lives here and only here. Every cached result is keyed by the function, its
arguments (the caller's scope included, by its key) and the database's identity and
generation, so a write or a swapped file invalidates it and no scope ever receives
another scope's result. What a page derives from a cached result (its charts, tables
as shown) is cached the same way, under the key of that result plus the function that
derives it (``view``), so that a warm page run builds no chart and converts no frame.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
import threading

import streamlit as st

from voc import config, db, jobs
from voc.narrate import escape_markdown
from voc.periods import Period
from voc.scope import Scope

_build_lock = threading.Lock()


def ensure_database() -> db.Database:
    """Open the warehouse; on first start build the demo company, showing progress."""
    path = config.db_path()
    if not path.exists():
        with _build_lock:
            if not path.exists():
                _build_demo(path)
    database = db.get(path)
    jobs.start_worker(database)  # command-line writes queued while the app holds the file
    return database


def _build_demo(path) -> None:
    from voc import demo

    st.title("Setting up the demo company")
    st.info(
        f"No database was found at `{path}`, so the demo company *Lumen Market* is being generated "
        "there (about a minute, once). To use your own data instead, set `VOC_DB` to your database file."
    )
    bar = st.progress(0.0, text="Starting…")
    demo.build(path, progress=lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message))
    bar.progress(1.0, text="Done")
    st.cache_data.clear()


def _database_marker() -> tuple[str, int]:
    database = db.get()
    database.connection()  # re-attaches a swapped file, which bumps the generation
    return (str(database.path), database.generation)


# Arguments are hashed by short, exact texts: a scope by its key; a period or a date by its repr
# (Streamlit's generic hashing of dates costs a tenth of a millisecond each, on every run).
_HASH_FUNCS = {Scope: lambda s: s.key, Period: repr, dt.date: repr, dt.datetime: repr}


@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False, hash_funcs=_HASH_FUNCS)
def _cached_call(function_id: str, marker: tuple[str, int], _function, args: tuple, kwargs: dict):
    # ``_function`` is left out of the key (leading underscore); ``function_id`` names it.
    return _prepared(_function(*args, **kwargs))


def _call(function_id: str, marker: tuple[str, int], function, args: tuple, kwargs: dict):
    # keyword arguments: Streamlit then need not inspect the signature for each positional one
    return _cached_call(function_id=function_id, marker=marker, _function=function, args=args, kwargs=kwargs)


def cached(function):
    """Wrap a ``voc`` function so that its results are cached under the rules above.

    Altair charts in a result (the result itself, an item of a tuple or a field of a
    dataclass) are cached as ready Vega-Lite specs (``ReadyChart``), drawn by ``chart``.
    """
    @functools.wraps(function)
    def call(*args, **kwargs):
        return view(function, *args, **kwargs).data

    return call


@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False, hash_funcs=_HASH_FUNCS)
def _cached_derived(derive_id: str, function_id: str, marker: tuple[str, int], _derive, _function,
                    args: tuple, kwargs: dict, extra: tuple):
    # keyed by the cached result it derives from (function, arguments with the scope, database)
    # plus the deriving function and its extra arguments
    return _prepared(_derive(_call(function_id, marker, _function, args, kwargs), *extra))


def _name(function) -> str:
    """A name that identifies a deriving function in a cache key: lambdas and local functions,
    which share names, are refused."""
    if isinstance(function, (operator.attrgetter, operator.itemgetter)):
        return repr(function)
    qualname = getattr(function, "__qualname__", "")
    if not qualname or "<" in qualname:
        raise ValueError(f"ui.view derives only with module-level functions, not {function!r}")
    return f"{function.__module__}.{qualname}"


class View:
    """A cached result (``data``) and what a page derives from it, cached under the same key.

    ``view(f, *args, **kwargs).data`` is ``cached(f)(*args, **kwargs)``; calling the view with a
    module-level function, ``view(derive, *extra)``, returns ``derive(data, *extra)`` cached under
    the key of ``data`` (scope included) plus ``derive`` and ``extra``, Altair charts in it ready
    to draw. A warm run thus rebuilds no chart and reshapes no frame.
    """

    def __init__(self, function, args: tuple, kwargs: dict):
        self._function, self._args, self._kwargs = function, args, kwargs
        self._function_id = f"{function.__module__}.{function.__qualname__}"
        self._marker = _database_marker()

    @functools.cached_property
    def data(self):
        return _call(self._function_id, self._marker, self._function, self._args, self._kwargs)

    def __call__(self, derive, *extra):
        return self._derived(_name(derive), derive, extra)

    def figure(self, derive, *extra, frame=None) -> tuple:
        """``(chart, csv, ...)`` for ``chart``: the chart ``derive(data, *extra)`` returns and the CSV
        download of its data, both cached. ``derive`` may also name an attribute of ``data`` holding
        the chart. ``frame`` names the data: an attribute of ``data``, a module-level function of
        ``data`` (``itself`` for ``data`` itself), or None when ``derive`` returns
        ``(chart, frame, ...)`` itself (anything after the frame is passed through)."""
        if isinstance(derive, str):
            derive = operator.attrgetter(derive)
        frame_id = frame if frame is None or isinstance(frame, str) else _name(frame)
        return self._derived(f"figure:{_name(derive)}:{frame_id}", functools.partial(_figure, derive, frame), extra)

    def _derived(self, derive_id: str, derive, extra: tuple):
        return _cached_derived(derive_id=derive_id, function_id=self._function_id, marker=self._marker,
                               _derive=derive, _function=self._function, args=self._args, kwargs=self._kwargs,
                               extra=extra)


def itself(data):
    """``frame=ui.itself`` for ``View.figure``: the cached result is the chart's data."""
    return data


def _figure(derive, frame, data, *extra) -> tuple:
    from voc.csv_export import frame_csv

    built = derive(data, *extra)
    if frame is None:
        return (built[0], frame_csv(built[1]), *built[2:])
    return built, frame_csv(getattr(data, frame) if isinstance(frame, str) else frame(data))


def view(function, *args, **kwargs) -> View:
    """The cached result of ``function(*args, **kwargs)`` and what is derived from it (see ``View``)."""
    return View(function, args, kwargs)


# ---- charts -------------------------------------------------------------------------

class ReadyChart:
    """An Altair chart converted (and validated) once into the Vega-Lite spec Streamlit draws,
    its data already serialised: drawing it needs no Altair work."""

    __slots__ = ("spec",)

    def __init__(self, spec: dict):
        self.spec = spec

    def __getstate__(self):
        return (self.spec,)

    def __setstate__(self, state):
        (self.spec,) = state


def _ready(chart):
    """``chart`` as a ``ReadyChart``, converted exactly as ``st.altair_chart`` converts it."""
    try:
        from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
    except ImportError:  # another Streamlit: draw the Altair chart itself
        return chart
    return ReadyChart(_convert_altair_to_vega_lite_spec(chart))


def _prepared(result):
    """``result`` with its Altair charts (itself, tuple items, dataclass fields) made ready."""
    import altair as alt

    if isinstance(result, alt.TopLevelMixin):
        return _ready(result)
    if type(result) is tuple:
        return tuple(_ready(item) if isinstance(item, alt.TopLevelMixin) else item for item in result)
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        charts = {f.name: _ready(getattr(result, f.name)) for f in dataclasses.fields(result)
                  if f.init and isinstance(getattr(result, f.name), alt.TopLevelMixin)}
        return dataclasses.replace(result, **charts) if charts else result
    return result


# ---- display helpers --------------------------------------------------------------

def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "money":
        return f"{value:,.0f}"
    if unit == "pts":
        return f"{value:+.1f}"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "/7":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def kpi_tile(column, kpi) -> None:
    """One KPI tile: value (± margin of error), change and its verdict."""
    change = kpi.change
    current = change.current
    if kpi.unit in ("pts", "%", "/7") and current.value is not None and not current.enough:
        column.metric(kpi.label, "too few answers", help=f"{kpi.help}. Only {current.n:,} answers: fewer than "
                      f"{config.MIN_GROUP_SIZE}, so no figure is shown for this selection.", border=True)
        return
    value = format_value(current.value, kpi.unit)
    if current.moe is not None and kpi.unit in ("pts", "%", "/7") and current.value is not None:
        value += f" ± {current.moe:.1f}" if kpi.unit != "/7" else f" ± {current.moe:.2f}"
    delta = None
    if change.delta is not None:
        delta = f"{format_value(change.delta, 'pts' if kpi.unit in ('pts', '%') else kpi.unit)} ({kpi.verdict})"
    column.metric(
        kpi.label,
        value,
        delta=delta,
        delta_color=("normal" if kpi.higher_is_better else "inverse") if kpi.change.significant else "off",
        help=f"{kpi.help}. n = {current.n:,} now, {change.previous.n:,} in the previous period.",
        border=True,
    )


def chart(spec, frame, *, key: str, note: str | None = None) -> None:
    """Draw an Altair chart (or a ``ReadyChart``) with a download of the exact (aggregated) data behind it
    (``frame``, or its CSV already made, as ``View.figure`` returns it)."""
    if isinstance(spec, ReadyChart):
        st.vega_lite_chart(spec=spec.spec, width="stretch")
    else:
        st.altair_chart(spec, width="stretch")
    left, right = st.columns([3, 1])
    if note:
        left.caption(note)
    if not isinstance(frame, bytes):
        from voc.csv_export import frame_csv

        frame = frame_csv(frame)
    right.download_button("Download data (CSV)", frame, file_name=f"{key}.csv", mime="text/csv",
                          key=f"{key}_download")


def sentence(narrated, *, key: str) -> None:
    """A narrated sentence (already Markdown-safe) with its provenance on demand."""
    from voc.narrate import escape_markdown

    text, source = st.columns([8, 1], vertical_alignment="center")
    text.markdown(narrated.markdown)
    with source.popover("Source", icon=":material/info:", type="tertiary", key=key):
        for line in narrated.provenance:
            st.markdown("- " + escape_markdown(line.describe()))


def too_small(what: str, n: int) -> None:
    """Say that a group is too small instead of drawing it."""
    from voc import config

    st.info(f"{what}: only {n:,} answers, fewer than the {config.MIN_GROUP_SIZE} needed to show a reliable "
            "figure, so it is not drawn.", icon=":material/visibility_off:")


# ---- the current user, global filters and navigation -------------------------------

_PERSONA_KEY = "persona"


def current_user():
    """The signed-in user; in demo mode, the persona picked in the sidebar."""
    from voc import users

    if _PERSONA_KEY not in st.session_state:
        st.session_state[_PERSONA_KEY] = users.DEMO_PERSONAS[0].username
    return users.persona(st.session_state[_PERSONA_KEY])


def persona_switcher() -> None:
    from voc import users

    names = [u.username for u in users.DEMO_PERSONAS]

    def picked():
        # the persona lives in its own state key: a widget's state is dropped when the page
        # (and with it the widget's identity) changes, which a new persona's home page does
        st.session_state[_PERSONA_KEY] = st.session_state["persona_pick"]
        st.query_params.clear()

    with st.sidebar:
        st.markdown("**Demo mode** — pick who you are:")
        st.selectbox(
            "Persona", names, index=names.index(st.session_state[_PERSONA_KEY]), key="persona_pick",
            format_func=lambda name: users.persona(name).display_name, label_visibility="collapsed",
            on_change=picked,
        )


def _widget_filters(opts):
    from voc import filters as flt
    from voc.periods import Period

    state = st.session_state
    preset = state.get("flt_period", flt.DEFAULT_PRESET)
    base = flt.default(opts)
    period = base.period
    if preset in flt.PRESETS:
        period = Period.last_days(flt.PRESETS[preset][1], base.period.end)
    elif isinstance(state.get("flt_range"), (tuple, list)) and len(state["flt_range"]) == 2:
        period = Period(*state["flt_range"])
    unit = state.get("flt_unit") or None
    return flt.Filters(preset, period, unit, tuple(state.get("flt_segment", ())),
                       tuple(state.get("flt_source", ())), tuple(state.get("flt_stage", ())))


def _set_filter_params(values: dict) -> None:
    """Write the global filters into the URL, keeping a page's own keys (?story=, s_start=...)."""
    from voc import filters as flt

    kept = {k: v for k, v in st.query_params.to_dict().items() if k not in flt.URL_KEYS}
    st.query_params.from_dict({**kept, **values})


def _sync_url(opts) -> None:
    _set_filter_params(_widget_filters(opts).to_url())


def refused_link(user, values: dict, messages) -> None:
    """Audit the values of a link that were refused (``url_refused``), once per session and values:
    a rerun of the same page, or the URL it was rewritten to, does not log again."""
    from voc import audit_log

    values = {str(k): str(v) for k, v in values.items()}
    key = tuple(sorted((k, v[:200]) for k, v in values.items()))
    seen = st.session_state.setdefault("_refused_links", set())
    if not values or key in seen:
        return
    seen.add(key)
    audit_log.record(db.get(), user, "url_refused", ",".join(sorted(values)),
                     {"values": values, "messages": list(messages)}, "refused")


def global_filters(user):
    """Sidebar filters bound to the URL; returns valid ``Filters`` (never raises on a bad URL)."""
    from voc import filters as flt

    opts = cached(flt.options)(user)
    raw = {key: st.query_params.get(key) for key in flt.URL_KEYS if key in st.query_params}
    from_link = bool(raw)
    if not raw and "filters" in st.session_state:  # page switches drop the query string
        raw = st.session_state["filters"].to_url()
    chosen, messages = flt.parse(raw, opts)
    for message in messages:
        st.warning(escape_markdown(message), icon=":material/link_off:")
    if messages and from_link:
        used = chosen.to_url()
        refused_link(user, {k: v for k, v in raw.items() if used.get(k) != v}, messages)
    st.session_state["filters"] = chosen
    if raw != chosen.to_url():
        _set_filter_params(chosen.to_url())

    state = st.session_state
    state["flt_period"] = chosen.preset
    state["flt_range"] = (chosen.period.start, chosen.period.end)
    state["flt_unit"] = chosen.unit or ""
    state["flt_segment"], state["flt_source"], state["flt_stage"] = (
        list(chosen.segments), list(chosen.sources), list(chosen.stages))
    names = {u.unit_id: ("\u2003" * {"company": 0, "business_unit": 1, "region": 2}.get(u.level, 3)) + u.name
             for u in opts.units}
    sync = lambda: _sync_url(opts)  # noqa: E731
    with st.sidebar:
        st.markdown("**Filters**")
        st.selectbox("Period", list(flt.PRESETS) + ["custom"], key="flt_period", on_change=sync,
                     format_func=lambda k: flt.PRESETS[k][0] if k in flt.PRESETS else "Custom range")
        if chosen.preset == "custom":
            # a shared link may reach beyond this reader's data: widen the bounds rather than fail
            st.date_input("Date range", key="flt_range", on_change=sync,
                          min_value=min(filter(None, (opts.first_day, chosen.period.start))),
                          max_value=max(filter(None, (opts.last_day, chosen.period.end))))
        st.selectbox("Org unit", [""] + list(names), key="flt_unit", on_change=sync,
                     format_func=lambda k: names.get(k, "All my units") if k else "All my units")
        st.multiselect("Segment", list(opts.segments), key="flt_segment", on_change=sync, placeholder="All")
        st.multiselect("Source", list(opts.sources), key="flt_source", on_change=sync, placeholder="All")
        st.multiselect("Journey stage", list(opts.stages), key="flt_stage", on_change=sync, placeholder="All")
        st.caption(f"{chosen.period.label()} · compared with {chosen.period.previous().label()}")
    return chosen


def context():
    """(user, filters, scope) for the page being drawn; set up by ``app.py``.

    A page run before ``app.py`` has set up this session (a link from Streamlit's
    automatic page list at server start) sets the context up itself.
    """
    if "user" not in st.session_state:
        ensure_database()
        _setup_context(_who())
    return st.session_state["user"], st.session_state["filters"], st.session_state["scope"]


def _setup_context(user) -> None:
    chosen = global_filters(user)
    st.session_state["user"] = user
    st.session_state["scope"] = chosen.scope(user.scope)


def navigation():
    """Persona, filters and ``st.navigation`` with the pages the current role may open."""
    from voc import navigation as nav

    user = _who()
    sections = nav.sections_for(user.role)
    home = sections[0][1][0].path
    page = st.navigation({
        section: [st.Page(p.path, title=p.title, icon=p.icon, default=p.path == home) for p in specs]
        for section, specs in sections
    })
    _setup_context(user)
    return page


def database_kind() -> str | None:
    from voc import queries

    frame = queries.run("database_info")
    return frame.iloc[0]["kind"] if len(frame) else None


def current_scope() -> Scope:
    return st.session_state.get("scope", Scope())


# ---- sign-in (any database that is not a generated demo) ----------------------------

_SESSION = "auth_session"


def _who():
    """The demo persona on demo data; otherwise the signed-in user (the sign-in form stops the run)."""
    from voc import users as users_mod

    if users_mod.demo_mode(cached(database_kind)()):
        user = current_user()
        persona_switcher()
        return user
    user = signed_in_user()
    sign_out_button(user)
    return user


def signed_in_user():
    from voc import auth

    database = db.get()
    previous = st.session_state.get(_SESSION)
    session = auth.resume(previous, database)
    if session is not None:
        st.session_state[_SESSION] = session
        return session.user
    if previous is not None:
        st.session_state.clear()
        st.info("Your session has ended; please sign in again.", icon=":material/lock_clock:")
    (_first_admin_form if auth.needs_first_admin(database) else _sign_in_form)(database)
    st.stop()


def _sign_in_form(database) -> None:
    from voc import auth

    st.title("Sign in")
    with st.form("auth_sign_in", clear_on_submit=True):
        username = st.text_input("Username", key="auth_username", autocomplete="username")
        password = st.text_input("Password", type="password", key="auth_password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            st.session_state[_SESSION] = auth.sign_in(database, username, password)
        except auth.AuthFailed as exc:
            st.error(str(exc), icon=":material/lock:")
        else:
            st.rerun()


def _first_admin_form(database) -> None:
    from voc import auth

    st.title("Create the first admin")
    st.caption("No admin account exists yet. This account will manage users and data. "
               f"Its password needs at least {auth.MIN_PASSWORD_LENGTH} characters. "
               "(Or create it from the command line: `python -m voc users add NAME --role admin`.)")
    with st.form("auth_first_admin", clear_on_submit=True):
        username = st.text_input("Username", key="auth_new_username")
        name = st.text_input("Display name", key="auth_new_name")
        password = st.text_input("Password", type="password", key="auth_new_password")
        repeat = st.text_input("Repeat password", type="password", key="auth_new_repeat")
        submitted = st.form_submit_button("Create admin and sign in", type="primary")
    if submitted:
        try:
            if password != repeat:
                raise ValueError("the two passwords differ")
            auth.create_first_admin(database, username, name, password)
            st.session_state[_SESSION] = auth.sign_in(database, username, password)
        except (ValueError, PermissionError, auth.AuthFailed) as exc:
            st.error(str(exc))
        else:
            st.rerun()


def _sign_out() -> None:
    from voc import auth

    auth.sign_out(st.session_state.get(_SESSION), db.get())
    st.session_state.clear()


def sign_out_button(user) -> None:
    with st.sidebar:
        st.text(f"Signed in as {user.display_name} ({user.role})")
        st.button("Sign out", key="auth_sign_out", icon=":material/logout:", on_click=_sign_out)
