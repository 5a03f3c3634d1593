"""Escalation (voc.loop.escalate), the outbox (voc.loop.outbox) and `python -m voc loop` (voc.loop.cli).

Set-up: the September cases of tests/test_loop_rules.py, all opened on Thursday 2026-10-01 12:00:
40 detractor cases due 24 h later (escalate at 75%: 18 h, i.e. Friday 06:00), fb-d07 due after 16
business hours (Monday 2026-10-05 12:00), plus the fixture's case-2 (us_west, unassigned, due
2026-08-04 08:00, never contacted: overdue). Managers: mgr-west (loop_staff, with an e-mail) for
us_west; li.manager (a manager account for bu_cn, no e-mail) for the Greater China regions; nobody
for us_east (6 cases) and canada (8 cases).
"""
import argparse
import datetime as dt
import socketserver
import threading

import pytest

from tests.test_loop_rules import ADMIN, open_september, rows
from voc.loop import cli, escalate, outbox, owners

T = dt.datetime


@pytest.fixture
def waiting(private_db_path):
    database, _ = open_september(private_db_path)
    owners.save_person(database, ADMIN, "mgr-west", "us_west", "manager", email="mgr.west@staff.example")
    with database.write() as cur:
        cur.execute("""insert into users (username, display_name, role, password_hash, units, created_at, updated_at)
                       values ('li.manager', 'Li Manager', 'manager', '$argon2id$test', ['bu_cn'], now(), now())""")
    return database


def test_flagged_levels_follow_the_sla_share(waiting):
    at_risk = escalate.flagged(T(2026, 10, 2, 6), database=waiting)
    assert len(at_risk) == 41
    assert dict(at_risk.level.value_counts()) == {"at_risk": 40, "overdue": 1}
    assert at_risk.case_id.iloc[0] == "case-2"                               # most overdue first
    assert at_risk[at_risk.level == "at_risk"].sla_used.round(6).unique().tolist() == [0.75]
    themed = rows(waiting, "select case_id from cases where feedback_id = 'fb-d07'")[0][0]
    assert themed not in set(at_risk.case_id)                                # 5 of 16 business hours
    assert len(escalate.flagged(T(2026, 10, 2, 5, 59), database=waiting)) == 1   # just before 75%: case-2 only
    assert len(escalate.flagged(T(2026, 10, 2, 0), share=0.5, database=waiting)) == 41  # 12 h = 50%
    # Monday 09:00: 13 of 16 business hours (81%) -> at risk; Monday 12:00: due -> overdue
    monday = escalate.flagged(T(2026, 10, 5, 9), database=waiting).set_index("case_id")
    assert monday.loc[themed, "level"] == "at_risk" and monday.loc[themed, "sla_used"] == pytest.approx(13 / 16)
    noon = escalate.flagged(T(2026, 10, 5, 12), database=waiting).set_index("case_id")
    assert noon.loc[themed, "level"] == "overdue"


def test_escalation_writes_events_outbox_and_audit_once_per_level(waiting):
    done = escalate.run(waiting, now=T(2026, 10, 2, 6))
    assert (done.flagged, done.at_risk, done.overdue) == (41, 40, 1)
    assert len(done.without_manager) == 14                                    # us_east 6 + canada 8
    assert done.messages == 27 and done.sending == {"configured": False, "sent": 0, "failed": 0, "pending": 27}
    messages = outbox.messages(database=waiting)
    # us_west: 14 detractor cases + case-2; bu_cn: shanghai 6 (fb-d07 is not at risk yet), beijing 4, south_china 2
    assert dict(messages.recipient.value_counts()) == {"mgr-west": 15, "li.manager": 12}
    assert set(messages[messages.recipient == "mgr-west"].address) == {"mgr.west@staff.example"}
    assert messages[messages.recipient == "li.manager"].address.isna().all()
    overdue = messages[messages.case_id == "case-2"].iloc[0]
    assert overdue.kind == "overdue" and overdue.subject == "[overdue] follow-up case case-2 in US West"
    assert "overdue by 58 d 22 h" in overdue.body and "nobody (unassigned)" in overdue.body
    assert rows(waiting, "select count(*), count(distinct case_id) from case_events where kind = 'escalated'") == [
        (41, 41)]
    assert rows(waiting, "select count(*) from audit_log where action = 'case_escalated'") == [(41,)]

    again = escalate.run(waiting, now=T(2026, 10, 2, 7))                      # nothing new to flag
    assert (again.flagged, again.messages) == (0, 0)
    later = escalate.run(waiting, now=T(2026, 10, 2, 13))                    # the 40 are now overdue
    assert (later.flagged, later.at_risk, later.overdue, later.messages) == (40, 0, 40, 14 + 12)
    levels = rows(waiting, "select outcome, count(*) from case_events where kind = 'escalated' group by 1 order by 1")
    assert levels == [("at_risk", 40), ("overdue", 41)]


