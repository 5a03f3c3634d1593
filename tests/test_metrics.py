"""Metric formulas against hand-computed values (counts in, value / standard error / n out)."""
from __future__ import annotations

import math

import pytest

from voc import metrics
from voc.stats import Z95


def test_nps_value_se_and_margin():
    # n = 200, 90 promoters (0.45), 50 detractors (0.25): NPS = 45 - 25 = 20 points
    e = metrics.nps(90, 50, 200)
    assert e.value == pytest.approx(20.0)
    # SE = sqrt((p + d - (p - d)^2) / n) * 100 = sqrt((0.45 + 0.25 - 0.04) / 200) * 100 = 5.7446
    assert e.se == pytest.approx(math.sqrt((0.45 + 0.25 - 0.04) / 200) * 100)
    assert e.se == pytest.approx(5.744563, abs=1e-6)
    assert e.moe == pytest.approx(1.959964 * 5.744563, rel=1e-6)   # about 11.26 points
    assert e.n == 200


def test_nps_all_promoters_and_all_detractors():
    top = metrics.nps(10, 0, 10)
    assert (top.value, top.se, top.n) == (pytest.approx(100.0), pytest.approx(0.0), 10)
    bottom = metrics.nps(0, 40, 40)
    assert (bottom.value, bottom.se) == (pytest.approx(-100.0), pytest.approx(0.0))


def test_nps_all_passives():
    e = metrics.nps(0, 0, 25)
    assert e.value == pytest.approx(0.0)
    assert e.se == pytest.approx(0.0)


def test_nps_fixture_company_current():
    # fixture, whole company, current period: 53 promoters, 41 detractors of 131
    e = metrics.nps(53, 41, 131)
    assert e.value == pytest.approx((53 - 41) / 131 * 100)            # 9.16
    assert e.se == pytest.approx(math.sqrt((53 / 131 + 41 / 131 - (12 / 131) ** 2) / 131) * 100)


@pytest.mark.parametrize("fn,args", [
    (metrics.nps, (0, 0, 0)),
    (metrics.csat, (0, 0)),
    (metrics.share, (0, 0)),
    (metrics.ces, (0, 0, 0)),
    (metrics.mean, (0.0, 0.0, 0)),
    (metrics.churn_rate, (0, 0)),
])
def test_zero_n_gives_no_value(fn, args):
    e = fn(*args)
    assert e.value is None and e.se is None and e.n == 0
    assert e.moe is None
    assert not e.enough


def test_csat_is_a_binomial_share():
    # 30 satisfied of 40: 75 %, SE = sqrt(0.75 * 0.25 / 40) * 100 = 6.8465
    e = metrics.csat(30, 40)
    assert e.value == pytest.approx(75.0)
    assert e.se == pytest.approx(math.sqrt(0.75 * 0.25 / 40) * 100)
    assert e.se == pytest.approx(6.846532, abs=1e-6)
    assert e.n == 40


def test_share_extremes():
    assert metrics.share(0, 50).value == pytest.approx(0.0)
    assert metrics.share(0, 50).se == pytest.approx(0.0)
    assert metrics.share(50, 50).value == pytest.approx(100.0)
    half = metrics.share(50, 100)
    assert half.value == pytest.approx(50.0)
    assert half.se == pytest.approx(5.0)   # sqrt(0.25 / 100) * 100


def test_ces_mean_and_standard_error():
    # 10 x 2, 10 x 3, 10 x 4: sum 90, sum of squares 40 + 90 + 160 = 290, mean 3
    e = metrics.ces(90, 290, 30)
    assert e.value == pytest.approx(3.0)
    # sample variance = (290 - 30 * 3^2) / 29 = 20 / 29; SE = sqrt(20 / 29 / 30) = 0.151620
    assert e.se == pytest.approx(math.sqrt(20 / 29 / 30))
    assert e.se == pytest.approx(0.151620, abs=1e-6)
    assert e.n == 30


def test_mean_of_identical_values_has_zero_se():
    e = metrics.mean(5 * 12, 25 * 12, 12)
    assert e.value == pytest.approx(5.0)
    assert e.se == pytest.approx(0.0)


def test_mean_of_one_value_has_no_se():
    e = metrics.mean(4.0, 16.0, 1)
    assert e.value == pytest.approx(4.0)
    assert e.se is None
    assert e.n == 1


def test_mean_with_spread():
    # values 1, 2, 3, 4, 5: mean 3, sample variance 2.5, SE = sqrt(2.5 / 5) = 0.7071
    e = metrics.mean(15, 55, 5)
    assert e.value == pytest.approx(3.0)
    assert e.se == pytest.approx(math.sqrt(0.5))


def test_churn_rate():
    # fixture, company, previous period: 3 of 135 active customers churned
    e = metrics.churn_rate(3, 135)
    assert e.value == pytest.approx(3 / 135 * 100)                       # 2.22 %
    assert e.se == pytest.approx(math.sqrt((3 / 135) * (132 / 135) / 135) * 100)
    assert e.n == 135


def test_volume_is_poisson():
    e = metrics.volume(208)
    assert e.value == pytest.approx(208.0)
    assert e.se == pytest.approx(math.sqrt(208))
    assert e.n == 208
    assert e.moe == pytest.approx(Z95 * math.sqrt(208))


def test_volume_of_zero():
    e = metrics.volume(0)
    assert e.value == pytest.approx(0.0)
    assert e.se == pytest.approx(0.0)
    assert e.n == 0
