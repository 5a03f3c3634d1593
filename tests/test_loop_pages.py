"""AppTest for the closed-loop pages: the follow-up queue and case page, overdue cases, initiatives, rules.

Each test runs the page script on a private copy of the fixture with the September cases of
tests/test_loop_rules.py (shanghai: 6 detractor cases and fb-d07, all owned by demo-agent).
"""
import pytest
from streamlit.testing.v1 import AppTest

from tests.test_loop_rules import open_september, rows
from voc import config, db
from voc.loop import cases, rules
from voc.users import User

TIMEOUT = 120
QUEUE = str(config.ROOT / "pages/follow_up_queue.py")


@pytest.fixture
def loop_db(private_db_path, monkeypatch):
    database, _ = open_september(private_db_path)
    monkeypatch.setenv("VOC_DB", str(private_db_path))
    return database


def run(page: str, persona: str, **params) -> AppTest:
    at = AppTest.from_file(str(config.ROOT / page), default_timeout=TIMEOUT)
    at.session_state["persona"] = persona
    for key, value in {"period": "90d", **params}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def frame(at, column: str):
    """The first dataframe on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def shanghai_case(database, customer="sh025"):
    return rows(database, "select case_id from cases where customer_id = ?", customer)[0][0]


def test_queue_shows_my_cases_most_urgent_first(loop_db):
    at = run("pages/follow_up_queue.py", "demo-agent")
    assert at.title[0].value == "Follow-up queue"
    assert (metric(at, "Open cases"), metric(at, "Overdue, not reached")) == ("7", "7")
    queue = at.dataframe[0].value
    assert len(queue) == 7 and queue.time_left.str.startswith("overdue by").all()
    assert queue.priority.tolist()[-1] == "normal"           # fb-d07 is due last (business hours)
    assert at.selectbox(key="fq_pick").value == queue.case_id.iloc[0]        # the most urgent is offered first


def test_an_empty_queue_says_so(loop_db):
    at = run("pages/follow_up_queue.py", "demo-admin")
    assert metric(at, "Open cases") == "0"
    assert "No open case is assigned to you" in at.info[0].value


def test_working_a_case_from_open_to_closed(loop_db):
    case_id = shanghai_case(loop_db)
    at = run("pages/follow_up_queue.py", "demo-agent")
    at.selectbox(key="fq_pick").set_value(case_id).run()
    at.button(key="fq_open").click().run()
    assert at.title[0].value == f"Case {case_id}"
    assert at.query_params["case"] == case_id
    assert "overdue by" in at.markdown[0].value and "version 1" in at.markdown[0].value
    assert any("sh025@customers" in m.value for m in at.markdown)     # agents see contact details

    at.selectbox(key="fq_att_outcome").set_value("reached")
    at.text_input(key="fq_att_text").set_value("Spoke to the customer")
    at.button(key="fq_att_save").click().run()
    assert at.success[0].value.startswith("Contact attempt logged")
    at.button(key="fq_close").click().run()                               # not resolved yet: refused
    assert "before closing, record a root cause" in at.warning[0].value
    at.selectbox(key="fq_res_cause").set_value("carrier_delay")
    at.text_area(key="fq_res_text").set_value("Re-shipped with express delivery")
    at.radio(key="fq_res_informed").set_value(True)
    at.button(key="fq_res_save").click().run()
    assert at.success[0].value == "Root cause and action saved\\."
    at.selectbox(key="fq_close_outcome").set_value("resolved")
    at.button(key="fq_close").click().run()
    assert at.success[0].value == "Case closed\\."
    assert rows(loop_db, "select status, root_cause, customer_informed, version from cases where case_id = ?",
                case_id) == [("closed", "carrier_delay", True, 4)]
    assert at.button(key="fq_reopen")                                     # closed cases offer reopening
    events = frame(at, "actor")
    assert list(events.kind) == ["opened", "attempt", "resolution", "closed"]
    history = frame(at, "what")
    assert {"feedback", "revenue", "case"} <= set(history.kind)


def test_a_concurrent_change_is_shown_and_nothing_is_lost(loop_db):
    case_id = shanghai_case(loop_db, "sh026")
    at = run("pages/follow_up_queue.py", "demo-agent", case=case_id)
    assert "version 1" in at.markdown[0].value
    other = User("sh-wei", "Wei", "agent", frozenset({"shanghai"}))
    cases.add_note(db.get(), other, case_id, 1, "Wei is on the phone with the customer")
    at.text_area(key="fq_note_text").set_value("Femi's note")
    at.button(key="fq_note_save").click().run()
    assert "Not saved" in at.warning[0].value and "sh\\-wei" in at.warning[0].value
    assert "version 2" in at.markdown[0].value                              # the current state is shown
    assert at.text_area(key="fq_note_text").value == "Femi's note"          # the agent's text is kept
    assert frame(at, "actor").note.iloc[-1] == "Wei is on the phone with the customer"
    assert rows(loop_db, "select actor, note from case_events where case_id = ? and kind = 'note'", case_id) == [
        ("sh-wei", "Wei is on the phone with the customer")]
    at.button(key="fq_note_save").click().run()                             # saved on top of version 2
    assert at.success[0].value == "Note added\\." and at.text_area(key="fq_note_text").value == ""


@pytest.mark.parametrize("case_id", ["case-2", "<script>alert(1)</script>", "no-such-case"])
def test_a_case_outside_the_users_scope_is_refused_clearly(loop_db, case_id):
    at = run("pages/follow_up_queue.py", "demo-agent", case=case_id)
    assert at.title[0].value == "Case not available"
    assert "that you may see" in at.warning[0].value
    assert not at.dataframe


def test_managers_see_overdue_cases_in_their_units(loop_db):
    at = run("pages/overdue_cases.py", "demo-bu-manager")
    assert at.title[0].value == "Overdue cases"
    flagged = frame(at, "level")
    # bu_cn: shanghai 7, beijing 4, south_china 2, all overdue now
    assert len(flagged) == 13 and set(flagged.level) == {"overdue"}
    assert at.subheader[0].value.startswith("13 cases past the escalation point, 13 overdue")
    assert any("needs that history" in i.value for i in at.info)          # no case watched for 90 days yet
    west = run("pages/overdue_cases.py", "demo-region-manager")
    assert len(frame(west, "level")) == 15               # 14 + the fixture's case-2


def test_initiatives_page(loop_db):
    at = run("pages/initiatives.py", "demo-analyst", period="custom", start="2026-08-03", end="2026-10-31")
    assert at.title[0].value == "You said, we did"
    assert at.selectbox(key="in_pick").options == ["Faster West deliveries (2026-10-01)",
                                                   "Shorter hold times (2026-07-01)"]
    assert len(frame(at, "still_customer")) == 15                 # uw016-uw030 raised late delivery
    at.button(key="in_notify").click().run()
    assert at.success[0].value.startswith("Queued 13 new message")
    assert rows(loop_db, "select count(*) from outbox where kind = 'customer_update'") == [(13,)]


def test_admins_edit_case_rules(loop_db):
    at = run("pages/case_rules.py", "demo-admin")
    assert list(frame(at, "rule_id").rule_id) == ["high_value", "detractor", "very_low_csat",
                                                               "at_risk_theme"]
    at.selectbox(key="cr_pick").set_value("detractor").run()
    at.number_input(key="cr_detractor_threshold").set_value(4.0)
    at.button[0].click().run()   # the form's submit button
    assert at.success[0].value.startswith("Saved rule detractor \\(version 2\\)")
    saved = rules.rules(database=loop_db).set_index("rule_id").loc["detractor"]
    assert (saved.threshold, int(saved.version)) == (4.0, 2)
    agent = run("pages/case_rules.py", "demo-agent")
    assert agent.warning[0].value == "Only admins edit case rules."
