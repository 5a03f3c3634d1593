"""Mapping files: how the columns of one source file become rows of canonical tables.

A mapping is YAML (see ``voc/ingest/examples/``)::

    source: qualtrics_nps          # names the source for freshness and re-imports
    file: export.csv               # relative to the mapping file (``--file`` overrides)
    csv: {delimiter: auto, encoding: auto, header_rows: 3}
    on_error: quarantine           # or reject: refuse the whole file if any row is invalid
    as_of: 2024-01-31              # the date a snapshot describes (for derived dates)
    org_units: [{unit_id: acme, name: Acme, level: company}]
    tables:
      feedback:
        feedback_id: ResponseId                       # rename
        submitted_at: {from: EndDate, format: "%m/%d/%Y %H:%M"}
        nps: {from: Q1}
        csat: {from: Sat10, scale: {from: [1, 10], to: [1, 5]}}
        solicited: {from: Invited, map: {"Yes": true, "No": false}}
        unit_id: {from: State, map: {CA: us_west, NY: us_east}}   # a derived column
        source: {value: survey}                       # a constant

Column keys: ``from`` (source column), ``value`` (constant), ``as_of: true`` with optional
``minus_months``/``minus_days`` (a source column of months or days to subtract), ``format``
(strptime formats, one or a list), ``map`` (source value -> value) with ``map_other``
(``error``, ``keep`` or ``null`` for values the map lacks), ``scale`` (linear conversion of a
score scale), ``lookup: org_unit`` (an org unit given by name or id), ``trunc: month``,
``default`` (used when the source value is blank). A table may have ``when: {Column: value}``
to load only some rows (``churn_events`` only where ``Churn`` is ``Yes``).
Free SQL is never accepted: every transform is one of these, compiled by ``voc.ingest.transform``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from voc.ingest import canonical

FORMATS = ("csv", "parquet", "excel")
POLICIES = ("reject", "quarantine")
COLUMN_KEYS = {"from", "value", "as_of", "minus_months", "minus_days", "format", "map", "map_other",
               "scale", "lookup", "trunc", "default"}
TOP_KEYS = {"source", "file", "format", "csv", "excel", "on_error", "as_of", "org_units", "tables",
            "enrich", "description", "null_values"}
CSV_KEYS = {"delimiter", "encoding", "header_rows", "quote"}
DEFAULT_NULLS = ("", "NA", "N/A", "n/a", "NULL", "null", "None", "#N/A")


class MappingError(ValueError):
    """The mapping file is wrong; the message names the key and how to fix it."""


@dataclass(frozen=True)
class ColumnSpec:
    target: str
    source: str | None = None
    value: object = None
    has_value: bool = False
    as_of: bool = False
    minus_months: str | None = None
    minus_days: str | None = None
    formats: tuple[str, ...] = ()
    map: tuple[tuple[str, object], ...] = ()
    map_other: str = "error"
    scale: tuple[float, float, float, float] | None = None
    lookup: str | None = None
    trunc: str | None = None
    default: object = None

    def sources(self) -> list[str]:
        """The source columns this column reads."""
        return [c for c in (self.source, self.minus_months, self.minus_days) if c]

    def describe(self) -> str:
        return self.source or ("as-of date" if self.as_of else repr(self.value))


@dataclass(frozen=True)
class TargetSpec:
    table: str
    columns: tuple[ColumnSpec, ...]
    when: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def spec(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.target == name), None)


@dataclass(frozen=True)
class CsvOptions:
    delimiter: str | None = None     # None: detect
    encoding: str | None = None      # None: detect
    header_rows: int = 1             # the first names the columns; the others are skipped
    quote: str = '"'


@dataclass(frozen=True)
class Mapping:
    source: str
    format: str | None
    file: Path | None
    csv: CsvOptions
    sheet: str | int | None
    on_error: str
    as_of: dt.date | None
    org_units: tuple[dict, ...]
    targets: tuple[TargetSpec, ...]
    enrich: bool
    null_values: tuple[str, ...]
    digest: str = field(default="", compare=False)   # sha256 of the mapping's content

    def source_columns(self) -> set[str]:
        cols = {c for t in self.targets for spec in t.columns for c in spec.sources()}
        return cols | {c for t in self.targets for c, _ in t.when}


def _fail(where: str, message: str):
    raise MappingError(f"{where}: {message}")


def _text(value, where: str) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or str(value).strip() == "":
        _fail(where, f"expected a column name or text, got {value!r}")
    return str(value)


def _scale(raw, where: str):
    try:
        (a, b), (c, d) = raw["from"], raw["to"]
        a, b, c, d = float(a), float(b), float(c), float(d)
    except (TypeError, KeyError, ValueError):
        _fail(where, "scale takes {from: [low, high], to: [low, high]}, e.g. {from: [1, 10], to: [1, 5]}")
    if a == b:
        _fail(where, "scale: the source range is empty")
    return (a, b, c, d)


def _column(target: str, raw, table: canonical.Table, where: str) -> ColumnSpec:
    if target not in table.names:
        _fail(where, f"'{table.name}' has no column '{target}'; its columns are {', '.join(table.names)}")
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        return ColumnSpec(target, source=str(raw))
    if not isinstance(raw, dict):
        _fail(where, "give a source column name or a mapping such as {from: Column}")
    unknown = set(raw) - COLUMN_KEYS
    if unknown:
        _fail(where, f"unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(COLUMN_KEYS))}")
    picked = [k for k in ("from", "value", "as_of") if k in raw]
    if len(picked) != 1:
        _fail(where, "say where the value comes from with exactly one of from, value or as_of")
    formats = raw.get("format", ())
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    if not all(isinstance(f, str) and "%" in f for f in formats):
        _fail(where, "format takes strptime patterns such as '%d/%m/%Y' or '%Y-%m-%d %H:%M:%S'")
    value_map = raw.get("map") or {}
    if not isinstance(value_map, dict):
        _fail(where, "map takes {source value: value}")
    if raw.get("map_other", "error") not in ("error", "keep", "null"):
        _fail(where, "map_other is one of error, keep, null")
    if raw.get("lookup") not in (None, "org_unit"):
        _fail(where, "lookup supports org_unit (an org unit given by its name or id)")
    if raw.get("trunc") not in (None, "month"):
        _fail(where, "trunc supports month")
    if ("minus_months" in raw or "minus_days" in raw) and "as_of" not in raw:
        _fail(where, "minus_months and minus_days count back from the as-of date: add as_of: true")
    return ColumnSpec(
        target, source=_text(raw["from"], where) if "from" in raw else None,
        value=raw.get("value"), has_value="value" in raw, as_of=bool(raw.get("as_of")),
        minus_months=_text(raw["minus_months"], where) if "minus_months" in raw else None,
        minus_days=_text(raw["minus_days"], where) if "minus_days" in raw else None,
        formats=formats, map=tuple((_key(k), v) for k, v in value_map.items()),
        map_other=raw.get("map_other", "error"), scale=_scale(raw["scale"], where) if "scale" in raw else None,
        lookup=raw.get("lookup"), trunc=raw.get("trunc"), default=raw.get("default"))


def _key(value) -> str:
    """Map keys compare with the source text: YAML's True/False/1 are written back as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _target(name: str, raw, where: str) -> TargetSpec:
    try:
        table = canonical.table(name)
    except KeyError as exc:
        _fail(where, str(exc.args[0]))
    if not isinstance(raw, dict) or not raw:
        _fail(where, "list the table's columns, e.g. customer_id: CustomerID")
    raw = dict(raw)
    when = raw.pop("when", {}) or {}
    if not isinstance(when, dict):
        _fail(f"{where}.when", "when takes {SourceColumn: value or [values]}")
    conditions = tuple((str(k), tuple(_key(v) for v in (vals if isinstance(vals, list) else [vals])))
                       for k, vals in when.items())
    columns = tuple(_column(str(t), spec, table, f"{where}.{t}") for t, spec in raw.items())
    given = {c.target for c in columns}
    missing = [c.name for c in table.columns
               if c.required and c.name not in given and not c.fill_from_customer
               and not (name == "feedback" and c.name == "solicited")]
    if missing:
        _fail(where, f"required column(s) {', '.join(missing)} have no mapping")
    return TargetSpec(name, columns, conditions)


