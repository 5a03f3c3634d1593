"""Working a case (voc.loop.cases): versioned changes, concurrent agents, scope, audit, queue order."""
import datetime as dt
import threading
import time

import pytest

from tests.test_loop_rules import open_september, rows
from voc.loop import cases
from voc.users import User

AGENT = User("demo-agent", "Femi Frontline", "agent", frozenset({"shanghai"}))
OTHER = User("sh-wei", "Wei", "agent", frozenset({"shanghai"}))
WEST = User("uw-a", "Ann West", "agent", frozenset({"us_west"}))
NOW = dt.datetime(2026, 10, 2, 7)


@pytest.fixture
def worked(private_db_path):
    database, _ = open_september(private_db_path)
    case_id = rows(database, "select case_id from cases where customer_id = 'sh025'")[0][0]
    return database, case_id


def test_queue_lists_my_open_cases_not_contacted_first(worked):
    database, case_id = worked
    queue = cases.queue("demo-agent", NOW, scope=AGENT.scope, database=database)
    # shanghai: 6 detractors (due 10-02 12:00, 5 h left at 07:00) and fb-d07 (16 business hours, due Mon 12:00)
    assert len(queue) == 7
    assert list(queue.time_left[:6]) == ["5 h left"] * 6 and queue.priority.iloc[-1] == "normal"
    assert sorted(queue.customer_id[:6]) == [f"sh{i:03d}" for i in range(25, 31)]
    cases.log_attempt(database, AGENT, case_id, 1, "phone", "reached", at=NOW)
    after = cases.queue("demo-agent", NOW, scope=AGENT.scope, database=database)
    assert after.case_id.iloc[-1] == case_id and after.time_left.iloc[-1] == "contacted"  # reached: last
    pool = cases.queue("", NOW, unassigned=True, scope=WEST.scope, database=database)
    assert list(pool.case_id) == ["case-2"]  # the only unassigned open case in us_west


def test_a_change_bumps_the_version_and_writes_event_and_audit(worked):
    database, case_id = worked
    before = rows(database, "select count(*) from audit_log")[0][0]
    case = cases.add_note(database, AGENT, case_id, 1, "Called, will try again tomorrow", at=NOW)
    assert case.version == 2
    assert list(case.events.kind) == ["opened", "note"] and case.events.note.iloc[-1].startswith("Called")
    audit = rows(database, "select actor, action, target, outcome, detail from audit_log where id > ?", before)
    assert [(a, b, c, d) for a, b, c, d, _ in audit] == [("demo-agent", "case_note_added", case_id, "ok")]
    assert '"version": 2' in audit[0][4]


def test_a_stale_version_is_refused_with_the_current_state(worked):
    database, case_id = worked
    seen = cases.get(case_id, scope=AGENT.scope, database=database).version  # both agents open version 1
    cases.add_note(database, AGENT, case_id, seen, "I am calling the customer now", at=NOW)
    with pytest.raises(cases.CaseChanged) as info:
        cases.log_attempt(database, OTHER, case_id, seen, "phone", "reached", at=NOW)
    current = info.value.current
    assert current.version == seen + 1 and info.value.seen_version == seen
    assert current.events.note.iloc[-1] == "I am calling the customer now"   # shown what changed
    assert "demo-agent" in str(info.value)
    state = rows(database, "select version, first_contact_at, status from cases where case_id = ?", case_id)
    assert state == [(2, None, "open")]                                        # nothing of the second change
    assert rows(database, "select count(*) from case_events where case_id = ? and kind = 'attempt'", case_id) == [(0,)]
    failed = rows(database, "select actor, outcome from audit_log where action = 'case_contact_attempt'")
    assert failed == [("sh-wei", "failed")]


