"""Headline KPIs on the fixture: values, standard errors, deltas and verdicts, computed by hand.

Counts come from tests/fixture.sql (derivations in tests/conftest.py). Each expected figure is the
metric's formula written out with those literal counts.
"""
from __future__ import annotations

import datetime as dt
import math

import pytest

from voc import kpis
from voc.periods import Period
from voc.scope import ALL, Scope

CURRENT = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))


def nps(p, d, n):
    return (p - d) / n * 100, math.sqrt((p / n + d / n - ((p - d) / n) ** 2) / n) * 100, n


def share(hits, n):
    return hits / n * 100, math.sqrt((hits / n) * (1 - hits / n) / n) * 100, n


def mean(total, total_sq, n):
    m = total / n
    return m, math.sqrt((total_sq - n * m * m) / (n - 1) / n), n


def volume(n):
    return float(n), math.sqrt(n), n


# key -> ((value, se, n) current, (value, se, n) previous, verdict)
EXPECTED = {
    "company": {
        # NPS 53/41 of 131 -> 9.16 vs 70/23 of 131 -> 35.88: delta -26.7, z = -2.69 (p 0.007)
        "nps": (nps(53, 41, 131), nps(70, 23, 131), "worse"),
        # CSAT 20/40 = 50 % vs 30/40 = 75 %: z = -2.39 (p 0.017)
        "csat": (share(20, 40), share(30, 40), "worse"),
        # CES mean 120/30 = 4.0 vs 90/30 = 3.0, lower is better: z = 4.66
        "ces": (mean(120, 500, 30), mean(90, 290, 30), "worse"),
        # 208 vs 206 pieces of feedback: z = 2 / sqrt(414) = 0.10
        "volume": (volume(208), volume(206), "no significant change"),
        # churn 4 of 134 = 2.99 % vs 3 of 135 = 2.22 %: z = 0.39
        "churn": (share(4, 134), share(3, 135), "no significant change"),
        # 12 x (10 x 50 + 6 x 30) = 8160 (39 customers) vs 12 x (2 x 80 + 4 x 25 + 20) = 3360 (23); no SE
        "revenue_at_risk": ((8160.0, None, 39), (3360.0, None, 23), "not tested"),
    },
    "us_west": {
        # NPS 6/15 of 30 -> -30 vs 20/4 of 30 -> 53.3: z = -4.30
        "nps": (nps(6, 15, 30), nps(20, 4, 30), "worse"),
        # CSAT 8/20 = 40 % vs 16/20 = 80 %: only 20 answers a period
        "csat": (share(8, 20), share(16, 20), "too few answers to tell"),
        # CES 50/15 = 3.33 vs 35/15 = 2.33: only 15 answers a period
        "ces": (mean(50, 170, 15), mean(35, 85, 15), "too few answers to tell"),
        "volume": (volume(68), volume(66), "no significant change"),
        # churn 3 of 31 = 9.68 % vs 1 of 31 = 3.23 %: z = 1.04
        "churn": (share(3, 31), share(1, 31), "no significant change"),
        # 12 x 10 x 50 = 6000 (13 customers) vs 12 x 2 x 80 = 1920 (4)
        "revenue_at_risk": ((6000.0, None, 13), (1920.0, None, 4), "not tested"),
    },
    "canada": {
        # NPS 0/8 of 10 -> -80 vs 8/0 of 10 -> 80: z = -8.9, but only 10 answers a period
        "nps": (nps(0, 8, 10), nps(8, 0, 10), "too few answers to tell"),
        # no CSAT answers in canada at all
        "csat": ((None, None, 0), (None, None, 0), "no data"),
        "ces": ((None, None, 0), (None, None, 0), "no data"),
        # 10 NPS + fb-d12 vs 10 NPS
        "volume": (volume(11), volume(10), "too few answers to tell"),
    },
}
SCOPES = {"company": ALL, "us_west": Scope.of("us_west"), "canada": Scope.of("canada")}
CASES = [(who, key) for who, table in EXPECTED.items() for key in table]


@pytest.fixture(scope="module")
def headlines(database):
    return {who: {k.key: k for k in kpis.headline(CURRENT, scope, database)} for who, scope in SCOPES.items()}


def _approx(value):
    return None if value is None else pytest.approx(value, rel=1e-9, abs=1e-9)


def test_headline_lists_the_six_kpis_in_order(headlines):
    assert list(headlines["company"]) == ["nps", "csat", "ces", "volume", "churn", "revenue_at_risk"]


def test_previous_period_is_the_90_days_before():
    assert CURRENT.days == 90
    assert CURRENT.previous() == Period(dt.date(2026, 5, 5), dt.date(2026, 8, 2))


@pytest.mark.parametrize("who,key", CASES, ids=[f"{w}-{k}" for w, k in CASES])
def test_current_and_previous_values(headlines, who, key):
    kpi = headlines[who][key]
    current, previous, _ = EXPECTED[who][key]
    for got, want, label in ((kpi.change.current, current, "current"), (kpi.change.previous, previous, "previous")):
        value, se, n = want
        assert (got.value, got.se, got.n) == (_approx(value), _approx(se), n), f"{who} {key} {label}"


@pytest.mark.parametrize("who,key", CASES, ids=[f"{w}-{k}" for w, k in CASES])
def test_delta_and_z(headlines, who, key):
    kpi = headlines[who][key]
    (cv, cse, _), (pv, pse, _), _ = EXPECTED[who][key]
    if cv is None or pv is None:
        assert kpi.change.delta is None
        return
    assert kpi.change.delta == pytest.approx(cv - pv)
    if cse is None and pse is None:
        assert kpi.change.z is None
    else:
        assert kpi.change.z == pytest.approx((cv - pv) / math.sqrt((cse or 0) ** 2 + (pse or 0) ** 2))


@pytest.mark.parametrize("who,key", CASES, ids=[f"{w}-{k}" for w, k in CASES])
def test_verdict(headlines, who, key):
    assert headlines[who][key].verdict == EXPECTED[who][key][2]


def test_company_nps_change_in_numbers(headlines):
    change = headlines["company"]["nps"].change
    # delta (53 - 41)/131*100 - (70 - 23)/131*100 = -35/131*100 = -26.72 points
    assert change.delta == pytest.approx(-35 / 131 * 100)
    assert change.p == pytest.approx(0.0071, abs=5e-4)
    assert change.direction == "down"


def test_headline_defaults_to_the_whole_company_on_the_default_database(headlines):
    """Without a database argument, VOC_DB (the fixture) is read."""
    kpi = {k.key: k for k in kpis.headline(CURRENT)}
    assert kpi["volume"].change.current.value == pytest.approx(208.0)
    assert kpi["nps"].change.current.n == 131
