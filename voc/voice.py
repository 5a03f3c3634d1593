"""Voice explorer, side by side: every feedback source's volume, sentiment and themes.

Figures come from the rollups (feedback_daily, theme_daily) except the solicited flag and the
language, which the rollups do not carry and are counted from feedback for the period.
Rates (average sentiment, % negative, theme shares) are shown only for groups of at least
``config.MIN_GROUP_SIZE``; a volume change is called a change only when ``voc.stats`` says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from voc import config, metrics, queries
from voc.emerging import history
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.stats import compare

TOP_THEMES = 3  # per source, in the table and the grid


@dataclass(frozen=True)
class Overview:
    period: Period
    window: Period             # the trend charts' span (baseline + period)
    bucket: str                # 'week' or 'month'
    total: int                 # feedback in the period
    table: pd.DataFrame        # one row per source
    trend: pd.DataFrame        # bucket x source
    themes: pd.DataFrame       # source x theme shares (top themes)
    languages: tuple[str, ...]  # languages with feedback in the period, most used first
    volume_title: str = ""
    sentiment_title: str = ""
    themes_title: str = ""
    solicited_note: str = ""

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(self.table.source)


def _kind(solicited: int, n: int) -> str:
    if solicited == n:
        return "solicited"
    if solicited == 0:
        return "unsolicited"
    return f"mixed ({100 * solicited / n:.0f}% solicited)"


def _volume_change(now: int, before: int) -> tuple[str, float | None, bool]:
    """(verdict, % change, significant) of a source's volume against the previous period (Poisson)."""
    change = compare(metrics.volume(now), metrics.volume(before))
    if not before:
        return ("no data before" if now else "no data", None, False)
    pct = 100.0 * (now - before) / before
    if not change.testable:
        return "too few to tell", pct, False
    if not change.significant:
        return "no significant change", pct, False
    return f"{pct:+.0f}%", pct, True


def _top_themes(mentions: pd.DataFrame, source: str) -> tuple[str, list[tuple[str, float]]]:
    rows = mentions[mentions.source == source]
    if rows.empty:
        return "—", []
    text_n = int(rows.text_n.iloc[0])
    if text_n < config.MIN_GROUP_SIZE:
        return f"too few texts ({text_n})", []
    top = rows.sort_values(["mentions", "label"], ascending=[False, True]).head(TOP_THEMES)
    shares = [(r.label, 100.0 * min(r.mentions, text_n) / text_n) for r in top.itertuples()]
    return " · ".join(f"{label} {share:.0f}%" for label, share in shares), shares


def overview(period: Period, *, scope: Scope = ALL, database=None) -> Overview:
    """Every source in ``period`` and ``scope``: volume and its change, sentiment, themes, trends."""
    run = lambda name, params: queries.run(name, params, scope=scope, database=database)  # noqa: E731
    params = period.params()
    totals = run("feedback_by_source_period", {"previous_start": period.previous().start, **params})
    kinds = run("feedback_by_source_language", params)
    mentions = run("theme_mentions_by_source", params)
    window, bucket = history(period)
    trend = run("feedback_by_source_bucket", {"start": window.start, "end": window.end, "bucket": bucket})

    now = totals[totals.period == "current"].set_index("source")
    before = totals[totals.period == "previous"].set_index("source")
    total = int(now.n.sum()) if len(now) else 0
    rows, grid = [], []
    for source in now.reset_index().sort_values(["n", "source"], ascending=[False, True]).source:
        r = now.loc[source]
        n, sentiment_n = int(r.n), int(r.sentiment_n)
        of_source = kinds[kinds.source == source]
        verdict, pct, significant = _volume_change(n, int(before.n.get(source, 0)))
        negative = metrics.share(int(r.negative_n), sentiment_n)
        enough = sentiment_n >= config.MIN_GROUP_SIZE
        themes_text, shares = _top_themes(mentions, source)
        grid += [{"source": source, "theme": label, "share_pct": round(share, 1)} for label, share in shares]
        rows.append({
            "source": source,
            "type": _kind(int(of_source.loc[of_source.solicited, "n"].sum()), int(of_source.n.sum())),
            "feedback": n,
            "share_pct": round(100.0 * n / total, 1),
            "vs_previous": verdict,
            "_change_pct": pct,
            "_significant": significant,
            "avg_sentiment": round(float(r.sentiment_sum) / sentiment_n, 2) if enough else None,
            "negative_pct": round(negative.value, 1) if enough else None,
            "negative_moe": round(negative.moe, 1) if enough else None,
            "_negative": negative,
            "top_themes": themes_text,
        })
    table = pd.DataFrame(rows, columns=["source", "type", "feedback", "share_pct", "vs_previous", "_change_pct",
                                        "_significant", "avg_sentiment", "negative_pct", "negative_moe",
                                        "_negative", "top_themes"])
    languages = tuple(kinds.groupby("language").n.sum().sort_values(ascending=False).index)
    themes = pd.DataFrame(grid, columns=["source", "theme", "share_pct"])
    return Overview(period, window, bucket, total, table, _trend(trend, window, bucket), themes, languages,
                    volume_title=_volume_title(table), sentiment_title=_sentiment_title(table),
                    themes_title=_themes_title(themes), solicited_note=_solicited_note(kinds, total))


