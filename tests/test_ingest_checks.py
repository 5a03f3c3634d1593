"""The staging and write paths the import benchmark leans on: duplicate keys found by one aggregate,
converted values computed once and reported once, and the direct write from the staged rows
(into an empty table, and new / changed / unchanged rows into a filled one)."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.ingest_helpers import write_import, write_orders
from voc import db
from voc.ingest import load
from voc.ingest.report import ImportRejected


def _reasons(report) -> dict[int, str]:
    return {r["row"]: r["reasons"] for r in report.rejects.to_pylist()}


def test_duplicate_keys_are_counted_per_key_and_blank_keys_are_not_duplicates(private_db_path, tmp_path):
    rows = ["o-1,uw001,2026-10-01 10:00:00,2026-10-04 10:00:00,,10",      # row 2
            "o-1,uw002,2026-10-01 10:00:00,2026-10-04 10:00:00,,10",      # row 3
            " o-1 ,uw003,2026-10-01 10:00:00,2026-10-04 10:00:00,,10",    # row 4: the same key once trimmed
            ",uw004,2026-10-01 10:00:00,2026-10-04 10:00:00,,10",         # row 5: blank key
            "NA,uw005,2026-10-01 10:00:00,2026-10-04 10:00:00,,10",       # row 6: blank key (a null word)
            "o-2,uw006,2026-10-01 10:00:00,2026-10-04 10:00:00,,10",      # row 7
            "o-2,uw007,2026-10-01 10:00:00,2026-10-04 10:00:00,,ten",     # row 8: also not a number
            "o-3,uw008,2026-10-01 10:00:00,2026-10-04 10:00:00,,10"]      # row 9: fine
    with pytest.raises(ImportRejected) as refused:
        load.run(write_orders(tmp_path, rows), db.get(private_db_path))
    reasons = _reasons(refused.value.report)
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    for row in (2, 3, 4):
        assert reasons[row] == "duplicate order_id: 'o-1' appears 3 times in the file"
    assert reasons[5] == reasons[6] == "order_id is required but blank"
    assert reasons[7] == "duplicate order_id: 'o-2' appears 2 times in the file"
    assert reasons[8] == ("amount (from Amount): 'ten' is not a number; "
                          "duplicate order_id: 'o-2' appears 2 times in the file")


def test_a_composite_key_is_a_duplicate_only_when_every_part_matches(private_db_path, tmp_path):
    mapping = write_import(tmp_path, "revenue", """
        source: test_revenue
        on_error: quarantine
        tables:
          revenue:
            customer_id: Customer
            month: {from: Month, trunc: month}
            amount: Amount
        """, "Customer,Month,Amount\n"
             "uw001,2026-10-01,10\n"      # row 2 \ the same month
             "uw001,2026-10-17,11\n"      # row 3 /
             "uw001,2026-09-01,12\n"      # row 4
             "uw002,2026-10-01,13\n"      # row 5
             "uw002,,14\n"                # row 6: blank month
             "uw002,,15\n")               # row 7: blank month
    report = load.run(mapping, db.get(private_db_path))
    reasons = _reasons(report)
    assert reasons[2] == reasons[3] == "duplicate customer_id/month: 'uw001, 2026-10-01' appears 2 times in the file"
    assert reasons[6] == reasons[7] == "month is required but blank"
    assert sorted(reasons) == [2, 3, 6, 7] and report.tables["revenue"]["valid"] == 2


def test_each_conversion_is_reported_once_with_lookups_and_a_column_used_twice(private_db_path, tmp_path):
    mapping = write_import(tmp_path, "feedback", """
        source: test_feedback
        on_error: quarantine
        tables:
          feedback:
            feedback_id: Id
            customer_id: Customer
            unit_id: {from: Region, lookup: org_unit}
            source: {value: survey}
            channel: {from: Customer}
            submitted_at: {from: When, format: ["%d/%m/%Y %H:%M", "%Y-%m-%d"]}
            nps: Score
            csat: {from: Sat, scale: {from: [1, 10], to: [1, 5]}}
            text: Comment
        """, "Id,Customer,Region,When,Score,Sat,Comment\n"
             "t-1, uw001 ,US West,01/10/2026 09:30,9,10,fine\n"       # row 2: fine
             "t-2,uw002,us_east,2026-10-02,7.5,1,\n"                  # row 3: not a whole number
             "t-3,uw003,Atlantis,2026-10-02,ten,x,\n"                 # row 4: unknown unit, not numbers
             "t-4,uw004,Canada,31/02/2026 09:00,N/A,0,\n"             # row 5: not a date, blank score, off scale
             "t-5,uw005,,2026-10-02,,,\n")                            # row 6: unit from the customer
    report = load.run(mapping, db.get(private_db_path))
    reasons = _reasons(report)
    assert reasons == {
        3: "nps: 7.5 is not a whole number",
        4: "unit_id (from Region): no org unit is named or identified by 'Atlantis'; "
           "nps (from Score): 'ten' is not a number; csat (from Sat): 'x' is not a number",
        5: "submitted_at (from When): '31/02/2026 09:00' is not a date (expected %d/%m/%Y %H:%M or %Y-%m-%d); "
           "csat (from Sat): '0.0' is outside the source scale 1-10",
    }
    with db.get(private_db_path).read() as cur:
        loaded = cur.execute("select feedback_id, customer_id, channel, unit_id, submitted_at, nps, csat "
                             "from feedback where feedback_id like 't-%' order by 1").fetchall()
    assert loaded == [("t-1", "uw001", "uw001", "us_west", dt.datetime(2026, 10, 1, 9, 30), 9, 5),
                      ("t-5", "uw005", "uw005", "us_west", dt.datetime(2026, 10, 2), None, None)]


def test_rows_are_written_new_changed_and_unchanged_into_an_empty_or_a_filled_table(private_db_path, tmp_path):
    database = db.get(private_db_path)
    with database.write() as cur:
        cur.execute("delete from orders")
    first = ["o-1,uw001,2026-10-01 10:00:00,2026-10-04 10:00:00,2026-10-03 10:00:00,10.50",
             "o-2,sh002,2026-10-05 10:00:00,2026-10-08 10:00:00,,20",
             "o-3,ue003,2026-09-01 10:00:00,2026-09-04 10:00:00,2026-09-09 10:00:00,30"]
    report = load.run(write_orders(tmp_path, first), database)
    assert report.status == "loaded" and report.latest_record == dt.datetime(2026, 10, 5, 10)
    assert {k: report.tables["orders"][k] for k in ("new", "changed", "same")} == {"new": 3, "changed": 0, "same": 0}
    assert load.run(write_orders(tmp_path, first), database).status == "unchanged"

    second = [first[0], first[1].replace(",,20", ",2026-10-09 10:00:00,20"),
              "o-4,uw004,2026-10-06 10:00:00,2026-10-09 10:00:00,,40"]
    report = load.run(write_orders(tmp_path, second), database)
    assert {k: report.tables["orders"][k] for k in ("new", "changed", "same")} == {"new": 1, "changed": 1, "same": 1}
    assert report.latest_record == dt.datetime(2026, 10, 6, 10)
    with database.read() as cur:
        rows = cur.execute("select order_id, customer_id, unit_id, delivered_at, amount::double "
                           "from orders order by 1").fetchall()
    assert rows == [("o-1", "uw001", "us_west", dt.datetime(2026, 10, 3, 10), 10.5),
                    ("o-2", "sh002", "shanghai", dt.datetime(2026, 10, 9, 10), 20.0),
                    ("o-3", "ue003", "us_east", dt.datetime(2026, 9, 9, 10), 30.0),   # not in the file: kept
                    ("o-4", "uw004", "us_west", None, 40.0)]


def test_feedback_without_a_text_column_loads_its_scores(private_db_path, tmp_path):
    """Enrichment has nothing to read when the mapping has no text column: the scores still load."""
    mapping = write_import(tmp_path, "scores", """
        source: test_scores
        on_error: reject
        tables:
          feedback:
            feedback_id: Id
            customer_id: Customer
            source: {value: survey}
            submitted_at: When
            nps: Score
        """, "Id,Customer,When,Score\ns-1,uw001,2026-10-01,9\ns-2,uw002,2026-10-02,3\n")
    report = load.run(mapping, db.get(private_db_path))
    assert report.status == "loaded" and report.tables["feedback"]["new"] == 2
    with db.get(private_db_path).read() as cur:
        assert cur.execute("select feedback_id, nps, text, themes from feedback where feedback_id like 's-%' "
                           "order by 1").fetchall() == [("s-1", 9, None, None), ("s-2", 3, None, None)]


def test_an_amount_too_large_for_its_column_is_reported_per_row(private_db_path, tmp_path):
    """decimal(12, 2) holds less than 10,000,000,000: larger amounts are refused by row, not by the database."""
    rows = ["o-1,uw001,2026-10-01 10:00:00,2026-10-04 10:00:00,,99999999999999",   # row 2
            "o-2,uw002,2026-10-01 10:00:00,2026-10-04 10:00:00,,9999999999.999",   # row 3: rounds up to the limit
            "o-3,uw003,2026-10-01 10:00:00,2026-10-04 10:00:00,,9999999999.99"]    # row 4: fits
    with pytest.raises(ImportRejected) as refused:
        load.run(write_orders(tmp_path, rows), db.get(private_db_path))
    reasons = _reasons(refused.value.report)
    assert reasons == {2: "amount: 99999999999999.0 is too large (the limit is 10,000,000,000)",
                       3: "amount: 9999999999.999 is too large (the limit is 10,000,000,000)"}
