"""Key drivers (voc/drivers.py, queries/nps_by_driver.sql): effect sizes, n and significance.

Two sources of rows:

* the shared fixture (tests/fixture.sql). Its NPS answers are relationship surveys with no
  interaction, so the drivers it can form are the incident in the unit and the themes; every
  expected count below is derived by hand from the plans in fixture.sql.
* a private copy of the fixture with answers linked to orders and contacts added by
  ``add_linked_answers`` (the fixture has none). The expected counts are computed in the test
  from the very rows inserted, with plain Python, never by calling the code under test.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import voc.db
import voc.rollups
from voc import config, drivers
from voc.periods import Period
from voc.scope import Scope

APP = Path(__file__).resolve().parent.parent / "app.py"
CURRENT = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))
Z95 = 1.959963984540054


def nps(p, d, n):
    return (p - d) / n * 100


def nps_se(p, d, n):
    return math.sqrt((p / n + d / n - ((p - d) / n) ** 2) / n) * 100


def share_se(hits, n):
    return math.sqrt(hits / n * (1 - hits / n) / n) * 100


def two_sided_p(z):
    return math.erfc(abs(z) / math.sqrt(2))


def by_key(analysis):
    """Drivers by key; themes as "theme:<id>" (a theme may share its id with an operational driver)."""
    return {(d.key if d.kind == "operational" else f"theme:{d.key}"): d for d in analysis.drivers}


# ---------------------------------------------------------------------------------------------
# The shared fixture
# ---------------------------------------------------------------------------------------------
# Incident driver, current period. inc-1 (us_west) runs 2026-09-01 06:00 .. 09-20 18:00; an answer
# is exposed when the incident started before it and ended at most 7 days before it, i.e. us_west
# answers from 09-01 06:00 to 09-27 18:00: panel answers i = 1..27 (09-01 + (i-1) days, 10:00).
# us_west current plan: promoters i <= 6, passives 7..15, detractors 16..30
#   -> exposed: 6 promoters, 12 detractors (16..27), n 27.
# inc-3 (beijing, from 10-28, open) comes after every beijing answer (09-01..09-20); inc-2 ended
# 07-03, before the window. Company current NPS: 53 promoters, 41 detractors, n 131
#   -> others: 47 promoters, 29 detractors, n 104.
# CSAT: us_west CSAT answers are on 10-01..10-20 (after 09-27) -> exposed 0, others 40 (20 satisfied).
INCIDENT = dict(exposed=(6, 12, 27), others=(47, 29, 104))
# Theme late_delivery among answers with a score in the current period: us_west detractors (15)
# and shanghai/beijing/south_china detractors (6 + 4 + 2): 27 answers, all detractors.
# Others: 53 promoters, 41 - 27 = 14 detractors, n 104.
LATE_THEME = dict(exposed=(0, 27, 27), others=(53, 14, 104))
# Theme easy_app: current promoters with i % 5 == 0 (uw 5; ue 5, 10; sh 5, 10, 15; bj 5, 10; sc 5)
# plus x12's 08-20 answer: 10 answers, all promoters.
EASY_APP = dict(exposed=(10, 0, 10), others=(43, 41, 121))


@pytest.fixture(scope="module")
def fixture_analysis(database):
    return drivers.key_drivers(CURRENT, scope=Scope(), database=database)


def test_fixture_forms_incident_and_theme_drivers_only(fixture_analysis):
    found = by_key(fixture_analysis)
    assert set(found) == {"incident", "theme:late_delivery", "theme:easy_app"}
    assert found["incident"].kind == "operational"
    assert found["theme:late_delivery"].label == "Mentions “Late delivery”"
    assert fixture_analysis.nps_answers == 131
    assert fixture_analysis.answers == 131 + 40  # NPS answers and the 40 current CSAT answers
    assert fixture_analysis.operational_loaded


@pytest.mark.parametrize("key,plan", [("incident", INCIDENT), ("theme:late_delivery", LATE_THEME),
                                      ("theme:easy_app", EASY_APP)])
def test_fixture_effect_sizes_and_n(fixture_analysis, key, plan):
    driver = by_key(fixture_analysis)[key]
    (p1, d1, n1), (p0, d0, n0) = plan["exposed"], plan["others"]
    assert driver.nps.current.n == n1 and driver.nps.previous.n == n0
    assert driver.nps.current.value == pytest.approx(nps(p1, d1, n1))
    assert driver.nps.previous.value == pytest.approx(nps(p0, d0, n0))
    assert driver.effect == pytest.approx(nps(p1, d1, n1) - nps(p0, d0, n0))
    assert driver.exposed_share == pytest.approx(n1 / 131)
    assert driver.exposed_mix == pytest.approx((p1 / n1, d1 / n1))


def test_fixture_groups_under_30_are_not_tested(fixture_analysis):
    # 27 exposed answers < MIN_GROUP_SIZE (30): no verdict, no chart, blank numbers in the table
    incident = by_key(fixture_analysis)["incident"]
    assert not incident.nps.testable and not incident.nps.significant
    assert incident.status("nps") == "too few answers"
    assert fixture_analysis.testable("nps") == []
    row = drivers.table(fixture_analysis, "nps", "operational").iloc[0]
    assert row["driver"] == "Incident in their unit" and row["verdict"] == "too few answers"
    assert row["exposed answers (n)"] == 27 and row["other answers (n)"] == 104
    assert pd.isna(row["effect (pts)"]) and row["95% CI"] == "—"
    assert drivers.headline(fixture_analysis, "nps", "operational") == "Too few NPS answers to test any driver"


def test_fixture_incident_significance_with_a_lower_minimum(fixture_analysis, monkeypatch):
    monkeypatch.setattr(config, "MIN_GROUP_SIZE", 20)
    (p1, d1, n1), (p0, d0, n0) = INCIDENT["exposed"], INCIDENT["others"]
    delta = nps(p1, d1, n1) - nps(p0, d0, n0)                      # -22.2 - 17.3 = -39.5
    se = math.sqrt(nps_se(p1, d1, n1) ** 2 + nps_se(p0, d0, n0) ** 2)
    p = two_sided_p(delta / se)                                     # z = -2.30, p = 0.022
    incident = by_key(fixture_analysis)["incident"]
    assert incident.nps.p == pytest.approx(p)
    assert incident.nps.significant == (p < 0.05) is True
    assert incident.status("nps") == "lowers NPS"
    assert incident.ci == pytest.approx((delta - Z95 * se, delta + Z95 * se))
    spec, frame = drivers.effect_chart(fixture_analysis, "nps", "operational")
    assert frame.driver.tolist() == ["Incident in their unit"]
    assert frame.status.tolist() == ["worse"]
    assert frame.effect_pts.iloc[0] == round(delta, 1)
    assert drivers.headline(fixture_analysis, "nps", "operational") == (
        "Incident in their unit costs 40 NPS points; 1 of 1 drivers significantly lower NPS")
    assert spec.to_dict()["title"]["text"].startswith("Incident in their unit costs 40")


def test_fixture_csat_side_without_answers_is_named_not_compared(fixture_analysis):
    incident = by_key(fixture_analysis)["incident"]
    assert incident.csat.current.n == 0 and incident.csat.previous.n == 40
    assert incident.csat.previous.value == pytest.approx(50.0)       # 20 of 40 satisfied
    assert incident.status("csat") == "no CSAT answers on one side"
    assert "Incident in their unit" in drivers.unanswered(fixture_analysis, "csat", "operational")
    assert drivers.table(fixture_analysis, "csat", "operational").empty


def test_fixture_scope_limits_the_comparison(database):
    # us_west only: the 27 exposed answers stay, the others are us_west answers 28..30 (detractors)
    analysis = drivers.key_drivers(CURRENT, scope=Scope.of("us_west"), database=database)
    incident = by_key(analysis)["incident"]
    assert (incident.nps.current.n, incident.nps.previous.n) == (27, 3)
    assert incident.nps.previous.value == pytest.approx(nps(0, 3, 3))
    assert analysis.nps_answers == 30


# ---------------------------------------------------------------------------------------------
# A private copy with answers linked to orders and contacts
# ---------------------------------------------------------------------------------------------

def linked_rows():
    """Orders, contacts and the survey answers about them (canada: no incident there)."""
    orders, contacts, answers = [], [], []
    for late in (True, False):
        for i in range(1, 41):
            order_id = f"t-ord-{'late' if late else 'ok'}-{i:02d}"
            ordered = dt.datetime(2026, 9, 1, 9) + dt.timedelta(days=i % 20)
            customer = f"ca{1 + i % 10:03d}"
            orders.append((order_id, customer, "canada", ordered, ordered + dt.timedelta(days=3),
                           ordered + dt.timedelta(days=5 if late else 2), 30.0))
            if late:   # 8 promoters, 8 passives, 24 detractors; CSAT 10 of 40 satisfied
                score, csat = (10 if i <= 8 else 8 if i <= 16 else 3), (5 if i <= 10 else 2)
            else:      # 24 promoters, 8 passives, 8 detractors; CSAT 30 of 40 satisfied
                score, csat = (9 if i <= 24 else 7 if i <= 32 else 5), (4 if i <= 30 else 1)
            answers.append((f"t-fb-{order_id}", customer, order_id, ordered + dt.timedelta(days=6), score, csat))
    for i in range(1, 71):
        contact_id = f"t-k-{i:02d}"
        started = dt.datetime(2026, 10, 1, 11) + dt.timedelta(days=i % 20)
        customer = f"ca{1 + i % 10:03d}"
        long_wait = i <= 35
        contacts.append((contact_id, customer, "canada", "phone", "delivery", started,
                         900 if long_wait else 120, 300, i % 2 == 0))
        j = i if long_wait else i - 35
        if long_wait:  # 5 promoters, 20 detractors of 35
            score = 10 if j <= 5 else 8 if j <= 15 else 2
        else:          # 20 promoters, 5 detractors of 35
            score = 9 if j <= 20 else 7 if j <= 30 else 4
        answers.append((f"t-fb-{contact_id}", customer, contact_id, started + dt.timedelta(hours=1), score, None))
    return orders, contacts, answers


def add_linked_answers(path) -> None:
    orders, contacts, answers = linked_rows()
    con = duckdb.connect(str(path))
    try:
        con.executemany("insert into orders values (?, ?, ?, ?, ?, ?, ?)", orders)
        con.executemany("insert into contacts values (?, ?, ?, ?, ?, ?, ?, ?, ?)", contacts)
        for feedback_id, customer, interaction, at, score, csat in answers:
            con.execute(
                "insert into feedback select ?, customer_id, unit_id, segment, 'survey', true, 'email', "
                "'delivery', 'post_interaction', ?, ?, 'en', ?, ?, null, null, null, null, null "
                "from customers where customer_id = ?", [feedback_id, interaction, at, score, csat, customer])
        voc.rollups.rebuild(con)
    finally:
        con.close()


def counts(rows):
    """(promoters, detractors, n) of NPS scores, and (satisfied, n) of CSAT answers, by plain Python."""
    scores = [r for r in rows if r is not None]
    return ((sum(s >= 9 for s, _ in scores), sum(s <= 6 for s, _ in scores), len(scores)),
            (sum(c >= 4 for _, c in scores if c is not None), sum(c is not None for _, c in scores)))


@pytest.fixture
def linked(private_db_path):
    add_linked_answers(private_db_path)
    return voc.db.get(private_db_path)


def test_linked_answers_give_operational_effects(linked):
    orders, contacts, answers = linked_rows()
    late_ids = {o[0] for o in orders if o[5] > o[4]}
    long_ids = {k[0] for k in contacts if k[6] > 600}
    unresolved_ids = {k[0] for k in contacts if not k[8]}
    order_answers = [(a[4], a[5]) for a in answers if a[2].startswith("t-ord")]
    contact_answers = [a for a in answers if a[2].startswith("t-k")]
    expected = {
        "late_delivery": counts([(a[4], a[5]) for a in answers if a[2] in late_ids]),
        "late_delivery_others": counts([(a[4], a[5]) for a in answers if a[2].startswith("t-ord")
                                        and a[2] not in late_ids]),
        "long_wait": counts([(a[4], a[5]) for a in contact_answers if a[2] in long_ids]),
        "long_wait_others": counts([(a[4], a[5]) for a in contact_answers if a[2] not in long_ids]),
        "not_resolved_first_contact": counts([(a[4], a[5]) for a in contact_answers if a[2] in unresolved_ids]),
        "not_resolved_first_contact_others": counts([(a[4], a[5]) for a in contact_answers
                                                     if a[2] not in unresolved_ids]),
    }
    # the hand-made plan, stated literally as well
    assert expected["late_delivery"] == ((8, 24, 40), (10, 40))
    assert expected["late_delivery_others"] == ((24, 8, 40), (30, 40))
    assert expected["long_wait"][0] == (5, 20, 35) and expected["long_wait_others"][0] == (20, 5, 35)
    assert expected["not_resolved_first_contact"][0] == (13, 12, 35)
    assert len(order_answers) == 80

    analysis = drivers.key_drivers(CURRENT, scope=Scope(), database=linked)
    found = by_key(analysis)
    assert analysis.nps_answers == 131 + 80 + 70
    for key in ("late_delivery", "long_wait", "not_resolved_first_contact"):
        (p1, d1, n1), (s1, c1) = expected[key]
        (p0, d0, n0), (s0, c0) = expected[f"{key}_others"]
        driver = found[key]
        delta = nps(p1, d1, n1) - nps(p0, d0, n0)
        se = math.sqrt(nps_se(p1, d1, n1) ** 2 + nps_se(p0, d0, n0) ** 2)
        assert (driver.nps.current.n, driver.nps.previous.n) == (n1, n0), key
        assert driver.effect == pytest.approx(delta), key
        assert driver.ci == pytest.approx((delta - Z95 * se, delta + Z95 * se)), key
        assert driver.nps.p == pytest.approx(two_sided_p(delta / se)), key
        assert driver.nps.significant == (two_sided_p(delta / se) < 0.05), key
        assert driver.exposed_share == pytest.approx(n1 / 281), key
        assert (driver.csat.current.n, driver.csat.previous.n) == (c1, c0), key
        if c1 and c0:
            assert driver.csat.delta == pytest.approx(s1 / c1 * 100 - s0 / c0 * 100), key
    # late delivery: -40 vs +40 -> -80 points, z = -4.47: significant; CSAT 25% vs 75%: -50 points
    assert found["late_delivery"].effect == pytest.approx(-80.0)
    assert found["late_delivery"].status("nps") == "lowers NPS"
    csat_se = math.sqrt(share_se(10, 40) ** 2 + share_se(30, 40) ** 2)
    assert found["late_delivery"].csat.p == pytest.approx(two_sided_p(-50.0 / csat_se))
    assert found["late_delivery"].status("csat") == "lowers CSAT"
    # first-contact resolution: 13/12 of 35 vs 12/13 of 35 -> +5.7 points, not significant
    assert found["not_resolved_first_contact"].effect == pytest.approx(200 / 35)
    assert found["not_resolved_first_contact"].status("nps") == "not significant"
    rows = drivers.table(analysis, "nps", "operational").set_index("driver")
    assert rows.loc["Late delivery", "p-value"] == "< 0.0001"                      # p = 7.7e-6
    assert rows.loc["Not resolved at first contact", "verdict"] == "not significant"
    # contact answers carry no CSAT: named, not compared
    assert found["long_wait"].status("csat") == "no CSAT answers on one side"
    # the chart: testable operational drivers, most negative first in the data, grey when not significant
    spec, frame = drivers.effect_chart(analysis, "nps", "operational")
    assert frame.driver.tolist() == ["Wait over 10 min", "Late delivery", "Not resolved at first contact"]
    assert frame.status.tolist() == ["worse", "worse", "flat"]
    assert drivers.headline(analysis, "nps", "operational").startswith("Wait over 10 min costs 86 NPS points; 2 of 3")


def test_long_wait_threshold_is_a_parameter(linked):
    # 15 minutes: no wait in the plan exceeds 900 s, so nobody is exposed and the driver disappears
    assert "long_wait" not in by_key(drivers.key_drivers(CURRENT, 15, scope=Scope(), database=linked))
    # 1 minute: 900 s and 120 s both exceed 60 s: everybody exposed, nothing to compare either
    assert "long_wait" not in by_key(drivers.key_drivers(CURRENT, 1, scope=Scope(), database=linked))
    # 14 minutes (840 s): the 35 waits of 900 s are long again
    driver = by_key(drivers.key_drivers(CURRENT, 14, scope=Scope(), database=linked))["long_wait"]
    assert driver.nps.current.n == 35 and driver.label == "Wait over 14 min"


# ---------------------------------------------------------------------------------------------
# A database without orders or contacts
# ---------------------------------------------------------------------------------------------

@pytest.fixture
def without_operations(private_db_path):
    con = duckdb.connect(str(private_db_path))
    con.execute("delete from orders")
    con.execute("delete from contacts")
    voc.rollups.rebuild(con)
    con.close()
    return private_db_path


def test_missing_operational_data_is_reported(without_operations):
    analysis = drivers.key_drivers(CURRENT, scope=Scope(), database=voc.db.get(without_operations))
    assert not analysis.operational_loaded
    assert {d.kind for d in analysis.drivers} == {"operational", "theme"}  # incident and themes remain
    assert drivers.empty_message(analysis, "theme") is None


def test_page_says_which_source_is_missing(without_operations, monkeypatch):
    monkeypatch.setenv("VOC_DB", str(without_operations))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["persona"] = "demo-analyst"
    at.query_params["period"] = "custom"
    at.query_params["start"], at.query_params["end"] = "2026-08-03", "2026-10-31"
    at.run()
    at.switch_page("pages/drivers.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    infos = " ".join(i.value for i in at.info)
    assert "No operational data loaded: driver analysis needs orders or contacts" in infos
