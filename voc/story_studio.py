"""The page logic of the story studio (``pages/story_studio.py``): open, check, preview, compare.

* ``open_story(slug)``: the text an editor starts from (the latest version, draft or published,
  else the file) and its version number, which ``voc.story_store.save`` needs as ``base_version``;
* ``preview(text, slug, audience, scope=...)``: the problems of the text, each with its line and the
  text of that line, or the story rendered for ``audience`` under the analyst's own scope;
* ``history_table(slug)``: one row per version (who saved or published it, when, readers);
* ``diff(theirs, yours)``: what differs between two texts, for resolving a conflict;
* ``new_slug_problem(slug)``: why a new story cannot take that name, or None;
* ``exportable(slug, user)``: the audiences whose version of the published story ``user`` may export.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from voc import stories, story_export, story_store
from voc.scope import ALL, Scope
from voc.story_blocks import Rendered

NEW_STORY = """---
title: A new story
summary: One or two sentences for the gallery card.
audiences: [executive, manager, analyst, agent]
author: {author}
status: draft
parameters:
  start: {{type: date, default: data_end - 89 days, label: From}}
  end: {{type: date, default: data_end, label: To}}
  unit: {{type: unit, label: Org unit}}
queries: [measures_by_segment_for_period, nps_by_month]
---

## What changed

From {{{{ start | date }}}} to {{{{ end | date }}}} in {{{{ unit_name }}}}:

```narrate
kind: change
measure: nps
id: nps
```

```chart
query: nps_by_month
window: trend
x: month
y: nps
```
"""


@dataclass(frozen=True)
class Opened:
    slug: str
    text: str
    base_version: int  # the version the text is; save on top of it
    label: str


@dataclass(frozen=True)
class Line:
    line: int
    message: str
    source: str  # the text of that line in the story


@dataclass(frozen=True)
class Preview:
    problems: tuple[Line, ...]
    rendered: Rendered | None
    audiences: tuple[str, ...]


def open_story(slug: str, user=None, *, database=None, directory=None) -> Opened:
    """The newest version of ``slug`` for editing; a starter text for a slug that has none."""
    found = story_store.latest(slug, database, directory)
    if found is None:
        author = getattr(user, "display_name", None) or "Analyst"
        return Opened(slug, NEW_STORY.format(author=author), 0, "a new story, not saved yet")
    return Opened(slug, found.body, found.version, found.label)


def new_slug_problem(slug: str, *, database=None, directory=None) -> str | None:
    if not story_store.SLUG.match(slug or ""):
        return "Name the story with lower-case letters, digits and hyphens (e.g. 'returns-in-canada')."
    if story_store.latest(slug, database, directory) is not None:
        return f"A story named '{slug}' exists already: open it from the list instead."
    return None


def preview(text: str, slug: str, audience: str, *, scope: Scope = ALL, database=None) -> Preview:
    """``text`` checked, and rendered for ``audience`` (or its first audience) when it has no problem."""
    story, problems = story_store.check(text, slug)
    if story is None:
        return Preview(tuple(Line(p.line, p.message, story_store.source_line(text, p.line)) for p in problems),
                       None, ())
    audience = audience if audience in story.audiences else story.audiences[0]
    return Preview((), stories.render(story, audience, {}, scope, database), story.audiences)


def history_table(slug: str, *, database=None, directory=None) -> list[dict]:
    readers = story_store.readers(slug, database)
    return [{"version": v.version, "status": "file in the repository" if v.version == 0 else v.status,
             "by": v.author if v.version else "", "saved (UTC)": v.saved_at, "published (UTC)": v.published_at,
             "edited from": v.base_version, "readers": readers.get(v.version, 0)}
            for v in story_store.history(slug, database, directory)]


def diff(theirs: str, yours: str, *, theirs_name: str = "saved", yours_name: str = "yours") -> str:
    """A unified diff from ``theirs`` to ``yours`` ('' when they are the same)."""
    return "".join(difflib.unified_diff(theirs.splitlines(keepends=True), yours.splitlines(keepends=True),
                                        theirs_name, yours_name, n=2))


def exportable(slug: str, user, *, database=None, directory=None) -> tuple[str, ...]:
    current = story_store.current(slug, database, directory)
    story, _ = story_store.check(current.body, slug) if current is not None else (None, ())
    return tuple(a for a in story.audiences if story_export.may_export(user.role, story, a)) if story else ()
