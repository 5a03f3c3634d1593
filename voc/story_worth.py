"""Narrate blocks about value and action: ``worth``, ``initiative`` and ``gap``.

* ``worth``: revenue at risk from detractors (``measure: revenue_at_risk``, the default), churn
  against the comparison period (``measure: churn``), churn of customers exposed to a problem
  against the others (``exposure: late_delivery | long_wait | incident``, from ``voc.exposure``),
  or what the most valuable customers who never speak are worth (``measure: silent_revenue``).
* ``initiative``: did the share of feedback mentioning the initiative's theme, in its units,
  fall after it started (``queries/initiatives_by_initiative.sql``: the ``days`` before it
  started against the ``days`` up to the period end)? "It worked" only when significant.
* ``gap``: a group against everyone else at one date (``measure: coverage``: the share of active
  customers heard from in the ``days`` to the period end, from ``source`` any or survey).

As everywhere, a difference is stated only when ``voc.stats`` says significant with enough n.
"""
from __future__ import annotations

from voc import config, exposure, metrics, narrate
from voc.narrate import Provenance, Sentence
from voc.story_context import BlockUnavailable, Context
from voc.story_measures import coverage
from voc.story_narrate import change, movement
from voc.story_text import format_value
from voc.stats import Change, compare

EXPOSURE_WORDS = {"late_delivery": ("a late delivery", "customers whose orders all arrived on time"),
                  "long_wait": ("a long wait for support", "customers who never waited that long"),
                  "incident": ("an incident in their unit", "customers with no incident in their unit")}


def worth(ctx: Context, spec: dict) -> list[Sentence]:
    if ctx.value(spec, "exposure"):
        return [_exposure(ctx, spec)]
    measure = ctx.value(spec, "measure") or "revenue_at_risk"
    if measure == "churn":
        return change(ctx, spec, topic="worth")
    if measure == "silent_revenue":
        return [_silent(ctx, spec)]
    period, scope = ctx.period(spec), ctx.block_scope(spec)
    risk = ctx.run("revenue_at_risk_for_period", period.params(), scope).iloc[0]
    themes = ctx.run("detractor_themes_by_revenue", period.params(), scope)
    top = list(zip(themes.label, themes.revenue_at_risk.astype(float)))
    amount, customers = float(risk.revenue_at_risk), int(risk.at_risk_customers)
    sentence = narrate.worth(amount, customers, top=top,
                             source=Provenance("revenue_at_risk_for_period", ctx.shown_params(period, None, scope)))
    subject = ctx.subject(spec)
    if subject and customers:
        sentence = Sentence(f"In {subject}, " + sentence.text[0].lower() + sentence.text[1:], sentence.topic,
                            sentence.states_change, sentence.provenance)
    ctx.export(spec.get("id"), amount=amount, customers=customers, value=amount, sentence=sentence.text, unit="money")
    return [sentence]


