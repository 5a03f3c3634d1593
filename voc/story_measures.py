"""The measures a story can narrate, each an Estimate computed from query counts by ``voc.metrics``.

``measures_by_segment_for_period`` and ``measures_by_unit_for_period`` return, per segment or per
org unit, the counts behind every measure for a period and its comparison period (columns
``x`` and ``previous_x``). Here those counts become estimates (never re-defining a metric: NPS,
CSAT, CES, shares, churn and volumes all come from ``voc.metrics``) and changes (``voc.stats``).

Counts (feedback volume, support contacts) compared over periods of different lengths are
scaled to the length of the current period (a Poisson count: value and standard error scale
alike), so that a 14-day window is never compared with a 90-day one as if they were equal.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from voc import metrics
from voc.narrate import Measure
from voc.stats import Change, Estimate, compare


@dataclass(frozen=True)
class MeasureDef:
    key: str
    label: str  # "{theme}" is replaced by the theme's label
    unit: str
    higher_is_better: bool
    columns: tuple[str, ...]  # the count columns the estimate reads, in metric argument order
    kind: str  # "nps" | "share" | "mean" | "count"
    needs_theme: bool = False

    def measure(self, theme_label: str | None = None) -> Measure:
        return Measure(self.label.format(theme=theme_label or "the theme"), self.unit, self.higher_is_better)

    def estimate(self, row: Mapping, prefix: str = "", scale: float = 1.0) -> Estimate:
        values = [row.get(prefix + c, 0) or 0 for c in self.columns]
        if self.kind == "nps":
            return metrics.nps(int(values[0]), int(values[1]), int(values[2]))
        if self.kind == "mean":
            return metrics.ces(float(values[0]), float(values[1]), int(values[2]))
        if self.kind == "count":
            est = metrics.volume(int(values[0]))
            return Estimate(est.value * scale, est.se * scale, est.n) if scale != 1.0 else est
        hits, n = int(values[0]), int(values[1])
        return metrics.share(min(hits, n), n)

    def change(self, row: Mapping, scale: float = 1.0) -> Change:
        """Current against previous; ``scale`` (current days / previous days) applies to counts only."""
        return compare(self.estimate(row, ""), self.estimate(row, "previous_", scale))


MEASURES = {m.key: m for m in (
    MeasureDef("nps", "NPS", "pts", True, ("promoters", "detractors", "nps_n"), "nps"),
    MeasureDef("csat", "CSAT", "%", True, ("csat_satisfied", "csat_n"), "share"),
    MeasureDef("ces", "customer effort", "/7", False, ("ces_sum", "ces_sq_sum", "ces_n"), "mean"),
    MeasureDef("late_rate", "the late delivery rate", "%", False, ("late_n", "delivered_n"), "share"),
    MeasureDef("fcr", "first-contact resolution", "%", True, ("fcr_n", "contacts_n"), "share"),
    MeasureDef("churn", "churn", "%", False, ("churned", "active_at_start"), "share"),
    MeasureDef("contacts", "support contacts", "", False, ("contacts_n",), "count"),
    MeasureDef("volume", "feedback volume", "", True, ("feedback_n",), "count"),
    MeasureDef("theme_share", "the share of written feedback mentioning {theme}", "%", False, ("theme_n", "text_n"),
               "share", True),
    MeasureDef("detractor_theme_share", "the share of detractors mentioning {theme}", "%", False,
               ("theme_detractors", "detractors"), "share", True),
)}
SCAN_MEASURES = ("nps", "csat", "ces", "late_rate", "fcr", "churn", "contacts")
# Measures of a single date: heard from (coverage_by_segment_unit), silent valuable customers.
GAP_MEASURES = ("coverage",)


def totals(frame: pd.DataFrame, *, segment: str | None = None) -> dict:
    """The company (or one segment's) row: counts are additive over segment rows."""
    if segment is not None:
        frame = frame[frame.segment == segment]
    numeric = frame.select_dtypes("number")
    return {c: int(numeric[c].sum()) for c in numeric.columns}


def group_changes(frame: pd.DataFrame, defn: MeasureDef, name_column: str, scale: float = 1.0) -> dict[str, Change]:
    """Each row's change, keyed by its display name."""
    return {str(r[name_column]): defn.change(r, scale) for r in frame.to_dict("records")}


def bonferroni(groups: Mapping[str, Change], tests: int | None = None) -> tuple[dict[str, Change], int]:
    """p-values multiplied by the number of tests (testable groups by default), capped at 1."""
    k = tests if tests is not None else sum(1 for c in groups.values() if c.testable)
    k = max(k, 1)
    return {name: (replace(c, p=min(1.0, c.p * k)) if c.p is not None else c) for name, c in groups.items()}, k


def coverage(frame: pd.DataFrame, group: str, by: str = "segment", source: str = "any") -> Change:
    """Share of active customers heard from: ``group`` (current) against all the others (previous)."""
    rows = frame[frame.source == source]
    mine, rest = rows[rows[by] == group], rows[rows[by] != group]
    return compare(metrics.share(int(mine.heard.sum()), int(mine.active.sum())),
                   metrics.share(int(rest.heard.sum()), int(rest.active.sum())))
