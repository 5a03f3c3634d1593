"""Caches are keyed by scope; small groups are suppressed on pages.

``ui.cached`` is called directly here (Streamlit's cache works in bare mode, in this process), for
several scopes in turn, and through AppTest runs of pages for different personas in one process.
Expected figures are the hand counts of tests/conftest.py (``expected``) and tests/fixture.sql.
"""
from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from voc import config, db, filters, kpis, privacy, search, ui, users
from voc.periods import Period
from voc.scope import Scope
from voc.users import User

CURRENT = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))
WEST_MANAGER = users.persona("demo-region-manager")   # us_west, contact details masked
WEST_AGENT = User("wes", "Wes", "agent", frozenset({"us_west"}))  # us_west, contact details shown
SHANGHAI = Scope.of("shanghai")
CALLS: list[str] = []


@pytest.fixture(autouse=True)
def empty_cache():
    st.cache_data.clear()
    CALLS.clear()
    yield
    st.cache_data.clear()


def nps_counts(period: Period, *, scope: Scope, database=None) -> tuple[int, float]:
    """The NPS tile's n and value for ``scope`` (records each real call)."""
    CALLS.append(scope.key)
    nps = next(k for k in kpis.headline(period, scope=scope, database=database) if k.key == "nps")
    return nps.change.current.n, nps.change.current.value


def hand_nps(promoters: int, detractors: int, n: int) -> tuple[int, float]:
    return n, (promoters - detractors) / n * 100


# ---------------------------------------------------------------- ui.cached, called directly


def test_two_scopes_in_one_process_each_get_their_own_numbers(expected):
    cached = ui.cached(nps_counts)
    west = hand_nps(*expected["nps_by_region"]["us_west"]["cur"])
    shanghai = hand_nps(*expected["nps_by_region"]["shanghai"]["cur"])
    company = expected["company"]["cur"]
    everyone = hand_nps(company["promoters"], company["detractors"], company["nps_n"])
    for _ in range(3):  # interleaved, so that each scope is asked for while the others are cached
        assert cached(CURRENT, scope=WEST_MANAGER.scope) == pytest.approx(west)
        assert cached(CURRENT, scope=SHANGHAI) == pytest.approx(shanghai)
        assert cached(CURRENT, scope=Scope()) == pytest.approx(everyone)
    assert CALLS == [WEST_MANAGER.scope.key, SHANGHAI.key, Scope().key]  # computed once per scope, then cached


def test_the_real_page_functions_are_cached_per_scope(expected):
    """kpis.headline itself (what a page caches): per-scope numbers, whatever was cached before."""
    headline = ui.cached(kpis.headline)
    for scope, region in ((SHANGHAI, "shanghai"), (WEST_MANAGER.scope, "us_west"), (SHANGHAI, "shanghai")):
        nps = next(k for k in headline(CURRENT, scope=scope) if k.key == "nps").change
        assert (nps.current.n, nps.current.value) == pytest.approx(
            hand_nps(*expected["nps_by_region"][region]["cur"]))
        assert (nps.previous.n, nps.previous.value) == pytest.approx(
            hand_nps(*expected["nps_by_region"][region]["prev"]))
    west = expected["us_west"]["cur"]
    volume = next(k for k in headline(CURRENT, scope=WEST_MANAGER.scope) if k.key == "volume").change.current
    assert volume.n == west["feedback_n"]


DERIVED: list[tuple] = []


def nps_label(counts: tuple[int, float], prefix: str) -> str:
    """What a page derives from a cached result (records each real call)."""
    DERIVED.append((prefix, counts))
    return f"{prefix} {counts[1]:.1f} (n = {counts[0]})"


def test_what_pages_derive_from_cached_results_is_cached_per_scope_too(expected):
    """ui.view: a derived result is keyed by the result it comes from (its scope included) and by the
    deriving function and its arguments; charts come back ready with the CSV of their data."""
    DERIVED.clear()
    west = hand_nps(*expected["nps_by_region"]["us_west"]["cur"])
    shanghai = hand_nps(*expected["nps_by_region"]["shanghai"]["cur"])
    for _ in range(2):
        assert ui.view(nps_counts, CURRENT, scope=WEST_MANAGER.scope)(nps_label, "NPS") == \
            f"NPS {west[1]:.1f} (n = {west[0]})"
        assert ui.view(nps_counts, CURRENT, scope=SHANGHAI)(nps_label, "NPS") == \
            f"NPS {shanghai[1]:.1f} (n = {shanghai[0]})"
        assert ui.view(nps_counts, CURRENT, scope=SHANGHAI)(nps_label, "Score") == \
            f"Score {shanghai[1]:.1f} (n = {shanghai[0]})"
    assert len(DERIVED) == 3  # once per (scope, deriving arguments), then cached
    with pytest.raises(ValueError, match="module-level"):
        ui.view(nps_counts, CURRENT, scope=SHANGHAI)(lambda counts: counts)


