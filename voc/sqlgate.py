"""The SQL gate: analyst-written SQL, checked, then run on the same scoped read path as named queries.

``run_sql`` accepts exactly one read-only query (``SELECT``, ``WITH … SELECT``, set operations)
and runs it through ``Database.read(scope)``: a read-only transaction whose temporary views
shadow every table with a ``unit_id`` column, so a user limited to some org units sees only
their rows, however the query is written. Before it runs, the query is checked twice:

1. by sqlglot (DuckDB dialect): one statement; a query, with no statement of any other kind
   nested in it; tables only from the allow-list (the warehouse tables that carry ``unit_id``,
   which the scope filters, plus ``themes``), never schema- or catalog-qualified, never a CTE
   name that would hide a real table; no table functions except ``range``, ``generate_series``
   and ``unnest`` (they read nothing: date spines and list expansion; a runaway one is stopped
   by the time limit); no function that reads settings, the environment, files, the catalog or
   sequences; no parameters. The query that runs is sqlglot's re-generation of the checked tree,
   without comments, so nothing sqlglot did not see can reach DuckDB.
2. by DuckDB's own parser, on that exact text: one SELECT statement, and the same rules over its
   parse tree (``json_serialize_sql``), so a difference between the two parsers cannot open a gap.

For roles that must not see contact details (``voc.privacy``), the private columns
(customers.email/phone, feedback.text, cases.root_cause/action_taken) are masked at the source:
each such table is replaced by a subquery that masks them, before the analyst's SQL sees a row.
The root connection already disables external access and locks its configuration; the gate
does not rely on that. Every refusal raises ``SqlRefused`` and writes an ``sql_refused`` audit row;
nothing else changes. ``run_named`` runs a named query under a user's scope, auditing failures.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from voc import audit_log, privacy, queries
from voc import db as dbmod
from voc.scope import Scope, table_columns
from voc.users import User

SQL_ROLES = ("analyst", "admin")        # who may run ad-hoc SQL
DEFAULT_LIMIT = 10_000                  # rows returned unless the caller asks for fewer/more
MAX_LIMIT = 100_000
MAX_SQL_CHARS = 20_000
TIMEOUT_SECONDS = 30.0                  # a query still running after this is interrupted
AUDIT_SUCCESSFUL_SQL = True             # also record every query that ran (action 'sql_run')

EXTRA_TABLES = frozenset({"themes"})                       # allowed although they have no unit_id
PRIVATE_TABLES = frozenset({"meta", "users", "audit_log"})  # never, whatever columns they grow
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
DENIED_FUNCTIONS = frozenset({
    "current_setting", "getenv", "getvariable", "current_query", "current_query_id",
    "current_connection_id", "current_transaction_id", "txid_current", "current_database",
    "current_catalog", "current_schema", "current_schemas", "current_role", "current_user",
    "session_user", "user", "in_search_path", "nextval", "currval", "setseed", "write_log",
    "parse_duckdb_log_message", "col_description", "obj_description", "shobj_description",
    "get_block_size", "stats", "json_serialize_sql", "json_deserialize_sql",
    "json_execute_serialized_sql", "query", "query_table", "read_text", "read_blob", "glob",
    "sniff_csv", "which_secret", "checkpoint", "force_checkpoint", "sql_auto_complete",
})
DENIED_PREFIXES = ("read_", "parquet_", "duckdb_", "pragma_", "pg_", "has_", "sqlite_", "__internal",
                   "information_schema")
FORBIDDEN_NODES = tuple(getattr(exp, n) for n in (
    "Command", "Pragma", "Set", "Copy", "Create", "Insert", "Update", "Delete", "Drop", "Alter",
    "Attach", "Detach", "Use", "Describe", "Summarize", "Merge", "Transaction", "Commit", "Rollback",
    "Install", "Export", "LoadData", "Cache", "Uncache", "Refresh", "Analyze", "Kill", "Grant", "Revoke",
    "TruncateTable", "Show", "Execute", "Declare", "Lock", "Into") if hasattr(exp, n))
PARAMETER_NODES = tuple(getattr(exp, n) for n in ("Placeholder", "Parameter", "SessionParameter")
                        if hasattr(exp, n))
TABLE_REF_TYPES = {"BASE_TABLE", "JOIN", "SUBQUERY", "TABLE_FUNCTION", "EMPTY", "EXPRESSION_LIST", "PIVOT"}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class _QuietFallback(logging.Filter):
    """sqlglot warns when it falls back to a raw Command; the gate refuses those anyway."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_QuietFallback())


