"""Escalation: open cases past a share of their SLA are flagged to the managers of their unit.

A case whose customer has not been reached is **at risk** once it has used ``escalate_share`` of
its SLA (its rule's setting, 75% by default; ``share`` overrides it for one run) and **overdue**
once past its due time. ``run`` (the app's scheduler or ``python -m voc loop escalate``) flags
each case once per level: an ``escalated`` case event, one outbox message per manager (see
``voc.loop.owners.managers_for``) and an audit row, all in one transaction; then it sends the
outbox if SMTP is configured. ``flagged`` is what a manager's overdue view lists.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from voc import audit_log, queries
from voc import db as dbmod
from voc.loop import outbox, owners, sla
from voc.scope import ALL, Scope

LEVELS = ("at_risk", "overdue")


def flagged(now: dt.datetime, *, share: float | None = None, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Open, not-yet-contacted cases at or past their escalation share, most overdue first.

    Columns of ``uncontacted_cases_by_case`` plus sla_used, hours_left, time_left, ``level``
    (at_risk or overdue) and ``to_flag`` (True when that level has not been flagged yet).
    """
    frame = queries.run("uncontacted_cases_by_case", scope=scope, database=database)
    if frame.empty:
        return frame.assign(sla_used=[], hours_left=[], time_left=[], level=[], to_flag=[])
    out = sla.annotate(frame, now, sla.calendars(scope=scope, database=database))
    threshold = out.escalate_share if share is None else pd.Series(float(share), index=out.index)
    out = out[out.sla_used >= threshold].copy()
    out["level"] = ["overdue" if used >= 1 else "at_risk" for used in out.sla_used]
    rank = {None: -1, "at_risk": 0, "overdue": 1}
    out["to_flag"] = [rank[level] > rank.get(None if pd.isna(done) else done, -1)
                      for level, done in zip(out.level, out.escalation)]
    return out.sort_values(["hours_left", "case_id"]).reset_index(drop=True)


@dataclass(frozen=True)
class Escalated:
    flagged: int
    at_risk: int
    overdue: int
    messages: int
    without_manager: list
    sending: dict


def _message(row, level: str, now: dt.datetime) -> tuple[str, str]:
    state = (f"is overdue: {sla.time_left_text(row.due_at.to_pydatetime(), now)}" if level == "overdue"
             else f"has used {row.sla_used:.0%} of its SLA ({row.time_left})")
    owner = row.owner if isinstance(row.owner, str) else None
    unit = row.unit if isinstance(row.unit, str) else row.unit_id
    subject = f"[{level.replace('_', ' ')}] follow-up case {row.case_id} in {unit}"
    body = (f"Follow-up case {row.case_id} ({row.priority} priority, rule: {row.rule_name}) {state}.\n"
            f"Owner: {owner or 'nobody (unassigned)'}. Opened {row.opened_at:%Y-%m-%d %H:%M} UTC, "
            f"due {row.due_at:%Y-%m-%d %H:%M} UTC. The customer has not been reached yet.\n\n"
            f"Open it in the app: Follow-up queue, ?case={row.case_id}\n")
    return subject, body


def run(database: dbmod.Database | None = None, actor="system:escalation", *, now: dt.datetime | None = None,
        share: float | None = None, send: bool = True) -> Escalated:
    """Flag every case that reached a new level, in one transaction; then send the outbox if configured."""
    database = database or dbmod.get()
    if share is not None and not 0 < share <= 1:
        raise ValueError("share must be above 0 and at most 1")
    now = now or audit_log.now()
    due = flagged(now, share=share, database=database)
    due = due[due.to_flag]
    counts = {"at_risk": 0, "overdue": 0}
    queued, without = 0, []
    if len(due):
        actor_name = getattr(actor, "username", actor)
        with database.write() as cur:
            for row in due.itertuples():
                managers = owners.managers_for(cur, row.unit_id)
                names = ", ".join(m.display_name or m.username for m in managers) or "nobody (no manager registered)"
                cur.execute("insert into case_events (case_id, unit_id, occurred_at, actor, kind, outcome, note, "
                            "version) values (?, ?, ?, ?, 'escalated', ?, ?, ?)",
                            [row.case_id, row.unit_id, now, actor_name, row.level,
                             f"Flagged to {names} at {row.sla_used:.0%} of the SLA", int(row.version)])
                subject, body = _message(row, row.level, now)
                for person in managers:
                    queued += outbox.enqueue(cur, row.level, f"{row.level}:{row.case_id}:{person.username}",
                                             person.username, person.email, subject, body, case_id=row.case_id,
                                             at=now)
                if not managers:
                    without.append(row.case_id)
                counts[row.level] += 1
                audit_log.record(cur, actor, "case_escalated", row.case_id,
                                 {"level": row.level, "sla_used": round(float(row.sla_used), 3),
                                  "managers": [m.username for m in managers]}, at=now)
    sending = outbox.send_pending(database, actor=actor) if send else {"configured": None, "sent": 0}
    return Escalated(len(due), counts["at_risk"], counts["overdue"], queued, without, sending)


def summary_title(frame: pd.DataFrame, now: dt.datetime) -> str:
    """A finding for the overdue view's heading."""
    if frame.empty:
        return "No case is past its escalation point: every waiting customer is within the SLA"
    overdue = frame[frame.level == "overdue"]
    title = f"{len(frame):,} case{'s' if len(frame) != 1 else ''} past the escalation point, {len(overdue):,} overdue"
    if len(overdue):
        title += f"; the oldest is {sla.time_left_text(overdue.due_at.min().to_pydatetime(), now)}"
    return title


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """The overdue view's rows as shown (SLA use capped at 100%: ``time_left`` says by how much it is late)."""
    columns = ["case_id", "unit", "owner", "priority", "level", "time_left", "sla_used", "escalated_at", "rule_name",
               "opened_at", "due_at"]
    return frame[columns].assign(sla_used=frame.sla_used.clip(upper=1.0))
