"""The Voice explorer's charts, and two builders voc/charts.py does not have yet (Altair, no streamlit).

``lines``: one line per series over time, with an optional dated marker (the period's start).
``heatmap``: a category-by-category grid of percentages, each cell labelled.
Both get a title stating the finding (written by the caller) and axis titles with units.
"""
from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd

from voc import config


def _title(title: str, subtitle: str | None = None):
    return alt.TitleParams(title, subtitle=subtitle or [], anchor="start")


def lines(frame: pd.DataFrame, x: str, y: str, series: str, *, title: str, y_title: str,
          x_title: str = "Month", series_title: str | None = None, subtitle: str | None = None,
          marker: dt.date | None = None, marker_label: str = "", y_format: str = ".2f") -> alt.Chart:
    """Lines per ``series``; blank values (suppressed small groups) leave gaps."""
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:T", title=x_title),
        y=alt.Y(f"{y}:Q", title=y_title),
        color=alt.Color(f"{series}:N", title=series_title or series.replace("_", " ").capitalize(),
                        legend=alt.Legend(symbolSize=40, symbolType="stroke")),
        tooltip=[alt.Tooltip(f"{x}:T", title=x_title), alt.Tooltip(f"{series}:N"),
                 alt.Tooltip(f"{y}:Q", format=y_format, title=y_title)],
    )
    layers = [base.mark_line(point=True)]
    if marker is not None:
        mark = pd.DataFrame({"on_date": [pd.Timestamp(marker)], "label": [marker_label]})
        layers.append(alt.Chart(mark).mark_rule(strokeDash=[4, 3], color="#6d4c41").encode(x=alt.X("on_date:T")))
        layers.append(alt.Chart(mark).mark_text(align="left", dx=3, dy=-4, color="#6d4c41", fontSize=10)
                      .encode(x=alt.X("on_date:T"), y=alt.YValue(8), text=alt.Text("label:N")))
    return alt.layer(*layers).properties(title=_title(title, subtitle), height=280)


def heatmap(frame: pd.DataFrame, x: str, y: str, value: str, *, title: str, x_title: str, y_title: str,
            value_title: str, subtitle: str | None = None) -> alt.Chart:
    """Cells coloured by ``value`` (a percentage) and labelled with it; blank values stay grey."""
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x}:N", title=x_title, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y(f"{y}:N", title=y_title),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="oranges", domainMin=0)),
        tooltip=[alt.Tooltip(f"{x}:N"), alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{value}:Q", format=".1f")],
    )
    labels = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q", format=".0f"))
    return alt.layer(cells, labels).properties(title=_title(title, subtitle), height=alt.Step(26))


# ---- the Voice explorer's charts, built from voc.voice.Overview and voc.emerging.Emerging ----------

def volume_chart(found) -> alt.Chart:
    from voc.charts import stacked_share

    return stacked_share(found.trend, "bucket", "feedback_per_day", "source", title=found.volume_title,
                         y_title="Feedback per day", x_title=found.bucket.capitalize(),
                         subtitle=f"Stacked by source, {found.window.label()}")


def sentiment_chart(found) -> alt.Chart:
    return lines(found.trend, "bucket", "avg_sentiment", "source", title=found.sentiment_title,
                 y_title="Avg sentiment (−1 to +1)", x_title=found.bucket.capitalize(),
                 subtitle="Average sentiment per source, −1 negative to +1 positive; buckets with fewer than "
                          f"{config.MIN_GROUP_SIZE} scored pieces are left out",
                 marker=found.period.start, marker_label="period starts")


def themes_chart(found) -> alt.Chart:
    return heatmap(found.themes, "source", "theme", "share_pct", title=found.themes_title, x_title="Source",
                   y_title="Theme", value_title="% of texts",
                   subtitle="Share of each source's feedback with text that mentions the theme (top themes per source)")


def rise_chart(found) -> alt.Chart:
    from voc.charts import ranked_bars

    return ranked_bars(found.frame(), "theme", "rise_pts", title=found.verdict(),
                       x_title="Rise in share of texts (pts, 95% interval)", error_low="rise_low",
                       error_high="rise_high",
                       subtitle=f"Share of feedback with text mentioning the theme, {found.period.label()} "
                                f"against {found.baseline.label()}")


def rise_frame(found) -> pd.DataFrame:
    """The data behind ``rise_chart`` (for its download)."""
    return found.frame()


def emerging_trend_chart(found) -> alt.Chart:
    """``riser_trend_chart`` over the emerging themes' own trend."""
    return riser_trend_chart(found, found.trend)


def riser_trend_chart(found, frame: pd.DataFrame) -> alt.Chart:
    from voc.emerging import history

    top = found.risers[0]
    title = (f"{top.label} reached {top.change.current.value:.1f}% of feedback with text in the period, "
             f"from {top.change.previous.value:.1f}% in the baseline")
    return lines(frame, "bucket", "share_pct", "theme", title=title, y_title="Share of texts (%)",
                 x_title=history(found.period)[1].capitalize(), series_title="Theme", marker=found.period.start,
                 marker_label="period starts", y_format=".1f")
