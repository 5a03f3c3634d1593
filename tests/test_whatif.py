"""What-if arithmetic (voc/whatif.py), checked by hand on small made-up numbers.

Driver: exposed answers 400 (80 promoters, 240 detractors: NPS -40), others 1,200 (600 promoters,
120 detractors: NPS +40); effect -80 points; exposed share 400 / 1,600 = 25%.
Churn by NPS group: promoters 2%, passives 4%, detractors 10% (1,000 customers each);
10,000 customers in the period, average monthly revenue 50.

Reduce exposure by 40%:
  moved share m       = 0.25 x 0.40                                   = 0.10
  NPS change          = 0.10 x 80                                     = +8.0 points
  churn per moved     = (0.5 - 0.2) x 2 + (0.4 - 0.2) x 4 + (0.1 - 0.6) x 10 = -3.6 points
  churn change        = 0.10 x -3.6                                   = -0.36 points
  customers kept      = 0.0036 x 10,000                               = 36
  revenue per year    = 36 x 12 x 50                                  = 21,600
"""
from __future__ import annotations

import datetime as dt
import math

import pytest

from voc import exposure, metrics, whatif
from voc.drivers import Driver
from voc.exposure import Group, Outcomes
from voc.periods import Period
from voc.scope import Scope
from voc.stats import Estimate, compare

Z95 = 1.959963984540054


def make_driver(label="Late delivery", kind="operational", exposed=(80, 240, 400), others=(600, 120, 1200),
                share=0.25) -> Driver:
    (p1, d1, n1), (p0, d0, n0) = exposed, others
    return Driver(
        key=label.lower().replace(" ", "_"), label=label, kind=kind, compares="",
        nps=compare(metrics.nps(p1, d1, n1), metrics.nps(p0, d0, n0)),
        csat=compare(Estimate(None, None, 0), Estimate(None, None, 0)),
        exposed_share=share, exposed_mix=(p1 / n1, d1 / n1), unexposed_mix=(p0 / n0, d0 / n0))


def group(name, churned, customers=1000, revenue=Estimate(None, None, 0)) -> Group:
    return Group(name, customers, Estimate(None, None, 0), metrics.churn_rate(churned, customers), revenue)


def make_outcomes(detractor_churned=100) -> Outcomes:
    everyone = Group("all", 10_000, Estimate(None, None, 0), metrics.churn_rate(500, 10_000), Estimate(50.0, 1.0, 9000))
    by_group = {"promoter": group("promoter", 20), "passive": group("passive", 40),
                "detractor": group("detractor", detractor_churned)}
    return Outcomes(everyone, (), by_group, dt.date(2026, 12, 30), True)


def test_what_if_arithmetic_by_hand():
    driver = make_driver()
    assert driver.effect == pytest.approx(-80.0)
    result = whatif.what_if(driver, 40, make_outcomes())
    assert result.moved_share == pytest.approx(0.10)
    assert result.nps_change == pytest.approx(8.0)
    assert result.churn_change_pts == pytest.approx(-0.36)
    assert result.customers_kept == pytest.approx(36.0)
    assert result.revenue_per_year == pytest.approx(21_600.0)
    # the CI of the NPS change is the effect's CI scaled by the moved share, sign flipped
    se = math.hypot(math.sqrt((0.2 + 0.6 - 0.4 ** 2) / 400) * 100, math.sqrt((0.5 + 0.1 - 0.4 ** 2) / 1200) * 100)
    low, high = result.nps_change_ci
    assert low == pytest.approx(0.10 * (80 - Z95 * se)) and high == pytest.approx(0.10 * (80 + Z95 * se))
    assert whatif.tiles(result) == [("Expected NPS change", "+8.0 pts"), ("Expected churn change", "-0.36 pts"),
                                    ("Revenue retained per year", "21,600")]
    text = whatif.summary(result)
    assert "by 40% would change NPS by \\+8\\.0 points" in text
    assert "about 36 customers kept" in text and "21,600 of revenue per year" in text


def test_one_customer_kept_is_singular():
    # 36 customers kept at a 40% cut, so a 1% cut keeps 0.9 -> "about 1 customer"
    result = whatif.what_if(make_driver(), 1, make_outcomes())
    assert result.customers_kept == pytest.approx(0.9)
    assert "about 1 customer kept" in whatif.summary(result)


def test_every_assumption_is_stated():
    result = whatif.what_if(make_driver(), 40, make_outcomes())
    text = " ".join(result.assumptions)
    assert "25.0% of NPS answers" in text and "moves 10.00% of all answers" in text
    assert "-80.0-point gap is read as caused by the driver" in text
    assert "promoters 2.0%, passives 4.0%, detractors 10.0%" in text
    assert "non-respondents behave like respondents" in text and "10,000 customers" in text
    assert "12 × the average monthly revenue" in text and "(50.00)" in text
    assert "cost of the improvement is not counted" in text
    markdown = whatif.assumptions_markdown(result)
    assert markdown.startswith("**Assumptions**\n- ") and markdown.count("\n- ") == len(result.assumptions)


def test_no_churn_projection_without_a_significant_churn_gap():
    # detractors churn 2.5% (25 of 1,000) against promoters' 2%: p = 0.45, not significant
    result = whatif.what_if(make_driver(), 40, make_outcomes(detractor_churned=25))
    assert result.nps_change == pytest.approx(8.0)
    assert result.churn_change_pts is None and result.customers_kept is None and result.revenue_per_year is None
    assert "not projected" in result.assumptions[-1]
    assert whatif.tiles(result)[1:] == [("Expected churn change", "—"), ("Revenue retained per year", "—")]


def test_no_churn_projection_on_the_fixture(database):
    # the fixture's detractor churn (3 of 41) is not significantly above promoters' (0 of 53)
    result = exposure.outcomes(Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31)), scope=Scope(), database=database)
    projection = whatif.what_if(make_driver(), 50, result)
    assert projection.churn_change_pts is None
    assert projection.nps_change == pytest.approx(0.25 * 0.5 * 80)


def test_candidates_are_significant_operational_problems():
    bad = make_driver("Late delivery")
    theme = make_driver("Mentions price", kind="theme")
    weak = make_driver("Long wait", exposed=(14, 16, 40), others=(15, 15, 40))       # -5 points, n.s.
    good = make_driver("Fast answer", exposed=(240, 80, 400), others=(120, 600, 1200))  # raises NPS
    assert weak.nps.testable and not weak.nps.significant
    assert [d.label for d in whatif.candidates([bad, theme, weak, good])] == ["Late delivery"]
    worse = make_driver("Outage", exposed=(0, 400, 400))                              # -140 points
    assert [d.label for d in whatif.candidates([bad, worse])] == ["Outage", "Late delivery"]


def test_labels_are_escaped_for_markdown():
    result = whatif.what_if(make_driver("Late *delivery* <b>"), 10, make_outcomes())
    assert "\\*delivery\\* \\<b\\>" in whatif.summary(result)
    assert "\\*delivery\\*" in whatif.assumptions_markdown(result)