class SqlRefused(ValueError):
    """The gate refused the query; the message says why. Nothing was run."""


class SqlFailed(ValueError):
    """The query passed the gate but DuckDB could not run it (or it ran out of time)."""


def _denied(name: str) -> bool:
    name = name.lower()
    return name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES)


def _function_names(node: exp.Func) -> list[str]:
    if isinstance(node, exp.Anonymous):
        return [str(node.name)]
    return list(type(node).sql_names())


def user_scope(user: User, scope: Scope | None) -> Scope:
    """``scope`` if it is the user's own rights narrowed by filters; the user's scope if None."""
    if scope is None:
        return user.scope
    if scope.rights() != user.scope.rights():
        raise ValueError(f"scope {scope.key} is not the scope of {user.username}")
    return scope


# --------------------------------------------------------------------------------- sqlglot layer


def _check_tree(sql: str, allowed: set[str], relations: set[str]) -> exp.Expression:
    """Parse and check ``sql``; return the tree of its one query (SqlRefused otherwise)."""
    if not isinstance(sql, str) or not sql.strip():
        raise SqlRefused("there is no SQL to run")
    if len(sql) > MAX_SQL_CHARS:
        raise SqlRefused(f"the query is longer than {MAX_SQL_CHARS:,} characters")
    if "\x00" in sql:
        raise SqlRefused("the query contains a NUL character")
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except SqlglotError as exc:
        raise SqlRefused(f"the query could not be parsed: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise SqlRefused(f"exactly one statement may run; found {len(statements)} (remove the ';')")
    tree = statements[0]
    root = tree.unnest() if isinstance(tree, exp.Subquery) else tree
    if not isinstance(root, (exp.Select, exp.SetOperation)):
        words = re.findall(r"[A-Za-z_]+", re.sub(r"--[^\n]*|/\*.*?\*/", " ", sql, flags=re.S))
        raise SqlRefused(f"only a query (SELECT, WITH … SELECT, UNION) may run, not {(words or ['?'])[0].upper()}")
    for node in tree.walk():
        if isinstance(node, FORBIDDEN_NODES):
            raise SqlRefused(f"{type(node).__name__.upper()} is not allowed: the gate runs read-only queries only")
        if isinstance(node, PARAMETER_NODES):
            raise SqlRefused("parameters ($1, ?, $name) are not supported here: write the value itself")
        if isinstance(node, exp.Func):
            for name in _function_names(node):
                if _denied(name):
                    raise SqlRefused(f"function {name.lower()}() is not allowed: it reads settings, "
                                     "files, the catalog or system state")
    ctes = set()
    for cte in tree.find_all(exp.CTE):
        name = cte.alias_or_name.lower()
        if not _NAME.match(name) or name in relations or name in allowed or _denied(name):
            raise SqlRefused(f"the name {cte.alias_or_name!r} for a WITH query hides a table or is "
                             "not a plain name; choose another")
        ctes.add(name)
    for table in tree.find_all(exp.Table):
        _check_table(table, allowed, ctes)
    return tree


def _check_table(table: exp.Table, allowed: set[str], ctes: set[str]) -> None:
    target = table.this
    if not isinstance(target, exp.Identifier):
        if isinstance(target, exp.GenerateSeries) or (
                isinstance(target, exp.Anonymous) and str(target.name).lower() in TABLE_FUNCTIONS):
            return
        name = _function_names(target)[0].lower() if isinstance(target, exp.Func) else target.sql("duckdb")
        raise SqlRefused(f"table function or file {name!r} is not allowed; only warehouse tables "
                         f"and {', '.join(sorted(TABLE_FUNCTIONS))}() may be read")
    if table.args.get("db") or table.args.get("catalog"):
        raise SqlRefused(f"write table names without a schema or database: {table.sql('duckdb')!r} "
                         f"→ {table.name!r}")
    if table.args.get("when") or table.args.get("version"):
        raise SqlRefused("time travel (AT / VERSION) is not allowed")
    name = str(target.this).lower()
    if name in ctes:
        return
    if not _NAME.match(name) or name not in allowed:
        raise SqlRefused(f"table {target.this!r} is not available; tables you may read: {', '.join(sorted(allowed))}")


def _mask_sources(tree: exp.Expression, ctes: set[str]) -> exp.Expression:
    """Replace every private table by a subquery that masks its contact columns (same alias)."""
    for table in list(tree.find_all(exp.Table)):
        name = table.name.lower() if isinstance(table.this, exp.Identifier) else ""
        if name not in privacy.PRIVATE_COLUMNS or name in ctes:
            continue
        replaced = ", ".join(f"{privacy.mask_sql(column, kind)} as {column}"
                             for column, kind in privacy.PRIVATE_COLUMNS[name].items())
        inner = sqlglot.parse_one(f"select * replace ({replaced}) from {name}", read="duckdb")
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(name))
        replacement = exp.Subquery(this=inner, alias=alias.copy())
        if table.args.get("sample"):
            replacement.set("sample", table.args["sample"].copy())
        table.replace(replacement)
    return tree


