"""The story studio: draft -> publish -> new version -> history; conflicts; problems by line; prose is text.

The page itself runs under AppTest as the analyst persona over a private copy of the fixture database.
"""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

import voc.db
from voc import config, story_store, story_studio
from voc.users import persona

ANA, ADA = persona("demo-analyst"), persona("demo-admin")
PAGE = str(config.ROOT / "pages" / "story_studio.py")
FILE = (config.STORIES_DIR / "what-changed.md").read_text(encoding="utf-8")


@pytest.fixture
def db(private_db_path):
    return voc.db.get(private_db_path)


def test_draft_publish_new_version_and_history(db):
    opened = story_studio.open_story("what-changed", ANA, database=db)
    assert (opened.base_version, opened.text) == (0, FILE)  # the repository file is version 0
    draft = story_store.save(db, "what-changed", FILE.replace("What changed this period", "Draft title"),
                             opened.base_version, ANA)
    first = story_store.publish(db, "what-changed", FILE.replace("What changed this period", "First"),
                                draft.version, ANA)
    reopened = story_studio.open_story("what-changed", ADA, database=db)
    assert (reopened.base_version, reopened.label.startswith("version 2, published by demo-analyst")) == (2, True)
    second = story_store.publish(db, "what-changed", reopened.text.replace("title: First", "title: Second"),
                                 reopened.base_version, ADA)
    story_store.record_read(db, "what-changed", 2, persona("demo-executive"))
    table = story_studio.history_table("what-changed", database=db)
    assert [(r["version"], r["status"], r["by"], r["edited from"], r["readers"]) for r in table] == [
        (3, "published", "demo-admin", 2, 0),
        (2, "published", "demo-analyst", 1, 1),
        (1, "draft", "demo-analyst", 0, 0),
        (0, "file in the repository", "", None, 0)]
    assert table[0]["published (UTC)"] == second.published_at and table[2]["published (UTC)"] is None
    assert story_store.current("what-changed", db).version == 3
    assert "title: First" in story_store.get("what-changed", first.version, db).body  # the old one stays readable
    assert {p.slug: p.version for p in story_store.published(db)}["what-changed"] == 3


def test_a_conflicting_save_is_refused_with_a_clear_message(db):
    mine = story_studio.open_story("what-changed", ANA, database=db)
    theirs = story_studio.open_story("what-changed", ADA, database=db)
    story_store.publish(db, "what-changed", theirs.text.replace("title: What changed this period",
                                                                "title: Admin's title"), theirs.base_version, ADA)
    edited = mine.text.replace("title: What changed this period", "title: Ana's title")
    with pytest.raises(story_store.StoryConflict) as caught:
        story_store.save(db, "what-changed", edited, mine.base_version, ANA)
    assert str(caught.value).startswith("Not saved: demo-admin saved version 1 of 'what-changed' (published) at ")
    change = story_studio.diff(caught.value.latest.body, edited, theirs_name="version 1")
    assert "-title: Admin's title" in change and "+title: Ana's title" in change
    assert story_store.latest("what-changed", db).body.count("Admin's title") == 1


def test_problems_point_at_their_line():
    text = FILE.replace("kind: scan\nlimit: 6", "kind: scan\nlimit: 6\ncolour: red")
    found = story_studio.preview(text, "what-changed", "analyst", database=None)
    line = text.splitlines().index("colour: red") + 1
    assert found.rendered is None
    assert [(p.line, p.source) for p in found.problems if "colour" in p.message] == [(line, "colour: red")]
    assert story_studio.new_slug_problem("What Changed") and story_studio.new_slug_problem("what-changed")
    assert story_studio.new_slug_problem("brand-new") is None


def test_preview_renders_any_audience_and_prose_html_stays_text(database):
    text = FILE.replace("in {{ unit_name }}, against", "in {{ unit_name }} <script>alert(1)</script>, against")
    found = story_studio.preview(text, "what-changed", "analyst", database=database)
    prose = " ".join(b.text for b in found.rendered.blocks if b.kind == "markdown")
    assert "\\<script>alert(1)\\</script>" in prose  # an escaped '<' is shown as a character by Markdown
    assert not re.search(r"(?<!\\)<", prose)  # no '<' left that could open a tag
    executive = story_studio.preview(text, "what-changed", "executive", database=database)
    assert executive.rendered.audience == "executive"
    assert found.audiences == ("executive", "manager", "analyst", "agent")
    assert len([b for b in executive.rendered.blocks if b.kind in ("markdown", "sentence")]) <= 3


def _studio(persona_name="demo-analyst") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["persona"] = persona_name
    at.run()
    return at


@pytest.fixture
def page_db(private_db_path, monkeypatch):
    """The page opens the database VOC_DB names: a private copy, since these tests write."""
    monkeypatch.setenv("VOC_DB", str(private_db_path))
    return private_db_path


