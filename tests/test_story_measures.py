"""The counts behind story measures (queries/measures_by_*_for_period.sql) and their estimates.

Every count is checked against independent SQL over the base tables of the fixture (never the
rollups the queries read), for the fixture's two 90-day periods, by segment and by region.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from voc import queries
from voc.scope import ALL, Scope
from voc.story_measures import MEASURES, bonferroni, coverage, totals

CUR = ("2026-08-03", "2026-10-31")
PREV = ("2026-05-05", "2026-08-02")
PARAMS = {"start": CUR[0], "end": CUR[1], "previous_start": PREV[0], "previous_end": PREV[1]}


def base_counts(database, group: str, theme: str, period: tuple[str, str], scope=ALL) -> pd.DataFrame:
    """The same counts, straight from feedback, orders, contacts, customers and churn_events."""
    start, end = period
    sql = f"""
    with f as (
        select {group} as g, * from (select f.*, coalesce(f.segment, 'unknown') as seg, u.parent_id as bu
                                    from feedback f join org_units u using (unit_id))
        where cast(submitted_at as date) between ? and ?
    ), o as (
        select {group} as g, * from (select o.*, coalesce(c.segment, 'unknown') as seg, o.unit_id as unit
                                    from orders o left join customers c using (customer_id))
        where cast(ordered_at as date) between ? and ?
    ), k as (
        select {group} as g, * from (select k.*, coalesce(c.segment, 'unknown') as seg
                                    from contacts k left join customers c using (customer_id))
        where cast(started_at as date) between ? and ?
    ), a as (
        select {group} as g, count(*) filter (where signup_at < ? and (e.churned_at is null or e.churned_at >= ?))
                              as active_at_start,
               count(*) filter (where signup_at < ? and e.churned_at between ? and ?) as churned
        from (select c.*, c.segment as seg from customers c) c
        left join (select customer_id, churned_at from churn_events) e using (customer_id)
        group by 1
    )
    select g,
        (select count(*) from f where f.g = x.g) as feedback_n,
        (select count(nps) from f where f.g = x.g) as nps_n,
        (select count(*) filter (where nps >= 9) from f where f.g = x.g) as promoters,
        (select count(*) filter (where nps <= 6) from f where f.g = x.g) as detractors,
        (select count(csat) from f where f.g = x.g) as csat_n,
        (select count(*) filter (where csat >= 4) from f where f.g = x.g) as csat_satisfied,
        (select count(ces) from f where f.g = x.g) as ces_n,
        (select coalesce(sum(ces), 0) from f where f.g = x.g) as ces_sum,
        (select count(text) from f where f.g = x.g) as text_n,
        (select count(*) filter (where list_contains(themes, ?)) from f where f.g = x.g) as theme_n,
        (select count(*) filter (where list_contains(themes, ?) and nps <= 6) from f where f.g = x.g)
            as theme_detractors,
        (select count(*) from o where o.g = x.g) as orders_n,
        (select count(delivered_at) from o where o.g = x.g) as delivered_n,
        (select count(*) filter (where delivered_at > promised_at) from o where o.g = x.g) as late_n,
        (select count(*) from k where k.g = x.g) as contacts_n,
        (select count(*) filter (where resolved_first_contact) from k where k.g = x.g) as fcr_n,
        (select active_at_start from a where a.g = x.g) as active_at_start,
        (select churned from a where a.g = x.g) as churned
    from (select distinct g from f union select g from o union select g from k union select g from a) x
    """
    args = [start, end] * 3 + [start, start, start, start, end, theme, theme]
    with database.read(scope) as cur:
        return cur.execute(sql, args).df().fillna(0).set_index("g")


COLUMNS = ("feedback_n", "nps_n", "promoters", "detractors", "csat_n", "csat_satisfied", "ces_n", "ces_sum", "text_n",
           "theme_n", "theme_detractors", "orders_n", "delivered_n", "late_n", "contacts_n", "fcr_n",
           "active_at_start", "churned")


@pytest.mark.parametrize("theme", ["late_delivery", "price"])
def test_counts_by_segment_match_the_base_tables(database, theme):
    got = queries.run("measures_by_segment_for_period", {**PARAMS, "theme": theme}, database=database)
    got = got.set_index("segment")
    for prefix, period in (("", CUR), ("previous_", PREV)):
        want = base_counts(database, "seg", theme, period)
        for segment in want.index:
            for column in COLUMNS:
                expected = int(want.loc[segment, column])
                actual = int(got.loc[segment, prefix + column]) if segment in got.index else 0
                assert actual == expected, f"{segment} {prefix}{column}: {actual} != {expected}"


def test_counts_by_region_match_the_base_tables(database):
    got = queries.run("measures_by_unit_for_period", {**PARAMS, "level": "region", "theme": "late_delivery"},
                      database=database).set_index("unit_id")
    for prefix, period in (("", CUR), ("previous_", PREV)):
        want = base_counts(database, "unit_id", "late_delivery", period)
        for unit in got.index:
            for column in COLUMNS:
                expected = int(want.loc[unit, column]) if unit in want.index else 0
                assert int(got.loc[unit, prefix + column]) == expected, f"{unit} {prefix}{column}"


def test_company_totals_are_the_hand_computed_fixture_answers(database, expected):
    row = totals(queries.run("measures_by_segment_for_period", PARAMS, database=database))
    for period, prefix in (("cur", ""), ("prev", "previous_")):
        want = expected["company"][period]
        for key in ("nps_n", "promoters", "detractors", "csat_n", "csat_satisfied", "ces_n", "ces_sum",
                    "active_at_start", "churned"):
            assert row[prefix + key] == want[key], f"{prefix}{key}"
    # orders: 27 previous (2 late), 29 current (10 late; one not delivered yet)
    assert (row["previous_orders_n"], row["previous_late_n"]) == (27, 2)
    assert (row["orders_n"], row["delivered_n"], row["late_n"]) == (29, 28, 10)


def test_business_unit_level_rolls_regions_up_and_scope_hides_other_units(database):
    frame = queries.run("measures_by_unit_for_period", {**PARAMS, "level": "business_unit"}, database=database)
    regions = queries.run("measures_by_unit_for_period", {**PARAMS, "level": "region"}, database=database)
    na = frame.set_index("unit_id").loc["bu_na"]
    assert na.nps_n == regions[regions.unit_id.isin(["us_east", "us_west", "canada"])].nps_n.sum()
    scoped = queries.run("measures_by_unit_for_period", {**PARAMS, "level": "region"}, scope=Scope.of("us_west"),
                         database=database)
    assert list(scoped.unit_id) == ["us_west"]


def test_estimates_use_the_metric_definitions():
    row = {"promoters": 6, "detractors": 15, "nps_n": 30, "previous_promoters": 20, "previous_detractors": 4,
           "previous_nps_n": 30, "contacts_n": 40, "previous_contacts_n": 40}
    change = MEASURES["nps"].change(row)
    assert math.isclose(change.current.value, -30.0) and math.isclose(change.previous.value, (20 - 4) / 30 * 100)
    # counts over periods of different lengths: the previous count is scaled to the current length
    scaled = MEASURES["contacts"].change(row, scale=0.5)
    assert scaled.previous.value == 20.0 and math.isclose(scaled.previous.se, math.sqrt(40) / 2)


def test_bonferroni_multiplies_p_by_the_number_of_testable_groups():
    row = {"promoters": 6, "detractors": 15, "nps_n": 30, "previous_promoters": 20, "previous_detractors": 4,
           "previous_nps_n": 30}
    small = {k: v // 10 for k, v in row.items()}
    groups = {"a": MEASURES["nps"].change(row), "b": MEASURES["nps"].change(row), "c": MEASURES["nps"].change(small)}
    adjusted, k = bonferroni(groups)
    assert k == 2  # "c" has 3 answers a side: not testable, not counted
    assert math.isclose(adjusted["a"].p, min(1.0, groups["a"].p * 2))


def test_coverage_compares_one_group_with_all_the_others():
    rows = pd.DataFrame({"segment": ["business", "plus", "starter", "business"],
                         "source": ["any", "any", "any", "survey"],
                         "active": [100, 200, 300, 100], "heard": [20, 100, 150, 5]})
    change = coverage(rows, "business")
    assert change.current.value == 20.0 and change.previous.value == 50.0 and change.previous.n == 500
