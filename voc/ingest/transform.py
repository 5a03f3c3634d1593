"""Compile a mapping's column transforms into SQL over the registered source table ``src``.

Each canonical column becomes one typed SQL expression plus the checks that explain why a row's
value could not be made (not a number, not a date in the given format, a value the map lacks, a
score outside its source scale, an unknown org unit). Values from the mapping (map entries,
formats, constants, the as-of date) are bound parameters; source column names are quoted
identifiers. Numbers stay ``double`` until ``validate`` has checked their range, so an NPS of
300 is reported as out of range rather than as an overflow.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from voc.ingest import canonical
from voc.ingest.mapping import ColumnSpec, Mapping, TargetSpec
from voc.scope import quote  # the one identifier quoting (the ingest modules import it from here)

TRUE_WORDS = ["true", "t", "yes", "y", "1", "on"]
FALSE_WORDS = ["false", "f", "no", "n", "0", "off"]


@dataclass
class Params:
    """Bound values, named $p0, $p1, ..."""
    values: dict = field(default_factory=dict)

    def __call__(self, value) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


@dataclass
class Compiled:
    value: str                               # typed expression (null when the value is bad or blank)
    checks: list[tuple[str, str]]            # (condition, message expression)
    joins: list[str] = field(default_factory=list)


def _show(expr: str) -> str:
    """A value as it appears in a message: quoted, clipped."""
    return f"('''' || left(cast({expr} as varchar), 60) || '''')"


class Compiler:
    """Compiles column specs; values used more than once (a cleaned source column, a converted
    value that its check tests again) are computed once, as columns of the subqueries that
    ``select_sql`` wraps around ``src`` (``bound[0]``: over the source columns, ``bound[1]``: over
    those), instead of once per reference: DuckDB does not share them between CASE branches."""

    def __init__(self, mapping: Mapping, source_types: dict[str, str], params: Params):
        self.mapping = mapping
        self.types = source_types     # source column -> 'text', 'number', 'temporal', 'other'
        self.p = params
        self._joins = 0
        self.bound: tuple[list[tuple[str, str]], list[tuple[str, str]]] = ([], [])  # (expression, column)
        self._cleaned: dict[str, str] = {}
        prefix = "__voc_"
        while any(name.startswith(prefix) for name in source_types):
            prefix = "_" + prefix
        self._prefix = prefix     # a prefix no source column name starts with

    def _bind(self, expr: str, level: int) -> str:
        name = quote(f"{self._prefix}{sum(len(b) for b in self.bound)}")
        self.bound[level].append((expr, name))
        return f"src.{name}"

    def _clean(self, column: str) -> str:
        ref = f"src.{quote(column)}"
        if self.types.get(column) != "text":
            return ref
        if column not in self._cleaned:
            nulls = list(self.mapping.null_values)
            longest = max((len(v) for v in nulls), default=0)
            self._cleaned[column] = self._bind(
                f"(case when length({ref}) <= {longest} and list_contains({self.p(nulls)}, trim({ref})) then null "
                f"else trim({ref}) end)", 0)
        return self._cleaned[column]

    def _number(self, expr: str, label: str, checks: list, bind: bool = True) -> str:
        value = f"try_cast({expr} as double)"
        if bind:
            value = self._bind(value, 1)
        checks.append((f"{expr} is not null and {value} is null",
                       f"{self.p(label)} || ': ' || {_show(expr)} || ' is not a number'"))
        return value

    def column(self, target: canonical.Column, spec: ColumnSpec) -> Compiled:
        label = f"{target.name} (from {spec.describe()})"
        checks: list[tuple[str, str]] = []
        joins: list[str] = []
        if spec.as_of:
            value = f"cast({self.p(self.mapping.as_of)} as date)"
            for unit, source in (("to_months", spec.minus_months), ("to_days", spec.minus_days)):
                if source:
                    n = self._number(self._clean(source), f"{target.name} (from {source})", checks)
                    checks.append((f"{n} is not null and ({n} <> round({n}) or {n} < 0)",
                                   f"{self.p(f'{target.name} (from {source})')} || ': ' || {_show(n)} "
                                   f"|| ' is not a whole, non-negative number'"))
                    value = f"cast({value} - {unit}(cast({n} as integer)) as date)"
            return self._finish(target, spec, value, checks, joins, temporal=True)
        if spec.has_value:
            raw = self.p(None if spec.value is None else _text(spec.value))
            kind_of_source = "text"
        else:
            raw = self._clean(spec.source)
            kind_of_source = self.types.get(spec.source, "text")
        if spec.default is not None:
            raw = f"coalesce({raw}, {self.p(_text(spec.default))})"
        if spec.map:
            keys = self.p([k.lower() for k, _ in spec.map])
            values = self.p([None if v is None else _text(v) for _, v in spec.map])
            text = f"lower(cast({raw} as varchar))"
            mapped = f"{values}[list_position({keys}, {text})]"
            missing = f"{raw} is not null and list_position({keys}, {text}) is null"
            if spec.map_other == "error":
                shown = ", ".join(k for k, _ in spec.map[:8]) + (", ..." if len(spec.map) > 8 else "")
                checks.append((missing, f"{self.p(label)} || ': ' || {_show(raw)} || "
                                        f"{self.p(' is not in the value map (' + shown + ')')}"))
            raw = f"coalesce({mapped}, cast({raw} as varchar))" if spec.map_other == "keep" else mapped
            kind_of_source = "text"
        if spec.lookup == "org_unit":
            self._joins += 1
            alias = f"u{self._joins}"
            joins.append(f"left join _unit_names {alias} on {alias}.key = lower(cast({raw} as varchar))")
            checks.append((f"{raw} is not null and {alias}.unit_id is null",
                           f"{self.p(label)} || ': no org unit is named or identified by ' || {_show(raw)}"))
            raw = f"{alias}.unit_id"
        return self._finish(target, spec, raw, checks, joins, source_kind=kind_of_source, label=label)

    def _finish(self, target, spec, raw, checks, joins, *, temporal=False, source_kind="text", label=""):
        kind = target.kind
        label = label or target.name
        if temporal:
            value = raw
        elif kind in ("integer", "number"):
            value = raw if source_kind == "number" else self._number(raw, label, checks, bind=not joins)
            if spec.scale:
                a, b, c, d = spec.scale
                lo, hi = min(a, b), max(a, b)
                checks.append((f"{value} < {lo} or {value} > {hi}",
                               f"{self.p(label)} || ': ' || {_show(value)} || "
                               f"{self.p(f' is outside the source scale {lo:g}-{hi:g}')}"))
                value = f"({c} + ({value} - {a}) * ({d - c}) / ({b - a}))"
                if kind == "integer":
                    value = f"round({value})"
        elif kind == "boolean":
            text = f"lower(cast({raw} as varchar))"
            value = (f"(case when list_contains({self.p(TRUE_WORDS)}, {text}) then true "
                     f"when list_contains({self.p(FALSE_WORDS)}, {text}) then false end)")
            checks.append((f"{raw} is not null and {value} is null",
                           f"{self.p(label)} || ': ' || {_show(raw)} || ' is not yes/no or true/false'"))
        elif kind in ("date", "timestamp"):
            if source_kind == "temporal":
                value = f"cast({raw} as timestamp)"
            else:
                if spec.formats:
                    value = f"try_strptime(cast({raw} as varchar), {self.p(list(spec.formats))})"
                else:
                    value = f"try_cast({raw} as timestamp)"
                if not joins:     # a lookup's value comes from a join, made after the bound columns
                    value = self._bind(value, 1)
            expected = " or ".join(spec.formats) if spec.formats else "YYYY-MM-DD [HH:MM:SS]"
            checks.append((f"{raw} is not null and {value} is null",
                           f"{self.p(label)} || ': ' || {_show(raw)} || {self.p(' is not a date (expected ' + expected + ')')}"))
        elif kind == "list":
            value = f"list_filter(list_transform(string_split(cast({raw} as varchar), ';'), lambda x: trim(x)), lambda x: x <> '')"
        else:
            value = f"cast({raw} as varchar)"
        if kind in ("date", "timestamp") and spec.trunc == "month":
            value = f"date_trunc('month', {value})"
        if kind == "date":
            value = f"cast({value} as date)"
        elif kind == "timestamp":
            value = f"cast({value} as timestamp)"
        return Compiled(value, checks, joins)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def source_kinds(schema) -> dict[str, str]:
    """The kind of each source column of an Arrow schema."""
    import pyarrow.types as pt

    kinds = {}
    for f in schema:
        t = f.type
        if pt.is_string(t) or pt.is_large_string(t):
            kinds[f.name] = "text"
        elif pt.is_integer(t) or pt.is_floating(t) or pt.is_decimal(t):
            kinds[f.name] = "number"
        elif pt.is_timestamp(t) or pt.is_date(t):
            kinds[f.name] = "temporal"
        else:
            kinds[f.name] = "other"
    return kinds


def select_sql(target: TargetSpec, compiler: Compiler) -> tuple[str, list[str]]:
    """``select _row, <typed columns>, <conversion errors as _errors> from src ...`` for one table."""
    table = canonical.table(target.table)
    columns, messages, joins = [], [], []
    for spec in target.columns:
        compiled = compiler.column(table.column(spec.target), spec)
        columns.append(f"{compiled.value} as {quote(spec.target)}")
        messages += [f"case when {cond} then {msg} end" for cond, msg in compiled.checks]
        joins += compiled.joins
    where = []
    for column, values in target.when:
        where.append(f"list_contains({compiler.p([v.lower() for v in values])}, "
                     f"lower(trim(cast(src.{quote(column)} as varchar))))")
    errors = f"list_filter([{', '.join(messages)}]::varchar[], lambda e: e is not null)" if messages else "[]::varchar[]"
    source = "src"
    for bound in compiler.bound:
        if bound:
            source = f"(select src.*, {', '.join(f'{e} as {n}' for e, n in bound)} from {source} src)"
    sql = (f"select src._row, {', '.join(columns)}, {errors} as _errors from {source} src "
           + " ".join(joins) + (" where " + " and ".join(where) if where else ""))
    return sql, [spec.target for spec in target.columns]
