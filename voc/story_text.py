"""Story prose: the tiny ``{{ name | filter }}`` substitution and making author text safe to show.

Why not Jinja2: a story needs to print a handful of named values, nothing more. A dozen lines of
regular expression do that with no expression language at all (no attribute access into Python
objects, no loops, no calls), so there is nothing to sandbox. ``{{ x }}``, ``{{ x.attr }}`` and
``{{ x | filter }}`` are the whole syntax (``voc.story_format.template_refs`` reads it); names come
from the story parameters, its ``values:`` and the ``id`` of its narrate blocks.

Prose is user text. It is rendered as Markdown (never with ``unsafe_allow_html``) and, before that:
every ``<`` outside code is escaped, so HTML such as ``<script>`` is shown as text, never run;
images become plain links (no third-party fetch on page load); links keep only the http, https
and mailto schemes (a ``javascript:`` link is reduced to its text). Substituted values are
escaped for Markdown too, so a unit called ``*Bold* <b>`` prints as written.
"""
from __future__ import annotations

import datetime as dt
import re

from voc import narrate
from voc.story_body import TEMPLATE, template_refs

_FENCE = re.compile(r"^(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?\1")
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*([^)\s]*)[^)\n]*\)")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _date(value) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


def period_text(period) -> str:
    """'1 Dec 2024 – 31 May 2025'."""
    return f"{_date(period.start)} \u2013 {_date(period.end)}"


def _month(value) -> str:
    return f"{value:%b %Y}" if isinstance(value, dt.date) else str(value)


def _number(value) -> str:
    if isinstance(value, (int,)) or (isinstance(value, float) and value.is_integer()):
        return f"{value:,.0f}"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


FORMATS = {
    "number": _number,
    "pct": lambda v: narrate.value_text(float(v), "%"),
    "pts": lambda v: narrate.value_text(float(v), "pts"),
    "delta": lambda v: narrate.delta_text(float(v), "pts"),
    "money": lambda v: narrate.money_text(float(v)),
    "date": _date,
    "month": _month,
    "p": lambda v: narrate.p_text(float(v)),
    "text": str,
}


def format_value(value, filters: tuple[str, ...] = (), unit: str | None = None, attribute: str | None = None) -> str:
    """One value as text: through its filters, or by default in the unit of the measure it came from."""
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    for name in filters:
        try:
            value = FORMATS[name](value)
        except (TypeError, ValueError):
            value = str(value)
    if filters:
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return _date(value)
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if attribute in ("value", "previous", "amount") and unit is not None:
        return narrate.value_text(float(value), unit)
    if attribute == "delta" and unit is not None:
        return narrate.delta_text(float(value), unit)
    if attribute == "p":
        return narrate.p_text(float(value))
    return _number(value)


def lookup(names: dict, exports: dict, name: str, attribute: str | None):
    """(value, unit) of ``name`` or ``name.attribute``; (None, None) when there is none."""
    if attribute is not None:
        found = exports.get(name, {})
        return found.get(attribute), found.get("unit")
    if name in exports:
        return exports[name].get("sentence"), None
    return names.get(name), None


def fill(text: str, names: dict, exports: dict, *, escape: bool = True) -> str:
    """``text`` with each ``{{ ... }}`` replaced by its value, escaped for Markdown unless ``escape`` is False."""
    esc = narrate.escape_markdown if escape else str
    refs = {raw: (name, attribute, filters) for _, name, attribute, filters, raw in template_refs(text, 1)}

    def one(match: re.Match) -> str:
        name, attribute, filters = refs.get(match.group(0), ("", None, ()))
        if not name:
            return esc(match.group(0))
        value, unit = lookup(names, exports, name, attribute)
        return esc(format_value(value, filters, unit, attribute))

    return TEMPLATE.sub(one, text)


def complete(text: str, names: dict, exports: dict) -> bool:
    """True when every ``{{ ... }}`` in ``text`` has a value (a chart title falls back to its own otherwise)."""
    return all(lookup(names, exports, name, attribute)[0] is not None
               for _, name, attribute, _, _ in template_refs(text, 1) if name)


def _safe_link(match: re.Match) -> str:
    _, label, url = match.groups()
    if url.lower().startswith(_SAFE_SCHEMES) or (url and ":" not in url.split("/")[0]):
        return f"[{label}]({url})"
    return label


def _safe_inline(text: str) -> str:
    """Escape '<' and defuse links in one run of prose, leaving code spans alone."""
    out, last = [], 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_LINK.sub(_safe_link, text[last:m.start()].replace("<", "\\<")))
        out.append(m.group(0))
        last = m.end()
    out.append(_LINK.sub(_safe_link, text[last:].replace("<", "\\<")))
    return "".join(out)


def safe_markdown(text: str, names: dict | None = None, exports: dict | None = None) -> str:
    """Author prose made safe (see module docstring), values filled in outside code blocks."""
    parts, prose, in_code = [], [], False
    for line in text.split("\n"):
        if _FENCE.match(line.strip()):
            if not in_code:
                parts.append(("prose", "\n".join(prose)))
                prose = []
            else:
                prose.append(line)
                parts.append(("code", "\n".join(prose)))
                prose = []
                in_code = False
                continue
            in_code = True
        prose.append(line)
    parts.append(("code" if in_code else "prose", "\n".join(prose)))
    out = []
    for kind, chunk in parts:
        if kind == "code":
            out.append(chunk)
        else:
            out.append(fill(_safe_inline(chunk), names or {}, exports or {}))
    return "\n".join(out).strip("\n")


def paragraphs(markdown: str) -> list[str]:
    """Split Markdown into paragraphs (blank-line separated; code blocks kept whole)."""
    found, current, in_code = [], [], False
    for line in markdown.split("\n"):
        if _FENCE.match(line.strip()):
            in_code = not in_code
        if not line.strip() and not in_code:
            if current:
                found.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        found.append("\n".join(current))
    return found
