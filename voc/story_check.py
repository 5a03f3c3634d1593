"""Semantic checks of a parsed story: every name, query, parameter and block key resolves.

Called by ``voc.story_format.parse``; each problem carries the line of the file it is about.
What is checked: the queries a block needs are listed under ``queries:`` and exist; every
parameter of those queries is bound (dates by name, the rest through ``args``); ``$name`` values
and ``{{ ... }}`` references name a parameter, a ``values:`` entry or a narrate ``id``; block keys,
narrate kinds, measures and filters are known; ``versions`` name real audiences and sections.
"""
from __future__ import annotations

from voc import queries
from voc.story_body import Block, Problem, template_refs
from voc.story_format import (ATTRIBUTES, AUDIENCES, BLOCK_KEYS, DERIVED_NAMES, FILTERS, NARRATE_KEYS,
                              NARRATE_KINDS, Story, period_names)
from voc.story_measures import MEASURES

INFRASTRUCTURE = ("filter_options", "themes_by_theme")  # read by every render: need not be listed
AUTO_DATES = ("start", "end", "previous_start", "previous_end", "baseline_start")
WORTH = ("revenue_at_risk", "churn", "silent_revenue")
EXPOSURES = ("late_delivery", "long_wait", "incident")
EXPLAIN = ("themes", "operations", "drivers")
BY = ("region", "business_unit", "site", "segment")
SEG, UNIT = "measures_by_segment_for_period", "measures_by_unit_for_period"


def narrate_queries(spec: dict) -> set[str]:
    """The named queries a narrate block reads."""
    kind = spec.get("kind")
    if kind == "change":
        return {SEG}
    if kind == "where":
        return {SEG} if spec.get("by") == "segment" else {SEG, UNIT}
    if kind == "why":
        return {"themes": {"detractor_theme_mentions_for_period"}, "operations": {SEG},
                "drivers": {"nps_by_driver", "data_coverage"}}.get(spec.get("explain") or "themes", set())
    if kind == "worth":
        if spec.get("exposure"):
            return {"outcomes_by_customer_group"}
        return {"churn": {SEG}, "silent_revenue": {"silent_customers_by_segment_unit"}}.get(
            spec.get("measure") or "revenue_at_risk", {"revenue_at_risk_for_period", "detractor_themes_by_revenue"})
    if kind == "initiative":
        return {"initiatives_by_initiative"}
    if kind == "gap":
        return {"coverage_by_segment_unit"}
    if kind == "scan":
        return {SEG, UNIT, "theme_mentions_by_window"}
    return set()


def block_queries(block: Block) -> set[str]:
    if block.kind == "narrate":
        return narrate_queries(block.spec)
    if block.kind == "evidence":
        return {"verbatims_typical_for_theme"}
    if block.kind == "chart":
        found = {block.spec["query"]} if isinstance(block.spec.get("query"), str) else set()
        return found | ({"annotations_for_period"} if block.spec.get("annotations") else set())
    return set()


