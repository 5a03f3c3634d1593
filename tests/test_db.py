"""The database file: migrations, constraints, read-only reads, transactional writes, file swaps,
and the sandbox of the root connection."""
from __future__ import annotations

import os
import re
import shutil

import duckdb
import pytest

import voc.db
import voc.rollups
from voc import migrate
from voc.scope import Scope

CANONICAL_TABLES = {"org_units", "themes", "customers", "feedback", "orders", "contacts", "incidents",
                    "revenue", "churn_events", "cases", "initiatives", "annotations", "meta"}

VALID_FEEDBACK = (
    "insert into feedback (feedback_id, customer_id, unit_id, segment, source, solicited, submitted_at, nps) "
    "values ('{id}', 'uw001', 'us_west', 'plus', 'survey', true, timestamp '2026-09-30 12:00:00', {nps})"
)


def _highest_schema_file() -> int:
    numbers = [int(m.group(1)) for p in migrate.SCHEMA_DIR.iterdir()
               if (m := re.match(r"^(\d{3})_[a-z0-9_]+\.sql$", p.name))]
    return max(numbers)


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'main'"
    ).fetchall()}


def _count(db, table="feedback", scope=None) -> int:
    with db.read(scope) if scope else db.read() as cur:
        return cur.execute(f"select count(*) from {table}").fetchone()[0]


# ---------------------------------------------------------------------------------------------
# migrations
# ---------------------------------------------------------------------------------------------


def test_create_migrates_to_the_latest_version(tmp_path):
    con = voc.db.create(tmp_path / "new.duckdb")
    try:
        assert migrate.latest() == _highest_schema_file()
        assert con.execute("select value from meta where key = 'schema_version'").fetchone()[0] == str(
            _highest_schema_file())
        assert CANONICAL_TABLES <= _tables(con)
        assert con.execute("select count(*) from feedback").fetchone()[0] == 0
    finally:
        con.close()


def test_create_refuses_an_existing_file(tmp_path):
    path = tmp_path / "exists.duckdb"
    voc.db.create(path).close()
    with pytest.raises(FileExistsError):
        voc.db.create(path)


def test_reopening_is_idempotent(private_db_path):
    con = duckdb.connect(str(private_db_path))
    before = _tables(con)
    assert migrate.upgrade(con) == migrate.latest()
    assert migrate.upgrade(con) == migrate.latest()
    assert _tables(con) == before
    assert con.execute("select count(*) from meta where key = 'schema_version'").fetchone()[0] == 1
    assert migrate.get_meta(con, "kind") == "demo"
    con.close()
    db = voc.db.get(private_db_path)
    for _ in range(2):  # open, close, open again through Database
        assert _count(db) == 416
        db.close()
    con = duckdb.connect(str(private_db_path))
    assert migrate.current(con) == migrate.latest()
    assert con.execute("select count(*) from feedback").fetchone()[0] == 416
    con.close()


def test_rollups_defined_by_another_release_are_rebuilt_on_open(private_db_path):
    """A file whose rollups an older release built (another digest) gets this release's rollups on open."""
    con = duckdb.connect(str(private_db_path))
    con.execute("drop table case_outcomes")
    con.execute("delete from feedback_daily")
    migrate.set_meta(con, "rollups_digest", "older-release")
    con.close()
    db = voc.db.get(private_db_path)
    with db.read() as cur:
        assert cur.execute("select sum(n) from feedback_daily").fetchone()[0] == 416
        assert cur.execute("select count(*) from case_outcomes").fetchone()[0] > 0
    db.close()
    con = duckdb.connect(str(private_db_path))
    assert migrate.get_meta(con, "rollups_digest") == voc.rollups.digest()
    con.close()


def test_cases_of_an_older_file_get_their_answers_segment_source_and_stage(private_db_path):
    """Migration 006 on a file with cases: each case takes the filters of the answer that opened it."""
    con = duckdb.connect(str(private_db_path))
    for column in ("segment", "source", "journey_stage"):
        con.execute(f"alter table cases drop column {column}")
    migrate.set_meta(con, "schema_version", "5")
    assert migrate.upgrade(con) == migrate.latest()
    assert con.execute("select case_id, segment, source, journey_stage from cases order by case_id").fetchall() == [
        ("case-1", "family", "survey", "relationship"), ("case-2", "plus", "ticket", "billing")]
    con.close()


def test_a_newer_schema_version_is_refused(private_db_path):
    con = duckdb.connect(str(private_db_path))
    newer = migrate.latest() + 1
    migrate.set_meta(con, "schema_version", str(newer))
    with pytest.raises(RuntimeError, match="newer"):
        migrate.upgrade(con)
    con.close()
    db = voc.db.get(private_db_path)
    with pytest.raises(RuntimeError, match="newer"):
        db.connection()
    voc.db.forget(private_db_path)
    con = duckdb.connect(str(private_db_path))
    assert migrate.current(con) == newer  # refused, not rewritten
    con.close()


def test_missing_file_is_reported(tmp_path):
    db = voc.db.Database(tmp_path / "absent.duckdb")
    with pytest.raises(voc.db.DatabaseMissing):
        db.connection()


# ---------------------------------------------------------------------------------------------
# constraints: the database itself refuses bad rows and leaves the table as it was
# ---------------------------------------------------------------------------------------------


def test_duplicate_feedback_id_is_refused(private_db_path):
    db = voc.db.get(private_db_path)
    with pytest.raises(duckdb.ConstraintException):
        with db.write() as cur:
            cur.execute(VALID_FEEDBACK.format(id="fb-d01", nps=5))
    assert _count(db) == 416
    with db.read() as cur:
        assert cur.execute("select unit_id, source, nps, text from feedback where feedback_id = 'fb-d01'").fetchall() == [
            ("us_west", "review", None, "Late again <script>alert(1)</script>")]


