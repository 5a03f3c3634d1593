"""Org-unit scopes, applied below every read.

A scope is a set of org units; it includes each unit's whole sub-tree. Applying a
scope to a cursor creates temporary views with the names of every table that has a
``unit_id`` column; each view selects only the rows of units inside the scope. The
temporary schema is searched first, so ``feedback`` and ``main.feedback`` both
resolve to the filtered view for the rest of that cursor's life.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

SUBTREE_SQL = """
with recursive tree(unit_id) as (
    select unit_id from {catalog}.main.org_units where unit_id in (select unnest(?::varchar[]))
    union
    select o.unit_id from {catalog}.main.org_units o join tree t on o.parent_id = t.unit_id
)
select unit_id from tree
"""

ANCESTORS_SQL = """
with recursive up(unit_id, parent_id) as (
    select unit_id, parent_id from {catalog}.main.org_units where unit_id in (select unnest(?::varchar[]))
    union
    select o.unit_id, o.parent_id from {catalog}.main.org_units o join up u on o.unit_id = u.parent_id
)
select unit_id from up
"""


@dataclass(frozen=True)
class Scope:
    """``units=None`` means everything (company-wide)."""

    units: frozenset[str] | None = None

    @classmethod
    def of(cls, *units: str) -> "Scope":
        return cls(frozenset(units))

    @property
    def is_all(self) -> bool:
        return self.units is None

    @property
    def key(self) -> str:
        """A stable string that identifies the scope in cache keys."""
        return "*" if self.units is None else ",".join(sorted(self.units))


ALL = Scope()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def scoped_tables(cur: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = cur.execute(
        "select distinct table_name from duckdb_columns() where database_name = ? "
        "and schema_name = 'main' and column_name = 'unit_id' order by 1",
        [catalog],
    ).fetchall()
    return [r[0] for r in rows]


def apply(cur: duckdb.DuckDBPyConnection, scope: Scope, catalog: str) -> None:
    """Shadow every scoped table on ``cur`` with a view limited to ``scope``."""
    if scope.is_all:
        return
    cat = _quote(catalog)
    cur.execute("create temp table scope_units (unit_id varchar primary key)")
    cur.execute(
        "insert into temp.scope_units " + SUBTREE_SQL.format(catalog=cat), [sorted(scope.units)]
    )
    cur.execute("create temp table scope_visible_units (unit_id varchar primary key)")
    cur.execute(
        "insert into temp.scope_visible_units " + ANCESTORS_SQL.format(catalog=cat),
        [sorted(scope.units)],
    )
    cur.execute("insert or ignore into temp.scope_visible_units select unit_id from temp.scope_units")
    for table in scoped_tables(cur, catalog):
        allowed = "temp.scope_visible_units" if table == "org_units" else "temp.scope_units"
        cur.execute(
            f"create temp view {_quote(table)} as select * from {cat}.main.{_quote(table)} "
            f"where unit_id in (select unit_id from {allowed})"
        )
