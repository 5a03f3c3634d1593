"""The SQL gate (voc/sqlgate.py): adversarial SQL is refused, logged, and changes nothing;
legitimate SQL runs on the scoped read path and returns only the rows the user may see.

Runs on a private copy of the fixture (refusals and runs write audit rows). Expected counts come
from tests/conftest.py (``expected``, counted by hand from fixture.sql) or from pandas over the
raw fixture rows read without the gate.
"""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

import voc.db
from voc import audit_log, privacy, queries, sqlgate
from voc.scope import Scope
from voc.users import User

WEST = User("ana", "Ana (US West)", "analyst", frozenset({"us_west"}))
NA = User("nat", "Nat (North America)", "analyst", frozenset({"bu_na"}))
COMPANY = User("cora", "Cora (company)", "analyst", None)
ADMIN = User("ada", "Ada", "admin", None)


@pytest.fixture(scope="module")
def gate_db(_fixture_files, tmp_path_factory):
    _, pristine = _fixture_files
    path = tmp_path_factory.mktemp("sqlgate") / "gate.duckdb"
    shutil.copyfile(pristine, path)
    db = voc.db.get(path)
    yield db
    voc.db.forget(path)


@pytest.fixture(scope="module")
def raw(gate_db):
    """The fixture's rows, read without the gate (no scope)."""
    with gate_db.read() as cur:
        return {t: cur.execute(f"select * from {t}").df() for t in ("feedback", "customers")}


