"""After a load only the rollups that read a table the load wrote are rebuilt; the result must be
exactly what a full rebuild makes (measured on the fixture database)."""
from __future__ import annotations

import pytest

from tests.ingest_helpers import write_orders
from voc import db, migrate, rollups
from voc.ingest import load

# Feedback about orders and contacts, so that answer_drivers reads them too.
SETUP = ["update feedback set interaction_id = 'ord-cur-' || customer_id where customer_id like 'uw00%'",
         "update feedback set interaction_id = 'k-' || customer_id || '-cur' where customer_id like 'sh00%'"]
# A change to each base table that moves every rollup reading it.
CHANGES = {
    "orders": ["update orders set amount = amount + 1, delivered_at = delivered_at + interval 3 day "
               "where order_id like 'ord-cur-%'"],
    "feedback": ["update feedback set nps = 10 - nps where nps is not null",
                 "update feedback set themes = null where feedback_id like 'fb-d%'",
                 "update feedback set submitted_at = submitted_at - interval 1 minute"],
    "customers": ["update customers set segment = 'changed' where customer_id like 'uw%' or customer_id like 'sh%'",
                  "delete from customers where customer_id = 'ca001'"],
    "revenue": ["update revenue set amount = amount * 2"],
    "churn_events": ["delete from churn_events where customer_id in ('x01', 'uw030')"],
    "contacts": ["update contacts set wait_seconds = wait_seconds + 600"],
}


def _snapshot(cur) -> dict:
    """Every rollup's rows, order-independent."""
    return {name: sorted(map(repr, cur.execute(f"select * from main.{name}").fetchall()))
            for name, _ in rollups.definitions()}


def _expected(changed: set[str]) -> list[str]:
    """The rollups that read a changed table, directly or through a rollup rebuilt before them."""
    dirty, names = set(changed), []
    for name, select in rollups.definitions():
        tables = rollups.reads(select)
        if tables is None or tables & dirty:
            dirty.add(name)
            names.append(name)
    return names


def test_reads_names_the_base_tables_of_a_rollup():
    select = dict(rollups.definitions())["orders_daily"]
    assert {"orders", "customers"} <= rollups.reads(select)
    assert "feedback" not in rollups.reads(select)
    assert rollups.reads("select * from orders; drop table customers") is None
    assert rollups.reads("this is not sql (") is None


@pytest.mark.parametrize("changed", [{"orders"}, {"feedback"}, {"customers"}, {"revenue", "churn_events"},
                                     {"contacts"}, set()], ids=lambda c: "+".join(sorted(c)) or "nothing")
def test_a_partial_rebuild_gives_the_full_rebuilds_rollups(private_db_path, changed):
    database = db.get(private_db_path)
    cur = database.cursor()
    cur.execute("begin transaction")
    try:
        for statement in SETUP:
            cur.execute(statement)
        rollups.rebuild(cur)
        before = _snapshot(cur)
        for table in sorted(changed):
            for statement in CHANGES[table]:
                cur.execute(statement)
        rebuilt = rollups.rebuild_after(cur, changed)
        partial = _snapshot(cur)
        rollups.rebuild(cur)
        full = _snapshot(cur)
    finally:
        cur.execute("rollback")
        cur.close()
    assert partial == full
    assert rebuilt == _expected(changed)
    if changed:
        # the change moved every rollup that reads a changed table itself (so a rollup missing from
        # the plan would show; one rebuilt only because a rollup it reads was may come out the same,
        # as the keyed copies do when only churn dates move), and at least one rollup was left alone
        reads = {name: rollups.reads(select) for name, select in rollups.definitions()}
        direct = [name for name in rebuilt if reads[name] is None or reads[name] & changed]
        assert direct and [name for name in direct if partial[name] == before[name]] == []
        assert len(rebuilt) < len(rollups.definitions())
    else:
        assert rebuilt == []


def test_rollups_of_another_release_or_a_missing_rollup_mean_a_full_rebuild(private_db_path):
    database = db.get(private_db_path)
    every = [name for name, _ in rollups.definitions()]
    with database.write() as cur:
        migrate.set_meta(cur, "rollups_digest", "another-release")
        assert rollups.rebuild_after(cur, {"orders"}) == every
        assert migrate.get_meta(cur, "rollups_digest") == rollups.digest()
        cur.execute(f"drop table {every[0]}")
        assert rollups.rebuild_after(cur, {"orders"}) == every
        assert cur.execute(f"select count(*) from {every[0]}").fetchall()[0][0] > 0




def test_an_import_rebuilds_the_rollups_of_what_it_wrote_and_they_match_a_full_rebuild(private_db_path, tmp_path):
    database = db.get(private_db_path)
    mapping = write_orders(tmp_path, [
        "ord-new-1,uw001,2026-10-01 10:00:00,2026-10-04 10:00:00,2026-10-09 10:00:00,12.50",
        "ord-new-2,sh002,2026-10-02 10:00:00,2026-10-05 10:00:00,,40",
        "ord-cur-uw001,uw001,2026-09-10 09:00:00,2026-09-13 09:00:00,2026-09-20 09:00:00,999"])
    report = load.run(mapping, database)
    assert report.status == "loaded"
    assert (report.tables["orders"]["new"], report.tables["orders"]["changed"]) == (2, 1)
    assert report.rollups == _expected({"orders"}) and "feedback_daily" not in report.rollups
    cur = database.cursor()
    cur.execute("begin transaction")
    try:
        after_import = _snapshot(cur)
        rollups.rebuild(cur)
        assert _snapshot(cur) == after_import
    finally:
        cur.execute("rollback")
        cur.close()
