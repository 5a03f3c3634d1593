"""Follow-up cases: reading one, the frontline queue, and every change an agent makes.

Every change is one transaction that updates the case **only if it still has the version the
agent saw** (``update cases ... where case_id = ? and version = ?``), appends a ``case_events``
row and writes an audit row. When another agent changed the case in between, no row matches:
nothing is written, the attempt is audited as failed, and ``CaseChanged`` carries the case's
current state so that the page can show it. Writes are serialised in the owning process
(``voc.db.Database.write``: DuckDB does not always detect a write-write conflict on a keyed
table), so the check always sees the latest committed version and no update is ever lost.

Who may act: agents, managers and admins, on cases inside their org-unit scope. Agents may take
an unassigned case for themselves; managers and admins may assign a case to anyone.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from voc import audit_log, queries
from voc import db as dbmod
from voc.loop import sla
from voc.scope import ALL, Scope

CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ACTING_ROLES = ("agent", "manager", "admin")
CHANNELS = ("phone", "email", "chat", "sms", "in_person")
ATTEMPT_OUTCOMES = {"reached": "Reached the customer", "left_message": "Left a message",
                    "no_answer": "No answer", "wrong_contact": "Wrong contact details"}
CLOSE_OUTCOMES = {"resolved": "Resolved", "partly_resolved": "Partly resolved", "not_resolved": "Not resolved",
                  "unreachable": "Customer could not be reached"}
MAX_NOTE = 4000


class CaseChanged(Exception):
    """The case changed since the caller read it; ``current`` is its state now."""

    def __init__(self, current: "Case | None", seen_version: int):
        self.current, self.seen_version = current, seen_version
        who = f" by {current.last_actor}" if current is not None and current.last_actor else ""
        now_version = current.version if current is not None else "unknown"
        super().__init__(f"the case changed{who} since you opened it (you saw version {seen_version}, "
                         f"it is now version {now_version}); nothing was saved")


class CaseNotFound(LookupError):
    """No such case, or not one the user may see."""


@dataclass(frozen=True)
class Case:
    """One case as the case page shows it: its row, its events and the customer's history."""

    row: dict
    events: pd.DataFrame

    @property
    def case_id(self) -> str:
        return self.row["case_id"]

    @property
    def version(self) -> int:
        return int(self.row["version"])

    @property
    def closed(self) -> bool:
        return self.row["status"] == "closed"

    @property
    def last_actor(self) -> str | None:
        return None if self.events.empty else str(self.events.actor.iloc[-1])


def valid_id(case_id) -> bool:
    return isinstance(case_id, str) and bool(CASE_ID.match(case_id))


def get(case_id: str, *, scope: Scope = ALL, database=None) -> Case | None:
    """The case, or None when it does not exist or lies outside ``scope``."""
    if not valid_id(case_id):
        return None
    frame = queries.run("case_detail_by_case", {"case_id": case_id}, scope=scope, database=database)
    if frame.empty:
        return None
    row = {k: (None if _missing(v) else v) for k, v in frame.iloc[0].to_dict().items()}
    events = queries.run("case_events_by_event", {"case_id": case_id}, scope=scope, database=database)
    return Case(row, events)


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists (themes) and arrays
        return False


def history(customer_id: str | None, *, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """The customer's history across feedback, orders, contacts, revenue, churn and cases."""
    if not customer_id:
        return pd.DataFrame(columns=["kind", "ref", "occurred_at", "what", "score", "amount", "detail"])
    return queries.run("customer_history_by_event", {"customer_id": customer_id}, scope=scope, database=database)


def queue(owner: str, now: dt.datetime, *, unassigned: bool = False, scope: Scope = ALL,
          database=None) -> pd.DataFrame:
    """Open cases of ``owner`` (and unassigned ones), not yet contacted first, soonest due first."""
    frame = queries.run("follow_up_queue_by_case", {"owner": owner, "unassigned": unassigned},
                        scope=scope, database=database)
    if frame.empty:
        return frame.assign(sla_used=[], hours_left=[], time_left=[])
    out = sla.annotate(frame, now, sla.calendars(scope=scope, database=database))
    contacted = out.first_contact_at.notna()
    out.loc[contacted, "time_left"] = "contacted"
    return out


# ---- changes ------------------------------------------------------------------------

def _require(database, user, case_id: str, action: str) -> str:
    """The case's unit, after checking the user may act on it (refusals are audited)."""
    if getattr(user, "role", None) not in ACTING_ROLES:
        audit_log.record(database, user, action, case_id, {"reason": "role may not work cases"}, "refused")
        raise PermissionError("only agents, managers and admins work follow-up cases")
    frame = queries.run("case_detail_by_case", {"case_id": case_id}, scope=user.scope.rights(), database=database) \
        if valid_id(case_id) else pd.DataFrame()
    if frame.empty:
        audit_log.record(database, user, action, str(case_id)[:64], {"reason": "not found or outside scope"},
                         "refused")
        raise CaseNotFound(f"there is no case {case_id!r} that you may see")
    return str(frame.unit_id.iloc[0])


def _change(database, user, case_id: str, version: int, action: str, assignments: str, values: list,
            event: dict, detail: dict, at: dt.datetime | None) -> Case:
    """Apply one versioned change with its event and audit row, or raise ``CaseChanged``."""
    database = database or dbmod.get()
    unit_id = _require(database, user, case_id, action)
    at = at or audit_log.now()
    try:
        with database.write() as cur:
            done = cur.execute(
                f"update cases set {assignments}, version = version + 1, updated_at = ? "
                "where case_id = ? and version = ? returning version",
                [*values, at, case_id, int(version)]).fetchall()
            if not done:
                raise _Stale
            cur.execute("insert into case_events (case_id, unit_id, occurred_at, actor, kind, channel, outcome, "
                        "note, version) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [case_id, unit_id, at, user.username, event["kind"], event.get("channel"),
                         event.get("outcome"), event.get("note"), done[0][0]])
            audit_log.record(cur, user, action, case_id, {**detail, "version": done[0][0]}, at=at)
    except (_Stale, duckdb.TransactionException) as exc:
        current = get(case_id, scope=user.scope.rights(), database=database)
        audit_log.record(database, user, action, case_id,
                         {"reason": "stale version" if isinstance(exc, _Stale) else "concurrent update",
                          "seen_version": int(version), "current_version": current.version if current else None},
                         "failed")
        raise CaseChanged(current, int(version)) from None
    return get(case_id, scope=user.scope.rights(), database=database)


