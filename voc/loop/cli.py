"""``python -m voc loop escalate | apply-rules``: the closed loop from a scheduler (cron, systemd timer).

    python -m voc loop apply-rules [--db PATH] [--since ISO] [--until ISO]
    python -m voc loop escalate    [--db PATH] [--share 0.75] [--no-send]

Both write, so both run as jobs (``voc.jobs``): here when the database file is free, otherwise
inside the app that holds it (``voc.jobs.HANDLER_MODULES`` must list ``"voc.loop.cli"``). They act
as ``cli:<os user>`` in the audit log. ``escalate`` writes notifications to the outbox and sends
them only when SMTP is configured (``VOC_SMTP_HOST``, see ``voc.loop.outbox``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from voc import jobs
from voc import db as dbmod
from voc.loop import escalate, rules
from voc.users import User


def _actor(name: str) -> User:
    if not isinstance(name, str) or not name.startswith("cli:"):
        raise PermissionError("command-line jobs act as 'cli:<os user>'")
    return User(name[:100], "Command line", "admin", None)


def _moment(text: str | None) -> dt.datetime | None:
    return None if text in (None, "") else dt.datetime.fromisoformat(text).replace(tzinfo=None)


@jobs.handler("loop.apply_rules")
def job_apply_rules(database, actor, since=None, until=None, now=None) -> dict:
    done = rules.apply(database, _actor(actor), since=_moment(since), until=_moment(until), now=_moment(now))
    return {"created": done.created, "by_rule": done.by_rule, "unassigned": done.unassigned,
            "since": done.since.isoformat(), "until": done.until.isoformat()}


@jobs.handler("loop.escalate")
def job_escalate(database, actor, share=None, now=None, send=True) -> dict:
    done = escalate.run(database, _actor(actor), now=_moment(now), share=share, send=bool(send))
    return {"flagged": done.flagged, "at_risk": done.at_risk, "overdue": done.overdue, "messages": done.messages,
            "without_manager": done.without_manager[:50], "without_manager_count": len(done.without_manager),
            "sending": done.sending}


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("give a share above 0 and at most 1, e.g. 0.75")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``apply-rules`` and ``escalate`` under the ``loop`` command's parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database file (default: $VOC_DB or data/voc.duckdb)")
    common.add_argument("--now", help=argparse.SUPPRESS)  # replays and tests: the moment to act at (UTC)
    sub = parser.add_subparsers(dest="loop_command", required=True)
    apply = sub.add_parser("apply-rules", parents=[common],
                           help="open follow-up cases for recent feedback that matches a case rule")
    apply.add_argument("--since", help="feedback submitted from this moment (ISO, UTC; default: 3 days ago)")
    apply.add_argument("--until", help="... up to this moment (ISO, UTC; default: now)")
    esc = sub.add_parser("escalate", parents=[common],
                         help="flag cases past their escalation share of the SLA to the unit's managers")
    esc.add_argument("--share", type=_share, help="escalate at this share of the SLA for every case "
                                                 "(default: each case's rule, usually 0.75)")
    esc.add_argument("--no-send", action="store_true", help="only queue notifications, even if SMTP is configured")


def run(args) -> int:
    from voc.auth import system_actor

    actor = system_actor().username
    try:
        if args.loop_command == "apply-rules":
            result = jobs.run("loop.apply_rules", {"actor": actor, "since": args.since, "until": args.until,
                                                   "now": args.now}, args.db)
            print(f"opened {result['created']:,} case(s) for feedback from {result['since']} to {result['until']}"
                  + (f"; {result['unassigned']:,} without an agent" if result["unassigned"] else ""))
        else:
            result = jobs.run("loop.escalate", {"actor": actor, "share": args.share, "now": args.now,
                                                "send": not args.no_send}, args.db)
            sending = result["sending"]
            sent = (f"sent {sending['sent']:,}" if sending.get("configured")
                    else "not sent (no SMTP configured: VOC_SMTP_HOST)")
            print(f"flagged {result['flagged']:,} case(s) ({result['at_risk']:,} at risk, {result['overdue']:,} "
                  f"overdue); {result['messages']:,} notification(s) queued, {sent}")
            missing = result["without_manager"]
            if missing:
                count = result.get("without_manager_count", len(missing))
                more = f" and {count - 5:,} more" if count > 5 else ""
                print(f"no manager registered for {count:,} flagged case(s): {', '.join(missing[:5])}{more} "
                      "(add managers on the Case rules page)", file=sys.stderr)
        return 0
    except (ValueError, PermissionError, jobs.JobFailed, dbmod.DatabaseMissing, dbmod.DatabaseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
