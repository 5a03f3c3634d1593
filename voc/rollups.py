"""Rebuild the pre-aggregated tables (``voc/schema/rollups.sql``) after every load."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb

ROLLUPS_SQL = Path(__file__).resolve().parent / "schema" / "rollups.sql"


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recreate every rollup from the base tables, inside the caller's transaction if any."""
    con.execute(ROLLUPS_SQL.read_text(encoding="utf-8"))


_CREATE = re.compile(r"create or replace table (\w+) as\s+(.*?);\s*(?=create or replace table|\Z)", re.S)


def definitions() -> list[tuple[str, str]]:
    """(rollup name, the SELECT that computes it from the base tables), in build order."""
    text = "\n".join(line for line in ROLLUPS_SQL.read_text(encoding="utf-8").splitlines()
                     if not line.lstrip().startswith("--"))
    return [(m.group(1), m.group(2).strip()) for m in _CREATE.finditer(text)]
