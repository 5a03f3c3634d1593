"""Key drivers of NPS and CSAT: how much lower (or higher) the score is among answers exposed to
an operational problem or mentioning a theme, against those that are not.

Method (stated on the page as ``METHOD``): every survey answer in the period is joined to the
interaction it is about (``feedback.interaction_id`` = ``order_id`` or ``contact_id``) and
flagged in SQL (``queries/nps_by_driver.sql``); SQL returns promoter, detractor and CSAT counts
per driver x exposed. Here the counts become NPS and CSAT estimates (``voc.metrics``) and the
two groups are compared with a z-test (``voc.stats.compare``). The effect of a driver is
NPS(exposed) - NPS(not exposed), in points, with its 95% confidence interval. A driver is
called significant only when both groups have at least ``config.MIN_GROUP_SIZE`` answers and
p < ``config.ALPHA``. No regression: drivers are compared one at a time, not adjusted for
each other.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import altair as alt
import pandas as pd

from voc import charts, config, metrics, queries
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.stats import Z95, Change, compare

LONG_WAIT_MINUTES = 10

# driver -> (label, who it compares); the long-wait label takes the threshold in minutes
OPERATIONAL = {
    "late_delivery": ("Late delivery", "answers about a delivered order: delivered after the promised time vs on time"),
    "long_wait": ("Wait over {minutes} min", "answers about a contact: waited longer than the threshold vs not"),
    "not_resolved_first_contact": ("Not resolved at first contact",
                                   "answers about a contact: not resolved at the first contact vs resolved"),
    "incident": ("Incident in their unit", "all answers: an incident open in the unit in the 7 days up to the "
                                           "answer vs none"),
}

METHOD = (
    "Method: each survey answer in the period is linked to the order or contact it is about and flagged "
    "(late delivery, wait over the threshold, not resolved at first contact, incident in the unit in the 7 days "
    "before the answer, theme mentioned). A driver's effect is the score (NPS, or CSAT: % of answers 4–5) of "
    "exposed answers minus that of the others, in points, "
    "with its 95% confidence interval and a two-sided z-test. Drivers are compared one at a time (no regression), "
    "so overlapping drivers share credit; themes come from the answer's own text, so they describe rather than "
    f"cause. A driver counts as significant at p < {config.ALPHA} with at least {config.MIN_GROUP_SIZE} answers "
    "on each side; with many drivers, about 1 in 20 drivers without a real effect will still look significant."
)


SCORES = {"nps": ("NPS", "NPS points"), "csat": ("CSAT", "CSAT points (% satisfied)")}
KINDS = {"operational": "Operational measures", "theme": "Themes mentioned"}


@dataclass(frozen=True)
class Driver:
    key: str
    label: str
    kind: str  # "operational" or "theme"
    compares: str  # who is compared with whom
    nps: Change  # current = exposed, previous = not exposed; delta = effect in NPS points
    csat: Change  # the same for CSAT (% satisfied)
    exposed_share: float | None  # exposed NPS answers / all NPS answers in the period, 0..1
    exposed_mix: tuple[float, float] | None  # (promoter share, detractor share) of exposed answers
    unexposed_mix: tuple[float, float] | None

    def change(self, score: str = "nps") -> Change:
        return self.csat if score == "csat" else self.nps

    @property
    def effect(self) -> float | None:
        """NPS(exposed) - NPS(not exposed), in points."""
        return self.nps.delta

    @property
    def ci(self) -> tuple[float, float] | None:
        """95% confidence interval of the NPS effect."""
        return difference_ci(self.nps)

    def status(self, score: str = "nps") -> str:
        """'lowers NPS', 'raises NPS', 'not significant' or 'too few answers' (CSAT alike)."""
        change = self.change(score)
        if not change.current.n or not change.previous.n:
            return f"no {SCORES[score][0]} answers on one side"
        if not change.testable:
            return "too few answers"
        if not change.significant:
            return "not significant"
        return f"{'lowers' if change.delta < 0 else 'raises'} {SCORES[score][0]}"


@dataclass(frozen=True)
class DriverAnalysis:
    drivers: tuple[Driver, ...]
    nps_answers: int  # NPS answers in the period
    operational_loaded: bool  # orders or contacts exist in scope
    answers: int = 0  # answers with NPS or CSAT in the period (0 when no driver could be formed either)

    def of_kind(self, kind: str | None = None) -> list[Driver]:
        return [d for d in self.drivers if kind is None or d.kind == kind]

    def testable(self, score: str = "nps", kind: str | None = None) -> list[Driver]:
        """Drivers with enough answers on both sides, most negative effect first."""
        found = [d for d in self.of_kind(kind) if d.change(score).testable]
        return sorted(found, key=lambda d: d.change(score).delta)

    def significant(self, score: str = "nps", kind: str | None = None) -> list[Driver]:
        return [d for d in self.testable(score, kind) if d.change(score).significant]


def difference_ci(change: Change) -> tuple[float, float] | None:
    if change.delta is None or change.current.se is None or change.previous.se is None:
        return None
    half = Z95 * math.sqrt(change.current.se ** 2 + change.previous.se ** 2)
    return change.delta - half, change.delta + half


def _mix(row) -> tuple[float, float] | None:
    return (row.promoters / row.nps_n, row.detractors / row.nps_n) if row.nps_n else None


def _label(key: str, kind: str, theme_label, long_wait_minutes: int) -> str:
    if kind == "theme":
        return f"Mentions “{theme_label if isinstance(theme_label, str) else key}”"
    return OPERATIONAL.get(key, (key.replace("_", " "), ""))[0].format(minutes=long_wait_minutes)


def key_drivers(period: Period, long_wait_minutes: int = LONG_WAIT_MINUTES, *, scope: Scope = ALL,
                database=None) -> DriverAnalysis:
    """Every driver's effect on NPS and CSAT in ``period``."""
    params = {**period.params(), "long_wait_seconds": int(long_wait_minutes * 60)}
    rows = queries.run("nps_by_driver", params, scope=scope, database=database)
    coverage = queries.run("data_coverage", scope=scope, database=database).iloc[0]
    loaded = any(pd.notna(coverage[c]) for c in ("orders_last_day", "contacts_last_day"))
    all_n = int(rows.all_nps_n.iloc[0]) if len(rows) else 0
    answers = int(rows.all_answers.iloc[0]) if len(rows) else 0
    found = []
    for (key, kind), part in rows.groupby(["driver", "kind"], sort=False):
        sides = {bool(r.exposed): r for r in part.itertuples()}
        if True not in sides or False not in sides:
            continue  # nobody (or everybody) exposed: nothing to compare
        yes, no = sides[True], sides[False]
        found.append(Driver(
            key=key, kind=kind, label=_label(key, kind, yes.theme_label, long_wait_minutes),
            compares=OPERATIONAL[key][1] if kind == "operational" else "all answers: mentions the theme vs not",
            nps=compare(metrics.nps(yes.promoters, yes.detractors, yes.nps_n),
                        metrics.nps(no.promoters, no.detractors, no.nps_n)),
            csat=compare(metrics.csat(yes.csat_satisfied, yes.csat_n), metrics.csat(no.csat_satisfied, no.csat_n)),
            exposed_share=yes.nps_n / all_n if all_n else None,
            exposed_mix=_mix(yes), unexposed_mix=_mix(no),
        ))
    return DriverAnalysis(tuple(found), all_n, loaded, answers)


