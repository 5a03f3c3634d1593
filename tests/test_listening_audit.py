"""Listening audit (voc/listening_audit.py) on the fixture: every figure checked against the fixture rows.

Expected values are either derived by hand from tests/fixture.sql (written out in comments) or
computed here with a few lines of pandas over the raw fixture tables, never by the code under test.
"""
from __future__ import annotations

import datetime as dt
import math

import duckdb
import pandas as pd
import pytest

import voc.db
from voc import listening_audit as audit, queries
from voc.periods import Period
from voc.scope import ALL, Scope

CURRENT = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def raw(database):
    """The fixture's base tables, read unscoped with plain SQL."""
    with database.read() as cur:
        return {t: cur.execute(f"select * from {t}").df()
                for t in ("customers", "feedback", "churn_events", "revenue", "org_units")}


@pytest.fixture(scope="module")
def current(database):
    return audit.report(CURRENT, TODAY, database=database)


def active_customers(raw, end: dt.date) -> pd.DataFrame:
    c = raw["customers"]
    churned = raw["churn_events"][pd.to_datetime(raw["churn_events"].churned_at) <= pd.Timestamp(end)].customer_id
    return c[(pd.to_datetime(c.signup_at) <= pd.Timestamp(end)) & ~c.customer_id.isin(churned)]


def heard_ids(raw, since: pd.Timestamp, end: dt.date) -> set:
    f = raw["feedback"]
    at = pd.to_datetime(f.submitted_at)
    return set(f[(at >= since) & (at < pd.Timestamp(end) + pd.Timedelta(days=1))].customer_id.dropna())


# ---- sources ----------------------------------------------------------------------------------

def test_source_volumes_freshness_and_status(current):
    s = current.sources.set_index("source")
    # current period: survey = NPS 131 + CSAT 40 + CES 30; review d01 d07 d12; social d02 d08 d14; call d11
    assert s.period_n.to_dict() == {"survey": 201, "review": 3, "social": 3, "ticket": 0, "chat": 0, "call": 1,
                                    "email": 0}
    assert s.status.to_dict() == {"survey": "live", "review": "live", "social": "live", "ticket": "stale",
                                  "chat": "stale", "call": "live", "email": "stale"}
    # newest record of any source: fb-d06 (email) on 2026-11-01; survey last on 2026-10-20 (CSAT sh/uw020)
    assert s.loc["survey", "last_day"] == dt.date(2026, 10, 20)
    assert s.loc["survey", "behind_newest_days"] == 12
    assert s.loc["survey", "behind_today_days"] == (TODAY - dt.date(2026, 10, 20)).days
    assert s.loc["call", "behind_newest_days"] == (dt.date(2026, 11, 1) - dt.date(2026, 9, 5)).days
    # social coverage: only fb-d14 (ue009) carries a customer id -> 1 of 132 active customers
    assert math.isclose(s.loc["social", "coverage_pct"], 100 / 132)
    assert any(g.startswith("No ticket data in the 90 days") for g in current.gaps)
    assert len(current.gaps) == 3


def test_missing_source_says_what_it_costs(database):
    # canada has survey answers, fb-d12 (review) and fb-d06 (email) only
    found = audit.report(CURRENT, TODAY, scope=Scope.of("canada"), database=database)
    status = found.sources.set_index("source").status
    assert {k for k, v in status.items() if v == "missing"} == {"social", "ticket", "chat", "call"}
    assert "No social data: unsolicited public complaints are invisible." in found.gaps


def test_filtered_out_sources_are_not_called_missing(database):
    scope = ALL.narrow(sources=("survey",))
    found = audit.report(CURRENT, TODAY, scope=scope, database=database)
    status = found.sources.set_index("source").status
    assert status["survey"] == "live"
    assert set(status.drop("survey")) == {"filtered out"}
    assert found.gaps == ()


# ---- coverage -----------------------------------------------------------------------------------

def test_coverage_equals_an_independent_count(raw, current):
    active = active_customers(raw, CURRENT.end)
    heard = active.customer_id.isin(heard_ids(raw, pd.Timestamp(CURRENT.end) - pd.Timedelta(days=89), CURRENT.end))
    # by hand: 132 active (142 minus 10 churned by 10-31); x07, x08, x10 gave no feedback -> 129 heard
    assert (len(active), int(heard.sum())) == (132, 129)
    assert current.coverage.n == 132 and math.isclose(current.coverage.value, 100 * 129 / 132)
    for column, frame in (("segment", current.coverage_segment), ("unit_id", None)):
        want = active.assign(heard=heard).groupby(column).heard.agg(["size", "sum"])
        if frame is None:  # by unit: the report is keyed by unit name
            names = raw["org_units"].set_index("unit_id").name
            want.index = want.index.map(names)
            frame, column = current.coverage_unit, "unit_name"
        got = frame.set_index(column)
        assert got.active.to_dict() == want["size"].to_dict()
        assert got.heard.to_dict() == want["sum"].to_dict()
    west = current.coverage_unit.set_index("unit_name").loc["US West"]
    assert (west.active, west.heard) == (30, 28)  # x08 and x10 not heard


