"""Loading a file: read, validate, enrich, then write in ONE transaction (all or nothing).

* Validation happens before anything is written (``voc.ingest.validate``); with ``on_error:
  reject`` one invalid row refuses the file, with ``quarantine`` the valid rows load and the
  others are kept in ``import_rejects`` with their reasons.
* Idempotent: rows are compared with the warehouse by key; only new and changed rows are
  written, and a file whose every row is already there, imported before with the same mapping,
  changes nothing at all (status ``unchanged``, no ``imports`` row, no new generation).
* The whole write (rows, rollup rebuild, the ``imports`` record, quarantined rows, the audit
  row) is one ``Database.write()`` transaction: a process killed in the middle leaves the file
  as it was, and readers keep their MVCC snapshot, neither blocked nor shown half a load. The
  commit bumps the database generation, so the app's caches show the new data at once.
* A command-line import while the app holds the file runs inside the app (job ``import``).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pyarrow as pa

from voc import audit_log, jobs, rollups
from voc import db as dbmod
from voc.ingest import canonical, enrich, readers, validate
from voc.ingest import mapping as mapping_mod
from voc.ingest import taxonomy as tx
from voc.ingest.report import REJECT_SCHEMA, ImportRejected, Report
from voc.ingest.transform import quote


class _Rollback(Exception):
    """Ends the transaction without writing (dry run, unchanged re-import)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _rejects(cur, staged, source) -> pa.Table:
    found = validate.rejects(cur, staged).cast(REJECT_SCHEMA) if staged.tables else REJECT_SCHEMA.empty_table()
    if source.bad_rows:
        bad = pa.Table.from_pylist([{"row": None, "table": None, "reasons": b["reason"], "record": b["record"]}
                                    for b in source.bad_rows], schema=REJECT_SCHEMA)
        found = pa.concat_tables([bad, found])
    return found


def _write_table(cur, name: str, valid: int) -> dict:
    """Write the valid staged rows of ``name``: changed rows replace theirs, new rows are appended.

    Straight from ``_stage_<name>`` (no intermediate copy of the rows): into an empty table every
    valid row is new (one plain insert); otherwise the rows whose key is there with other values
    are replaced first, then the rows whose key is not there (anti-join) are inserted. Valid
    staged keys are unique (duplicates are rejected), so new + changed + same = valid.
    """
    table = canonical.table(name)
    cols = ", ".join(quote(c) for c in table.names)
    from_stage = ", ".join(f"s.{quote(c)}" for c in table.names)
    on = " and ".join(f"s.{quote(k)} = t.{quote(k)}" for k in table.key)
    other = [c for c in table.names if c not in table.key]
    differs = f"row({', '.join('s.' + quote(c) for c in other)}) is distinct from row({', '.join('t.' + quote(c) for c in other)})"
    new = changed = 0
    if valid:
        if not cur.execute(f"select count(*) from (select 1 from main.{name} limit 1)").fetchall()[0][0]:
            new = _count(cur.execute(f"insert into main.{name} ({cols}) select {from_stage} from _stage_{name} s "
                                     "where len(s._errors) = 0"))
        else:
            changed = _count(cur.execute(
                f"""insert or replace into main.{name} ({cols}) select {from_stage}
                    from _stage_{name} s join main.{name} t on {on}
                    where len(s._errors) = 0 and {differs}"""))
            new = _count(cur.execute(
                f"""insert into main.{name} ({cols}) select {from_stage} from _stage_{name} s
                    where len(s._errors) = 0 and not exists (select 1 from main.{name} t where {on})"""))
    latest = cur.execute(f"select max(s.{quote(table.latest)}) from _stage_{name} s where len(s._errors) = 0"
                         ).fetchall()[0][0] if table.latest and valid else None
    return {"new": new, "changed": changed, "same": valid - new - changed, "latest": latest}


def _count(result) -> int:
    rows = result.fetchall()
    return int(rows[0][0]) if rows else 0


def _already_imported(cur, mapping, source) -> bool:
    return bool(cur.execute("select count(*) from imports where source = ? and file_sha256 = ? and mapping_sha256 = ?",
                            [mapping.source, source.sha256, mapping.digest]).fetchall()[0][0])


def run(mapping: mapping_mod.Mapping | str | Path, database: dbmod.Database, *, file: str | Path | None = None,
        dry_run: bool = False, policy: str | None = None, actor: str = "cli", progress=None,
        now: dt.datetime | None = None, taxonomy: tx.Taxonomy | None = None) -> Report:
    """Import one file; returns the report, raises ``ImportRejected`` (nothing written) when refused."""
    progress = progress or (lambda fraction, message: None)
    if not isinstance(mapping, mapping_mod.Mapping):
        mapping = mapping_mod.load(mapping)
    path = Path(file) if file else mapping.file
    if path is None:
        raise mapping_mod.MappingError("the mapping names no file: add 'file:' to it or pass --file")
    policy = policy or mapping.on_error
    now = now or _now()
    timings, started = {}, time.perf_counter()
    progress(0.05, f"reading {path.name}")
    source = readers.read(path, mapping)
    timings["read"] = time.perf_counter() - started
    report = Report(mapping.source, path.name, policy, format=source.format, encoding=source.encoding,
                    delimiter=source.delimiter, rows_read=source.table.num_rows + len(source.bad_rows))
    taxonomy = taxonomy or (tx.load() if mapping.enrich else None)
    discovered: list = []
    hook = enrich.stage_hook(taxonomy, discovered) if taxonomy else None
    try:
        with (_scratch(database) if dry_run else database.write()) as cur:
            mark = time.perf_counter()
            progress(0.2, "validating")
            staged = validate.stage(cur, mapping, source, now=now, enrich=hook,
                                    taxonomy_themes=[t.theme_id for t in taxonomy.themes] if taxonomy else ())
            report.tables = staged.counts
            report.rejects = _rejects(cur, staged, source)
            report.discovered = discovered
            if "feedback" in staged.counts and hook and hook.ran:
                report.enrichment = _enrichment_summary(cur)
            timings["validate"] = time.perf_counter() - mark
            nothing_valid = all(c["valid"] == 0 for c in staged.counts.values())
            if report.rejects.num_rows and (policy == "reject" or nothing_valid) and not dry_run:
                report.status = "rejected"
                raise ImportRejected(report)
            if dry_run:
                raise _Rollback
            progress(0.5, "writing")
            mark = time.perf_counter()
            _write(cur, mapping, source, report, taxonomy, progress)
            timings["write"] = time.perf_counter() - mark
            changed = sum(c.get("new", 0) + c.get("changed", 0) for c in report.tables.values())
            if not changed and not report.rows_rejected and _already_imported(cur, mapping, source):
                report.status = "unchanged"
                raise _Rollback
            report.status = "partial" if report.rows_rejected else "loaded"
            progress(0.8, "rebuilding rollups")
            mark = time.perf_counter()
            report.rollups = rollups.rebuild_after(cur, _written_tables(mapping, report, taxonomy))
            timings["rollups"] = time.perf_counter() - mark
            _record(cur, mapping, source, report, actor, now, policy)
            progress(0.95, "committing")
    except _Rollback:
        pass
    timings["total"] = time.perf_counter() - started
    report.seconds = {k: round(v, 3) for k, v in timings.items()}
    progress(1.0, report.status)
    return report


