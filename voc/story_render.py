"""Render a story for one audience under the reader's scope: ``render(story, audience, params, scope)``.

The result (``Rendered``) is a list of plain blocks any front end can show or export:
``Markdown`` (safe Markdown), ``Said`` (a narrated sentence with its provenance), ``Figure`` (an
Altair chart and the data frame behind it), ``Evidence`` (representative verbatims of a theme,
escaped, contact details masked) and ``Notice`` (why something is not shown).

One story, four versions (``PROFILES``), always after the reader's scope is applied:

* executive: money and decision first, at most three lines and one chart, no headings, no quotes;
* manager: their unit (a story unit outside their scope falls back to their own), every section
  of their version with its actions, up to three quotes per theme;
* analyst: everything, plus an appendix with method, parameters, every query run and caveats;
* agent: what customers say (quotes) and what to do; no money figures, at most one chart.

The sections of each version, and their order, come from the story's ``versions:`` (all
sections in file order by default). Parameters arrive as text (from a URL) and are validated
like ``voc.filters``: a bad value is replaced by its default and explained in ``messages``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from voc import config, privacy, queries
from voc.narrate import Sentence, escape_markdown
from voc.scope import ALL, Scope
from voc.story_body import template_refs
from voc.story_blocks import Evidence, Figure, Markdown, Notice, Quote, Rendered, Said
from voc.story_context import BlockUnavailable, Context
from voc.story_format import Story
from voc.story_params import Options, options, resolve
from voc import story_charts, story_narrate, story_worth
from voc.story_text import paragraphs, period_text, safe_markdown

KINDS = {"change": story_narrate.change, "where": story_narrate.where, "why": story_narrate.why,
         "scan": story_narrate.scan, "worth": story_worth.worth, "initiative": story_worth.initiative,
         "gap": story_worth.gap}


@dataclass(frozen=True)
class Profile:
    max_lines: int | None
    max_charts: int | None
    max_quotes: int
    money: bool
    headings: bool
    appendix: bool


PROFILES = {
    "executive": Profile(3, 1, 0, True, False, False),
    "manager": Profile(None, None, 3, True, True, False),
    "analyst": Profile(None, None, 5, True, True, True),
    "agent": Profile(None, 1, 5, False, True, False),
}


def context(story: Story, audience: str, params: Mapping | None = None, scope: Scope = ALL,
            database=None) -> tuple[Context, dict, list[str]]:
    """The rendering context of ``story`` (also for tests and tools): (context, resolved values, messages)."""
    opts = options(scope, database=database)
    values, messages = resolve(story, params or {}, opts, scope)
    return _context(story, audience, values, opts, scope, database), values, messages


def _context(story: Story, audience: str, values: dict, opts: Options, scope: Scope, database) -> Context:
    unit = values.get("unit")
    focused = replace(scope, focus=unit) if unit else scope
    ctx = Context(database, focused, scope, values, opts.names, frozenset(u[0] for u in opts.units), opts.themes,
                  audience)
    names = dict(values)
    names["unit_name"] = opts.names.get(unit, unit) if unit else ctx.subject({}) or "the whole company"
    names["theme_label"] = opts.themes.get(values.get("theme"), values.get("theme") or "")
    names["segment_name"] = values.get("segment") or "all segments"
    if isinstance(values.get("start"), dt.date) and isinstance(values.get("end"), dt.date):
        from voc.periods import Period
        previous = Period(values["start"], values["end"]).previous()
        names["previous_start"], names["previous_end"] = previous.start, previous.end
    ctx.names = names
    for name, spec in story.values.items():
        names[name] = _value(ctx, spec)
    return ctx


def _value(ctx: Context, spec: dict):
    try:
        params = story_charts.bind_params(ctx, {"args": spec.get("args")}, spec["query"])
        frame = ctx.run(spec["query"], params)
    except (BlockUnavailable, queries.QueryError):
        return None
    if frame.empty or spec["column"] not in frame.columns:
        return None
    column = frame[spec["column"]]
    if len(frame) == 1 or not pd.api.types.is_numeric_dtype(column):
        value = column.iloc[0]
    else:
        value = column.sum()
    return value.item() if hasattr(value, "item") else value


def _needed(story: Story, audience: str) -> list:
    """The narrate blocks this audience's version shows, and those its prose or chart titles refer to."""
    shown = [b for s in story.sections_for(audience) for b in s.blocks]
    texts = [b.text for b in shown if b.kind == "markdown"] + [str(b.spec.get("title", "")) for b in shown
                                                               if b.kind == "chart"]
    named = {name for text in texts for _, name, _, _, _ in template_refs(text, 1)}
    return [b for b in story.blocks("narrate") if b in shown or b.spec.get("id") in named]


def _narrations(story: Story, ctx: Context) -> dict[int, list[Sentence] | str]:
    """The narrate blocks the audience needs, by line: their sentences, or why they cannot be shown."""
    found = {}
    for block in _needed(story, ctx.audience):
        try:
            found[block.line] = KINDS[block.spec["kind"]](ctx, block.spec)
        except BlockUnavailable as exc:
            found[block.line] = f"This part cannot be shown: {exc}."
    return found


