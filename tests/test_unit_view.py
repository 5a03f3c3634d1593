"""Region / business-unit view (voc/unit_view.py) on the fixture database.

Expected figures are computed here independently: by hand from tests/fixture.sql (the
conftest helpers nps_value / nps_se) or with small pandas computations over the fixture's
base rows, read straight from the tables, never through the functions under test.
"""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from conftest import nps_se, nps_value
from voc import unit_view
from voc.scope import ALL, Scope
from voc.stats import Z95

CUR = dt.date(2026, 8, 3), dt.date(2026, 10, 31)
BU_CN = {"shanghai", "beijing", "south_china"}
OTHER_REGIONS = ("US East", "Canada", "Shanghai", "Beijing", "South China", "North America", "Greater China")


@pytest.fixture(scope="module")
def period(expected):
    return expected["current"]


@pytest.fixture(scope="module")
def feedback(database):
    """The fixture's feedback rows in the current period (read from the base table, unscoped)."""
    frame = database.cursor().execute("select * from main.feedback").df()
    day = frame.submitted_at.dt.date
    return frame[(day >= CUR[0]) & (day <= CUR[1])]


def nps_counts(rows: pd.DataFrame) -> tuple[int, int, int]:
    scored = rows.nps.dropna()
    return int((scored >= 9).sum()), int((scored <= 6).sum()), len(scored)


def band(promoters, detractors, n):
    value, moe = nps_value(promoters, detractors, n), Z95 * nps_se(promoters, detractors, n)
    return round(value, 1), round(value - moe, 1), round(value + moe, 1)


# ---- company benchmark ------------------------------------------------------------------------

@pytest.mark.parametrize("scope", [Scope.of("us_west"), Scope.of("bu_cn"), ALL], ids=["region", "bu", "all"])
def test_company_benchmark_is_exactly_one_row_of_company_aggregates(scope, period, database, expected):
    frame = unit_view.company_benchmark(period, scope=scope, database=database)
    assert len(frame) == 1
    assert not {"unit_id", "name", "unit"} & set(frame.columns)
    want = expected["company"]["cur"]
    for column in ("feedback_n", "nps_n", "promoters", "detractors", "csat_n", "csat_satisfied", "ces_n"):
        assert int(frame[column].iloc[0]) == want[column], column


def test_company_benchmark_keeps_the_segment_filter_but_not_the_units(period, database, feedback):
    scope = Scope.of("us_west").narrow(segments=["plus"])
    row = unit_view.company_benchmark(period, scope=scope, database=database).iloc[0]
    plus = feedback[feedback.segment == "plus"]  # every unit, not only us_west
    assert (int(row.promoters), int(row.detractors), int(row.nps_n)) == nps_counts(plus)
    assert int(row.feedback_n) == len(plus)


# ---- unit against the company and its peers -------------------------------------------------

def test_region_manager_sees_only_the_region_and_the_company(period, database):
    section = unit_view.comparison(period, scope=Scope.of("us_west"), database=database)
    frame = section.frame
    assert list(frame.unit) == ["US West", "Company (all units)"]
    assert not any(name in section.title + section.note for name in OTHER_REGIONS)
    west, company = frame.iloc[0], frame.iloc[1]
    # us_west current: 6 promoters, 15 detractors of 30; company 53 / 41 of 131 (conftest)
    assert (west.nps, west.nps_low, west.nps_high) == band(6, 15, 30)
    assert (company.nps, company.nps_low, company.nps_high) == band(53, 41, 131)
    # CSAT 8/20 and CES n = 15 are below 30 answers: suppressed, n shown
    assert pd.isna(west.csat_pct) and west.csat_n == 20 and pd.isna(west.ces) and west.ces_n == 15
    assert company.csat_pct == 50.0 and company.ces == round(120 / 30, 2)
    # tested against the rest of the company: 47 / 26 of 101 (+20.8); -30.0 vs +20.8 is significant
    z = (nps_value(6, 15, 30) - nps_value(47, 26, 101)) / math.hypot(nps_se(6, 15, 30), nps_se(47, 26, 101))
    assert z < -Z95 and west.vs_company == "below the company"
    assert section.heading == "Against the company"
    assert "below the company" in section.title and "39.2 points" in section.title


