"""The demo generator (voc.demo): determinism, completeness, consistency and every planted effect.

One demo of SCALE customers is built per session; every effect in its ground truth is checked
with SQL against the file, using plain two-sample z-tests. SCALE is the smallest size at which
each effect is still clearly significant (|z| > SIGNIFICANT); "no change" means |z| < CALM.
"""
from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
import pytest

from voc import demo

SCALE = 10_000
SEED = 7
SIGNIFICANT = 3.0
CALM = 3.0
TABLES = ("org_units", "themes", "customers", "feedback", "orders", "contacts", "incidents", "revenue",
          "churn_events", "cases", "initiatives", "annotations")
REGIONS = ("us_east", "us_west", "canada", "shanghai", "beijing", "south_china")


# ---------------------------------------------------------------- helpers

def z_prop(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-proportion z statistic (pooled), positive when the first share is larger."""
    p = (x1 + x2) / (n1 + n2)
    return (x1 / n1 - x2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))


def z_mean(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> float:
    return (m1 - m2) / math.sqrt(s1 * s1 / n1 + s2 * s2 / n2)


def one(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def table_hashes(path) -> dict[str, tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: one(con, f"select count(*), bit_xor(hash(t)) from {t} t") for t in TABLES}
    finally:
        con.close()


def churn_rate(con, where: str, first: dt.date, last: dt.date, *params) -> tuple[int, int]:
    """(churned, customer-months) for customer-months in [first, last] matching ``where`` (on r, c)."""
    return one(con, f"""
        select count(*) filter (where date_trunc('month', e.churned_at) = r.month), count(*)
        from revenue r join customers c using (customer_id) left join churn_events e using (customer_id)
        where r.month between ? and ? and {where}""", first, last, *params)


def theme_share(con, theme: str, where: str, cut: dt.date) -> tuple[int, int, int, int]:
    """Verbatims with ``theme`` among verbatims matching ``where``: from ``cut`` on, and before it."""
    after, before = (one(con, f"""
        select count(*) filter (where list_contains(themes, ?)), count(*)
        from feedback where themes is not null and {where} and (submitted_at >= ?) = ?""", theme, cut, flag)
        for flag in (True, False))
    return (*after, *before)


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    calls = []
    truth = demo.build(path, customers=SCALE, seed=SEED, progress=lambda f, m: calls.append((f, m)))
    return path, truth, calls


@pytest.fixture(scope="session")
def con(built):
    connection = duckdb.connect(str(built[0]), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def truth(built):
    return built[1]


@pytest.fixture(scope="session")
def effect(truth):
    return {e["kind"]: e for e in truth["effects"]}


# ---------------------------------------------------------------- the build itself

def test_same_seed_same_contents_other_seed_differs(tmp_path):
    first = demo.build(tmp_path / "a.duckdb", customers=1_500, seed=3)
    second = demo.build(tmp_path / "b.duckdb", customers=1_500, seed=3)
    third = demo.build(tmp_path / "c.duckdb", customers=1_500, seed=4)
    a, b, c = (table_hashes(tmp_path / f"{x}.duckdb") for x in "abc")
    assert first == second and a == b
    changed = [t for t in TABLES if a[t] != c[t]]
    assert set(changed) >= {"customers", "orders", "contacts", "revenue", "churn_events", "feedback", "incidents"}
    assert third["seed"] == 4


def test_failed_build_leaves_previous_file_untouched(tmp_path):
    path = tmp_path / "voc.duckdb"
    demo.build(path, customers=300, seed=1)
    before = table_hashes(path)

    def explode(fraction, message):
        if fraction > 0.3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        demo.build(path, customers=300, seed=2, progress=explode)
    assert table_hashes(path) == before
    assert not (tmp_path / "voc.duckdb.building").exists()
    assert json.loads(path.with_suffix(".truth.json").read_text())["seed"] == 1


def test_stale_wal_of_replaced_file_does_not_block_the_new_one(tmp_path):
    path = tmp_path / "voc.duckdb"
    demo.build(path, customers=300, seed=1)
    (tmp_path / "voc.duckdb.wal").write_bytes(b"left behind by a crashed process")
    demo.build(path, customers=300, seed=2)
    con = duckdb.connect(str(path), read_only=True)
    assert one(con, "select value from meta where key = 'demo_seed'") == ("2",)
    con.close()


def test_progress_reported_every_month(built):
    calls = built[2]
    fractions = [f for f, _ in calls]
    assert sum(m.startswith("Simulating") for _, m in calls) == 24
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


def test_truth_file_and_meta(built, con, truth):
    path = built[0]
    assert json.loads(path.with_suffix(".truth.json").read_text(encoding="utf-8")) == truth
    assert (truth["seed"], truth["customers"], truth["control_unit"]) == (SEED, SCALE, "canada")
    assert (truth["start"], truth["end"]) == ("2024-11-01", "2026-10-31")
    assert {e["kind"] for e in truth["effects"]} == {
        "delivery_crisis", "price_rise", "initiative", "outage", "detractor_churn", "response_bias", "control",
        "closed_loop"}
    meta = dict(con.execute("select key, value from meta").fetchall())
    assert (meta["kind"], meta["demo_seed"], meta["demo_customers"]) == ("demo", str(SEED), str(SCALE))


def test_every_table_filled(con):
    counts = {t: one(con, f"select count(*) from {t}")[0] for t in TABLES}
    assert all(n > 0 for n in counts.values()), counts
    assert counts["customers"] == SCALE
    assert counts["org_units"] == 9
    assert one(con, "select count(*) from feedback_daily")[0] > 0  # rollups rebuilt


# ---------------------------------------------------------------- consistency of the facts

def test_references_and_time_order(con):
    for table in ("orders", "contacts", "revenue", "churn_events", "feedback"):
        missing = one(con, f"""select count(*) from {table} x where x.customer_id is not null
                                and x.customer_id not in (select customer_id from customers)""")[0]
        assert missing == 0, table
    assert one(con, """select count(*) from feedback f where f.interaction_id like 'O%'
                       and f.interaction_id not in (select order_id from orders)""")[0] == 0
    assert one(con, """select count(*) from feedback f where f.interaction_id like 'K%'
                       and f.interaction_id not in (select contact_id from contacts)""")[0] == 0
    assert one(con, """select count(*) from orders o join customers c using (customer_id)
                       where o.ordered_at < c.signup_at or o.unit_id <> c.unit_id""")[0] == 0
    assert one(con, """select count(*) from revenue r join churn_events e using (customer_id)
                       where r.month > e.churned_at""")[0] == 0
    assert one(con, "select max(submitted_at) < date '2026-11-01', min(submitted_at) >= date '2024-11-01' "
                    "from feedback") == (True, True)


def test_revenue_is_plan_fee_plus_orders(con):
    """Revenue minus the month's order amounts is exactly the plan fee of the segment."""
    rows = con.execute("""
        with spend as (select customer_id, date_trunc('month', ordered_at)::date as month, sum(amount) as a
                       from orders group by all)
        select c.segment, r.month >= date '2025-09-01', r.unit_id = 'canada',
               min(r.amount - coalesce(s.a, 0)), max(r.amount - coalesce(s.a, 0))
        from revenue r join customers c using (customer_id) left join spend s using (customer_id, month)
        group by all""").fetchall()
    fees = {(seg, after, canada): (float(lo), float(hi)) for seg, after, canada, lo, hi in rows}
    for segment, fee in (("starter", 15), ("plus", 30), ("family", 45), ("business", 120)):
        raised = 18 if segment == "starter" else fee
        assert fees[(segment, False, False)] == fees[(segment, False, True)] == (fee, fee)
        assert fees[(segment, True, True)] == (fee, fee)
        assert fees[(segment, True, False)] == (raised, raised)


def test_verbatims_are_varied_bilingual_and_sometimes_carry_contact_details(con):
    distinct, texts = one(con, "select count(distinct text), count(text) from feedback")
    assert distinct > 0.5 * texts and distinct > 10_000
    by_bu = dict(((na, lang), n) for na, lang, n in con.execute("""
        select unit_id in ('us_east', 'us_west', 'canada'), language, count(*) from feedback
        where text is not null group by all""").fetchall())
    assert 0.92 < by_bu[(True, "en")] / (by_bu[(True, "en")] + by_bu[(True, "zh")]) < 0.98
    assert 0.80 < by_bu[(False, "zh")] / (by_bu[(False, "en")] + by_bu[(False, "zh")]) < 0.90
    pii, total = one(con, r"""select count(*) filter (where regexp_matches(text, '@example\.com|555')),
                              count(text) from feedback""")
    assert 0.005 < pii / total < 0.02
    assert one(con, """select count(*) from feedback where text like '%@example.com%'
                       and text not like '%' || (select email from customers c
                                                 where c.customer_id = feedback.customer_id) || '%'""")[0] == 0
    assert one(con, "select count(*) from feedback where source = 'chat' and text like 'Agent:%Customer:%'")[0] > 0
    assert one(con, "select count(*) from feedback where source = 'call' and text like '客服：%顾客：%'")[0] > 0
    assert one(con, "select count(*) from feedback where (text is null) <> (themes is null)")[0] == 0
    comment, surveys = one(con, """select count(text), count(*) from feedback
                                   where source = 'survey' and interaction_id like 'O%'""")
    assert 0.40 < comment / surveys < 0.60


def test_sources_stages_and_scores(con):
    sources = dict(con.execute("select source, count(*) from feedback group by 1").fetchall())
    assert set(sources) == {"survey", "review", "social", "ticket", "chat", "call", "email"}
    assert sources["survey"] > sources["review"] > sources["social"]
    stages = {r[0] for r in con.execute("""select distinct journey_stage from feedback
                                           where source in ('review', 'social', 'ticket')""").fetchall()}
    assert {"onboarding", "purchase", "billing", "renewal", "delivery"} <= stages
    assert one(con, """select bool_and(nps is not null and journey_stage = 'delivery' and solicited)
                       from feedback where interaction_id like 'O%' and source = 'survey'""")[0]
    assert one(con, """select bool_and(ces is not null and nps is null and journey_stage = 'support')
                       from feedback where interaction_id like 'K%' and source = 'survey'""")[0]
    assert one(con, "select bool_and(rating is not null) from feedback where source = 'review'")[0]
    # CES: higher means more effort, so unresolved contacts score higher.
    resolved, unresolved = (one(con, """select avg(f.ces) from feedback f join contacts k
                                        on k.contact_id = f.interaction_id
                                        where f.ces is not null and k.resolved_first_contact = ?""", flag)[0]
                            for flag in (True, False))
    assert unresolved > resolved + 1
    themes = {r[0] for r in con.execute("select distinct unnest(themes) from feedback").fetchall()}
    assert themes <= {r[0] for r in con.execute("select theme_id from themes").fetchall()}


# ---------------------------------------------------------------- planted effects

def test_delivery_crisis(con, effect):
    e = effect["delivery_crisis"]
    first, last = day(e["start"]), day(e["end"])
    late = {flag: one(con, """select count(*) filter (where delivered_at > promised_at), count(*) from orders
                             where unit_id = 'us_west' and delivered_at is not null
                               and (ordered_at::date between ? and ?) = ? and ordered_at < ? + 30""",
                      first, last, flag, last) for flag in (True, False)}
    ratio = (late[True][0] / late[True][1]) / (late[False][0] / late[False][1])
    assert 2.5 < ratio < 4.5 and abs(ratio - e["expected_late_ratio"]) < 1.0
    assert z_prop(*late[True], *late[False]) > SIGNIFICANT

    detractors = {flag: one(con, """select count(*) filter (where f.nps <= 6), count(*) from feedback f
                                   join orders o on o.order_id = f.interaction_id
                                   where f.unit_id = 'us_west' and f.nps is not null
                                     and (o.ordered_at::date between ? and ?) = ?""", first, last, flag)
                  for flag in (True, False)}
    assert z_prop(*detractors[True], *detractors[False]) > SIGNIFICANT

    mentions = {flag: one(con, """select count(*) filter (where list_contains(themes, 'delivery_late')), count(*)
                                 from feedback where unit_id = 'us_west' and themes is not null
                                   and (submitted_at::date between ? and ? + 7) = ?
                                   and not submitted_at::date between ? + 8 and ? + 21""",
                          first, last, flag, last, last) for flag in (True, False)}
    assert z_prop(*mentions[True], *mentions[False]) > SIGNIFICANT

    window = day(e["churn_start"]), day(e["churn_end"])
    during = churn_rate(con, "r.unit_id = 'us_west'", *window)
    calm = churn_rate(con, "r.unit_id = 'us_west' and r.month not between ? and ?", dt.date(2026, 3, 1),
                      dt.date(2026, 10, 1), *window)  # 2026 outside the window: after the price shock
    assert z_prop(*during, *calm) > SIGNIFICANT
    exposed = {flag: one(con, """
        with hit as (select distinct customer_id from orders where unit_id = 'us_west'
                     and delivered_at > promised_at and ordered_at::date between ? and ?)
        select count(e.customer_id) filter (where e.churned_at between ? and ?), count(*)
        from revenue r left join churn_events e using (customer_id)
        where r.unit_id = 'us_west' and r.month = ? and (r.customer_id in (select customer_id from hit)) = ?""",
        first, last, *window, window[0], flag) for flag in (True, False)}
    assert z_prop(*exposed[True], *exposed[False]) > SIGNIFICANT

    incident = one(con, "select unit_id, started_at::date, service from incidents where incident_id = ?",
                   e["incident_id"])
    assert incident == ("us_west", first, "delivery")
    assert one(con, "select count(*) from annotations where unit_id = 'us_west' and on_date = ?", first)[0] == 1


def test_price_rise(con, effect):
    e = effect["price_rise"]
    rise = day(e["date"])
    assert e["units"] == [u for u in REGIONS if u != "canada"] and e["excluded_units"] == ["canada"]
    start, shock_end = dt.date(2024, 11, 1), dt.date(2025, 11, 1)
    before = rise - dt.timedelta(days=1)
    starters = "c.segment = 'starter' and c.unit_id <> 'canada'"
    assert z_prop(*churn_rate(con, starters, rise, shock_end), *churn_rate(con, starters, start, before)) > SIGNIFICANT
    others = "c.segment <> 'starter' and c.unit_id <> 'canada'"
    assert abs(z_prop(*churn_rate(con, others, rise, shock_end), *churn_rate(con, others, start, before))) < CALM

    assert z_prop(*theme_share(con, "price", "segment = 'starter' and unit_id <> 'canada'", rise)) > SIGNIFICANT
    for where in ("segment <> 'starter'", "segment = 'starter' and unit_id = 'canada'"):
        assert abs(z_prop(*theme_share(con, "price", where, rise))) < CALM, where

    units = {r[0] for r in con.execute("select unit_id from annotations where kind = 'price_change' and on_date = ?",
                                       [rise]).fetchall()}
    assert units == set(e["units"])


def test_initiative(con, effect):
    e = effect["initiative"]
    start = day(e["started_at"])
    row = one(con, "select unit_id, theme_id, started_at from initiatives where initiative_id = ?", e["initiative_id"])
    assert row == ("shanghai", "app_usability", start)
    after_n, after, before_n, before = theme_share(con, "app_usability", "unit_id = 'shanghai'", start)
    assert after_n / after < 0.5 * before_n / before
    assert z_prop(after_n, after, before_n, before) < -SIGNIFICANT
    assert abs(z_prop(*theme_share(con, "app_usability", "unit_id = 'beijing'", start))) < CALM
    detractors = [one(con, """select count(*) filter (where nps <= 6), count(*) from feedback
                              where unit_id = 'shanghai' and nps is not null and (submitted_at >= ?) = ?""",
                      start, flag) for flag in (True, False)]
    assert z_prop(*detractors[0], *detractors[1]) < -SIGNIFICANT
    assert one(con, "select count(*) from annotations where unit_id = 'shanghai' and kind = 'initiative'")[0] == 1


def test_outage(con, effect):
    e = effect["outage"]
    first, last, after = (dt.datetime.fromisoformat(e[k]) for k in ("started_at", "ended_at", "aftermath_end"))
    incident = one(con, "select unit_id, service, severity, started_at, ended_at from incidents where incident_id = ?",
                   e["incident_id"])
    assert incident == ("beijing", "checkout", 1, first, last)
    window_days = (after - first).total_seconds() / 86_400
    base_from = first - dt.timedelta(days=60)
    stats = {flag: one(con, """select count(*), avg(wait_seconds), stddev(wait_seconds) from contacts
                              where unit_id = 'beijing' and started_at >= ? and started_at < ?
                                and (started_at >= ?) = ?""", base_from, after, first, flag)
             for flag in (True, False)}
    assert stats[True][0] / window_days > 3 * stats[False][0] / 60
    assert stats[True][1] > 2 * stats[False][1]
    ces = {flag: one(con, """select avg(f.ces), stddev(f.ces), count(*) from feedback f
                            join contacts k on k.contact_id = f.interaction_id
                            where f.unit_id = 'beijing' and f.ces is not null
                              and (k.started_at >= ? and k.started_at < ?) = ?""", first, after, flag)
           for flag in (True, False)}
    assert ces[True][0] > ces[False][0] + 1 and z_mean(*ces[True], *ces[False]) > SIGNIFICANT
    inside = one(con, """select count(*) from feedback where unit_id = 'beijing'
                         and list_contains(themes, 'checkout_outage') and submitted_at between ? and ?""",
                 first, after + dt.timedelta(days=7))[0]  # late answers to aftermath contacts
    total = one(con, "select count(*) from feedback where list_contains(themes, 'checkout_outage')")[0]
    assert inside > 0 and inside == total
    hours = (last - first).total_seconds() / 3600
    orders = [one(con, """select count(*) from orders where unit_id = 'beijing' and ordered_at >= ?
                          and ordered_at < ?""", a, b)[0]
              for a, b in ((first, last), (first - dt.timedelta(days=28), first))]
    assert orders[0] / hours < 0.3 * orders[1] / (28 * 24)


def test_detractors_churn_more_and_promoters_spend_more(con, effect):
    e = effect["detractor_churn"]
    groups = {flag: one(con, """
        select count(e.customer_id) filter (where e.churned_at > a.last_at::date
                                              and e.churned_at <= a.last_at::date + 90), count(*)
        from respondent_monthly a left join churn_events e using (customer_id)
        where a.month <= date '2026-06-01' and (a.last_nps <= 6 or a.last_nps >= 9) and (a.last_nps <= 6) = ?""",
        flag) for flag in (True, False)}
    ratio = (groups[True][0] / groups[True][1]) / (groups[False][0] / groups[False][1])
    low, high = e["expected_ratio_range"]
    assert low <= ratio <= high
    assert z_prop(*groups[True], *groups[False]) > SIGNIFICANT
    spend = {flag: one(con, """select avg(monthly_revenue), stddev(monthly_revenue), count(*)
                              from respondent_monthly where (last_nps >= 9 or last_nps <= 6)
                              and (last_nps >= 9) = ?""", flag) for flag in (True, False)}
    assert z_mean(*spend[True], *spend[False]) > SIGNIFICANT


def test_business_rarely_answers_surveys(con, effect):
    e = effect["response_bias"]
    rates = dict(con.execute("""
        select c.segment, count(f.feedback_id) / count(distinct o.order_id)
        from orders o join customers c using (customer_id)
        left join feedback f on f.interaction_id = o.order_id and f.source = 'survey'
        where o.delivered_at is not null group by 1""").fetchall())
    assert abs(rates.pop("business") - e["response_rate"]) < 0.015
    for segment, rate in rates.items():
        assert abs(rate - e["other_segments_rate"][segment]) < 0.03, segment
        assert rate > 3 * e["response_rate"]
    silent = dict(con.execute("""
        with active as (select customer_id from revenue where month = date '2026-10-01'),
             heard as (select distinct customer_id from feedback
                           where customer_id is not null and submitted_at >= date '2025-11-01')
        select c.segment, avg((c.customer_id not in (select customer_id from heard))::int)
        from customers c where c.customer_id in (select customer_id from active) group by 1""").fetchall())
    # Business customers are the valuable ones; plus and family customers are the other high payers.
    assert silent["business"] > 2 * max(silent["plus"], silent["family"])


def test_canada_is_a_stationary_control(con, effect):
    assert effect["control"]["unit_id"] == "canada"
    for table in ("incidents", "annotations", "initiatives"):
        assert one(con, f"select count(*) from {table} where unit_id = 'canada'")[0] == 0
    half = dt.date(2025, 11, 1)
    late = [one(con, """select count(*) filter (where delivered_at > promised_at), count(*) from orders
                        where unit_id = 'canada' and delivered_at is not null and (ordered_at >= ?) = ?""",
                half, flag) for flag in (True, False)]
    assert abs(z_prop(*late[0], *late[1])) < CALM
    churn = [churn_rate(con, "r.unit_id = 'canada'", a, b)
             for a, b in ((half, dt.date(2026, 10, 1)), (dt.date(2024, 11, 1), dt.date(2025, 10, 1)))]
    assert abs(z_prop(*churn[0], *churn[1])) < CALM
    contacts = [one(con, "select count(*) from contacts where unit_id = 'canada' and (started_at >= ?) = ?",
                    half, flag)[0] for flag in (True, False)]
    assert abs(contacts[0] - contacts[1]) / math.sqrt(sum(contacts)) < CALM
    months = [n for _, n in con.execute("""select month, count(*) from revenue where unit_id = 'canada'
                                           group by 1 order by 1""").fetchall()]
    assert max(months) < 1.1 * min(months)
    # NPS (promoters - detractors) per half, with a standard error clustered by customer.
    nps = {}
    for flag in (True, False):
        per_customer = con.execute("""
            select sum(case when nps >= 9 then 1 when nps <= 6 then -1 else 0 end), count(*)
            from feedback where unit_id = 'canada' and nps is not null and (submitted_at >= ?) = ?
            group by customer_id""", [half, flag]).fetchall()
        total, n = sum(s for s, _ in per_customer), sum(k for _, k in per_customer)
        score = total / n
        nps[flag] = score, math.sqrt(sum((s - score * k) ** 2 for s, k in per_customer)) / n
    (a, sa), (b, sb) = nps[True], nps[False]
    assert abs(a - b) / math.hypot(sa, sb) < CALM
