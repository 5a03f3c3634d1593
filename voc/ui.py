"""The one module of ``voc`` that imports streamlit: start-up, caching and display helpers.

Caching lives here and only here. Every cached result is keyed by the function, its
arguments (the caller's scope included, by its key) and the database's identity and
generation, so a write or a swapped file invalidates it and no scope ever receives
another scope's result.
"""
from __future__ import annotations

import functools
import threading

import streamlit as st

from voc import config, db
from voc.scope import Scope

_build_lock = threading.Lock()


def ensure_database() -> db.Database:
    """Open the warehouse; on first start build the demo company, showing progress."""
    path = config.db_path()
    if not path.exists():
        with _build_lock:
            if not path.exists():
                _build_demo(path)
    return db.get(path)


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


@st.cache_data(ttl=3600, max_entries=2000, show_spinner=False, hash_funcs={Scope: lambda s: s.key})
def _cached_call(function_id: str, marker: tuple[str, int], _function, args: tuple, kwargs: dict):
    # ``_function`` is left out of the key (leading underscore); ``function_id`` names it.
    return _function(*args, **kwargs)


def cached(function):
    """Wrap a ``voc`` function so that its results are cached under the rules above."""
    function_id = f"{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def call(*args, **kwargs):
        return _cached_call(function_id, _database_marker(), function, args, kwargs)

    return call


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


# ---- navigation and the current user ----------------------------------------------

def current_scope() -> Scope:
    """The scope every read on this page runs under (the whole company until sign-in lands)."""
    return Scope()


def navigation():
    """``st.navigation`` with the pages the current role may open."""
    from voc import navigation as nav

    role = st.session_state.get("role", "executive")
    return st.navigation([st.Page(p.path, title=p.title, icon=p.icon) for p in nav.pages_for(role)])
