"""``python -m voc bench pages``: server-side time of every page, cold and warm, against base tables.

For each page (run as the first demo persona allowed to open it) the benchmark
times a full script run through Streamlit's AppTest:

* first after start: Streamlit's caches cleared and the database re-opened, so DuckDB's
  buffers are empty too (the first visit after the app starts);
* cold: Streamlit's caches cleared, the database connection kept (what a visitor waits
  for when nobody has asked for these numbers since the last load);
* warm: the same run again, caches filled;
* base tables: cold, with every rollup replaced by a view that computes it from the
  base tables, i.e. the same numbers computed straight from the raw facts.

It prints the median of ``repeats`` runs of each and the process's peak memory.
"""
from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

from voc import config


def _database_for(customers: int, db_path: str | None, progress) -> Path:
    path = Path(db_path) if db_path else config.ROOT / "data" / f"bench-{customers}.duckdb"
    if not path.exists():
        from voc import demo

        print(f"Building a {customers:,}-customer demo database at {path} (reused next time)…", file=sys.stderr)
        demo.build(path, customers=customers, progress=progress)
    return path


def _timed_run(page: str, persona: str, *, cold: bool, reopen: bool = False, base_tables: bool = False) -> float:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from voc import db

    at = AppTest.from_file(str(config.ROOT / "app.py"), default_timeout=600)
    at.session_state["persona"] = persona
    at.run()
    at.switch_page(str(config.ROOT / page))
    if cold:
        st.cache_data.clear()
    if reopen:
        db.forget(config.db_path())
    database = db.get()
    database.rollups_as_views = base_tables
    try:
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
    finally:
        database.rollups_as_views = False
    if at.exception:
        raise RuntimeError(f"{page} as {persona} raised: {at.exception[0].value}")
    return elapsed


def bench_pages(customers: int = 1_000_000, db_path: str | None = None, repeats: int = 3, progress=None) -> list[dict]:
    from voc import navigation, users

    path = _database_for(customers, db_path, progress)
    os.environ["VOC_DB"] = str(path)
    rows = []
    for spec in navigation.PAGES:
        persona = next(u for u in users.DEMO_PERSONAS if u.role in spec.roles)
        first = [_timed_run(spec.path, persona.username, cold=True, reopen=True) for _ in range(repeats)]
        cold = [_timed_run(spec.path, persona.username, cold=True) for _ in range(repeats)]
        warm = [_timed_run(spec.path, persona.username, cold=False) for _ in range(repeats)]
        base = [_timed_run(spec.path, persona.username, cold=True, base_tables=True) for _ in range(repeats)]
        rows.append({"page": spec.title, "persona": persona.username, "first_s": statistics.median(first),
                     "cold_s": statistics.median(cold), "warm_s": statistics.median(warm),
                     "base_tables_s": statistics.median(base)})
    return rows


def print_pages(rows: list[dict], customers: int) -> None:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPage timings at {customers:,} customers (median server-side seconds per full run)\n")
    print("| page | persona | first after start | cold | warm | from base tables (cold) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['page']} | {r['persona']} | {r['first_s']:.3f} | {r['cold_s']:.3f} | {r['warm_s']:.3f} "
              f"| {r['base_tables_s']:.3f} |")
    print(f"\nPeak memory of the process serving the pages: {peak_mb:,.0f} MB")
