"""What follow-up is worth (voc.loop.value), against answers worked out by hand.

Hand-made history on the fixture (a private copy): a case for each of the 23 detractor answers of
the previous NPS survey (answered 2026-06-01 + (i - 1) days at 10:00; x12 on 2026-08-01), opened at
the answer, due 24 h later:

* contacted in time (2 h after opening), owner agent-a: uw027, uw028, ue025-ue030 (8)
* contacted late (30 h after opening), owner agent-b: sh025-sh030 (6)
* never contacted, unassigned: bj017-bj020, sc009, sc010, uw029, uw030, x12 (9)

Extra churn (test rows): ue025 07-10 (15 days after its case), sh025 08-01 (37 days), sh026 09-30
(96 days: too late to count), bj017 07-01 (14 days), bj018 08-15 (58 days), sc009 06-09 (same day).
The fixture's own churn (uw029 10-20, uw030 10-31, sh030 11-05) is more than 90 days after.

Churn within 90 days: in time 1/8, late 1/6, never 3/9 (late or never 4/15).
Next NPS answer within 180 days (the "current" survey, September): every one a detractor except
x12 (10 on 08-20): in time 0 promoters / 8 detractors of 8; late 0/6 of 6; never 1/8 of 9.
Revenue in the two months after the case month: only x12 (case in August; 20.00 in September and
October) has any: never = 20 / 9 per case, the rest 0.
"""
import datetime as dt
import math

import pytest

from voc import db, rollups
from voc.loop import value

AS_OF = dt.date(2026, 10, 31)
IN_TIME = ["uw027", "uw028"] + [f"ue{i:03d}" for i in range(25, 31)]
LATE = [f"sh{i:03d}" for i in range(25, 31)]
NEVER = [f"bj{i:03d}" for i in range(17, 21)] + ["sc009", "sc010", "uw029", "uw030", "x12"]
EXTRA_CHURN = {"ue025": "2026-07-10", "sh025": "2026-08-01", "sh026": "2026-09-30", "bj017": "2026-07-01",
               "bj018": "2026-08-15", "sc009": "2026-06-09"}


def _insert_cases(cur, customers, contact_hours, owner):
    for customer in customers:
        feedback_id = f"nps-prev-{customer}"
        opened, unit = cur.execute("select submitted_at, unit_id from feedback where feedback_id = ?",
                                   [feedback_id]).fetchone()
        contact = None if contact_hours is None else opened + dt.timedelta(hours=contact_hours)
        cur.execute(f"insert into cases ({CASE_FIELDS}) values (?, ?, ?, ?, 'detractor', ?, 'high', 'closed', ?, ?, ?, ?, "
                    "'carrier_delay', 'Called', true, 3, ?)",
                    [f"v-{customer}", feedback_id, customer, unit, owner, opened, opened + dt.timedelta(hours=24),
                     contact, opened + dt.timedelta(days=3), opened + dt.timedelta(days=3)])


CASE_FIELDS = ("case_id, feedback_id, customer_id, unit_id, rule, owner, priority, status, opened_at, due_at, "
               "first_contact_at, closed_at, root_cause, action_taken, customer_informed, version, updated_at")


@pytest.fixture
def history(private_db_path):
    database = db.get(private_db_path)
    with database.write() as cur:
        _insert_cases(cur, IN_TIME, 2, "agent-a")
        _insert_cases(cur, LATE, 30, "agent-b")
        _insert_cases(cur, NEVER, None, None)
        for customer, day in EXTRA_CHURN.items():
            unit = cur.execute("select unit_id from customers where customer_id = ?", [customer]).fetchone()[0]
            cur.execute("insert into churn_events values (?, ?, ?, 'test')", [customer, unit, day])
        rollups.rebuild(cur)  # as every load does: what followed each case is measured in a rollup
    return database


def test_groups_by_contact_timing(history):
    v = value.build(AS_OF, database=history)
    assert (v.window.start, v.window.end) == (dt.date(2024, 8, 3), dt.date(2026, 8, 2))
    g = v.groups.set_index("contact_group")
    assert list(g.cases) == [8, 6, 9]
    assert list(g.churn_pct) == pytest.approx([100 / 8, 100 / 6, 300 / 9])
    assert list(g.later_nps) == pytest.approx([-100.0, -100.0, (1 - 8) / 9 * 100])
    assert list(g.later_nps_n) == [8, 6, 9]
    assert list(g.revenue_per_month) == pytest.approx([0.0, 0.0, 20 / 9])
    assert not g.enough.any()                                   # every group under 30 cases
    churn = v.effect["churn"]
    assert (churn.current.value, churn.previous.value) == pytest.approx((12.5, 400 / 15))
    assert (churn.current.n, churn.previous.n) == (8, 15) and not churn.testable
    assert value.headline(v).startswith("The data cannot tell yet")
    from voc.periods import Period

    assert not value.sentence(Period(dt.date(2026, 8, 3), AS_OF), database=history).states_change
    units = v.by_unit.set_index("unit")
    assert units.loc["us_west", "cases"] == 4 and units.loc["us_west", "in_time_share"] == pytest.approx(50.0)
    agents = v.by_agent.set_index("agent")
    assert dict(agents.cases) == {"(unassigned)": 9, "agent-a": 8, "agent-b": 6}
    assert agents.verdict.str.startswith("too few").all()


