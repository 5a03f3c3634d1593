"""Narrate blocks of a story: what changed, where, why (kinds ``change``, ``where``, ``why``, ``scan``).

Each kind reads its counts through named queries (``Context.run``), turns them into changes
(``voc.story_measures``) and words them with ``voc.narrate``, whose rules hold everywhere: a
change is stated only when ``voc.stats`` calls it significant with at least
``config.MIN_GROUP_SIZE`` on each side; otherwise the sentence says the data cannot tell yet.

Keys (``$name`` for a story parameter; every kind also takes ``id``, ``period``, ``baseline``, ``unit``):

* ``change``: ``measure`` (nps, csat, ces, late_rate, fcr, churn, contacts, volume, theme_share,
  detractor_theme_share), ``theme`` (for the theme measures), ``segment``;
* ``where``: the same, plus ``by`` (region, business_unit, site or segment); it compares the groups
  of everything the reader may see unless the block names a ``unit``;
* ``why``: ``explain: themes`` (detractor themes on the rise), ``operations`` (late deliveries,
  first-contact resolution) or ``drivers`` (NPS of answers exposed to ``driver`` against the others);
* ``scan``: ``measures`` (default: all but the theme ones), ``by``, ``limit``.

Where many groups or themes are tested at once (``where``, ``why: themes``, ``scan``), p-values
are multiplied by the number of tests (Bonferroni) before that rule is applied, so that a
region where nothing happened is not called changed by chance one time in twenty. The
provenance of such a sentence says so. Kinds about value and action (``worth``,
``initiative``, ``gap``) live in ``voc.story_worth``.
"""
from __future__ import annotations

from dataclasses import replace

from voc import config, drivers, emerging, metrics, narrate
from voc.narrate import Provenance, Sentence
from voc.story_context import BlockUnavailable, Context
from voc.story_measures import MEASURES, SCAN_MEASURES, bonferroni, group_changes, totals
from voc.stats import Change, compare

BY_SEGMENT, BY_UNIT = "measures_by_segment_for_period", "measures_by_unit_for_period"
LEVELS = {"region": "region", "business_unit": "business unit", "site": "site"}


def movement(defn_unit: str, change: Change) -> str:
    """'fell 6.2 points (from +20.0 to +13.8, p = 0.012)', or why no change is stated."""
    if change.current.value is None or change.previous.value is None:
        return "cannot be compared: there are no answers in one of the periods"
    if change.significant:
        verb = "rose" if change.delta > 0 else "fell"
        return (f"{verb} {narrate.delta_text(change.delta, defn_unit)} (from "
                f"{narrate.value_text(change.previous.value, defn_unit)} to "
                f"{narrate.value_text(change.current.value, defn_unit)}, {narrate.p_text(change.p)})")
    if not change.testable:
        return (f"cannot be told apart yet ({change.current.n:,} and {change.previous.n:,} answers; at least "
                f"{config.MIN_GROUP_SIZE} needed on each side)")
    return (f"did not change significantly ({narrate.value_text(change.previous.value, defn_unit)} then "
            f"{narrate.value_text(change.current.value, defn_unit)}, {narrate.p_text(change.p)})")


def _export_change(ctx: Context, spec: dict, unit: str, change: Change, sentence: Sentence, title: str) -> None:
    ctx.export(spec.get("id"), value=change.current.value, previous=change.previous.value, delta=change.delta,
               p=change.p, n=change.current.n, n_previous=change.previous.n, movement=movement(unit, change),
               title=title, sentence=sentence.text, unit=unit)


def _adjusted(sentence: Sentence, k: int) -> Sentence:
    if k <= 1:
        return sentence
    note = f"; p multiplied by {k} (Bonferroni: {k} tested at once)"
    return replace(sentence, provenance=tuple(replace(p, test=p.test + note) if p.test else p
                                               for p in sentence.provenance))


def _frame_params(period, baseline, theme=None) -> dict:
    return {"start": period.start, "end": period.end, "previous_start": baseline.start,
            "previous_end": baseline.end, "theme": theme}


