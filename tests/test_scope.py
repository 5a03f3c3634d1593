"""Org-unit scopes: every table with a unit_id, base or rollup, is filtered below the query."""
from __future__ import annotations

import pytest

from voc.scope import ALL, Scope

US_WEST = Scope.of("us_west")


def one(database, sql, scope=ALL):
    with database.read(scope) as cur:
        return cur.execute(sql).fetchone()[0]


def rows(database, sql, scope=ALL):
    with database.read(scope) as cur:
        return cur.execute(sql).fetchall()


# ---------------------------------------------------------------------------------------------
# a region
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["feedback", "orders", "customers", "contacts", "churn_events", "revenue"])
def test_us_west_sees_only_us_west_rows(database, expected, table):
    want = expected["rows"][table]["us_west"]
    assert one(database, f"select count(*) from {table}", US_WEST) == want
    assert one(database, f"select count(*) from main.{table}", US_WEST) == want
    assert rows(database, f"select distinct unit_id from {table}", US_WEST) == [("us_west",)]
    # the same tables unscoped hold more
    assert one(database, f"select count(*) from {table}") == expected["rows"][table]["all"]


def test_us_west_feedback_by_hand(database):
    # NPS 30 + 30, CSAT 20 + 20, CES 15 + 15, unsolicited fb-d01 fb-d02 fb-d03 fb-d11
    assert one(database, "select count(*) from feedback", US_WEST) == 60 + 40 + 30 + 4
    got = dict(rows(database, "select source, count(*) from feedback group by 1", US_WEST))
    assert got == {"survey": 130, "review": 1, "social": 1, "ticket": 1, "call": 1}


def test_us_west_rollups(database, expected):
    assert one(database, "select sum(n) from feedback_daily", US_WEST) == expected["rows"]["feedback"]["us_west"]
    assert one(database, "select sum(nps_n) from feedback_daily", US_WEST) == 30 + 30
    assert one(database, "select sum(promoters) from feedback_daily", US_WEST) == 20 + 6
    assert one(database, "select sum(detractors) from feedback_daily", US_WEST) == 4 + 15
    assert one(database, "select sum(n) from orders_daily", US_WEST) == expected["rows"]["orders"]["us_west"]
    assert one(database, "select sum(late_n) from orders_daily", US_WEST) == expected["rows"]["late_orders"]["us_west"]
    assert one(database, "select sum(delivered_n) from orders_daily", US_WEST) == 22 - 1  # ord-open-1
    assert one(database, "select sum(n) from contacts_daily", US_WEST) == expected["rows"]["contacts"]["us_west"]
    assert one(database, "select sum(n) from theme_daily where theme_id = 'late_delivery'", US_WEST) == \
        expected["rows"]["late_delivery_mentions"]["us_west"]
    assert rows(database, "select sum(signups), sum(churned) from customer_daily", US_WEST) == [(35, 5)]
    assert one(database, "select count(*) from respondent_monthly", US_WEST) == \
        expected["rows"]["respondent_months"]["us_west"]
    assert rows(database, "select sum(paying), sum(amount) from revenue_monthly", US_WEST) == [
        (14, pytest.approx(expected["rows"]["revenue_amount"]["us_west"]))]
    for table in ("feedback_daily", "theme_daily", "orders_daily", "contacts_daily", "customer_daily",
                  "respondent_monthly", "revenue_monthly"):
        assert rows(database, f"select distinct unit_id from {table}", US_WEST) == [("us_west",)], table


def test_unscoped_rollups_hold_every_unit(database, expected):
    assert one(database, "select sum(n) from feedback_daily") == expected["rows"]["feedback"]["all"]
    assert one(database, "select sum(late_n) from orders_daily") == expected["rows"]["late_orders"]["all"]
    assert one(database, "select count(distinct unit_id) from feedback_daily") == 6


def test_org_units_show_the_ancestors_too(database):
    assert {r[0] for r in rows(database, "select unit_id from org_units", US_WEST)} == {"us_west", "bu_na", "lumen"}
    # events logged for an ancestor (ann-2, company-wide on lumen) are visible below it;
    # events of other regions (ann-4) are not
    assert {r[0] for r in rows(database, "select annotation_id from annotations", US_WEST)} == {
        "ann-1", "ann-2", "ann-3"}


def test_unscoped_tables_are_whole(database):
    assert one(database, "select count(*) from themes", US_WEST) == 7


# ---------------------------------------------------------------------------------------------
# a business unit, several units, unknown units
# ---------------------------------------------------------------------------------------------