def test_masked_and_unmasked_readers_of_the_same_units_do_not_share_results():
    """An agent (contact details shown) and a manager (masked) of us_west: same units, different rows."""
    cached = ui.cached(search.search)
    criteria = search.Criteria.of("third late parcel")
    agent = cached(CURRENT, criteria, scope=WEST_AGENT.scope)           # cached first, with the address
    manager = cached(CURRENT, criteria, scope=WEST_MANAGER.scope)
    assert list(agent.rows.feedback_id) == list(manager.rows.feedback_id) == ["fb-d02"]
    assert "jane.doe@example.com" in agent.rows.text.iloc[0]
    assert manager.rows.text.iloc[0].endswith(privacy.EMAIL_MASK) and "jane.doe" not in manager.rows.text.iloc[0]
    again = cached(CURRENT, criteria, scope=WEST_AGENT.scope)
    assert "jane.doe@example.com" in again.rows.text.iloc[0]


def test_filters_narrow_the_key_too(expected):
    cached = ui.cached(nps_counts)
    # us_west panel customer i has segment ['starter','plus','family','business'][1 + i % 4] (a 1-based list):
    # "plus" when i % 4 == 1 -> uw001, 005, ..., 029 (8); current answers: promoters i <= 6 (uw001, uw005),
    # passives 7..15 (uw009, uw013), detractors i > 15 (uw017, uw021, uw025, uw029)
    plus = WEST_MANAGER.scope.narrow(segments=("plus",))
    assert cached(CURRENT, scope=WEST_MANAGER.scope) == pytest.approx(
        hand_nps(*expected["nps_by_region"]["us_west"]["cur"]))
    assert cached(CURRENT, scope=plus) == pytest.approx(hand_nps(2, 4, 8))
    assert cached(CURRENT, scope=WEST_MANAGER.scope.narrow(focus="us_west")) == pytest.approx(
        hand_nps(*expected["nps_by_region"]["us_west"]["cur"]))
    assert len(CALLS) == 3


def test_a_user_passed_as_an_argument_is_part_of_the_key():
    """filters.options takes the User (not a scope): each user still gets their own org units."""
    options = ui.cached(filters.options)
    cn = users.persona("demo-bu-manager")
    assert [u.unit_id for u in options(WEST_MANAGER).units] == ["us_west"]
    assert sorted(u.unit_id for u in options(cn).units) == ["beijing", "bu_cn", "shanghai", "south_china"]
    assert [u.unit_id for u in options(WEST_MANAGER).units] == ["us_west"]


def scoped_counts(scopes: tuple, period: Period) -> list[int]:
    CALLS.append("|".join(s.key for s in scopes))
    return [nps_counts(period, scope=s)[0] for s in scopes]


def test_scopes_nested_in_positional_arguments_are_hashed_by_key(expected):
    cached = ui.cached(scoped_counts)
    west, east = Scope.of("us_west"), Scope.of("us_east")
    assert cached((west,), CURRENT) == [expected["nps_by_region"]["us_west"]["cur"][2]]
    assert cached((east,), CURRENT) == [expected["nps_by_region"]["us_east"]["cur"][2]]
    assert cached((west, east), CURRENT) == [30, 31]
    assert cached((west,), CURRENT) == [30]


def test_a_write_empties_the_cache_and_an_audit_row_does_not(private_db_path, monkeypatch, expected):
    monkeypatch.setenv("VOC_DB", str(private_db_path))
    database = db.get(private_db_path)
    cached = ui.cached(nps_counts)
    west = expected["nps_by_region"]["us_west"]["cur"]
    assert cached(CURRENT, scope=WEST_MANAGER.scope) == pytest.approx(hand_nps(*west))
    from voc import audit_log
    audit_log.record(database, "someone", "sign_in", None, {}, "ok")     # no cached result depends on it
    assert cached(CURRENT, scope=WEST_MANAGER.scope) == pytest.approx(hand_nps(*west))
    assert len(CALLS) == 1
    with database.write() as cur:   # one more us_west promoter in the current period
        cur.execute("insert into feedback select * replace ('nps-extra' as feedback_id, 10 as nps, "
                    "timestamp '2026-10-30 10:00:00' as submitted_at) from feedback "
                    "where feedback_id = 'nps-cur-uw001'")
        from voc import rollups
        rollups.rebuild(cur)
    assert cached(CURRENT, scope=WEST_MANAGER.scope) == pytest.approx(hand_nps(west[0] + 1, west[1], west[2] + 1))
    assert cached(CURRENT, scope=SHANGHAI) == pytest.approx(hand_nps(*expected["nps_by_region"]["shanghai"]["cur"]))
    assert len(CALLS) == 3