class _scratch:
    """A transaction that is always rolled back (dry runs): nothing is written, no generation bump."""

    def __init__(self, database):
        self.database = database

    def __enter__(self):
        self.cur = self.database.cursor()
        self.cur.execute("begin transaction")
        return self.cur

    def __exit__(self, *exc):
        self.cur.execute("rollback")
        self.cur.close()
        return False


def _write(cur, mapping, source, report: Report, taxonomy, progress) -> None:
    if mapping.org_units:
        cur.execute("insert or replace into main.org_units by name select * from _inline_units")
    if taxonomy and "feedback" in report.tables:
        cur.register("_taxonomy_rows", pa.Table.from_pylist(taxonomy.theme_rows()))
        cur.execute("insert or replace into main.themes by name select * from _taxonomy_rows")
    latest = []
    for i, name in enumerate(report.tables):
        progress(0.5 + 0.3 * i / max(len(report.tables), 1), f"writing {name}")
        changes = _write_table(cur, name, report.tables[name]["valid"])
        newest = changes.pop("latest")
        if newest is not None:
            latest.append(_as_datetime(newest))
        report.tables[name].update(changes)
    report.latest_record = max(latest) if latest else None


def _written_tables(mapping, report: Report, taxonomy) -> set[str]:
    """The warehouse tables ``_write`` may have changed (the rollups that read them are rebuilt)."""
    written = {name for name, c in report.tables.items() if c.get("new", 0) or c.get("changed", 0)}
    if mapping.org_units:
        written.add("org_units")
    if taxonomy and "feedback" in report.tables:
        written.add("themes")
    return written


def _as_datetime(value):
    if isinstance(value, dt.datetime) or value is None:
        return value
    return dt.datetime.combine(value, dt.time())


def _enrichment_summary(cur) -> dict:
    n, tagged = cur.execute("select count(*), count(themes) from _enrichment").fetchall()[0]
    languages = dict(cur.execute("select coalesce(language, 'none'), count(*) from _enrichment group by 1 "
                                 "order by 2 desc").fetchall())
    return {"verbatims": n, "tagged": tagged, "languages": languages}


def _record(cur, mapping, source, report: Report, actor: str, now, policy: str) -> None:
    totals = {k: sum(c.get(k, 0) for c in report.tables.values()) for k in ("new", "changed")}
    detail = json.dumps({"tables": report.tables, "enrichment": report.enrichment, "discovered": report.discovered,
                         "format": source.format, "encoding": source.encoding, "delimiter": source.delimiter},
                        default=str, ensure_ascii=False)
    report.import_id = cur.execute(
        """insert into imports (source, tables, file_name, file_sha256, mapping_sha256, policy, status, actor,
                                started_at, finished_at, rows_read, rows_loaded, rows_rejected, rows_new,
                                rows_changed, latest_record, detail)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning import_id""",
        [mapping.source, list(report.tables), report.file, source.sha256, mapping.digest, policy, report.status,
         actor, now, _now(), report.rows_read, report.rows_loaded, report.rows_rejected, totals["new"],
         totals["changed"], report.latest_record, detail]).fetchall()[0][0]
    if report.rejects.num_rows:
        cur.register("_quarantine", report.rejects)
        cur.execute("insert into import_rejects select ?, row, \"table\", reasons, record from _quarantine",
                    [report.import_id])
    audit_log.record(cur, actor, "data_imported", mapping.source,
                     {"import_id": report.import_id, "file": report.file, "status": report.status,
                      "rows_loaded": report.rows_loaded, "rows_rejected": report.rows_rejected})


@jobs.handler("import")
def import_job(database: dbmod.Database, mapping: str, file: str | None = None, dry_run: bool = False,
               policy: str | None = None, actor: str = "cli", report_path: str | None = None) -> dict:
    """The ``import`` job: run in whichever process holds the database; the report comes back as JSON."""
    try:
        report = run(mapping, database, file=file, dry_run=dry_run, policy=policy, actor=actor)
    except ImportRejected as exc:
        if report_path:
            Path(report_path).write_bytes(exc.report.rejects_csv())
        raise
    if report_path:
        Path(report_path).write_bytes(report.rejects_csv())
    return report.to_dict()