def change(ctx: Context, spec: dict, topic: str = "what") -> list[Sentence]:
    defn = MEASURES[ctx.value(spec, "measure")]
    theme, label = ctx.theme(spec)
    segment = ctx.value(spec, "segment")
    period = ctx.period(spec)
    baseline = ctx.baseline(spec, period)
    scope = ctx.block_scope(spec)
    frame = ctx.run(BY_SEGMENT, _frame_params(period, baseline, theme), scope)
    found = defn.change(totals(frame, segment=segment), period.days / baseline.days)
    measure, subject = defn.measure(label), ctx.subject(spec, segment)
    since = ctx.since(spec, baseline, period)
    source = Provenance(BY_SEGMENT, ctx.shown_params(period, baseline, scope, theme=theme, segment=segment))
    sentence = narrate.change(measure, found, source=source, subject=subject, since=since, topic=topic)
    if found.delta == 0 and found.p is None and found.current.enough and found.previous.enough:
        where = f" in {subject}" if subject else ""  # no variation at all: nothing to test, nothing changed
        sentence = replace(sentence, text=f"{measure.label[:1].upper()}{measure.label[1:]}{where} is "
                                          f"{narrate.value_text(found.current.value, defn.unit)}, as in {since}: "
                                          "no change.")
    _export_change(ctx, spec, defn.unit, found, sentence,
                   narrate.title(measure, found, since=since, subject=subject))
    return [sentence]


def where(ctx: Context, spec: dict) -> list[Sentence]:
    spec = {"unit": "all", **spec}  # where a change is concentrated: across everything the reader sees
    defn = MEASURES[ctx.value(spec, "measure")]
    theme, label = ctx.theme(spec)
    segment, by = ctx.value(spec, "segment"), ctx.value(spec, "by") or "region"
    period = ctx.period(spec)
    baseline = ctx.baseline(spec, period)
    scale = period.days / baseline.days
    params = _frame_params(period, baseline, theme)
    scope = ctx.block_scope(spec)
    overall_frame = ctx.run(BY_SEGMENT, params, scope)
    overall = defn.change(totals(overall_frame, segment=segment), scale)
    if by == "segment":
        rows = overall_frame[overall_frame.segment != "unknown"].assign(
            segment_name=lambda f: "the " + f.segment + " segment")
        groups, query, kind = group_changes(rows, defn, "segment_name", scale), BY_SEGMENT, "segment"
    else:
        rows = ctx.run(BY_UNIT, {**params, "level": by}, ctx.block_scope(spec, segment=segment))
        groups, query, kind = group_changes(rows, defn, "name", scale), BY_UNIT, LEVELS.get(by, by)
    adjusted, k = bonferroni(groups)
    source = Provenance(query, ctx.shown_params(period, baseline, scope, theme=theme, segment=segment,
                                                level=None if by == "segment" else by))
    measure = defn.measure(label)
    if segment:
        measure = replace(measure, label=f"{measure.label} in the {segment} segment")
    sentence = narrate.where(measure, overall, adjusted, source=source, group_kind=kind)
    if sentence is None:
        ctx.caveats.append(f"No breakdown by {kind}: fewer than two {kind}s with data are in view.")
        return []
    flat = f"No {kind}'s {measure.label} changed significantly"
    if sentence.text.startswith(flat) and measure.label.startswith("the "):  # "No region's the ..." reads badly
        sentence = replace(sentence, text=f"In no {kind} did {measure.label} change significantly"
                                          + sentence.text[len(flat):])
    flat_groups = [name for name, c in adjusted.items() if c.testable and not c.significant]
    if sentence.states_change and 0 < len(flat_groups) <= 2:
        sentence = replace(sentence, text=sentence.text + f" {' and '.join(flat_groups)} showed no significant change.")
    lead = narrate.lead(overall, adjusted)
    ctx.export(spec.get("id"), label=lead or "", sentence=sentence.text,
               count=sum(c.significant for c in adjusted.values()))
    return [_adjusted(sentence, k)]