class _Checker:
    def __init__(self, story: Story, meta: dict, meta_lines: dict):
        self.story, self.meta, self.lines = story, meta, meta_lines
        self.problems: list[Problem] = []
        self.params = {p.name for p in story.params}
        self.periods = period_names(story.params)
        self.values = set(story.values)
        self.ids: dict[str, int] = {}

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def at(self, block: Block, key: str) -> int:
        return block.keys.get((key,), block.line)

    def ref(self, line: int, value, what: str) -> None:
        if isinstance(value, str) and value.startswith("$") and value[1:] not in self.params:
            self.add(line, f"{what} refers to ${value[1:]}, which is not a parameter of this story")

    def listed(self, line: int, names: set[str], what: str) -> None:
        for name in sorted(names - set(self.story.queries) - set(INFRASTRUCTURE)):
            self.add(line, f"{what} reads the query '{name}': add it to 'queries:' in the front matter")

    def binds(self, line: int, name: str, args, what: str) -> None:
        if name not in queries.catalog():
            self.add(line, f"{what}: there is no query '{name}' in queries/")
            return
        query = queries.get(name)
        declared = {p.name: p for p in query.params}
        args = args or {}
        if not isinstance(args, dict):
            self.add(line, f"{what}: args must be 'name: value' pairs")
            return
        for key, value in args.items():
            if key not in declared:
                self.add(line, f"{what}: query '{name}' has no parameter '{key}' "
                               f"(it takes {sorted(declared) or 'none'})")
            self.ref(line, value, f"{what} argument '{key}'")
        for p in query.params:
            if not p.optional and p.name not in args and p.name not in AUTO_DATES:
                self.add(line, f"{what}: query '{name}' needs '{p.name}' ({p.type}); give it under args")

    # ---- front matter -------------------------------------------------------------
    def front_matter(self) -> None:
        for name, spec in self.story.values.items():
            line = self.lines.get(("values", name), 1)
            if not isinstance(spec, dict) or not isinstance(spec.get("query"), str) or not spec.get("column"):
                self.add(line, f"value '{name}' needs 'query:' and 'column:'")
                continue
            if name in self.params or name in DERIVED_NAMES:
                self.add(line, f"value '{name}' has the name of a parameter")
            self.listed(line, {spec["query"]}, f"value '{name}'")
            self.binds(line, spec["query"], spec.get("args"), f"value '{name}'")
        ids = {s.id for s in self.story.sections}
        for audience, sections in (self.meta.get("versions") or {}).items():
            line = self.lines.get(("versions", audience), 1)
            if audience not in AUDIENCES or audience not in self.story.audiences:
                self.add(line, f"versions: '{audience}' is not one of this story's audiences")
            for section in sections if isinstance(sections, list) else [sections]:
                if section not in ids:
                    self.add(line, f"versions: there is no section '{section}' (sections: {', '.join(sorted(ids))})")

    # ---- blocks -------------------------------------------------------------------
    def narrate(self, b: Block) -> None:
        spec, kind = b.spec, b.spec.get("kind")
        if kind not in NARRATE_KINDS:
            self.add(self.at(b, "kind"), f"narrate needs 'kind:' among {', '.join(NARRATE_KINDS)}")
            return
        for key in spec:
            if key not in NARRATE_KEYS:
                self.add(self.at(b, key), f"narrate blocks have no key '{key}'")
            self.ref(self.at(b, key), spec[key], f"'{key}'")
        measure = spec.get("measure")
        if kind in ("change", "where") and measure not in MEASURES:
            self.add(self.at(b, "measure"), f"'{kind}' needs 'measure:' among {', '.join(MEASURES)}")
        themed = measure in MEASURES and MEASURES[measure].needs_theme
        if kind in ("change", "where") and themed and not spec.get("theme"):
            self.add(self.at(b, "measure"), f"measure '{measure}' needs 'theme:'")
        if kind == "where" and spec.get("by", "region") not in BY:
            self.add(self.at(b, "by"), f"'by:' must be one of {', '.join(BY)}")
        if kind == "why" and (spec.get("explain") or "themes") not in EXPLAIN:
            self.add(self.at(b, "explain"), f"'explain:' must be one of {', '.join(EXPLAIN)}")
        if kind == "worth" and spec.get("exposure") and spec["exposure"] not in EXPOSURES:
            self.add(self.at(b, "exposure"), f"'exposure:' must be one of {', '.join(EXPOSURES)}")
        if kind == "worth" and not spec.get("exposure") and (measure or "revenue_at_risk") not in WORTH:
            self.add(self.at(b, "measure"), f"'worth' measures are {', '.join(WORTH)} (or give 'exposure:')")
        if kind == "gap" and (measure != "coverage" or not spec.get("group")):
            self.add(b.line, "'gap' needs 'measure: coverage' and 'group:' (a segment)")
        if kind == "scan" and any(m not in MEASURES for m in spec.get("measures") or ()):
            self.add(self.at(b, "measures"), f"'measures:' must be among {', '.join(MEASURES)}")
        self.periods_ok(b)
        block_id = spec.get("id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id.isidentifier() or block_id in self.params | self.values:
                self.add(self.at(b, "id"), f"id {block_id!r} must be a new name (letters, digits, _)")
            elif block_id in self.ids:
                self.add(self.at(b, "id"), f"id '{block_id}' is already used on line {self.ids[block_id]}")
            else:
                self.ids[block_id] = b.line

    def chart(self, b: Block) -> None:
        spec = b.spec
        for key in spec:
            if key not in BLOCK_KEYS["chart"]:
                self.add(self.at(b, key), f"chart blocks have no key '{key}'")
        for key in ("query", "x", "y"):
            if not isinstance(spec.get(key), str):
                self.add(b.line, f"a chart needs '{key}:'")
        if spec.get("mark", "line") not in ("line", "bar", "area"):
            self.add(self.at(b, "mark"), "'mark:' must be line, bar or area")
        if spec.get("window", "period") not in ("period", "both", "trend"):
            self.add(self.at(b, "window"), "'window:' must be period, both (the comparison period and the period) "
                                           "or trend")
        if isinstance(spec.get("query"), str):
            self.binds(self.at(b, "query"), spec["query"], spec.get("args"), "chart")
        for key in ("unit", "segment", "period", "baseline"):
            self.ref(self.at(b, key), spec.get(key), f"'{key}'")
        self.periods_ok(b)

    def periods_ok(self, b: Block) -> None:
        for key in ("period", "baseline"):
            value = b.spec.get(key)
            if value is not None and value != "previous" and value not in self.periods:
                self.add(self.at(b, key), f"'{key}: {value}' names no period: declare {value}_start and {value}_end")

    def evidence(self, b: Block) -> None:
        for key in b.spec:
            if key not in BLOCK_KEYS["evidence"]:
                self.add(self.at(b, key), f"evidence blocks have no key '{key}'")
        if not b.spec.get("theme"):
            self.add(b.line, "evidence needs 'theme:' (a theme id or $parameter)")
        for key in ("theme", "unit", "segment", "period"):
            self.ref(self.at(b, key), b.spec.get(key), f"'{key}'")
        self.periods_ok(b)
        quotes = b.spec.get("quotes", 3)
        if not isinstance(quotes, int) or not 1 <= quotes <= 10:
            self.add(self.at(b, "quotes"), "'quotes:' must be a whole number from 1 to 10")

    def templates(self, text: str, line: int) -> None:
        for at, name, attribute, filters, raw in template_refs(text, line):
            if not name:
                self.add(at, f"cannot read {raw}: write {{{{ name }}}}, {{{{ name.attribute }}}} "
                             "or {{ name | filter }}")
                continue
            known = self.params | set(DERIVED_NAMES) | self.values | set(self.ids)
            if name not in known:
                self.add(at, f"{raw}: '{name}' is not a parameter, a value or a narrate id of this story")
            elif attribute is not None and (name not in self.ids or attribute not in ATTRIBUTES):
                self.add(at, f"{raw}: only narrate ids have attributes ({', '.join(ATTRIBUTES)})")
            for f in filters:
                if f not in FILTERS:
                    self.add(at, f"{raw}: unknown filter '{f}' (filters: {', '.join(FILTERS)})")

    def run(self) -> list[Problem]:
        self.front_matter()
        blocks = self.story.blocks()
        for b in blocks:  # ids first, so prose may refer to a block further down
            if b.kind == "narrate":
                self.narrate(b)
        for b in blocks:
            if b.kind == "chart":
                self.chart(b)
                if isinstance(b.spec.get("title"), str):
                    self.templates(b.spec["title"], self.at(b, "title"))
            elif b.kind == "evidence":
                self.evidence(b)
            elif b.kind == "markdown":
                self.templates(b.text, b.line)
            self.listed(b.line, block_queries(b), f"the {b.kind} block")
        return self.problems


def check_story(story: Story, meta: dict, meta_lines: dict) -> list[Problem]:
    return _Checker(story, meta, meta_lines).run()