def test_business_unit_manager_sees_the_unit_and_its_regions(period, database, feedback):
    section = unit_view.comparison(period, scope=Scope.of("bu_cn"), database=database)
    frame = section.frame.set_index("unit")
    assert list(frame.index) == ["Greater China", "Beijing", "Shanghai", "South China", "Company (all units)"]
    assert not any(name in frame.index for name in ("US West", "US East", "Canada", "North America"))
    p, d, n = nps_counts(feedback[feedback.unit_id.isin(BU_CN)])
    assert (p, d, n) == (15 + 12 + 6, 6 + 4 + 2, 60)
    assert (frame.loc["Greater China", "nps"], frame.loc["Greater China", "nps_n"]) == (band(p, d, n)[0], 60)
    assert frame.loc["Shanghai", "nps"] == band(15, 6, 30)[0]
    for small, count in (("Beijing", 20), ("South China", 10)):  # under 30 answers: flagged, not a number
        assert pd.isna(frame.loc[small, "nps"]) and frame.loc[small, "nps_n"] == count
        assert frame.loc[small, "vs_company"] == "too few answers"
        assert f"{small} (n = {count})" in section.note
    assert section.heading == "Against the company and peers"
    assert section.too_small is None


def test_focus_on_a_region_shows_its_in_scope_siblings(period, database):
    section = unit_view.comparison(period, scope=Scope.of("bu_cn").narrow("shanghai"), database=database)
    assert list(section.frame.unit) == ["Shanghai", "Beijing", "South China", "Company (all units)"]
    assert section.unit_name == "Shanghai"
    # +30.0 (15 / 6 of 30) against the rest of the company (38 / 35 of 101): |z| < 1.96
    z = (nps_value(15, 6, 30) - nps_value(38, 35, 101)) / math.hypot(nps_se(15, 6, 30), nps_se(38, 35, 101))
    assert abs(z) < Z95 and section.title.startswith("The data cannot tell yet whether Shanghai's NPS")


def test_the_company_view_compares_business_units(period, database):
    frame = unit_view.comparison(period, scope=ALL, database=database).frame
    assert list(frame.unit) == ["Greater China", "North America", "Company (all units)"]
    # Greater China 33 / 12 of 60 against North America 20 / 29 of 71: significant, above
    z = (nps_value(33, 12, 60) - nps_value(20, 29, 71)) / math.hypot(nps_se(33, 12, 60), nps_se(20, 29, 71))
    assert z > Z95 and list(frame.vs_company) == ["above the company", "below the company", "benchmark"]
    na = frame.iloc[1]
    # North America: us_west 6/15/30 + us_east 14/6/31 (x12 included) + canada 0/8/10
    assert (na.nps, na.nps_n) == (band(6 + 14 + 0, 15 + 6 + 8, 71)[0], 71)


def test_a_small_unit_in_focus_is_flagged(period, database):
    section = unit_view.comparison(period, scope=Scope.of("canada"), database=database)
    assert section.too_small == ("NPS for Canada", 10)
    assert pd.isna(section.frame.nps.iloc[0]) and "Too few NPS answers" in section.title


# ---- journey stages -------------------------------------------------------------------------

@pytest.mark.parametrize("scope,units", [(Scope.of("us_west"), {"us_west"}), (Scope.of("bu_cn"), BU_CN),
                                         (ALL, None)], ids=["region", "bu", "all"])
def test_journey_stages_match_the_fixture_rows(scope, units, period, database, feedback):
    section = unit_view.journey_stages(period, scope=scope, database=database)
    frame = section.frame.set_index("journey_stage")
    rows = feedback if units is None else feedback[feedback.unit_id.isin(units)]
    for stage, part in rows.groupby(rows.journey_stage.fillna("unknown")):
        assert frame.loc[stage, "feedback_n"] == len(part), stage
        p, d, n = nps_counts(part)
        assert frame.loc[stage, "nps_n"] == n and frame.loc[stage, "csat_n"] == part.csat.notna().sum(), stage
        satisfied, answers = int((part.csat >= 4).sum()), int(part.csat.notna().sum())
        if answers >= 30:
            assert frame.loc[stage, "csat"] == round(100 * satisfied / answers, 1), stage
        if n >= 30:
            assert (frame.loc[stage, "nps"], frame.loc[stage, "nps_low"], frame.loc[stage, "nps_high"]) == band(p, d, n)
        else:
            assert pd.isna(frame.loc[stage, "nps"]) and frame.loc[stage, "flag"].startswith("too few") == (
                part.csat.notna().sum() < 30), stage
    assert set(frame.index) == set(rows.journey_stage.fillna("unknown"))
    assert "relationship" in section.title


