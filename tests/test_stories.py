"""Every story file in stories/ (a new one is covered with no new test code), the gallery, and the
shipped stories against the demo company: each finds its planted effect, and Canada never changes.

Per story file: it parses; every query it needs is listed, exists and binds; its chart columns exist
in the query's result on the fixture database; it renders for every audience under several scopes,
with its default parameters and with the fixture's period.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from voc import config, demo, queries, stories
from voc.scope import ALL, Scope
from voc.story_blocks import Figure, Said
from voc.story_charts import bind_params, missing_columns
from voc.story_check import block_queries
from voc.story_render import context

STORY_FILES = sorted(Path(config.STORIES_DIR).glob("*.md"))
SCOPES = {"all": ALL, "us_west": Scope.of("us_west"), "bu_cn": Scope.of("bu_cn"), "shanghai": Scope.of("shanghai")}
FIXTURE_PERIOD = {"start": "2026-08-03", "end": "2026-10-31"}


def load(path: Path) -> stories.Story:
    return stories.parse(path.read_text(encoding="utf-8"), path.stem)


@pytest.fixture(params=STORY_FILES, ids=lambda p: p.stem)
def story(request):
    return load(request.param)


def test_there_are_at_least_six_stories():
    assert len(STORY_FILES) >= 6


def test_every_story_parses_and_is_complete(story):
    assert story.title and story.summary and story.author and story.audiences
    assert story.blocks("narrate"), "a story narrates at least one finding"
    for audience in story.audiences:
        assert story.sections_for(audience), audience


def test_every_query_a_story_needs_is_listed_exists_and_binds(story, database):
    catalog = queries.catalog()
    assert set(story.queries) <= set(catalog)
    ctx, _, _ = context(story, "analyst", {}, ALL, database)
    for block in story.blocks():
        assert block_queries(block) <= set(story.queries), f"line {block.line}"
        if block.kind == "chart":
            queries.bind(catalog[block.spec["query"]], bind_params(ctx, block.spec, block.spec["query"]))
    for name, spec in story.values.items():
        queries.bind(catalog[spec["query"]], bind_params(ctx, {"args": spec.get("args")}, spec["query"]))


def test_chart_columns_exist_in_the_query_result_on_the_fixture(story, database):
    ctx, _, _ = context(story, "analyst", FIXTURE_PERIOD, ALL, database)
    for block in story.blocks("chart"):
        frame = ctx.run(block.spec["query"], bind_params(ctx, block.spec, block.spec["query"]),
                        ctx.block_scope(block.spec, segment=ctx.value(block.spec, "segment")))
        assert not missing_columns(block.spec, frame.columns), f"line {block.line}: {list(frame.columns)}"


@pytest.mark.parametrize("scope_name", list(SCOPES))
@pytest.mark.parametrize("params", [{}, FIXTURE_PERIOD], ids=["defaults", "fixture_period"])
def test_every_story_renders_for_every_audience(story, database, scope_name, params):
    for audience in story.audiences:
        r = stories.render(story, audience, params, SCOPES[scope_name], database)
        assert r.blocks, audience
        said = [b for b in r.blocks if isinstance(b, Said)]
        assert all(s.sentence.text and s.sentence.provenance for s in said), audience
        if audience == "executive":
            assert len([b for b in r.blocks if b.kind in ("sentence", "markdown")]) <= 3
            assert sum(isinstance(b, Figure) for b in r.blocks) <= 1
        if audience == "agent":
            assert not any(s.sentence.topic == "worth" for s in said)
        if scope_name != "all":  # nothing outside the scope is named
            outside = {"us_west": ("Shanghai", "Beijing", "Canada"), "shanghai": ("US West", "Beijing", "Canada"),
                       "bu_cn": ("US West", "US East", "Canada")}[scope_name]
            text = " ".join(b.sentence.text for b in said)
            assert not any(name in text for name in outside), (audience, text)


MINIMAL = """---
title: {title}
summary: A story.
audiences: [{audiences}]
author: Tester
status: {status}
queries: [measures_by_segment_for_period]
parameters:
  start: {{type: date, default: 2026-08-03}}
  end: {{type: date, default: 2026-10-31}}
---
## Finding

