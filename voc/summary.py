"""The executive summary: what changed in a period, where, why, and what it is worth.

Everything the executive home shows, computed for one period (always against the
previous period of equal length) under the reader's scope: headline KPIs
(``voc.kpis``), a short narrative (``voc.narrate``), NPS by month with its 95% band and
dated annotations, NPS per region, detractor themes ranked by revenue at risk and
closed-loop follow-up health. ``build`` gathers it all in one picklable ``Summary`` so
that the page can cache it with one call.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import altair as alt
import pandas as pd

from voc.loop import value
from voc import charts, config, kpis, metrics, narrate, queries
from voc.narrate import Measure, Provenance
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.stats import Change, Estimate, compare

NPS = Measure("NPS", "pts", True)
LATE = Measure("the late delivery rate", "%", False)
FCR = Measure("first-contact resolution", "%", True)
KPI_MEASURES = {"csat": Measure("CSAT", "%", True), "ces": Measure("customer effort", "/7", False),
                "churn": Measure("churn", "%", False)}
TREND_MONTHS = 12


def _params(*periods: Period, scope: Scope = ALL) -> dict[str, str]:
    """Provenance parameters: the periods' dates and the reader's own filters (the access scope applies too)."""
    names = ("", "previous_")
    found = {f"{names[i]}{k}": v.isoformat() for i, p in enumerate(periods) for k, v in p.params().items()}
    if scope.focus:
        found["org unit"] = scope.focus
    found.update({name: ", ".join(values) for name, values in scope.filters().items()})
    return found


def _run(name: str, period: Period, scope: Scope, database, *, both: bool = False, **extra) -> pd.DataFrame:
    """Run a named query for ``period`` (and its previous period too when ``both``)."""
    params = {**period.params(), **extra}
    if both:
        params.update({f"previous_{k}": v for k, v in period.previous().params().items()})
    return queries.run(name, params, scope=scope, database=database)


def trend_window(period: Period) -> Period:
    """The months shown on the trend: at least a year, and always the previous period, ending with ``period``."""
    month = period.end.year * 12 + period.end.month - TREND_MONTHS
    start = min(dt.date(month // 12, month % 12 + 1, 1), period.previous().start.replace(day=1))
    return Period(start, period.end)


def nps_trend(period: Period, *, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """NPS per month with its 95% band; months with too few answers have no value (never a precise figure)."""
    rows = _run("nps_by_month", trend_window(period), scope, database)
    out = []
    for r in rows.itertuples():
        est = metrics.nps(int(r.promoters), int(r.detractors), int(r.nps_n))
        shown = est.enough
        out.append({"month": pd.Timestamp(r.month), "nps": est.value if shown else None,
                    "low": est.value - est.moe if shown else None, "high": est.value + est.moe if shown else None,
                    "answers": est.n, "enough_answers": shown})
    return pd.DataFrame(out, columns=["month", "nps", "low", "high", "answers", "enough_answers"])


def annotations(period: Period, *, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Dated events (incidents, price changes, initiatives) within the trend's window."""
    return _run("annotations_for_period", trend_window(period), scope, database)


def units(period: Period, *, level: str = "region", scope: Scope = ALL, database=None) -> pd.DataFrame:
    """NPS per org unit of ``level`` with margin of error, change on the previous period and its verdict."""
    out = []
    for r in _run("nps_by_unit_for_period", period, scope, database, both=True, level=level).itertuples():
        change = compare(metrics.nps(r.promoters, r.detractors, r.nps_n),
                         metrics.nps(r.previous_promoters, r.previous_detractors, r.previous_nps_n))
        cur = change.current
        status = ("better" if change.delta > 0 else "worse") if change.significant else "flat"
        low, high = (cur.value - cur.moe, cur.value + cur.moe) if cur.value is not None else (None, None)
        out.append({"unit_id": r.unit_id, "unit": r.name, "nps": cur.value, "moe": cur.moe,
                    "low": low, "high": high, "answers": cur.n,
                    "previous_nps": change.previous.value, "previous_answers": change.previous.n,
                    "change": change.delta, "p": change.p, "significant": change.significant,
                    "status": status, "too_small": not cur.enough, "_change": change})
    columns = ["unit_id", "unit", "nps", "moe", "low", "high", "answers", "previous_nps", "previous_answers",
               "change", "p", "significant", "status", "too_small", "_change"]
    return pd.DataFrame(out, columns=columns).sort_values("nps", ascending=False, ignore_index=True)


def theme_shifts(period: Period, *, scope: Scope = ALL, database=None) -> dict[str, Change]:
    """For each non-positive theme: its share of detractor answers now against the previous period."""
    rows = _run("detractor_theme_mentions_for_period", period, scope, database, both=True)
    rows = rows[rows.theme_id.notna() & (rows.polarity != "positive")].sort_values("label")
    return {r.label: compare(metrics.share(int(r.mentions), int(r.detractors)),
                             metrics.share(int(r.previous_mentions), int(r.previous_detractors)))
            for r in rows.itertuples()}