def test_simultaneous_updates_lose_nothing(worked):
    database, case_id = worked
    agents = [User(f"sh-agent-{i}", f"Agent {i}", "agent", frozenset({"shanghai"})) for i in range(8)]
    start = threading.Barrier(len(agents))
    outcome = {}

    def work(user):
        start.wait()
        try:
            cases.add_note(database, user, case_id, 1, f"note by {user.username}", at=NOW)
            outcome[user.username] = "saved"
        except cases.CaseChanged as exc:
            outcome[user.username] = exc.current.version

    threads = [threading.Thread(target=work, args=(a,)) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = [name for name, result in outcome.items() if result == "saved"]
    assert len(saved) == 1 and len(outcome) == len(agents)
    assert all(result == 2 for result in outcome.values() if result != "saved")  # the others see version 2
    notes = rows(database, "select actor, version from case_events where case_id = ? and kind = 'note'", case_id)
    assert notes == [(saved[0], 2)]
    assert rows(database, "select version from cases where case_id = ?", case_id) == [(2,)]


def test_overlapping_saves_are_refused(worked, monkeypatch):
    """Slow every save down (50 ms inside its transaction) so that eight saves of one version overlap."""
    database, case_id = worked
    record = cases.audit_log.record

    def slow(*args, **kwargs):
        time.sleep(0.05)
        return record(*args, **kwargs)

    monkeypatch.setattr(cases.audit_log, "record", slow)
    start = threading.Barrier(8)
    results = []

    def work(i):
        start.wait()
        try:
            cases.add_note(database, OTHER, case_id, 1, f"note {i}", at=NOW)
            results.append("saved")
        except cases.CaseChanged:
            results.append("refused")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused"] * 7 + ["saved"]
    assert rows(database, "select count(*) from case_events where case_id = ? and kind = 'note'", case_id) == [(1,)]
    assert rows(database, "select version from cases where case_id = ?", case_id) == [(2,)]


def test_a_save_waits_for_the_save_in_flight_then_sees_it(worked):
    """DuckDB lets a second transaction update a keyed row that an open transaction has just updated
    (the first update is then lost): writes in the owning process queue behind each other instead."""
    database, case_id = worked
    outcome = []

    def note():
        try:
            cases.add_note(database, OTHER, case_id, 1, "racing", at=NOW)
            outcome.append("saved")
        except cases.CaseChanged as exc:
            outcome.append(exc.current.row["owner"])

    with database.write() as cur:  # another agent's save, in flight
        cur.execute("update cases set owner = 'sh-jing', version = version + 1 where case_id = ?", [case_id])
        racer = threading.Thread(target=note)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive()  # waiting for the save in flight
    racer.join(timeout=10)
    assert outcome == ["sh-jing"]  # refused, and shown the state the other save left
    assert rows(database, "select version, owner from cases where case_id = ?", case_id) == [(2, "sh-jing")]
    assert rows(database, "select count(*) from case_events where kind = 'note'") == [(0,)]


def test_contact_attempts_and_first_contact(worked):
    database, case_id = worked
    case = cases.log_attempt(database, AGENT, case_id, 1, "phone", "no_answer", at=NOW)
    assert (case.row["status"], case.row["first_contact_at"]) == ("in_progress", None)
    reached = NOW + dt.timedelta(hours=1)
    case = cases.log_attempt(database, AGENT, case_id, 2, "email", "reached", "Apologised", at=reached)
    case = cases.log_attempt(database, AGENT, case_id, 3, "phone", "reached", at=reached + dt.timedelta(hours=5))
    assert case.row["first_contact_at"] == reached          # the first time the customer was reached
    attempts = case.events[case.events.kind == "attempt"]
    assert list(zip(attempts.channel, attempts.outcome)) == [("phone", "no_answer"), ("email", "reached"),
                                                             ("phone", "reached")]
    with pytest.raises(ValueError):
        cases.log_attempt(database, AGENT, case_id, 4, "pigeon", "reached")


def test_closing_needs_root_cause_action_and_informed(worked):
    database, case_id = worked
    with pytest.raises(ValueError, match="root cause"):
        cases.close(database, AGENT, case_id, 1, "resolved")
    with pytest.raises(ValueError, match="unknown root cause"):
        cases.set_resolution(database, AGENT, case_id, 1, "gremlins", "Fixed", True)
    cases.set_resolution(database, AGENT, case_id, 1, "carrier_delay", "Refunded the delivery fee", True, at=NOW)
    closed = cases.close(database, AGENT, case_id, 2, "resolved", at=NOW + dt.timedelta(hours=1))
    assert (closed.row["status"], closed.row["root_cause_label"], closed.row["customer_informed"]) == (
        "closed", "Carrier delay", True)
    assert closed.row["closed_at"] == NOW + dt.timedelta(hours=1) and closed.version == 3
    assert closed.events.outcome.iloc[-1] == "resolved"
    reopened = cases.reopen(database, AGENT, case_id, 3, "Customer called back: parcel still missing")
    assert (reopened.row["status"], reopened.row["closed_at"]) == ("open", None)
    actions = rows(database, "select action from audit_log where target = ? order by id", case_id)
    assert [a for (a,) in actions] == ["case_resolution_set", "case_closed", "case_reopened"]


def test_cases_outside_scope_or_role_are_refused_and_audited(worked):
    database, case_id = worked
    with pytest.raises(cases.CaseNotFound):
        cases.add_note(database, WEST, case_id, 1, "not my region")
    executive = User("demo-executive", "Erin", "executive", None)
    with pytest.raises(PermissionError):
        cases.add_note(database, executive, case_id, 1, "hello")
    assert cases.get(case_id, scope=WEST.scope, database=database) is None
    assert cases.get("<script>", scope=AGENT.scope, database=database) is None
    refused = rows(database, "select actor, outcome from audit_log where action = 'case_note_added' order by id")
    assert refused == [("uw-a", "refused"), ("demo-executive", "refused")]
    assert rows(database, "select version from cases where case_id = ?", case_id) == [(1,)]


def test_agents_take_cases_managers_assign(worked):
    database, _ = worked
    with pytest.raises(PermissionError):
        cases.assign(database, WEST, "case-2", 1, "uw-b")
    taken = cases.assign(database, WEST, "case-2", 1, "uw-a")
    assert taken.row["owner"] == "uw-a" and taken.version == 2
    manager = User("demo-region-manager", "Rafael", "manager", frozenset({"us_west"}))
    given = cases.assign(database, manager, "case-2", 2, "uw-b")
    assert given.row["owner"] == "uw-b"
    assert list(given.events.note[-2:]) == ["Assigned to uw-a", "Assigned to uw-b"]


def test_the_customer_history_spans_every_source(worked):
    database, _ = worked
    history = cases.history("uw029", scope=WEST.scope, database=database)
    # uw029: NPS answers (prev 06-29, cur 09-29), September revenue, churn on 10-20, its new case
    assert set(history.kind) == {"feedback", "revenue", "churn", "case"}
    assert history.occurred_at.is_monotonic_decreasing
    assert list(history[history.kind == "churn"].detail) == ["late deliveries"]
    assert len(history[history.kind == "feedback"]) == 2
    ue = cases.history("uw005", scope=WEST.scope, database=database)
    # uw005: NPS x2, CSAT x2, CES x2, a ticket (fb-d03), two orders, one contact, case-2
    assert dict(ue.kind.value_counts()) == {"feedback": 7, "order": 2, "contact": 1, "case": 1}
    assert cases.history("uw029", scope=AGENT.scope, database=database).empty  # outside shanghai