def _with_limit(tree: exp.Expression, limit: int) -> exp.Expression:
    root = tree.unnest() if isinstance(tree, exp.Subquery) else tree
    if root.args.get("limit") is None and root.args.get("fetch") is None:
        return root.limit(limit + 1, copy=False)
    return exp.select("*").from_(root.subquery("gate_result")).limit(limit + 1)


# --------------------------------------------------------------------------------- DuckDB layer


def _walk(value):
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _check_duckdb(cur, sql: str, allowed: set[str], relations: set[str]) -> None:
    """The same rules over DuckDB's own parse of the exact text that will run."""
    statements = cur.extract_statements(sql)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise SqlRefused("DuckDB does not read this as exactly one SELECT statement")
    parsed = json.loads(cur.execute("select json_serialize_sql(?)", [sql]).fetchone()[0])
    if parsed.get("error") or len(parsed.get("statements", [])) != 1:
        raise SqlRefused(f"DuckDB could not check the query: {parsed.get('error_message', 'several statements')}")
    nodes = list(_walk(parsed["statements"]))
    ctes = {str(item.get("key", "")).lower() for node in nodes if isinstance(node.get("cte_map"), dict)
            for item in node["cte_map"].get("map", [])}
    if ctes & (relations | allowed):
        raise SqlRefused(f"a WITH query named {sorted(ctes & (relations | allowed))[0]!r} hides a table")
    for node in nodes:
        kind = node.get("type")
        if node.get("class") == "PARAMETER":
            raise SqlRefused("parameters are not supported here: write the value itself")
        if "class" not in node and "alias" in node and "sample" in node and kind not in TABLE_REF_TYPES:
            raise SqlRefused(f"{str(kind).lower().replace('_', ' ')} is not allowed in the FROM clause")
        if kind == "BASE_TABLE":
            name = str(node.get("table_name", "")).lower()
            if node.get("schema_name") or node.get("catalog_name"):
                raise SqlRefused(f"write table names without a schema or database ({name})")
            if node.get("at_clause"):
                raise SqlRefused("time travel (AT / VERSION) is not allowed")
            if name not in allowed and name not in ctes:
                raise SqlRefused(f"table {name!r} is not available")
        if kind == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = str(function.get("function_name", "")).lower()
            if name not in TABLE_FUNCTIONS or function.get("schema") or function.get("catalog"):
                raise SqlRefused(f"table function {name!r} is not allowed")
        if "function_name" in node:
            name = str(node["function_name"])
            if _denied(name) or node.get("schema") or node.get("catalog"):
                raise SqlRefused(f"function {name}() is not allowed")


# --------------------------------------------------------------------------------- running


def _allowed_tables(cur, catalog: str) -> tuple[set[str], set[str]]:
    """(tables the gate allows, every relation name the connection knows, lower-case)."""
    allowed = (set(table_columns(cur, catalog)) | EXTRA_TABLES) - PRIVATE_TABLES
    relations = {r[0].lower() for r in cur.execute(
        "select table_name from duckdb_tables() union all select view_name from duckdb_views()").fetchall()}
    return {t for t in allowed if t in relations}, relations


