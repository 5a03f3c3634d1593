"""Region / business-unit view: one org unit against the company and its peers, its journey
stages, its operations beside NPS by month, its top themes with verbatims, its open cases.

The unit in focus is the global Org unit filter (``scope.focus``) or, without one, the
reader's own unit(s). Everything runs under the reader's scope, so a manager never reads
another unit's rows: peers (sibling units, or the focus unit's children) appear only when
they are inside the reader's rights. The one exception is ``company_benchmark``: a single
company-wide aggregate row, read unscoped on purpose (its docstring says why).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

import altair as alt
import pandas as pd

from voc import charts, config, metrics, queries
from voc.narrate import delta_text, escape_markdown, value_text
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.stats import compare

MIN = config.MIN_GROUP_SIZE
NPS_AXIS = "NPS (points, −100 to +100)"
VERDICT_COLOURS = {"above the company": charts.PALETTE["better"], "below the company": charts.PALETTE["worse"],
                   "cannot tell yet": charts.PALETTE["flat"], "benchmark": "#90a4ae"}


@dataclasses.dataclass(frozen=True)
class Section:
    """One block of the page: a finding, the aggregated data behind it and its chart."""

    title: str
    frame: pd.DataFrame
    chart: alt.TopLevelMixin | None = None
    note: str = ""
    empty: str | None = None  # a helpful message instead of the chart
    unit_name: str = ""
    quotes: dict = dataclasses.field(default_factory=dict)  # theme label -> Markdown-safe lines
    heading: str = ""
    too_small: tuple | None = None  # (what, n) when the unit in focus is too small to show


def _scores(row) -> dict:
    return {"nps": metrics.nps(row.promoters, row.detractors, row.nps_n),
            "csat": metrics.csat(row.csat_satisfied, row.csat_n),
            "ces": metrics.ces(row.ces_sum, row.ces_sq_sum, row.ces_n)}


def _shown(estimate, digits: int = 1) -> float | None:
    """The value, or None for a group too small to show as a number."""
    return round(estimate.value, digits) if estimate.enough else None


def _with_band(estimate) -> tuple:
    """(value, low, high) of the 95% interval, rounded; all None for a group too small to show."""
    moe = (estimate.moe or 0.0) if estimate.enough else None
    return (None,) * 3 if moe is None else tuple(round(estimate.value + d, 1) for d in (0, -moe, moe))


def company_benchmark(period: Period, *, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """The company-wide score counts for ``period``: exactly one row of aggregates, no unit rows.

    Why this read is unscoped: a manager may not see other units' rows, but the company
    figure is the benchmark every manager is meant to be measured against, and one NPS /
    CSAT / CES aggregate over every unit reveals no single unit. So the org-unit part of
    ``scope`` (rights and focus) is dropped deliberately by starting from ``Scope()``; only
    the reader's segment / source / journey-stage filters are kept, so that the benchmark
    compares like with like. The query groups by nothing; a result with any other shape
    is refused rather than returned.
    """
    benchmark_scope = Scope().narrow(None, scope.segments, scope.sources, scope.stages)
    frame = queries.run("company_benchmark_for_period", period.params(), scope=benchmark_scope, database=database)
    if len(frame) != 1 or "unit_id" in frame.columns:
        raise RuntimeError("company_benchmark_for_period must return one aggregate row and no unit rows")
    return frame


def _descendants(units: pd.DataFrame, roots) -> set[str]:
    found, stack = set(), list(roots)
    while stack:
        unit = stack.pop()
        if unit not in found:
            found.add(unit)
            stack.extend(units.index[units.parent_id == unit])
    return found


def _focus_and_peers(units: pd.DataFrame, scope: Scope) -> tuple[str | None, list[str]]:
    """The unit in focus and the units to show beside it, all inside the reader's rights."""
    allowed = set(units.index) if scope.units is None else _descendants(units, scope.units & set(units.index))
    inside = units[units.index.isin(allowed)]
    roots = sorted(u for u in allowed & set(scope.units or ()) if units.parent_id.get(u) not in allowed)
    focus = scope.focus
    if focus is None and scope.units is None:
        focus = next(iter(inside.index[inside.parent_id.isna()]), None)
    elif focus is None and len(roots) == 1:
        focus = roots[0]
    if focus is None or focus not in allowed:  # several own units: side by side
        return None, roots
    children = list(inside.index[inside.parent_id == focus])
    peers = children or list(inside.index[inside.parent_id == units.parent_id.get(focus)])
    return focus, sorted(peers, key=lambda u: units.name[u])


