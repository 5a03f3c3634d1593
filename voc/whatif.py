"""What-if: the expected gain from reducing exposure to one driver, with every assumption spelt out.

Arithmetic (shares as fractions, rates in %):

* moved share m = exposed share of NPS answers x reduction. Those answers are assumed to take
  the score mix of unexposed answers.
* NPS change = m x (NPS not exposed - NPS exposed) = -m x effect (and the same for the ends of
  the effect's 95% CI).
* churn change per moved customer = sum over groups g in (promoter, passive, detractor) of
  (share of g among unexposed - share of g among exposed) x churn rate of g.
* churn change = m x churn change per moved customer (percentage points of all customers);
  customers kept = -churn change / 100 x customers of the period;
  revenue retained per year = customers kept x 12 x average monthly revenue per customer.

Churn and revenue are projected only when detractors and promoters churn at significantly
different rates in the period (and every NPS group is large enough to measure): otherwise the
relation they rest on is not established and the projection says so instead.
"""
from __future__ import annotations

from dataclasses import dataclass

from voc import config
from voc.drivers import Driver, escape
from voc.exposure import NPS_GROUPS, Outcomes


@dataclass(frozen=True)
class WhatIf:
    driver: str
    reduction_pct: float
    moved_share: float  # fraction of all NPS answers that stop being exposed
    nps_change: float
    nps_change_ci: tuple[float, float] | None
    churn_change_pts: float | None
    customers_kept: float | None
    revenue_per_year: float | None
    assumptions: tuple[str, ...]


def candidates(drivers) -> list[Driver]:
    """Drivers worth a what-if: operational problems with a significant effect that lowers NPS.

    Themes are left out: a theme comes from the answer's own text, so its gap describes the
    answer rather than measuring something the company could reduce.
    """
    found = [d for d in drivers
             if d.kind == "operational" and d.nps.significant and d.effect < 0 and d.exposed_share]
    return sorted(found, key=lambda d: d.effect)  # the costliest first


def _mix3(mix: tuple[float, float]) -> dict[str, float]:
    promoters, detractors = mix
    return {"promoter": promoters, "passive": 1.0 - promoters - detractors, "detractor": detractors}


def what_if(driver: Driver, reduction_pct: float, result: Outcomes) -> WhatIf:
    """The expected NPS, churn and revenue gain of exposing ``reduction_pct`` % fewer answers to ``driver``."""
    r = reduction_pct / 100.0
    m = driver.exposed_share * r
    nps_change = -driver.effect * m
    ci = driver.ci
    nps_ci = (-ci[1] * m, -ci[0] * m) if ci else None
    assumptions = [
        f"{driver.exposed_share:.1%} of NPS answers in the period were exposed to “{driver.label}”; a "
        f"{reduction_pct:.0f}% reduction moves {m:.2%} of all answers from exposed to not exposed.",
        f"Moved answers take the score mix of unexposed answers: the {driver.effect:+.1f}-point gap is read as "
        "caused by the driver, although it was measured by comparing groups, not by an experiment.",
        "Other drivers and the mix of customers stay as they were; the 95% range of the NPS change carries only "
        "the uncertainty of the measured gap.",
    ]
    groups = result.by_nps_group
    everyone = result.everyone
    gap = result.churn_gap
    usable = (result.churn_loaded and everyone is not None and gap is not None and gap.significant
              and all(g in groups and groups[g].churn.enough for g in NPS_GROUPS))
    churn_change = kept = revenue = None
    if usable:
        exposed, unexposed = _mix3(driver.exposed_mix), _mix3(driver.unexposed_mix)
        per_moved = sum((unexposed[g] - exposed[g]) * groups[g].churn.value for g in NPS_GROUPS)
        churn_change = m * per_moved
        kept = -churn_change / 100.0 * everyone.customers
        window = f"to {result.churn_until:%d %b %Y}" if result.churn_until else "in the window"
        rates = ", ".join(f"{g}s {groups[g].churn.value:.1f}%" for g in NPS_GROUPS)
        assumptions += [
            f"Churn follows the NPS group as measured in this period ({rates} churned from the start of the period "
            f"{window}), and non-respondents behave like respondents: the change applies to all "
            f"{everyone.customers:,} customers of the period.",
        ]
        if everyone.revenue.value is not None:
            revenue = kept * 12.0 * everyone.revenue.value
            assumptions.append(
                f"Each customer kept is worth 12 × the average monthly revenue of the period's customers "
                f"({everyone.revenue.value:,.2f}); customers kept over the churn window are not scaled up to a "
                "full year, and the cost of the improvement is not counted.")
    else:
        assumptions.append("Churn and revenue are not projected: that needs churn data, at least "
                           f"{config.MIN_GROUP_SIZE} customers in each NPS group and a significant difference "
                           "between the churn of detractors and promoters in this period.")
    return WhatIf(driver.label, reduction_pct, m, nps_change, nps_ci, churn_change, kept, revenue,
                  tuple(assumptions))


def tiles(result: WhatIf) -> list[tuple[str, str]]:
    """(label, value) for the three headline figures; "—" where a figure could not be projected."""
    return [
        ("Expected NPS change", f"{result.nps_change:+.1f} pts"),
        ("Expected churn change", "—" if result.churn_change_pts is None else f"{result.churn_change_pts:+.2f} pts"),
        ("Revenue retained per year", "—" if result.revenue_per_year is None else f"{result.revenue_per_year:,.0f}"),
    ]


def assumptions_markdown(result: WhatIf) -> str:
    """The assumptions as a Markdown list, every one escaped."""
    return "**Assumptions**\n" + "\n".join(f"- {escape(a)}" for a in result.assumptions)


def summary(result: WhatIf) -> str:
    """The result in one sentence."""
    text = (f"Reducing “{result.driver}” by {result.reduction_pct:.0f}% would change NPS by "
            f"{result.nps_change:+.1f} points")
    if result.nps_change_ci:
        low, high = result.nps_change_ci
        text += f" (95% CI {low:+.1f} to {high:+.1f})"
    if result.churn_change_pts is not None:
        kept = f"{result.customers_kept:,.0f}"
        text += (f", churn by {result.churn_change_pts:+.2f} points (about {kept} customer"
                 f"{'' if kept == '1' else 's'} kept)")
    if result.revenue_per_year is not None:
        text += f" and keep about {result.revenue_per_year:,.0f} of revenue per year"
    return escape(text + ".")
