"""Case rules (voc.loop.rules) and owner assignment (voc.loop.owners) on the fixture data.

Hand count for September 2026 (see tests/fixture.sql). Feedback from identified customers that
the default rules match:
* detractor (NPS 0-6), the "current" NPS survey answered 09-01 .. 09-30: us_west uw016-uw030 (15),
  us_east ue025-ue030 (6), canada ca003-ca010 (8), shanghai sh025-sh030 (6), beijing bj017-bj020 (4),
  south_china sc009-sc010 (2) = 41, less uw030 whose answer already has case-1: 40;
* at-risk theme (sentiment <= -0.5 on late_delivery or billing): fb-d07 (sh002, -0.6, late_delivery).
  fb-d11 (long_wait) and fb-d14 (support_rude) are negative but not on an at-risk theme; fb-d08 is
  anonymous. The us_west detractors mention late_delivery too, but the detractor rule ranks first.
Total 41: us_west 14, us_east 6, canada 8, shanghai 7, beijing 4, south_china 2.
"""
import datetime as dt
import json

import pytest

from voc import db
from voc.loop import owners, rules
from voc.users import User

ADMIN = User("demo-admin", "Ada Admin", "admin", None)
SEPTEMBER = dict(since=dt.datetime(2026, 9, 1), until=dt.datetime(2026, 10, 1))
OPENED = dt.datetime(2026, 10, 1, 12)


def staffed(path):
    """The private fixture copy with agents: two in us_west, one in shanghai, one serving all of bu_cn."""
    database = db.get(path)
    for name, unit in (("uw-a", "us_west"), ("uw-b", "us_west"), ("demo-agent", "shanghai"), ("cn-pool", "bu_cn")):
        owners.save_person(database, ADMIN, name, unit, "agent", email=f"{name}@staff.example")
    return database


def open_september(path):
    database = staffed(path)
    return database, rules.apply(database, ADMIN, **SEPTEMBER, now=OPENED)


def rows(database, sql, *params):
    with database.read() as cur:
        return cur.execute(sql, list(params)).fetchall()


def test_default_rules_open_the_hand_counted_cases(private_db_path):
    database, applied = open_september(private_db_path)
    assert applied.created == 41
    assert applied.by_rule == {"detractor": 40, "at_risk_theme": 1}
    by_unit = dict(rows(database, "select unit_id, count(*) from cases where rule in ('detractor', 'at_risk_theme') "
                                  "group by 1"))
    assert by_unit == {"us_west": 14, "us_east": 6, "canada": 8, "shanghai": 7, "beijing": 4, "south_china": 2}
    themed = rows(database, "select feedback_id, priority, status, opened_at, due_at from cases "
                            "where rule = 'at_risk_theme'")
    # normal priority, 16 business hours (UTC 09-17): Thu 12-17 (5 h) + Fri (8 h) + Mon 09-12 (3 h)
    assert themed == [("fb-d07", "normal", "open", OPENED, dt.datetime(2026, 10, 5, 12))]
    detractor = rows(database, "select distinct priority, due_at from cases where rule = 'detractor'")
    assert detractor == [("high", OPENED + dt.timedelta(hours=24))]
    assert rows(database, "select count(*) from cases where feedback_id = 'nps-cur-uw030'") == [(1,)]  # case-1 only


def test_owners_by_unit_then_round_robin(private_db_path):
    database, applied = open_september(private_db_path)
    west = dict(rows(database, "select customer_id, owner from cases where unit_id = 'us_west' and rule = 'detractor'"))
    # answers come in customer order (uw016 on 09-16 ... uw029 on 09-29): uw-a, uw-b, uw-a, ...
    assert west == {f"uw{i:03d}": ("uw-a" if i % 2 == 0 else "uw-b") for i in range(16, 30)}
    owners_by_unit = dict(rows(database, "select unit_id, list(distinct owner) from cases where rule <> "
                                         "'billing_complaint' and unit_id not in ('us_west') group by 1"))
    assert owners_by_unit["shanghai"] == ["demo-agent"]          # its own agent, not the bu_cn pool
    assert owners_by_unit["beijing"] == owners_by_unit["south_china"] == ["cn-pool"]  # nearest ancestor's agent
    assert owners_by_unit["us_east"] == owners_by_unit["canada"] == [None]           # nobody serves them
    assert applied.unassigned == 14
    # the round robin remembers: the next us_west case goes to whoever was assigned longest ago
    last = dict(rows(database, "select username, last_assigned_at from loop_staff where unit_id = 'us_west'"))
    assert last["uw-a"] < last["uw-b"]  # uw-b took uw029, the last one


def test_applying_again_opens_nothing_and_is_audited(private_db_path):
    database, _ = open_september(private_db_path)
    again = rules.apply(database, ADMIN, **SEPTEMBER, now=OPENED)
    assert again.created == 0
    audit = rows(database, "select actor, detail from audit_log where action = 'case_rules_applied' order by id")
    assert [a for a, _ in audit] == ["demo-admin", "demo-admin"]
    first = json.loads(audit[0][1])
    assert first["created"] == 41 and len(first["case_ids"]) == 41
    opened_events = rows(database, "select count(*) from case_events where kind = 'opened'")
    assert opened_events == [(41,)]