def comparison(period: Period, *, scope: Scope = ALL, database=None) -> Section:
    """NPS, CSAT and CES of the unit in focus beside its in-scope peers and the company."""
    rights_scope = dataclasses.replace(scope, focus=None)  # the reader's rights and filters, every own unit
    units = queries.run("scores_by_unit_for_period", period.params(), scope=rights_scope,
                        database=database).set_index("unit_id")
    focus, peers = _focus_and_peers(units, scope)
    name = units.name[focus] if focus else "Your units"
    own = units.loc[[focus]] if focus else units.loc[peers]
    total = own.drop(columns=["name", "parent_id", "level"]).sum().to_frame().T.assign(name=name)
    shown = [u for u in peers if u != focus]
    rows = pd.concat([total if units.level.get(focus) != "company" else total.iloc[:0], units.loc[shown]])
    company = company_benchmark(period, scope=scope, database=database)
    bench = _scores(company.iloc[0])["nps"]
    counts = ["promoters", "detractors", "nps_n"]
    records = []
    for row in pd.concat([rows, company.assign(name="Company (all units)")], ignore_index=True).itertuples():
        s = _scores(row)
        rest = company[counts].iloc[0] - [getattr(row, c) for c in counts]  # the company without this unit
        test = compare(s["nps"], metrics.nps(rest.promoters, rest.detractors, rest.nps_n))
        verdict = ("benchmark" if row.Index == len(rows) else "too few answers" if not test.testable
                   else "cannot tell yet" if not test.significant
                   else "above the company" if test.delta > 0 else "below the company")
        nps, low, high = _with_band(s["nps"])
        records.append({"unit": row.name, "nps": nps, "nps_low": low, "nps_high": high, "nps_n": s["nps"].n,
                        "csat_pct": _shown(s["csat"]), "csat_n": s["csat"].n,
                        "ces": _shown(s["ces"], 2), "ces_n": s["ces"].n, "vs_company": verdict})
    frame = pd.DataFrame(records)
    first = frame.iloc[0]
    company_text, whose = value_text(bench.value, "pts"), name + ("'" if name.endswith("s") else "'s")
    if units.level.get(focus) == "company":
        differ = [f"{u} ({v.split()[0]})" for u, v in zip(frame.unit, frame.vs_company) if v.endswith("company")]
        title = (f"NPS differs significantly from the company's ({company_text}) in " + ", ".join(differ) if differ
                 else f"No unit's NPS differs significantly from the company's ({company_text})")
    elif pd.isna(first.nps):
        title = f"Too few NPS answers in {name} ({first.nps_n}) to compare it with the company"
    elif first.vs_company in ("above the company", "below the company"):
        gap = delta_text(first.nps - bench.value, "pts")
        title = (f"{whose} NPS is {gap} {first.vs_company.split()[0]} the company's "
                 f"({value_text(first.nps, 'pts')} vs {company_text})")
    else:
        title = (f"The data cannot tell yet whether {whose} NPS differs from the company's "
                 f"({value_text(first.nps, 'pts')} vs {company_text})")
    small = frame[frame.nps.isna()]
    note = " ".join(([] if shown else ["Other units are outside your access: the company aggregate is the benchmark."])
                    + ["Against the company = tested against the rest of the company (95%)."]
                    + ([f"Not drawn (fewer than {MIN} NPS answers): " + ", ".join(
                        f"{u} (n = {n})" for u, n in zip(small.unit, small.nps_n)) + "."] if len(small) else []))
    drawn = frame[frame.nps.notna()]
    empty = None if len(drawn) else f"No unit has {MIN} NPS answers in this period, so nothing is drawn."
    chart = _bars(drawn, "unit", "nps", NPS_AXIS, title=title, company=bench.value,
                  subtitle="NPS by unit with 95% margins of error; dashed line: the company")
    return Section(title, frame, chart, note, empty, name, heading="Against the company" + (" and peers" * bool(shown)),
                   too_small=(f"NPS for {name}", int(first.nps_n)) if pd.isna(first.nps) else None)


