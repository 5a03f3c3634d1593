"""Customer insight stories: the catalogue of ``stories/*.md``, the gallery, and rendering by slug.

The public API:

* ``parse(text, slug) -> Story`` (raises ``StoryError``, whose ``problems`` carry line numbers);
  the format is described in ``voc.story_format``;
* ``render(story, audience, params, user_scope, database) -> Rendered``: blocks of Markdown,
  sentences with provenance, charts with their data, evidence verbatims (``voc.story_render``);
* ``catalog()``: every story file, parsed (or its ``StoryError``), re-read when a file changes;
* ``gallery(role)``: the cards a role may open: published stories whose audiences include the
  role (analysts, the authors, also see drafts and files with errors);
* ``show(slug, audience, params, version, scope=...)``: render by slug, in a form ``ui.cached``
  can key (``version`` is the file's digest, so an edited story is never served stale).

Stories never run free SQL: every figure comes from a named query in ``queries/`` run through
``voc.queries.run`` under the reader's scope, like every other page.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from voc import config
from voc.scope import ALL, Scope
from voc.story_format import AUDIENCES, Problem, Story, StoryError
from voc.story_format import parse as _parse
from voc.story_render import Options, Rendered, options, render, resolve

__all__ = ["parse", "render", "catalog", "gallery", "show", "Story", "StoryError", "Problem", "Rendered",
           "options", "resolve", "audience_for", "audiences_for", "choose_audience", "readable", "controls", "from_url",
           "to_url", "url_fixes",
           "URL_PREFIX"]

URL_PREFIX = "s_"
# Which version of a story each role reads (admins read stories as analysts do).
ROLE_AUDIENCE = {"executive": "executive", "manager": "manager", "analyst": "analyst", "agent": "agent",
                 "admin": "analyst"}


def parse(text: str, slug: str = "story") -> Story:
    return _parse(text, slug)


@dataclass(frozen=True)
class Entry:
    slug: str
    version: int  # 0: the file in stories/; above: the studio's latest published version
    digest: str
    story: Story | None
    error: StoryError | None


@lru_cache(maxsize=16)
def _load(texts: tuple[tuple[str, int, str], ...], stamp: tuple) -> dict[str, Entry]:
    found = {}
    for slug, version, text in texts:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        try:
            found[slug] = Entry(slug, version, digest, _parse(text, slug), None)
        except StoryError as exc:
            found[slug] = Entry(slug, version, digest, None, exc)
    return found


def catalog(directory: Path | None = None, database=None) -> dict[str, Entry]:
    """Every story by slug — the files in stories/, overridden by the studio's latest published
    version of the same slug — parsed or with its error; re-parsed when a text or a query changes."""
    from voc import story_store

    texts = tuple((p.slug, p.version, p.text) for p in story_store.published(database, directory))
    queries_dir = Path(config.QUERIES_DIR)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(queries_dir.glob("*.sql")))
    return _load(texts, stamp)


def audience_for(role: str) -> str:
    return ROLE_AUDIENCE.get(role, "agent")


def may_read(role: str, story: Story) -> bool:
    if role == "analyst":  # authors see drafts and archived stories too
        return True
    return story.status == "published" and audience_for(role) in story.audiences


def choose_audience(role: str, story: Story, requested: str | None = None) -> str:
    """The version to show: an analyst's requested preview if allowed, else the role's own."""
    allowed, own = audiences_for(role, story), audience_for(role)
    if role == "analyst" and requested in allowed:
        return requested
    return own if own in allowed or not allowed else allowed[0]


def readable(role: str, slug: str | None) -> Entry | None:
    """The catalogue entry of ``slug`` if it parses and ``role`` may read it."""
    entry = catalog().get(slug or "")
    return entry if entry is not None and entry.story is not None and may_read(role, entry.story) else None


def audiences_for(role: str, story: Story) -> tuple[str, ...]:
    """The versions a role may open: an analyst may preview every audience of the story."""
    if role == "analyst":
        return story.audiences
    own = audience_for(role)
    return (own,) if own in story.audiences else ()


@dataclass(frozen=True)
class Card:
    slug: str
    title: str
    summary: str
    audiences: tuple[str, ...]
    status: str
    author: str
    problems: tuple[str, ...] = ()

    @property
    def byline(self) -> str:
        return "For: " + ", ".join(self.audiences) + (f" · by {self.author}" if self.author else "")


def gallery(role: str, directory: Path | None = None) -> list[Card]:
    """The stories ``role`` may open, published first, then by title."""
    cards = []
    for entry in catalog(directory).values():
        if entry.story is None:
            if role == "analyst":
                cards.append(Card(entry.slug, entry.slug, "This story file has errors.", (), "error", "",
                                  tuple(str(p) for p in entry.error.problems)))
            continue
        s = entry.story
        if may_read(role, s):
            cards.append(Card(s.slug, s.title, s.summary, s.audiences, s.status, s.author))
    return sorted(cards, key=lambda c: (c.status != "published", c.title.lower()))


def show(slug: str, audience: str, params: tuple[tuple[str, str], ...] = (), version: str = "", *,
         scope: Scope = ALL, database=None) -> Rendered:
    """Render the story ``slug`` (see module docstring); ``params`` as (name, text) pairs."""
    entry = catalog().get(slug)
    if entry is None or entry.story is None:
        raise KeyError(slug)
    return render(entry.story, audience, dict(params), scope, database)


@dataclass(frozen=True)
class Control:
    name: str
    label: str
    type: str  # date | unit | segment | theme | integer | text
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for unit, segment and theme


def controls(story: Story, opts: Options) -> list[Control]:
    """The parameter widgets of a story page, with the values the reader may choose."""
    found = []
    for p in story.params:
        choices: tuple = ()
        if p.type == "unit":
            indent = {"company": 0, "business_unit": 1, "region": 2}
            choices = (("", "All my units"),) + tuple(
                (u, "\u2003" * indent.get(level, 3) + name) for u, name, level in opts.units)
        elif p.type == "segment":
            choices = tuple((s, s) for s in opts.segments)
        elif p.type == "theme":
            choices = tuple(opts.themes.items())
        found.append(Control(p.name, p.label, p.type, choices))
    return found


def from_url(query_params: Mapping) -> dict[str, str]:
    """Story parameters from URL parameters (``s_start=...`` -> ``start``)."""
    found = {}
    for key, value in query_params.items():
        if key.startswith(URL_PREFIX):
            found[key[len(URL_PREFIX):]] = value[-1] if isinstance(value, (list, tuple)) and value else value
    return found


def to_url(values: Mapping) -> dict[str, str]:
    return {URL_PREFIX + k: str(v) for k, v in values.items() if v not in (None, "")}


def url_fixes(raw: Mapping, resolved: Mapping) -> dict[str, str | None]:
    """URL keys whose value was replaced by ``resolve``: key -> the valid value (None: drop the key)."""
    return {URL_PREFIX + k: (resolved.get(k) or None) for k, v in raw.items()
            if k in resolved and str(v) != str(resolved.get(k) or "")}


def known_audiences() -> tuple[str, ...]:
    return AUDIENCES
