"""What exposure to a problem and a customer's NPS group are worth: NPS, churn and revenue by group.

Customers of the period (signed up by its end, not churned before its start) are flagged in
SQL (``queries/outcomes_by_customer_group.sql``) and compared like with like: among customers
with an order in the period, those with a late delivery against those whose orders were all on
time; among customers with a contact, those who waited over the threshold at least once against
the others; among all customers, those with an incident in their unit during the period against
the others. (Comparing customers with a late order against everyone else would mostly compare
active with inactive customers.) They are also grouped by the NPS group of their latest answer
in the period (return on experience).
Churn counts customers who left from the start of the period to ``churn_days`` after its end,
or to the last day with data if that comes first. Revenue is each customer's average monthly
revenue over the months of the period, averaged over the customers of a group.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from voc import charts, config, metrics, queries
from voc.drivers import LONG_WAIT_MINUTES, fit
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.stats import Change, Estimate, compare

CHURN_DAYS = 60
# dimension -> (label, who is compared with whom)
EXPOSURES = {
    "late_delivery": ("Late delivery", "customers with an order: one or more late vs all on time"),
    "long_wait": ("Wait over {minutes} min", "customers with a contact: waited longer at least once vs never"),
    "incident": ("Incident in their unit", "all customers: an incident in their unit during the period vs none"),
}
NPS_GROUPS = ("promoter", "passive", "detractor")


@dataclass(frozen=True)
class Group:
    name: str
    customers: int
    nps: Estimate
    churn: Estimate  # % of the group's customers who churned in the churn window
    revenue: Estimate  # mean monthly revenue per customer


@dataclass(frozen=True)
class Exposure:
    key: str
    label: str
    compares: str
    exposed: Group
    others: Group

    @property
    def nps(self) -> Change:
        return compare(self.exposed.nps, self.others.nps)

    @property
    def churn(self) -> Change:
        return compare(self.exposed.churn, self.others.churn)

    @property
    def revenue(self) -> Change:
        return compare(self.exposed.revenue, self.others.revenue)


@dataclass(frozen=True)
class Outcomes:
    everyone: Group | None
    exposures: tuple[Exposure, ...]
    by_nps_group: dict  # "promoter" / "passive" / "detractor" -> Group
    churn_until: dt.date | None
    churn_loaded: bool
    long_wait_minutes: int = LONG_WAIT_MINUTES

    @property
    def churn_gap(self) -> Change | None:
        """Detractor churn against promoter churn."""
        d, p = self.by_nps_group.get("detractor"), self.by_nps_group.get("promoter")
        return compare(d.churn, p.churn) if d and p else None

    @property
    def churn_ratio(self) -> float | None:
        """How many times as often detractors churn as promoters (None if it cannot be told)."""
        gap = self.churn_gap
        if gap is None or not gap.significant or not gap.previous.value:
            return None
        return gap.current.value / gap.previous.value


def _group(row) -> Group:
    return Group(row.grp, int(row.customers), metrics.nps(row.promoters, row.detractors, row.nps_n),
                 metrics.churn_rate(int(row.churned), int(row.customers)),
                 metrics.mean(row.revenue_sum, row.revenue_sq_sum, int(row.revenue_n)))


def outcomes(period: Period, long_wait_minutes: int = LONG_WAIT_MINUTES, churn_days: int = CHURN_DAYS, *,
             scope: Scope = ALL, database=None) -> Outcomes:
    params = {**period.params(), "long_wait_seconds": int(long_wait_minutes * 60), "churn_days": int(churn_days)}
    rows = queries.run("outcomes_by_customer_group", params, scope=scope, database=database)
    groups = {(r.dimension, r.grp): _group(r) for r in rows.itertuples()}
    exposures = tuple(
        Exposure(key, label.format(minutes=long_wait_minutes), compares, groups[(key, "exposed")],
                 groups[(key, "not_exposed")])
        for key, (label, compares) in EXPOSURES.items()
        if (key, "exposed") in groups and (key, "not_exposed") in groups)
    until = rows.churn_until.iloc[0] if len(rows) else None
    return Outcomes(groups.get(("all", "all")), exposures,
                    {g: groups[("nps_group", g)] for g in NPS_GROUPS if ("nps_group", g) in groups},
                    pd.Timestamp(until).date() if until is not None and pd.notna(until) else None,
                    bool(rows.churn_loaded.iloc[0]) if len(rows) else False, long_wait_minutes)


def _value(estimate: Estimate, digits: int = 1):
    return round(estimate.value, digits) if estimate.enough else None


def _verdict(change: Change, unit: str) -> str:
    if not change.testable:
        return "too few to tell"
    if not change.significant:
        return "no significant difference"
    return f"{change.delta:+.1f}{unit} (significant)"


def exposure_table(result: Outcomes) -> pd.DataFrame:
    """Exposed against other customers: NPS, churn and revenue, each with n and its test."""
    out = []
    for e in result.exposures:
        out.append({
            "exposure": e.label,
            "customers exposed": e.exposed.customers, "customers not": e.others.customers,
            "NPS exposed": _value(e.exposed.nps), "NPS not": _value(e.others.nps),
            "NPS answers (exposed / not)": f"{e.exposed.nps.n:,} / {e.others.nps.n:,}",
            "NPS gap": _verdict(e.nps, " pts"),
            "churn % exposed": _value(e.exposed.churn), "churn % not": _value(e.others.churn),
            "churn gap": _verdict(e.churn, " pts"),
            "monthly revenue exposed": _value(e.exposed.revenue, 2), "monthly revenue not": _value(e.others.revenue, 2),
            "revenue gap": _verdict(e.revenue, ""),
            "compares": e.compares,
        })
    return pd.DataFrame(out)


def absent_note(result: Outcomes) -> str | None:
    """Which exposures are left out (no customer, or every customer, exposed; or no such data)."""
    shown = {e.key for e in result.exposures}
    missing = [label.format(minutes=result.long_wait_minutes) for key, (label, _) in EXPOSURES.items()
               if key not in shown]
    if not missing or not result.exposures:
        return None
    return ("Not compared: " + ", ".join(missing) + " (no customer, or every customer, exposed in this period "
            "and scope, or no such data).")


def roe_table(result: Outcomes) -> pd.DataFrame:
    """Churn and average monthly revenue per NPS group, with n; groups too small are blanked."""
    return pd.DataFrame([{
        "latest answer": name, "customers (n)": g.customers, "churn %": _value(g.churn),
        "churn 95% margin (pts)": round(g.churn.moe, 1) if g.churn.enough and g.churn.moe is not None else None,
        "customers with revenue (n)": g.revenue.n, "avg monthly revenue": _value(g.revenue, 2),
    } for name, g in result.by_nps_group.items()])


def roe_sentence(result: Outcomes) -> str:
    """'Detractors churn X times as often as promoters', or why that cannot be said."""
    if not result.churn_loaded:
        return "No churn data loaded: the return on experience needs churn events."
    gap = result.churn_gap
    if gap is None or not gap.testable:
        return (f"Too few promoters or detractors (fewer than {config.MIN_GROUP_SIZE}) to compare their churn.")
    if not gap.significant:
        return ("Detractors and promoters churn at rates the data cannot tell apart yet "
                f"({gap.current.value:.1f}% vs {gap.previous.value:.1f}%).")
    if result.churn_ratio is None:
        return f"Detractors churn at {gap.current.value:.1f}%; no promoter churned in the window."
    return (f"Detractors churn {result.churn_ratio:.1f} times as often as promoters "
            f"({gap.current.value:.1f}% vs {gap.previous.value:.1f}%, n = {gap.current.n:,} and {gap.previous.n:,}).")


def roe_chart(result: Outcomes, period: Period):
    """(Altair spec, its data): churn rate with 95% CI per NPS group; groups too small are left out
    (spec None when every group is too small)."""
    rows = []
    for name in NPS_GROUPS:
        g = result.by_nps_group.get(name)
        if g is None or not g.churn.enough:
            continue
        rows.append({"nps_group": name, "churn_pct": round(g.churn.value, 2),
                     "ci_low": round(max(g.churn.value - g.churn.moe, 0.0), 2),
                     "ci_high": round(g.churn.value + g.churn.moe, 2), "customers": g.customers,
                     "avg_monthly_revenue": _value(g.revenue, 2)})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return None, frame
    ratio = result.churn_ratio
    title = (f"Detractors churn {ratio:.1f}× as often as promoters" if ratio
             else "Churn by NPS group: no significant gap between detractors and promoters yet")
    spec = charts.ranked_bars(frame, "nps_group", "churn_pct", title=title, y_title="Latest answer",
                              x_title="Churned (% of customers, 95% CI)", error_low="ci_low", error_high="ci_high",
                              subtitle=f"Churn from {period.start:%d %b %Y} to {result.churn_until:%d %b %Y}"
                              if result.churn_until else None)
    return fit(spec, len(frame), "churn_pct", descending=True), frame