# ---- operations beside NPS ------------------------------------------------------------------

@pytest.mark.parametrize("scope,units", [(Scope.of("us_west"), {"us_west"}), (Scope.of("bu_cn"), BU_CN)],
                         ids=["region", "bu"])
def test_operations_by_month_match_the_fixture_rows(scope, units, period, database):
    frame = unit_view.operations(period, scope=scope, database=database).frame.set_index("month")
    cur = database.cursor()
    orders = cur.execute("select * from main.orders").df()
    contacts = cur.execute("select * from main.contacts").df()
    orders, contacts = orders[orders.unit_id.isin(units)], contacts[contacts.unit_id.isin(units)]
    for month, part in orders.groupby(orders.ordered_at.dt.to_period("M")):
        delivered = part[part.delivered_at.notna()]
        on_time = (delivered.delivered_at <= delivered.promised_at).sum()
        row = frame.loc[month.to_timestamp()]
        assert row.delivered_n == len(delivered)
        assert row.on_time_pct == round(100 * on_time / len(delivered), 1)
    for month, part in contacts.groupby(contacts.started_at.dt.to_period("M")):
        row = frame.loc[month.to_timestamp()]
        assert row.contacts_n == len(part)
        assert row.avg_wait_min == round(part.wait_seconds.mean() / 60, 2)
        assert row.fcr_pct == round(100 * part.resolved_first_contact.mean(), 1)


def test_operations_for_us_west_by_hand(period, database):
    section = unit_view.operations(period, scope=Scope.of("us_west"), database=database)
    frame = section.frame.set_index("month")
    september = frame.loc[pd.Timestamp("2026-09-01")]
    # 10 orders, 6 late (fixture plan); 8 contacts waiting 60..480 s, even ones resolved
    assert (september.on_time_pct, september.avg_wait_min, september.fcr_pct) == (40.0, round(270 / 60, 2), 50.0)
    assert september.nps == round(nps_value(6, 15, 30), 1) and september.nps_n == 30
    june = frame.loc[pd.Timestamp("2026-06-01")]
    assert june.nps == round(nps_value(20, 4, 30), 1) and june.on_time_pct == 90.0
    # September (-30.0) against the other months (June, +53.3): p < 0.05 / 2 months, so the dip is stated
    z = (nps_value(6, 15, 30) - nps_value(20, 4, 30)) / math.hypot(nps_se(6, 15, 30), nps_se(20, 4, 30))
    assert math.erfc(abs(z) / math.sqrt(2)) < 0.05 / 2
    assert section.title.startswith("NPS dipped to −30.0 in Sep 2026, significantly below the other months (+53.3)")
    assert frame.index.min() >= pd.Timestamp("2025-11-01")  # the 12 months ending with the period


