"""Schema versions: ``voc/schema/NNN_*.sql`` applied in order, the version kept in ``meta``.

A release that changes the model adds a new numbered file; opening an older file
applies the missing steps in one transaction each, so existing databases are
migrated instead of broken.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
_STEP = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def steps() -> list[tuple[int, Path]]:
    found = []
    for p in sorted(SCHEMA_DIR.iterdir()):
        m = _STEP.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return found


def latest() -> int:
    return steps()[-1][0]


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the file's main schema holds a table called ``name``."""
    return con.execute(
        "select count(*) from duckdb_tables() where table_name = ? and schema_name = 'main'"
        " and database_name = current_database()", [name]
    ).fetchall()[0][0] > 0


def current(con: duckdb.DuckDBPyConnection) -> int:
    if not has_table(con, "meta"):
        return 0
    row = con.execute("select value from meta where key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def upgrade(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the file to the latest schema version; return the version it now has."""
    version = current(con)
    newer = latest()
    if version > newer:
        raise RuntimeError(
            f"This database has schema version {version}, newer than this release knows ({newer}). "
            "Upgrade the application."
        )
    for number, path in steps():
        if number <= version:
            continue
        con.execute("begin transaction")
        try:
            if number == 1:
                con.execute("create table meta (key varchar primary key, value varchar not null)")
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(
                "insert or replace into meta values ('schema_version', ?)", [str(number)]
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        version = number
    return version


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("insert or replace into meta values (?, ?)", [key, value])
