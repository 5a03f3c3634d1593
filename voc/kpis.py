"""Headline KPIs for a period, each compared with the previous period of equal length."""
from __future__ import annotations

from dataclasses import dataclass

from voc import metrics, queries
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.stats import Change, Estimate, compare


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    unit: str  # "pts", "%", "/7", "", "money"
    higher_is_better: bool
    change: Change
    help: str

    @property
    def verdict(self) -> str:
        """'better', 'worse', 'no significant change', 'too few answers to tell' or 'not tested'."""
        change = self.change
        if change.current.value is None or change.previous.value is None:
            return "no data"
        if change.p is None:
            return "not tested"
        if not change.testable:
            return "too few answers to tell"
        if not change.significant:
            return "no significant change"
        return "better" if (change.delta > 0) == self.higher_is_better else "worse"


def _score_estimates(row) -> dict[str, Estimate]:
    return {
        "nps": metrics.nps(row.promoters, row.detractors, row.nps_n),
        "csat": metrics.csat(row.csat_satisfied, row.csat_n),
        "ces": metrics.ces(row.ces_sum, row.ces_sq_sum, row.ces_n),
        "volume": metrics.volume(row.feedback_n),
    }


def _period_estimates(period: Period, scope: Scope, database) -> dict[str, Estimate]:
    params = period.params()
    totals = queries.run("kpi_totals_for_period", params, scope=scope, database=database).iloc[0]
    churn = queries.run("churn_for_period", params, scope=scope, database=database).iloc[0]
    risk = queries.run("revenue_at_risk_for_period", params, scope=scope, database=database).iloc[0]
    found = _score_estimates(totals)
    found["churn"] = metrics.churn_rate(int(churn.churned), int(churn.active_at_start))
    found["revenue_at_risk"] = Estimate(float(risk.revenue_at_risk), None, int(risk.at_risk_customers))
    return found


SPECS = (
    ("nps", "NPS", "pts", True, "% promoters (9–10) minus % detractors (0–6); ± is the 95% margin of error"),
    ("csat", "CSAT", "%", True, "share of CSAT answers that are 4 or 5 out of 5"),
    ("ces", "Customer effort", "/7", False, "mean effort score, 1 (effortless) to 7 (very hard)"),
    ("volume", "Feedback", "", True, "pieces of feedback from every source"),
    ("churn", "Churn", "%", False, "customers who left during the period / customers active at its start"),
    ("revenue_at_risk", "Revenue at risk", "money", False,
     "annualised revenue of customers whose latest NPS answer was a detractor and who have not left"),
)


def headline(period: Period, scope: Scope = ALL, database=None) -> list[Kpi]:
    """The headline KPIs for ``period`` against the previous period of equal length."""
    now = _period_estimates(period, scope, database)
    before = _period_estimates(period.previous(), scope, database)
    return [
        Kpi(key, label, unit, better, compare(now[key], before[key]), help_text)
        for key, label, unit, better, help_text in SPECS
    ]


def latest_period(days: int = 90, scope: Scope = ALL, database=None) -> Period | None:
    """The ``days`` days ending on the last day with feedback, or None when there is none."""
    coverage = queries.run("data_coverage", scope=scope, database=database).iloc[0]
    last = coverage.feedback_last_day
    if last is None or last != last:  # None or NaT
        return None
    return Period.last_days(days, last.date() if hasattr(last, "date") else last)