def test_the_page_saves_publishes_and_refuses_a_conflicting_save(page_db):
    at = _studio()
    assert not at.exception and at.title[0].value == "Story studio"
    at.selectbox(key="ss_pick").set_value("what-changed").run()
    body = at.text_area(key="ss_body").value
    assert body == FILE
    edited = body.replace("title: What changed this period", "title: What changed <script>alert(1)</script>")
    at.text_area(key="ss_body").set_value(edited).run()
    assert not at.error
    assert all(not m.proto.allow_html for m in at.markdown)  # nothing is drawn as raw HTML
    at.button(key="ss_save").click().run()
    assert at.success[0].value.startswith("Saved: version 1, draft saved by demo\\-analyst")
    at.button(key="ss_publish").click().run()
    assert at.success[0].value.startswith("Saved: version 2, published by demo\\-analyst")
    db = voc.db.get(page_db)
    assert story_store.current("what-changed", db).version == 2
    # meanwhile an admin publishes version 3 from another session
    story_store.publish(db, "what-changed", edited.replace("<script>alert(1)</script>", "again"), 2, ADA)
    at.text_area(key="ss_body").set_value(edited + "\nOne more line.\n").run()
    at.button(key="ss_save").click().run()
    assert not at.success
    assert any("Not saved: demo\\-admin saved version 3" in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_area(key="ss_body").value == edited + "\nOne more line.\n"  # the editor keeps the text
    assert [v.version for v in story_store.history("what-changed", db)] == [3, 2, 1, 0]
    assert "+One more line." in at.code[-1].value  # what differs from version 3, to merge by hand
    at.button(key="ss_reopen").click().run()  # open version 3; the edits stay on screen beside it
    assert at.text_area(key="ss_body").value == story_store.get("what-changed", 3, db).body
    assert at.info[0].value.startswith("Opened version 3") and "+One more line." in at.code[-1].value
    at.text_area(key="ss_body").set_value(at.text_area(key="ss_body").value + "\nOne more line.\n").run()
    at.button(key="ss_save").click().run()
    assert at.success[0].value.startswith("Saved: version 4, draft saved by demo\\-analyst")


def test_the_page_shows_problems_by_line_and_is_for_authors_only(page_db):
    at = _studio()
    at.selectbox(key="ss_pick").set_value("what-changed").run()
    at.text_area(key="ss_body").set_value(FILE.replace("measure: nps\n```", "measure: happiness\n```")).run()
    line = FILE.replace("measure: nps\n```", "measure: happiness\n```").splitlines().index("measure: happiness") + 1
    assert any(e.value.startswith(f"**Line {line}:**") for e in at.error), [e.value for e in at.error]
    at.button(key="ss_publish").click().run()
    assert any("Not published: fix these first" in e.value for e in at.error)
    assert story_store.current("what-changed", voc.db.get(page_db)).version == 0
    agent = _studio("demo-agent")
    assert agent.warning[0].value == "Only analysts and admins write stories."
    assert not agent.text_area


def test_a_new_story_starts_valid_and_its_name_is_checked(page_db):
    opened = story_studio.open_story("returns-in-canada", ANA, database=voc.db.get(page_db))
    assert opened.base_version == 0 and story_store.check(opened.text, "returns-in-canada")[1] == ()
    at = _studio()
    at.text_input(key="ss_slug").set_value("what-changed").run()  # taken by a repository file
    at.button(key="ss_publish").click().run()
    assert any("exists already" in e.value for e in at.error)
    at.text_input(key="ss_slug").set_value("returns-in-canada").run()
    at.button(key="ss_publish").click().run()
    assert at.success[0].value.startswith("Saved: version 1, published by demo\\-analyst")
    assert at.selectbox(key="ss_pick").value == "returns-in-canada"  # now listed, and open
    assert story_store.current("returns-in-canada", voc.db.get(page_db)).body == opened.text.replace(
        "status: draft", "status: published")


def test_exportable_audiences_follow_the_published_version_and_the_role(db):
    assert story_studio.exportable("what-changed", ANA, database=db) == ("executive", "manager", "analyst", "agent")
    assert story_studio.exportable("what-changed", persona("demo-agent"), database=db) == ("agent",)
    story_store.publish(db, "what-changed", FILE.replace("audiences: [executive, manager, analyst, agent]",
                                                         "audiences: [executive, analyst]")
                        .replace("  manager: [what-changed, the-trend, what-it-is-worth]\n", "")
                        .replace("  agent: [what-changed]\n", ""), 0, ANA)
    assert story_studio.exportable("what-changed", ANA, database=db) == ("executive", "analyst")
    assert story_studio.exportable("what-changed", persona("demo-agent"), database=db) == ()
    assert story_studio.exportable("no-such-story", ANA, database=db) == ()