class _Stale(Exception):
    pass


def _note(text) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise ValueError(f"a note holds at most {MAX_NOTE:,} characters")
    return text or None


def add_note(database, user, case_id: str, version: int, note: str, *, at=None) -> Case:
    text = _note(note)
    if not text:
        raise ValueError("the note is empty")
    return _change(database, user, case_id, version, "case_note_added", "status = status", [],
                   {"kind": "note", "note": text}, {"characters": len(text)}, at)


def log_attempt(database, user, case_id: str, version: int, channel: str, outcome: str, note: str = "",
                *, at=None) -> Case:
    """A contact attempt; the first one that reaches the customer sets ``first_contact_at``."""
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
    if outcome not in ATTEMPT_OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(ATTEMPT_OUTCOMES)}")
    at = at or audit_log.now()
    reached = outcome == "reached"
    return _change(database, user, case_id, version, "case_contact_attempt",
                   "status = case when status = 'open' then 'in_progress' else status end, "
                   "first_contact_at = case when ? and first_contact_at is null then ? else first_contact_at end",
                   [reached, at], {"kind": "attempt", "channel": channel, "outcome": outcome, "note": _note(note)},
                   {"channel": channel, "outcome": outcome}, at)


def root_causes(*, database=None) -> pd.DataFrame:
    """The root-cause taxonomy (active entries), in display order."""
    return queries.run("root_causes_by_cause", database=database)


def _check_root_cause(database, root_cause: str) -> None:
    known = set(root_causes(database=database).root_cause_id)
    if root_cause not in known:
        raise ValueError(f"unknown root cause {root_cause!r}; choose one from the taxonomy")


def set_resolution(database, user, case_id: str, version: int, root_cause: str, action_taken: str,
                   customer_informed: bool, *, at=None) -> Case:
    """Root cause (from the taxonomy), the action taken, and whether the customer was told the outcome."""
    _check_root_cause(database, root_cause)
    action = _note(action_taken)
    if not action:
        raise ValueError("say what action was taken")
    return _change(database, user, case_id, version, "case_resolution_set",
                   "root_cause = ?, action_taken = ?, customer_informed = ?",
                   [root_cause, action, bool(customer_informed)],
                   {"kind": "resolution", "note": f"Root cause {root_cause}; informed: {bool(customer_informed)}"},
                   {"root_cause": root_cause, "customer_informed": bool(customer_informed)}, at)


def close(database, user, case_id: str, version: int, outcome: str, *, note: str = "", at=None) -> Case:
    """Close a case; it must have a root cause, an action and the informed flag first."""
    if outcome not in CLOSE_OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(CLOSE_OUTCOMES)}")
    current = get(case_id, scope=user.scope.rights(), database=database)
    if current is not None and current.version == int(version):
        missing = [label for key, label in (("root_cause", "a root cause"), ("action_taken", "the action taken"),
                                            ("customer_informed", "whether the customer was told"))
                   if current.row.get(key) is None]
        if missing:
            raise ValueError("before closing, record " + ", ".join(missing))
        if current.closed:
            raise ValueError("the case is already closed")
    at = at or audit_log.now()
    return _change(database, user, case_id, version, "case_closed", "status = 'closed', closed_at = ?", [at],
                   {"kind": "closed", "outcome": outcome, "note": _note(note)}, {"outcome": outcome}, at)


def reopen(database, user, case_id: str, version: int, note: str, *, at=None) -> Case:
    text = _note(note)
    if not text:
        raise ValueError("say why the case is reopened")
    return _change(database, user, case_id, version, "case_reopened",
                   "status = case when first_contact_at is null then 'open' else 'in_progress' end, closed_at = null",
                   [], {"kind": "reopened", "note": text}, {}, at)


def assign(database, user, case_id: str, version: int, owner: str | None, *, at=None) -> Case:
    """Give the case to ``owner``; an agent may only take it for themselves."""
    owner = (owner or "").strip().lower() or None
    if getattr(user, "role", None) == "agent" and owner != user.username:
        audit_log.record(database or dbmod.get(), user, "case_assigned", case_id,
                         {"reason": "agents may only take cases for themselves"}, "refused")
        raise PermissionError("agents may only take a case for themselves")
    return _change(database, user, case_id, version, "case_assigned", "owner = ?", [owner],
                   {"kind": "assigned", "note": f"Assigned to {owner or 'nobody'}"}, {"owner": owner}, at)