@pytest.mark.parametrize("column,value", [("nps", 11), ("nps", -1), ("csat", 6), ("ces", 0), ("sentiment", 1.5)])
def test_out_of_range_scores_are_refused(private_db_path, column, value):
    db = voc.db.get(private_db_path)
    with pytest.raises(duckdb.ConstraintException):
        with db.write() as cur:
            cur.execute(VALID_FEEDBACK.format(id="fb-new", nps="null"))  # valid, same transaction
            cur.execute(f"update feedback set {column} = {value} where feedback_id = 'fb-new'")
    assert _count(db) == 416
    with db.read() as cur:
        assert cur.execute("select count(*) from feedback where feedback_id = 'fb-new'").fetchone()[0] == 0


def test_nps_of_11_is_refused_on_insert(private_db_path):
    db = voc.db.get(private_db_path)
    with pytest.raises(duckdb.ConstraintException):
        with db.write() as cur:
            cur.execute(VALID_FEEDBACK.format(id="fb-eleven", nps=11))
    assert _count(db) == 416
    with db.read() as cur:
        assert cur.execute("select count(*) from feedback where nps > 10").fetchone()[0] == 0


# ---------------------------------------------------------------------------------------------
# reads are read-only; writes are all or nothing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sql", [
    VALID_FEEDBACK.format(id="fb-ro", nps=9),
    "insert into themes values ('new_theme', 'New', 'neutral', false)",
    "update customers set segment = 'plus'",
    "delete from orders",
    "create table sneaky (x integer)",
])
def test_read_is_read_only(private_db_path, sql):
    db = voc.db.get(private_db_path)
    with db.read() as cur:
        with pytest.raises(duckdb.Error):
            cur.execute(sql)
    assert _count(db) == 416
    assert _count(db, "themes") == 7
    assert _count(db, "orders") == 56
    with db.read() as cur:
        assert cur.execute("select count(distinct segment) from customers").fetchone()[0] == 4
        assert "sneaky" not in _tables(cur)


def test_scoped_read_is_read_only(private_db_path):
    db = voc.db.get(private_db_path)
    with db.read(Scope.of("us_west")) as cur:
        with pytest.raises(duckdb.Error):
            cur.execute(VALID_FEEDBACK.format(id="fb-ro", nps=9))
        with pytest.raises(duckdb.Error):
            cur.execute("delete from main.orders")
    assert _count(db) == 416
    assert _count(db, "orders") == 56


def test_write_commits(private_db_path):
    db = voc.db.get(private_db_path)
    _count(db)
    generation = db.generation
    with db.write() as cur:
        cur.execute(VALID_FEEDBACK.format(id="fb-new", nps=9))
    assert _count(db) == 417
    assert db.generation == generation + 1


def test_write_rolls_back_on_exception(private_db_path):
    db = voc.db.get(private_db_path)
    _count(db)
    generation = db.generation
    with pytest.raises(RuntimeError, match="boom"):
        with db.write() as cur:
            cur.execute(VALID_FEEDBACK.format(id="fb-new", nps=9))
            cur.execute("delete from orders")
            assert cur.execute("select count(*) from feedback").fetchone()[0] == 417  # visible inside
            raise RuntimeError("boom")
    assert _count(db) == 416
    assert _count(db, "orders") == 56
    assert db.generation == generation


# ---------------------------------------------------------------------------------------------
# file swaps and the sandbox
# ---------------------------------------------------------------------------------------------


def test_swapped_file_is_reattached(private_db_path, tmp_path):
    db = voc.db.get(private_db_path)
    assert _count(db) == 416
    assert _count(db, "org_units") == 9
    other = tmp_path / "other.duckdb"
    con = voc.db.create(other)
    con.execute("insert into org_units values ('solo', 'Solo Co', null, 'company')")
    con.close()
    os.replace(other, private_db_path)
    # the very next call sees the new file
    assert _count(db) == 0
    assert _count(db, "org_units") == 1
    with db.read(Scope.of("solo")) as cur:
        assert cur.execute("select unit_id from org_units").fetchall() == [("solo",)]


def test_swap_back_to_a_copy_of_the_fixture(private_db_path, tmp_path):
    db = voc.db.get(private_db_path)
    with db.write() as cur:
        cur.execute(VALID_FEEDBACK.format(id="fb-new", nps=9))
    assert _count(db) == 417
    fresh = tmp_path / "fresh.duckdb"
    db.close()
    shutil.copyfile(private_db_path, fresh)  # 417 rows
    with duckdb.connect(str(fresh)) as con:
        con.execute("delete from feedback where feedback_id = 'fb-new'")
    _count(db)  # re-open the original
    os.replace(fresh, private_db_path)
    assert _count(db) == 416


@pytest.mark.parametrize("sql", [
    "select * from read_csv('/etc/passwd')",
    "select * from read_text('/etc/hostname')",
    "copy (select 1 as x) to '{tmp}/leak.csv'",
    "attach '{tmp}/elsewhere.duckdb' as elsewhere",
    "set enable_external_access = true",
    "install httpfs",
])
def test_external_access_is_disabled(database, tmp_path, sql):
    sql = sql.format(tmp=tmp_path)
    with pytest.raises(duckdb.Error):
        database.connection().execute(sql)
    with database.read(Scope.of("us_west")) as cur:
        with pytest.raises(duckdb.Error):
            cur.execute(sql)
    assert not (tmp_path / "leak.csv").exists()
    assert not (tmp_path / "elsewhere.duckdb").exists()


def test_fixture_is_marked_as_a_demo_database(database):
    with database.read() as cur:
        assert cur.execute("select value from meta where key = 'kind'").fetchone()[0] == "demo"