def why(ctx: Context, spec: dict) -> list[Sentence]:
    explain = ctx.value(spec, "explain") or "themes"
    period = ctx.period(spec)
    baseline = ctx.baseline(spec, period)
    scope, subject = ctx.block_scope(spec), ctx.subject(spec)
    if explain == "themes":
        params = {k: v for k, v in _frame_params(period, baseline).items() if k != "theme"}
        rows = ctx.run("detractor_theme_mentions_for_period", params, scope)
        rows = rows[rows.theme_id.notna() & (rows.polarity != "positive")].sort_values("label")
        shifts = {r.label: compare(metrics.share(int(r.mentions), int(r.detractors)),
                                   metrics.share(int(r.previous_mentions), int(r.previous_detractors)))
                  for r in rows.itertuples()}
        adjusted, k = bonferroni(shifts)
        source = Provenance("detractor_theme_mentions_for_period", ctx.shown_params(period, baseline, scope))
        return [_adjusted(narrate.rising_shares(adjusted, source=source, subject=subject), k)]
    if explain == "operations":
        frame = ctx.run(BY_SEGMENT, _frame_params(period, baseline), scope)
        row = totals(frame)
        source = Provenance(BY_SEGMENT, ctx.shown_params(period, baseline, scope))
        items = [(MEASURES[key].measure(), MEASURES[key].change(row), source) for key, n in
                 (("late_rate", "delivered_n"), ("fcr", "contacts_n")) if row.get(n) or row.get("previous_" + n)]
        sentence = narrate.moved(items, subject=subject)
        return [sentence if sentence.provenance else replace(sentence, provenance=(source,))]
    return [_driver(ctx, spec, period, scope, subject)]


def _driver(ctx: Context, spec: dict, period, scope, subject: str) -> Sentence:
    analysis = drivers.key_drivers(period, scope=scope, database=ctx.database)
    key = ctx.value(spec, "driver")
    source = Provenance("nps_by_driver", ctx.shown_params(period, None, scope,
                                                          long_wait_minutes=drivers.LONG_WAIT_MINUTES))
    where = f" in {subject}" if subject else ""
    if key:
        found = next((d for d in analysis.drivers if d.key == key), None)
    else:
        ranked = [d for d in analysis.significant("nps", "operational") if d.nps.delta < 0]
        found = ranked[0] if ranked else None
        if found is None:
            return Sentence(f"No operational driver lowers NPS significantly{where} in this period.", "why", False,
                            (source,))
    if found is None:
        return Sentence(f"No survey answer{where} in this period can be linked to {key.replace('_', ' ')}, so "
                        "the data cannot tell whether it drives NPS.", "why", False, (source,))
    c = found.nps
    prov = (source.of(c, f"NPS exposed to {found.label.lower()} (n) against the others (previous n)"),)
    label = found.label.lower()
    if c.significant:
        text = (f"Answers exposed to {label}{where} give an NPS of {narrate.value_text(c.current.value, 'pts')} "
                f"against {narrate.value_text(c.previous.value, 'pts')} for the others: "
                f"{narrate.delta_text(c.delta, 'pts')} {'lower' if c.delta < 0 else 'higher'} ({narrate.p_text(c.p)}).")
        return Sentence(text, "why", True, prov)
    if not c.testable:
        return Sentence(f"With {c.current.n:,} answers exposed to {label}{where} and {c.previous.n:,} not (at least "
                        f"{config.MIN_GROUP_SIZE} needed on each side), the data cannot tell yet whether it drives "
                        "NPS.",
                        "why", False, prov)
    return Sentence(f"NPS{where} does not differ significantly between answers exposed to {label} and the others "
                    f"({narrate.value_text(c.current.value, 'pts')} against "
                    f"{narrate.value_text(c.previous.value, 'pts')}, {narrate.p_text(c.p)}).", "why", False, prov)


