"""What a story block needs while it renders: the resolved parameters, periods, labels and scope.

``Context`` is built once per render (``voc.story_render``). Its ``run`` reads through
``voc.queries.run`` only, memoised for the render (two blocks that need the same query with the
same parameters share one read) and logged, so the analyst's appendix can list every query
with its parameters. Block values written ``$name`` are looked up in the story parameters.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from voc import queries
from voc.periods import Period
from voc.scope import Scope
from voc.story_text import period_text


class BlockUnavailable(Exception):
    """A block cannot be shown to this reader (outside their scope, wrong period...): the message says why."""


@dataclass
class Context:
    database: object
    scope: Scope  # the reader's scope with the story's unit (if any) in focus
    rights: Scope  # the reader's scope as given to render
    params: dict  # resolved parameter values (dates as dt.date)
    unit_names: dict  # unit_id -> name, for the units the reader may see
    allowed_units: frozenset  # units the reader may focus on
    theme_labels: dict  # theme_id -> label
    audience: str
    names: dict = field(default_factory=dict)  # what prose may print: parameters and their labels
    log: list = field(default_factory=list)  # (query, params) in the order first run
    caveats: list = field(default_factory=list)
    exports: dict = field(default_factory=dict)  # narrate id -> {attribute: value}
    _memo: dict = field(default_factory=dict)

    # ---- reading -------------------------------------------------------------------
    def run(self, name: str, params: dict, scope: Scope | None = None) -> pd.DataFrame:
        scope = scope or self.scope
        params = {k: v for k, v in params.items() if v is not None}  # an optional parameter left out
        key = (name, tuple(sorted((k, str(v)) for k, v in params.items())), scope.key)
        if key not in self._memo:
            self._memo[key] = queries.run(name, params, scope=scope, database=self.database)
            self.log.append((name, dict(params), scope))
        return self._memo[key]

    # ---- block values --------------------------------------------------------------
    def value(self, spec: dict, key: str, default=None):
        raw = spec.get(key, default)
        if isinstance(raw, str) and raw.startswith("$"):
            return self.params.get(raw[1:])
        return raw

    def period(self, spec: dict) -> Period:
        name = self.value(spec, "period") or ""
        return self._named_period(name)

    def _named_period(self, name: str) -> Period:
        prefix = f"{name}_" if name else ""
        start, end = self.params.get(prefix + "start"), self.params.get(prefix + "end")
        if not isinstance(start, dt.date) or not isinstance(end, dt.date):
            raise BlockUnavailable(f"the story has no period '{name or 'start/end'}'")
        if end < start:
            raise BlockUnavailable(f"the period ends ({end}) before it starts ({start})")
        return Period(start, end)

    def baseline(self, spec: dict, period: Period) -> Period:
        name = self.value(spec, "baseline") or "previous"
        if name == "previous":
            return period.previous()
        found = self._named_period(name)
        if found.end >= period.start:
            raise BlockUnavailable(f"the comparison period {found.label()} must end before {period.label()} starts")
        return found

    def since(self, spec: dict, baseline: Period, period: Period) -> str:
        name = self.value(spec, "baseline") or "previous"
        if name == "previous":
            return f"the previous {period.days} days"
        return period_text(baseline)

    def block_scope(self, spec: dict, *, segment: str | None = None) -> Scope:
        """The scope of one block: its own ``unit`` (checked against the reader's rights) and segment."""
        scope = self.scope
        unit = self.value(spec, "unit")
        if unit == "all":  # every unit the reader may see, whatever unit the story is about
            scope = self.rights
        elif unit:
            if unit not in self.allowed_units:
                raise BlockUnavailable(f"this part of the story is about '{unit}', which is outside your scope")
            scope = replace(self.rights, focus=unit)
        if segment:
            if scope.segments and segment not in scope.segments:
                raise BlockUnavailable(f"this part of the story is about the {segment} segment, which your "
                                       "filters leave out")
            scope = replace(scope, segments=(segment,))
        return scope

    def subject(self, spec: dict, segment: str | None = None) -> str:
        """Who a sentence is about: 'US West', 'starter customers in US West', '' for the whole company."""
        unit = self.value(spec, "unit") or self.params.get("unit")
        unit = None if unit == "all" else unit
        where = self.unit_names.get(unit, unit) if unit else ""
        if not where and self.rights.units is not None:
            where = ", ".join(sorted(self.unit_names.get(u, u) for u in self.rights.units))
        if segment:
            return f"the {segment} segment" + (f" of {where}" if where else "")
        return where

    def theme(self, spec: dict) -> tuple[str | None, str | None]:
        theme = self.value(spec, "theme")
        return (theme, self.theme_label(theme)) if theme else (None, None)

    def theme_label(self, theme: str) -> str:
        """A theme's label as written mid-sentence ('app usability'; acronyms kept)."""
        label = self.theme_labels.get(theme, str(theme).replace("_", " "))
        return label if label[:2].isupper() else label[:1].lower() + label[1:]

    def shown_params(self, period: Period, baseline: Period | None = None, scope: Scope | None = None,
                     **extra) -> dict:
        """Parameters as shown in provenance: the dates, the unit in focus (of ``scope``) and anything extra."""
        shown = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        if baseline is not None:
            shown.update(previous_start=baseline.start.isoformat(), previous_end=baseline.end.isoformat())
        focus = (scope or self.scope).focus
        if focus:
            shown["org unit"] = focus
        shown.update({k: str(v) for k, v in extra.items() if v not in (None, "")})
        return shown

    def export(self, block_id: str | None, **values) -> None:
        if block_id:
            self.exports[block_id] = {**self.exports.get(block_id, {}), **values}