def _evidence(ctx: Context, spec: dict, limit: int) -> Evidence | Notice:
    try:
        period, scope = ctx.period(spec), ctx.block_scope(spec, segment=ctx.value(spec, "segment"))
    except BlockUnavailable as exc:
        return Notice(f"This part cannot be shown: {exc}.")
    theme, label = ctx.theme(spec)
    count = min(int(spec.get("quotes") or 3), limit)
    rows = ctx.run("verbatims_typical_for_theme", {"start": period.start, "end": period.end, "theme": theme,
                                                  "row_limit": count}, scope)
    title = spec.get("title") or f"What customers say about {label}"
    if rows.empty:
        return Notice(f"No customer mentioned {label} in {period_text(period)}.")
    quotes = []
    for r in rows.itertuples():
        text = privacy.mask_contacts(" ".join(str(r.text).split()))
        score = f" · NPS {int(r.nps)}" if pd.notna(r.nps) else ""
        meta = f"{pd.Timestamp(r.submitted_at):%d %b %Y} · {r.source}{score}"
        quotes.append(Quote(text, escape_markdown(text), meta))
    note = (f"The {len(quotes)} of {int(rows.mentions.iloc[0]):,} mentions in {period_text(period)} whose sentiment is "
            "closest to the typical (median) one. Contact details are hidden.")
    return Evidence(escape_markdown(title), tuple(quotes), note)


def render(story: Story, audience: str, params: Mapping | None = None, user_scope: Scope = ALL,
           database=None) -> Rendered:
    """``story`` as ``audience`` sees it, under ``user_scope``; ``params`` are text values by name."""
    if audience not in PROFILES:
        raise ValueError(f"unknown audience {audience!r}; audiences are {', '.join(PROFILES)}")
    profile = PROFILES[audience]
    ctx, values, messages = context(story, audience, params, user_scope, database)
    said = _narrations(story, ctx)
    blocks: list = []
    charts = 0
    for section in story.sections_for(audience):
        start = len(blocks)
        for b in section.blocks:
            if b.kind == "markdown":
                text = safe_markdown(b.text, ctx.names, ctx.exports)
                blocks += [Markdown(p) for p in paragraphs(text)] if profile.max_lines else [Markdown(text)]
            elif b.kind == "narrate":
                found = said[b.line]
                if isinstance(found, str):
                    blocks.append(Notice(found))
                    continue
                blocks += [Said(s) for s in found if profile.money or s.topic != "worth"]
            elif b.kind == "chart" and (profile.max_charts is None or charts < profile.max_charts):
                try:
                    chart, data, title, note = story_charts.build(ctx, b.spec)
                except BlockUnavailable as exc:
                    blocks.append(Notice(f"This chart cannot be shown: {exc}."))
                    continue
                if chart is None:
                    blocks.append(Notice(f"{title + ': ' if title else ''}{note}"))
                    continue
                charts += 1
                blocks.append(Figure(chart, data, title, f"story_{story.slug.replace('-', '_')}_{b.line}", note))
            elif b.kind == "evidence" and profile.max_quotes:
                blocks.append(_evidence(ctx, b.spec, profile.max_quotes))
        if profile.headings and section.heading and len(blocks) > start:  # no heading over an empty section
            blocks.insert(start, Markdown("### " + safe_markdown(section.heading, ctx.names, ctx.exports)))
    if profile.max_lines:
        blocks = _executive(blocks, profile)
    if profile.appendix:
        blocks += _appendix(story, ctx, values, blocks)
    shown = {k: (v.isoformat() if isinstance(v, dt.date) else ("" if v is None else str(v))) for k, v in values.items()}
    return Rendered(story.slug, story.title, story.summary, audience, shown, tuple(messages), tuple(blocks),
                    tuple((name, {k: _text(v) for k, v in p.items() if v is not None}) for name, p, _ in ctx.log))


def _text(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return ", ".join(value) if isinstance(value, list) else str(value)


def _executive(blocks: list, profile: Profile) -> list:
    """Money first, then the rest in order; at most ``max_lines`` lines of text."""
    lines = [b for b in blocks if isinstance(b, (Said, Markdown))]
    money = [b for b in lines if isinstance(b, Said) and b.sentence.topic == "worth"]
    ordered = (money + [b for b in lines if b not in money])[:profile.max_lines]
    others = [b for b in blocks if not isinstance(b, (Said, Markdown))]
    return ordered + others


def _appendix(story: Story, ctx: Context, values: dict, blocks: list) -> list:
    out = [Markdown("### Method, data and caveats")]
    shown = ", ".join(f"{k} = {v}" for k, v in values.items() if v not in (None, ""))
    out.append(Markdown(escape_markdown(
        f"Parameters: {shown or 'none'}. A change is stated only when it is significant at p < {config.ALPHA} "
        f"(two-sided z-test) with at least {config.MIN_GROUP_SIZE} answers on each side; otherwise the text says "
        "the data cannot tell yet. Where several groups or themes are tested at once, p-values are multiplied by "
        "the number of tests (Bonferroni).")))
    lines = [f"- {escape_markdown(p.describe())}" for b in blocks if isinstance(b, Said) for p in b.sentence.provenance]
    if lines:
        out.append(Markdown("**Sources of each sentence**\n\n" + "\n".join(dict.fromkeys(lines))))
    runs = [f"- `{name}` " + escape_markdown(", ".join(f"{k} = {_text(v)}" for k, v in p.items() if v is not None)
                                             or "no parameters")
            + (f" (org unit {escape_markdown(scope.focus)})" if scope.focus else "") for name, p, scope in ctx.log]
    if runs:
        out.append(Markdown("**Queries run (read-only, under your scope)**\n\n" + "\n".join(dict.fromkeys(runs))))
    cannot = [b.sentence.text for b in blocks if isinstance(b, Said) and "cannot tell" in b.sentence.text]
    caveats = list(dict.fromkeys(ctx.caveats)) + [f"Not yet conclusive: {t}" for t in cannot]
    if caveats:
        out.append(Markdown("**Caveats**\n\n" + "\n".join(f"- {escape_markdown(c)}" for c in caveats)))
    return out