def themes_by_revenue(period: Period, *, limit: int = 10, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Detractor themes ranked by the annualised revenue of the detractor customers at risk who mention them."""
    return _run("detractor_themes_by_revenue", period, scope, database).head(limit).reset_index(drop=True)


def operations(period: Period, *, scope: Scope = ALL, database=None) -> list[tuple[Measure, Change, Provenance]]:
    """Late delivery rate and first-contact resolution, now against the previous period (missing sources left out)."""
    r = _run("operations_for_period", period, scope, database, both=True).iloc[0]
    source = Provenance("operations_for_period", _params(period, period.previous(), scope=scope))
    found = []
    if r.orders_n or r.previous_orders_n:
        found.append((LATE, compare(metrics.share(int(r.late_n), int(r.delivered_n)),
                                    metrics.share(int(r.previous_late_n), int(r.previous_delivered_n))), source))
    if r.contacts_n or r.previous_contacts_n:
        found.append((FCR, compare(metrics.share(int(r.fcr_n), int(r.contacts_n)),
                                   metrics.share(int(r.previous_fcr_n), int(r.previous_contacts_n))), source))
    return found


@dataclass(frozen=True)
class CaseHealth:
    """Closed-loop follow-up; ``within_sla``: share of the period's cases (due or closed) closed by their due time."""

    cases_total: int
    open_now: int
    opened: int
    within_sla: Estimate
    contacted: int
    median_hours_to_contact: float | None


def case_health(period: Period, *, scope: Scope = ALL, database=None) -> CaseHealth:
    r = _run("case_health_for_period", period, scope, database).iloc[0]
    median = r.median_hours_to_contact
    return CaseHealth(int(r.cases_total), int(r.open_now), int(r.opened),
                      metrics.share(int(r.closed_within_sla), int(r.due_or_closed)), int(r.contacted),
                      None if pd.isna(median) else float(median))


def narrative(period: Period, headline: list[kpis.Kpi], regions: pd.DataFrame, shifts: dict[str, Change],
              ops: list, themes: pd.DataFrame, *, scope: Scope = ALL, subject: str = "") -> list[narrate.Sentence]:
    """Three to five sentences: what changed, where, why (in ``subject``, the unit that drives it), what it is worth."""
    since = f"the previous {period.days} days"
    both = _params(period, period.previous(), scope=scope)
    by_key = {k.key: k for k in headline}
    nps = by_key["nps"].change
    sentences = [narrate.change(NPS, nps, source=Provenance("kpi_totals_for_period", both), since=since)]
    groups = dict(zip(regions["unit"], regions["_change"]))
    where = narrate.where(NPS, nps, groups, source=Provenance("nps_by_unit_for_period", {**both, "level": "region"}))
    if where:
        sentences.append(where)
    why_params = {**both, "org unit": regions.set_index("unit").unit_id.get(subject)} if subject else both
    sentences.append(narrate.rising_shares(shifts, subject=subject,
                                           source=Provenance("detractor_theme_mentions_for_period", why_params)))
    sentences.append(narrate.moved(ops, subject=subject))
    risk = by_key["revenue_at_risk"].change.current
    top = list(zip(themes.label, themes.revenue_at_risk.astype(float)))
    sentences.append(narrate.worth(risk.value or 0.0, risk.n, top=top,
                                   source=Provenance("revenue_at_risk_for_period", _params(period, scope=scope))))
    also = [narrate.change(m, by_key[k].change, source=Provenance("kpi_totals_for_period", both), since=since,
                           topic="also") for k, m in KPI_MEASURES.items() if by_key[k].change.significant]
    if also and len(sentences) < 5:
        sentences.insert(1, also[0])
    return sentences[:5]


@dataclass(frozen=True)
class Summary:
    period: Period
    kpis: list
    sentences: list
    trend: pd.DataFrame
    annotations: pd.DataFrame
    units: pd.DataFrame
    themes: pd.DataFrame
    cases: CaseHealth
    follow_up_value: narrate.Sentence | None = None  # what contacting detractors in time is worth

    @property
    def has_data(self) -> bool:
        return any(k.change.current.n or k.change.previous.n for k in self.kpis if k.key == "volume")


def build(period: Period, *, scope: Scope = ALL, database=None) -> Summary:
    """Everything the executive summary shows, for ``period`` under ``scope``."""
    headline = kpis.headline(period, scope=scope, database=database)
    regions = units(period, scope=scope, database=database)
    themes = themes_by_revenue(period, scope=scope, database=database)
    nps = next(k for k in headline if k.key == "nps").change
    subject = narrate.lead(nps, dict(zip(regions["unit"], regions["_change"]))) or ""
    why_scope = replace(scope, focus=regions.set_index("unit").unit_id[subject]) if subject else scope
    sentences = narrative(period, headline, regions, theme_shifts(period, scope=why_scope, database=database),
                          operations(period, scope=why_scope, database=database), themes, scope=scope,
                          subject=subject)
    cases = case_health(period, scope=scope, database=database)
    follow_up = value.sentence(period, scope=scope, database=database) if cases.cases_total else None
    return Summary(period, headline, sentences, nps_trend(period, scope=scope, database=database),
                   annotations(period, scope=scope, database=database), regions, themes, cases, follow_up)


# ---- what the page draws ------------------------------------------------------------

def trend_chart(s: Summary) -> alt.Chart:
    nps = next(k for k in s.kpis if k.key == "nps").change
    title = narrate.title(NPS, nps, since=f"the previous {s.period.days} days")
    return charts.trend_with_band(s.trend, "month", "nps", "low", "high", title=title,
                                  y_title="NPS (points, −100 to +100)", x_title="Month",
                                  subtitle="Monthly NPS; shaded: 95% confidence band. Dashed lines: events.",
                                  annotations=s.annotations)


def ranked_units(s: Summary) -> pd.DataFrame:
    """The units drawn on the ranking (enough answers), without internal columns."""
    return s.units[~s.units.too_small].drop(columns=["_change", "too_small"])


def units_chart(s: Summary) -> alt.Chart:
    drawn = ranked_units(s)
    if drawn.empty:
        title = "No region has enough answers in this period to rank"
    else:
        best, worst = drawn.iloc[0], drawn.iloc[-1]
        title = f"{best.unit} has the highest NPS ({narrate.value_text(best.nps, 'pts')})"
        if len(drawn) > 1:
            title = (f"NPS: {best.unit} highest ({narrate.value_text(best.nps, 'pts')}), "
                     f"{worst.unit} lowest ({narrate.value_text(worst.nps, 'pts')})")
    moved = [f"{r.unit} {'rose' if r.change > 0 else 'fell'} {abs(r.change):.1f} pts"
             for r in drawn.itertuples() if r.significant]
    subtitle = ("Significant changes: " + ", ".join(moved)) if moved else "No significant change in any region"
    chart = charts.ranked_bars(drawn, "unit", "nps", title=title, x_title="NPS (points), bars: 95% margin of error",
                               status="status", error_low="low", error_high="high", subtitle=subtitle)
    for layer in chart.layer:  # "-x" sorts conflict between the bar and error-bar layers: sort explicitly
        layer.encoding.y.sort = list(drawn.unit)
    return chart.properties(height=alt.Step(28))  # a fixed height is squeezed by the title in st.altair_chart


def small_units_note(s: Summary) -> str | None:
    small = s.units[s.units.too_small]
    if small.empty:
        return None
    names = ", ".join(f"{r.unit} (n = {r.answers})" for r in small.itertuples())
    return f"Not ranked, too few NPS answers to show a reliable figure: {names}."



def themes_title(s: Summary) -> str:
    if s.themes.empty:
        return "No detractor mentioned a theme in this period"
    top = s.themes.iloc[0]
    return (f"{top.label} puts the most revenue at risk: {narrate.money_text(float(top.revenue_at_risk))} a year "
            f"from {int(top.at_risk_customers):,} detractor customers who have not left")


def themes_table(s: Summary) -> pd.DataFrame:
    """The themes table as shown: revenue first, themes from fewer than MIN_GROUP_SIZE customers flagged."""
    columns = ["label", "revenue_at_risk", "at_risk_customers", "mentions", "customers"]
    few = s.themes.customers < config.MIN_GROUP_SIZE
    return s.themes[columns].assign(
        revenue_at_risk=s.themes.revenue_at_risk.astype(float).round(),
        note=few.map({True: f"fewer than {config.MIN_GROUP_SIZE} customers", False: ""}),
    ).rename(columns={"label": "Theme", "mentions": "Detractor mentions", "customers": "Customers",
                      "at_risk_customers": "Customers at risk", "revenue_at_risk": "Revenue at risk (annualised)",
                      "note": "Note"})


def case_tiles(c: CaseHealth) -> list[tuple[str, str, str]]:
    """(label, value, help) for the closed-loop tiles; small counts shown as counts, not shares."""
    sla = c.within_sla
    if sla.enough:
        sla_value = f"{sla.value:.0f}% ± {sla.moe:.0f}"
    elif sla.n:
        sla_value = f"{round(sla.value * sla.n / 100):,} of {sla.n:,}"
    else:
        sla_value = "—"
    hours = c.median_hours_to_contact
    contact = "—" if hours is None else (f"{hours:.0f} h" if hours < 72 else f"{hours / 24:.1f} days")
    return [
        ("Open cases", f"{c.open_now:,}", f"follow-up cases not closed yet, of {c.cases_total:,} in all"),
        ("Closed by their due time", sla_value, f"cases opened in the period that were closed by their due time, of the "
                                         f"{sla.n:,} that are closed or past due (shown as a count below 30)"),
        ("Median time to first contact", contact, f"from opening to first contact, {c.contacted:,} of the "
                                                  f"{c.opened:,} cases opened in the period were contacted"),
    ]
