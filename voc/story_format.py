"""The story file format (``stories/<slug>.md``): parsing and validation, with line numbers.

A story is plain Markdown with YAML front matter; no Python and no SQL. It names the
queries it uses (files in ``queries/``) and the blocks that read them. Format::

    ---
    title: Delivery crisis in US West            # required
    summary: One or two sentences for the gallery card.
    audiences: [executive, manager, analyst, agent]
    author: Ana Analyst
    status: published                           # draft | published | archived
    parameters:                                 # name: {type, default, label}
      start: {type: date, default: 2026-03-02, label: Crisis start}
      end: {type: date, default: 2026-04-12}
      unit: {type: unit, default: us_west}
    queries: [measures_by_segment_for_period, nps_by_month]
    values:                                     # optional: one figure from a query
      orders: {query: kpi_totals_for_period, column: feedback_n}
    versions:                                   # optional: the sections each audience sees, in order
      executive: [decision]
    ---
    ## What changed                             (sections start at level-2 headings; {#id} sets an id)
    Prose with values: {{ unit_name }} had {{ orders | number }} answers; {{ nps.movement }}.

    ```narrate
    kind: change          # change | where | why | worth | initiative | gap | scan
    measure: nps
    id: nps               # exposes nps.value, nps.previous, nps.delta, nps.p, nps.n, nps.movement, ...
    ```

Parameters have a type (date, unit, segment, theme, integer, text). Date parameters come in pairs
(``start``/``end``, or ``<name>_start``/``<name>_end``); a block picks one with ``period: <name>``
and its comparison with ``baseline: previous`` (the default: the range of equal length just
before) or ``baseline: <name>``. Date defaults may be ``data_end`` or ``data_end - N days`` (the
last day with feedback). A ``unit`` parameter puts that org unit in focus for every block; a block
may name its own ``unit:`` (``all``: everything the reader may see) and ``segment:``. Block values
written ``$name`` refer to a parameter.

Blocks: ``narrate`` (kinds: change, where, why, worth, initiative, gap, scan; see
``voc.story_narrate`` and ``voc.story_worth``), ``chart`` (``voc.story_charts``) and ``evidence``
(``theme:``, ``quotes:``: representative verbatims). Prose values are ``{{ name }}``,
``{{ name.attribute }}`` or ``{{ name | filter }}`` (filters: number, pct, pts, delta, money, date,
month, p, text); nothing else is evaluated (``voc.story_text``). ``versions:`` lists, per audience,
the section ids it reads, in order; ``voc.story_render`` then trims each version to its profile.
``parse`` collects every problem and raises one ``StoryError`` listing them by line; the semantic
checks (queries listed, exist and bind; names resolve) are in ``voc.story_check``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from voc import queries
from voc.story_body import Block, Problem, Section, load_yaml, sections

AUDIENCES = ("executive", "manager", "analyst", "agent")
STATUSES = ("draft", "published", "archived")
PARAM_TYPES = ("date", "unit", "segment", "theme", "integer", "text")
NARRATE_KINDS = ("change", "where", "why", "worth", "initiative", "gap", "scan")
FILTERS = ("number", "pct", "pts", "delta", "money", "date", "month", "p", "text")
ATTRIBUTES = ("value", "previous", "delta", "p", "n", "n_previous", "movement", "title", "sentence",
              "amount", "customers", "label", "started", "count")
DERIVED_NAMES = ("unit_name", "segment_name", "theme_label", "previous_start", "previous_end")
REQUIRED = ("title", "summary", "audiences", "author", "status", "queries")
OPTIONAL = ("parameters", "values", "versions", "tags")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATA_END = re.compile(r"^data_end(?:\s*-\s*(\d+)\s*days?)?$")

BLOCK_KEYS = {
    "chart": {"query", "args", "window", "x", "y", "color", "mark", "title", "annotations", "y_title", "x_title",
              "unit", "segment", "period", "baseline"},
    "evidence": {"theme", "quotes", "period", "unit", "segment", "title"},
}
NARRATE_KEYS = {"kind", "id", "measure", "theme", "segment", "unit", "period", "baseline", "by", "group",
                "explain", "driver", "exposure", "initiative", "days", "source", "measures", "limit",
                "churn_days"}


class StoryError(ValueError):
    """A story file is wrong; ``problems`` says where (line numbers in the file) and how."""

    def __init__(self, slug: str, problems: list[Problem]):
        self.slug, self.problems = slug, tuple(sorted(problems, key=lambda p: p.line))
        super().__init__(f"{slug}: " + "; ".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: object  # a date, "data_end[ - N days]", a unit id, text, a number or None
    label: str
    line: int


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    summary: str
    audiences: tuple[str, ...]
    author: str
    status: str
    params: tuple[Param, ...]
    queries: tuple[str, ...]
    values: dict
    versions: dict  # audience -> tuple of section ids
    sections: tuple[Section, ...]
    tags: tuple[str, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def blocks(self, kind: str | None = None) -> list[Block]:
        return [b for s in self.sections for b in s.blocks if kind is None or b.kind == kind]

    def sections_for(self, audience: str) -> list[Section]:
        """The sections ``audience`` sees, in its order (all of them, in file order, by default)."""
        if audience in self.versions:
            by_id = {s.id: s for s in self.sections}
            return [by_id[i] for i in self.versions[audience] if i in by_id]
        return list(self.sections)


def date_default(value) -> object:
    """A date default as a date, or the text 'data_end[ - N days]'; raises ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if _DATA_END.match(text):
        return text
    return dt.date.fromisoformat(text)


