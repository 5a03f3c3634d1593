"""voc.voice (sources side by side) and the Voice explorer page, on the fixture database.

Expected figures are counted by hand from tests/fixture.sql (see the comments) and re-counted with
pandas over the raw fixture rows, never with the function under test.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from voc import voice
from voc.periods import Period
from voc.scope import ALL, Scope

APP = Path(__file__).resolve().parent.parent / "app.py"
CURRENT = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))
PREVIOUS = Period(dt.date(2026, 5, 5), dt.date(2026, 8, 2))


@pytest.fixture(scope="module")
def raw(database) -> pd.DataFrame:
    cur = database.cursor()
    try:
        return cur.execute("select * from main.feedback").df()
    finally:
        cur.close()


def within(raw: pd.DataFrame, period: Period, units=None) -> pd.DataFrame:
    day = raw.submitted_at.dt.normalize()
    rows = raw[(day >= pd.Timestamp(period.start)) & (day <= pd.Timestamp(period.end))]
    return rows if units is None else rows[rows.unit_id.isin(units)]


def has_theme(themes, theme: str) -> bool:
    return hasattr(themes, "__iter__") and theme in list(themes)


@pytest.fixture(scope="module")
def overview(database):
    return voice.overview(CURRENT, scope=ALL, database=database)


def test_volume_per_source(overview, raw):
    # by hand: survey = NPS 131 + CSAT 40 + CES 30; review fb-d01 d07 d12; social d02 d08 d14; call d11
    table = overview.table.set_index("source")
    assert table.feedback.to_dict() == {"survey": 201, "review": 3, "social": 3, "call": 1}
    assert table.feedback.to_dict() == within(raw, CURRENT).source.value_counts().to_dict()
    assert overview.total == 208
    assert list(overview.table.source) == ["survey", "review", "social", "call"]  # largest first, ties by name
    assert table.share_pct["survey"] == round(100 * 201 / 208, 1)


def test_solicited_and_unsolicited(overview, raw):
    table = overview.table.set_index("source")
    assert table.type.to_dict() == {"survey": "solicited", "review": "unsolicited", "social": "unsolicited",
                                    "call": "unsolicited"}
    rows = within(raw, CURRENT)
    unsolicited = int((~rows.solicited).sum())
    assert unsolicited == 7
    assert f"is {100 * unsolicited / len(rows):.0f}% of the 208 pieces" in overview.solicited_note


def test_volume_change_against_the_previous_period(overview, raw):
    table = overview.table.set_index("source")
    before = within(raw, PREVIOUS).source.value_counts()
    assert int(before["survey"]) == 201       # NPS 131 + CSAT 40 + CES 30 in the previous period too
    assert table.vs_previous["survey"] == "no significant change"
    assert table.vs_previous["review"] == "too few to tell"      # 1 (fb-d04) -> 3
    assert table.vs_previous["social"] == "no data before"       # none -> 3
    assert "no source's volume changed significantly" in overview.volume_title
    assert overview.volume_title.startswith("Survey is the largest source (97% of feedback)")


@pytest.mark.parametrize("now,before,verdict,significant", [
    (400, 200, "+100%", True),
    (100, 200, "-50%", True),
    (210, 200, "no significant change", False),
    (12, 6, "too few to tell", False),
    (5, 0, "no data before", False),
])
def test_volume_change_verdicts(now, before, verdict, significant):
    got, _, is_significant = voice._volume_change(now, before)
    assert (got, is_significant) == (verdict, significant)


def test_sentiment_per_source(overview, raw):
    table = overview.table.set_index("source")
    survey = within(raw, CURRENT)
    survey = survey[(survey.source == "survey") & survey.sentiment.notna()]
    # by hand: 15 us_west (-0.6) + 12 zh (-0.5) detractors, 9 panel promoters with i % 5 == 0 (0.7), x12 (0.6)
    assert len(survey) == 37
    assert table.avg_sentiment["survey"] == round(survey.sentiment.mean(), 2)
    assert table.negative_pct["survey"] == round(100 * (survey.sentiment < -0.2).sum() / len(survey), 1) == 73.0
    # fewer than 30 scored pieces: no rate is shown
    assert table[["avg_sentiment", "negative_pct"]].loc[["review", "social", "call"]].isna().all().all()
    assert overview.sentiment_title == "Survey: 73% of its scored feedback is negative"


def test_top_themes_per_source(overview, raw):
    rows = within(raw, CURRENT)
    survey = rows[(rows.source == "survey") & rows.text.notna()]
    late = int(survey.themes.map(lambda t: has_theme(t, "late_delivery")).sum())
    easy = int(survey.themes.map(lambda t: has_theme(t, "easy_app")).sum())
    assert (late, easy, len(survey)) == (27, 10, 37)
    grid = overview.themes.set_index(["source", "theme"]).share_pct
    assert grid[("survey", "Late delivery")] == round(100 * late / len(survey), 1)
    assert grid[("survey", "Easy-to-use app")] == round(100 * easy / len(survey), 1)
    assert set(overview.themes.source) == {"survey"}      # the other sources have fewer than 30 texts
    assert overview.table.set_index("source").top_themes["review"] == "too few texts (3)"


def test_trend_adds_up_to_the_raw_rows(overview, raw):
    assert overview.bucket == "month" and overview.window == Period(dt.date(2025, 11, 1), CURRENT.end)
    trend = overview.trend
    rows = within(raw, overview.window)
    assert trend.groupby("source").feedback.sum().to_dict() == rows.source.value_counts().to_dict()
    september = trend[(trend.bucket == pd.Timestamp(2026, 9, 1)) & (trend.source == "survey")].iloc[0]
    in_september = rows[(rows.source == "survey") & (rows.submitted_at.dt.month == 9)]
    assert september.feedback == len(in_september) == 130
    assert september.feedback_per_day == round(130 / 30, 2)
    scored = in_september.sentiment.dropna()
    assert september.avg_sentiment == pytest.approx(round(scored.mean(), 3))
    october = trend[(trend.bucket == pd.Timestamp(2026, 10, 1)) & (trend.source == "survey")].iloc[0]
    assert pd.isna(october.avg_sentiment)   # 0 scored pieces: left blank, not drawn as a number


def test_scope_narrows_every_figure(database, raw):
    found = voice.overview(CURRENT, scope=Scope.of("us_west"), database=database)
    # by hand: us_west survey = NPS 30 + CSAT 20 + CES 15; fb-d01 review, fb-d02 social, fb-d11 call
    want = within(raw, CURRENT, {"us_west"}).source.value_counts().to_dict()
    assert found.table.set_index("source").feedback.to_dict() == want == {"survey": 65, "review": 1,
                                                                          "social": 1, "call": 1}
    assert found.languages == ("en",)
    cn = voice.overview(CURRENT, scope=Scope.of("bu_cn"), database=database)
    assert cn.languages == ("zh",)


def test_an_empty_period_says_so(database):
    found = voice.overview(Period(dt.date(2020, 1, 1), dt.date(2020, 3, 31)), scope=ALL, database=database)
    assert found.total == 0 and found.table.empty and found.volume_title == "No feedback in this period"


# ---- the page ---------------------------------------------------------------------------------

def _page(persona: str = "demo-analyst") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["persona"] = persona
    at.run()
    at.switch_page("pages/voice_explorer.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_search_shows_script_verbatims_inert(raw):
    at = _page()
    at.text_input(key="vx_search").set_value("<script>").run()
    assert not at.exception, [e.value for e in at.exception]
    period = at.session_state["filters"].period
    rows = within(raw, period)
    want = rows[rows.text.fillna("").str.lower().str.contains("<script>", regex=False)]
    assert len(want) >= 1
    texts = [m.value for m in at.markdown]
    assert any(f"{len(want)} verbatim" in t for t in texts)
    highlighted = [t for t in texts if ":orange-background[" in t]
    assert len(highlighted) == len(want)
    for text in highlighted:
        assert "<" not in text and ">" not in text
        assert ":orange-background[&lt;script&gt;]" in text


def test_page_filters_and_agent_scope(raw):
    at = _page("demo-agent")                     # Femi, scoped to shanghai
    assert not at.error
    at.text_input(key="vx_search").set_value("慢").run()
    period = at.session_state["filters"].period
    rows = within(raw, period, {"shanghai"})
    want = rows[rows.text.fillna("").str.contains("慢", regex=False)]
    assert len(want) > 0
    assert any(f"{len(want)} verbatim" in m.value for m in at.markdown)
    at.multiselect(key="vx_source").set_value(["review"]).run()
    reviews = want[want.source == "review"]
    assert any(f"{len(reviews)} verbatim" in m.value for m in at.markdown)