def _exposure(ctx: Context, spec: dict) -> Sentence:
    key = ctx.value(spec, "exposure")
    period, scope, subject = ctx.period(spec), ctx.block_scope(spec), ctx.subject(spec)
    days = int(ctx.value(spec, "churn_days") or exposure.CHURN_DAYS)
    result = exposure.outcomes(period, churn_days=days, scope=scope, database=ctx.database)
    source = Provenance("outcomes_by_customer_group", ctx.shown_params(period, None, scope, churn_days=days))
    found = next((e for e in result.exposures if e.key == key), None)
    exposed, others = EXPOSURE_WORDS.get(key, (key.replace("_", " "), "the others"))
    where = f" in {subject}" if subject else ""
    if not result.churn_loaded:
        return Sentence("No churn data loaded: what a problem costs in churn needs churn events.", "worth", False,
                        (source,))
    if found is None:
        return Sentence(f"No customer{where} had {exposed} in this period, or all did: there is nobody to compare.",
                        "worth", False, (source,))
    c: Change = found.churn
    until = f" and the {days} days after" if days else ""
    prov = (source.of(c, f"churn of customers with {exposed} (n) against {others} (previous n)"),)
    ctx.export(spec.get("id"), value=c.current.value, previous=c.previous.value, delta=c.delta, p=c.p,
               n=c.current.n, n_previous=c.previous.n, movement=movement("%", c), unit="%")
    if c.significant:
        ratio = f", {c.current.value / c.previous.value:.1f} times as often" if c.previous.value else ""
        return Sentence(f"Customers{where} with {exposed} left at {narrate.value_text(c.current.value, '%')} in the "
                        f"period{until}, against {narrate.value_text(c.previous.value, '%')} of {others}{ratio} "
                        f"({narrate.p_text(c.p)}).", "worth", True, prov)
    if not c.testable:
        return Sentence(f"With {c.current.n:,} customers{where} with {exposed} and {c.previous.n:,} without (at least "
                        f"{config.MIN_GROUP_SIZE} needed on each side), the data cannot tell yet whether they leave "
                        "more often.", "worth", False, prov)
    return Sentence(f"Customers{where} with {exposed} did not leave significantly more often than {others} "
                    f"({narrate.value_text(c.current.value, '%')} against {narrate.value_text(c.previous.value, '%')}, "
                    f"{narrate.p_text(c.p)}).", "worth", False, prov)


def _silent(ctx: Context, spec: dict) -> Sentence:
    period, scope = ctx.period(spec), ctx.block_scope(spec)
    group = ctx.value(spec, "group")
    rows = ctx.run("silent_customers_by_segment_unit", {"end": period.end}, scope)
    shown = {"end": period.end.isoformat(), **({"org unit": scope.focus} if scope.focus else {})}
    source = Provenance("silent_customers_by_segment_unit", shown)
    if rows.empty or not int(rows.valuable.sum()):
        return Sentence("No paying customers in view, so there are no silent valuable customers to count.", "worth",
                        False, (source,))
    mine = rows[rows.segment == group] if group else rows
    valuable, silent = int(mine.valuable.sum()), int(mine.silent.sum())
    revenue, all_revenue = float(mine.silent_revenue.sum()), float(rows.silent_revenue.sum())
    where = ctx.subject(spec)
    who = (f"{group} customers" if group else "customers") + (f" in {where}" if where else "")
    prov = Provenance("silent_customers_by_segment_unit", shown, "silent valuable " + who, n=valuable)
    ctx.export(spec.get("id"), value=revenue, amount=12 * revenue, customers=silent, n=valuable, unit="money")
    if valuable < config.MIN_GROUP_SIZE:
        return Sentence(f"Only {valuable:,} of the most valuable customers are {who}: too few to say how many of them "
                        "are silent.", "worth", False, (prov,))
    share = (f", {100 * revenue / all_revenue:.0f}% of the revenue of all silent valuable customers"
             if group and all_revenue else "")
    return Sentence(f"{silent:,} of the {valuable:,} most valuable {who} (top quarter by monthly revenue) gave no "
                    f"feedback at all in the year to {format_value(period.end)}: they bring "
                    f"{narrate.money_text(revenue)} a "
                    f"month ({narrate.money_text(12 * revenue)} a year){share}.", "worth", False, (prov,))


