"""Named queries: ``queries/*.sql``, loaded, checked and run read-only under a scope.

Each file starts with a three-line header::

    -- returns: what one row says
    -- grain: the columns that identify a row (or "one row")
    -- params: start date, end date, segments varchar[] = null

Parameters are DuckDB named parameters (``$start``). The header is the contract: the
SQL must use exactly the declared parameters, a call must bind exactly those (an
optional one, ``= null``, may be left out), and values are converted to the declared
type or refused with a message that says which parameter was wrong and why.
``run`` is the only function in the application that reads the warehouse.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from voc import config
from voc import db as dbmod
from voc.scope import ALL, Scope

TYPES = ("date", "timestamp", "varchar", "integer", "double", "boolean", "varchar[]")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PARAM_USE = re.compile(r"\$([a-z_][a-z0-9_]*)")
_PARAM_DECL = re.compile(r"^([a-z_][a-z0-9_]*)\s+(varchar\[\]|[a-z]+)(\s*=\s*null)?$")


class QueryError(ValueError):
    """A query file or a call to it is wrong; the message says how to fix it."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    optional: bool


@dataclass(frozen=True)
class NamedQuery:
    name: str
    returns: str
    grain: tuple[str, ...]
    params: tuple[Param, ...]
    sql: str
    path: Path

    @property
    def body(self) -> str:
        """The SQL without its comment lines (the header included)."""
        return uncommented(self.sql)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


def uncommented(text: str) -> str:
    """``text`` without its ``--`` comment lines."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def _header_value(lines: list[str], index: int, label: str, path: Path) -> str:
    prefix = f"-- {label}:"
    if len(lines) <= index or not lines[index].lower().startswith(prefix):
        raise QueryError(f"{path.name}, line {index + 1}: expected a header line '{prefix} ...'")
    return lines[index][len(prefix):].strip()


def parse(path: Path) -> NamedQuery:
    """Read one query file and check its header against its SQL."""
    name = path.stem
    if not _NAME.match(name):
        raise QueryError(f"{path.name}: query names are lower-case letters, digits and underscores")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    returns = _header_value(lines, 0, "returns", path)
    grain_text = _header_value(lines, 1, "grain", path)
    params_text = _header_value(lines, 2, "params", path)
    grain = () if grain_text.lower() == "one row" else tuple(g.strip() for g in grain_text.split(","))
    params = []
    if params_text.lower() != "none":
        for item in params_text.split(","):
            m = _PARAM_DECL.match(item.strip())
            if not m or m.group(2) not in TYPES:
                raise QueryError(
                    f"{path.name}, line 3: cannot read parameter '{item.strip()}'; "
                    f"write 'name type' with a type among {', '.join(TYPES)}"
                )
            params.append(Param(m.group(1), m.group(2), bool(m.group(3))))
    used = set(_PARAM_USE.findall(uncommented(text)))
    declared = {p.name for p in params}
    if used != declared:
        raise QueryError(
            f"{path.name}: the header declares {sorted(declared) or 'no parameters'} "
            f"but the SQL uses {sorted(used) or 'none'}"
        )
    return NamedQuery(name, returns, grain, tuple(params), text, path)


@lru_cache(maxsize=4)
def _load(directory: Path, stamp: tuple) -> dict[str, NamedQuery]:
    return {p.stem: parse(p) for p in sorted(directory.glob("*.sql"))}


def catalog(directory: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries, re-read when a file changes."""
    directory = Path(directory or config.QUERIES_DIR)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.sql")))
    return _load(directory, stamp)


def get(name: str) -> NamedQuery:
    queries = catalog()
    if name not in queries:
        raise QueryError(f"There is no query named '{name}'. Known queries: {', '.join(sorted(queries))}")
    return queries[name]


def _convert(param: Param, value):
    if value is None:
        if param.optional:
            return None
        raise QueryError(f"parameter '{param.name}' is required ({param.type})")
    try:
        if param.type == "date":
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            return dt.date.fromisoformat(str(value))
        if param.type == "timestamp":
            if isinstance(value, dt.datetime):
                return value
            return dt.datetime.fromisoformat(str(value))
        if param.type == "varchar":
            if not isinstance(value, str):
                raise TypeError("expected text")
            return value
        if param.type == "integer":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise TypeError("expected a whole number")
            return int(value)
        if param.type == "double":
            return float(value)
        if param.type == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).lower()
            if text in ("true", "1", "yes"):
                return True
            if text in ("false", "0", "no"):
                return False
            raise ValueError("expected true or false")
        if param.type == "varchar[]":
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise TypeError("expected a list of text values")
            return list(value)
    except (TypeError, ValueError) as exc:
        raise QueryError(f"parameter '{param.name}' must be a {param.type}: {value!r} ({exc})") from None
    raise QueryError(f"parameter '{param.name}' has unknown type {param.type}")


def bind(query: NamedQuery, params: dict | None) -> dict:
    """Check and convert the values for ``query``; refuse unknown or missing ones."""
    params = dict(params or {})
    unknown = set(params) - {p.name for p in query.params}
    if unknown:
        raise QueryError(
            f"query '{query.name}' takes {[p.name for p in query.params] or 'no parameters'}; "
            f"unknown: {sorted(unknown)}"
        )
    return {p.name: _convert(p, params.get(p.name)) for p in query.params}


def run(name: str, params: dict | None = None, *, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Run the named query read-only under ``scope`` and return its rows."""
    query = get(name)
    values = bind(query, params)
    database = database or dbmod.get()
    with database.read(scope) as cur:
        return cur.execute(query.sql, values).df()
