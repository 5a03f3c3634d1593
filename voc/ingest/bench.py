"""``python -m voc bench import``: import throughput, validation and enrichment included.

Builds a scratch warehouse (org units and 20,000 customers) in a temporary folder, writes
generated files, and times full imports into fresh copies of it:

* structured rows: orders (id, customer, three timestamps, amount) from Parquet and from CSV;
  every row is type-checked, range-checked, checked for duplicates, future dates and its
  customer reference, its unit filled from the customer, and written in one transaction;
* verbatims: survey answers with free text (60% English, 40% Chinese) from CSV, with language
  detection, segmentation, theme tagging and sentiment.

Figures are rows per second for read + validate (+ enrich) + write, and for the whole import
including the rollup rebuild and the commit.
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

TARGETS = {"parquet": 200_000, "csv": 50_000, "verbatims": 5_000}
CUSTOMERS = 20_000
UNITS = ("north", "south", "east", "west")
EN = ["My parcel arrived three days late.", "Great value for money, love it!", "I was charged twice this month.",
      "The app keeps logging me out.", "Support was kind and patient with me.", "The box arrived crushed.",
      "Prices have gone up way too much.", "Delivery was super fast, thanks.", "Nobody answered my email for days.",
      "It would be nice to choose a delivery slot.", "Too much plastic packaging.", "Okay, nothing special."]
ZH = ["包裹晚到了三天，非常不满意。", "性价比很高，很划算。", "这个月被扣了两次钱。", "App老是自动退出登录。", "客服态度很好，很有耐心。",
      "箱子送到的时候已经压扁了。", "涨价涨得太多了。", "送货很快，第二天就到了。", "塑料包装太多了。", "还可以吧。"]


def _base(folder: Path) -> Path:
    from voc import db

    path = folder / "base.duckdb"
    con = db.create(path)
    con.execute("insert into org_units values ('acme', 'Acme', null, 'company')")
    con.executemany("insert into org_units values (?, ?, 'acme', 'region')", [(u, u.title()) for u in UNITS])
    con.execute(f"""insert into customers select printf('C%06d', i), ['north','south','east','west'][1 + i % 4],
                    ['starter','plus'][1 + i % 2], 'US', 'basic', date '2024-01-01' + (i % 300)::integer, null, null
                    from range({CUSTOMERS}) t(i)""")
    con.close()
    return path


def _orders(n: int, rng) -> pa.Table:
    start = np.datetime64("2025-01-01T00:00:00")
    ordered = start + rng.integers(0, 600 * 86400, n).astype("timedelta64[s]")
    return pa.table({
        "OrderNumber": pa.array(np.char.add("O", np.arange(n).astype(str))),
        "Customer": pa.array(np.char.add("C", np.char.zfill(rng.integers(0, CUSTOMERS, n).astype(str), 6))),
        "OrderedAt": ordered, "PromisedAt": ordered + np.timedelta64(3 * 86400, "s"),
        "DeliveredAt": ordered + rng.integers(86400, 6 * 86400, n).astype("timedelta64[s]"),
        "Amount": np.round(rng.gamma(2.0, 30.0, n), 2)})


def _verbatims(n: int, rng) -> pa.Table:
    zh = rng.random(n) < 0.4
    texts = np.where(zh, np.array(ZH, dtype=object)[rng.integers(0, len(ZH), n)],
                     np.array(EN, dtype=object)[rng.integers(0, len(EN), n)])
    days = rng.integers(0, 300, n)
    return pa.table({"ResponseId": pa.array(np.char.add("R", np.arange(n).astype(str))),
                     "Customer": pa.array(np.char.add("C", np.char.zfill(rng.integers(0, CUSTOMERS, n).astype(str), 6))),
                     "EndDate": pa.array(np.datetime64("2025-06-01") + days.astype("timedelta64[D]")).cast(pa.string()),
                     "Q1": rng.integers(0, 11, n), "Comment": pa.array(texts, pa.string())})


ORDERS_MAPPING = {"source": "bench_orders", "on_error": "reject", "tables": {"orders": {
    "order_id": "OrderNumber", "customer_id": "Customer", "ordered_at": "OrderedAt", "promised_at": "PromisedAt",
    "delivered_at": "DeliveredAt", "amount": "Amount"}}}
SURVEY_MAPPING = {"source": "bench_survey", "on_error": "reject", "tables": {"feedback": {
    "feedback_id": "ResponseId", "customer_id": "Customer", "source": {"value": "survey"},
    "submitted_at": "EndDate", "nps": "Q1", "text": "Comment"}}}


def _import(base: Path, folder: Path, name: str, mapping: dict, file: Path) -> dict:
    from voc import db
    from voc.ingest import load
    from voc.ingest import mapping as mp

    target = folder / f"{name}.duckdb"
    shutil.copyfile(base, target)
    database = db.get(target)
    try:
        report = load.run(mp.parse(mapping, folder), database, file=file, actor="bench")
    finally:
        db.forget(target)
        target.unlink(missing_ok=True)
    return report.seconds | {"rows": report.rows_read, "status": report.status}


def bench_import(rows: int = 1_000_000, verbatims: int = 100_000, progress=None) -> list[dict]:
    progress = progress or (lambda f, m: None)
    rng = np.random.default_rng(7)
    results = []
    with tempfile.TemporaryDirectory(prefix="voc-bench-import-") as tmp:
        folder = Path(tmp)
        progress(0.0, "building the scratch warehouse")
        base = _base(folder)
        orders = _orders(rows, rng)
        pq.write_table(orders, folder / "orders.parquet")
        pcsv.write_csv(orders, folder / "orders.csv")
        survey = _verbatims(verbatims, rng)
        pcsv.write_csv(survey, folder / "survey.csv")
        for i, (name, mapping, file, unit) in enumerate((
                ("parquet", ORDERS_MAPPING, "orders.parquet", "rows"), ("csv", ORDERS_MAPPING, "orders.csv", "rows"),
                ("verbatims", SURVEY_MAPPING, "survey.csv", "verbatims"))):
            progress(0.1 + 0.3 * i, f"importing {file}")
            r = _import(base, folder, name, mapping, folder / file)
            loaded = r["read"] + r["validate"] + r["write"]
            results.append({"what": name, "unit": unit, "rows": r["rows"], "status": r["status"],
                            "seconds_load": loaded, "seconds_total": r["total"],
                            "per_second": r["rows"] / loaded, "per_second_total": r["rows"] / r["total"],
                            "target": TARGETS[name], **{k: r[k] for k in ("read", "validate", "write", "rollups")}})
    progress(1.0, "done")
    return results


def print_import(results: list[dict], stream=sys.stdout) -> None:
    print(f"{'import':<10} {'rows':>10} {'read':>6} {'check':>6} {'write':>6} {'rollup':>6}  "
          f"{'rows/s (load)':>14} {'rows/s (all)':>13} {'target':>8}", file=stream)
    for r in results:
        ok = "ok" if r["per_second"] >= r["target"] else "BELOW"
        print(f"{r['what']:<10} {r['rows']:>10,} {r['read']:>6.2f} {r['validate']:>6.2f} {r['write']:>6.2f} "
              f"{r['rollups']:>6.2f}  {r['per_second']:>14,.0f} {r['per_second_total']:>13,.0f} "
              f"{r['target']:>8,} {ok}", file=stream)
    print(f"(2-core machine; {dt.date.today()}; 'load' = read + validate/enrich + write, 'all' adds the rollup "
          "rebuild and commit)", file=stream)