def parse(raw: dict, base: Path | None = None) -> Mapping:
    """Check a mapping read from YAML; ``base`` is the folder relative file paths start from."""
    if not isinstance(raw, dict):
        raise MappingError("a mapping file is a YAML mapping with at least 'source' and 'tables'")
    unknown = set(raw) - TOP_KEYS
    if unknown:
        _fail("mapping", f"unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(TOP_KEYS))}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.replace("_", "").replace("-", "").isalnum():
        _fail("source", "name the source with letters, digits, '-' or '_' (e.g. qualtrics_nps)")
    fmt = raw.get("format")
    if fmt is not None and fmt not in FORMATS:
        _fail("format", f"one of {', '.join(FORMATS)}")
    csv_raw = raw.get("csv") or {}
    if set(csv_raw) - CSV_KEYS:
        _fail("csv", f"unknown key(s) {sorted(set(csv_raw) - CSV_KEYS)}; allowed: {', '.join(sorted(CSV_KEYS))}")
    delimiter = csv_raw.get("delimiter", "auto")
    if delimiter not in ("auto", None) and (not isinstance(delimiter, str) or len(delimiter) != 1):
        _fail("csv.delimiter", "one character, e.g. ',' ';' '|' or '\\t' (or auto)")
    header_rows = csv_raw.get("header_rows", 1)
    if not isinstance(header_rows, int) or not 1 <= header_rows <= 20:
        _fail("csv.header_rows", "a whole number from 1 (the row of column names, then any rows to skip)")
    encoding = csv_raw.get("encoding", "auto")
    if encoding not in ("auto", None):
        import codecs
        try:
            codecs.lookup(encoding)
        except LookupError:
            _fail("csv.encoding", f"unknown encoding {encoding!r} (e.g. utf-8, utf-8-sig, gbk, cp1252)")
    policy = raw.get("on_error", "reject")
    if policy not in POLICIES:
        _fail("on_error", "reject (refuse the file if any row is invalid) or quarantine (load the valid rows)")
    as_of = raw.get("as_of")
    if as_of is not None and not isinstance(as_of, dt.date):
        try:
            as_of = dt.date.fromisoformat(str(as_of))
        except ValueError:
            _fail("as_of", "a date written YYYY-MM-DD")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    tables = raw.get("tables")
    if not isinstance(tables, dict) or not tables:
        _fail("tables", "map at least one canonical table, e.g. tables: {customers: {...}}")
    order = {name: i for i, name in enumerate(canonical.LOAD_ORDER)}
    targets = tuple(sorted((_target(str(n), spec, f"tables.{n}") for n, spec in tables.items()),
                           key=lambda t: order[t.table]))
    for t in targets:
        for c in t.columns:
            if c.as_of and as_of is None:
                _fail(f"tables.{t.table}.{c.target}", "uses the as-of date, but the mapping has no as_of")
    org_units = raw.get("org_units") or []
    if not isinstance(org_units, list) or not all(isinstance(u, dict) and {"unit_id", "name", "level"} <= set(u)
                                                  for u in org_units):
        _fail("org_units", "a list of {unit_id, name, level[, parent_id]}")
    file = raw.get("file")
    sheet = (raw.get("excel") or {}).get("sheet")
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    return Mapping(
        source=source, format=fmt,
        file=(Path(base or ".") / file).resolve() if file else None,
        csv=CsvOptions(None if delimiter in ("auto", None) else delimiter,
                       None if encoding in ("auto", None) else encoding, header_rows,
                       csv_raw.get("quote", '"')),
        sheet=sheet, on_error=policy, as_of=as_of, org_units=tuple(org_units), targets=targets,
        enrich=bool(raw.get("enrich", True)),
        null_values=tuple(str(v) for v in raw.get("null_values", DEFAULT_NULLS)), digest=digest)


def load(path: str | Path) -> Mapping:
    """Read and check the mapping file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MappingError(f"no mapping file at {path}") from None
    return loads(text, path.resolve().parent)


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so that map keys such as Yes, No, On stay text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")))


def loads(text: str, base: Path | None = None) -> Mapping:
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise MappingError(f"the mapping is not valid YAML: {exc}") from None
    return parse(raw, base)
