"""Chart blocks of a story: a named query, its encoding, and a title that states the finding.

```chart
query: measures_by_unit_for_period   # any named query the story lists
args: {level: region}                # its other parameters ($name: a story parameter)
window: period | both | trend        # dates bound: the block's period (default), the comparison period
                                     # through the period, or at least 12 months to the period's end
x: unit_id | month ...               # a column of the result
y: nps                               # a column, or a measure computed from the counts in the row
color: theme_id                      # optional series column
mark: line | bar | area              # default: line over dates, bar otherwise
annotations: true                    # dated events from annotations_for_period as rules (line charts)
title: "NPS in {{ unit_name }} ..."   # optional; by default the title is computed from the numbers
```

``y`` may name a measure of ``voc.story_measures`` (nps, csat, ces, late_rate, fcr, churn,
theme_share): it is computed per row by ``voc.metrics`` from the counts the query returns, with its
95% band; rows with fewer than ``config.MIN_GROUP_SIZE`` answers are left blank, never drawn as a
precise figure. When the rows also carry ``previous_`` counts, bars are coloured better / worse /
flat by a z-test, Bonferroni-adjusted for the number of bars.
"""
from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from voc import charts, config, narrate, queries
from voc.periods import Period
from voc.story_context import Context
from voc.story_measures import MEASURES, MeasureDef, bonferroni
from voc.story_text import complete, fill

AUTO_DATES = ("start", "end", "previous_start", "previous_end", "baseline_start")
Y_TITLES = {"nps": "NPS (points, −100 to +100)", "csat": "CSAT (% of answers 4–5)",
            "ces": "Customer effort (1–7)",
            "late_rate": "Late deliveries (% of delivered orders)", "fcr": "Resolved at first contact (%)",
            "churn": "Churn (% of customers active at the start)",
            "theme_share": "Share of feedback with text (%)",
            "coverage": "Customers heard from (% of active customers)",
            "contacts_n": "Support contacts"}
LABELS = {"nps": "NPS", "csat": "CSAT", "ces": "Customer effort", "late_rate": "Late delivery rate",
          "fcr": "First-contact resolution", "churn": "Churn", "theme_share": "Theme share",
          "coverage": "Customers heard from", "contacts_n": "Support contacts"}
_UNITS = {"pts": "pts", "%": "%", "/7": "/7"}
X_TITLES = {"day": "Day", "month": "Month", "bucket": "Month", "week": "Week"}
# Measures only charts draw (from coverage_by_segment: customers heard from / active customers).
CHART_MEASURES = {"coverage": MeasureDef("coverage", "customers heard from", "%", True, ("heard", "active"), "share")}


def derived(y: str, columns) -> MeasureDef | None:
    """The measure that computes ``y`` from these columns, if ``y`` is not a column itself."""
    columns = set(columns)
    if y in columns:
        return None
    if y == "theme_share" and {"mentions", "text_n"} <= columns:
        return MeasureDef("theme_share", "theme share", "%", False, ("mentions", "text_n"), "share", True)
    found = CHART_MEASURES.get(y) or MEASURES.get(y)
    return found if found and set(found.columns) <= columns else None


def missing_columns(spec: dict, columns) -> list[str]:
    """Encoding columns of ``spec`` that neither exist in ``columns`` nor can be computed from them."""
    columns = set(columns)
    wanted = [spec.get("x"), spec.get("color")]
    missing = [c for c in wanted if c and c not in columns]
    y = spec.get("y")
    if y and y not in columns and derived(y, columns) is None:
        missing.append(y)
    return missing