def _bars(drawn: pd.DataFrame, category: str, value: str, axis: str, *, title: str, subtitle: str,
          y_title: str | None = None, company: float | None = None):
    """Horizontal bars of ``value`` with 95% error bars (``value``_low / _high), coloured against
    the company (a dashed line) when ``company`` is given.

    Streamlit fits the whole chart (titles, axes, legend included) into ``height``, so the
    height grows with the number of bars plus room for the titles.
    """
    base = alt.Chart(drawn).encode(y=alt.Y(f"{category}:N", sort=None, title=y_title))
    colour = (alt.Color("vs_company:N", title="Against the company", scale=alt.Scale(
        domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values()))) if company is not None
        else alt.value(charts.PALETTE["line"]))
    bars = base.mark_bar().encode(x=alt.X(f"{value}:Q", title=axis), color=colour,
                                  tooltip=charts.tooltips(drawn, [c for c in drawn.columns if drawn[c].notna().any()]))
    errors = base.mark_errorbar(color="black").encode(x=alt.X(f"{value}_low:Q", title=axis), x2=f"{value}_high:Q")
    layers = [bars, errors]
    if company is not None:
        layers.append(alt.Chart(pd.DataFrame({"company": [round(company, 1)]})).mark_rule(
            strokeDash=[5, 3], color="black").encode(x=alt.X("company:Q", title=axis), tooltip=["company:Q"]))
    return alt.layer(*layers).properties(title=alt.TitleParams(title, subtitle=[subtitle], anchor="start"),
                                         height=180 + 36 * len(drawn))


STAGE_METRICS = {"nps": ("NPS", "pts", NPS_AXIS), "csat": ("CSAT", "%", "CSAT (% satisfied, 4–5 of 5)")}


def journey_stages(period: Period, *, scope: Scope = ALL, database=None) -> Section:
    """NPS and CSAT per journey stage, with n; stages below the minimum group size are flagged.

    The chart shows whichever of NPS and CSAT has enough answers in more stages (NPS on a tie).
    """
    raw = queries.run("journey_stage_scores_for_period", period.params(), scope=scope, database=database)
    estimates = {r.journey_stage: {"nps": metrics.nps(r.promoters, r.detractors, r.nps_n),
                                   "csat": metrics.csat(r.csat_satisfied, r.csat_n)} for r in raw.itertuples()}
    frame = pd.DataFrame([{"journey_stage": stage, "feedback_n": int(n), "nps_n": e["nps"].n, "csat_n": e["csat"].n,
                           **dict(zip(("nps", "nps_low", "nps_high"), _with_band(e["nps"]))),
                           **dict(zip(("csat", "csat_low", "csat_high"), _with_band(e["csat"]))),
                           "flag": "" if e["nps"].enough or e["csat"].enough else f"too few answers (< {MIN})"}
                          for (stage, e), n in zip(estimates.items(), raw.feedback_n)],
                         columns=["journey_stage", "feedback_n", "nps", "nps_low", "nps_high", "nps_n",
                                  "csat", "csat_low", "csat_high", "csat_n", "flag"])
    metric = max(STAGE_METRICS, key=lambda m: (frame[m].notna().sum(), m == "nps"))
    label, unit, axis = STAGE_METRICS[metric]
    drawn = frame[frame[metric].notna()].sort_values(metric)
    if drawn.empty:
        return Section("Too few answers per journey stage", frame, empty=(
            f"No journey stage has {MIN} NPS or CSAT answers in this period; see the table for n." if len(frame)
            else "No feedback in this period for this unit."))
    lowest = [estimates[s][metric] for s in drawn.journey_stage[:2]]
    stage = drawn.journey_stage.iloc[0]
    title = f"{label} is lowest at the {stage} stage ({value_text(lowest[0].value, unit)})"
    if len(lowest) == 1:
        title = f"Only the {stage} stage has enough {label} answers: {value_text(lowest[0].value, unit)}"
    elif compare(lowest[1], lowest[0]).significant:
        title += f", significantly below {drawn.journey_stage.iloc[1]} ({value_text(lowest[1].value, unit)})"
    else:
        title += f", but the data cannot tell it apart from {drawn.journey_stage.iloc[1]}"
    small = frame[frame[metric].isna()]
    note = (f"Not drawn (fewer than {MIN} {label} answers): " + ", ".join(
        f"{s} (n = {n})" for s, n in zip(small.journey_stage, small[f"{metric}_n"])) + ".") if len(small) else ""
    chart = _bars(drawn.drop(columns=["flag"]), "journey_stage", metric, axis, title=title, y_title="Journey stage",
                  subtitle=f"{label} by journey stage, lowest first, with 95% margins of error")
    return Section(title, frame, chart, note)


def trend_window(period: Period) -> Period:
    """The months shown for operations: the period, widened to the 12 months ending with it."""
    end = period.end
    first = dt.date(end.year - (1 if end.month < 12 else 0), end.month % 12 + 1, 1)
    return Period(min(first, period.start.replace(day=1)), end)


