"""The body of a story file: sections (level-2 headings), prose, fenced blocks, ``{{ ... }}`` references.

``sections`` splits the Markdown after the front matter into sections (``## Heading {#id}``; the
id defaults to the heading's slug) made of blocks: prose (``markdown``) and the fenced
``narrate``, ``chart`` and ``evidence`` blocks, whose YAML is read with the line of every key so
that later checks can point at it. Other fenced blocks stay prose (shown as code).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

BLOCK_KINDS = ("narrate", "chart", "evidence")
_FENCE = re.compile(r"^(```|~~~)\s*([A-Za-z0-9_-]*)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{#([a-z0-9][a-z0-9-]*)\})?\s*$")
TEMPLATE = re.compile(r"\{\{(.*?)\}\}")
_EXPR = re.compile(r"^\s*([a-z][a-z0-9_]*)(?:\.([a-z_]+))?\s*((?:\|\s*[a-z_]+\s*)*)$")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class Block:
    """One block of a section: ``markdown`` (``text``) or narrate/chart/evidence (``spec``)."""

    kind: str
    line: int
    text: str = ""
    spec: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)  # spec key -> line, for messages at render time


@dataclass(frozen=True)
class Section:
    id: str
    heading: str | None
    line: int
    blocks: tuple[Block, ...]


def _key_lines(node, first_line: int) -> dict:
    """Line (in the file) of every key of a YAML mapping node, and of the keys one level below."""
    found = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found[(key.value,)] = first_line + key.start_mark.line
            if isinstance(value, yaml.MappingNode):
                for sub, _ in value.value:
                    found[(key.value, sub.value)] = first_line + sub.start_mark.line
    return found


def load_yaml(lines: list[str], first_line: int, what: str, problems: list[Problem]):
    text = "\n".join(lines)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        problems.append(Problem(line, f"cannot read the {what} as YAML: {getattr(exc, 'problem', exc)}"))
        return None, {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(first_line, f"the {what} must be a set of 'key: value' lines"))
        return None, {}
    return data, _key_lines(node, first_line)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def sections(lines: list[str], start: int, problems: list) -> tuple[Section, ...]:
    sections: list[Section] = []
    current: dict = {"id": "lead", "heading": None, "line": start + 1, "blocks": []}
    prose: list[tuple[int, str]] = []

    def flush_prose():
        lines_ = [(n, t) for n, t in prose]
        while lines_ and not lines_[0][1].strip():
            lines_.pop(0)
        text = "\n".join(t for _, t in lines_).rstrip()
        if text.strip():
            current["blocks"].append(Block("markdown", lines_[0][0], text=text))
        prose.clear()

    def close_section():
        flush_prose()
        if current["heading"] is not None or current["blocks"]:
            sections.append(Section(current["id"], current["heading"], current["line"], tuple(current["blocks"])))

    i = start
    while i < len(lines):
        line_no, line = i + 1, lines[i]
        fence = _FENCE.match(line)
        heading = _HEADING.match(line)
        if fence:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence.group(1)), None)
            if end is None:
                problems.append(Problem(line_no, f"the block opened here with {fence.group(1)} is never closed"))
                break
            kind = fence.group(2).lower()
            if kind in BLOCK_KINDS:
                flush_prose()
                spec, keys = load_yaml(lines[i + 1:end], line_no + 1, f"{kind} block", problems)
                if spec is not None:
                    current["blocks"].append(Block(kind, line_no, spec=spec, keys=keys))
            else:
                prose.extend((k + 1, lines[k]) for k in range(i, end + 1))
            i = end + 1
            continue
        if heading and len(heading.group(1)) == 1:
            problems.append(Problem(line_no, "the title comes from the front matter: start sections with '## '"))
        elif heading and len(heading.group(1)) == 2:
            close_section()
            title = heading.group(2)
            current = {"id": heading.group(3) or slugify(title), "heading": title, "line": line_no, "blocks": []}
        else:
            prose.append((line_no, line))
        i += 1
    close_section()
    seen: dict[str, int] = {}
    for s in sections:
        if s.id in seen:
            problems.append(Problem(s.line, f"two sections have the id '{s.id}' (also line {seen[s.id]}): "
                                            "add {#another-id} to one heading"))
        seen[s.id] = s.line
    return tuple(sections)


def template_refs(text: str, first_line: int) -> list[tuple[int, str, str | None, tuple[str, ...], str]]:
    """Every ``{{ ... }}`` in ``text``: (line, name, attribute, filters, raw); name '' when unreadable."""
    found = []
    for m in TEMPLATE.finditer(text):
        line = first_line + text.count("\n", 0, m.start())
        expr = _EXPR.match(m.group(1))
        if not expr:
            found.append((line, "", None, (), m.group(0)))
            continue
        filters = tuple(f.strip() for f in expr.group(3).split("|") if f.strip())
        found.append((line, expr.group(1), expr.group(2), filters, m.group(0)))
    return found