def test_coverage_respects_the_scope(database):
    found = audit.report(CURRENT, TODAY, scope=Scope.of("us_west"), database=database)
    assert list(found.coverage_unit.unit_name) == ["US West"]
    assert (found.coverage.n, round(found.coverage.value, 6)) == (30, round(100 * 28 / 30, 6))


def test_small_groups_are_not_drawn_and_the_title_tests_the_gap(current):
    spec, frame, note = audit.coverage_chart(current, "unit_name")
    # US West 28/30 against US East 31/31 and Shanghai 30/30: not a significant gap
    assert spec.title.text == "Coverage is alike in every unit shown (93–100%): the gaps are within chance"
    # Beijing 20, South China 10 (x09 churned), Canada 11 (ca001-010 + x07) active customers
    assert "Beijing (20)" in note and "South China (10)" in note and "Canada (11)" in note
    assert set(frame[frame.enough].unit_name) == {"US West", "US East", "Shanghai"}


# ---- silent customers ---------------------------------------------------------------------------

def independent_silent(raw, end: dt.date) -> pd.DataFrame:
    """Revenue in the latest month with revenue (within the year to ``end``), top quartile, no feedback in that year."""
    since = pd.Timestamp(end) + pd.Timedelta(days=1) - pd.DateOffset(years=1)
    r = raw["revenue"].assign(month=lambda f: pd.to_datetime(f.month))
    r = r[(r.month >= since) & (r.month <= pd.Timestamp(end))]
    churned = raw["churn_events"][pd.to_datetime(raw["churn_events"].churned_at) <= pd.Timestamp(end)].customer_id
    paying = r[(r.month == r.month.max()) & ~r.customer_id.isin(churned)]
    paying = paying.assign(amount=paying.amount.astype(float))
    valuable = paying[paying.amount >= paying.amount.quantile(0.75)]
    return valuable[~valuable.customer_id.isin(heard_ids(raw, since, end))]


@pytest.mark.parametrize("end", [dt.date(2026, 10, 31), dt.date(2026, 9, 30), dt.date(2026, 7, 31),
                                 dt.date(2026, 5, 31)])
def test_silent_customers_equal_an_independent_computation(raw, database, end):
    period = Period.last_days(90, end)
    want = independent_silent(raw, end)
    got = audit.silent_customer_list(period, database=database)
    assert sorted(got.customer_id) == sorted(want.customer_id)
    found = audit.report(period, TODAY, database=database)
    assert found.silent_n == len(want)
    assert math.isclose(found.silent_revenue, float(want.amount.sum()))


def test_silent_customers_by_hand(current, database):
    # The latest revenue month up to 2026-10-31 is October, when only x12 pays (20.00): it is the one
    # valuable customer, and it answered on 2026-08-20, so nobody is silent.
    assert (current.valuable_n, current.silent_n) == (1, 0)
    assert float(current.silent.top_quartile_from.iloc[0]) == 20.0
    # September: uw016-025 and uw029 50.00, sh025-030 30.00, uw001 100.00, x12 20.00 -> 19 paying,
    # 75th percentile 50.00 -> 12 valuable (uw016-025, uw029, uw001), all NPS respondents.
    september = audit.report(Period.last_days(90, dt.date(2026, 9, 30)), TODAY, database=database)
    assert (september.valuable_n, september.silent_n) == (12, 0)
    assert (float(september.silent.top_quartile_from.iloc[0]), int(september.silent.paying.iloc[0])) == (50.0, 19)
    # By 2026-05-31 only x12 pays (20.00 in May 2026) and it first answers on 2026-08-01: silent.
    may = Period.last_days(90, dt.date(2026, 5, 31))
    listed = audit.silent_customer_list(may, database=database)
    assert listed.to_dict("records") == [{"customer_id": "x12", "unit": "US East", "segment": "business",
                                          "monthly_revenue": 20.0}]
    found = audit.report(may, TODAY, database=database)
    assert (found.silent_n, found.silent_revenue) == (1, 20.0)
    assert audit.silent_sentence(found).startswith("**1 of 1** valuable customers (revenue 20 or more in May 2026")
    spec, frame = audit.silent_chart(found, "unit_name")
    assert spec.title.text == "US East holds all of silent revenue: 20 a month from 1 customer"
    assert frame.to_dict("records") == [{"unit": "US East", "silent": 1, "silent_revenue": 20.0, "valuable": 1}]
    # the download carries no contact details (x12 has an email address in customers)
    csv = audit.silent_customer_csv(may, database=database).decode()
    assert csv.splitlines()[0] == "customer_id,unit,segment,monthly_revenue" and "@" not in csv


