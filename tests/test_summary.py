"""Executive summary on the fixture: every number checked against counts worked out from tests/fixture.sql.

The hand derivations are in the comments (and in conftest.py's ``expected``); nothing here is
computed by the functions under test.
"""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from voc import summary
from voc.scope import ALL, Scope
from voc.stats import Z95

from conftest import nps_se, nps_value, share_se


@pytest.fixture(scope="module")
def company(database, expected):
    return summary.build(expected["current"], scope=ALL, database=database)


def test_trend_months_and_band(database, expected):
    # NPS answers: previous period all on 2026-06-01..06-30, current on 2026-09-01..09-30; x12 answers on
    # 08-01 (3) and 08-20 (10). June: promoters 20+12+8+15+10+5 = 70, detractors 4+6+0+6+4+2 = 22, n 130;
    # August: n 2 (too few: no value); September: promoters 6+13+0+15+12+6 = 52, detractors 15+6+8+6+4+2 = 41.
    trend = summary.nps_trend(expected["current"], database=database)
    assert list(trend.month) == [pd.Timestamp(2026, 6, 1), pd.Timestamp(2026, 8, 1), pd.Timestamp(2026, 9, 1)]
    assert list(trend.answers) == [130, 2, 130]
    assert list(trend.enough_answers) == [True, False, True]
    assert pd.isna(trend.nps.iloc[1]) and pd.isna(trend.low.iloc[1])
    for row, (p, d, n) in zip([0, 2], [(70, 22, 130), (52, 41, 130)]):
        assert math.isclose(trend.nps.iloc[row], nps_value(p, d, n))
        assert math.isclose(trend.high.iloc[row] - trend.nps.iloc[row], Z95 * nps_se(p, d, n))
        assert math.isclose(trend.nps.iloc[row] - trend.low.iloc[row], Z95 * nps_se(p, d, n))


def test_trend_window_covers_a_year_and_the_previous_period():
    window = summary.trend_window(summary.Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31)))
    assert (window.start, window.end) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    long = summary.trend_window(summary.Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31)))
    assert long.start == dt.date(2024, 11, 1)  # previous period of a 365-day range starts 2024-11-01


def test_annotations_follow_the_scope(database, expected):
    every = summary.annotations(expected["current"], database=database)  # window 2025-11-01 .. 2026-10-31
    assert list(every.label) == ["App 5.0 released", "Plus plan +10%", "Carrier capacity shortage",
                                 "New West carrier"]  # by date: 07-03, 08-15, 09-01, 10-01
    assert list(every.units) == ["Shanghai", "Lumen Market", "US West", "US West"]
    west = summary.annotations(expected["current"], scope=Scope.of("us_west"), database=database)
    # the company-wide price change (logged on lumen) shows for US West too; Shanghai's launch does not
    assert list(west.label) == ["Plus plan +10%", "Carrier capacity shortage", "New West carrier"]


def test_units_ranked_with_margin_change_and_verdict(database, expected, company):
    frame = summary.units(expected["current"], database=database).set_index("unit_id")
    assert list(frame.index) == ["beijing", "south_china", "shanghai", "us_east", "us_west", "canada"]  # by NPS
    for unit, want in expected["nps_by_region"].items():
        row = frame.loc[unit]
        p, d, n = want["cur"]
        pp, pd_, pn = want["prev"]
        assert row.answers == n and row.previous_answers == pn
        assert math.isclose(row.nps, nps_value(p, d, n))
        assert math.isclose(row.moe, Z95 * nps_se(p, d, n))
        assert math.isclose(row.change, nps_value(p, d, n) - nps_value(pp, pd_, pn))
        assert row.significant == (want["verdict"] == "worse")
        assert row.too_small == (n < 30)
    assert frame.loc["us_west", "status"] == "worse"
    assert frame.loc["canada", "status"] == "flat"      # -160 points on 10 answers: not a stated change
    assert set(frame.index[frame.too_small]) == {"canada", "beijing", "south_china"}
    assert list(summary.ranked_units(company).unit_id) == ["shanghai", "us_east", "us_west"]


def test_units_under_a_business_unit_scope(database, expected):
    frame = summary.units(expected["current"], scope=Scope.of("bu_cn"), database=database)
    assert sorted(frame.unit_id) == ["beijing", "shanghai", "south_china"]