# column, axis title, the count it rests on, its unit, and which way is worse
OPERATIONS = (("nps", "NPS (points)", "nps_n", " pts", min),
              ("on_time_pct", "On-time delivery (%)", "delivered_n", "%", min),
              ("avg_wait_min", "Average wait (minutes)", "contacts_n", " min", max),
              ("fcr_pct", "First-contact resolution (%)", "contacts_n", "%", min))


def operations(period: Period, *, scope: Scope = ALL, database=None) -> Section:
    """On-time delivery, average wait and first-contact resolution beside NPS, by month."""
    window = trend_window(period)
    raw = queries.run("operations_by_month", window.params(), scope=scope, database=database)
    frame = pd.DataFrame({
        "month": pd.to_datetime(raw.month), "nps": None, "nps_n": raw.nps_n,
        "on_time_pct": (100 * (raw.delivered_n - raw.late_n) / raw.delivered_n.where(raw.delivered_n > 0)).round(1),
        "delivered_n": raw.delivered_n, "late_n": raw.late_n,
        "avg_wait_min": (raw.wait_seconds_sum / 60 / raw.contacts_n.where(raw.contacts_n > 0)).round(2),
        "fcr_pct": (100 * raw.fcr_n / raw.contacts_n.where(raw.contacts_n > 0)).round(1),
        "contacts_n": raw.contacts_n})
    nps = [metrics.nps(r.promoters, r.detractors, r.nps_n) for r in raw.itertuples()]
    frame["nps"] = [None if e.value is None else round(e.value, 1) for e in nps]
    enough = [(m, e, i) for i, (m, e) in enumerate(zip(frame.month, nps)) if e.enough]
    if len(enough) >= 2:
        low_month, low, i = min(enough, key=lambda x: x[1].value)
        rest = raw[["promoters", "detractors", "nps_n"]].drop(index=raw.index[i]).sum()
        others = metrics.nps(rest.promoters, rest.detractors, rest.nps_n)
        change = compare(enough[-1][1], enough[0][1])
        since = f"{enough[0][0]:%b %Y} to {enough[-1][0]:%b %Y}"
        title = (f"NPS dipped to {value_text(low.value, 'pts')} in {low_month:%b %Y}, significantly below the other "
                 f"months ({value_text(others.value, 'pts')})" if _dip(compare(low, others), len(enough))
                 else f"NPS {'rose' if change.delta > 0 else 'fell'} {delta_text(change.delta, 'pts')} from {since}"
                 if change.significant else f"NPS shows no significant change from {since}")
    else:
        title = f"Too few NPS answers per month (< {MIN}) to tell a trend"
    worst = []  # per operational measure: its worst month, scored in median absolute deviations from the median
    for key, label, n, unit, worse in OPERATIONS[1:]:
        series = frame[frame[n] >= MIN].set_index("month")[key].dropna()
        spread = (series - series.median()).abs().median()
        if len(series) >= 3 and spread > 0:
            month = series.idxmin() if worse is min else series.idxmax()
            worst.append((abs(series[month] - series.median()) / spread, label.split(" (")[0], month,
                          f"{series[month]:.1f}{unit} against a median month of {series.median():.1f}{unit}"))
    finding = ""
    if worst:
        _, label, month, text = max(worst)
        finding = f"Most unusual operational month: {label.lower()} in {month:%b %Y} ({text})"
    long = pd.concat([frame.loc[frame[n] >= MIN, ["month", key]].rename(columns={key: "value"}).assign(measure=label)
                      for key, label, n, _, _ in OPERATIONS]).dropna(subset=["value"])
    has_ops = int(frame.delivered_n.sum() + frame.contacts_n.sum()) > 0
    note = (f"{window.label()}, by month; months with fewer than {MIN} answers, orders or contacts are not drawn. "
            "On-time = delivered by the promised time, of delivered orders. "
            + ("" if has_ops else "No operational data loaded: this view needs orders or contacts."))
    chart = _small_multiples(long, window, title, finding) if len(long) else None
    empty = None if chart else ("No feedback, orders or contacts in these months." if frame.empty
                                else f"Every month has fewer than {MIN} answers, orders or contacts.")
    return Section(title + (f". {finding}" if finding else ""), frame, chart, note, empty)


def _dip(change, months: int) -> bool:
    """Significant after a Bonferroni correction: the lowest of ``months`` months was picked, not chosen ahead."""
    return change.testable and change.p < config.ALPHA / months


