"""A story's parameters: what they may take for one reader, and text (URL) values made valid.

Validated like ``voc.filters``: ``resolve`` never raises. A value that is not a date, a unit that
does not exist or is outside the reader's scope, an unknown segment or theme, a start after its
end: each is replaced by the story's default and explained in a message. A story's default unit
outside the reader's scope falls back to the reader's own unit (a manager reads their unit).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from voc import queries
from voc.filters import echo
from voc.scope import ALL, Scope
from voc.story_format import Story, resolve_date


@dataclass(frozen=True)
class Options:
    units: tuple[tuple[str, str, str], ...]  # (unit_id, name, level) the reader may focus on
    names: dict  # unit_id -> name for every visible unit
    segments: tuple[str, ...]
    themes: dict  # theme_id -> label
    last_day: dt.date | None


def options(scope: Scope = ALL, *, database=None) -> Options:
    """What a story's parameters may take for a reader with ``scope``."""
    frame = queries.run("filter_options", scope=scope, database=database)
    units = frame[frame.kind == "unit"]
    roots = {scope.focus} if scope.focus else scope.units
    allowed = set(units.value) if roots is None else _descendants(units, roots)
    last = frame[(frame.kind == "day") & (frame.value == "last")].label
    themes = queries.run("themes_by_theme", scope=scope, database=database)
    return Options(tuple((r.value, r.label, r.level) for r in units.itertuples() if r.value in allowed),
                   dict(zip(units.value, units.label)),
                   tuple(sorted(frame[frame.kind == "segment"].value)), dict(zip(themes.theme_id, themes.label)),
                   dt.date.fromisoformat(last.iloc[0]) if len(last) and isinstance(last.iloc[0], str) else None)


def _descendants(units: pd.DataFrame, roots) -> set[str]:
    children: dict = {}
    for r in units.itertuples():
        children.setdefault(r.parent, []).append(r.value)
    found, stack = set(), [r for r in roots if r in set(units.value)]
    while stack:
        unit = stack.pop()
        if unit not in found:
            found.add(unit)
            stack.extend(children.get(unit, []))
    return found


MAX_INTEGER = 36_500  # the largest whole-number parameter a link may set (100 years of days)


def _fallback_unit(p, opts: Options, scope: Scope) -> tuple[str | None, str | None]:
    allowed = {u[0] for u in opts.units}
    if p.default in allowed or p.default is None:
        return p.default, None
    mine = sorted(scope.units) if scope.units is not None else []
    own = mine[0] if len(mine) == 1 and mine[0] in allowed else None
    shown = opts.names.get(own, "all your units") if own else ("all your units" if mine else "the whole company")
    return own, (f"This story is written about {opts.names.get(p.default, p.default)}, which is outside your scope "
                 f"(or not in this data); it is shown for {shown}.")


def resolve(story: Story, raw: Mapping, opts: Options, scope: Scope = ALL) -> tuple[dict, list[str]]:
    """Valid parameter values from text (e.g. URL) values, and a message for every value replaced."""
    data_end = opts.last_day or dt.date.today()
    values, messages = {}, []
    allowed_units = {u[0] for u in opts.units}
    for p in story.params:
        text = raw.get(p.name)
        text = None if text in (None, "") else str(text)
        echoed = echo(text) if text is not None else text
        if p.type == "date":
            default = resolve_date(p.default, data_end)
            try:
                values[p.name] = dt.date.fromisoformat(text) if text else default
                if not 1900 <= values[p.name].year <= 2999:
                    raise ValueError("out of range")
            except ValueError:
                messages.append(f"'{echoed}' is not a date (YYYY-MM-DD) for {p.label}; using {default}.")
                values[p.name] = default
        elif p.type == "unit":
            default, note = _fallback_unit(p, opts, scope)
            if text is None:
                values[p.name] = default
                if note:
                    messages.append(note)
            elif text in allowed_units:
                values[p.name] = text
            else:
                shown = opts.names.get(default, "all your units") if default else "all your units"
                messages.append(f"The org unit '{echoed}' does not exist or is outside what you may see; showing "
                                f"{shown} instead.")
                values[p.name] = default
        elif p.type in ("segment", "theme"):
            allowed = opts.segments if p.type == "segment" else tuple(opts.themes)
            if text is not None and text not in allowed:
                messages.append(f"Unknown {p.type} '{echoed}' for {p.label}; using {p.default or 'none'}.")
                text = None
            values[p.name] = text or p.default
        elif p.type == "integer":
            try:
                values[p.name] = int(text) if text is not None else p.default
                if text is not None and not 0 <= values[p.name] <= MAX_INTEGER:
                    raise ValueError("out of range")
            except ValueError:
                messages.append(f"'{echoed}' is not a whole number from 0 to {MAX_INTEGER:,} for {p.label}; "
                                f"using {p.default}.")
                values[p.name] = p.default
        else:
            values[p.name] = text if text is not None else p.default
    for p in story.params:
        if p.type == "date" and p.name.endswith("start"):
            end_name = p.name[:-5] + "end"
            if end_name in values and values[end_name] < values[p.name]:
                messages.append(f"{p.label} ({values[p.name]}) is after {end_name} ({values[end_name]}); using the "
                                "story's default dates.")
                values[p.name] = resolve_date(p.default, data_end)
                values[end_name] = resolve_date(story.param(end_name).default, data_end)
    return values, messages
