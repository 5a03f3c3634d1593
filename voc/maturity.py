"""Listening-programme maturity: five dimensions, each scored 0-5 by explicit rules.

The rules read the measures of the listening audit (``voc.listening_audit``) and nothing else, so
that every point can be explained in a sentence and checked by hand:

- Strategy (breadth and freshness): units with active customers where at least 10% were
  heard from in the last 90 days: all of them +3, >= 75% +2, >= 50% +1; the live source that
  lags most behind the newest data: <= 7 days +2, <= 30 days +1.
- Programme design (sources and reach): source kinds live (data in the last 90 days) out of
  seven: 7 +3, >= 5 +2, >= 3 +1; active customers heard from in 90 days: >= 50% +2, >= 25% +1.
- Engagement (response and reach into every segment): NPS response rate (respondents in the
  period / active customers): >= 20% +3, >= 10% +2, >= 5% +1; coverage of the least-heard
  segment: >= 25% +2, >= 10% +1; -1 (never below 0) when the respondents' segment mix differs
  significantly from the customer base.
- Action on results: cases opened in the period closed within their due time: >= 90% +3,
  >= 75% +2, >= 50% +1; initiatives started in the 12 months to the period end: >= 3 +2, >= 1 +1.
- Value delivered: initiatives with a measured before/after (enough feedback in both
  windows): at least one +1, at least half of all initiatives +1 more; initiatives whose theme's
  share of feedback fell significantly: one +2, two or more +3 (instead of +2).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from voc import config

SOURCE_KINDS_TOTAL = 7
UNIT_COVERED_PCT = 10.0  # a unit counts as covered when this share of its customers was heard from


@dataclass(frozen=True)
class Measures:
    """What the rules read; ``None`` means the measure could not be computed (no data)."""

    source_kinds_live: int
    coverage_pct: float | None
    units_total: int
    units_covered: int
    worst_lag_days: int | None
    response_rate_pct: float | None
    respondents: int
    weakest_segment: str | None
    weakest_segment_pct: float | None
    mix_skewed: bool                 # respondents' segment mix differs significantly from the base
    most_under_segment: str | None   # the segment most under-represented among respondents
    cases_opened: int
    cases_closed_in_sla: int
    initiatives_recent: int
    initiatives_total: int
    initiatives_measured: int
    initiatives_improved: int


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    score: int
    reasons: tuple[str, ...]

    @property
    def because(self) -> str:
        text = "; ".join(self.reasons) + "."
        return text[:1].upper() + text[1:]

    @property
    def text(self) -> str:
        return f"{self.score}/5: {self.because}"


def _ladder(value: float | None, steps: tuple[tuple[float, int], ...]) -> int:
    """Points of the first step whose threshold ``value`` reaches (steps from the highest down)."""
    if value is None:
        return 0
    return next((points for threshold, points in steps if value >= threshold), 0)


def _points(points: int, value: float | None, steps, unit: str = "") -> str:
    """'(+1; +2 at 50%)': the points earned and what earns the next step (nothing at the top)."""
    better = [(t, p) for t, p in reversed(steps) if value is None or value < t]
    if not better:
        return f"(+{points})"
    threshold, more = better[0]
    return f"(+{points}; +{more} at {threshold:g}{unit if threshold != 1 else unit.rstrip('s')})"


def _pct(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0f}%"


def _n(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _small(n: int, word: str) -> str:
    return f", only {_n(n, word)}: read with care" if 0 < n < config.MIN_GROUP_SIZE else ""


UNITS_STEPS = ((100.0, 3), (75.0, 2), (50.0, 1))
FRESH_STEPS = ((7, 2), (30, 1))  # at most this many days behind -> points
COVERAGE_STEPS = ((50.0, 2), (25.0, 1))
KINDS_STEPS = ((7, 3), (5, 2), (3, 1))
RESPONSE_STEPS = ((20.0, 3), (10.0, 2), (5.0, 1))
SEGMENT_STEPS = ((25.0, 2), (10.0, 1))
SLA_STEPS = ((90.0, 3), (75.0, 2), (50.0, 1))
INITIATIVE_STEPS = ((3, 2), (1, 1))


def strategy(m: Measures) -> Dimension:
    share = 100.0 * m.units_covered / m.units_total if m.units_total else None
    units = _ladder(share, UNITS_STEPS)
    if m.worst_lag_days is None:
        fresh, fresh_text = 0, "no live source, so nothing is fresh (+0)"
    else:
        fresh = next((points for days, points in FRESH_STEPS if m.worst_lag_days <= days), 0)
        nearer = [(days, points) for days, points in reversed(FRESH_STEPS) if m.worst_lag_days > days]
        hint = f"; +{nearer[0][1]} within {nearer[0][0]} days" if nearer else ""
        fresh_text = f"slowest live source {m.worst_lag_days} days behind the newest data (+{fresh}{hint})"
    units_text = (f"units hearing from at least {UNIT_COVERED_PCT:g}% of their customers: {m.units_covered} of "
                  f"{m.units_total} " + _points(units, share, UNITS_STEPS, "% of units"))
    if not m.units_total:
        units_text = "no active customers in scope (+0)"
    return Dimension("strategy", "Strategy", units + fresh, (units_text, fresh_text))


def programme_design(m: Measures) -> Dimension:
    kinds = _ladder(m.source_kinds_live, KINDS_STEPS)
    reach = _ladder(m.coverage_pct, COVERAGE_STEPS)
    return Dimension("programme_design", "Programme design", kinds + reach, (
        f"{m.source_kinds_live} of {SOURCE_KINDS_TOTAL} source kinds live "
        + _points(kinds, m.source_kinds_live, KINDS_STEPS, " kinds"),
        f"{_pct(m.coverage_pct)} of active customers heard from in 90 days "
        + _points(reach, m.coverage_pct, COVERAGE_STEPS, "%"),
    ))


def engagement(m: Measures) -> Dimension:
    response = _ladder(m.response_rate_pct, RESPONSE_STEPS)
    weakest = _ladder(m.weakest_segment_pct, SEGMENT_STEPS)
    segment_text = ("no segment has enough customers to judge (+0)" if m.weakest_segment is None else
                    f"least-heard segment {m.weakest_segment} at {_pct(m.weakest_segment_pct)} coverage "
                    + _points(weakest, m.weakest_segment_pct, SEGMENT_STEPS, "%"))
    skew_text = ("respondents' segment mix matches the customer base as far as the data can tell (-0)"
                 if not m.mix_skewed else "respondents' segment mix differs significantly from the customer base"
                 + (f", {m.most_under_segment} most under-represented" if m.most_under_segment else "") + " (-1)")
    return Dimension("engagement", "Engagement", max(0, response + weakest - (1 if m.mix_skewed else 0)), (
        f"NPS response rate {_pct(m.response_rate_pct)} of active customers "
        + _points(response, m.response_rate_pct, RESPONSE_STEPS, "%") + _small(m.respondents, "respondent"),
        segment_text, skew_text,
    ))


def action_on_results(m: Measures) -> Dimension:
    if m.cases_opened:
        sla_pct = 100.0 * m.cases_closed_in_sla / m.cases_opened
        sla = _ladder(sla_pct, SLA_STEPS)
        sla_text = (f"{sla_pct:.0f}% of {_n(m.cases_opened, 'case')} closed within their due time "
                    + _points(sla, sla_pct, SLA_STEPS, "%") + _small(m.cases_opened, "case"))
    else:
        sla, sla_text = 0, "no follow-up cases opened in the period: the closed loop is not running (+0)"
    started = _ladder(m.initiatives_recent, INITIATIVE_STEPS)
    return Dimension("action_on_results", "Action on results", sla + started, (
        sla_text,
        f"{_n(m.initiatives_recent, 'initiative')} started in the 12 months to the period end "
        + _points(started, m.initiatives_recent, INITIATIVE_STEPS, " initiatives"),
    ))


def value_delivered(m: Measures) -> Dimension:
    if not m.initiatives_total:
        return Dimension("value_delivered", "Value delivered", 0,
                         ("no initiatives recorded, so no value can be shown (+0)",))
    measured = (1 if m.initiatives_measured else 0) + (
        1 if m.initiatives_measured and 2 * m.initiatives_measured >= m.initiatives_total else 0)
    improved = 3 if m.initiatives_improved >= 2 else 2 if m.initiatives_improved == 1 else 0
    return Dimension("value_delivered", "Value delivered", measured + improved, (
        f"{m.initiatives_measured} of {_n(m.initiatives_total, 'initiative')} measured before and after (+{measured})",
        f"{m.initiatives_improved} with a significant fall in their theme's share of feedback (+{improved})",
    ))


def measures_of(audit) -> Measures:
    """The figures of a ``voc.listening_audit.Audit`` as the rules read them."""
    live = audit.sources[audit.sources.status == "live"]
    units = audit.coverage_unit[audit.coverage_unit.active > 0]
    segments = audit.coverage_segment[audit.coverage_segment.enough]
    weakest = segments.sort_values("coverage_pct").iloc[0] if len(segments) else None
    mix = audit.mix_segment
    under = mix[mix.verdict == "under-represented"]
    most_under = under.loc[(under.respondent_pct / under.base_pct).idxmin()] if len(under) else None
    ini = audit.initiatives
    recent = pd.to_datetime(ini.started_at).dt.date > audit.period.end - dt.timedelta(days=365)
    return Measures(
        source_kinds_live=len(live),
        coverage_pct=audit.coverage.value,
        units_total=len(units),
        units_covered=int((units.coverage_pct >= UNIT_COVERED_PCT).sum()),
        worst_lag_days=int(live.behind_newest_days.max()) if len(live) else None,
        response_rate_pct=audit.response_rate.value,
        respondents=int(audit.mix_segment.respondents.sum()),
        weakest_segment=None if weakest is None else str(weakest.segment),
        weakest_segment_pct=None if weakest is None else float(weakest.coverage_pct),
        mix_skewed=audit.mix_test.significant,
        most_under_segment=None if most_under is None else str(most_under.segment),
        cases_opened=audit.cases["opened"],
        cases_closed_in_sla=audit.cases["closed_in_sla"],
        initiatives_recent=int(recent.sum()),
        initiatives_total=len(ini),
        initiatives_measured=int(ini.measured.sum()),
        initiatives_improved=int(ini.improved.sum()),
    )


RULES = (strategy, programme_design, engagement, action_on_results, value_delivered)


def score(m: Measures) -> list[Dimension]:
    """The five dimensions, each 0-5 with the reasons behind its points."""
    return [rule(m) for rule in RULES]
