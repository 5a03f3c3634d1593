"""Who owns and who escalates follow-up cases: the staff of each org unit (table ``loop_staff``).

A case is owned by an **agent of its org unit** (a unit without agents is served by its nearest
ancestor's); a rule may name a fixed owner instead, else the unit's agents take cases in
**round robin**: the agent assigned longest ago goes next. Escalations go to the **managers**
of the unit, found the same way; when ``loop_staff`` lists none, enabled accounts with the role
*manager* whose units cover the case's unit are used.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from voc import audit_log, queries
from voc import db as dbmod
from voc.scope import ALL, Scope

ROLES = ("agent", "manager")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@:-]{1,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TICK = dt.timedelta(microseconds=1)  # keeps round-robin order among cases opened in the same instant


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str | None
    email: str | None


def staff(role: str, *, scope: Scope = ALL, database=None) -> dict[str, list[Person]]:
    """For every org unit, the active people of ``role`` who serve it."""
    frame = queries.run("case_staff_for_unit", {"role": role}, scope=scope, database=database)
    found: dict[str, list[Person]] = {}
    for r in frame.itertuples():
        found.setdefault(r.unit_id, []).append(Person(r.username, _text(r.display_name), _text(r.email)))
    return found


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def roster(*, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Every staff row (active or not) of the units in ``scope``, for admins to review."""
    return queries.run("case_staff_by_person", scope=scope, database=database)


class RoundRobin:
    """Assigns owners for a batch of new cases, remembering who was assigned last."""

    def __init__(self, cur, at: dt.datetime):
        frame = _query(cur, "case_staff_for_unit", {"role": "agent"})
        self.pools: dict[str, list[str]] = {}
        self.last: dict[str, dt.datetime] = {}
        for r in frame.itertuples():
            self.pools.setdefault(r.unit_id, []).append(r.username)
            if not pd.isna(r.last_assigned_at):
                self.last[r.username] = max(self.last.get(r.username, dt.datetime.min),
                                            pd.Timestamp(r.last_assigned_at).to_pydatetime())
        self.at = at
        self.used: dict[str, dt.datetime] = {}

    def owner(self, unit_id: str, fixed: str | None = None, at: dt.datetime | None = None) -> tuple[str | None, str]:
        """(owner, how it was chosen) for a case of ``unit_id`` opened ``at``."""
        if isinstance(fixed, str) and fixed:
            return fixed, "named by its rule"
        pool = self.pools.get(unit_id)
        if not pool:
            return None, "no agent serves this unit: unassigned"
        chosen = min(pool, key=lambda name: (self.last.get(name, dt.datetime.min), name))
        self.at = max(self.at + TICK, at or self.at)
        self.last[chosen] = self.used[chosen] = self.at
        return chosen, "round robin among the unit's agents"

    def save(self, cur) -> None:
        for username, at in self.used.items():
            cur.execute("update loop_staff set last_assigned_at = ? where username = ? and role = 'agent'",
                        [at, username])


def _query(cur, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run a named query on an open write cursor (inside its transaction, unscoped)."""
    query = queries.get(name)
    return cur.execute(query.sql, queries.bind(query, params)).df()


def managers_for(cur, unit_id: str) -> list[Person]:
    """The managers to tell about a case of ``unit_id`` (see the module docstring)."""
    frame = _query(cur, "case_staff_for_unit", {"role": "manager"})
    found = [Person(r.username, _text(r.display_name), _text(r.email))
             for r in frame[frame.unit_id == unit_id].itertuples()]
    if found:
        return found
    accounts = _query(cur, "case_managers_by_account", {"unit": unit_id})
    return [Person(r.username, _text(r.display_name), None) for r in accounts.itertuples()]


def _require_admin(database, actor, action: str, target: str) -> None:
    if getattr(actor, "role", None) != "admin":
        audit_log.record(database, actor, action, target, {"reason": "not an admin"}, "refused")
        raise PermissionError("only an admin may change who owns cases")


def save_person(database: dbmod.Database, actor, username: str, unit_id: str, role: str, *,
                display_name: str | None = None, email: str | None = None, active: bool = True) -> None:
    """Add or update one staff row (admins only; audited in the same transaction)."""
    username = (username or "").strip().lower()
    _require_admin(database, actor, "loop_staff_saved", username)
    if not _USERNAME.match(username):
        raise ValueError(f"{username!r} is not a valid username")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    email = (email or "").strip() or None
    if email is not None and not _EMAIL.match(email):
        raise ValueError(f"{email!r} is not an e-mail address")
    with database.write() as cur:
        if not cur.execute("select count(*) from org_units where unit_id = ?", [unit_id]).fetchone()[0]:
            raise ValueError(f"there is no org unit {unit_id!r}")
        cur.execute("""insert into loop_staff (username, unit_id, role, display_name, email, active)
                       values (?, ?, ?, ?, ?, ?)
                       on conflict (username, unit_id, role) do update
                       set display_name = excluded.display_name, email = excluded.email, active = excluded.active""",
                    [username, unit_id, role, (display_name or "").strip()[:200] or None, email, bool(active)])
        audit_log.record(cur, actor, "loop_staff_saved", username,
                         {"unit_id": unit_id, "role": role, "active": bool(active), "email": email})
