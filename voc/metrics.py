"""The metric definitions, each in one place, computed from counts.

Queries return counts (promoters, detractors, respondents, ...); these functions turn
them into the figures the product shows, with standard errors so that margins of
error and tests of change come for free. Which answers count as promoter (9-10),
detractor (0-6) or satisfied (CSAT 4-5) is decided once, in voc/schema/rollups.sql.

- NPS: % promoters - % detractors, in points (-100..100). Its standard error is
  that of a difference of two proportions from one multinomial sample:
  sqrt((p + d - (p - d)^2) / n) * 100.
- CSAT: % of CSAT answers that are 4 or 5, binomial standard error.
- CES: mean effort on the 1-7 scale (higher = more effort), standard error of a mean.
- Churn rate: customers who churned during a period / customers active at its start, %.
- Revenue at risk: annualised revenue (12 x latest monthly revenue) of customers whose
  latest NPS answer in the period was a detractor score and who had not churned by its
  end (queries/revenue_at_risk_for_period.sql gathers the rows).
"""
from __future__ import annotations

import math

from voc.stats import Estimate


def nps(promoters: int, detractors: int, n: int) -> Estimate:
    if not n:
        return Estimate(None, None, 0)
    p, d = promoters / n, detractors / n
    variance = max(p + d - (p - d) ** 2, 0.0) / n
    return Estimate(100.0 * (p - d), 100.0 * math.sqrt(variance), int(n))


def share(hits: int, n: int) -> Estimate:
    """A percentage with its binomial standard error."""
    if not n:
        return Estimate(None, None, 0)
    p = hits / n
    return Estimate(100.0 * p, 100.0 * math.sqrt(p * (1 - p) / n), int(n))


def csat(satisfied: int, n: int) -> Estimate:
    return share(satisfied, n)


def mean(total: float, total_sq: float, n: int) -> Estimate:
    """A mean from its sum and sum of squares, with the standard error of the mean."""
    if not n:
        return Estimate(None, None, 0)
    m = total / n
    if n < 2:
        return Estimate(m, None, int(n))
    variance = max((total_sq - n * m * m) / (n - 1), 0.0)
    return Estimate(m, math.sqrt(variance / n), int(n))


def ces(effort_sum: float, effort_sq_sum: float, n: int) -> Estimate:
    return mean(effort_sum, effort_sq_sum, n)


def churn_rate(churned: int, active_at_start: int) -> Estimate:
    return share(churned, active_at_start)


def volume(n: int) -> Estimate:
    """A count, treated as Poisson (standard error sqrt(n))."""
    return Estimate(float(n), math.sqrt(n), int(n))
