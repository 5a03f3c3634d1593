"""Rebuild the pre-aggregated tables (``voc/schema/rollups.sql``) after every load."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb

from voc import migrate

ROLLUPS_SQL = Path(__file__).resolve().parent / "schema" / "rollups.sql"
_DIGEST_KEY = "rollups_digest"


def digest() -> str:
    """Identifies this release's rollup definitions: a file built by another release is rebuilt."""
    return hashlib.sha256(ROLLUPS_SQL.read_bytes()).hexdigest()[:16]


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recreate every rollup from the base tables, inside the caller's transaction if any."""
    con.execute(ROLLUPS_SQL.read_text(encoding="utf-8"))
    migrate.set_meta(con, _DIGEST_KEY, digest())


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
    definition lives in one place (rollups.sql).
    """
    select = dict(definitions())["case_outcomes"]
    catalog = '"' + cur.execute("select current_database()").fetchall()[0][0].replace('"', '""') + '"'
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
    text = "\n".join(line for line in ROLLUPS_SQL.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("--"))
    return [(m.group(1), m.group(2).strip()) for m in _CREATE.finditer(text)]