def test_time_to_first_contact_and_sla_by_month(history):
    from voc.periods import Period

    hours = value.contact_hours(Period(dt.date(2026, 6, 1), dt.date(2026, 8, 31)), database=history)
    # 23 cases above plus the fixture's case-2 (opened 2026-08-03, never contacted)
    assert dict(zip(hours.bucket, hours.cases)) == {"under 1 h": 0, "1-4 h": 8, "4-8 h": 0, "8-24 h": 0,
                                                     "1-2 days": 6, "2-7 days": 0, "over 7 days": 0,
                                                     "not contacted": 10}
    assert value.contact_hours_chart(hours).title.text == "33% of cases reached the customer within 24 hours"
    monthly = value.sla_by_month(dt.datetime(2026, 11, 1), database=history).set_index("month")
    june, august, september = (monthly.loc[f"2026-{m:02d}-01"] for m in (6, 8, 9))
    assert (june.due, june.in_time, june.late, june.not_contacted) == (22, 8, 6, 8)
    assert (august.due, august.in_time, august.not_contacted) == (2, 0, 2)        # x12 and case-2
    assert (september.due, september.in_time) == (1, 1)                           # case-1: contacted 22 h in
    assert monthly.in_time_pct.isna().all()                                       # no month has 30 due cases


def test_a_large_enough_difference_is_called_with_its_size(private_db_path):
    """40 detractors reached in time (2 churn), 40 never reached (12 churn), all in 2025."""
    database = db.get(private_db_path)
    with database.write() as cur:
        for i in range(80):
            customer, opened = f"vt{i:03d}", dt.datetime(2025, 3, 1, 9) + dt.timedelta(days=i)
            cur.execute("insert into customers values (?, 'us_east', 'plus', 'US', 'plus', date '2024-01-01', "
                        "null, null)", [customer])
            cur.execute("insert into feedback (feedback_id, customer_id, unit_id, segment, source, solicited, "
                        "submitted_at, nps) values (?, ?, 'us_east', 'plus', 'survey', true, ?, 2)",
                        [f"vt-fb-{i}", customer, opened])
            contact = opened + dt.timedelta(hours=3) if i < 40 else None
            cur.execute(f"insert into cases ({CASE_FIELDS}) values (?, ?, ?, 'us_east', 'detractor', 'agent-c', 'high', 'closed', "
                        "?, ?, ?, ?, 'other', 'Called', true, 2, ?)",
                        [f"vt-case-{i}", f"vt-fb-{i}", customer, opened, opened + dt.timedelta(hours=24), contact,
                         opened + dt.timedelta(days=2), opened + dt.timedelta(days=2)])
            if i in (0, 1) or 40 <= i < 52:
                cur.execute("insert into churn_events values (?, 'us_east', ?, 'test')",
                            [customer, (opened + dt.timedelta(days=30)).date()])
        rollups.rebuild(cur)  # as every load does
    v = value.build(AS_OF, database=database)
    churn = v.effect["churn"]
    se = math.sqrt(0.05 * 0.95 / 40 + 0.30 * 0.70 / 40) * 100
    p = math.erfc(abs(-25 / se) / math.sqrt(2))
    assert churn.significant and churn.delta == pytest.approx(-25.0) and churn.p == pytest.approx(p)
    assert p == pytest.approx(0.00183, abs=1e-4)
    assert value.headline(v) == (
        "Detractors contacted within the SLA churned 5.0% within 90 days against 30.0% when contacted late or "
        "never: 25.0 points (83%) less (n = 40 and 40, p = 0.002; detractor follow-ups opened "
        "03 Aug 2024 – 02 Aug 2026).")
    table = value.effect_table(v).set_index("measure")
    assert table.loc["Churn within 90 days (%)", "verdict"] == "better when contacted in time"
    unit = v.by_unit.set_index("unit").loc["us_east"]
    assert unit.verdict == "churn lower when contacted in time" and unit.difference == pytest.approx(-25.0)
    assert value.churn_chart(v).title.text.startswith("Detractors contacted within the SLA churned 5.0%")
    from voc.periods import Period

    told = value.sentence(Period(dt.date(2026, 8, 3), AS_OF), database=database)
    assert told.text == value.headline(v) and told.states_change
    assert (told.provenance[0].query, told.provenance[0].n, told.provenance[0].n_previous) == (
        "case_outcomes_by_group", 40, 40)
