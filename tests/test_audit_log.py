"""The audit log (voc/audit_log.py, table audit_log from voc/schema/002_identity.sql)."""
from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

import voc.db
from voc import audit_log, migrate
from voc.scope import Scope

T0 = dt.datetime(2026, 11, 2, 9, 0, 0)


@pytest.fixture
def db(private_db_path):
    return voc.db.get(private_db_path)


def rows(db):
    with db.read() as cur:
        return cur.execute("select id, occurred_at, actor, action, target, detail, outcome "
                           "from audit_log order by id").fetchall()


def test_migration_creates_the_identity_tables(tmp_path):
    con = voc.db.create(tmp_path / "new.duckdb")
    try:
        columns = dict(con.execute(
            "select table_name, list(column_name order by column_index) from duckdb_columns() "
            "where table_name in ('users', 'audit_log') group by 1").fetchall())
        assert columns == {
            "users": ["username", "display_name", "role", "password_hash", "units", "disabled", "failed_attempts",
                      "locked_until", "created_at", "updated_at", "version"],
            "audit_log": ["id", "occurred_at", "actor", "action", "target", "detail", "outcome"],
        }
        assert migrate.current(con) >= 2
        assert con.execute("select count(*) from users").fetchone()[0] == 0
        # the constraints hold: no plain-text password, no unknown role, no empty scope
        for values in ("('bob', 'Bob', 'analyst', 'hunter2', null)",
                       "('bob', 'Bob', 'root', '$argon2id$x', null)",
                       "('bob', 'Bob', 'analyst', '$argon2id$x', []::varchar[])",
                       "('Bob', 'Bob', 'analyst', '$argon2id$x', null)"):
            with pytest.raises(duckdb.ConstraintException):
                con.execute("insert into users (username, display_name, role, password_hash, units, created_at, "
                            f"updated_at) select *, now(), now() from (values {values})")
        con.execute("insert into users (username, display_name, role, password_hash, units, created_at, "
                    "updated_at) select *, now(), now() from (values ('bob', 'Bob', 'analyst', '$argon2id$x', null))")
        assert con.execute("select count(*) from users").fetchone()[0] == 1  # the same shape, valid, is accepted
        with pytest.raises(duckdb.ConstraintException):
            con.execute("insert into audit_log (occurred_at, actor, action, outcome) values (now(), 'a', 'b', 'maybe')")
    finally:
        con.close()


def test_record_in_its_own_transaction(db):
    audit_log.record(db, "ana", "sql_run", None, {"sql": "select 1", "rows": 1}, "ok", at=T0)
    audit_log.record(db, "ana", "sql_refused", "users", {"reason": "no"}, "refused", at=T0)
    found = rows(db)
    assert [(r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in found] == [
        (T0, "ana", "sql_run", None, {"sql": "select 1", "rows": 1}, "ok"),
        (T0, "ana", "sql_refused", "users", {"reason": "no"}, "refused"),
    ]
    assert found[1][0] > found[0][0]


def test_record_joins_the_callers_transaction(db):
    with pytest.raises(RuntimeError):
        with db.write() as cur:
            cur.execute("delete from themes where theme_id = 'price'")
            audit_log.record(cur, "ada", "theme_deleted", "price")
            raise RuntimeError("the change fails after its audit row was written")
    assert rows(db) == []  # rolled back with the change
    with db.read() as cur:
        assert cur.execute("select count(*) from themes where theme_id = 'price'").fetchone()[0] == 1
    with db.write() as cur:
        cur.execute("delete from themes where theme_id = 'price'")
        audit_log.record(cur, "ada", "theme_deleted", "price")
    assert [(r[2], r[3], r[4]) for r in rows(db)] == [("ada", "theme_deleted", "price")]


def test_unknown_outcomes_are_refused_and_nothing_is_written(db):
    with pytest.raises(ValueError, match="unknown outcome"):
        audit_log.record(db, "ana", "x", outcome="maybe")
    assert rows(db) == []


def test_long_values_are_clipped(db):
    audit_log.record(db, "a" * 500, "sql_refused", "t" * 500,
                     {"sql": "x" * 10_000, "nested": {"list": ["y" * 5000]}, "when": T0}, "refused")
    _, _, actor, _, target, detail, _ = rows(db)[0]
    assert len(actor) == len(target) == audit_log.MAX_NAME
    detail = json.loads(detail)
    assert detail["sql"].startswith("x" * audit_log.MAX_TEXT) and "8000 more characters" in detail["sql"]
    assert len(detail["nested"]["list"][0]) < 5000 and detail["when"] == str(T0)


def test_recent_newest_first_with_filters(db):
    for i, (actor, action) in enumerate([("ana", "sign_in"), ("bob", "sign_in"), ("ana", "sql_run"),
                                         ("ana", "sign_out")]):
        audit_log.record(db, actor, action, actor, {"i": i}, at=T0 + dt.timedelta(minutes=i))
    assert list(audit_log.recent(db).action) == ["sign_out", "sql_run", "sign_in", "sign_in"]
    assert list(audit_log.recent(db, 2).action) == ["sign_out", "sql_run"]
    assert list(audit_log.recent(db, 10, action="sign_in").actor) == ["bob", "ana"]
    assert list(audit_log.recent(db, 10, actor="ana").action) == ["sign_out", "sql_run", "sign_in"]


def test_recent_for_an_admin_limited_to_some_units(db):
    """A regional admin sees rows about users confined to their units, not the rest of the company."""
    now = dt.datetime(2026, 11, 1)
    with db.write() as cur:
        for name, units in (("west", ["us_west"]), ("na", ["bu_na"]), ("sh", ["shanghai"]), ("all", None),
                            ("mixed", ["us_east", "beijing"])):
            cur.execute("insert into users (username, display_name, role, password_hash, units, created_at, "
                        "updated_at) values (?, ?, 'manager', '$argon2id$x', ?, ?, ?)", [name, name, units, now, now])
            audit_log.record(cur, name, "sign_in", name)
    assert set(audit_log.recent(db, 100, Scope.of("bu_na")).actor) == {"west", "na"}
    assert set(audit_log.recent(db, 100, Scope.of("us_west")).actor) == {"west"}
    assert set(audit_log.recent(db, 100, Scope.of("shanghai")).actor) == {"sh"}
    assert set(audit_log.recent(db, 100).actor) == {"west", "na", "sh", "all", "mixed"}