def test_silent_customers_respect_the_scope(database):
    may = Period.last_days(90, dt.date(2026, 5, 31))
    assert audit.silent_customer_list(may, scope=Scope.of("us_west"), database=database).empty
    assert list(audit.silent_customer_list(may, scope=Scope.of("bu_na"), database=database).customer_id) == ["x12"]


# ---- respondent mix -----------------------------------------------------------------------------

def test_respondent_mix_equals_an_independent_computation(raw, current):
    f = raw["feedback"]
    f = f[f.nps.notna()].assign(month=pd.to_datetime(f.submitted_at).dt.to_period("M"))
    last = f.groupby(["customer_id", "month"]).submitted_at.max().reset_index()
    in_period = last[(last.submitted_at >= pd.Timestamp(CURRENT.start))
                     & (last.submitted_at < pd.Timestamp(CURRENT.end) + pd.Timedelta(days=1))]
    active = active_customers(raw, CURRENT.end)
    respondents = active[active.customer_id.isin(in_period.customer_id)]
    # by hand: 131 answered (130 panel in September + x12 on 08-20); uw029, uw030 churned in October
    assert len(respondents) == 129
    want_r = respondents.groupby("segment").size()
    want_b = active.groupby("segment").size()
    got = current.mix_segment.set_index("segment")
    assert got.respondents.to_dict() == want_r.to_dict()
    assert got.active.to_dict() == want_b.to_dict()
    gap = 100 * want_r / want_r.sum() - 100 * want_b / want_b.sum()
    assert all(math.isclose(got.gap_pts[s], gap[s]) for s in gap.index)
    expected = want_b / want_b.sum() * want_r.sum()
    chi2 = float(((want_r - expected) ** 2 / expected).sum())
    assert math.isclose(current.mix_test.statistic, chi2) and current.mix_test.df == 3
    assert not current.mix_test.significant and set(got.verdict) == {"no clear gap"}
    assert math.isclose(current.response_rate.value, 100 * 129 / 132)


def test_respondent_mix_flags_an_under_represented_segment():
    """Hand-made: business is 25% of 400 customers but 10 of 200 respondents (5%)."""
    rows = pd.DataFrame({"unit_id": ["u"] * 4, "unit_name": ["U"] * 4, "source": ["any"] * 4,
                         "segment": ["starter", "plus", "family", "business"], "active": [100] * 4,
                         "heard": [0] * 4})
    respondents = pd.DataFrame({"segment": ["starter", "plus", "family", "business"],
                                "respondents": [64, 63, 63, 10]})
    frame, test = audit.respondent_mix(respondents, rows, "segment")
    business = frame.set_index("segment").loc["business"]
    assert math.isclose(business.gap_pts, 100 * 10 / 200 - 25.0)
    assert business.verdict == "under-represented"
    # chi-square by hand: expected 50 each; (14^2 + 13^2 + 13^2 + 40^2) / 50
    assert math.isclose(test.statistic, (14 ** 2 + 13 ** 2 + 13 ** 2 + 40 ** 2) / 50) and test.significant
    few = respondents.assign(respondents=[3, 3, 3, 1])
    frame, test = audit.respondent_mix(few, rows, "segment")
    assert test.p is None and set(frame.verdict) == {"too few to tell"}


@pytest.mark.parametrize("statistic,df", [(3.841459, 1), (5.991465, 2), (7.814728, 3), (9.487729, 4),
                                          (11.070498, 5), (12.591587, 6)])
def test_chi_square_p_at_the_5_percent_critical_values(statistic, df):
    assert math.isclose(audit.chi_square_p(statistic, df), 0.05, abs_tol=1e-6)


# ---- action, stories, maturity ------------------------------------------------------------------

