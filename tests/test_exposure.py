"""Exposure and return on experience (voc/exposure.py, queries/outcomes_by_customer_group.sql).

Every expected figure is derived by hand from tests/fixture.sql, current period 2026-08-03..10-31.

Customers of the period: all 142 signed up by 10-31; x01, x02 (03-10), x03 (06-15), x04 (05-05)
and x05 (08-02) churned before 08-03 -> 137.
Churn window: from 08-03 to min(10-31 + 60 days, last day with data). The last day with data is
2026-11-05 (sh030's churn event; feedback ends 11-01, orders 10-30, contacts 10-31).
Churned in 08-03..11-05: x06 (09-10), x09 (10-15), x11 (09-01), uw029 (10-20), uw030 (10-31),
sh030 (11-05) -> 6.
"""
from __future__ import annotations

import datetime as dt
import math

import duckdb
import pandas as pd
import pytest

import voc.db
import voc.queries
import voc.rollups
from voc import config, exposure
from voc.periods import Period
from voc.scope import Scope

CURRENT = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))


def nps(p, d, n):
    return (p - d) / n * 100


def share(hits, n):
    return hits / n * 100


def share_se(hits, n):
    return math.sqrt(hits / n * (1 - hits / n) / n) * 100


@pytest.fixture(scope="module")
def result(database):
    return exposure.outcomes(CURRENT, scope=Scope(), database=database)


def test_customers_churn_window_and_revenue(result):
    assert result.churn_until == dt.date(2026, 11, 5)
    assert result.churn_loaded
    everyone = result.everyone
    assert everyone.customers == 137
    assert everyone.churn.value == pytest.approx(share(6, 137))
    assert everyone.nps.n == 131 and everyone.nps.value == pytest.approx(nps(53, 41, 131))
    # revenue in Aug-Oct: uw016-025 50 (Sep), sh025-030 30 (Sep), x12 20 (each month), uw029 50, uw001 100
    assert everyone.revenue.n == 19
    assert everyone.revenue.value == pytest.approx((10 * 50 + 6 * 30 + 20 + 50 + 100) / 19)


def test_return_on_experience_by_latest_answer(result):
    groups = result.by_nps_group
    assert set(groups) == {"promoter", "passive", "detractor"}
    assert (groups["promoter"].customers, groups["passive"].customers, groups["detractor"].customers) == (53, 37, 41)
    # detractors who churned in the window: uw029, uw030, sh030; no promoter or passive churned
    assert groups["detractor"].churn.value == pytest.approx(share(3, 41))
    assert groups["detractor"].churn.se == pytest.approx(share_se(3, 41))
    assert groups["promoter"].churn.value == 0 and groups["passive"].churn.value == 0
    # detractor revenue: uw016-025 and uw029 at 50, sh025-030 at 30 -> 17 customers, 730
    assert groups["detractor"].revenue.n == 17
    assert groups["detractor"].revenue.value == pytest.approx(730 / 17)
    assert groups["detractor"].revenue.se == pytest.approx(
        math.sqrt((11 * 50 ** 2 + 6 * 30 ** 2 - 17 * (730 / 17) ** 2) / 16 / 17))
    assert groups["promoter"].revenue.value == pytest.approx((100 + 20) / 2)   # uw001, x12


def test_detractor_churn_gap_is_not_significant_so_no_ratio_is_claimed(result):
    gap = result.churn_gap
    z = (share(3, 41) - 0.0) / share_se(3, 41)             # promoter churn 0 of 53 has no spread
    assert gap.p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))  # z = 1.80, p = 0.072
    assert gap.testable and not gap.significant
    assert result.churn_ratio is None
    assert exposure.roe_sentence(result) == (
        "Detractors and promoters churn at rates the data cannot tell apart yet (7.3% vs 0.0%).")
    spec, frame = exposure.roe_chart(result, CURRENT)
    assert frame.nps_group.tolist() == ["promoter", "passive", "detractor"]
    assert frame.churn_pct.tolist() == [0.0, 0.0, round(share(3, 41), 2)]
    assert spec.to_dict()["title"]["text"].startswith("Churn by NPS group: no significant gap")