def initiative(ctx: Context, spec: dict) -> list[Sentence]:
    period = ctx.period(spec)
    days = int(ctx.value(spec, "days") or 90)
    wanted = ctx.value(spec, "initiative")
    scope = ctx.block_scope(spec)
    rows = ctx.run("initiatives_by_initiative", {"end": period.end, "days": days}, scope)
    source = Provenance("initiatives_by_initiative", {"end": period.end.isoformat(), "days": str(days),
                                                      **({"org unit": scope.focus} if scope.focus else {})})
    rows = rows[rows.initiative_id == wanted] if wanted else rows
    if rows.empty:
        return [Sentence(f"No initiative{' ' + str(wanted) if wanted else ''} in view had started by "
                         f"{format_value(period.end)}.", "initiative", False, (source,))]
    r = rows.iloc[0]
    label = ctx.theme_label(r.theme_id)
    unit = ctx.unit_names.get(r.unit_id, r.unit_id)
    c = compare(metrics.share(int(r.after_theme_n), int(r.after_n)),
                metrics.share(int(r.before_theme_n), int(r.before_n)))
    started = format_value(r.started_at)
    what = f"the share of all feedback in {unit} that mentions {label}"
    prov = (source.of(c, f"{what}: {days} days up to {period.end} (n) against {days} days before the start "
                         "(previous n)"),)
    ctx.export(spec.get("id"), value=c.current.value, previous=c.previous.value, delta=c.delta, p=c.p,
               n=c.current.n, n_previous=c.previous.n, movement=movement("%", c), label=str(r.title),
               started=r.started_at, unit="%")
    head = f"{r.title} (started {started})"
    if c.significant and c.delta < 0:
        text = (f"{head} worked: {what} fell from {narrate.value_text(c.previous.value, '%')} to "
                f"{narrate.value_text(c.current.value, '%')} ({narrate.p_text(c.p)}).")
    elif c.significant:
        text = (f"{head} has not reduced complaints: {what} rose from {narrate.value_text(c.previous.value, '%')} to "
                f"{narrate.value_text(c.current.value, '%')} ({narrate.p_text(c.p)}).")
    elif not c.testable:
        text = (f"{head}: with {c.previous.n:,} pieces of feedback before and {c.current.n:,} after (at least "
                f"{config.MIN_GROUP_SIZE} needed on each side), the data cannot tell yet whether it worked.")
    else:
        text = (f"{head}: {what} is {narrate.value_text(c.current.value, '%')}, no significant change from "
                f"{narrate.value_text(c.previous.value, '%')} before it started ({narrate.p_text(c.p)}): the data "
                "does not show an effect yet.")
    return [Sentence(text, "initiative", c.significant, prov)]


def gap(ctx: Context, spec: dict) -> list[Sentence]:
    period, scope = ctx.period(spec), ctx.block_scope(spec)
    days, group = int(ctx.value(spec, "days") or 90), ctx.value(spec, "group")
    source_kind = ctx.value(spec, "source") or "any"
    rows = ctx.run("coverage_by_segment_unit", {"end": period.end, "days": days}, scope)
    c = coverage(rows, group, "segment", source_kind)
    heard = "answered a survey" if source_kind == "survey" else "were heard from (any source)"
    where = ctx.subject(spec)
    who = f"{group.capitalize()} customers" + (f" in {where}" if where else "")
    shown = {"end": period.end.isoformat(), "days": str(days), "source": source_kind,
             **({"org unit": scope.focus} if scope.focus else {})}
    prov = (Provenance("coverage_by_segment_unit", shown).of(
        c, f"{group} customers who {heard} (n active) against all other customers (previous n)"),)
    ctx.export(spec.get("id"), value=c.current.value, previous=c.previous.value, delta=c.delta, p=c.p,
               n=c.current.n, n_previous=c.previous.n, unit="%")
    when = f"in the {days} days to {format_value(period.end)}"
    if c.current.value is None or c.previous.value is None:
        return [Sentence(f"There are no active {group} customers (or no others) in view to compare.", "where", False,
                         prov)]
    now, rest = narrate.value_text(c.current.value, "%"), narrate.value_text(c.previous.value, "%")
    if c.significant:
        side = "less" if c.delta < 0 else "more"
        return [Sentence(f"{who} are heard from {side} often: {now} of them {heard} {when}, "
                         f"against {rest} of other customers ({narrate.p_text(c.p)}).", "where", True, prov)]
    if not c.testable:
        return [Sentence(f"With {c.current.n:,} active {group} customers (at least {config.MIN_GROUP_SIZE} needed), "
                         f"the data cannot tell yet whether they are heard from less often.", "where", False, prov)]
    return [Sentence(f"{who} are heard from about as often as others: {now} against {rest} "
                     f"{when} ({narrate.p_text(c.p)}).", "where", False, prov)]


__all__ = ["worth", "initiative", "gap", "BlockUnavailable"]