def empty_message(analysis: DriverAnalysis, kind: str | None = None) -> str | None:
    """Why there is nothing to compare for ``kind``, or None when there is something."""
    if not analysis.drivers and not analysis.answers:
        return ("No survey answers (NPS or CSAT) linked to a driver in this period and scope: widen the period "
                "or the filters.")
    if not analysis.of_kind(kind):
        if kind == "theme":
            return "No survey answer in this period mentions a theme: nothing to compare."
        return ("No survey answer in this period is about an order or a contact, or came during an incident: "
                "nothing to compare.")
    return None


def _ci_text(change: Change) -> str:
    ci = difference_ci(change) if change.testable else None
    return f"{ci[0]:+.1f} to {ci[1]:+.1f}" if ci else "—"


def unanswered(analysis: DriverAnalysis, score: str = "nps", kind: str | None = None) -> list[str]:
    """Labels of drivers with no ``score`` answer on one side (left out of table and chart)."""
    return [d.label for d in analysis.of_kind(kind) if not d.change(score).current.n or not d.change(score).previous.n]


def unanswered_note(analysis: DriverAnalysis, score: str = "nps", kind: str | None = None) -> str | None:
    """A Markdown-safe sentence naming the drivers left out for want of answers, or None."""
    missing = unanswered(analysis, score, kind)
    if not missing:
        return None
    return escape(f"Not compared, no {SCORES[score][0]} answers on one side: {', '.join(missing)}.")


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def escape(text: str) -> str:
    """``text`` with Markdown and HTML special characters escaped, for st.markdown and captions."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def table(analysis: DriverAnalysis, score: str = "nps", kind: str | None = None) -> pd.DataFrame:
    """One row per driver answered on both sides, testable first; numbers of too-small groups are blanked."""
    name = SCORES[score][0]
    skip = set(unanswered(analysis, score, kind))
    ordered = analysis.testable(score, kind) + [d for d in analysis.of_kind(kind)
                                                if not d.change(score).testable and d.label not in skip]
    out = []
    for d in ordered:
        change = d.change(score)
        ok = change.testable
        out.append({
            "driver": d.label,
            "effect (pts)": round(change.delta, 1) if ok else None,
            "95% CI": _ci_text(change),
            "verdict": d.status(score),
            "exposed answers (n)": change.current.n,
            "other answers (n)": change.previous.n,
            f"{name} exposed": round(change.current.value, 1) if ok else None,
            f"{name} others": round(change.previous.value, 1) if ok else None,
            "p-value": (("< 0.0001" if change.p < 0.0001 else f"{change.p:.4f}")
                        if ok and change.p is not None else None),
            "compares": d.compares,
        })
    return pd.DataFrame(out)


def effect_chart(analysis: DriverAnalysis, score: str = "nps", kind: str | None = None):
    """(Altair spec, its data): effect with 95% CI per testable driver; grey when not significant."""
    rows = []
    for d in analysis.testable(score, kind):
        change = d.change(score)
        low, high = difference_ci(change)
        rows.append({"driver": d.label, "effect_pts": round(change.delta, 1), "ci_low": round(low, 1),
                     "ci_high": round(high, 1), "exposed_n": change.current.n, "others_n": change.previous.n,
                     "p_value": round(change.p, 4),
                     "status": "flat" if not change.significant else ("worse" if change.delta < 0 else "better")})
    frame = pd.DataFrame(rows)
    name, unit = SCORES[score]
    spec = charts.ranked_bars(frame, "driver", "effect_pts", title=headline(analysis, score, kind),
                              x_title=f"{name} of exposed answers minus others ({unit}, 95% CI)", status="status",
                              error_low="ci_low", error_high="ci_high",
                              subtitle=f"red: lowers {name} · green: raises {name} · grey: not significant")
    return fit(spec, len(frame), "effect_pts"), frame


def fit(spec, rows: int, value: str, descending: bool = False):
    """A ``charts.ranked_bars`` spec made readable: bars in order of ``value`` in every layer (the
    shared ``sort="-x"`` follows the error bars' own x in their layer), one x-axis title, whole
    labels, and room for every bar (Streamlit fits title, axes and legend into the height)."""
    order = alt.EncodingSortField(field=value, op="min", order="descending" if descending else "ascending")
    title = spec.layer[0].encoding.x["title"]
    for layer in spec.layer:
        layer.encoding.y = layer.encoding.y.sort(order)
        layer.encoding.x = layer.encoding.x.title(title)
    return spec.properties(height=chart_height(rows)).configure_axisY(labelLimit=320)


def chart_height(rows: int) -> int:
    """Streamlit fits the whole chart (title, axes, legend) into its height: leave room beyond the bars."""
    return max(220, 32 * rows + 150)


def headline(analysis: DriverAnalysis, score: str = "nps", kind: str | None = None) -> str:
    """The finding, in words: the costliest significant driver, or that none is significant."""
    name = SCORES[score][0]
    testable = analysis.testable(score, kind)
    worst = [d for d in analysis.significant(score, kind) if d.change(score).delta < 0]
    if worst:
        top = worst[0]
        return (f"{top.label} costs {abs(top.change(score).delta):.0f} {name} points; {len(worst)} of "
                f"{len(testable)} drivers significantly lower {name}")
    if testable:
        return f"None of {len(testable)} drivers shows a significant {name} gap yet"
    return f"Too few {name} answers to test any driver"