```narrate
kind: change
measure: nps
```
"""


def test_gallery_lists_published_stories_for_the_roles_in_their_audience(tmp_path):
    (tmp_path / "for-agents.md").write_text(MINIMAL.format(title="For agents", audiences="agent", status="published"))
    (tmp_path / "a-draft.md").write_text(MINIMAL.format(title="Draft", audiences="executive, agent", status="draft"))
    (tmp_path / "broken.md").write_text("---\ntitle: x\n---\n")
    slugs = lambda role: [c.slug for c in stories.gallery(role, tmp_path)]  # noqa: E731
    assert slugs("agent") == ["for-agents"]
    assert slugs("executive") == []  # the draft is not published; the other is for agents only
    assert set(slugs("analyst")) == {"for-agents", "a-draft", "broken"}  # authors see drafts and errors
    broken = next(c for c in stories.gallery("analyst", tmp_path) if c.slug == "broken")
    assert broken.status == "error" and any("line 1" in p for p in broken.problems)


def test_url_parameters_round_trip_and_bad_values_are_rewritten():
    raw = stories.from_url({"story": "x", "s_start": "2026-01-01", "s_unit": ["us_west", "canada"], "period": "90d"})
    assert raw == {"start": "2026-01-01", "unit": "canada"}
    assert stories.to_url({"start": "2026-01-01", "unit": None}) == {"s_start": "2026-01-01"}
    assert stories.url_fixes({"start": "garbage", "unit": "us_west"}, {"start": "2026-03-02", "unit": "us_west"}) == {
        "s_start": "2026-03-02"}
    assert stories.url_fixes({"unit": "canada"}, {"unit": None}) == {"s_unit": None}


def test_roles_read_their_own_version_and_analysts_preview_all():
    s = load(STORY_FILES[0])
    assert stories.audiences_for("analyst", s) == s.audiences
    assert stories.audiences_for("executive", s) == ("executive",)
    assert stories.audience_for("admin") == "analyst"


# ---------------------------------------------------------------- the demo company

# slug -> sentences (regular expressions) that must be stated as changes, with the right direction
PLANTED = {
    "us-west-delivery-crisis": [r"^The late delivery rate in US West rose", r"^NPS in US West fell",
                                r"^The rise is led by US West, where the late delivery rate rose",
                                r"^Customers in US West with a late delivery left at .* times as often"],
    "starter-price-rise": [r"^The share of written feedback mentioning price in the starter segment rose",
                           r"^Churn in the starter segment rose", r"Canada showed no significant change"],
    "shanghai-app-redesign": [r"^Shanghai app redesign \(started 1 Jun 2025\) worked: .* fell from",
                              r"^NPS in Shanghai rose"],
    "beijing-checkout-outage": [r"^Support contacts in Beijing rose",
                                r"^The rise is led by Beijing, where support contacts rose",
                                r"^The share of written feedback mentioning checkout outage in Beijing rose"],
    "silent-business-customers": [r"^Business customers are heard from less often"],
}
CANADA_CHANGED = re.compile(r"Canada[^.;]*\b(rose|fell)\b|\b(rose|fell)\b[^.;]* in Canada\b|led by Canada")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """A small demo company (6,000 customers, seed 7: every planted effect is clear at this size)."""
    from voc import db

    path = tmp_path_factory.mktemp("story_demo") / "demo.duckdb"
    demo.build(path, customers=6_000, seed=7)
    yield db.get(path)
    db.forget(path)


def test_demo_stories_find_planted_effects(demo_db):
    shipped = {p.stem: load(p) for p in STORY_FILES}
    assert set(PLANTED) | {"what-changed"} <= set(shipped)
    for slug, story in shipped.items():
        changed = []  # what the story states as changed, over all its versions
        for audience in story.audiences:
            said = stories.render(story, audience, {}, ALL, demo_db).sentences()
            for sentence in said:  # nothing narrates Canada, the control region, as changed
                assert not CANADA_CHANGED.search(sentence.text), (slug, audience, sentence.text)
                if sentence.states_change:
                    assert not any("Canada" in p.what for p in sentence.provenance), (slug, sentence.text)
            changed += [s.text for s in said if s.states_change]
        for pattern in PLANTED.get(slug, []):
            assert any(re.search(pattern, text) for text in changed), (slug, pattern, changed)
    # the generated story finds something, and in Canada itself it finds nothing
    scan = stories.render(shipped["what-changed"], "analyst", {}, ALL, demo_db).sentences()
    assert any(s.states_change for s in scan)
    canada = stories.render(shipped["what-changed"], "analyst", {"unit": "canada"}, ALL, demo_db).sentences()
    assert canada and not any(s.states_change for s in canada), [s.text for s in canada]


# ---------------------------------------------------------------- the page


def open_page(persona: str, **params):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(config.ROOT / "app.py"), default_timeout=120)
    at.session_state["persona"] = persona
    at.run()
    at.switch_page(str(config.ROOT / "pages" / "stories.py"))
    for key, value in {"period": "90d", **params}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_shows_the_gallery_then_a_story_with_its_url_parameters_validated():
    at = open_page("demo-executive")
    assert at.title[0].value == "Stories"
    at = open_page("demo-bu-manager", story="us-west-delivery-crisis", s_unit="us_west", s_start="garbage")
    warnings = " ".join(w.value for w in at.warning)
    assert "not a date" in warnings and "outside what you may see" in warnings
    assert at.query_params["s_unit"] == "bu_cn" and at.query_params["s_start"] == "2026-03-02"
    text = " ".join(m.value for m in at.markdown)
    assert "Greater China" in text and "US West rose" not in text


def test_page_lets_an_analyst_preview_another_version():
    at = open_page("demo-analyst", story="us-west-delivery-crisis")
    assert any(m.value == "### Method, data and caveats" for m in at.markdown)
    at = open_page("demo-analyst", story="us-west-delivery-crisis", audience="executive")
    assert not any(m.value.startswith("###") for m in at.markdown)
    at = open_page("demo-agent", story="us-west-delivery-crisis", audience="analyst")  # agents cannot preview
    assert not any(m.value == "### Method, data and caveats" for m in at.markdown)


def test_page_refuses_unknown_or_unpublished_stories():
    at = open_page("demo-agent", story="silent-business-customers")  # not written for agents
    assert "does not exist or is not published for your role" in at.warning[0].value
    at = open_page("demo-analyst", story="../../etc/passwd")
    assert "does not exist" in at.warning[0].value
