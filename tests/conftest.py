"""Shared fixtures: the hand-made fixture database (tests/fixture.sql) and its hand-computed answers.

The database is built once per session in a temporary directory; ``VOC_DB`` points at it for the
whole session, so code that opens the default database (pages, CLI) reads the fixture, never data/.

``expected`` holds the answers derived BY HAND from the plans in fixture.sql. Nothing in it comes
from running the product: every figure is a literal count, or a formula written out with literal
counts (NPS = (promoters - detractors) / n * 100 and so on).
"""
from __future__ import annotations

import datetime as dt
import math
import os
import shutil
from pathlib import Path

import pytest

# The fixture is designed around the default minimum group size (30); a developer's override
# must not change the verdicts the tests expect. Must happen before voc.config is imported.
os.environ.pop("VOC_MIN_GROUP", None)

import voc.db  # noqa: E402
import voc.migrate  # noqa: E402
import voc.rollups  # noqa: E402
from voc.periods import Period  # noqa: E402

FIXTURE_SQL = Path(__file__).resolve().parent / "fixture.sql"

CURRENT = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))
PREVIOUS = Period(dt.date(2026, 5, 5), dt.date(2026, 8, 2))


def build_fixture(path: Path) -> Path:
    """Create the fixture database at ``path`` (one transaction), rebuild rollups, mark it."""
    con = voc.db.create(path)
    try:
        con.execute("begin transaction")
        con.execute(FIXTURE_SQL.read_text(encoding="utf-8"))
        voc.rollups.rebuild(con)
        # The fixture stands in for a generated demo database, so demo personas are offered.
        voc.migrate.set_meta(con, "kind", "demo")
        con.execute("commit")
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def _fixture_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("voc_fixture")
    path = build_fixture(directory / "fixture.duckdb")
    pristine = directory / "pristine.duckdb"
    shutil.copyfile(path, pristine)  # untouched copy for tests that need a private, writable file
    return path, pristine


@pytest.fixture(scope="session", autouse=True)
def fixture_db_path(_fixture_files):
    """The session's fixture database file; ``VOC_DB`` points at it while the session runs."""
    path, _ = _fixture_files
    previous = os.environ.get("VOC_DB")
    os.environ["VOC_DB"] = str(path)
    yield path
    voc.db.forget(path)
    if previous is None:
        os.environ.pop("VOC_DB", None)
    else:
        os.environ["VOC_DB"] = previous


@pytest.fixture(scope="session")
def database(fixture_db_path):
    db = voc.db.get(fixture_db_path)
    yield db
    voc.db.forget(fixture_db_path)


@pytest.fixture
def private_db_path(_fixture_files, tmp_path):
    """A private copy of the fixture for tests that write (or try to); forgotten afterwards."""
    _, pristine = _fixture_files
    path = tmp_path / "private.duckdb"
    shutil.copyfile(pristine, path)
    yield path
    voc.db.forget(path)


# ---------------------------------------------------------------------------------------------
# Hand-computed answers
# ---------------------------------------------------------------------------------------------


def nps_value(promoters, detractors, n):
    return (promoters - detractors) / n * 100


def nps_se(promoters, detractors, n):
    p, d = promoters / n, detractors / n
    return math.sqrt((p + d - (p - d) ** 2) / n) * 100


def share_se(hits, n):
    p = hits / n
    return math.sqrt(p * (1 - p) / n) * 100


def mean_se(total, total_sq, n):
    m = total / n
    return math.sqrt((total_sq - n * m * m) / (n - 1) / n)