def window(ctx: Context, spec: dict) -> tuple[Period, Period]:
    period = ctx.period(spec)
    baseline = ctx.baseline(spec, period)
    kind = spec.get("window") or "period"
    if kind == "period":
        return period, baseline
    if kind == "both":
        return Period(min(baseline.start, period.start), period.end), baseline
    month = period.end.year * 12 + period.end.month - 12
    start = min(dt.date(month // 12, month % 12 + 1, 1), baseline.start.replace(day=1))
    return Period(start, period.end), baseline


def bind_params(ctx: Context, spec: dict, name: str) -> dict:
    """The values for the chart's query: dates filled in by name, everything else from ``args``."""
    shown, baseline = window(ctx, spec)
    auto = {"start": shown.start, "end": shown.end, "previous_start": baseline.start,
            "previous_end": baseline.end, "baseline_start": baseline.start}
    args = {k: (ctx.params.get(v[1:]) if isinstance(v, str) and v.startswith("$") else v)
            for k, v in (spec.get("args") or {}).items()}
    declared = {p.name for p in queries.get(name).params}
    return {**{k: v for k, v in auto.items() if k in declared}, **args}


def _with_measure(frame: pd.DataFrame, y: str, defn: MeasureDef) -> pd.DataFrame:
    rows = frame.to_dict("records")
    current = [defn.estimate(r) for r in rows]
    out = frame.copy()
    out[y] = [e.value if e.enough else None for e in current]
    out[f"{y}_low"] = [e.value - e.moe if e.enough and e.moe is not None else None for e in current]
    out[f"{y}_high"] = [e.value + e.moe if e.enough and e.moe is not None else None for e in current]
    out[f"{y}_n"] = [e.n for e in current]
    if all(f"previous_{c}" in frame.columns for c in defn.columns):
        changes, _ = bonferroni({str(i): defn.change(r) for i, r in enumerate(rows)})
        out["status"] = [("better" if (c.delta > 0) == defn.higher_is_better else "worse") if c.significant else "flat"
                         for c in changes.values()]
    return out


def _fmt(value, unit: str) -> str:
    return narrate.value_text(value, unit) if unit in _UNITS else f"{value:,.0f}"


def _auto_title(data: pd.DataFrame, spec: dict, label: str, unit: str, temporal: bool, subject: str) -> str:
    x, y, color = spec["x"], spec["y"], spec.get("color")
    shown = data.dropna(subset=[y])
    where = f" in {subject}" if subject else ""
    if shown.empty:
        return f"{label}{where}: too few answers to draw"
    if color:
        last = shown[shown[x] == shown[x].max()].sort_values(y, ascending=False).iloc[0]
        return f"{label}{where}: {last[color]} highest at the latest point ({_fmt(last[y], unit)})"
    low, high = shown.loc[shown[y].idxmin()], shown.loc[shown[y].idxmax()]
    if temporal:
        def when(v):
            return f"{pd.Timestamp(v):%b %Y}"
        return (f"{label}{where}: lowest {_fmt(low[y], unit)} in {when(low[x])}, "
                f"highest {_fmt(high[y], unit)} in {when(high[x])}")
    if len(shown) == 1:
        return f"{label}{where}: {high[x]} at {_fmt(high[y], unit)}"
    return f"{label}{where}: {high[x]} highest ({_fmt(high[y], unit)}), {low[x]} lowest ({_fmt(low[y], unit)})"


def _lines(data: pd.DataFrame, x: str, y: str, color: str | None, title: str, y_title: str, x_title: str):
    enc = {"x": alt.X(f"{x}:T", title=x_title), "y": alt.Y(f"{y}:Q", title=y_title),
           "tooltip": [alt.Tooltip(f"{x}:T", title=x_title), alt.Tooltip(f"{y}:Q", format=".1f")]}
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color.replace("_", " ").capitalize())
        enc["tooltip"].append(f"{color}:N")
    return alt.Chart(data).mark_line(point=True).encode(**enc).properties(
        title=alt.TitleParams(title, anchor="start"), height=280)


def build(ctx: Context, spec: dict) -> tuple[object | None, pd.DataFrame, str, str | None]:
    """(Altair chart or None, the data behind it, its title, a note or the reason it is not drawn)."""
    name = spec["query"]
    scope = ctx.block_scope(spec, segment=ctx.value(spec, "segment"))
    frame = ctx.run(name, bind_params(ctx, spec, name), scope)
    x, y, color = spec["x"], spec["y"], spec.get("color")
    if frame.empty:
        return None, frame, "", "No data for this chart in the period and scope."
    defn = derived(y, frame.columns)
    data = _with_measure(frame, y, defn) if defn else frame.copy()
    temporal = pd.api.types.is_datetime64_any_dtype(data[x]) or isinstance(data[x].iloc[0], dt.date)
    if temporal:
        data[x] = pd.to_datetime(data[x])
    unit = defn.unit if defn else ""
    label = LABELS.get(y, y.replace("_", " ").capitalize())
    if y == "theme_share" and "theme_id" in data.columns and data.theme_id.nunique() == 1 and not color:
        label = f"Share of written feedback mentioning {ctx.theme_label(data.theme_id.iloc[0])}"
    subject = ctx.subject(spec)
    custom = spec.get("title") if isinstance(spec.get("title"), str) else None
    title = (fill(custom, ctx.names, ctx.exports, escape=False) if custom and complete(custom, ctx.names, ctx.exports)
             else _auto_title(data, spec, label, unit, temporal, subject))
    y_title = spec.get("y_title") or Y_TITLES.get(y, y.replace("_", " "))
    x_title = spec.get("x_title") or (X_TITLES.get(x, x.replace("_", " ").capitalize()) if temporal else "")
    keep = [c for c in (x, color, y, f"{y}_low", f"{y}_high", f"{y}_n", "status") if c and c in data.columns]
    keep += [c for c in ("name", "label") if c in data.columns and c not in keep]
    data = data[keep]
    if data[y].isna().all():
        return None, data, title, (f"Too few answers in every group (fewer than {config.MIN_GROUP_SIZE}) to draw "
                                   "a reliable figure.")
    blank = int(data[y].isna().sum())
    note = f"{blank} point(s) with fewer than {config.MIN_GROUP_SIZE} answers are left blank." if blank else None
    mark = spec.get("mark") or ("line" if temporal else "bar")
    if mark == "bar":
        drawn = data.dropna(subset=[y]).sort_values(y, ascending=False)
        chart = charts.ranked_bars(drawn, x, y, title=title, x_title=y_title,
                                   status="status" if "status" in drawn.columns else None,
                                   error_low=f"{y}_low" if defn else None, error_high=f"{y}_high" if defn else None,
                                   subtitle="Bars: 95% margin of error" if defn else None)
        for layer in chart.layer:
            layer.encoding.y.sort = list(drawn[x])
        return chart.properties(height=alt.Step(28)), drawn, title, note
    if mark == "area" and color:
        return charts.stacked_share(data, x, y, color, title=title, y_title=y_title, x_title=x_title), data, title, note
    if defn and not color:
        notes = None
        if spec.get("annotations"):
            shown, _ = window(ctx, spec)
            notes = ctx.run("annotations_for_period", {"start": shown.start, "end": shown.end}, scope)
        chart = charts.trend_with_band(data, x, y, f"{y}_low", f"{y}_high", title=title, y_title=y_title,
                                       x_title=x_title, subtitle="Shaded: 95% confidence band. Dashed lines: events."
                                       if notes is not None and len(notes) else "Shaded: 95% confidence band.",
                                       annotations=notes)
        return chart, data, title, note
    return _lines(data, x, y, color, title, y_title, x_title), data, title, note