def _execute(cur, sql: str) -> pd.DataFrame:
    timer = threading.Timer(TIMEOUT_SECONDS, cur.interrupt)
    timer.start()
    try:
        return cur.execute(sql).df()
    except duckdb.InterruptException:
        raise SqlFailed(f"the query was stopped after {TIMEOUT_SECONDS:g} seconds; "
                        "aggregate more or read a rollup") from None
    except duckdb.Error as exc:
        raise SqlFailed(str(exc).splitlines()[0]) from None
    finally:
        timer.cancel()


def check(sql: str, user: User, database=None, *, scope: Scope | None = None, limit: int = DEFAULT_LIMIT) -> str:
    """The exact SQL the gate would run for ``user`` (SqlRefused if it would refuse); runs nothing."""
    database = database or dbmod.get()
    with database.read(user_scope(user, scope), pooled=False) as cur:
        return _prepare(cur, database, sql, user, limit)


def _prepare(cur, database, sql: str, user: User, limit: int) -> str:
    if user.role not in SQL_ROLES:
        raise SqlRefused(f"the {user.role} role may not run SQL; ask an analyst")
    allowed, relations = _allowed_tables(cur, database.catalog)
    try:
        tree = _check_tree(sql, allowed, relations)
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        if privacy.needs_masking(user.role):
            tree = _mask_sources(tree, ctes)
        final = _with_limit(tree, limit).sql(dialect="duckdb", comments=False)
        _check_duckdb(cur, final, allowed, relations)
    except RecursionError:
        raise SqlRefused("the query is nested too deeply to be checked") from None
    except (duckdb.Error, SqlglotError) as exc:
        raise SqlRefused(f"the query could not be checked: {str(exc).splitlines()[0]}") from None
    return final


def run_sql(sql: str, user: User, database=None, *, scope: Scope | None = None,
            limit: int = DEFAULT_LIMIT, via: str | None = None) -> pd.DataFrame:
    """Run ``sql`` for ``user`` under their scope; at most ``limit`` rows (``frame.attrs['truncated']``).

    ``scope`` may narrow the user's own scope with filters (never widen it); ``via`` says in the
    audit row where the query came from (``cli:<os user>``, ``app``).
    """
    database = database or dbmod.get()
    extra = {"via": via} if via else {}
    limit = max(1, min(int(limit), MAX_LIMIT))
    started = time.monotonic()
    try:
        with database.read(user_scope(user, scope), pooled=False) as cur:
            final = _prepare(cur, database, sql, user, limit)
            frame = _execute(cur, final)
    except SqlRefused as exc:
        audit_log.record(database, user, "sql_refused", None, {"sql": sql, "reason": str(exc), **extra}, "refused")
        raise
    except SqlFailed as exc:
        audit_log.record(database, user, "sql_failed", None, {"sql": sql, "error": str(exc), **extra}, "error")
        raise
    truncated = len(frame) > limit
    if truncated:
        frame = frame.iloc[:limit]
    if AUDIT_SUCCESSFUL_SQL:
        audit_log.record(database, user, "sql_run", None, {
            "sql": sql, "rows": len(frame), "truncated": truncated,
            "ms": round((time.monotonic() - started) * 1000), **extra}, "ok")
    frame.attrs.update(truncated=truncated, limit=limit)
    return frame


def run_named(name: str, params: dict | None, user: User, database=None, *,
              scope: Scope | None = None, via: str | None = None) -> pd.DataFrame:
    """``queries.run`` under ``user``'s scope, contact details masked for roles that need it."""
    database = database or dbmod.get()
    extra = {"via": via} if via else {}
    try:
        frame = queries.run(name, params, scope=user_scope(user, scope), database=database)
    except queries.QueryError as exc:
        audit_log.record(database, user, "query_failed", name, {"params": params, "error": str(exc), **extra}, "failed")
        raise
    except duckdb.Error as exc:
        audit_log.record(database, user, "query_failed", name, {"params": params, "error": str(exc), **extra}, "error")
        raise
    return privacy.mask_frame(frame, user.role)
