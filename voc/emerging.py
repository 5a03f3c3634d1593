"""Emerging themes: themes whose share of feedback rose significantly against their baseline.

For the chosen period and a baseline made of the ``BASELINE_PERIODS`` periods of equal length just
before it, a theme's share is its mentions divided by the feedback with text (themes are read from
text). The share now and the share in the baseline are compared with ``voc.stats.compare`` on
``voc.metrics.share`` estimates (a two-proportion z-test). A theme is listed as emerging only when

* its share rose and ``Change.significant`` holds (both groups have at least
  ``config.MIN_GROUP_SIZE`` pieces of feedback with text, p < ``config.ALPHA``),
* p stays below ``ALPHA / k`` too, k being the number of themes tested (Bonferroni), so that
  testing many themes at once does not list a riser by chance on most page views,
* it has at least ``config.MIN_GROUP_SIZE`` mentions in the period.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from voc import config, metrics, queries
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.stats import Change, compare

BASELINE_PERIODS = 3
TREND_THEMES = 5  # risers drawn on the trend chart


def baseline(period: Period, periods: int = BASELINE_PERIODS) -> Period:
    """The ``periods`` periods of equal length that end the day before ``period`` starts."""
    end = period.start - dt.timedelta(days=1)
    return Period(period.start - dt.timedelta(days=periods * period.days), end)


def history(period: Period) -> tuple[Period, str]:
    """The baseline and the period together, widened to whole buckets, and the bucket ('week'/'month')."""
    start = baseline(period).start
    bucket = "week" if (period.end - start).days < 190 else "month"
    if bucket == "week":
        start -= dt.timedelta(days=start.weekday())
    else:
        start = start.replace(day=1)
    return Period(start, period.end), bucket


@dataclass(frozen=True)
class ThemeTrend:
    theme_id: str
    label: str
    polarity: str
    mentions: int
    baseline_mentions: int
    change: Change        # share of feedback with text, %, now against the baseline
    flagged: bool

    @property
    def rise(self) -> float | None:
        return self.change.delta

    @property
    def ratio(self) -> float | None:
        before, now = self.change.previous.value, self.change.current.value
        return None if not before or now is None else now / before


@dataclass(frozen=True)
class Emerging:
    period: Period
    baseline: Period
    text_n: int
    baseline_text_n: int
    tested: int
    threshold: float      # the p-value a riser must stay below
    themes: tuple[ThemeTrend, ...]
    trend: pd.DataFrame | None = None  # share per bucket of the top risers (see ``_trend``)

    @property
    def risers(self) -> list[ThemeTrend]:
        return sorted((t for t in self.themes if t.flagged), key=lambda t: -t.rise)

    @property
    def labels(self) -> dict[str, str]:
        return {t.theme_id: t.label for t in self.themes}

    def method(self) -> str:
        """How the list is made, in a sentence for the reader."""
        return (f"Share of feedback with text mentioning each theme, {self.period.label()} against the "
                f"{BASELINE_PERIODS} previous periods of equal length ({self.baseline.label()}). A theme is listed "
                f"only when its rise is significant after allowing for the {self.tested} themes tested "
                f"(p < {self.threshold:.4f}) and it has at least {config.MIN_GROUP_SIZE} mentions in the period.")

    def verdict(self) -> str:
        """What the test says, in a sentence (also the empty state)."""
        if not self.tested:
            return "No themes were mentioned in the period or its baseline: theme analysis needs enriched text."
        if self.baseline_text_n < config.MIN_GROUP_SIZE:
            return (f"The baseline ({self.baseline.label()}) has only {self.baseline_text_n:,} pieces of feedback with "
                    f"text, fewer than {config.MIN_GROUP_SIZE}: the data cannot tell yet which themes are emerging.")
        if self.text_n < config.MIN_GROUP_SIZE:
            return (f"The period has only {self.text_n:,} pieces of feedback with text, fewer than "
                    f"{config.MIN_GROUP_SIZE}: the data cannot tell yet which themes are emerging.")
        risers = self.risers
        if not risers:
            return (f"No theme rose significantly against its baseline ({self.tested} themes tested on "
                    f"{self.text_n:,} pieces of feedback with text).")
        top = risers[0]
        head = (f"{top.label} is rising fastest: {top.change.previous.value:.1f}% → {top.change.current.value:.1f}% "
                f"of feedback with text ({top.rise:+.1f} pts)")
        others = len(risers) - 1
        return head + (f"; {others} other theme{'s' if others > 1 else ''} also rising" if others else "")

    def frame(self) -> pd.DataFrame:
        """The risers, one row each, for the chart and its download."""
        rows = [{
            "theme": t.label,
            "mentions": t.mentions,
            "baseline_mentions": t.baseline_mentions,
            "share_now_pct": round(t.change.current.value, 2),
            "share_baseline_pct": round(t.change.previous.value, 2),
            "rise_pts": round(t.rise, 2),
            "rise_low": round(t.rise - _moe(t.change), 2),
            "rise_high": round(t.rise + _moe(t.change), 2),
            "times_baseline": None if t.ratio is None else round(t.ratio, 2),
            "p_value": t.change.p,
        } for t in self.risers]
        return pd.DataFrame(rows, columns=["theme", "mentions", "baseline_mentions", "share_now_pct",
                                           "share_baseline_pct", "rise_pts", "rise_low", "rise_high",
                                           "times_baseline", "p_value"])


def _moe(change: Change) -> float:
    se = ((change.current.se or 0.0) ** 2 + (change.previous.se or 0.0) ** 2) ** 0.5
    return 1.959963984540054 * se


def assess(counts: pd.DataFrame, alpha: float = config.ALPHA,
           min_mentions: int = config.MIN_GROUP_SIZE) -> tuple[tuple[ThemeTrend, ...], int, float]:
    """Test every theme in ``counts`` (rows of theme_mentions_by_window); returns (themes, tested, threshold)."""
    tested = int(((counts.mentions_now + counts.mentions_before) > 0).sum()) if len(counts) else 0
    threshold = alpha / max(tested, 1)
    found = []
    for row in counts.itertuples(index=False):
        n_now, n_before = int(row.text_n_now), int(row.text_n_before)
        now = metrics.share(min(int(row.mentions_now), n_now), n_now)
        before = metrics.share(min(int(row.mentions_before), n_before), n_before)
        change = compare(now, before)
        flagged = bool(change.significant and change.delta > 0 and change.p < threshold
                       and row.mentions_now >= min_mentions)
        found.append(ThemeTrend(row.theme_id, row.label, row.polarity, int(row.mentions_now),
                                int(row.mentions_before), change, flagged))
    return tuple(found), tested, threshold


def emerging(period: Period, *, scope: Scope = ALL, database=None) -> Emerging:
    """Every theme's share in ``period`` against its baseline, the significant risers flagged."""
    base = baseline(period)
    counts = queries.run("theme_mentions_by_window",
                         {"baseline_start": base.start, "start": period.start, "end": period.end},
                         scope=scope, database=database)
    themes, tested, threshold = assess(counts)
    text_n = int(counts.text_n_now.iloc[0]) if len(counts) else 0
    baseline_text_n = int(counts.text_n_before.iloc[0]) if len(counts) else 0
    found = Emerging(period, base, text_n, baseline_text_n, tested, threshold, themes)
    return replace(found, trend=_trend(found, scope=scope, database=database))


def _trend(found: Emerging, *, scope: Scope, database) -> pd.DataFrame:
    """Share of feedback with text per bucket for the top risers; buckets under MIN_GROUP_SIZE left blank."""
    risers = found.risers[:TREND_THEMES]
    columns = ["bucket", "theme", "mentions", "text_n", "share_pct"]
    if not risers:
        return pd.DataFrame(columns=columns)
    window, bucket = history(found.period)
    frame = queries.run("theme_share_by_bucket",
                        {"start": window.start, "end": window.end, "bucket": bucket,
                         "themes": [t.theme_id for t in risers]}, scope=scope, database=database)
    frame["bucket"] = pd.to_datetime(frame.bucket)
    frame["theme"] = frame.theme_id.map(found.labels)
    enough = frame.text_n >= config.MIN_GROUP_SIZE
    frame["share_pct"] = (100.0 * frame.mentions / frame.text_n.where(enough)).round(2)
    return frame[columns]
