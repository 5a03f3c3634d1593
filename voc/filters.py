"""The global filters (period, org unit, segment, source, journey stage) and their URL form.

``parse`` turns raw URL query parameters into valid ``Filters`` and never raises: a
malformed value, or one outside what the user may see, is replaced by a valid
default and explained in a message for the page to show.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from voc import queries
from voc.periods import Period
from voc.scope import Scope
from voc.users import User

PRESETS = {"30d": ("Last 30 days", 30), "90d": ("Last 90 days", 90),
           "180d": ("Last 180 days", 180), "365d": ("Last 12 months", 365)}
DEFAULT_PRESET = "90d"
LIST_FILTERS = {"segment": "segments", "source": "sources", "stage": "stages"}
URL_KEYS = ("period", "start", "end", "unit") + tuple(LIST_FILTERS)


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    parent: str | None
    level: str


@dataclass(frozen=True)
class Options:
    """What the filters may take for one user."""

    units: tuple[Unit, ...]  # the units the user may focus on, tree order
    segments: tuple[str, ...]
    sources: tuple[str, ...]
    stages: tuple[str, ...]
    first_day: dt.date | None
    last_day: dt.date | None

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.unit_id == unit_id), None)


@dataclass(frozen=True)
class Filters:
    preset: str  # a PRESETS key or "custom"
    period: Period
    unit: str | None = None
    segments: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()

    def scope(self, rights: Scope) -> Scope:
        """The user's rights narrowed by these filters."""
        return rights.narrow(self.unit, self.segments, self.sources, self.stages)

    def to_url(self) -> dict[str, str]:
        out = {"period": self.preset}
        if self.preset == "custom":
            out["start"], out["end"] = self.period.start.isoformat(), self.period.end.isoformat()
        if self.unit:
            out["unit"] = self.unit
        for key, attr in LIST_FILTERS.items():
            if getattr(self, attr):
                out[key] = ",".join(getattr(self, attr))
        return out


def _descendants(units: list[Unit], roots: frozenset[str]) -> set[str]:
    children: dict[str | None, list[str]] = {}
    for u in units:
        children.setdefault(u.parent, []).append(u.unit_id)
    found, stack = set(), [r for r in roots if any(u.unit_id == r for u in units)]
    while stack:
        unit_id = stack.pop()
        if unit_id not in found:
            found.add(unit_id)
            stack.extend(children.get(unit_id, []))
    return found


def _tree_order(units: list[Unit]) -> list[Unit]:
    by_parent: dict[str | None, list[Unit]] = {}
    ids = {u.unit_id for u in units}
    for u in sorted(units, key=lambda u: u.name):
        by_parent.setdefault(u.parent if u.parent in ids else None, []).append(u)
    ordered: list[Unit] = []

    def visit(parent):
        for u in by_parent.get(parent, []):
            ordered.append(u)
            visit(u.unit_id)

    visit(None)
    return ordered


def options(user: User, database=None) -> Options:
    frame = queries.run("filter_options", scope=user.scope, database=database)
    rows = {kind: part for kind, part in frame.groupby("kind")}
    units = [Unit(r.value, r.label, r.parent, r.level) for r in rows["unit"].itertuples()] if "unit" in rows else []
    if user.units is not None:  # ancestors are visible as names only, not as a focus
        allowed = _descendants(units, user.units)
        units = [u for u in units if u.unit_id in allowed]

    def values(kind):
        return tuple(sorted(rows[kind].value)) if kind in rows else ()

    days = dict(zip(rows["day"].value, rows["day"].label)) if "day" in rows else {}
    first = dt.date.fromisoformat(days["first"]) if days.get("first") else None
    last = dt.date.fromisoformat(days["last"]) if days.get("last") else None
    return Options(tuple(_tree_order(units)), values("segment"), values("source"), values("stage"), first, last)


def echo(value: str, limit: int = 40) -> str:
    """A refused value as a message repeats it: printable characters only, clipped (a link can hold anything)."""
    value = "".join(ch for ch in str(value) if ch.isprintable())
    return value if len(value) <= limit else value[:limit] + "…"


def _first(raw: Mapping, key: str) -> str | None:
    value = raw.get(key)
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return None if value in (None, "") else str(value)


def default(opts: Options, today: dt.date | None = None) -> Filters:
    end = opts.last_day or today or dt.date.today()
    return Filters(DEFAULT_PRESET, Period.last_days(PRESETS[DEFAULT_PRESET][1], end))


def parse(raw: Mapping, opts: Options) -> tuple[Filters, list[str]]:
    """Valid filters from URL parameters, and a message for every value that was replaced."""
    messages: list[str] = []
    base = default(opts)
    preset = _first(raw, "period") or DEFAULT_PRESET
    period = base.period
    if preset in PRESETS:
        period = Period.last_days(PRESETS[preset][1], base.period.end)
    elif preset == "custom":
        try:
            start = dt.date.fromisoformat(_first(raw, "start") or "")
            end = dt.date.fromisoformat(_first(raw, "end") or "")
            if start.year < 1900 or end.year > 2999:
                raise ValueError("out of range")
            period = Period(start, end)
            if opts.first_day and opts.last_day and (end < opts.first_day or start > opts.last_day):
                messages.append(f"The period {period.label()} has no data (data runs from {opts.first_day} "
                                f"to {opts.last_day}); showing the last 90 days instead.")
                preset, period = DEFAULT_PRESET, base.period
        except ValueError:
            messages.append("The custom period in the link is not a valid pair of dates (YYYY-MM-DD, start "
                            "before end); showing the last 90 days instead.")
            preset, period = DEFAULT_PRESET, base.period
    else:
        messages.append(f"Unknown period '{echo(preset)}' in the link; showing the last 90 days instead.")
        preset = DEFAULT_PRESET

    unit = _first(raw, "unit")
    if unit is not None and opts.unit(unit) is None:
        messages.append(f"The org unit '{echo(unit)}' in the link does not exist or is outside what you may see; "
                        "showing all your units instead.")
        unit = None

    chosen = {}
    for key, attr in LIST_FILTERS.items():
        text = _first(raw, key) or ""
        values = tuple(v for v in (p.strip() for p in text.split(",")) if v)
        allowed = getattr(opts, attr)
        bad = [v for v in values if v not in allowed]
        if bad:
            messages.append(f"Unknown {key} value(s) {', '.join(repr(echo(b)) for b in bad[:5])} in the link were ignored.")
        chosen[attr] = tuple(sorted(v for v in set(values) if v in allowed))
    return Filters(preset, period, unit, **chosen), messages
