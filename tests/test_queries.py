"""Named queries: every file parses and runs on the fixture, bindings are checked, results are right.

The contract tests (parse, run, grain) are generated for every file in queries/, so a new query
file is covered without new test code: sample values are chosen from each parameter's declared
type (and, for text, from its name).
"""
from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from voc import config, queries
from voc.queries import QueryError
from voc.scope import ALL, Scope

QUERY_FILES = sorted(Path(config.QUERIES_DIR).glob("*.sql"))
SCOPES = {"all": ALL, "us_west": Scope.of("us_west"), "bu_cn": Scope.of("bu_cn"), "nobody": Scope.of("atlantis")}

CUR_START, CUR_END = dt.date(2026, 8, 3), dt.date(2026, 10, 31)
PREV_START, PREV_END = dt.date(2026, 5, 5), dt.date(2026, 8, 2)

# Sample text values by (a fragment of) the parameter name; first match wins.
TEXT_SAMPLES = (
    ("level", "region"),
    ("unit", "us_west"),
    ("region", "us_west"),
    ("segment", "plus"),
    ("theme", "late_delivery"),
    ("source", "survey"),
    ("channel", "email"),
    ("stage", "delivery"),
    ("touchpoint", "nps_survey"),
    ("lang", "en"),
    ("customer", "uw016"),
    ("feedback", "fb-d01"),
    ("case", "case-1"),
    ("initiative", "ini-1"),
    ("status", "open"),
    ("priority", "high"),
    ("kind", "incident"),
    ("metric", "nps"),
    ("grain", "month"),
    ("granularity", "month"),
    ("bucket", "month"),
    ("interval", "month"),
    ("search", "late"),
    ("term", "late"),
    ("text", "late"),
    ("word", "late"),
    ("owner", "alice"),
)
TEXT_FALLBACK = "unknown"
LIST_EXTRA = {"us_west": "us_east", "plus": "family", "late_delivery": "billing", "survey": "review"}
_PREVIOUS_WORDS = ("prev", "before", "baseline", "compare")


def _is_previous(name: str) -> bool:
    return any(w in name for w in _PREVIOUS_WORDS)


def sample_value(param: queries.Param):
    """A valid value for ``param``, chosen from its declared type and its name."""
    name = param.name
    if param.type in ("date", "timestamp"):
        previous = _is_previous(name)
        if "start" in name or "from" in name or "since" in name:
            day = PREV_START if previous else CUR_START
            time = dt.time(0, 0)
        else:  # end, to, until, as_of, day ...: the last day of the period
            day = PREV_END if previous else CUR_END
            time = dt.time(23, 59, 59)
        return day if param.type == "date" else dt.datetime.combine(day, time)
    if param.type == "integer":
        if "year" in name:
            return 2026
        if "month" in name:
            return 9
        if "day" in name:
            return 90
        if "min" in name:
            return 30
        if "second" in name:
            return 600
        return 10
    if param.type == "double":
        if "alpha" in name:
            return 0.05
        return 0.5
    if param.type == "boolean":
        return True
    if param.type == "varchar":
        for fragment, value in TEXT_SAMPLES:
            if fragment in name:
                return value
        return TEXT_FALLBACK
    if param.type == "varchar[]":
        first = sample_value(queries.Param(name, "varchar", False))
        return [first, LIST_EXTRA.get(first, first)]
    raise AssertionError(f"no sample for type {param.type}")


def wrong_value(param: queries.Param):
    """A value of the wrong type for ``param``."""
    return {
        "date": "not-a-date",
        "timestamp": "not-a-time",
        "integer": "many",
        "double": "lots",
        "boolean": "maybe",
        "varchar": 42,
        "varchar[]": "us_west",  # a bare string, not a list
    }[param.type]


def call_variants(query: queries.NamedQuery) -> list[tuple[str, dict]]:
    """Parameter sets: optional ones omitted, and all given."""
    required = {p.name: sample_value(p) for p in query.params if not p.optional}
    variants = [("optional-omitted", required)]
    if any(p.optional for p in query.params):
        variants.append(("optional-given", {p.name: sample_value(p) for p in query.params}))
    return variants