def _trend(frame: pd.DataFrame, window: Period, bucket: str) -> pd.DataFrame:
    """Feedback per day (buckets cut by the window are averaged over their covered days) and sentiment."""
    columns = ["bucket", "source", "feedback", "feedback_per_day", "avg_sentiment", "sentiment_n"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    starts = pd.to_datetime(frame.bucket)
    ends = starts + (pd.offsets.MonthBegin(1) if bucket == "month" else pd.Timedelta(days=7))
    last = pd.Timestamp(window.end) + pd.Timedelta(days=1)
    days = (ends.where(ends < last, last) - starts.where(starts > pd.Timestamp(window.start),
                                                         pd.Timestamp(window.start))).dt.days
    enough = frame.sentiment_n >= config.MIN_GROUP_SIZE
    return pd.DataFrame({
        "bucket": starts, "source": frame.source, "feedback": frame.n,
        "feedback_per_day": (frame.n / days).round(2),
        "avg_sentiment": (frame.sentiment_sum / frame.sentiment_n.where(enough)).round(3),
        "sentiment_n": frame.sentiment_n,
    })[columns]


def _volume_title(table: pd.DataFrame) -> str:
    if table.empty:
        return "No feedback in this period"
    biggest = table.iloc[0]
    lead = f"{biggest.source.capitalize()} is the largest source ({biggest.share_pct:.0f}% of feedback)"
    moved = table[table._significant]
    if moved.empty:
        return f"{lead}; no source's volume changed significantly on the previous period"
    top = moved.loc[moved._change_pct.abs().idxmax()]
    verb = "rose" if top._change_pct > 0 else "fell"
    return (f"{top.source.capitalize()} feedback {verb} {abs(top._change_pct):.0f}% on the previous period; "
            f"{lead[0].lower() + lead[1:]}")


def _sentiment_title(table: pd.DataFrame) -> str:
    rated = table[table.negative_pct.notna()].sort_values("negative_pct", ascending=False)
    if rated.empty:
        return "Too few sentiment scores to compare sources"
    first = rated.iloc[0]
    if len(rated) == 1:
        return f"{first.source.capitalize()}: {first.negative_pct:.0f}% of its scored feedback is negative"
    second = rated.iloc[1]
    change = compare(first._negative, second._negative)
    if change.significant:
        return (f"{first.source.capitalize()} is the most negative source: {first.negative_pct:.0f}% of its scored "
                f"feedback is negative vs {second.negative_pct:.0f}% for {second.source}")
    return (f"{first.source.capitalize()} has the most negative feedback ({first.negative_pct:.0f}% of scored "
            f"pieces), not clearly more than {second.source} ({second.negative_pct:.0f}%)")


def _themes_title(grid: pd.DataFrame) -> str:
    if grid.empty:
        return (f"No source has {config.MIN_GROUP_SIZE} or more pieces of feedback with text and themes in this "
                "period: theme shares per source need enriched text")
    leaders = grid.loc[grid.groupby("source").share_pct.idxmax()]
    counts = leaders.theme.value_counts()
    top = grid.loc[grid.share_pct.idxmax()]
    if len(leaders) == 1:
        return f"{top.theme} is the top theme in {top.source} feedback ({top.share_pct:.0f}% of texts)"
    lead = f"{counts.index[0]} leads in {counts.iloc[0]} of {len(leaders)} sources"
    return f"{lead}; highest: {top.theme} in {top.source} ({top.share_pct:.0f}% of texts)"


def _solicited_note(kinds: pd.DataFrame, total: int) -> str:
    if not total:
        return ""
    unsolicited = int(kinds.loc[~kinds.solicited, "n"].sum())
    names = sorted(kinds.loc[~kinds.solicited, "source"].unique())
    solicited = 100 * (total - unsolicited) / total
    return (f"Unsolicited feedback ({', '.join(names) or 'none'}) is {100 * unsolicited / total:.0f}% of the "
            f"{total:,} pieces in the period; solicited (surveys asked for) is {solicited:.0f}%. "
            f"Rates are left blank for sources with fewer than {config.MIN_GROUP_SIZE} scored pieces.")


def table_for_display(found: Overview) -> pd.DataFrame:
    """The per-source table without its internal columns."""
    return found.table[[c for c in found.table.columns if not c.startswith("_")]]