def test_trend_window_covers_twelve_months_or_the_whole_period():
    from voc.periods import Period
    assert unit_view.trend_window(Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))) == Period(
        dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    assert unit_view.trend_window(Period(dt.date(2024, 1, 1), dt.date(2026, 12, 31))).start == dt.date(2024, 1, 1)
    assert unit_view.trend_window(Period(dt.date(2026, 12, 1), dt.date(2026, 12, 31))).start == dt.date(2026, 1, 1)


# ---- top themes and verbatims ---------------------------------------------------------------

@pytest.mark.parametrize("scope,units", [(Scope.of("us_west"), {"us_west"}), (Scope.of("bu_cn"), BU_CN)],
                         ids=["region", "bu"])
def test_top_themes_match_the_fixture_rows(scope, units, period, database, feedback, monkeypatch):
    monkeypatch.setattr(unit_view, "MIN", 10)  # let the small fixture show its detractor shares
    frame = unit_view.top_themes(period, scope=scope, database=database).frame.set_index("theme_id")
    rows = feedback[feedback.unit_id.isin(units)]
    mentions = rows.dropna(subset=["themes"]).explode("themes")
    for theme in frame.index:
        part = mentions[mentions.themes == theme]
        p, d, n = nps_counts(part)
        assert frame.loc[theme, "mentions"] == len(part)
        assert frame.loc[theme, "share_pct"] == round(100 * len(part) / len(rows), 1)
        assert (frame.loc[theme, "detractors"], frame.loc[theme, "nps_n"]) == (d, n)
        if n >= 10:
            assert frame.loc[theme, "detractor_share_pct"] == round(100 * d / n, 1)
    assert frame.index[0] == mentions.themes.value_counts().idxmax() == "late_delivery"


def test_us_west_themes_by_hand(period, database):
    section = unit_view.top_themes(period, scope=Scope.of("us_west"), database=database)
    late = section.frame.set_index("theme_id").loc["late_delivery"]
    # 15 current detractors + fb-d01 + fb-d02 of 68 pieces of feedback; 15 NPS answers, all detractors
    assert (late.mentions, late.share_pct, late.detractors, late.nps_n) == (17, round(100 * 17 / 68, 1), 15, 15)
    assert pd.isna(late.detractor_share_pct)  # 15 NPS answers: fewer than 30, suppressed
    assert section.title == "Late delivery is the most mentioned theme: 25.0% of feedback"
    quotes = section.quotes["Late delivery"]
    assert len(quotes) == 3
    assert "31 Oct 2026" in quotes[0] and "\\[email\\]" in quotes[0] and "jane.doe" not in quotes[0]
    assert all("30 Sep 2026" in q or "29 Sep 2026" in q for q in quotes[1:])  # most recent first
    assert not any("送货" in q for q in quotes)  # nothing from the Chinese regions


def test_verbatims_are_plain_escaped_text(period, database):
    section = unit_view.top_themes(period, scope=Scope.of("us_east"), database=database)
    rude = section.quotes["Unhelpful support"]
    assert len(rude) == 1 and "<script>" not in rude[0] and "\\<script\\>" in rude[0]
    assert unit_view.plain_quote("<b>hi</b> *x* [a](http://e.x)\ncall +86 21 5555 0102") == (
        "\\<b\\>hi\\</b\\> \\*x\\* \\[a\\]\\(http://e\\.x\\) call \\[phone\\]")


# ---- open follow-up cases -------------------------------------------------------------------

def test_open_cases_for_a_region(database):
    section = unit_view.open_cases(dt.datetime(2026, 11, 1), scope=Scope.of("us_west"), database=database)
    assert list(section.frame.case_id) == ["case-2"]  # case-1 is closed
    assert bool(section.frame.overdue.iloc[0]) and section.title == "1 open follow-up case, 1 overdue"
    early = unit_view.open_cases(dt.datetime(2026, 8, 3, 12), scope=Scope.of("us_west"), database=database)
    assert early.title == "1 open follow-up case, 0 overdue" and not bool(early.frame.overdue.iloc[0])


def test_no_cases_means_not_tracked_yet(database):
    section = unit_view.open_cases(dt.datetime(2026, 11, 1), scope=Scope.of("bu_cn"), database=database)
    assert section.frame.empty and "not tracked yet" in section.empty


def test_all_cases_closed(private_db_path):
    import voc.db
    database = voc.db.get(private_db_path)
    with database.write() as cur:
        cur.execute("update cases set status = 'closed' where case_id = 'case-2'")
    section = unit_view.open_cases(dt.datetime(2026, 11, 1), scope=Scope.of("us_west"), database=database)
    assert section.empty == "No open follow-up cases: all 2 are closed."


def test_a_focus_outside_the_rights_never_shows_that_unit(period, database):
    """The URL filter refuses such a focus; even if one got through, no us_east row or figure appears."""
    section = unit_view.comparison(period, scope=Scope.of("us_west").narrow("us_east"), database=database)
    assert "US East" not in set(section.frame.unit)
    assert set(section.frame.nps_n) <= {30, 131}  # us_west's 30 answers and the company's 131, never us_east's 31