@pytest.fixture(params=QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def query_file(request) -> Path:
    return request.param


# ---------------------------------------------------------------------------------------------
# (a) every query parses, runs, and keeps its declared grain
# ---------------------------------------------------------------------------------------------


def test_queries_directory_is_not_empty():
    assert QUERY_FILES, f"no query files in {config.QUERIES_DIR}"


def test_every_query_parses(query_file):
    query = queries.parse(query_file)
    assert query.name == query_file.stem
    assert query.returns, "the header must say what one row is"
    assert all(g for g in query.grain), f"empty grain column in {query.grain}"
    assert len({p.name for p in query.params}) == len(query.params), "a parameter is declared twice"


def test_every_query_transpiles_to_spark_sql(query_file):
    """DESIGN §1: the named queries stay portable to a distributed engine (Spark SQL first) through
    sqlglot's transpiler: a construct it cannot map, or a function it does not know (which it would
    pass through unchanged, e.g. DuckDB's arg_max_null), fails here."""
    import sqlglot
    from sqlglot import exp

    body = queries.parse(query_file).body
    unknown = sorted({f.name for f in sqlglot.parse_one(body, read="duckdb").find_all(exp.Anonymous)})
    assert not unknown, f"functions sqlglot cannot map to other engines: {unknown}"
    spark = sqlglot.transpile(body, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    assert len(spark) == 1 and spark[0].lstrip().lower().startswith(("with", "select"))


def test_catalog_holds_every_file():
    assert sorted(queries.catalog()) == [p.stem for p in QUERY_FILES]


@pytest.mark.parametrize("scope_name", list(SCOPES))
def test_every_query_runs_and_keeps_its_grain(query_file, scope_name, database):
    query = queries.parse(query_file)
    for variant, params in call_variants(query):
        frame = queries.run(query.name, params, scope=SCOPES[scope_name], database=database)
        where = f"{query.name} [{variant}, scope {scope_name}]"
        if not query.grain:
            assert len(frame) == 1, f"{where}: grain is 'one row' but it returned {len(frame)} rows"
            continue
        missing = set(query.grain) - set(frame.columns)
        assert not missing, f"{where}: grain columns {sorted(missing)} are not in the result {list(frame.columns)}"
        duplicated = frame[frame.duplicated(subset=list(query.grain), keep=False)]
        assert duplicated.empty, f"{where}: rows are not unique on {query.grain}:\n{duplicated.head(10)}"


def test_sample_values_bind(query_file):
    """The generated sample values are valid for the declared types (guards the generator itself)."""
    query = queries.parse(query_file)
    for _, params in call_variants(query):
        bound = queries.bind(query, params)
        assert set(bound) == {p.name for p in query.params}


def test_run_uses_the_fixture_by_default(expected):
    """VOC_DB points at the fixture for the session: no database argument reads the fixture."""
    frame = queries.run("data_coverage")
    assert int(frame.customers.iloc[0]) == expected["coverage"]["company"]["customers"]


# ---------------------------------------------------------------------------------------------
# (b) binding errors name the parameter
# ---------------------------------------------------------------------------------------------


def test_unknown_parameter_is_refused(database):
    with pytest.raises(QueryError, match="bogus"):
        queries.run("kpi_totals_for_period", {"start": CUR_START, "end": CUR_END, "bogus": 1}, database=database)


def test_missing_parameter_is_refused(database):
    with pytest.raises(QueryError, match="'end'"):
        queries.run("kpi_totals_for_period", {"start": CUR_START}, database=database)


def test_wrong_type_is_refused(database):
    with pytest.raises(QueryError, match="'start'") as info:
        queries.run("kpi_totals_for_period", {"start": "not-a-date", "end": CUR_END}, database=database)
    assert "not-a-date" in str(info.value)


def test_unknown_query_is_refused(database):
    with pytest.raises(QueryError, match="no_such_query"):
        queries.run("no_such_query", {}, database=database)


def test_string_dates_are_converted(database, expected):
    frame = queries.run("kpi_totals_for_period", {"start": "2026-08-03", "end": "2026-10-31"}, database=database)
    assert int(frame.feedback_n.iloc[0]) == expected["company"]["cur"]["feedback_n"]


def test_every_query_refuses_an_unknown_parameter(query_file, database):
    query = queries.parse(query_file)
    params = {p.name: sample_value(p) for p in query.params}
    params["no_such_parameter"] = "x"
    with pytest.raises(QueryError, match="no_such_parameter"):
        queries.run(query.name, params, database=database)


def test_every_query_refuses_a_missing_required_parameter(query_file, database):
    query = queries.parse(query_file)
    for param in (p for p in query.params if not p.optional):
        params = {p.name: sample_value(p) for p in query.params if p.name != param.name}
        with pytest.raises(QueryError, match=f"'{param.name}'"):
            queries.run(query.name, params, database=database)


def test_every_query_refuses_a_wrong_type(query_file, database):
    query = queries.parse(query_file)
    for param in query.params:
        params = {p.name: sample_value(p) for p in query.params}
        params[param.name] = wrong_value(param)
        with pytest.raises(QueryError, match=f"'{param.name}'"):
            queries.run(query.name, params, database=database)


# ---------------------------------------------------------------------------------------------
# (c) header / SQL mismatches are refused when the file is read
# ---------------------------------------------------------------------------------------------


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.sql"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_a_well_formed_file_parses(tmp_path):
    path = _write(tmp_path, "good", """
        -- returns: feedback per unit
        -- grain: unit_id, day
        -- params: start date, end date, units varchar[] = null
        select unit_id, day, sum(n) as n from feedback_daily
        where day between $start and $end and ($units is null or unit_id in (select unnest($units)))
        group by all
    """)
    query = queries.parse(path)
    assert query.grain == ("unit_id", "day")
    assert [(p.name, p.type, p.optional) for p in query.params] == [
        ("start", "date", False), ("end", "date", False), ("units", "varchar[]", True)]


def test_header_missing_a_parameter_the_sql_uses(tmp_path):
    path = _write(tmp_path, "undeclared", """
        -- returns: x
        -- grain: one row
        -- params: start date
        select count(*) from feedback_daily where day between $start and $end
    """)
    with pytest.raises(QueryError, match="end"):
        queries.parse(path)


def test_header_declaring_a_parameter_the_sql_does_not_use(tmp_path):
    path = _write(tmp_path, "unused", """
        -- returns: x
        -- grain: one row
        -- params: start date, end date, segment varchar
        select count(*) from feedback_daily where day between $start and $end
    """)
    with pytest.raises(QueryError, match="segment"):
        queries.parse(path)


def test_parameter_only_in_a_comment_does_not_count(tmp_path):
    path = _write(tmp_path, "commented", """
        -- returns: x
        -- grain: one row
        -- params: start date
        -- $start is the first day
        select 1 as one
    """)
    with pytest.raises(QueryError, match="start"):
        queries.parse(path)


def test_missing_header_line(tmp_path):
    path = _write(tmp_path, "headless", """
        -- returns: x
        -- params: none
        select 1 as one
    """)
    with pytest.raises(QueryError, match="grain"):
        queries.parse(path)


def test_unknown_parameter_type(tmp_path):
    path = _write(tmp_path, "badtype", """
        -- returns: x
        -- grain: one row
        -- params: start datetime
        select $start as s
    """)
    with pytest.raises(QueryError, match="start datetime"):
        queries.parse(path)


def test_bad_query_name(tmp_path):
    path = _write(tmp_path, "Bad-Name", """
        -- returns: x
        -- grain: one row
        -- params: none
        select 1 as one
    """)
    with pytest.raises(QueryError):
        queries.parse(path)


def test_catalog_of_a_directory_with_a_bad_file_raises(tmp_path):
    _write(tmp_path, "fine", """
        -- returns: x
        -- grain: one row
        -- params: none
        select 1 as one
    """)
    _write(tmp_path, "broken", """
        -- returns: x
        -- grain: one row
        -- params: none
        select $oops as one
    """)
    with pytest.raises(QueryError, match="oops"):
        queries.catalog(tmp_path)


# ---------------------------------------------------------------------------------------------
# (d) results equal the hand-computed figures
# ---------------------------------------------------------------------------------------------

KPI_TOTAL_COLUMNS = ("feedback_n", "nps_n", "promoters", "detractors", "csat_n", "csat_satisfied",
                     "ces_n", "ces_sum", "ces_sq_sum")
CASES = [("company", ALL, "prev"), ("company", ALL, "cur"),
         ("us_west", Scope.of("us_west"), "prev"), ("us_west", Scope.of("us_west"), "cur")]
CASE_IDS = [f"{who}-{period}" for who, _, period in CASES]


def _period_params(period: str) -> dict:
    return {"start": PREV_START, "end": PREV_END} if period == "prev" else {"start": CUR_START, "end": CUR_END}


@pytest.mark.parametrize("who,scope,period", CASES, ids=CASE_IDS)
def test_kpi_totals_for_period(who, scope, period, database, expected):
    row = queries.run("kpi_totals_for_period", _period_params(period), scope=scope, database=database).iloc[0]
    want = expected[who][period]
    got = {c: float(row[c]) for c in KPI_TOTAL_COLUMNS}
    assert got == {c: float(want[c]) for c in KPI_TOTAL_COLUMNS}


@pytest.mark.parametrize("day,company,us_west", [
    (dt.date(2026, 8, 3), 1, 1),     # fb-d01 at 00:00:00
    (dt.date(2026, 10, 31), 1, 1),   # fb-d02 at 23:59:59
    (dt.date(2026, 8, 2), 1, 1),     # fb-d03 at 23:59:59
    (dt.date(2026, 5, 4), 1, 0),     # fb-d05 (us_east) at 23:59:59
])
def test_kpi_totals_day_boundaries(day, company, us_west, database):
    params = {"start": day, "end": day}
    assert int(queries.run("kpi_totals_for_period", params, database=database).feedback_n.iloc[0]) == company
    got = queries.run("kpi_totals_for_period", params, scope=Scope.of("us_west"), database=database)
    assert int(got.feedback_n.iloc[0]) == us_west


def test_kpi_totals_for_an_empty_period_are_zero(database):
    row = queries.run("kpi_totals_for_period", {"start": dt.date(2020, 1, 1), "end": dt.date(2020, 3, 31)},
                      database=database).iloc[0]
    assert [float(row[c]) for c in KPI_TOTAL_COLUMNS] == [0.0] * len(KPI_TOTAL_COLUMNS)


@pytest.mark.parametrize("who,scope,period", CASES, ids=CASE_IDS)
def test_churn_for_period(who, scope, period, database, expected):
    row = queries.run("churn_for_period", _period_params(period), scope=scope, database=database).iloc[0]
    want = expected[who][period]
    assert (int(row.active_at_start), int(row.churned)) == (want["active_at_start"], want["churned"])


def test_churn_counts_only_customers_active_at_the_start(database):
    """x09 (south_china) signs up on 2026-09-15 and churns on 2026-10-15: it was not active at the
    start of the current period, so it is not one of the customers "who churned" (0 of 10 + x09)."""
    row = queries.run("churn_for_period", _period_params("cur"), scope=Scope.of("south_china"),
                      database=database).iloc[0]
    # south_china: sc001-sc010 active at the start; none of them churned.
    assert (int(row.active_at_start), int(row.churned)) == (10, 0)


@pytest.mark.parametrize("who,scope,period", CASES, ids=CASE_IDS)
def test_revenue_at_risk_for_period(who, scope, period, database, expected):
    row = queries.run("revenue_at_risk_for_period", _period_params(period), scope=scope,
                      database=database).iloc[0]
    want = expected[who][period]
    assert int(row.respondents) == want["respondents"]
    assert int(row.at_risk_customers) == want["at_risk_customers"]
    assert math.isclose(float(row.revenue_at_risk), want["revenue_at_risk"])


def test_revenue_at_risk_answer_early_in_a_month_shared_by_two_periods(database):
    """x12 (us_east) answers 3 on 2026-08-01 (previous period) and 10 on 2026-08-20 (current).
    In the previous period its latest answer is the detractor one: it is at risk there with its
    August revenue 20.00 -> 240 a year. us_east previous: ue025-ue030 (no revenue) + x12."""
    row = queries.run("revenue_at_risk_for_period", _period_params("prev"), scope=Scope.of("us_east"),
                      database=database).iloc[0]
    assert int(row.respondents) == 30 + 1
    assert int(row.at_risk_customers) == 6 + 1
    assert math.isclose(float(row.revenue_at_risk), 12 * 20.00)


@pytest.mark.parametrize("who,scope", [("company", ALL), ("us_west", Scope.of("us_west"))], ids=["company", "us_west"])
def test_data_coverage(who, scope, database, expected):
    row = queries.run("data_coverage", scope=scope, database=database).iloc[0]
    want = expected["coverage"][who]
    got = {
        "feedback_first_day": pd.Timestamp(row.feedback_first_day).date(),
        "feedback_last_day": pd.Timestamp(row.feedback_last_day).date(),
        "orders_last_day": pd.Timestamp(row.orders_last_day).date(),
        "contacts_last_day": pd.Timestamp(row.contacts_last_day).date(),
        "customers": int(row.customers),
    }
    assert got == want


def test_data_coverage_for_a_scope_with_no_units(database):
    row = queries.run("data_coverage", scope=Scope.of("atlantis"), database=database).iloc[0]
    assert int(row.customers) == 0
    assert row.isna()[["feedback_first_day", "feedback_last_day", "orders_last_day", "contacts_last_day"]].all()