def test_rank_unit_and_segment_filters(private_db_path):
    database = staffed(private_db_path)
    # high value (latest monthly revenue >= 50) for 'plus' customers of bu_na, checked first
    rules.save(database, ADMIN, rules.Rule("plus_value", "Valuable plus customers", "high_value", 50,
                                           priority="urgent", rank=0, unit_filter="bu_na", segment_filter="plus"))
    applied = rules.apply(database, ADMIN, **SEPTEMBER, now=OPENED)
    # revenue >= 50 at or before September: uw016-uw025 (Sep 50), uw027-uw028 (Jun 80), uw029 (Sep 50);
    # 'plus' is panel i % 4 == 1: uw017, uw021, uw025, uw029
    valuable = rows(database, "select customer_id, priority from cases where rule = 'plus_value' order by 1")
    assert valuable == [(c, "urgent") for c in ("uw017", "uw021", "uw025", "uw029")]
    assert applied.by_rule == {"at_risk_theme": 1, "detractor": 36, "plus_value": 4}


def test_low_csat_rule_limited_to_a_unit(private_db_path):
    database = staffed(private_db_path)
    rules.save(database, ADMIN, rules.Rule("west_csat", "Unhappy with support (North America)", "low_csat", 3,
                                           rank=0, unit_filter="bu_na"))
    applied = rules.apply(database, ADMIN, since=dt.datetime(2026, 10, 1), until=dt.datetime(2026, 11, 1), now=OPENED)
    # October CSAT answers: us_west uw009-uw020 unsatisfied (1 + i % 3, all <= 3): 12 for west_csat;
    # shanghai sh013-sh020 unsatisfied, CSAT 1 for i = 15, 18: 2 for very_low_csat (outside bu_na).
    assert applied.by_rule == {"west_csat": 12, "very_low_csat": 2}


def test_saving_a_rule_is_versioned_audited_and_admin_only(private_db_path):
    database = db.get(private_db_path)
    current = rules.rules(database=database).set_index("rule_id").loc["detractor"]
    assert int(current.version) == 1 and list(rules.rules(database=database).rule_id) == [
        "high_value", "detractor", "very_low_csat", "at_risk_theme"]
    strong = rules.Rule("detractor", "Strong detractor (0-4)", "detractor", 4, priority="urgent", rank=2)
    assert rules.save(database, ADMIN, strong, version=1) == 2
    with pytest.raises(rules.RuleChanged):
        rules.save(database, ADMIN, strong, version=1)  # someone else saved version 2 meanwhile
    agent = User("demo-agent", "Femi", "agent", frozenset({"shanghai"}))
    with pytest.raises(PermissionError):
        rules.save(database, agent, strong, version=2)
    audit = rows(database, "select actor, outcome, target from audit_log where action = 'case_rule_saved' order by id")
    assert audit == [("demo-admin", "ok", "detractor"), ("demo-agent", "refused", "detractor")]
    saved = rules.rules(database=database).set_index("rule_id").loc["detractor"]
    assert (saved.threshold, saved.priority, int(saved.version), saved.updated_by) == (4.0, "urgent", 2, "demo-admin")


@pytest.mark.parametrize("change,message", [
    (dict(kind="detractor", threshold=11), "between 0 and 10"),
    (dict(kind="loyalty"), "kind must be"),
    (dict(rule_id="Bad Id"), "rule id"),
    (dict(priority="asap"), "priority"),
    (dict(sla_hours=0), "SLA"),
    (dict(escalate_share=1.5), "escalate"),
])
def test_invalid_rules_are_refused(change, message):
    base = dict(rule_id="ok_rule", name="A rule", kind="low_csat", threshold=2)
    with pytest.raises(ValueError, match=message):
        rules.Rule(**{**base, **change}).checked()


def test_unknown_unit_filter_is_refused(private_db_path):
    database = db.get(private_db_path)
    with pytest.raises(ValueError, match="no org unit"):
        rules.save(database, ADMIN, rules.Rule("x_rule", "X", "low_csat", 2, unit_filter="atlantis"))


def test_opened_cases_get_their_outcome_rows_as_a_full_rebuild_would(private_db_path):
    """What followed each case lives in the case_outcomes rollup: cases the rules open get their rows in
    the same transaction, equal to the rows a full rollup rebuild computes."""
    from voc import rollups

    database, applied = open_september(private_db_path)
    outcome_sql = ("select case_id, unit_id, case_nps, churned_at, next_nps, monthly_revenue_after "
                   "from case_outcomes order by case_id")
    added = rows(database, outcome_sql)
    assert len(added) == rows(database, "select count(*) from cases where customer_id is not null")[0][0] >= 41
    with database.write() as cur:
        rollups.rebuild(cur)
    assert rows(database, outcome_sql) == added