def fingerprint(db) -> dict:
    """Every table's row count and content hash (audit_log aside), the catalog, and key settings."""
    with db.read() as cur:
        tables = [r[0] for r in cur.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'main' order by 1").fetchall()]
        found = {t: cur.execute(f'select count(*), coalesce(bit_xor(hash(x)), 0) from "{t}" x').fetchone()
                 for t in tables if t != "audit_log"}
        found["#catalog"] = cur.execute(
            "select list(database_name || '.' || schema_name || '.' || table_name order by 1) from duckdb_tables()"
        ).fetchone()
        found["#views"] = cur.execute(
            "select list(view_name order by 1) from duckdb_views() where not internal").fetchone()
        found["#databases"] = cur.execute("select list(database_name order by 1) from duckdb_databases()").fetchone()
        found["#settings"] = cur.execute(
            "select list(name || '=' || value order by name) from duckdb_settings() where name in "
            "('enable_external_access', 'lock_configuration', 'memory_limit', 'search_path')").fetchone()
    return found


def audit_rows(db) -> list[tuple]:
    with db.read() as cur:
        return cur.execute("select actor, action, target, detail, outcome from audit_log order by id").fetchall()


def run(db, sql, user=WEST, **kwargs) -> pd.DataFrame:
    return sqlgate.run_sql(sql, user, db, **kwargs)


def one(db, sql, user=WEST, **kwargs):
    frame = run(db, sql, user, **kwargs)
    assert frame.shape == (1, 1), frame
    return frame.iloc[0, 0]


# --------------------------------------------------------------------------------- adversarial

ATTACKS = [
    # private tables, directly or hidden in a bigger query
    ("select * from users", "'users' is not available"),
    ("select password_hash from users where role = 'admin'", "'users' is not available"),
    ("select * from audit_log", "'audit_log' is not available"),
    ("select * from meta", "'meta' is not available"),
    ("select * from feedback union all select * from users", "'users' is not available"),
    ("select (select count(*) from users)", "'users' is not available"),
    ("select * from feedback where exists (select 1 from audit_log)", "'audit_log' is not available"),
    ("from users", "'users' is not available"),
    ("table users", "'users' is not available"),
    # quoting tricks and look-alike names
    ('select * from "users"', "'users' is not available"),
    ('select * from "USERS"', "'USERS' is not available"),
    ("select * from uѕers", "is not available"),                       # Cyrillic 's'
    ('select * from "feedback""; drop table users; --"', "is not available"),
    ("select * from '/etc/passwd'", "is not available"),                # a file as a table name
    # schema- and catalog-qualified names, system catalogs, the scope's own temp objects
    ("select * from main.feedback", "without a schema"),
    ("select * from temp.feedback", "without a schema"),
    ('select * from "main"."users"', "without a schema"),
    ("select * from {catalog}.main.users", "without a schema"),
    ("select * from system.main.duckdb_tables", "without a schema"),
    ("select * from information_schema.tables", "without a schema"),
    ("select * from pg_catalog.pg_class", "without a schema"),
    ("select * from sqlite_master", "'sqlite_master' is not available"),
    ("select * from scope_units", "'scope_units' is not available"),
    ("select * from feedback_daily f join temp.scope_units s using (unit_id)", "without a schema"),
    ("select * from secrets_frame", "'secrets_frame' is not available"),  # a Python variable (replacement scan)
    # a WITH name that would hide a private table
    ("with users as (select 1 as x) select * from users", "hides a table"),
    ("with feedback as (select * from customers) select * from feedback", "hides a table"),
    # table functions and file readers
    ("select * from duckdb_tables()", "duckdb_tables() is not allowed"),
    ("select * from duckdb_settings()", "duckdb_settings() is not allowed"),
    ("select * from read_csv('/etc/passwd')", "read_csv() is not allowed"),
    ("select * from read_parquet('x.parquet')", "read_parquet() is not allowed"),
    ("select * from read_json('x.json')", "read_json() is not allowed"),
    ("select * from read_text('/etc/passwd')", "read_text() is not allowed"),
    ("select * from read_blob('/etc/passwd')", "read_blob() is not allowed"),
    ("select * from glob('/*')", "glob() is not allowed"),
    ("select * from sniff_csv('/etc/passwd')", "sniff_csv() is not allowed"),
    ("select * from query_table('users')", "query_table() is not allowed"),
    ("select * from query('select * from users')", "query() is not allowed"),
    ("select * from pragma_table_info('users')", "pragma_table_info() is not allowed"),
    ("select * from json_execute_serialized_sql('x')", "json_execute_serialized_sql() is not allowed"),
    ("select * from repeat_row(1, num_rows => 10)", "'repeat_row' is not allowed"),
    # functions that read settings, the environment, the catalog, statistics or sequences
    ("select current_setting('memory_limit')", "current_setting() is not allowed"),
    ("select getenv('HOME')", "getenv() is not allowed"),
    ("select getvariable('x')", "getvariable() is not allowed"),
    ("select current_database()", "current_database() is not allowed"),
    ("select pg_get_viewdef('feedback')", "pg_get_viewdef() is not allowed"),
    ("select stats(nps) from feedback", "stats() is not allowed"),      # planner statistics span all units
    ("select nextval('audit_log_id_seq')", "nextval() is not allowed"),
    # more than one statement, however it is hidden
    ("select 1; drop table feedback", "exactly one statement"),
    ("select 1 /* ; */ ; delete from feedback", "exactly one statement"),
    ("select 1 -- harmless\n; drop table users", "exactly one statement"),
    ("select 1;; select 2", "exactly one statement"),
    # anything that is not a query
    ("drop table feedback", "not DROP"),
    ("delete from feedback", "not DELETE"),
    ("insert into feedback select * from feedback", "not INSERT"),
    ("update users set role = 'admin'", "not UPDATE"),
    ("create table x as select 1", "not CREATE"),
    ("alter table feedback add column x int", "not ALTER"),
    ("attach '/tmp/other.duckdb' as other", "not ATTACH"),
    ("detach other", "not DETACH"),
    ("copy feedback to '/tmp/out.csv'", "not COPY"),
    ("export database '/tmp/dump'", "could not be parsed"),
    ("pragma database_list", "not PRAGMA"),
    ("set enable_external_access = true", "not SET"),
    ("call pragma_version()", "not CALL"),
    ("install httpfs", "not INSTALL"),
    ("load httpfs", "not LOAD"),
    ("checkpoint", "not CHECKPOINT"),
    ("begin transaction", "not BEGIN"),
    ("summarize feedback", "not SUMMARIZE"),
    ("show tables", "not SHOW"),
    # statements nested inside a query
    ("with x as (delete from feedback returning *) select * from x", "DELETE is not allowed"),
    ("select * from (describe users)", "DESCRIBE is not allowed"),
    ("select 1 into x", "INTO is not allowed"),
    # parameters and time travel
    ("select * from feedback where unit_id = $1", "parameters"),
    ("select * from feedback where unit_id = ?", "parameters"),
    ("select * from feedback at (version => 1)", "time travel"),
    ("", "no SQL"),
    # inputs built to exhaust the checkers
    ("select " + "(" * 3000 + "1" + ")" * 3000, "nested too deeply"),
    ("select " + " + ".join(["1"] * 2000), "could not be checked"),
    ("select 1 as x" + " " * 20_000, "longer than"),
]


@pytest.mark.parametrize("attack, reason", ATTACKS, ids=[f"{i:02d}" for i in range(len(ATTACKS))])
def test_attacks_are_refused_logged_and_change_nothing(gate_db, attack, reason):
    sql = attack.format(catalog=gate_db.connection() and gate_db.catalog)
    secrets_frame = pd.DataFrame({"secret": ["do not read me"]})  # noqa: F841 -- bait for a replacement scan
    before, audited = fingerprint(gate_db), audit_rows(gate_db)
    with pytest.raises(sqlgate.SqlRefused) as refused:
        sqlgate.run_sql(sql, WEST, gate_db)
    assert reason in str(refused.value)
    assert fingerprint(gate_db) == before
    after = audit_rows(gate_db)
    assert after[:-1] == audited and len(after) == len(audited) + 1
    actor, action, _, detail, outcome = after[-1]
    assert (actor, action, outcome) == ("ana", "sql_refused", "refused")
    detail = json.loads(detail)
    assert detail["reason"] == str(refused.value)
    if len(sql) <= audit_log.MAX_TEXT:
        assert detail["sql"] == sql
    else:  # the log keeps the beginning of a very long statement
        assert detail["sql"].startswith(sql[:audit_log.MAX_TEXT]) and "more characters" in detail["sql"]


def test_there_are_at_least_thirty_attacks():
    assert len(ATTACKS) >= 30


@pytest.mark.parametrize("user", [
    User("erin", "Erin", "executive", None),
    User("rafa", "Rafa", "manager", frozenset({"us_west"})),
    User("femi", "Femi", "agent", frozenset({"shanghai"})),
])
def test_roles_without_sql_are_refused(gate_db, user):
    before = fingerprint(gate_db)
    with pytest.raises(sqlgate.SqlRefused, match="may not run SQL"):
        sqlgate.run_sql("select count(*) from feedback", user, gate_db)
    assert fingerprint(gate_db) == before
    assert audit_rows(gate_db)[-1][:2] == (user.username, "sql_refused")


@pytest.mark.parametrize("sql, reason", [
    ("select * from users", "'users' is not available"),
    ("select * from main.feedback", "without a schema"),
    ("select * from feedback, (with users as (select 1) select * from users)", "hides a table"),
    ("select current_setting('memory_limit')", "current_setting() is not allowed"),
    ("select * from read_csv('/etc/passwd')", "'read_csv' is not allowed"),
    ("select * from repeat(1, 3)", "'repeat' is not allowed"),
    ("select 1; select 2", "exactly one SELECT"),
    ("select * from feedback where unit_id = $1", "parameters"),
    ("select * from (summarize feedback)", "show ref is not allowed"),
])
def test_duckdbs_own_parse_is_checked_too(gate_db, sql, reason):
    """The second layer alone (what would catch SQL that sqlglot read differently)."""
    with gate_db.read(WEST.scope) as cur:
        allowed, relations = sqlgate._allowed_tables(cur, gate_db.catalog)
        with pytest.raises(sqlgate.SqlRefused) as refused:
            sqlgate._check_duckdb(cur, sql, allowed, relations)
    assert reason in str(refused.value)


# --------------------------------------------------------------------------------- legitimate


def test_counts_are_limited_to_the_users_scope(gate_db, expected):
    rows = expected["rows"]
    assert one(gate_db, "select count(*) from feedback") == rows["feedback"]["us_west"]
    assert one(gate_db, "select count(*) from feedback", NA) == rows["feedback"]["bu_na"]
    assert one(gate_db, "select count(*) from feedback", COMPANY) == rows["feedback"]["all"]
    for table in ("customers", "orders", "contacts", "churn_events", "revenue"):
        assert one(gate_db, f"select count(*) from {table}") == rows[table]["us_west"], table
    assert one(gate_db, "select sum(n) from feedback_daily") == rows["feedback"]["us_west"]


def test_every_scoped_table_shows_only_the_users_units(gate_db):
    units = run(gate_db, """
        select unit_id from feedback union select unit_id from customers union select unit_id from orders
        union select unit_id from contacts union select unit_id from cases union select unit_id from theme_daily
        union select unit_id from revenue_monthly order by 1""")
    assert list(units.unit_id) == ["us_west"]
    # org units: the user's own sub-tree and its ancestors (for labels), nothing else
    assert sorted(run(gate_db, "select unit_id from org_units").unit_id) == ["bu_na", "lumen", "us_west"]
    assert one(gate_db, "select count(*) from themes") == 7  # not scoped: 7 themes in fixture.sql


def test_filters_narrow_but_never_widen(gate_db, raw):
    f = raw["feedback"]
    hand = int(((f.unit_id == "us_west") & (f.segment == "plus")).sum())
    narrowed = WEST.scope.narrow(segments=("plus",))
    assert hand > 0
    assert one(gate_db, "select count(*) from feedback", scope=narrowed) == hand
    with pytest.raises(ValueError, match="not the scope"):
        sqlgate.run_sql("select count(*) from feedback", WEST, gate_db, scope=Scope.of("bu_na"))


def test_with_union_unnest_and_series(gate_db, raw):
    f = raw["feedback"]
    west = f[f.unit_id == "us_west"].explode("themes").dropna(subset=["themes"])
    hand = west.groupby("themes").size().sort_values(ascending=False)
    frame = run(gate_db, """
        with mentions as (select unnest(themes) as theme_id from feedback)
        select theme_id, count(*) as n from mentions group by theme_id order by n desc, theme_id""")
    assert dict(zip(frame.theme_id, frame.n)) == hand.to_dict()
    assert list(run(gate_db, "select * from range(3) r(x) union all select 10 order by 1").x) == [0, 1, 2, 10]
    days = run(gate_db, "select d::date as day from generate_series(date '2026-10-30', date '2026-11-01', "
                        "interval 1 day) g(d)")
    assert [str(d)[:10] for d in days.day] == ["2026-10-30", "2026-10-31", "2026-11-01"]
    assert list(run(gate_db, "with recursive t(n) as (select 1 union all select n + 1 from t where n < 4) "
                             "select n from t").n) == [1, 2, 3, 4]


def test_contact_details_are_masked_before_the_query_sees_them(gate_db, raw):
    text = one(gate_db, "select text from feedback where feedback_id = 'fb-d02'")
    assert text == f"Third late parcel this month, contact me at {privacy.EMAIL_MASK}"
    assert one(gate_db, "select count(*) from feedback where text like '%jane.doe%'") == 0
    assert one(gate_db, "select count(*) from feedback f where f.text like '%@%'", COMPANY) == 0
    c = raw["customers"]
    emails = run(gate_db, "select email, phone from customers where email is not null or phone is not null",
                 COMPANY)
    assert len(emails) == int((c.email.notna() | c.phone.notna()).sum())
    assert set(emails.email.dropna()) == {privacy.EMAIL_MASK}
    assert set(emails.phone.dropna()) == {privacy.PHONE_MASK}          # x02's '+86 21 5555 0102'
    assert one(gate_db, "select count(*) from customers where email like 'uw%'") == 0


def test_row_limit(gate_db, expected):
    frame = run(gate_db, "select feedback_id from feedback order by feedback_id", limit=5)
    assert len(frame) == 5 and frame.attrs["truncated"] is True
    assert list(frame.feedback_id) == sorted(frame.feedback_id)
    small = run(gate_db, "select feedback_id from feedback order by 1 limit 3")
    assert len(small) == 3 and small.attrs["truncated"] is False
    assert len(run(gate_db, "select * from feedback")) == expected["rows"]["feedback"]["us_west"]


def test_successful_runs_are_audited(gate_db):
    run(gate_db, "select count(*) as n from feedback", via="cli:tester")
    actor, action, _, detail, outcome = audit_rows(gate_db)[-1]
    detail = json.loads(detail)
    assert (actor, action, outcome) == ("ana", "sql_run", "ok")
    assert (detail["sql"], detail["rows"], detail["truncated"], detail["via"]) == (
        "select count(*) as n from feedback", 1, False, "cli:tester")


def test_errors_are_reported_and_audited(gate_db):
    before = fingerprint(gate_db)
    with pytest.raises(sqlgate.SqlFailed, match="no_such_column"):
        run(gate_db, "select no_such_column from feedback")
    assert fingerprint(gate_db) == before
    assert audit_rows(gate_db)[-1][1] == "sql_failed"


def test_runaway_queries_are_stopped(gate_db, monkeypatch):
    monkeypatch.setattr(sqlgate, "TIMEOUT_SECONDS", 0.5)
    with pytest.raises(sqlgate.SqlFailed, match="stopped after"):
        run(gate_db, "select count(*) from range(1000000000000) a")
    assert audit_rows(gate_db)[-1][1] == "sql_failed"


def test_check_returns_the_sql_that_would_run(gate_db):
    final = sqlgate.check("select count(*) from feedback -- a comment", WEST, gate_db)
    assert "comment" not in final and "regexp_replace" in final.lower() and final.endswith("LIMIT 10001")


# --------------------------------------------------------------------------------- named queries


def test_named_queries_run_under_the_users_scope_and_masking(gate_db, expected):
    params = {"start": "2026-08-03", "end": "2026-10-31", "themes": ["late_delivery"], "per_theme": 50}
    west = sqlgate.run_named("verbatims_for_themes", params, WEST, gate_db)
    hand = queries.run("verbatims_for_themes", params, scope=WEST.scope, database=gate_db)
    assert list(west.feedback_id) == list(hand.feedback_id) and len(west) > 0
    assert west.loc[west.feedback_id == "fb-d02", "text"].item().endswith(privacy.EMAIL_MASK)
    agent = User("femi", "Femi", "agent", frozenset({"us_west"}))
    seen = sqlgate.run_named("verbatims_for_themes", params, agent, gate_db)
    assert "jane.doe@example.com" in seen.loc[seen.feedback_id == "fb-d02", "text"].item()


def test_named_query_failures_are_audited(gate_db):
    with pytest.raises(queries.QueryError):
        sqlgate.run_named("verbatims_for_themes", {"start": "not a date"}, WEST, gate_db)
    actor, action, target, detail, outcome = audit_rows(gate_db)[-1]
    assert (actor, action, target, outcome) == ("ana", "query_failed", "verbatims_for_themes", "failed")
    assert "not a date" in json.loads(detail)["params"]["start"]