def test_themes_by_revenue(database, expected):
    # Current period, detractor answers with themes: us_west 15 (late_delivery), shanghai 6, beijing 4,
    # south_china 2 (late_delivery): 27 mentions by 27 customers. At risk (latest answer a detractor, not
    # churned by 10-31): all but uw029 and uw030 -> 25. Revenue in the answer month (September):
    # uw016-uw025 50.00 and sh025-sh030 30.00 -> 12 * (10 * 50 + 6 * 30) = 8160.
    cur = summary.themes_by_revenue(expected["current"], database=database)
    assert list(cur.theme_id) == ["late_delivery"]
    assert cur.iloc[0][["mentions", "customers", "at_risk_customers"]].tolist() == [27, 27, 25]
    assert math.isclose(cur.revenue_at_risk.iloc[0], 12 * (10 * 50 + 6 * 30))
    # Previous period: long_wait from uw027-uw030 (uw027, uw028 pay 80.00 in June) -> 1920;
    # late_delivery from sh025-030 (no June revenue), bj017-020 (25.00 in June), sc009-010, and x12 whose
    # latest previous-period answer (3 on 08-01) is a detractor with August revenue 20.00 -> 12*(100+20) = 1440.
    prev = summary.themes_by_revenue(expected["previous"], database=database)
    assert list(prev.theme_id) == ["long_wait", "late_delivery"]
    assert prev.set_index("theme_id").loc["late_delivery", ["mentions", "customers", "at_risk_customers"]].tolist() \
        == [13, 13, 13]
    assert math.isclose(prev.revenue_at_risk.iloc[0], 12 * 2 * 80)
    assert math.isclose(prev.revenue_at_risk.iloc[1], 12 * (4 * 25 + 20))
    east = summary.themes_by_revenue(expected["previous"], scope=Scope.of("us_east"), database=database)
    assert east.iloc[0][["theme_id", "at_risk_customers"]].tolist() == ["late_delivery", 1]
    assert math.isclose(east.revenue_at_risk.iloc[0], 240)


def test_theme_shifts_are_shares_of_detractors(database, expected):
    # late_delivery among detractor answers: previous 13 of 23, current 27 of 41;
    # long_wait: previous 4 of 23 (us_west), current 0 of 41.
    shifts = summary.theme_shifts(expected["current"], database=database)
    assert set(shifts) == {"Late delivery", "Long wait for support"}
    late = shifts["Late delivery"]
    assert math.isclose(late.current.value, 100 * 27 / 41) and math.isclose(late.previous.value, 100 * 13 / 23)
    assert math.isclose(late.current.se, share_se(27, 41))
    assert (late.current.n, late.previous.n) == (41, 23)
    assert not late.testable  # 23 previous detractors < 30
    assert shifts["Long wait for support"].current.value == 0


def test_operations(database, expected):
    # Orders delivered: previous 27 (2 late); current 27 + ord-edge-1 (on time) = 28, 6+1+2+1 = 10 late
    # (ord-open-1 is not delivered yet).
    # Contacts: previous 13, resolved at first contact 2+1+1+1 = 5; current 18, 4+1+1+1 = 7 (k-last not).
    (late_m, late, _), (fcr_m, fcr, src) = summary.operations(expected["current"], database=database)
    assert late_m is summary.LATE and fcr_m is summary.FCR
    assert math.isclose(late.current.value, 100 * 10 / 28) and math.isclose(late.previous.value, 100 * 2 / 27)
    assert math.isclose(fcr.current.value, 100 * 7 / 18) and math.isclose(fcr.previous.value, 100 * 5 / 13)
    assert (late.current.n, late.previous.n, fcr.current.n, fcr.previous.n) == (28, 27, 18, 13)
    assert not late.testable  # 27 previous deliveries < 30
    assert src.query == "operations_for_period"


