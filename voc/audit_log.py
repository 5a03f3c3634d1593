"""The audit log (table ``audit_log``): who did what to which object, and whether it worked.

``record`` writes one row. Given the cursor of an open ``Database.write()`` block it joins that
transaction, so the row and the change it describes are committed (or rolled back) together;
given a ``Database`` it writes the row in a transaction of its own (for events that change
nothing else, such as a refused SQL statement). ``recent`` lists the latest rows for admins.

Rows are never updated or deleted by the application. ``detail`` is a JSON object stored as
text; long strings in it are clipped so that an attacker cannot bloat the log with one call.
"""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from voc import db as dbmod
from voc.scope import ALL, Scope

OUTCOMES = ("ok", "failed", "refused", "error")
MAX_TEXT = 2000      # characters kept of any one string in ``detail``
MAX_NAME = 200       # characters kept of ``actor``, ``action`` and ``target``


def writer(database):
    """``database.write()`` for the audit log and the user store, which no cached result depends on:
    it does not bump the database generation, so a sign-in or an audited query empties no cache."""
    return database.write(changes_data=False)


def now() -> dt.datetime:
    """The current time in UTC, without a zone (how the warehouse stores timestamps)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _clip(value, limit: int = MAX_TEXT):
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + f"… [{len(value) - limit} more characters]"
    if isinstance(value, dict):
        return {str(k)[:MAX_NAME]: _clip(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        return [_clip(v, limit) for v in items[:200]]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _clip(str(value), limit)


def _name(value) -> str | None:
    return None if value is None else str(value)[:MAX_NAME]


def record(cursor_or_database, actor, action: str, target=None, detail: dict | None = None,
           outcome: str = "ok", *, at: dt.datetime | None = None) -> None:
    """Append one audit row; inside the caller's transaction when given its cursor.

    ``actor`` is a username (or a ``voc.users.User``); ``target`` what the action was done to.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; outcomes are {', '.join(OUTCOMES)}")
    actor_name = getattr(actor, "username", actor)
    row = [at or now(), _name(actor_name) or "(unknown)", _name(action), _name(target),
           json.dumps(_clip(detail or {}), ensure_ascii=False, sort_keys=True), outcome]
    sql = ("insert into audit_log (occurred_at, actor, action, target, detail, outcome) "
           "values (?, ?, ?, ?, ?, ?)")
    if isinstance(cursor_or_database, dbmod.Database):
        with writer(cursor_or_database) as cur:
            cur.execute(sql, row)
    else:
        cursor_or_database.execute(sql, row)


RECENT_SQL = """
select id, occurred_at, actor, action, target, detail, outcome
from audit_log
where ($action is null or action = $action)
  and ($actor is null or actor = $actor)
  {restriction}
order by id desc
limit $limit
"""

# Users all of whose units lie inside the reader's scope (temp.scope_units holds its sub-tree).
RESTRICTION = ("and (actor in (select username from visible_users) "
               "or target in (select username from visible_users))")
VISIBLE_USERS_SQL = """
create temp view visible_users as
select username
from (select username, unnest(units) as unit_id from users where units is not null)
group by username
having bool_and(unit_id in (select unit_id from temp.scope_units))
"""


def recent(database=None, limit: int = 100, scope: Scope = ALL, *, action: str | None = None,
           actor: str | None = None) -> pd.DataFrame:
    """The latest ``limit`` audit rows, newest first, optionally for one action or actor.

    An admin whose own rights are limited to some org units (``scope.units`` not None) sees only
    rows whose actor or target is a user confined to those units; a company-wide admin sees all.
    """
    database = database or dbmod.get()
    limit = max(1, min(int(limit), 10_000))
    rights = scope.rights()
    with database.read(rights) as cur:
        restriction = ""
        if rights.units is not None:  # limited to some org units (masking is irrelevant here)
            cur.execute(VISIBLE_USERS_SQL)
            restriction = RESTRICTION
        frame = cur.execute(RECENT_SQL.format(restriction=restriction),
                            {"action": action, "actor": actor, "limit": limit}).df()
    return frame