def test_business_unit_includes_its_regions(database, expected):
    bu_na = Scope.of("bu_na")
    assert one(database, "select count(*) from feedback", bu_na) == expected["rows"]["feedback"]["bu_na"]
    assert {r[0] for r in rows(database, "select distinct unit_id from feedback", bu_na)} == {
        "us_east", "us_west", "canada"}
    assert {r[0] for r in rows(database, "select unit_id from org_units", bu_na)} == {
        "lumen", "bu_na", "us_east", "us_west", "canada"}
    # customers: us_west 35, us_east 30 + x04 + x12, canada 10 + x07
    assert one(database, "select count(*) from customers", bu_na) == 35 + 32 + 11


def test_business_unit_owned_rows_are_visible(database):
    # ini-2 belongs to bu_cn itself
    assert rows(database, "select initiative_id from initiatives", Scope.of("bu_cn")) == [("ini-2",)]
    assert rows(database, "select initiative_id from initiatives", Scope.of("shanghai")) == []


def test_several_units(database, expected):
    scope = Scope.of("us_west", "shanghai")
    want = expected["rows"]["feedback"]["us_west"] + expected["rows"]["feedback"]["shanghai"]
    assert one(database, "select count(*) from feedback", scope) == want
    assert {r[0] for r in rows(database, "select unit_id from org_units", scope)} == {
        "us_west", "shanghai", "bu_na", "bu_cn", "lumen"}


@pytest.mark.parametrize("table", ["feedback", "orders", "customers", "feedback_daily", "orders_daily",
                                   "org_units", "cases", "revenue_monthly"])
def test_unknown_unit_sees_nothing(database, table):
    assert one(database, f"select count(*) from {table}", Scope.of("atlantis")) == 0
    assert one(database, f"select count(*) from main.{table}", Scope.of("atlantis")) == 0


def test_empty_unit_set_sees_nothing(database):
    assert one(database, "select count(*) from feedback", Scope(frozenset())) == 0


def test_company_scope_sees_everything(database, expected):
    assert one(database, "select count(*) from feedback") == expected["rows"]["feedback"]["all"]
    assert one(database, "select count(*) from feedback", Scope.of("lumen")) == expected["rows"]["feedback"]["all"]
    assert one(database, "select count(*) from org_units", Scope.of("lumen")) == 9


def test_scope_does_not_leak_into_the_next_cursor(database, expected):
    assert one(database, "select count(*) from feedback", US_WEST) == expected["rows"]["feedback"]["us_west"]
    assert one(database, "select count(*) from feedback") == expected["rows"]["feedback"]["all"]
    assert one(database, "select count(*) from feedback", Scope.of("canada")) == expected["rows"]["feedback"]["canada"]


# ---------------------------------------------------------------------------------------------
# focus and reader filters (narrow, never widen)
# ---------------------------------------------------------------------------------------------


def test_focus_narrows_to_a_sub_tree(database, expected):
    assert one(database, "select count(*) from feedback", Scope(None, focus="us_west")) == \
        expected["rows"]["feedback"]["us_west"]
    assert one(database, "select count(*) from feedback", Scope.of("bu_na").narrow(focus="canada")) == \
        expected["rows"]["feedback"]["canada"]


def test_focus_never_widens(database):
    assert one(database, "select count(*) from feedback", US_WEST.narrow(focus="shanghai")) == 0
    assert one(database, "select count(*) from feedback", US_WEST.narrow(focus="bu_na")) == 134


def test_source_filter(database):
    assert one(database, "select count(*) from feedback", US_WEST.narrow(sources=["review"])) == 1       # fb-d01
    assert one(database, "select sum(n) from feedback_daily", US_WEST.narrow(sources=["survey"])) == 130
    assert one(database, "select count(*) from feedback", ALL.narrow(sources=["review", "social"])) == 4 + 3


def test_segment_filter(database):
    # us_west 'plus' customers are i % 4 = 1: NPS i in 1,5,...,29 (8 customers, 2 answers each),
    # CSAT i <= 20 (5 customers x 2), CES i <= 15 (4 x 2), and fb-d01 (uw021), fb-d03 (uw005)
    assert one(database, "select count(*) from feedback", US_WEST.narrow(segments=["plus"])) == 16 + 10 + 8 + 2
    # customers table is filtered too: uw001 uw005 ... uw029 (8) + x06 x10
    assert one(database, "select count(*) from customers", US_WEST.narrow(segments=["plus"])) == 8 + 2
