"""Helpers for the ingest tests: a mapping with its CSV file, survey files in a Qualtrics-like layout,
and a database fingerprint."""
from __future__ import annotations

import csv
import io
import textwrap
from pathlib import Path

from voc import db as dbmod

ORDERS = """
    source: test_orders
    on_error: ON_ERROR
    tables:
      orders:
        order_id: Order
        customer_id: Customer
        ordered_at: Ordered
        promised_at: Promised
        delivered_at: Delivered
        amount: Amount
    """
ORDERS_HEADER = "Order,Customer,Ordered,Promised,Delivered,Amount\n"


def write_import(folder: Path, name: str, mapping: str, data: str) -> Path:
    """``<name>.yaml`` (``mapping``, dedented) and the ``<name>.csv`` it names; the mapping's path."""
    (folder / f"{name}.csv").write_text(data, encoding="utf-8")
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(mapping).strip() + f"\nfile: {name}.csv\n", encoding="utf-8")
    return path


def write_orders(folder: Path, lines: list[str], on_error: str = "reject") -> Path:
    """An orders file (``lines`` under the header) and its mapping."""
    return write_import(folder, "orders", ORDERS.replace("ON_ERROR", on_error),
                        ORDERS_HEADER + "".join(line + "\n" for line in lines))


HEADER = ["StartDate", "EndDate", "ResponseId", "ExternalReference", "UserLanguage", "Q1", "Q2", "Q3"]
QUESTIONS = ["Start Date", "End Date", "Response ID", "External Data Reference", "User Language",
             "How likely are you to recommend us?", "Why?", "How satisfied are you?"]
MAPPING = """
source: test_survey
csv: {header_rows: 3, delimiter: DELIM, encoding: ENCODING}
on_error: POLICY
tables:
  feedback:
    feedback_id: ResponseId
    customer_id: ExternalReference
    source: {value: survey}
    submitted_at: {from: EndDate, format: "%Y-%m-%d %H:%M:%S"}
    language: {from: UserLanguage, map: {EN: en, ZH-S: zh}}
    nps: Q1
    csat: Q3
    text: Q2
"""


def good_rows(n: int = 40) -> list[dict]:
    rows = []
    for i in range(n):
        zh = i % 4 == 0
        rows.append({"StartDate": "2026-10-01 09:00:00", "EndDate": f"2026-10-{1 + i % 28:02d} 09:05:00",
                     "ResponseId": f"R_test{i:04d}", "ExternalReference": f"uw{1 + i % 30:03d}",
                     "UserLanguage": "ZH-S" if zh else "EN", "Q1": str(i % 11),
                     "Q2": "包裹晚到了三天。" if zh else "My parcel arrived three days late.", "Q3": str(1 + i % 5)})
    return rows


def write_survey(folder: Path, rows: list[dict], *, delimiter=",", encoding="utf-8", policy="reject",
                 mapping_delimiter=None, mapping_encoding=None, header=HEADER) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header)
    w.writerow(QUESTIONS[: len(header)])
    w.writerow(['{"ImportId":"%s"}' % h for h in header])
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    data = folder / "survey.csv"
    data.write_bytes(buf.getvalue().encode(encoding))
    mapping = folder / "survey.yaml"
    text = (MAPPING.replace("DELIM", repr(mapping_delimiter or delimiter))
            .replace("ENCODING", mapping_encoding or "auto").replace("POLICY", policy))
    mapping.write_text(text + f"file: {data.name}\n", encoding="utf-8")
    return mapping


def fingerprint(database: dbmod.Database) -> dict:
    """Row count and an order-independent hash of every table in the warehouse."""
    with database.read() as cur:
        tables = [r[0] for r in cur.execute(
            "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'main' "
            "order by 1").fetchall()]
        return {t: cur.execute(f'select count(*), coalesce(sum(hash(x::varchar)), 0) from main."{t}" x').fetchall()[0]
                for t in tables}
