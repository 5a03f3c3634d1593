"""``python -m voc``: the command line (demo data, named queries, benchmarks)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from voc import config


def _progress_printer(stream=sys.stderr):
    started = time.monotonic()

    def report(fraction: float, message: str) -> None:
        width = 30
        filled = int(round(width * max(0.0, min(1.0, fraction))))
        elapsed = time.monotonic() - started
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:5.0%} {elapsed:6.1f}s {message:<50}")
        if fraction >= 1.0:
            stream.write("\n")
        stream.flush()

    return report


def _cmd_demo(args) -> int:
    from voc import demo

    path = args.db or config.db_path()
    print(f"Building the demo company ({args.customers:,} customers, seed {args.seed}) into {path}", file=sys.stderr)
    started = time.monotonic()
    truth = demo.build(path, customers=args.customers, seed=args.seed, end=args.end, progress=_progress_printer())
    print(f"Done in {time.monotonic() - started:.1f}s: {path}; ground truth ({len(truth['effects'])} effects) "
          f"beside it.", file=sys.stderr)
    return 0


def _parse_params(items: list[str]) -> dict:
    params: dict = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"--param takes key=value, got {item!r}")
        key, value = item.split("=", 1)
        if key in params:  # repeated keys build a list (for varchar[] parameters)
            params[key] = (params[key] if isinstance(params[key], list) else [params[key]]) + [value]
        else:
            params[key] = value
    return params


def _cmd_query(args) -> int:
    from voc import db, queries

    params = _parse_params(args.param)
    query = queries.get(args.name)
    for p in query.params:  # list parameters given once arrive as a single string
        if p.type == "varchar[]" and isinstance(params.get(p.name), str):
            params[p.name] = [params[p.name]]
    if args.as_user:
        from voc import auth_cli

        return auth_cli.query_as(args, params)
    frame = queries.run(args.name, params, database=db.get(args.db) if args.db else None)
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", force_ascii=False) + "\n")
    else:
        print(frame.to_string(index=False))
    return 0


def _cmd_bench(args) -> int:
    from voc import bench

    if args.what == "pages":
        rows = bench.bench_pages(args.customers, args.db, args.repeats, progress=_progress_printer())
        bench.print_pages(rows, args.customers)
    elif args.what == "import":
        from voc.ingest import bench as ingest_bench

        ingest_bench.print_import(ingest_bench.bench_import(args.rows, args.verbatims, progress=_progress_printer()))
    return 0


def _cmd_import(args) -> int:
    from voc.ingest import cli as ingest_cli

    return ingest_cli.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m voc", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the deterministic demo company database")
    demo.add_argument("--customers", type=int, default=20_000, help="number of customers (default 20,000)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    demo.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 10, 31),
                      help="last day of the 24 simulated months (YYYY-MM-DD)")
    demo.add_argument("--db", help="database file (default: $VOC_DB or data/voc.duckdb)")
    demo.set_defaults(func=_cmd_demo)

    query = sub.add_parser("query", help="run a named query from queries/")
    query.add_argument("name")
    query.add_argument("--param", action="append", metavar="KEY=VALUE", help="a parameter (repeat for lists)")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.add_argument("--db", help="database file (default: $VOC_DB or data/voc.duckdb)")
    query.set_defaults(func=_cmd_query)
    from voc import auth_cli

    auth_cli.add_query_options(query)
    auth_cli.register(sub)

    from voc.ingest import cli as ingest_cli

    imp = sub.add_parser("import", help="import a CSV, Parquet or Excel file through a mapping (YAML)")
    ingest_cli.add_arguments(imp)
    imp.set_defaults(func=_cmd_import)

    from voc.loop import cli as loop_cli

    loop = sub.add_parser("loop", help="closed loop: open follow-up cases by the case rules, escalate overdue ones")
    loop_cli.add_arguments(loop)
    loop.set_defaults(func=loop_cli.run)

    from voc import story_cli

    story = sub.add_parser("story", help="export a published story to HTML or PDF; publish; list versions")
    story_cli.add_arguments(story)
    story.set_defaults(func=story_cli.run)

    bench = sub.add_parser("bench", help="print performance figures")
    bench.add_argument("what", choices=("pages", "import"))
    bench.add_argument("--rows", type=int, default=1_000_000, help="import: structured rows")
    bench.add_argument("--verbatims", type=int, default=100_000, help="import: verbatims to enrich")
    bench.add_argument("--customers", type=int, default=1_000_000)
    bench.add_argument("--repeats", type=int, default=3)
    bench.add_argument("--db", help="reuse or build this database (default data/bench-N.duckdb)")
    bench.set_defaults(func=_cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    from voc.db import DatabaseBusy, DatabaseMissing
    from voc.queries import QueryError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (QueryError, DatabaseMissing, DatabaseBusy, FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
