"""Story versions: drafts and publishes from the studio, kept in the database (``story_versions``).

* The files in ``stories/`` are version 0 of their slug ("the file in the repository").
* Every studio save adds one row, never updated: version = the slug's latest + 1, as a draft or
  published. Readers get the latest published version, else the file (``current``, ``published``).
* Optimistic concurrency: ``save(database, slug, body, base_version, user)`` names the version the
  editor started from; if someone saved a later one meanwhile it raises ``StoryConflict`` (who saved
  which version, when) and writes nothing, so two analysts never silently overwrite each other.
* Only analysts and admins save or publish. Publishing needs a story that parses without a problem;
  a front matter ``status: draft`` becomes ``status: published`` in the published text (``archived``
  stays: publishing an archived version withdraws the story from readers).
* Every save, publish and refusal is in the audit log; a save and its audit row share one transaction.
* ``record_read`` notes who opened which version (at most once per reader, version and half hour).

Like ``voc.audit_log`` and ``voc.auth`` this module keeps its own SQL: these are application state
tables (no ``unit_id``), not facts read through the named queries.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb

from voc import audit_log, config
from voc import db as dbmod
from voc.story_body import Problem
from voc.story_format import Story, StoryError, parse

EDITORS = ("analyst", "admin")
FILE_AUTHOR = "file in the repository"
MAX_BODY = 200_000  # characters
READ_WINDOW = dt.timedelta(minutes=30)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_STATUS_LINE = re.compile(r"^status:[ \t]*['\"]?draft['\"]?[ \t]*(#.*)?$")
_TITLE_LINE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


class StoryConflict(RuntimeError):
    """Someone saved a later version than the one the editor started from; nothing was written."""

    def __init__(self, slug: str, base_version: int, latest: "Version"):
        self.slug, self.base_version, self.latest = slug, base_version, latest
        super().__init__(
            f"Not saved: {latest.author} saved version {latest.version} of '{slug}' ({latest.status}) at "
            f"{latest.saved_at:%d %b %Y %H:%M} UTC, after version {base_version} that you started from. "
            f"Nothing was written and your text is kept: open version {latest.version}, merge your changes "
            "into it and save again.")


@dataclass(frozen=True)
class Version:
    slug: str
    version: int  # 0: the file in stories/
    status: str  # draft | published
    body: str
    author: str
    saved_at: dt.datetime | None
    published_at: dt.datetime | None
    base_version: int | None

    @property
    def label(self) -> str:
        if self.version == 0:
            return f"version 0 ({FILE_AUTHOR})"
        when = self.published_at or self.saved_at
        verb = "published" if self.status == "published" else "draft saved"
        return f"version {self.version}, {verb} by {self.author} on {when:%d %b %Y %H:%M} UTC"


class Published(NamedTuple):
    """What readers get for one slug: its latest published version, else its file (version 0)."""

    slug: str
    text: str
    version: int
    author: str
    published_at: dt.datetime | None


def may_edit(role: str) -> bool:
    return role in EDITORS


def _directory(directory) -> Path:
    return Path(directory or config.STORIES_DIR)


def file_text(slug: str, directory=None) -> str | None:
    path = _directory(directory) / f"{slug}.md"
    return path.read_text(encoding="utf-8") if SLUG.match(slug) and path.is_file() else None


def _file_version(slug: str, directory=None) -> Version | None:
    text = file_text(slug, directory)
    return None if text is None else Version(slug, 0, "published", text, FILE_AUTHOR, None, None, None)


_COLUMNS = "slug, version, status, body, author, saved_at, published_at, base_version"


def _rows(sql: str, params: list, database) -> list[Version]:
    database = database or dbmod.get()
    with database.read() as cur:
        return [Version(*row) for row in cur.execute(sql, params).fetchall()]


def history(slug: str, database=None, directory=None) -> list[Version]:
    """Every version of ``slug``, newest first, ending with its file (version 0) when there is one."""
    rows = _rows(f"select {_COLUMNS} from story_versions where slug = ? order by version desc", [slug], database)
    file = _file_version(slug, directory)
    return rows + ([file] if file else [])


def get(slug: str, version: int, database=None, directory=None) -> Version | None:
    """One version of ``slug`` (0: its file), or None."""
    if int(version) == 0:
        return _file_version(slug, directory)
    rows = _rows(f"select {_COLUMNS} from story_versions where slug = ? and version = ?", [slug, int(version)],
                 database)
    return rows[0] if rows else None


def latest(slug: str, database=None, directory=None) -> Version | None:
    """The newest version of ``slug``, draft or published (what an editor opens), or None."""
    found = history(slug, database, directory)
    return found[0] if found else None


def current(slug: str, database=None, directory=None) -> Version | None:
    """The version readers get: the latest published one, else the file; None when neither exists."""
    return next((v for v in history(slug, database, directory) if v.status == "published"), None)


def published(database=None, directory=None) -> list[Published]:
    """The text readers get for every story (files and studio publishes), by slug."""
    rows = _rows(f"select {_COLUMNS} from story_versions where status = 'published' "
                 "qualify row_number() over (partition by slug order by version desc) = 1", [], database)
    found = {p.stem: Published(p.stem, p.read_text(encoding="utf-8"), 0, FILE_AUTHOR, None)
             for p in sorted(_directory(directory).glob("*.md")) if SLUG.match(p.stem)}
    for v in rows:
        found[v.slug] = Published(v.slug, v.body, v.version, v.author, v.published_at)
    return [found[slug] for slug in sorted(found)]


def catalog(database=None, directory=None) -> list[tuple[str, str, int]]:
    """Every slug an editor may open (files and studio versions): (slug, title, latest version)."""
    rows = _rows(f"select {_COLUMNS} from story_versions "
                 "qualify row_number() over (partition by slug order by version desc) = 1", [], database)
    found = {p.stem: _file_version(p.stem, directory) for p in _directory(directory).glob("*.md") if SLUG.match(p.stem)}
    found.update({v.slug: v for v in rows})
    return sorted(((slug, title_of(v.body) or slug, v.version) for slug, v in found.items()),
                  key=lambda t: t[1].lower())


def title_of(text: str) -> str | None:
    head = text.split("\n---", 1)[0] if text.startswith("---") else ""
    m = _TITLE_LINE.search(head)
    return m.group(1).strip("'\"") if m else None


def check(text: str, slug: str) -> tuple[Story | None, tuple[Problem, ...]]:
    """(story, ()) when ``text`` is a valid story, else (None, its problems by line)."""
    try:
        return parse(text, slug), ()
    except StoryError as exc:
        return None, exc.problems


def source_line(text: str, line: int) -> str:
    """Line ``line`` (1-based) of ``text``, for showing next to a problem; '' when out of range."""
    lines = text.splitlines()
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def _refuse(database, user, action: str, slug: str, reason: str, outcome: str = "refused") -> None:
    audit_log.record(database, user, action, slug, {"reason": reason}, outcome)


def save(database, slug: str, body: str, base_version: int, user, *, publish: bool = False) -> Version:
    """Save ``body`` as the next version of ``slug`` (draft, or published with ``publish=True``).

    ``base_version`` is the version the editor started from (0 for the file, or for a new story).
    Raises ``PermissionError`` (not an analyst or admin), ``ValueError`` (bad slug or text),
    ``StoryError`` (publishing a story with problems) or ``StoryConflict``; each is audited.
    """
    database = database or dbmod.get()
    action = "story_published" if publish else "story_saved"
    role = getattr(user, "role", None)
    if not may_edit(role):
        _refuse(database, user, action, slug, f"role {role!r} may not edit stories")
        raise PermissionError("only analysts and admins may save or publish stories")
    if not isinstance(slug, str) or not SLUG.match(slug):
        _refuse(database, user, action, str(slug)[:80], "bad slug", "failed")
        raise ValueError("a story's name (slug) is lower-case letters, digits and hyphens, at most 80 characters")
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_BODY:
        _refuse(database, user, action, slug, "empty or too long", "failed")
        raise ValueError(f"a story's text must be between 1 and {MAX_BODY:,} characters")
    body = body.replace("\r\n", "\n")
    if publish:
        _, problems = check(body, slug)
        if problems:
            _refuse(database, user, action, slug, f"{len(problems)} problems, first: {problems[0]}", "failed")
            raise StoryError(slug, list(problems))
        body = mark_published(body)
    at = audit_log.now()
    try:
        with database.write(changes_data=publish) as cur:
            row = cur.execute(f"select {_COLUMNS} from story_versions where slug = ? order by version desc limit 1",
                              [slug]).fetchone()
            newest = row[1] if row else 0
            if newest != int(base_version):
                if row is None:
                    raise ValueError(f"'{slug}' has no version {base_version}: open the story again")
                raise StoryConflict(slug, int(base_version), Version(*row))
            version = Version(slug, newest + 1, "published" if publish else "draft", body, user.username, at,
                              at if publish else None, int(base_version))
            cur.execute(f"insert into story_versions ({_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?)",
                        [version.slug, version.version, version.status, version.body, version.author,
                         version.saved_at, version.published_at, version.base_version])
            audit_log.record(cur, user, action, slug, {"version": version.version, "base_version": base_version,
                                                       "characters": len(body)}, at=at)
    except (duckdb.TransactionException, duckdb.ConstraintException):
        # another save of the same slug committed first (same version number): report it as a conflict
        found = latest(slug, database)
        if found is None or found.version <= int(base_version):
            _refuse(database, user, action, slug, "a concurrent save failed to commit", "failed")
            raise RuntimeError(f"'{slug}' is being saved by someone else at this moment: try again") from None
        conflict = StoryConflict(slug, int(base_version), found)
        _refuse(database, user, action, slug, f"conflict: base {base_version}, latest {found.version}", "failed")
        raise conflict from None
    except StoryConflict as conflict:
        _refuse(database, user, action, slug, f"conflict: base {base_version}, latest {conflict.latest.version}",
                "failed")
        raise
    except ValueError as exc:
        _refuse(database, user, action, slug, str(exc), "failed")
        raise
    return version


def mark_published(body: str) -> str:
    """``body`` with its front matter ``status: draft`` line (if any) set to ``status: published``."""
    lines = body.split("\n")
    if not lines or lines[0].strip() != "---":
        return body
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), len(lines))
    for i in range(1, close):
        m = _STATUS_LINE.match(lines[i])
        if m:
            lines[i] = "status: published" + (f"  {m.group(1)}" if m.group(1) else "")
            break
    return "\n".join(lines)


def publish(database, slug: str, body: str, base_version: int, user) -> Version:
    """Publish ``body`` as the next version of ``slug`` (see ``save``); it becomes what readers get."""
    return save(database, slug, body, base_version, user, publish=True)


def record_read(database, slug: str, version: int, user, *, at: dt.datetime | None = None) -> bool:
    """Note that ``user`` opened ``version`` of ``slug`` (the story page calls this); False if already
    noted in the last half hour. Changes no cached result."""
    database = database or dbmod.get()
    at = at or audit_log.now()
    username = str(getattr(user, "username", user))[:200]
    with database.write(changes_data=False) as cur:
        seen = cur.execute("select count(*) from story_reads where slug = ? and version = ? and username = ? "
                           "and read_at > ?", [slug, int(version), username, at - READ_WINDOW]).fetchone()[0]
        if seen:
            return False
        cur.execute("insert into story_reads values (?, ?, ?, ?)", [slug, int(version), username, at])
    return True


def readers(slug: str, database=None) -> dict[int, int]:
    """Distinct readers of each version of ``slug`` recorded by ``record_read``."""
    database = database or dbmod.get()
    with database.read() as cur:
        rows = cur.execute("select version, count(distinct username) from story_reads where slug = ? "
                           "group by version", [slug]).fetchall()
    return {int(v): int(n) for v, n in rows}