def scan(ctx: Context, spec: dict) -> list[Sentence]:
    """Whatever changed significantly, overall and by region, after allowing for every test made."""
    keys = [k for k in (spec.get("measures") or SCAN_MEASURES) if k in MEASURES and not MEASURES[k].needs_theme]
    period = ctx.period(spec)
    baseline = ctx.baseline(spec, period)
    scale, scope = period.days / baseline.days, ctx.block_scope(spec)
    by = ctx.value(spec, "by") or "region"
    params = _frame_params(period, baseline)
    overall_row = totals(ctx.run(BY_SEGMENT, params, scope))
    units = ctx.run(BY_UNIT, {**params, "level": by}, scope)
    themes = ctx.run("theme_mentions_by_window", {"baseline_start": baseline.start, "start": period.start,
                                                  "end": period.end}, scope)
    subject = ctx.subject(spec)
    found: list[tuple[str, str, Change, str]] = []  # (measure key, subject, change, query)
    for key in keys:
        defn = MEASURES[key]
        found.append((key, subject, defn.change(overall_row, scale), BY_SEGMENT))
        if len(units) > 1:
            found += [(key, name, c, BY_UNIT) for name, c in group_changes(units, defn, "name", scale).items()]
    trends, tested_themes, _ = emerging.assess(themes)
    tests = sum(c.testable for _, _, c, _ in found) + tested_themes
    adjusted = [(k, s, replace(c, p=min(1.0, c.p * tests)) if c.p is not None else c, q) for k, s, c, q in found]
    risers = [t for t in trends if t.change.testable and t.change.delta > 0
              and t.change.p * tests < config.ALPHA and t.mentions >= config.MIN_GROUP_SIZE]
    since = ctx.since(spec, baseline, period)
    significant = sorted((a for a in adjusted if a[2].significant), key=lambda a: -abs(a[2].z or 0))
    limit = int(spec.get("limit") or 6)
    sentences = []
    for key, who, c, query in significant[:limit]:
        source = Provenance(query, ctx.shown_params(period, baseline, scope,
                                                    level=by if query == BY_UNIT else None))
        sentences.append(_adjusted(narrate.change(MEASURES[key].measure(), c, source=source, subject=who,
                                                  since=since), tests))
    for t in sorted(risers, key=lambda t: -t.change.delta)[:2]:
        source = Provenance("theme_mentions_by_window", {
            "baseline_start": baseline.start.isoformat(), "start": period.start.isoformat(),
            "end": period.end.isoformat(), **({"org unit": scope.focus} if scope.focus else {})})
        c, label = replace(t.change, p=min(1.0, t.change.p * tests)), ctx.theme_label(t.theme_id)
        text = (f"Among themes{' in ' + subject if subject else ''}, the share of written feedback mentioning "
                f"{label} rose from {narrate.value_text(c.previous.value, '%')} to "
                f"{narrate.value_text(c.current.value, '%')} ({narrate.p_text(c.p)}).")
        sentences.append(_adjusted(Sentence(text, "what", True, (source.of(c, f"share mentioning {label}"),)), tests))
    ctx.export(spec.get("id"), count=len(significant) + len(risers))
    if not sentences:
        where = f" in {subject}" if subject else ""
        sentences.append(Sentence(
            f"Nothing changed significantly{where} against {since}: {tests} tests of {len(keys)} measures"
            f"{' across ' + str(len(units)) + ' ' + LEVELS.get(by, by) + 's' if len(units) > 1 else ''} and "
            f"{tested_themes} themes, each needing at least {config.MIN_GROUP_SIZE} answers a side and p < "
            f"{config.ALPHA} after allowing for the number of tests.", "what", False,
            (Provenance(BY_SEGMENT, ctx.shown_params(period, baseline, scope)),)))
    ctx.caveats.append(f"'What changed' made {tests} tests at once; each p-value was multiplied by {tests} "
                       "(Bonferroni) before being called significant.")
    return sentences


def unavailable(error: BlockUnavailable) -> Sentence:
    return Sentence(f"This part cannot be shown: {error}.", "note", False, ())
