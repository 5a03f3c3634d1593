"""Story versions in the database: files as version 0, drafts, publishes, conflicts, audit, reads."""
from __future__ import annotations

import datetime as dt
import json
import threading

import duckdb
import pytest

import voc.db
from voc import story_store
from voc.story_format import StoryError
from voc.users import User, persona

ANA = persona("demo-analyst")
ADA = persona("demo-admin")
BEN = User("ben-analyst", "Ben Analyst", "analyst", None)
ERIN = persona("demo-executive")

STORY = """---
title: {title}
summary: A story.
audiences: [executive, analyst]
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


def text(title="Returns", status="draft"):
    return STORY.format(title=title, status=status)


@pytest.fixture
def db(private_db_path):
    return voc.db.get(private_db_path)


@pytest.fixture
def shelf(tmp_path):
    """A stories/ folder holding one file, 'returns' (version 0)."""
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "returns.md").write_text(text("Returns (file)", "published"), encoding="utf-8")
    return folder


def rows(db, sql, params=()):
    with db.read() as cur:
        return cur.execute(sql, list(params)).fetchall()


def audit(db, action):
    return [(a, t, o, json.loads(d)) for a, t, o, d in
            rows(db, "select actor, target, outcome, detail from audit_log where action = ? order by id", [action])]


def test_the_file_is_version_0_until_a_publish(db, shelf):
    current = story_store.current("returns", db, shelf)
    assert (current.version, current.author) == (0, story_store.FILE_AUTHOR)
    assert current.body == text("Returns (file)", "published")
    draft = story_store.save(db, "returns", text("Returns v1"), 0, ANA)
    assert (draft.version, draft.status, draft.author, draft.base_version) == (1, "draft", "demo-analyst", 0)
    assert story_store.current("returns", db, shelf).version == 0  # a draft is not what readers get
    assert story_store.latest("returns", db, shelf).version == 1  # but it is what an editor opens
    published = story_store.publish(db, "returns", text("Returns v2"), 1, ADA)
    assert (published.version, published.status, published.author) == (2, "published", "demo-admin")
    assert published.published_at == published.saved_at is not None
    assert story_store.current("returns", db, shelf).body == text("Returns v2", "published")
    # every earlier version stays readable
    assert story_store.get("returns", 1, db, shelf).body == text("Returns v1")
    assert story_store.get("returns", 0, db, shelf).body == text("Returns (file)", "published")
    assert [v.version for v in story_store.history("returns", db, shelf)] == [2, 1, 0]
    assert rows(db, "select version, status, author, base_version from story_versions order by version") == [
        (1, "draft", "demo-analyst", 0), (2, "published", "demo-admin", 1)]


def test_published_is_the_union_of_files_and_studio_publishes(db, shelf):
    story_store.publish(db, "returns", text("Returns v1"), 0, ANA)
    story_store.publish(db, "studio-only", text("Made in the studio"), 0, ANA)
    story_store.save(db, "studio-only", text("A later draft"), 1, ANA)  # drafts are never listed
    found = {p.slug: p for p in story_store.published(db, shelf)}
    assert set(found) == {"returns", "studio-only"}
    assert (found["returns"].version, found["returns"].author) == (1, "demo-analyst")
    assert found["studio-only"].text == text("Made in the studio", "published")
    assert {(slug, title, v) for slug, title, v in story_store.catalog(db, shelf)} == {
        ("returns", "Returns v1", 1), ("studio-only", "A later draft", 2)}


def test_a_conflicting_save_is_refused_with_who_and_when_and_writes_nothing(db, shelf):
    story_store.save(db, "returns", text("Ana's edit"), 0, ANA)  # both opened version 0; Ana saved first
    with pytest.raises(story_store.StoryConflict) as caught:
        story_store.save(db, "returns", text("Ben's edit"), 0, BEN)
    exc = caught.value
    assert (exc.latest.version, exc.latest.author, exc.base_version) == (1, "demo-analyst", 0)
    message = str(exc)
    assert "demo-analyst saved version 1" in message and "after version 0" in message
    assert "Nothing was written" in message
    assert rows(db, "select count(*), max(body) from story_versions") == [(1, text("Ana's edit"))]
    assert [(a, o) for a, _, o, _ in audit(db, "story_saved")] == [("demo-analyst", "ok"), ("ben-analyst", "failed")]
    # a publish on an old base is refused the same way
    with pytest.raises(story_store.StoryConflict):
        story_store.publish(db, "returns", text("Ben's edit"), 0, BEN)


def test_concurrent_saves_on_one_base_never_both_land(db, shelf):
    """Two analysts press save at the same moment: one version lands, the other is told, never a raw error."""
    for round_ in range(4):
        slug, barrier, found = f"race-{round_}", threading.Barrier(2), []

        def one(user):
            barrier.wait()
            try:
                found.append(story_store.save(db, slug, text(user.username), 0, user).author)
            except (story_store.StoryConflict, RuntimeError) as exc:  # RuntimeError: "being saved ... try again"
                found.append(type(exc).__name__)

        threads = [threading.Thread(target=one, args=(u,)) for u in (ANA, BEN)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert rows(db, "select count(*) from story_versions where slug = ?", [slug]) == [(1,)]
        winners = [o for o in found if o in ("demo-analyst", "ben-analyst")]
        assert len(found) == 2 and len(winners) == 1, found
        assert rows(db, "select author from story_versions where slug = ?", [slug]) == [(winners[0],)]


def test_only_analysts_and_admins_save_and_refusals_are_audited(db, shelf):
    with pytest.raises(PermissionError):
        story_store.save(db, "returns", text(), 0, ERIN)
    assert rows(db, "select count(*) from story_versions") == [(0,)]
    assert audit(db, "story_saved") == [("demo-executive", "returns", "refused",
                                        {"reason": "role 'executive' may not edit stories"})]
    story_store.save(db, "returns", text(), 0, ADA)
    assert audit(db, "story_saved")[-1][:3] == ("demo-admin", "returns", "ok")


def test_a_save_and_its_audit_row_are_one_transaction(db, shelf):
    saved = story_store.publish(db, "returns", text(), 0, ANA)
    [(actor, target, outcome, detail)] = audit(db, "story_published")
    assert (actor, target, outcome) == ("demo-analyst", "returns", "ok")
    assert detail["version"] == saved.version == 1 and detail["base_version"] == 0
    at = rows(db, "select occurred_at from audit_log where action = 'story_published'")[0][0]
    assert at == saved.saved_at


def test_bad_slugs_and_texts_are_refused(db):
    for slug in ("Returns", "../etc", "a b", ""):
        with pytest.raises(ValueError):
            story_store.save(db, slug, text(), 0, ANA)
    with pytest.raises(ValueError):
        story_store.save(db, "returns", "   ", 0, ANA)
    with pytest.raises(ValueError):  # a base version that never existed
        story_store.save(db, "returns", text(), 5, ANA)
    assert rows(db, "select count(*) from story_versions") == [(0,)]


def test_publishing_needs_a_valid_story_and_says_which_line(db, shelf):
    broken = text().replace("measure: nps", "measure: happiness")
    story_store.save(db, "returns", broken, 0, ANA)  # a draft may be unfinished
    with pytest.raises(StoryError) as caught:
        story_store.publish(db, "returns", broken, 1, ANA)
    line = broken.splitlines().index("measure: happiness") + 1
    assert line in [p.line for p in caught.value.problems]
    assert rows(db, "select count(*) from story_versions where status = 'published'") == [(0,)]
    assert audit(db, "story_published")[-1][2] == "failed"


def test_publishing_marks_a_draft_published_and_keeps_archived(db):
    assert story_store.mark_published(text(status="draft")) == text(status="published")
    assert story_store.mark_published(text(status="archived")) == text(status="archived")
    prose = text() + "\nstatus: draft\n"  # only the front matter line changes
    assert story_store.mark_published(prose).endswith("\nstatus: draft\n")


def test_reads_are_recorded_once_per_half_hour(db):
    at = dt.datetime(2026, 11, 2, 9, 0)
    assert story_store.record_read(db, "returns", 0, ERIN, at=at)
    assert not story_store.record_read(db, "returns", 0, ERIN, at=at + dt.timedelta(minutes=10))
    assert story_store.record_read(db, "returns", 0, ERIN, at=at + dt.timedelta(minutes=31))
    assert story_store.record_read(db, "returns", 0, ANA, at=at)
    assert story_store.record_read(db, "returns", 1, ANA, at=at)
    assert rows(db, "select count(*) from story_reads") == [(4,)]
    assert story_store.readers("returns", db) == {0: 2, 1: 1}


def test_the_schema_refuses_inconsistent_rows(db):
    with pytest.raises(duckdb.ConstraintException):
        with db.write() as cur:  # published without a publication time
            cur.execute("insert into story_versions values ('x', 1, 'published', 'b', 'a', now(), null, 0)")
    with pytest.raises(duckdb.ConstraintException):
        with db.write() as cur:  # a base version that is not older
            cur.execute("insert into story_versions values ('x', 1, 'draft', 'b', 'a', now(), null, 1)")