def test_every_part_of_a_scope_changes_its_key():
    base = Scope.of("us_west")
    variants = [Scope.of("us_east"), Scope.of("us_west", "us_east"), Scope(), base.narrow(focus="us_west"),
                base.narrow(segments=("plus",)), base.narrow(sources=("survey",)), base.narrow(stages=("delivery",)),
                Scope(base.units, masked=True)]
    keys = [base.key] + [v.key for v in variants]
    assert len(set(keys)) == len(keys)


def test_scope_keys_are_unambiguous():
    assert Scope.of("a,b").key != Scope.of("a", "b").key
    assert Scope.of("x").narrow(segments=("p,q",)).key != Scope.of("x").narrow(segments=("p", "q")).key


# ---------------------------------------------------------------- through pages (AppTest, one process)

TIMEOUT = 120
APP = str(config.ROOT / "app.py")
FIXED = {"period": "custom", "start": "2026-08-03", "end": "2026-10-31"}


def run_app(persona: str, page: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["persona"] = persona
    for key, value in {**FIXED, **params}.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(str(config.ROOT / page)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def comparison(at: AppTest):
    return next(d.value for d in at.dataframe if "vs_company" in d.value.columns)


def test_region_view_for_two_managers_in_one_process(expected):
    """Both managers' pages run in this process against the one shared cache: each sees their own units.

    The period ends on 20 Oct, the last day with feedback in bu_cn (see test_url_tampering for a later end)."""
    until = {"end": "2026-10-20"}
    for _ in range(2):
        west = comparison(run_app("demo-region-manager", **until))
        p, d, n = expected["nps_by_region"]["us_west"]["cur"]
        assert (west.unit.iloc[0], west.nps_n.iloc[0], west.nps.iloc[0]) == ("US West", n, round((p - d) / n * 100, 1))
        cn = comparison(run_app("demo-bu-manager", **until))
        # bu_cn current: shanghai 15/6/30, beijing 12/4/20, south_china 6/2/10 -> 33/12/60
        assert (cn.unit.iloc[0], cn.nps_n.iloc[0], cn.nps.iloc[0]) == ("Greater China", 60, round(21 / 60 * 100, 1))
        assert "US West" not in set(cn.unit) and "Greater China" not in set(west.unit)


def test_a_unit_under_the_minimum_is_not_shown_as_a_number():
    at = run_app("demo-executive", "pages/unit_view.py", unit="canada")
    first = comparison(at).iloc[0]
    assert first.unit == "Canada" and first.nps_n == 10
    assert first.isna()[["nps", "nps_low", "nps_high"]].all()            # 0 / 8 of 10: never "-80"
    assert any("only 10 answers" in i.value and str(config.MIN_GROUP_SIZE) in i.value for i in at.info)
    assert not any("80" in m.value for m in [*at.markdown, *at.caption, *at.subheader])


def test_small_regions_are_left_out_of_the_executive_ranking():
    at = run_app("demo-executive")
    note = next(c.value for c in at.caption if c.value.startswith("Not ranked"))
    for region, n in (("Beijing", 20), ("Canada", 10), ("South China", 10)):
        assert f"{region} (n = {n})" in note
    assert not any("Shanghai (n" in c.value or "US West (n" in c.value for c in at.caption)


def test_voice_explorer_hides_rates_of_small_sources():
    # us_west, current period: 16 survey texts with a sentiment, 1 review, 1 social post, 1 call: all < 30
    table = next(d.value for d in run_app("demo-region-manager", "pages/voice_explorer.py").dataframe
                 if "negative_pct" in d.value.columns)
    assert dict(zip(table.source, table.feedback)) == {"survey": 65, "review": 1, "social": 1, "call": 1}
    assert table.negative_pct.isna().all() and table.avg_sentiment.isna().all()


def test_a_tiny_selection_does_not_single_out_respondents():
    # canada business customers: ca003, ca007 (i % 4 == 3); both detractors in the current period
    at = run_app("demo-executive", unit="canada", segment="business")
    nps = next(m for m in at.metric if m.label == "NPS")
    assert "100" not in nps.value
    assert not any("100\\.0" in m.value or "100.0" in m.value for m in at.markdown)
