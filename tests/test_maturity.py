"""Maturity rules (voc/maturity.py) on hand-made measures, and the measures read from the fixture."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from voc import listening_audit as audit, maturity
from voc.periods import Period

TOP = maturity.Measures(
    source_kinds_live=7, coverage_pct=60.0, units_total=6, units_covered=6, worst_lag_days=3,
    response_rate_pct=25.0, respondents=500, weakest_segment="business", weakest_segment_pct=30.0,
    mix_skewed=False, most_under_segment=None, cases_opened=100, cases_closed_in_sla=95, initiatives_recent=4,
    initiatives_total=4, initiatives_measured=3, initiatives_improved=2,
)
NOTHING = maturity.Measures(
    source_kinds_live=0, coverage_pct=None, units_total=0, units_covered=0, worst_lag_days=None,
    response_rate_pct=None, respondents=0, weakest_segment=None, weakest_segment_pct=None,
    mix_skewed=False, most_under_segment=None, cases_opened=0, cases_closed_in_sla=0, initiatives_recent=0,
    initiatives_total=0, initiatives_measured=0, initiatives_improved=0,
)


def scores(m: maturity.Measures) -> dict[str, int]:
    return {d.key: d.score for d in maturity.score(m)}


def with_(**changes) -> maturity.Measures:
    return dataclasses.replace(TOP, **changes)


def test_a_mature_programme_scores_five_everywhere():
    assert set(scores(TOP).values()) == {5}


def test_no_programme_scores_zero_everywhere_and_says_why():
    dims = maturity.score(NOTHING)
    assert [d.score for d in dims] == [0] * 5
    text = {d.key: d.text for d in dims}
    assert text["strategy"].startswith("0/5: No active customers in scope (+0)")
    assert "the closed loop is not running" in text["action_on_results"]
    assert text["value_delivered"] == "0/5: No initiatives recorded, so no value can be shown (+0)."


@pytest.mark.parametrize("kinds,coverage,want", [
    (7, 50.0, 5), (7, 49.9, 4), (6, 50.0, 4), (5, 25.0, 3), (4, 24.9, 1), (3, None, 1), (2, 80.0, 2), (0, 0.0, 0),
])
def test_programme_design_from_source_kinds_and_coverage(kinds, coverage, want):
    assert scores(with_(source_kinds_live=kinds, coverage_pct=coverage))["programme_design"] == want


@pytest.mark.parametrize("covered,lag,want", [
    (6, 7, 5), (6, 8, 4), (6, 30, 4), (6, 31, 3), (5, 0, 4),   # 5 of 6 = 83% -> +2
    (3, 0, 3), (2, 0, 2), (6, None, 3),                         # 50% -> +1; 33% -> +0; no live source
])
def test_strategy_from_units_covered_and_freshness(covered, lag, want):
    assert scores(with_(units_covered=covered, worst_lag_days=lag))["strategy"] == want


@pytest.mark.parametrize("response,weakest,skewed,want", [
    (20.0, 25.0, False, 5), (19.9, 25.0, False, 4), (10.0, 24.9, False, 3), (5.0, 10.0, False, 2),
    (4.9, 9.9, False, 0), (None, None, False, 0), (20.0, 25.0, True, 4), (5.0, 9.9, True, 0), (None, None, True, 0),
])
def test_engagement_from_response_rate_weakest_segment_and_skew(response, weakest, skewed, want):
    segment = None if weakest is None else "business"
    m = with_(response_rate_pct=response, weakest_segment=segment, weakest_segment_pct=weakest, mix_skewed=skewed,
              most_under_segment="business" if skewed else None)
    assert scores(m)["engagement"] == want


def test_a_skewed_respondent_mix_is_named():
    text = {d.key: d.text for d in maturity.score(with_(mix_skewed=True, most_under_segment="business"))}
    assert text["engagement"].startswith("4/5:")
    assert "differs significantly from the customer base, business most under-represented (-1)" in text["engagement"]


@pytest.mark.parametrize("opened,in_sla,initiatives,want", [
    (10, 9, 3, 5), (10, 8, 3, 4), (4, 3, 1, 3), (2, 1, 0, 1), (10, 4, 0, 0), (0, 0, 5, 2),
])
def test_action_on_results_from_sla_and_initiatives(opened, in_sla, initiatives, want):
    m = with_(cases_opened=opened, cases_closed_in_sla=in_sla, initiatives_recent=initiatives)
    assert scores(m)["action_on_results"] == want


@pytest.mark.parametrize("total,measured,improved,want", [
    (4, 4, 2, 5), (4, 2, 1, 4), (4, 1, 1, 3), (4, 1, 0, 1), (4, 0, 0, 0), (1, 1, 0, 2), (3, 3, 3, 5),
])
def test_value_delivered_from_measured_initiatives(total, measured, improved, want):
    m = with_(initiatives_total=total, initiatives_measured=measured, initiatives_improved=improved)
    assert scores(m)["value_delivered"] == want


def test_reasons_state_the_figures_points_and_next_step():
    m = with_(source_kinds_live=5, coverage_pct=41.0, cases_opened=12, cases_closed_in_sla=9)
    text = {d.key: d.text for d in maturity.score(m)}
    assert text["programme_design"] == ("3/5: 5 of 7 source kinds live (+2; +3 at 7 kinds); "
                                        "41% of active customers heard from in 90 days (+1; +2 at 50%).")
    assert text["action_on_results"].startswith(
        "4/5: 75% of 12 cases closed within their due time (+2; +3 at 90%), only 12 cases: read with care; "
        "4 initiatives started")
    assert "slowest live source 3 days behind the newest data (+2)" in text["strategy"]
    lagging = {d.key: d.text for d in maturity.score(with_(worst_lag_days=45))}
    assert "45 days behind the newest data (+0; +1 within 30 days)" in lagging["strategy"]


def test_measures_read_from_the_fixture_audit(database):
    """Hand-derived from tests/fixture.sql for 2026-08-03..2026-10-31 (see tests/test_audit.py)."""
    found = audit.report(Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31)), dt.date(2026, 11, 23),
                         database=database)
    m = maturity.measures_of(found)
    assert (m.source_kinds_live, m.units_total, m.units_covered, m.worst_lag_days) == (4, 6, 6, 57)
    assert m.coverage_pct == pytest.approx(100 * 129 / 132)
    assert m.response_rate_pct == pytest.approx(100 * 129 / 132) and m.respondents == 129
    # business: 31 of 32 heard (x08 not); family and plus 34 of 35; starter 30 of 30
    assert (m.weakest_segment, m.weakest_segment_pct) == ("business", pytest.approx(100 * 31 / 32))
    assert (m.mix_skewed, m.most_under_segment) == (False, None)
    assert (m.cases_opened, m.cases_closed_in_sla) == (2, 0)
    assert (m.initiatives_recent, m.initiatives_total, m.initiatives_measured, m.initiatives_improved) == (2, 2, 1, 0)
