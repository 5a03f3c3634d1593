"""The demo company's case history (voc.loop.demo_cases) and what the analysis finds in it.

The planted effect: among detractor follow-ups, customers contacted within the SLA leave within 90
days half as often as never-contacted ones (0.8 when contacted late); pooled against "late or
never" that is a relative risk of 0.5 / (0.55 * 0.8 + 0.45) = 0.562. voc.loop.value must find a
significant difference of that size.
"""
import datetime as dt
import json
import math

import duckdb
import pytest

from voc import db, demo
from voc.loop import demo_cases, value

SCALE = 10_000


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("loop_demo") / "demo.duckdb"
    demo.build(path, customers=SCALE, seed=7)
    con = duckdb.connect(str(path))
    try:
        existing = con.execute("select count(*) from cases").fetchone()[0]
        truth = (json.loads(con.execute("select value from meta where key = 'demo_case_effect'").fetchone()[0])
                 if existing else demo_cases.generate(con, seed=7))
    finally:
        con.close()
    yield path, truth
    db.forget(path)


def one(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_truth_records_the_planted_effect(built):
    _, truth = built
    assert truth["kind"] == "closed_loop" and truth["relative_churn"] == {"in_time": 0.5, "late": 0.8, "never": 1.0}
    planted = 0.5 / (0.55 * 0.8 + 0.45)   # late and never split 55:45 among the cases missed
    assert truth["expected_relative_risk_in_time_vs_late_or_never"] == pytest.approx(planted, abs=1e-3)
    assert sum(truth["realised_groups"].values()) == truth["cases"]


def test_the_history_is_consistent(built):
    path, truth = built
    assert one(path, "select count(*) from cases") == [(truth["cases"],)]
    assert one(path, "select count(*) from cases where status <> 'closed'") == [(truth["open_cases"],)]
    # every case: an opening event, a version equal to its last versioned event, closing facts when closed
    assert one(path, """select count(*) from cases c where version <> (select max(version) from case_events e
                        where e.case_id = c.case_id)""") == [(0,)]
    assert one(path, """select count(*) from cases where status = 'closed' and (root_cause is null
                        or action_taken is null or customer_informed is null or closed_at is null)""") == [(0,)]
    assert one(path, """select count(*) from cases where first_contact_at < opened_at or closed_at < opened_at
                        or due_at <= opened_at""") == [(0,)]
    assert one(path, "select count(*) from cases where owner is null") == [(0,)]    # every region has agents
    shanghai = dict(one(path, "select owner, count(*) from cases where unit_id = 'shanghai' group by 1"))
    assert set(shanghai) == {"demo-agent", "sh-wei", "sh-jing"}
    assert max(shanghai.values()) - min(shanghai.values()) <= 1                        # round robin
    # escalations happened exactly for the cases not reached in time
    assert one(path, """select count(*) from cases c where (first_contact_at is null or first_contact_at > due_at)
                        and due_at < timestamp '2026-11-01' and not exists (select 1 from case_events e
                        where e.case_id = c.case_id and e.kind = 'escalated')""") == [(0,)]


def test_the_analysis_finds_the_planted_effect_and_its_size(built):
    path, truth = built
    v = value.build(dt.date(2026, 10, 31), database=db.get(path))
    churn = v.effect["churn"]
    assert churn.significant and churn.delta < 0 and churn.p < 1e-6
    found = churn.current.value / churn.previous.value
    se_log = math.sqrt((1 - churn.current.value / 100) / (churn.current.value / 100 * churn.current.n)
                       + (1 - churn.previous.value / 100) / (churn.previous.value / 100 * churn.previous.n))
    low, high = found * math.exp(-1.96 * se_log), found * math.exp(1.96 * se_log)
    assert low <= truth["expected_relative_risk_in_time_vs_late_or_never"] <= high   # the planted size is recovered
    groups = v.groups.set_index("contact_group").churn_pct
    assert groups["Within the SLA"] < groups["Late"] < groups["Never contacted"]
    assert value.headline(v).startswith("Detractors contacted within the SLA churned")
    # SLA compliance rises over the two years (canada, the control, stays flat)
    monthly = value.sla_by_month(dt.datetime(2026, 11, 1), months=24, database=db.get(path)).dropna()
    assert monthly.in_time_pct.iloc[-6:].mean() > monthly.in_time_pct.iloc[:6].mean() + 5
