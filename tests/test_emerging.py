"""voc.emerging: a planted rising theme is flagged, flat, falling and thin themes are not.

The planted database is built here (its own small file) so that the rise is known by construction;
the fixture database checks the counts behind the test against pandas over the raw rows.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import voc.db
import voc.rollups
from voc import config, emerging
from voc.periods import Period
from voc.scope import ALL, Scope

PERIOD = Period(dt.date(2026, 10, 2), dt.date(2026, 10, 31))          # 30 days
BASELINE = Period(dt.date(2026, 7, 4), dt.date(2026, 10, 1))          # the 90 days before
PER_DAY = 40                                                          # texts per day and unit

# theme -> (per-100 rows mentioning it in the baseline, in the period) in unit u1; u2 is flat everywhere
PLAN = {"rising": (5, 15), "flat": (20, 20), "falling": (20, 10)}
# "rare" is new: 10 mentions in the period (u1 only), none before: significant on its own, but too few to list


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    path = tmp_path_factory.mktemp("emerging") / "planted.duckdb"
    con = voc.db.create(path)
    con.execute("begin transaction")
    con.execute("""insert into org_units values ('co', 'Company', null, 'company'),
        ('u1', 'Unit one', 'co', 'region'), ('u2', 'Unit two', 'co', 'region')""")
    con.execute("""insert into themes values ('rising', 'Rising theme', 'negative', false),
        ('flat', 'Flat theme', 'neutral', false), ('falling', 'Falling theme', 'negative', false),
        ('rare', 'Rare theme', 'negative', false), ('unused', 'Never mentioned', 'neutral', false)""")
    # row r (0..39) of day d in a unit; its "slot" r * 100 / 40 decides which themes it mentions
    con.execute(f"""
        insert into feedback (feedback_id, unit_id, segment, source, solicited, submitted_at, language,
                              text, sentiment, themes)
        with days as (select cast(d as date) as day from range(date '{BASELINE.start}', date '{PERIOD.end}'
                      + interval 1 day, interval 1 day) t(d)),
        rows as (select day, u.unit_id, r.i, day >= date '{PERIOD.start}' as is_now,
                        (r.i * 100) // {PER_DAY} as slot
                 from days, (values ('u1'), ('u2')) u(unit_id), range({PER_DAY}) r(i))
        select unit_id || '-' || day || '-' || i, unit_id, 'plus', 'review', false, day + interval 9 hour,
               'en', 'text ' || i, 0.0,
               list_filter([
                   case when slot < (case when unit_id = 'u1' and is_now then 15 else 5 end) then 'rising' end,
                   case when slot >= 50 and slot < 70 then 'flat' end,
                   case when slot >= 80 and slot < (case when unit_id = 'u1' and is_now then 90 else 100 end)
                        then 'falling' end,
                   case when unit_id = 'u1' and is_now and i = 39 and day < date '{PERIOD.start}' + 10
                        then 'rare' end
               ], lambda x: x is not null)
        from rows""")
    voc.rollups.rebuild(con)
    con.execute("commit")
    con.close()
    db = voc.db.get(path)
    yield db
    voc.db.forget(path)


def test_baseline_is_three_periods_of_equal_length():
    assert emerging.baseline(PERIOD) == BASELINE
    assert emerging.baseline(PERIOD).days == 3 * PERIOD.days


def test_history_buckets():
    window, bucket = emerging.history(PERIOD)           # 120 days: weeks, starting on a Monday
    assert bucket == "week" and window.start.weekday() == 0 and window.start <= BASELINE.start
    assert window.end == PERIOD.end
    window, bucket = emerging.history(Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31)))
    assert bucket == "month" and window.start == dt.date(2025, 11, 1)


def test_planted_counts(planted):
    found = emerging.emerging(PERIOD, scope=ALL, database=planted)
    by_id = {t.theme_id: t for t in found.themes}
    # by construction: 2 units x 40 texts a day; 90 baseline days, 30 period days
    assert found.baseline_text_n == 2 * PER_DAY * 90 and found.text_n == 2 * PER_DAY * 30
    # rising: 2 of 40 rows (5%) per unit-day, 6 of 40 (15%) in u1 during the period
    assert by_id["rising"].baseline_mentions == 2 * 2 * 90
    assert by_id["rising"].mentions == (6 + 2) * 30
    assert by_id["flat"].mentions == 2 * 8 * 30 and by_id["flat"].baseline_mentions == 2 * 8 * 90
    assert by_id["falling"].mentions == (4 + 8) * 30
    assert by_id["rare"].mentions == 10 and by_id["rare"].baseline_mentions == 0
    assert by_id["unused"].mentions == 0
    assert found.tested == 4  # every theme with a mention; "unused" is not tested


def test_planted_riser_is_flagged_and_nothing_else(planted):
    found = emerging.emerging(PERIOD, scope=ALL, database=planted)
    assert [t.theme_id for t in found.risers] == ["rising"]
    riser = found.risers[0]
    assert riser.change.previous.value == pytest.approx(5.0)
    assert riser.change.current.value == pytest.approx(100 * 240 / 2400)   # 10% of all texts in the period
    assert riser.rise == pytest.approx(5.0)
    assert riser.ratio == pytest.approx(2.0)
    by_id = {t.theme_id: t for t in found.themes}
    assert not by_id["flat"].flagged and by_id["flat"].rise == pytest.approx(0.0)
    assert not by_id["falling"].flagged and by_id["falling"].rise < 0
    # "rare" rose from nothing, significantly, but has fewer mentions than the minimum group size
    assert by_id["rare"].change.significant and by_id["rare"].mentions < config.MIN_GROUP_SIZE
    assert not by_id["rare"].flagged
    assert found.verdict().startswith("Rising theme is rising fastest: 5.0% → 10.0%")
    frame = found.frame()
    assert list(frame.theme) == ["Rising theme"] and frame.rise_low.iloc[0] < 5.0 < frame.rise_high.iloc[0]


def test_scope_limits_the_riser_to_where_it_happens(planted):
    only_u1 = emerging.emerging(PERIOD, scope=Scope.of("u1"), database=planted)
    assert [t.theme_id for t in only_u1.risers] == ["rising"]
    assert only_u1.risers[0].change.current.value == pytest.approx(15.0)
    only_u2 = emerging.emerging(PERIOD, scope=Scope.of("u2"), database=planted)
    assert only_u2.risers == []
    assert only_u2.verdict().startswith("No theme rose significantly")


def test_trend_shares_per_week(planted):
    found = emerging.emerging(PERIOD, scope=Scope.of("u1"), database=planted)
    trend = found.trend
    assert set(trend.theme) == {"Rising theme"}
    full_weeks = trend[trend.text_n == PER_DAY * 7]
    before = full_weeks[full_weeks.bucket < pd.Timestamp(PERIOD.start) - pd.Timedelta(days=6)]
    after = full_weeks[full_weeks.bucket >= pd.Timestamp(PERIOD.start)]
    assert set(before.share_pct.round(6)) == {5.0} and set(after.share_pct.round(6)) == {15.0}


def test_a_short_baseline_cannot_tell(planted):
    early = Period(dt.date(2026, 7, 4), dt.date(2026, 7, 10))     # its baseline precedes the data
    found = emerging.emerging(early, scope=ALL, database=planted)
    assert found.baseline_text_n == 0 and found.risers == []
    assert "cannot tell" in found.verdict()


def test_multiple_testing_guard():
    """p = 0.034 passes one test at 5% but not the Bonferroni threshold for 8 themes (0.05 / 8)."""
    rows = [dict(theme_id="edge", label="Edge", polarity="negative", mentions_now=125, mentions_before=300,
                 text_n_now=1000, text_n_before=3000)]
    rows += [dict(theme_id=f"t{i}", label=f"T{i}", polarity="neutral", mentions_now=100, mentions_before=300,
                  text_n_now=1000, text_n_before=3000) for i in range(7)]
    themes, tested, threshold = emerging.assess(pd.DataFrame(rows))
    edge = themes[0]
    # by hand: se = sqrt(.125 * .875 / 1000 + .1 * .9 / 3000) = 0.011806, z = 0.025 / se = 2.118, p = 0.034
    assert edge.change.p == pytest.approx(0.0342, abs=0.0005)
    assert edge.change.significant
    assert tested == 8 and threshold == pytest.approx(0.05 / 8)
    assert not edge.flagged
    themes, _, _ = emerging.assess(pd.DataFrame(rows[:1]))   # tested alone it would be listed
    assert themes[0].flagged


# ---- on the fixture ---------------------------------------------------------------------------

def test_fixture_counts_match_the_raw_rows(database):
    period = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))
    cur = database.cursor()
    raw = cur.execute("select submitted_at, text, themes from main.feedback").df()
    cur.close()
    base = emerging.baseline(period)
    day = raw.submitted_at.dt.normalize()
    now = raw[(day >= pd.Timestamp(period.start)) & (day <= pd.Timestamp(period.end))]
    before = raw[(day >= pd.Timestamp(base.start)) & (day <= pd.Timestamp(base.end))]

    def mentions(rows, theme):
        return int(rows.themes.map(lambda t: hasattr(t, "__iter__") and theme in list(t)).sum())

    found = emerging.emerging(period, scope=ALL, database=database)
    assert found.text_n == int(now.text.notna().sum())
    assert found.baseline_text_n == int(before.text.notna().sum())
    for theme in found.themes:
        assert theme.mentions == mentions(now, theme.theme_id), theme.theme_id
        assert theme.baseline_mentions == mentions(before, theme.theme_id), theme.theme_id
    # by hand: late_delivery now = 15 us_west + 12 zh detractors + fb-d01, fb-d02, fb-d07 = 30
    assert {t.theme_id: t.mentions for t in found.themes}["late_delivery"] == 30
    # 7 catalogued themes, all mentioned in the current or baseline window
    assert found.tested == 7 and len(found.themes) == 7
