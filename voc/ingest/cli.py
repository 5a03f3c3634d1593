"""``python -m voc import MAPPING.yaml [--file F] [--db PATH] [--dry-run] [--policy P] [--report CSV]``.

Registered by voc/cli.py (``add_arguments`` on the ``import`` sub-parser, ``run`` as its function).
The import runs here when the database file is free, else inside the app that holds it (job
``import``, see voc/jobs.py). A database path that does not exist yet is created empty first
(bring your own data into a new warehouse). Exit status: 0 loaded/unchanged/checked, 1 refused.
"""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

from voc import config, jobs
from voc import db as dbmod


def add_arguments(parser) -> None:
    parser.add_argument("mapping", help="the mapping file (YAML), see voc/ingest/examples/")
    parser.add_argument("--file", help="the data file (default: the mapping's 'file')")
    parser.add_argument("--db", help="database file (default: $VOC_DB or data/voc.duckdb); created if missing")
    parser.add_argument("--dry-run", action="store_true", help="validate and report only; write nothing")
    parser.add_argument("--policy", choices=("reject", "quarantine"),
                        help="override the mapping's on_error: refuse the file, or load the valid rows")
    parser.add_argument("--report", metavar="CSV", help="write every rejected row and why to this CSV file")


def run(args) -> int:
    from voc import migrate
    from voc.ingest import load  # noqa: F401 - registers the 'import' job in this process

    path = Path(args.db or config.db_path()).resolve()
    if not path.exists():
        con = dbmod.create(path)
        migrate.set_meta(con, "kind", "imported")
        con.close()
        print(f"Created an empty warehouse at {path}", file=sys.stderr)
    job = {"mapping": str(Path(args.mapping).resolve()), "file": str(Path(args.file).resolve()) if args.file else None,
           "dry_run": bool(args.dry_run), "policy": args.policy, "actor": f"cli:{getpass.getuser()}",
           "report_path": str(Path(args.report).resolve()) if args.report else None}
    try:
        result = jobs.run("import", job, db_path=path)
    except jobs.JobFailed as exc:  # refused inside the app: the message carries the headline
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - every ingest error class carries a readable message
        from voc.ingest.report import ImportRejected

        if isinstance(exc, ImportRejected):
            print(exc.report.summary(), file=sys.stderr)
            if args.report:
                print(f"Every rejected row and why: {args.report}", file=sys.stderr)
            return 1
        if type(exc).__name__ in ("MappingError", "FileError", "TaxonomyError"):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise
    print(_summary(result))
    return 0


def _summary(result: dict) -> str:
    lines = [result["headline"]]
    for table, c in result["tables"].items():
        extra = f", {c.get('new', 0):,} new, {c.get('changed', 0):,} changed" if "new" in c else ""
        lines.append(f"  {table}: {c['read']:,} rows, {c['valid']:,} valid, {c['rejected']:,} rejected{extra}")
    if result.get("enrichment"):
        e = result["enrichment"]
        lines.append(f"  enrichment: {e['verbatims']:,} verbatims, languages {e['languages']}, {e['tagged']:,} tagged")
    for theme in result.get("discovered", []):
        lines.append(f"  possible new theme: '{theme['phrase']}' ({theme['language']}, {theme['verbatims']} verbatims)")
    for r in result["rejects"][:20]:
        lines.append(f"  row {r['row']} [{r['table']}]: {r['reasons']}")
    if result["rows_rejected"] > 20:
        lines.append("  ... write every rejected row with --report FILE")
    lines.append("  time: " + ", ".join(f"{k} {v:.2f}s" for k, v in result["seconds"].items()))
    return "\n".join(lines)