def test_exposure_groups_compare_like_with_like(result):
    found = {e.key: e for e in result.exposures}
    assert list(found) == ["late_delivery", "long_wait", "incident"]
    # customers with an order in the period: late uw001-006, ue001, sh001-002, sc001 (10);
    # on time uw007-010, ue002-005, ca001-002, sh003-005, bj001-003, sc002, x10, x08 (undelivered) (19)
    late = found["late_delivery"]
    assert (late.exposed.customers, late.others.customers) == (10, 19)
    assert late.exposed.nps.n == 10 and late.exposed.nps.value == pytest.approx(100.0)  # all promoters
    assert not late.nps.testable
    # customers with a contact: only uw030 waited over 10 minutes (k-last, 900 s); 17 others
    wait = found["long_wait"]
    assert (wait.exposed.customers, wait.others.customers) == (1, 17)
    assert wait.exposed.churn.value == pytest.approx(100.0)  # uw030 churned 10-31


def test_incident_exposure_nps_churn_and_significance(result):
    # exposed: us_west (uw001-030, x06, x08, x10) and beijing (bj001-020, x11) customers: 54
    incident = {e.key: e for e in result.exposures}["incident"]
    assert (incident.exposed.customers, incident.others.customers) == (54, 83)
    assert incident.exposed.nps.value == pytest.approx(nps(18, 19, 50))
    assert incident.others.nps.value == pytest.approx(nps(35, 22, 81))
    # churned: x06, uw029, uw030, x11 of 54; x09, sh030 of 83
    assert incident.exposed.churn.value == pytest.approx(share(4, 54))
    assert incident.others.churn.value == pytest.approx(share(2, 83))
    z = (share(4, 54) - share(2, 83)) / math.hypot(share_se(4, 54), share_se(2, 83))
    assert incident.churn.p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))  # z = 1.27, p = 0.21
    assert not incident.churn.significant
    row = exposure.exposure_table(result).set_index("exposure").loc["Incident in their unit"]
    assert row["churn gap"] == "no significant difference"
    assert row["NPS answers (exposed / not)"] == "50 / 81"
    late_row = exposure.exposure_table(result).set_index("exposure").loc["Late delivery"]
    assert late_row["NPS gap"] == "too few to tell" and pd.isna(late_row["NPS exposed"])


def test_churn_days_and_scope(database):
    # no days after the period: sh030 (11-05) falls outside
    tight = exposure.outcomes(CURRENT, churn_days=0, scope=Scope(), database=database)
    assert tight.churn_until == dt.date(2026, 10, 31)
    assert tight.everyone.churn.value == pytest.approx(share(5, 137))
    # us_west: 33 customers, churned x06, uw029, uw030; its own data ends 10-31
    west = exposure.outcomes(CURRENT, scope=Scope.of("us_west"), database=database)
    assert west.everyone.customers == 33
    # us_west answers: 6 promoters, 9 passives, 15 detractors: every group under 30, nothing drawn
    assert [g.customers for g in west.by_nps_group.values()] == [6, 9, 15]
    assert exposure.roe_chart(west, CURRENT)[0] is None
    assert west.everyone.churn.value == pytest.approx(share(3, 33))
    assert west.churn_until == dt.date(2026, 10, 31)
    # every us_west customer had the incident (inc-1): nobody to compare with, so it is left out
    assert [e.key for e in west.exposures] == ["late_delivery", "long_wait"]
    assert exposure.absent_note(west).startswith("Not compared: Incident in their unit (")
    assert exposure.absent_note(tight) is None


def test_groups_under_the_minimum_are_blanked(database, monkeypatch):
    monkeypatch.setattr(config, "MIN_GROUP_SIZE", 40)  # passives (37) now too few
    result = exposure.outcomes(CURRENT, scope=Scope(), database=database)
    frame = exposure.roe_table(result).set_index("latest answer")
    assert pd.isna(frame.loc["passive", "churn %"]) and frame.loc["passive", "customers (n)"] == 37
    assert frame.loc["detractor", "churn %"] == round(share(3, 41), 1)
    assert exposure.roe_chart(result, CURRENT)[1].nps_group.tolist() == ["promoter", "detractor"]


def test_without_churn_data_the_page_says_so(private_db_path):
    con = duckdb.connect(str(private_db_path))
    con.execute("delete from churn_events")
    voc.rollups.rebuild(con)
    con.close()
    result = exposure.outcomes(CURRENT, scope=Scope(), database=voc.db.get(private_db_path))
    assert not result.churn_loaded
    assert exposure.roe_sentence(result) == "No churn data loaded: the return on experience needs churn events."


