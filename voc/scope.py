"""Org-unit scopes and filters, applied below every read.

A ``Scope`` is what a reader may see (a set of org units, each with its whole
sub-tree) narrowed by what the reader chose to look at (one org unit in focus,
segments, sources, journey stages). Applying it to a cursor creates temporary views
with the names of every table that has a ``unit_id`` column; each view keeps only
the rows inside the scope (and, where the table has the column, the chosen
segments, sources and stages). The temporary schema is searched first, so
``feedback`` and ``main.feedback`` both resolve to the filtered view for the rest of
that cursor's life. All values are bound parameters stored in temporary tables.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import json

import duckdb

from voc.privacy import PRIVATE_COLUMNS, mask_sql

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

ANCESTOR_VISIBLE = ("org_units", "annotations")

# filter name -> the column it restricts, in every table that has that column
FILTER_COLUMNS = {"segments": "segment", "sources": "source", "stages": "journey_stage"}


@dataclass(frozen=True)
class Scope:
    """``units=None`` means the whole company; ``focus`` narrows to one unit's sub-tree."""

    units: frozenset[str] | None = None
    focus: str | None = None
    segments: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    masked: bool = False  # e-mail addresses and phone numbers hidden (voc.privacy) in every row read

    @classmethod
    def of(cls, *units: str) -> "Scope":
        return cls(frozenset(units))

    def narrow(self, focus: str | None = None, segments=(), sources=(), stages=()) -> "Scope":
        """This scope limited further by the reader's own filters (never widened)."""
        return replace(self, focus=focus, segments=tuple(sorted(segments)),
                       sources=tuple(sorted(sources)), stages=tuple(sorted(stages)))

    def rights(self) -> "Scope":
        """The access part alone, without the reader's filters."""
        return Scope(self.units, masked=self.masked)

    @property
    def is_all(self) -> bool:
        return self.units is None and self.focus is None and not self.filters() and not self.masked

    def filters(self) -> dict[str, tuple[str, ...]]:
        return {name: getattr(self, name) for name in FILTER_COLUMNS if getattr(self, name)}

    @property
    def key(self) -> str:
        """A stable string that identifies the scope in cache keys."""
        units = None if self.units is None else sorted(self.units)
        parts = [units, self.focus] + [list(getattr(self, n)) for n in FILTER_COLUMNS] + [self.masked]
        return json.dumps(parts, ensure_ascii=False)  # unambiguous whatever the ids contain


ALL = Scope()


def quote(identifier: str) -> str:
    """A SQL identifier in double quotes (a quote inside doubled)."""
    return '"' + identifier.replace('"', '""') + '"'


def table_columns(cur: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, set[str]]:
    """Tables of the warehouse that have a ``unit_id`` column, with their column names."""
    rows = cur.execute(
        "select table_name, list(column_name) from duckdb_columns() where database_name = ? "
        "and schema_name = 'main' group by table_name "
        "having list_contains(list(column_name), 'unit_id') order by 1",
        [catalog],
    ).fetchall()
    return {name: set(columns) for name, columns in rows}


def apply(cur: duckdb.DuckDBPyConnection, scope: Scope, catalog: str) -> None:
    """Shadow every scoped table on ``cur`` with a view limited to ``scope``."""
    if scope.is_all:
        return
    cat = quote(catalog)  # identifiers (catalog, table names) are quoted; every value is a bound parameter
    cur.execute("create temp table scope_units (unit_id varchar primary key)")
    if scope.units is None:
        cur.execute(f"insert into temp.scope_units select unit_id from {cat}.main.org_units")  # quoted catalog
    else:
        cur.execute("insert into temp.scope_units " + SUBTREE_SQL.format(catalog=cat), [sorted(scope.units)])
    if scope.focus is not None:
        cur.execute(
            "delete from temp.scope_units where unit_id not in (" + SUBTREE_SQL.format(catalog=cat) + ")",
            [[scope.focus]],
        )
    cur.execute("create temp table scope_visible_units (unit_id varchar primary key)")
    cur.execute(
        "insert into temp.scope_visible_units " + ANCESTORS_SQL.format(catalog=cat)
        + " union select unit_id from temp.scope_units",
        [sorted(scope.units) if scope.units is not None else []],
    )
    for name, values in scope.filters().items():
        cur.execute(f"create temp table scope_{name} (value varchar primary key)")
        cur.execute(f"insert into temp.scope_{name} select unnest(?::varchar[])", [list(values)])
    whole_company = scope.units is None and scope.focus is None
    for table, columns in table_columns(cur, catalog).items():
        # unit names up the tree, and events logged for a parent unit (a company-wide price change),
        # are visible to everyone below; every other table shows only the scope's own units
        allowed = "temp.scope_visible_units" if table in ANCESTOR_VISIBLE else "temp.scope_units"
        # a company-wide reader sees every unit: no unit condition to pay for on every row read
        conditions = [] if whole_company else [f"unit_id in (select unit_id from {allowed})"]
        for name in scope.filters():
            column = FILTER_COLUMNS[name]
            if column in columns:
                conditions.append(f"{column} in (select value from temp.scope_{name})")
        columns_sql = "*"
        private = {c: kind for c, kind in PRIVATE_COLUMNS.get(table, {}).items() if c in columns}
        if scope.masked and private:
            columns_sql = "* replace (" + ", ".join(
                f"{mask_sql(quote(c), kind)} as {quote(c)}" for c, kind in private.items()) + ")"
        if not conditions and columns_sql == "*":
            continue  # nothing to limit or mask in this table for this reader
        where = f" where {' and '.join(conditions)}" if conditions else ""
        cur.execute(
            f"create temp view {quote(table)} as select {columns_sql} from {cat}.main.{quote(table)}{where}"
        )