def _expected() -> dict:
    # ---- feedback volume per region and period (see fixture.sql) --------------------------------
    # us_west  prev: NPS 30 + CSAT 20 + CES 15 + fb-d03            = 66
    #          cur : NPS 30 + CSAT 20 + CES 15 + fb-d01,d02,d11     = 68
    # us_east  prev: NPS 30 + x12 (08-01) + fb-d04 (05-05)         = 32   (fb-d05 on 05-04 is outside)
    #          cur : NPS 30 + x12 (08-20) + fb-d14                 = 32
    # company  prev: NPS 131 + CSAT 40 + CES 30 + d03,d04,d09,d10,d13          = 206
    #          cur : NPS 131 + CSAT 40 + CES 30 + d01,d02,d07,d08,d11,d12,d14   = 208
    # ---- NPS counts (promoters / detractors / n) ------------------------------------------------
    #            prev           cur
    # us_west    20 / 4 / 30    6 / 15 / 30
    # us_east    12 / 7 / 31    14 / 6 / 31   (panel 12/6/30 and 13/6/30, plus x12: 3 then 10)
    # canada      8 / 0 / 10    0 / 8 / 10
    # shanghai   15 / 6 / 30   15 / 6 / 30
    # beijing    10 / 4 / 20   12 / 4 / 20
    # south_ch.   5 / 2 / 10    6 / 2 / 10
    # company    70 / 23 / 131  53 / 41 / 131
    # ---- CSAT (satisfied / n): us_west 16/20 -> 8/20, shanghai 14/20 -> 12/20, company 30/40 -> 20/40
    # ---- CES: us_west prev 10x2 + 5x3 (sum 35, sq 85), cur 10x3 + 5x4 (sum 50, sq 170)
    #          beijing prev 5x3 + 10x4 (55, 205), cur 5x4 + 10x5 (70, 330)
    #          company prev n 30 sum 90 sq 290, cur n 30 sum 120 sq 500
    # ---- churn (customer signups and churn_events) ---------------------------------------------
    # company: signed up before 2026-05-05: 130 panel + x01 x02 x03 x04 x05 x11 x12 = 137,
    #          churned before: x01 x02 = 2                                       -> active 135
    #          churned 05-05..08-02: x04 (05-05), x03, x05 (08-02)               -> 3
    #          signed up before 2026-08-03: 137 + x06 + x07 = 139, churned before 5 -> active 134
    #          churned 08-03..10-31 among those active at the start:
    #          x11, x06, uw029, uw030 = 4  (x09 signed up on 09-15: not active at the start)
    # us_west: before 05-05: 30 + x01 + x03 = 32, churned x01 -> 31; churned in prev: x03 -> 1
    #          before 08-03: 32 + x06 = 33, churned 2 -> 31; churned in cur: x06 uw029 uw030 -> 3
    # ---- revenue at risk (latest NPS answer in the period a detractor, not churned by its end) ---
    # prev: detractors uw027-030 (4), ue025-030 (6), x12 (08-01, score 3), sh025-030 (6),
    #       bj017-020 (4), sc009-010 (2) = 23, none churned by 08-02.
    #       revenue in the answer month: uw027, uw028 80.00 (June); bj017-020 25.00 (June); x12 20.00 (Aug)
    #       -> 12 * (2 * 80 + 4 * 25 + 20) = 3360; respondents 130 panel + x12 = 131
    # cur:  detractors uw016-030 (15), ue025-030 (6), ca003-010 (8), sh025-030 (6), bj017-020 (4),
    #       sc009-010 (2) = 41, minus uw029 (10-20) and uw030 (10-31) churned -> 39
    #       (sh030 churns 11-05, after the period: still at risk)
    #       revenue: uw016-025 50.00 (Sep), sh025-030 30.00 (Sep) -> 12 * (10 * 50 + 6 * 30) = 8160
    #       respondents 131 (x12 answered 08-20 in the current period)
    company = {
        "prev": dict(
            feedback_n=206, nps_n=131, promoters=70, detractors=23,
            csat_n=40, csat_satisfied=30, ces_n=30, ces_sum=90, ces_sq_sum=290,
            active_at_start=135, churned=3,
            respondents=131, at_risk_customers=23, revenue_at_risk=12 * (2 * 80 + 4 * 25 + 20),
        ),
        "cur": dict(
            feedback_n=208, nps_n=131, promoters=53, detractors=41,
            csat_n=40, csat_satisfied=20, ces_n=30, ces_sum=120, ces_sq_sum=500,
            active_at_start=134, churned=4,
            respondents=131, at_risk_customers=39, revenue_at_risk=12 * (10 * 50 + 6 * 30),
        ),
    }
    us_west = {
        "prev": dict(
            feedback_n=66, nps_n=30, promoters=20, detractors=4,
            csat_n=20, csat_satisfied=16, ces_n=15, ces_sum=35, ces_sq_sum=85,
            active_at_start=31, churned=1,
            respondents=30, at_risk_customers=4, revenue_at_risk=12 * (2 * 80),
        ),
        "cur": dict(
            feedback_n=68, nps_n=30, promoters=6, detractors=15,
            csat_n=20, csat_satisfied=8, ces_n=15, ces_sum=50, ces_sq_sum=170,
            active_at_start=31, churned=3,
            # uw016-uw030 are detractors; uw029, uw030 churned; uw016-025 pay 50.00 in September
            respondents=30, at_risk_customers=13, revenue_at_risk=12 * (10 * 50),
        ),
    }
    nps_by_region = {
        # (promoters, detractors, n) per period; verdict of the NPS change
        "us_west": {"prev": (20, 4, 30), "cur": (6, 15, 30), "verdict": "worse"},
        "us_east": {"prev": (12, 7, 31), "cur": (14, 6, 31), "verdict": "no significant change"},
        "canada": {"prev": (8, 0, 10), "cur": (0, 8, 10), "verdict": "too few answers to tell"},
        "shanghai": {"prev": (15, 6, 30), "cur": (15, 6, 30), "verdict": "no significant change"},
    }
    coverage = {
        "company": dict(
            feedback_first_day=dt.date(2026, 5, 4),    # fb-d05, 2026-05-04 23:59:59
            feedback_last_day=dt.date(2026, 11, 1),    # fb-d06, 2026-11-01 00:00:00
            orders_last_day=dt.date(2026, 10, 30),     # ord-open-1
            contacts_last_day=dt.date(2026, 10, 31),   # k-last
            customers=142,                             # 130 panel + x01..x12
        ),
        "us_west": dict(
            feedback_first_day=dt.date(2026, 5, 10),   # first us_west CES answer
            feedback_last_day=dt.date(2026, 10, 31),   # fb-d02
            orders_last_day=dt.date(2026, 10, 30),
            contacts_last_day=dt.date(2026, 10, 31),
            customers=35,                              # uw001-uw030 + x01 x03 x06 x08 x10
        ),
    }
    # Row counts per scope for test_scope / test_db.
    rows = {
        "feedback": {"all": 416, "us_west": 134, "us_east": 65, "canada": 22,
                     "shanghai": 102, "beijing": 72, "south_china": 21, "bu_na": 134 + 65 + 22},
        "orders": {"all": 27 + 29, "us_west": 10 + 10 + 2},
        "late_orders": {"all": 2 + 10, "us_west": 1 + 6},
        "customers": {"all": 142, "us_west": 35},
        "contacts": {"all": 13 + 18, "us_west": 4 + 8 + 1},
        "churn_events": {"all": 11, "us_west": 5},        # x01 x03 x06 uw029 uw030
        "revenue": {"all": 30, "us_west": 14},            # uw016-025, uw029, uw001, uw027, uw028
        "revenue_amount": {"us_west": 10 * 50 + 50 + 100 + 2 * 80},
        "late_delivery_mentions": {"us_west": 15 + 2},    # cur detractors + fb-d01, fb-d02
        "respondent_months": {"all": 130 * 2 + 1, "us_west": 30 * 2},
    }
    return {
        "current": CURRENT,
        "previous": PREVIOUS,
        "company": company,
        "us_west": us_west,
        "nps_by_region": nps_by_region,
        "coverage": coverage,
        "rows": rows,
    }


@pytest.fixture(scope="session")
def expected() -> dict:
    return _expected()