def resolve_date(default, data_end: dt.date) -> dt.date:
    if isinstance(default, dt.date):
        return default
    days = _DATA_END.match(default).group(1)
    return data_end - dt.timedelta(days=int(days or 0))


def _params(raw, lines: dict, problems: list[Problem]) -> tuple[Param, ...]:
    if raw is None:
        return ()
    line = lines.get(("parameters",), 1)
    if not isinstance(raw, dict):
        problems.append(Problem(line, "parameters must map each name to {type, default, label}"))
        return ()
    found = []
    for name, spec in raw.items():
        at = lines.get(("parameters", name), line)
        if not isinstance(name, str) or not _NAME.match(name) or name in DERIVED_NAMES:
            problems.append(Problem(at, f"parameter name {name!r}: use lower-case letters, digits and _ "
                                        f"(reserved: {', '.join(DERIVED_NAMES)})"))
            continue
        if not isinstance(spec, dict) or spec.get("type") not in PARAM_TYPES:
            problems.append(Problem(at, f"parameter '{name}' needs a type among {', '.join(PARAM_TYPES)}"))
            continue
        unknown = set(spec) - {"type", "default", "label"}
        if unknown:
            problems.append(Problem(at, f"parameter '{name}' has unknown keys {sorted(unknown)}"))
        default = spec.get("default")
        try:
            if spec["type"] == "date":
                default = date_default(default)
            elif spec["type"] == "integer" and default is not None:
                default = int(default)
        except (TypeError, ValueError):
            problems.append(Problem(at, f"parameter '{name}': default {default!r} is not a date (YYYY-MM-DD) "
                                        "or 'data_end - N days'" if spec["type"] == "date"
                                        else f"parameter '{name}': default {default!r} is not a whole number"))
            continue
        if spec["type"] == "date" and default is None:
            problems.append(Problem(at, f"date parameter '{name}' needs a default"))
        found.append(Param(name, spec["type"], default, str(spec.get("label") or name.replace("_", " ")), at))
    names = {p.name for p in found}
    for p in found:
        if p.type == "date" and (p.name.endswith("start") or p.name.endswith("end")):
            other = p.name[:-5] + "end" if p.name.endswith("start") else p.name[:-3] + "start"
            if other not in names:
                problems.append(Problem(p.line, f"date parameter '{p.name}' needs its pair '{other}'"))
    return tuple(found)


def period_names(story_params: tuple[Param, ...]) -> set[str]:
    """The periods a block may name: '' for start/end, 'x' for x_start/x_end."""
    names = {p.name for p in story_params if p.type == "date"}
    return {n[:-6] if n.endswith("_start") else "" for n in names if n.endswith("start") and (
        n == "start" or n.endswith("_start"))}


def parse(text: str, slug: str = "story") -> Story:
    """Parse and validate a story; raises ``StoryError`` listing every problem by line."""
    from voc.story_check import check_story  # the semantic checks (queries, names, blocks)

    problems: list[Problem] = []
    if not _SLUG.match(slug):
        problems.append(Problem(1, f"the file name '{slug}' must be lower-case letters, digits and hyphens"))
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise StoryError(slug, [Problem(1, "a story starts with front matter: a line '---', 'key: value' lines, "
                                           "and a closing '---'")])
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        raise StoryError(slug, [Problem(1, "the front matter is not closed: add a line '---' after it")])
    meta, meta_lines = load_yaml(lines[1:close], 2, "front matter", problems)
    if meta is None:
        raise StoryError(slug, problems)
    for key in REQUIRED:
        if key not in meta:
            problems.append(Problem(1, f"the front matter needs '{key}:'"))
    for key in meta:
        if key not in REQUIRED + OPTIONAL:
            problems.append(Problem(meta_lines.get((key,), 1), f"unknown front matter key '{key}' "
                                                               f"(known: {', '.join(REQUIRED + OPTIONAL)})"))
    audiences = meta.get("audiences") or []
    if isinstance(audiences, str):
        audiences = [audiences]
    bad = [a for a in audiences if a not in AUDIENCES]
    if bad or not audiences:
        problems.append(Problem(meta_lines.get(("audiences",), 1),
                                f"audiences must be a list among {', '.join(AUDIENCES)}"
                                + (f"; unknown: {bad}" if bad else "")))
    status = meta.get("status")
    if status is not None and status not in STATUSES:
        problems.append(Problem(meta_lines.get(("status",), 1), f"status must be one of {', '.join(STATUSES)}"))
    names = meta.get("queries") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append(Problem(meta_lines.get(("queries",), 1), "queries must be a list of query names"))
        names = []
    catalog = queries.catalog()
    for name in names:
        if name not in catalog:
            problems.append(Problem(meta_lines.get(("queries",), 1), f"there is no query '{name}' in queries/"))
    params = _params(meta.get("parameters"), meta_lines, problems)
    found_sections = sections(lines, close + 1, problems)
    story = Story(
        slug=slug, title=str(meta.get("title") or ""), summary=str(meta.get("summary") or ""),
        audiences=tuple(a for a in audiences if a in AUDIENCES), author=str(meta.get("author") or ""),
        status=str(status or "draft"), params=params, queries=tuple(names),
        values=meta.get("values") if isinstance(meta.get("values"), dict) else {},
        versions={a: tuple(v) if isinstance(v, list) else () for a, v in (meta.get("versions") or {}).items()}
        if isinstance(meta.get("versions"), dict) else {},
        sections=found_sections, tags=tuple(meta.get("tags") or ()),
    )
    problems += check_story(story, meta, meta_lines)
    if problems:
        raise StoryError(slug, problems)
    return story