def test_orders_in_any_range_count_exactly(private_db_path):
    """The per-month rollup (customer_months) keeps the first and last order day of each month, so a
    range cut inside a month counts exactly the customers with an order (a late one) in it. Checked
    against the base orders for ranges that start and end on every kind of day around three months."""
    con = duckdb.connect(str(private_db_path))
    con.execute("""
        insert into orders values
            ('r-1', 'uw021', 'us_west', timestamp '2026-09-03 08:00:00', timestamp '2026-09-05 08:00:00',
             timestamp '2026-09-07 08:00:00', 10),   -- late, early in September
            ('r-2', 'uw021', 'us_west', timestamp '2026-09-25 23:00:00', timestamp '2026-09-28 08:00:00',
             timestamp '2026-09-27 08:00:00', 10),   -- on time, late in September
            ('r-3', 'uw022', 'us_west', timestamp '2026-09-15 12:00:00', timestamp '2026-09-16 08:00:00',
             timestamp '2026-09-18 08:00:00', 10),   -- late, mid-September only
            ('r-4', 'uw023', 'us_west', timestamp '2026-08-31 23:59:00', timestamp '2026-09-02 08:00:00',
             timestamp '2026-09-01 08:00:00', 10),   -- on time, last minute of August
            ('r-5', 'uw023', 'us_west', timestamp '2026-10-01 00:00:00', timestamp '2026-10-02 08:00:00',
             timestamp '2026-10-05 08:00:00', 10),   -- late, first minute of October
            ('r-6', 'uw024', 'us_west', timestamp '2026-09-01 00:00:00', timestamp '2026-09-02 08:00:00',
             timestamp '2026-09-04 08:00:00', 10),   -- late, first minute of September
            ('r-7', 'uw024', 'us_west', timestamp '2026-09-30 23:59:00', timestamp '2026-10-02 08:00:00',
             timestamp '2026-10-01 08:00:00', 10),   -- on time, last minute of September
            ('r-8', 'uw025', 'us_west', timestamp '2026-09-02 10:00:00', timestamp '2026-09-03 08:00:00',
             timestamp '2026-09-04 08:00:00', 10),   -- late, early in September ...
            ('r-9', 'uw025', 'us_west', timestamp '2026-09-27 10:00:00', timestamp '2026-09-28 08:00:00',
             timestamp '2026-09-29 08:00:00', 10)    -- ... and late again near its end
    """)
    voc.rollups.rebuild(con)
    reference = """
        select count(distinct o.customer_id) filter (where o.delivered_at > o.promised_at),
               count(distinct o.customer_id)
        from orders o
        join customers c using (customer_id)
        left join churn_events e using (customer_id)
        where c.signup_at <= ? and (e.churned_at is null or e.churned_at >= ?)
          and o.ordered_at >= ? and o.ordered_at < ? + interval 1 day
    """
    ranges = [(dt.date(2026, 8, 28) + dt.timedelta(days=s), dt.date(2026, 8, 28) + dt.timedelta(days=s + n))
              for s in range(0, 38, 2) for n in (0, 1, 3, 7, 16, 29, 35)]
    expected = {r: con.execute(reference, [r[1], r[0], r[0], r[1]]).fetchone() for r in ranges}
    con.close()
    database = voc.db.get(private_db_path)
    got = {}
    for start, end in ranges:
        rows = voc.queries.run("outcomes_by_customer_group", {"start": start, "end": end, "long_wait_seconds": 600,
                                                              "churn_days": 60}, scope=Scope(), database=database)
        late = rows[rows.dimension == "late_delivery"].set_index("grp").customers
        exposed, others = int(late.get("exposed", 0)), int(late.get("not_exposed", 0))
        got[(start, end)] = (exposed, exposed + others)
    assert got == expected
    # by hand, from the orders above (the fixture has no other orders from 09-20 to 10-04):
    assert expected[(dt.date(2026, 9, 1), dt.date(2026, 9, 1))] == (1, 1)     # r-6
    assert expected[(dt.date(2026, 9, 21), dt.date(2026, 9, 28))] == (1, 2)   # r-9; r-2
    assert expected[(dt.date(2026, 9, 29), dt.date(2026, 10, 2))] == (1, 2)   # r-7, r-5