def _small_multiples(long: pd.DataFrame, window: Period, title: str, subtitle: str):
    domain = [pd.Timestamp(window.start).isoformat(), pd.Timestamp(window.end).isoformat()]
    labels = [label for _, label, _, _, _ in OPERATIONS if (long.measure == label).any()]
    panels = [alt.Chart(long[long.measure == label]).mark_line(point=True, color=charts.PALETTE["line"]).encode(
        x=alt.X("month:T", title="Month" if label == labels[-1] else None, scale=alt.Scale(domain=domain)),
        y=alt.Y("value:Q", title=label, scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("month:T", format="%b %Y"), alt.Tooltip("value:Q", title=label)],
    ).properties(height=110, width="container") for label in labels]
    return alt.vconcat(*panels).properties(title=alt.TitleParams(title, subtitle=[subtitle] if subtitle else [],
                                                                 anchor="start"))


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ().-]{6,}\d")


def plain_quote(text: str) -> str:
    """A verbatim as one line of Markdown-safe text: e-mail addresses and phone numbers masked,
    whitespace collapsed, every Markdown / HTML special character escaped."""
    text = _PHONE.sub("[phone]", _EMAIL.sub("[email]", " ".join(str(text).split())))
    return escape_markdown(text)


def _quote(row) -> str:
    meta = f"{row.source}, {pd.Timestamp(row.submitted_at):%d %b %Y}"
    meta += "" if pd.isna(row.nps) else f", NPS {int(row.nps)}"
    return f"> {plain_quote(row.text)}  \n> — *{escape_markdown(meta)}*"


def top_themes(period: Period, *, scope: Scope = ALL, database=None, limit: int = 5, per_theme: int = 3) -> Section:
    """The most mentioned themes (share of feedback, detractor share) with recent verbatims."""
    raw = queries.run("top_themes_for_period", period.params(), scope=scope, database=database).head(limit)
    if raw.empty:
        return Section("No themes in this period", raw, empty="No feedback with themes in this period for this unit.")
    frame = pd.DataFrame({
        "theme_id": raw.theme_id, "theme": raw.label, "mentions": raw.mentions,
        "share_pct": (100 * raw.mentions / raw.feedback_n).round(1),
        "detractors": raw.detractors, "nps_n": raw.nps_n,
        "detractor_share_pct": (100 * raw.detractors / raw.nps_n).round(1).where(raw.nps_n >= MIN)})
    top = frame.iloc[0]
    title = f"{top.theme} is the most mentioned theme: {top.share_pct:.1f}% of feedback"
    if pd.notna(top.detractor_share_pct):
        title += f", {top.detractor_share_pct:.0f}% of its NPS answers from detractors"
    verbatims = queries.run("verbatims_for_themes", {**period.params(), "themes": list(frame.theme_id),
                                                     "per_theme": per_theme}, scope=scope, database=database)
    labels = dict(zip(frame.theme_id, frame.theme))
    found = {t: [_quote(r) for r in part.itertuples()] for t, part in verbatims.groupby("theme_id")}
    quotes = {labels[t]: found.get(t, []) for t in frame.theme_id}
    note = (f"Share of feedback = feedback mentioning the theme / all feedback ({int(raw.feedback_n.iloc[0]):,}). "
            f"Detractor share = detractors / NPS answers mentioning it; shown only with {MIN}+ NPS answers.")
    chart = charts.ranked_bars(frame.drop(columns=["theme_id"]), "theme", "share_pct", title=title,
                               x_title="Share of feedback (%)", y_title="Theme")
    chart = chart.properties(height=110 + 30 * len(frame))  # Streamlit fits titles and axes into the height
    return Section(title, frame, chart, note, quotes=quotes)


def open_cases(as_of: dt.datetime, *, scope: Scope = ALL, database=None) -> Section:
    """Open and in-progress follow-up cases, soonest due first, with how many are overdue at ``as_of``."""
    counts = queries.run("follow_up_cases_by_status", {"as_of": as_of}, scope=scope, database=database)
    frame = queries.run("open_cases_by_due_time", scope=scope, database=database)
    frame["overdue"] = frame.due_at < pd.Timestamp(as_of)
    if counts.empty:
        return Section("Follow-up cases are not tracked yet", frame,
                       empty="Follow-up cases are not tracked yet for this unit: none have been opened.")
    still_open = counts[counts.status.isin(["open", "in_progress"])]
    n_open, n_late = int(still_open.cases.sum()), int(still_open.due_before.sum())
    if not n_open:
        return Section("No open follow-up cases", frame,
                       empty=f"No open follow-up cases: all {int(counts.cases.sum()):,} are closed.")
    title = f"{n_open:,} open follow-up case{'s' if n_open != 1 else ''}, {n_late:,} overdue"
    note = "" if n_open <= len(frame) else f"Showing the {len(frame)} due soonest."
    return Section(title, frame, note=note)
