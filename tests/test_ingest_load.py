"""Importing files: malformed files refused with a clear error and no change, quarantine, idempotent
re-imports, kill -9 in the middle of a load, a reader during a load, the Telco sample's figures."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from voc import db, queries
from voc.ingest import cli as ingest_cli
from voc.ingest import load
from voc.ingest.mapping import MappingError
from voc.ingest.readers import FileError
from voc.ingest.report import ImportRejected

from ingest_helpers import fingerprint, good_rows, write_survey

ROOT = Path(__file__).resolve().parent.parent
TELCO = ROOT.parent / "shared" / "datasets" / "telco_churn" / "Telco-Customer-Churn.csv"
EXAMPLES = ROOT / "voc" / "ingest" / "examples"


def _bad(rows, index, **change):
    rows = [dict(r) for r in rows]
    rows[index].update(change)
    return rows


MALFORMED = {
    # name: (how to write the file, exception, words the message must contain)
    "bad encoding": (dict(rows=good_rows(), encoding="gbk", mapping_encoding="utf-8"), FileError,
                     "not valid utf-8"),
    "wrong delimiter": (dict(rows=good_rows(), delimiter=";", mapping_delimiter=","), FileError, "delimiter"),
    "missing column": (dict(rows=good_rows(), header=[h for h in
                                                      ["StartDate", "EndDate", "ResponseId", "ExternalReference",
                                                       "UserLanguage", "Q1", "Q3"]]), FileError, "'Q2'"),
    "bad date": (dict(rows=_bad(good_rows(), 3, EndDate="31/13/2026")), ImportRejected, "is not a date"),
    "score out of range": (dict(rows=_bad(good_rows(), 5, Q1="11")), ImportRejected, "nps: 11.0 is outside 0-10"),
    "not a number": (dict(rows=_bad(good_rows(), 5, Q1="ten")), ImportRejected, "'ten' is not a number"),
    "duplicate id": (dict(rows=_bad(good_rows(), 7, ResponseId="R_test0001")), ImportRejected,
                     "duplicate feedback_id"),
    "huge field": (dict(rows=_bad(good_rows(), 2, Q2="x" * 60_000)), ImportRejected, "60000 characters"),
    "spreadsheet formula": (dict(rows=_bad(good_rows(), 4, Q2='=HYPERLINK("http://evil.example","click")')),
                            ImportRejected, "spreadsheet formula"),
    "unknown customer": (dict(rows=_bad(good_rows(), 6, ExternalReference="nobody")), ImportRejected,
                         "not a known customer"),
    "date in the future": (dict(rows=_bad(good_rows(), 8, EndDate="2031-01-01 00:00:00")), ImportRejected,
                           "in the future"),
    "unmapped language": (dict(rows=_bad(good_rows(), 9, UserLanguage="Klingon")), ImportRejected,
                          "not in the value map"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_is_refused_clearly_and_changes_nothing(case, private_db_path, tmp_path):
    how, error, words = MALFORMED[case]
    database = db.get(private_db_path)
    before, generation = fingerprint(database), database.generation
    mapping = write_survey(tmp_path, **how)
    with pytest.raises(error) as info:
        load.run(mapping, database)
    assert words in str(info.value), str(info.value)
    assert fingerprint(database) == before
    assert database.generation == generation


def test_a_refused_file_reports_every_rejected_row(private_db_path, tmp_path):
    rows = _bad(_bad(good_rows(), 3, Q1="12"), 10, EndDate="yesterday")
    with pytest.raises(ImportRejected) as info:
        load.run(write_survey(tmp_path, rows), db.get(private_db_path))
    rejects = info.value.report.rejects.to_pylist()
    assert [(r["row"], r["table"]) for r in rejects] == [(3 + 3 + 1, "feedback"), (10 + 3 + 1, "feedback")]
    assert "12.0 is outside 0-10" in rejects[0]["reasons"] and "R_test0003" in rejects[0]["record"]
    assert b"yesterday" in info.value.report.rejects_csv()


def test_a_good_file_loads_with_enrichment_and_is_recorded(private_db_path, tmp_path):
    database = db.get(private_db_path)
    before = fingerprint(database)["feedback"][0]
    report = load.run(write_survey(tmp_path, good_rows()), database, actor="tester")
    assert report.status == "loaded" and report.rows_loaded == 40
    with database.read() as cur:
        rows = cur.execute("""select f.unit_id, f.segment = c.segment, f.language, f.themes, f.sentiment < 0, f.solicited
                              from feedback f join customers c using (customer_id)
                              where feedback_id like 'R_test%' order by feedback_id""").fetchall()
    assert fingerprint(database)["feedback"][0] == before + 40
    assert {r[0] for r in rows} == {"us_west"}            # unit filled from the customer
    assert all(r[1] for r in rows)                        # so is the segment
    assert [r[2] for r in rows[:2]] == ["zh", "en"]       # ZH-S -> zh, EN -> en
    assert all(r[3] == ["delivery_late"] and r[4] and r[5] for r in rows)
    freshness = queries.run("imports_by_source", database=database)
    row = freshness[freshness.source == "test_survey"].iloc[0]
    assert (row.last_rows_loaded, row.last_rows_rejected, row.imports) == (40, 0, 1)
    assert row.latest_record == dt.datetime(2026, 10, 28, 9, 5) and row.last_import_by == "tester"


def test_reimporting_the_same_file_changes_nothing(private_db_path, tmp_path):
    database = db.get(private_db_path)
    mapping = write_survey(tmp_path, good_rows())
    assert load.run(mapping, database).status == "loaded"
    after_first, generation = fingerprint(database), database.generation
    second = load.run(mapping, database)
    assert second.status == "unchanged" and second.tables["feedback"]["same"] == 40
    assert fingerprint(database) == after_first and database.generation == generation


def test_a_changed_row_is_updated_in_place(private_db_path, tmp_path):
    database = db.get(private_db_path)
    load.run(write_survey(tmp_path, good_rows()), database)
    report = load.run(write_survey(tmp_path, _bad(good_rows(), 1, Q1="10")), database)
    assert report.tables["feedback"]["changed"] == 1 and report.tables["feedback"]["new"] == 0
    with database.read() as cur:
        assert cur.execute("select nps from feedback where feedback_id = 'R_test0001'").fetchall() == [(10,)]


def test_quarantine_loads_the_valid_rows_and_keeps_the_rest(private_db_path, tmp_path):
    database = db.get(private_db_path)
    rows = _bad(_bad(good_rows(), 3, Q1="12"), 10, ExternalReference="ghost")
    report = load.run(write_survey(tmp_path, rows, policy="quarantine"), database)
    assert report.status == "partial" and (report.rows_loaded, report.rows_rejected) == (38, 2)
    with database.read() as cur:
        kept = cur.execute("select row_number, reasons from import_rejects order by 1").fetchall()
        assert cur.execute("select count(*) from feedback where feedback_id like 'R_test%'").fetchall() == [(38,)]
    assert [k[0] for k in kept] == [7, 14] and "not a known customer" in kept[1][1]


def test_a_dry_run_writes_nothing(private_db_path, tmp_path):
    database = db.get(private_db_path)
    before = fingerprint(database)
    report = load.run(write_survey(tmp_path, _bad(good_rows(), 3, Q1="12")), database, dry_run=True)
    assert report.status == "checked" and report.rows_rejected == 1
    assert fingerprint(database) == before


KILLER = """
import sys, time
from voc import db
from voc.ingest import load
def progress(fraction, message):
    if message == "rebuilding rollups":
        print("inside", flush=True)
        time.sleep(120)