def test_cases_and_initiatives(current):
    # case-1 opened 09-30, due 10-02, closed 10-03 (late); case-2 opened 08-03, still open past due
    assert current.cases == {"opened": 2, "closed": 1, "closed_in_sla": 0, "open_overdue": 1}
    ini = current.initiatives.set_index("initiative_id")
    # ini-2 (bu_cn, long_wait, 07-01): 04-02..06-30: NPS 60 + CES bj 15 + fb-d09 + fb-d13 = 77, 1 long_wait;
    # 08-03..10-31: NPS 60 + CSAT sh 20 + CES bj 15 + fb-d07 + fb-d08 = 97, none
    assert ini.loc["ini-2", ["before_n", "before_theme_n", "after_n", "after_theme_n"]].tolist() == [77, 1, 97, 0]
    # ini-1 (us_west, late_delivery, 10-01): 07-03..09-30: CSAT 18 + CES 15 + NPS 30 + d01 d03 d11 = 66,
    # 15 detractors + d01 = 16 mentions; 10-01..10-31: CSAT 20 + d02 = 21, 1 mention
    assert ini.loc["ini-1", ["before_n", "before_theme_n", "after_n", "after_theme_n"]].tolist() == [66, 16, 21, 1]
    assert ini.measured.to_dict() == {"ini-1": False, "ini-2": True}
    assert not ini.improved.any()  # 1 of 77 -> 0 of 97 is not a significant fall


def test_story_publishing_not_set_up(current):
    assert current.stories.startswith("Story publishing is not set up yet")


def test_published_story_versions_and_reads_are_counted(private_db_path):
    con = duckdb.connect(str(private_db_path))
    con.execute("insert into story_versions values "
                "('a', 1, 'published', 'x', 'ana', now(), now(), 0), ('a', 2, 'published', 'x', 'ana', now(), now(), 1), "
                "('b', 1, 'published', 'x', 'ana', now(), now(), 0), ('b', 2, 'draft', 'x', 'ana', now(), null, 1)")
    con.execute("insert into story_reads values ('a', 2, 'erin', now()), ('a', 2, 'erin', now()), "
                "('b', 0, 'rafael', now())")
    con.close()
    db = voc.db.get(private_db_path)
    row = queries.run("story_versions_status", database=db).iloc[0]
    assert bool(row.has_story_versions) and int(row.story_versions) == 3  # the draft is not counted
    assert (int(row.studio_stories), int(row.story_reads), int(row.story_readers)) == (2, 3, 2)
    assert audit.report(CURRENT, TODAY, database=db).stories == (
        "3 story versions published in the studio (2 stories); 2 people opened a story (3 reads recorded).")


def test_maturity_of_the_fixture(current):
    # strategy: 6 of 6 units covered (+3); slowest live source call, 57 days behind (+0)
    # design: 4 kinds live (+1), 97.7% coverage (+2); engagement: response 97.7% (+3), business 96.9% (+2)
    # action: 0 of 2 cases in time (+0), 2 initiatives (+1); value: 1 of 2 measured (+2), none improved
    assert {d.key: d.score for d in current.maturity} == {
        "strategy": 3, "programme_design": 3, "engagement": 5, "action_on_results": 1, "value_delivered": 2}
    design = next(d for d in current.maturity if d.key == "programme_design")
    assert design.text.startswith("3/5: 4 of 7 source kinds live (+1; +2 at 5 kinds); 98% of active customers")


def test_empty_scope_draws_empty_states(database):
    found = audit.report(CURRENT, TODAY, scope=Scope.of("atlantis"), database=database)
    assert found.coverage.value is None and set(found.sources.status) == {"missing"}
    assert audit.coverage_chart(found, "segment")[0] is None and audit.mix_chart(found, "segment")[0] is None
    assert "cannot be found" in audit.silent_sentence(found)
    assert all(d.score == 0 for d in found.maturity)


def test_imports_freshness_lists_each_imported_source(private_db_path, tmp_path):
    """After one import, the audit's import table names its source, rows loaded and latest record."""
    from tests.ingest_helpers import good_rows, write_survey
    from voc import db
    from voc.ingest import load

    database = db.get(private_db_path)
    assert audit.imports(database=database).empty
    report = load.run(write_survey(tmp_path, good_rows(40)), database, now=dt.datetime(2026, 11, 1))
    frame = audit.imports(database=database)
    assert list(frame.source) == ["test_survey"]  # the mapping's source name
    assert int(frame.last_rows_loaded.iloc[0]) == report.rows_loaded == 40
    assert str(frame.latest_record.iloc[0])[:10] == "2026-10-28"  # EndDate of the newest of the 40 rows