def test_case_health(database, expected):
    # case-1 opened 09-30 11:00, due 10-02 11:00, first contact 10-01 09:00 (22 h), closed 10-03: late.
    # case-2 opened 08-03 08:00, due 08-04, still open, never contacted.
    health = summary.case_health(expected["current"], database=database)
    assert (health.cases_total, health.open_now, health.opened, health.contacted) == (2, 1, 2, 1)
    assert health.within_sla.n == 2 and health.within_sla.value == 0
    assert math.isclose(health.median_hours_to_contact, 22.0)
    assert summary.case_tiles(health)[1][1] == "0 of 2"  # under 30 cases: a count, not a percentage
    before = summary.case_health(expected["previous"], database=database)
    assert (before.cases_total, before.opened, before.median_hours_to_contact) == (2, 0, None)
    east = summary.case_health(expected["current"], scope=Scope.of("us_east"), database=database)
    assert east.cases_total == 0
    # a case carries the source, segment and stage of the answer that opened it: the reader's filters apply
    tickets = summary.case_health(expected["current"], scope=Scope().narrow(sources=["ticket"]), database=database)
    surveys = summary.case_health(expected["current"], scope=Scope().narrow(sources=["survey"]), database=database)
    assert (tickets.cases_total, tickets.open_now, surveys.cases_total, surveys.open_now) == (1, 1, 1, 0)


def test_narrative_for_the_company(company, expected):
    cur, prev = expected["company"]["cur"], expected["company"]["prev"]
    now = nps_value(cur["promoters"], cur["detractors"], cur["nps_n"])          # (53 - 41) / 131 = +9.2
    before = nps_value(prev["promoters"], prev["detractors"], prev["nps_n"])    # (70 - 23) / 131 = +35.9
    texts = [s.text for s in company.sentences]
    assert 3 <= len(texts) <= 5
    what = company.sentences[0]
    assert what.states_change and what.topic == "what"
    assert f"NPS fell {before - now:.1f} points" in what.text
    assert f"from +{before:.1f} to +{now:.1f}" in what.text
    assert what.provenance[0].n == 131 and what.provenance[0].p < 0.05
    where = next(s for s in company.sentences if s.topic == "where")
    assert "led by US West" in where.text and f"fell {nps_value(20, 4, 30) - nps_value(6, 15, 30):.1f} points" \
        in where.text
    assert "Canada" in where.text and "too few answers" in where.text and "Canada fell" not in where.text
    worth = next(s for s in company.sentences if s.topic == "worth")
    assert f"{cur['revenue_at_risk']:,}" in worth.text and f"{cur['at_risk_customers']} detractor" in worth.text
    # US West drives the fall, so "why" looks inside US West: 15 detractors now, 4 before; 11 and 10 deliveries
    why = [s for s in company.sentences if s.topic == "why"]
    assert why and not any(s.states_change for s in why)  # too few detractors / deliveries to test
    assert "15 detractors in US West now and 4 before" in why[0].text
    assert why[0].provenance[0].params["org unit"] == "us_west"
    assert why[1].provenance[0].n == 11 and why[1].provenance[0].n_previous == 10
    assert all(s.provenance for s in company.sentences if s.topic != "why" or s.states_change)


def test_narrative_in_one_region(database, expected):
    west = summary.build(expected["current"], scope=Scope.of("us_west"), database=database)
    topics = [s.topic for s in west.sentences]
    assert "where" not in topics  # one region: nothing to rank
    assert 3 <= len(topics) <= 5
    assert f"{expected['us_west']['cur']['revenue_at_risk']:,}" in west.sentences[-1].text


def test_chart_titles_state_the_finding(company):
    assert summary.trend_chart(company).to_dict()["title"]["text"].startswith("NPS fell 26.7 points")
    units = summary.units_chart(company).to_dict()["title"]
    assert units["text"] == "NPS: Shanghai highest (+30.0), US West lowest (\u221230.0)"
    assert "US West fell 83.3 pts" in units["subtitle"]
    assert "Canada (n = 10)" in summary.small_units_note(company)
    assert summary.themes_title(company).startswith("Late delivery puts the most revenue at risk: 8,160")


def test_themes_table_flags_small_themes(company):
    table = summary.themes_table(company)
    assert list(table.columns) == ["Theme", "Revenue at risk (annualised)", "Customers at risk", "Detractor mentions",
                                   "Customers", "Note"]
    assert table.iloc[0].tolist() == ["Late delivery", 8160.0, 25, 27, 27, "fewer than 30 customers"]


def test_empty_period(database):
    empty = summary.build(summary.Period(dt.date(2020, 1, 1), dt.date(2020, 3, 31)), database=database)
    assert not empty.has_data
    assert empty.units.empty and empty.themes.empty and empty.trend.empty