load.run(sys.argv[2], db.get(sys.argv[1]), progress=progress)
"""


def test_kill_9_during_a_load_leaves_the_database_as_before(private_db_path, tmp_path):
    database = db.get(private_db_path)
    before = fingerprint(database)
    db.forget(private_db_path)
    mapping = write_survey(tmp_path, good_rows(200))
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(private_db_path), str(mapping)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "inside"   # rows inserted, transaction open
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert fingerprint(db.get(private_db_path)) == before


def test_a_reader_keeps_working_during_a_load(private_db_path, tmp_path):
    database = db.get(private_db_path)
    n_before = fingerprint(database)["feedback"][0]
    inside, release = threading.Event(), threading.Event()

    def progress(fraction, message):
        if message == "rebuilding rollups":
            inside.set()
            release.wait(30)

    result = {}
    worker = threading.Thread(target=lambda: result.update(r=load.run(write_survey(tmp_path, good_rows()),
                                                                      database, progress=progress)))
    worker.start()
    try:
        assert inside.wait(30)
        started = dt.datetime.now()
        with database.read() as cur:       # a consistent snapshot: the load's rows are not visible yet
            assert cur.execute("select count(*) from feedback").fetchall() == [(n_before,)]
        assert (dt.datetime.now() - started).total_seconds() < 5
    finally:
        release.set()
        worker.join(60)
    assert result["r"].status == "loaded"
    with database.read() as cur:
        assert cur.execute("select count(*) from feedback").fetchall() == [(n_before + 40,)]


def test_the_command_line_refuses_and_writes_the_report(private_db_path, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    ingest_cli.add_arguments(parser)
    report = tmp_path / "rejects.csv"
    mapping = write_survey(tmp_path, _bad(good_rows(), 3, Q1="12"))
    args = parser.parse_args([str(mapping), "--db", str(private_db_path), "--report", str(report)])
    assert ingest_cli.run(args) == 1
    assert "12.0 is outside 0-10" in report.read_text(encoding="utf-8")
    assert "refused" in capsys.readouterr().err
    args = parser.parse_args([str(write_survey(tmp_path, good_rows())), "--db", str(private_db_path)])
    assert ingest_cli.run(args) == 0
    assert "40 of 40 rows loaded" in capsys.readouterr().out


def test_a_mapping_error_names_the_key(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("source: x\ntables:\n  feedback:\n    feedback_id: A\n    scores: B\n", encoding="utf-8")
    with pytest.raises(MappingError, match="tables.feedback.scores: 'feedback' has no column 'scores'"):
        load.run(bad, db.get(ROOT / "nowhere.duckdb"))


def test_the_survey_example_loads_into_the_fixture(private_db_path):
    database = db.get(private_db_path)
    report = load.run(EXAMPLES / "survey_export.yaml", database,
                      file=Path(__file__).resolve().parent / "data" / "survey_fixture.csv")
    assert report.status == "loaded" and report.rows_loaded == 240
    assert report.enrichment["languages"] == {"en": 133, "zh": 90}
    assert {"gift wrapping option", "plastic packaging"} <= {d["phrase"] for d in report.discovered}


def test_telco_sample_reproduces_the_known_figures(tmp_path):
    if not TELCO.exists():
        pytest.skip(f"the shared Telco dataset is not available at {TELCO}")
    path = tmp_path / "telco.duckdb"
    db.create(path).close()
    database = db.get(path)
    try:
        report = load.run(EXAMPLES / "telco_churn.yaml", database, file=TELCO)
        assert report.tables["customers"]["valid"] == 7043 and report.tables["churn_events"]["valid"] == 1869
        with database.read() as cur:
            by_contract = dict(cur.execute("""
                select c.segment, round(100.0 * count(e.customer_id) / count(*), 1)
                from customers c left join churn_events e using (customer_id) group by 1""").fetchall())
            total = cur.execute("select round(100.0 * (select count(*) from churn_events) / count(*), 2) "
                                "from customers").fetchall()[0][0]
        assert total == 26.54
        assert by_contract == {"month_to_month": 42.7, "one_year": 11.3, "two_year": 2.8}
        churn = queries.run("churn_for_period", {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 1, 31)},
                            database=database).iloc[0]
        # the app's rate counts customers active at the period start: the 11 with tenure 0 joined on 01-31
        assert (int(churn.active_at_start), int(churn.churned)) == (7043 - 11, 1869)
        assert load.run(EXAMPLES / "telco_churn.yaml", database, file=TELCO).status == "unchanged"
    finally:
        db.forget(path)
