"""Validation of a whole file before anything is written: types, ranges, required fields,
vocabularies, dates in the future, spreadsheet formulas, oversized text, duplicates and
references (feedback to customers, every row to a known org unit, ...).

Everything runs as a few set-based statements on the write cursor: the source is an Arrow table
registered as ``src``; ``transform`` turns it into typed columns with conversion errors
(``_conv_<table>``); one more statement per table adds the row rules and writes
``_stage_<table>`` with the final types and ``_errors``, the list of every reason the row was
refused. Rows of earlier tables in the same file count as known references for later ones
(customers before their feedback). No Python runs per row.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import pyarrow as pa

from voc.ingest import canonical, transform
from voc.ingest.mapping import Mapping, TargetSpec
from voc.ingest.readers import DELIMITERS, FileError, Source
from voc.ingest.transform import Params, quote

_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")

# A value that a spreadsheet would run as a formula when the data is exported again:
# =..., @..., or + / - followed by something other than a number or a space ("-5", "- fine" pass).
FORMULA = r"^\s*[=@]|^[+-][^0-9\s.,+-]"
INT_BOUNDS = {"tinyint": (-128, 127), "integer": (-2**31, 2**31 - 1), "bigint": (-2**63, 2**63 - 1)}


@dataclass
class Staged:
    tables: list[str]
    counts: dict[str, dict] = field(default_factory=dict)    # table -> {read, valid, rejected}
    rejects: pa.Table | None = None                          # _row, table, reasons, record


def check_columns(mapping: Mapping, source: Source) -> None:
    """Every source column the mapping reads must be in the file (else a clear error, nothing staged)."""
    present = set(source.columns)
    missing = sorted(mapping.source_columns() - present)
    if not missing:
        return
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, source.columns, n=1, cutoff=0.6)
        if close:
            hints.append(f"'{name}' (did you mean '{close[0]}'?)")
        else:
            hints.append(f"'{name}'")
    message = f"column(s) {', '.join(hints)} named in the mapping are not in the file"
    if len(source.columns) == 1 and any(d in source.columns[0] for d in DELIMITERS):
        message += (f"; the file was read as a single column '{source.columns[0][:80]}', so its delimiter is "
                    f"probably not {source.delimiter!r}: set csv.delimiter in the mapping")
    else:
        shown = ", ".join(source.columns[:30]) + (", ..." if len(source.columns) > 30 else "")
        message += f". The file's columns are: {shown}"
    raise FileError(message)


def _inline_units(mapping: Mapping) -> pa.Table:
    rows = [{"unit_id": str(u["unit_id"]), "name": str(u["name"]), "parent_id": u.get("parent_id"),
             "level": str(u["level"])} for u in mapping.org_units]
    return pa.Table.from_pylist(rows, schema=pa.schema([("unit_id", pa.string()), ("name", pa.string()),
                                                        ("parent_id", pa.string()), ("level", pa.string())]))


def stage(cur, mapping: Mapping, source: Source, *, now, enrich=None, taxonomy_themes=()) -> Staged:
    """Stage and check every target table of ``mapping`` on ``cur``; nothing is written to the warehouse."""
    check_columns(mapping, source)
    cur.register("src", source.table)
    units = _inline_units(mapping)
    bad_levels = [u["unit_id"] for u in units.to_pylist() if u["level"] not in canonical.LEVELS]
    if bad_levels:
        raise FileError(f"org_units in the mapping: unknown level for {bad_levels}; levels are {canonical.LEVELS}")
    cur.register("_inline_units_arrow", units)
    cur.execute("create or replace temp table _inline_units as select * from _inline_units_arrow")
    cur.execute("""create or replace temp table _unit_names as
        select lower(unit_id) as key, unit_id from main.org_units
        union select lower(name), unit_id from main.org_units
        union select lower(unit_id), unit_id from _inline_units
        union select lower(name), unit_id from _inline_units""")
    cur.execute("create or replace temp table _taxonomy_themes (theme_id varchar)")
    if taxonomy_themes:
        cur.execute("insert into _taxonomy_themes select unnest(?::varchar[])", [list(taxonomy_themes)])
    staged = Staged([t.table for t in mapping.targets])
    kinds = transform.source_kinds(source.table.schema)
    for target in mapping.targets:
        params = Params()
        sql, _ = transform.select_sql(target, transform.Compiler(mapping, kinds, params))
        cur.execute(f"create or replace temp table _conv_{target.table} as {sql}", params.values)
        enriched = enrich(cur, target) if enrich and target.table == "feedback" else False
        _check(cur, target, enriched, now, staged)
    return staged


def _keys_table(cur, ref_table: str, ref_column: str, staged: Staged) -> str:
    name = f"_keys_{ref_table}"
    parts = [f"select {ref_column} as key from main.{ref_table}"]
    if ref_table == "org_units":
        parts.append("select unit_id from _inline_units")
    if ref_table == "themes":
        parts.append("select theme_id from _taxonomy_themes")
    if ref_table in staged.counts:
        parts.append(f"select {ref_column} from _stage_{ref_table} where len(_errors) = 0")
    cur.execute(f"create or replace temp table {name} as " + " union ".join(parts))
    return name


def _check(cur, target: TargetSpec, enriched: bool, now, staged: Staged) -> None:
    table = canonical.table(target.table)
    mapped = {c.target for c in target.columns}
    params = Params()
    joins, select, checks = [], ["s._row"], []
    exprs: dict[str, str] = {}
    need_customers = "customer_id" in mapped and table.name != "customers"
    if need_customers:
        own = "select customer_id, unit_id, segment from _stage_customers where len(_errors) = 0" \
            if "customers" in staged.counts else ("select null::varchar as customer_id, null::varchar as unit_id, "
                                                    "null::varchar as segment where false")
        cur.execute(f"""create or replace temp table _known_customers as
            select * from ({own}) o
            union all
            select customer_id, unit_id, segment from main.customers
            where customer_id not in (select customer_id from ({own}) x where customer_id is not null)""")
        joins.append("left join _known_customers kc on kc.customer_id = s.customer_id")
    if enriched:
        joins.append("left join _enrichment e on e._row = s._row")
    for col in table.columns:
        name, q = col.name, quote(col.name)
        if name in mapped:
            expr = f"s.{q}"
        elif col.fill_from_customer and need_customers:
            expr = f"kc.{q}"
        elif table.name == "feedback" and name == "solicited":
            expr = "(lower(s.source) = 'survey')" if "source" in mapped else "null"
        else:
            expr = "null"
        if enriched and name in ("language", "sentiment", "themes"):
            expr = f"coalesce({expr}, e.{q})" if name in mapped else f"e.{q}"
        elif name in mapped and col.fill_from_customer and need_customers:
            expr = f"coalesce(s.{q}, kc.{q})"
        if col.allowed:
            expr = f"lower({expr})"
        exprs[name] = expr
        select.append(f"{expr} as {q}")
    if need_customers:
        select.append("kc.customer_id is not null as _customer_known")
    key = ", ".join(quote(k) for k in table.key)
    base = f"select {', '.join(select)}, s._errors as _e0 from _conv_{table.name} s {' '.join(joins)}"
    # Duplicate keys: one hash aggregate over the keys (cheaper than a window over every row), read
    # from the converted rows when the keys are taken from them as they are, and joined back.
    keyed = f"_conv_{table.name}" if all(exprs[k] == f"s.{quote(k)}" for k in table.key) else "base"
    all_keys = " and ".join(f"{quote(k)} is not null" for k in table.key)
    dups = (f"select {key}, count(*) as _dups from {keyed} where {all_keys} group by {key} having count(*) > 1")
    on = " and ".join(f"d.{quote(k)} = b.{quote(k)}" for k in table.key)

    for col in table.columns:
        q, label = quote(col.name), f"'{col.name}'"  # canonical names are fixed identifiers
        if col.required:  # blank, unless the value was there but could not be converted (already reported)
            checks.append(f"case when {q} is null and (len(_e0) = 0 or not list_bool_or("
                          f"[starts_with(x, {params(col.name + ' (from')}) for x in _e0]) is not distinct "
                          f"from true) then {label} || ' is required but blank' end")
        if col.low is not None or col.high is not None:
            lo = -1e300 if col.low is None else col.low
            hi = 1e300 if col.high is None else col.high
            span = f"{col.low:g}-{col.high:g}" if col.high is not None else f"at least {col.low:g}"
            checks.append(f"case when {q} < {params(lo)} or {q} > {params(hi)} then {label} || ': ' || "
                          f"cast({q} as varchar) || {params(' is outside ' + span)} end")
        if col.kind == "integer":
            lo, hi = INT_BOUNDS[col.type]
            checks.append(f"case when {q} <> round({q}) then {label} || ': ' || cast({q} as varchar) || "
                          f"' is not a whole number' end")
            checks.append(f"case when {q} < {lo} or {q} > {hi} then {label} || ': ' || cast({q} as varchar) || "
                          f"' is too large' end")
        digits = _DECIMAL.fullmatch(col.type)
        if digits:  # decimal(p, s) holds less than 10^(p - s) once rounded to s places
            places, limit = int(digits.group(2)), 10 ** (int(digits.group(1)) - int(digits.group(2)))
            checks.append(f"case when round(abs({q}), {places}) >= {limit} then {label} || ': ' || "
                          f"cast({q} as varchar) || ' is too large (the limit is {limit:,})' end")
        if col.allowed:
            checks.append(f"case when {q} is not null and not list_contains({params(list(col.allowed))}, {q}) "
                          f"then {label} || ': ' || '''' || left({q}, 40) || ''' is not one of ' || "
                          f"{params(', '.join(col.allowed))} end")
        if col.past:
            checks.append(f"case when {q} > cast({params(now)} as timestamp) + interval 1 day then {label} || "
                          f"': ' || cast({q} as varchar) || ' is in the future' end")
        if col.kind == "text":
            checks.append(f"case when length({q}) > {col.max_length} then {label} || ': ' || "
                          f"cast(length({q}) as varchar) || ' characters, more than the {col.max_length:,} allowed' end")
            checks.append(f"case when left(ltrim({q}), 1) in ('=', '@', '+', '-') and regexp_matches({q}, {params(FORMULA)}) then {label} || ': ' || '''' || "
                          f"left({q}, 40) || ''' starts like a spreadsheet formula (=, +, -, @); "
                          f"refused so that it can never run when exported' end")
        if col.references and col.name != "customer_id":
            ref_table, ref_col = col.references.split(".")
            keys = _keys_table(cur, ref_table, ref_col, staged)
            checks.append(f"case when {q} is not null and {q} not in (select key from {keys}) then {label} || ': ' || "
                          f"'''' || left({q}, 40) || ''' is not a known ' || {params(ref_table)} end")
    if need_customers:
        checks.append("case when customer_id is not null and not _customer_known then 'customer_id: ''' || "
                      "left(customer_id, 40) || ''' is not a known customer (not in customers)' end")
    for later, earlier in table.order_checks:
        checks.append(f"case when {quote(later)} < {quote(earlier)} then '{later} is before {earlier}' end")
    checks.append(f"case when _dups > 1 and {' and '.join(quote(k) + ' is not null' for k in table.key)} then "
                  f"'duplicate {'/'.join(table.key)}: ' || '''' || "
                  + " || ', ' || ".join(f"cast({quote(k)} as varchar)" for k in table.key)
                  + " || ''' appears ' || _dups || ' times in the file' end")
    final = ", ".join(f"try_cast({quote(c.name)} as {c.type}) as {quote(c.name)}" for c in table.columns)
    cur.execute(f"""create or replace temp table _stage_{table.name} as
        with base as ({base}), dups as ({dups}),
             counted as (select b.*, coalesce(d._dups, 1) as _dups from base b left join dups d on {on})
        select _row, {final},
               list_concat(_e0, list_filter([{', '.join(checks)}]::varchar[], lambda e: e is not null)) as _errors
        from counted""", params.values)
    read, valid = cur.execute(f"select count(*), count(*) filter (where len(_errors) = 0) "
                              f"from _stage_{table.name}").fetchall()[0]
    staged.counts[table.name] = {"read": read, "valid": valid, "rejected": read - valid}


def rejects(cur, staged: Staged) -> pa.Table:
    """Every refused row: its spreadsheet row, the table, the reasons, and the source record as JSON."""
    if not staged.tables:
        return pa.table({"row": pa.array([], pa.int64())})
    union = " union all ".join(f"select _row, '{t}' as target, _errors from _stage_{t} where len(_errors) > 0"
                               for t in staged.tables)
    return cur.sql(f"""select r._row as row, r.target as "table", array_to_string(r._errors, '; ') as reasons,
                                  left(to_json(src)::varchar, 4000) as record
                           from ({union}) r join src on src._row = r._row order by r._row, r.target""").to_arrow_table()