def test_contacted_cases_are_not_escalated(waiting):
    case_id = rows(waiting, "select case_id from cases where customer_id = 'sh025'")[0][0]
    with waiting.write() as cur:
        cur.execute("update cases set first_contact_at = ? where case_id = ?", [T(2026, 10, 1, 14), case_id])
    flagged = escalate.flagged(T(2026, 10, 3), database=waiting)
    assert case_id not in set(flagged.case_id) and len(flagged) == 41     # 40 - 1 + case-2 + fb-d07 (past 75%)


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 test\r\n")
            elif command.startswith("RCPT"):
                self.server.recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self.wfile.write(b"250 ok\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    body += chunk
                self.server.messages.append(body.decode())
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.recipients, server.messages = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_outbox_sends_by_smtp_when_configured(waiting, smtp_server):
    escalate.run(waiting, now=T(2026, 10, 2, 6), send=False)
    settings = outbox.smtp_settings({"VOC_SMTP_HOST": "127.0.0.1", "VOC_SMTP_PORT": str(smtp_server.server_address[1]),
                                     "VOC_SMTP_FROM": "voc@company.example"})
    result = outbox.send_pending(waiting, settings)
    assert result == {"configured": True, "sent": 15, "failed": 12, "pending": 0}
    assert smtp_server.recipients == ["mgr.west@staff.example"] * 15
    assert any("Subject: [overdue] follow-up case case-2 in US West" in m for m in smtp_server.messages)
    statuses = dict(rows(waiting, "select status, count(*) from outbox group by 1"))
    assert statuses == {"sent": 15, "failed": 12}
    assert rows(waiting, "select distinct error from outbox where status = 'failed'") == [("no e-mail address",)]
    assert outbox.send_pending(waiting, settings)["sent"] == 0                 # nothing left to send


def test_without_smtp_nothing_is_sent(waiting):
    assert outbox.smtp_settings({}) is None
    escalate.run(waiting, now=T(2026, 10, 2, 6))
    assert rows(waiting, "select distinct status from outbox") == [("pending",)]


def _parser():
    parser = argparse.ArgumentParser(prog="python -m voc")
    loop = parser.add_subparsers(dest="command", required=True).add_parser("loop")
    cli.add_arguments(loop)
    return parser


def test_command_line_applies_rules_and_escalates(private_db_path, capsys):
    parser = _parser()
    args = parser.parse_args(["loop", "apply-rules", "--db", str(private_db_path), "--since", "2026-09-01",
                              "--until", "2026-10-01", "--now", "2026-10-01T12:00"])
    assert cli.run(args) == 0
    assert "opened 41 case(s)" in capsys.readouterr().out
    args = parser.parse_args(["loop", "escalate", "--db", str(private_db_path), "--now", "2026-10-02T13:00"])
    assert cli.run(args) == 0
    out = capsys.readouterr()
    assert "flagged 41 case(s) (0 at risk, 41 overdue)" in out.out and "not sent (no SMTP configured" in out.out
    assert "no manager registered" in out.err
    with pytest.raises(SystemExit):
        parser.parse_args(["loop", "escalate", "--share", "2"])
    from voc import db
    actors = rows(db.get(private_db_path), "select distinct actor from audit_log where action in "
                                           "('case_rules_applied', 'case_escalated')")
    assert [a for (a,) in actors] and all(a.startswith("cli:") for (a,) in actors)
