"""Rebuild the pre-aggregated tables (``voc/schema/rollups.sql``) after every load."""
from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import duckdb

from voc import migrate
from voc.scope import quote

ROLLUPS_SQL = Path(__file__).resolve().parent / "schema" / "rollups.sql"
_DIGEST_KEY = "rollups_digest"


@functools.cache
def _source() -> str:
    """rollups.sql, read once per process (it ships with the release)."""
    return ROLLUPS_SQL.read_text(encoding="utf-8")


def digest() -> str:
    """Identifies this release's rollup definitions: a file built by another release is rebuilt."""
    return hashlib.sha256(_source().encode("utf-8")).hexdigest()[:16]


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recreate every rollup from the base tables, inside the caller's transaction if any."""
    con.execute(_source())
    migrate.set_meta(con, _DIGEST_KEY, digest())


def rebuild_after(con: duckdb.DuckDBPyConnection, changed) -> list[str]:
    """Recreate the rollups that read a table in ``changed``, inside the caller's transaction.

    A rollup is rebuilt when its SELECT reads a changed table, or a rollup rebuilt before it (in
    build order), or when what it reads cannot be told; the others are left as they are, which is
    what a full rebuild would make of them, since their tables did not change. Every rollup is
    rebuilt instead (``rebuild``) when the file's rollups are not this release's (another digest),
    when one of them is missing, or when rollups.sql holds more than its ``create or replace
    table`` statements. Returns the names of the rollups rebuilt.
    """
    plan = _plan(_source())
    existing = {r[0].lower() for r in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main'").fetchall()}
    if plan is None or migrate.get_meta(con, _DIGEST_KEY) != digest() \
            or any(name.lower() not in existing for name, _, _ in plan):
        rebuild(con)
        return [name for name, _ in definitions()]
    dirty, done = {t.lower() for t in changed}, []
    for name, select, reads in plan:
        if reads is None or reads & dirty:
            con.execute(f"create or replace table {name} as {select}")  # name: a \w+ identifier of rollups.sql
            dirty.add(name.lower())
            done.append(name)
    return done


def reads(select: str) -> frozenset[str] | None:
    """The names of the tables a rollup's SELECT reads (its CTE names included, which only errs
    on the side of rebuilding), or None when it cannot be told."""
    import sqlglot
    from sqlglot import exp

    try:
        statements = sqlglot.parse(select, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return None
    if len(statements) != 1 or statements[0] is None:
        return None
    return frozenset(t.name.lower() for t in statements[0].find_all(exp.Table) if t.name)


@functools.lru_cache(maxsize=4)
def _plan(text: str) -> tuple[tuple[str, str, frozenset[str] | None], ...] | None:
    """(name, SELECT, tables read) per rollup of ``text``; None if it holds other statements."""
    body = _uncommented(text)
    if _CREATE.sub("", body).strip():
        return None
    return tuple((name, select, reads(select)) for name, select in _definitions(body))


def ensure_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Rebuild the rollups of a file whose rollups another release defined; True if it did."""
    if migrate.get_meta(con, _DIGEST_KEY) == digest():
        return False
    con.execute("begin transaction")
    try:
        rebuild(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return True


def add_case_outcomes(cur: duckdb.DuckDBPyConnection, new_cases: str) -> None:
    """Rows of ``case_outcomes`` for cases just opened, inside the caller's transaction.

    ``new_cases`` names a relation on ``cur`` with a ``case_id`` column. The rollup's own
    SELECT runs with ``cases`` shadowed by a temporary view of those cases alone, so the
    definition lives in one place (rollups.sql). Nothing to do before the first rollup build
    (the demo generator opens its cases before it): that build measures every case.
    """
    if not migrate.has_table(cur, "case_outcomes"):
        return
    select = dict(definitions())["case_outcomes"]
    catalog = quote(cur.execute("select current_database()").fetchall()[0][0])
    # identifiers only (the file's catalog, a relation name of the caller's own); no values
    cur.execute(f"create temp view cases as select * from {catalog}.main.cases where case_id in "
                f"(select case_id from {new_cases})")
    try:
        cur.execute(f"insert into {catalog}.main.case_outcomes " + select)
    finally:
        cur.execute("drop view temp.cases")


_CREATE = re.compile(r"create or replace table (\w+) as\s+(.*?);\s*(?=create or replace table|\Z)", re.S)


def definitions() -> list[tuple[str, str]]:
    """(rollup name, the SELECT that computes it from the base tables), in build order."""
    return _definitions(_uncommented(_source()))


def _uncommented(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def _definitions(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2).strip()) for m in _CREATE.finditer(text)]
