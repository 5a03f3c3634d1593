"""Rebuild the pre-aggregated tables (``voc/schema/rollups.sql``) after every load."""
from __future__ import annotations

from pathlib import Path

import duckdb

ROLLUPS_SQL = Path(__file__).resolve().parent / "schema" / "rollups.sql"


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recreate every rollup from the base tables, inside the caller's transaction if any."""
    con.execute(ROLLUPS_SQL.read_text(encoding="utf-8"))
