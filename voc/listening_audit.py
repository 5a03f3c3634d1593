"""Listening audit: the health of the listening programme itself, for a period and a scope.

Definitions (each used once, here and in the query files named beside it):

- active customer on a date: signed up on or before it and not churned on or before it;
- coverage: share of active customers heard from (any feedback carrying their customer id) in
  the 90 days to the period end (coverage_by_segment_unit.sql);
- a source kind is *live* when it has feedback in those 90 days, *stale* when it has older data
  only, *missing* when it has none at all (source_health_by_source.sql);
- silent customer: not churned by the period end, revenue in the latest month with revenue data
  (up to the period end) at or above the 75th percentile of that month's paying customers, and no
  feedback from any source in the year to the period end (silent_customers_by_*.sql);
- respondent mix: NPS respondents in the period still active at its end
  (respondents_by_segment_unit.sql) by segment or unit against all active customers then; every
  share gap is tested with ``voc.stats.compare`` and the whole mix with a chi-square test.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass

import altair as alt
import pandas as pd

from voc import charts, config, csv_export, maturity, metrics, queries
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.stats import Estimate, compare

COVERAGE_DAYS = 90
# what the programme cannot see without each source kind
SOURCE_COSTS = {
    "survey": "there is no NPS, CSAT or effort score, so loyalty and satisfaction cannot be measured",
    "review": "what customers tell other buyers in app stores and marketplaces is invisible",
    "social": "unsolicited public complaints are invisible",
    "ticket": "problems customers report in writing to support are invisible",
    "chat": "what customers say in live chat while a problem is happening is invisible",
    "call": "the most urgent, spoken complaints are invisible",
    "email": "complaints and requests sent to support mailboxes are invisible",
}
FIT = alt.AutoSizeParams(type="fit-x", contains="padding")  # height = plot height, so titles never squash bars
MIX_COLORS = {"over-represented": "#1565c0", "under-represented": "#c62828", "no clear gap": "#9e9e9e",
              "too few to tell": "#e0e0e0"}


def md(text: str) -> str:
    """Text escaped for st.markdown (it may carry unit and segment names from the data)."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~$" else c for c in str(text))


def _cap(text) -> str:
    return str(text)[:1].upper() + str(text)[1:]


def chi_square_p(statistic: float, df: int) -> float:
    """Upper-tail probability of a chi-square statistic (closed forms for whole degrees of freedom)."""
    if statistic <= 0:
        return 1.0
    half = statistic / 2
    if df % 2 == 0:
        term = total = 1.0
        for i in range(1, df // 2):
            term *= half / i
            total += term
        return min(1.0, math.exp(-half) * total)
    term, total = 1.0, 0.0
    for i in range(1, (df - 1) // 2 + 1):
        total += term
        term *= statistic / (2 * i + 1)
    return min(1.0, math.erfc(math.sqrt(half)) + math.sqrt(2 * statistic / math.pi) * math.exp(-half) * total)


@dataclass(frozen=True)
class MixTest:
    statistic: float | None
    df: int
    p: float | None

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < config.ALPHA


@dataclass(frozen=True)
class Audit:
    period: Period
    today: dt.date
    sources: pd.DataFrame        # one row per source kind
    gaps: tuple[str, ...]        # what each missing or stale source costs
    coverage: Estimate           # any source, all active customers
    coverage_segment: pd.DataFrame
    coverage_unit: pd.DataFrame
    silent: pd.DataFrame         # unit_id, unit_name, segment, valuable, silent, silent_revenue, ...
    mix_segment: pd.DataFrame
    mix_unit: pd.DataFrame
    mix_test: MixTest
    response_rate: Estimate
    cases: dict
    initiatives: pd.DataFrame
    stories: str
    maturity: list[maturity.Dimension]

    silent_n = property(lambda self: int(self.silent.silent.sum()))
    silent_revenue = property(lambda self: round(float(self.silent.silent_revenue.sum()), 2))
    valuable_n = property(lambda self: int(self.silent.valuable.sum()))


def _source_table(health: pd.DataFrame, rows: pd.DataFrame, period: Period, today: dt.date,
                  scope: Scope) -> tuple[pd.DataFrame, tuple[str, ...]]:
    health = health.set_index("source").reindex(list(SOURCE_COSTS))
    last = pd.to_datetime(health.last_day)
    newest = last.max()
    active = rows.loc[rows.source == "any", "active"].sum()
    heard = rows[rows.source != "any"].groupby("source").heard.sum().reindex(health.index).fillna(0)
    out = pd.DataFrame({
        "source": health.index,
        "period_n": health.period_n.fillna(0).astype(int).values,
        "recent_n": health.recent_n.fillna(0).astype(int).values,
        "last_day": last.dt.date.values,
        "behind_newest_days": (newest - last).dt.days.values,
        "behind_today_days": (pd.Timestamp(today) - last).dt.days.values,
        "heard": heard.astype(int).values,
        "coverage_pct": (100.0 * heard / active).values if active else None,
    })
    out["status"] = [
        "filtered out" if scope.sources and s not in scope.sources else
        "missing" if pd.isna(d) else "stale" if n == 0 else "live"
        for s, d, n in zip(out.source, out.last_day, out.recent_n)]
    gaps = tuple(
        f"No {s} data: {SOURCE_COSTS[s]}." if st == "missing" else
        f"No {s} data in the {COVERAGE_DAYS} days to {period.end:%d %b %Y} (latest {d:%d %b %Y}): {SOURCE_COSTS[s]}."
        for s, st, d in zip(out.source, out.status, out.last_day) if st in ("missing", "stale"))
    return out, gaps


def coverage_by(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Active customers, customers heard from and coverage % per ``column`` (any source)."""
    any_source = rows[rows.source == "any"]
    out = any_source.groupby(column, as_index=False)[["active", "heard"]].sum()
    out["coverage_pct"] = 100.0 * out.heard / out.active
    out["enough"] = out.active >= config.MIN_GROUP_SIZE
    return out.sort_values("coverage_pct", ascending=False, ignore_index=True)


def respondent_mix(respondents: pd.DataFrame, rows: pd.DataFrame, column: str) -> tuple[pd.DataFrame, MixTest]:
    """Respondents' shares by ``column`` against the active base, each gap tested, and the chi-square."""
    resp = respondents.groupby(column).respondents.sum()
    base = rows[rows.source == "any"].groupby(column).active.sum()
    frame = pd.concat([resp, base], axis=1).fillna(0).astype(int).reset_index()
    r_total, b_total = int(frame.respondents.sum()), int(frame.active.sum())
    verdicts, p_values, gaps = [], [], []
    for r, b in zip(frame.respondents, frame.active):
        change = compare(metrics.share(r, r_total), metrics.share(b, b_total))
        gaps.append(change.delta)
        p_values.append(change.p)
        verdicts.append("too few to tell" if not change.testable else "no clear gap" if not change.significant
                        else "over-represented" if change.delta > 0 else "under-represented")
    frame["respondent_pct"] = 100.0 * frame.respondents / r_total if r_total else float("nan")
    frame["base_pct"] = 100.0 * frame.active / b_total if b_total else float("nan")
    frame["gap_pts"], frame["p"], frame["verdict"] = gaps, p_values, verdicts
    tested = frame[frame.active > 0]
    expected = tested.active / b_total * r_total if b_total else tested.active * 0
    if r_total < config.MIN_GROUP_SIZE or len(tested) < 2 or (expected < 5).any():
        return frame, MixTest(None, max(len(tested) - 1, 0), None)
    statistic = float(((tested.respondents - expected) ** 2 / expected).sum())
    return frame, MixTest(statistic, len(tested) - 1, chi_square_p(statistic, len(tested) - 1))


def _initiative_results(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["measured"] = (frame.before_n >= config.MIN_GROUP_SIZE) & (frame.after_n >= config.MIN_GROUP_SIZE)
    improved = []
    for row in frame.itertuples():  # one row per initiative: a handful
        change = compare(metrics.share(row.after_theme_n, row.after_n), metrics.share(row.before_theme_n, row.before_n))
        better = change.delta is not None and (change.delta > 0) == (row.polarity == "positive")
        improved.append(bool(row.measured and change.significant and better))
    frame["improved"] = improved
    return frame


def report(period: Period, today: dt.date, *, scope: Scope = ALL, database=None) -> Audit:
    """Every figure of the listening audit for ``period`` (freshness measured against ``today``)."""
    def run(name, **params):
        return queries.run(name, params, scope=scope, database=database)

    end = period.end
    rows = run("coverage_by_segment_unit", end=end, days=COVERAGE_DAYS)
    sources, gaps = _source_table(run("source_health_by_source", start=period.start, end=end, days=COVERAGE_DAYS),
                                  rows, period, today, scope)
    respondents = run("respondents_by_segment_unit", start=period.start, end=end)
    mix_segment, mix_test = respondent_mix(respondents, rows, "segment")
    mix_unit, _ = respondent_mix(respondents, rows, "unit_name")
    any_rows = rows[rows.source == "any"]
    active, heard = int(any_rows.active.sum()), int(any_rows.heard.sum())
    cases = run("cases_sla_for_period", start=period.start, end=end).iloc[0].astype(int).to_dict()
    initiatives = _initiative_results(run("initiatives_by_initiative", end=end, days=COVERAGE_DAYS))
    story = run("story_versions_status").iloc[0]
    stories = (f"{int(story.story_versions):,} story versions published in the studio "
               f"({int(story.studio_stories):,} stories); {int(story.story_readers):,} people opened a story "
               f"({int(story.story_reads):,} reads recorded)."
               if story.has_story_versions else
               "Story publishing is not set up yet: insight reaches people only through these pages.")
    answered = int(respondents.respondents.sum())  # min(): a customer whose segment changed may count twice
    audit = Audit(period, today, sources, gaps, metrics.share(min(heard, active), active),
                  coverage_by(rows, "segment"), coverage_by(rows, "unit_name"),
                  run("silent_customers_by_segment_unit", end=end), mix_segment, mix_unit, mix_test,
                  metrics.share(min(answered, active), active), cases, initiatives, stories, [])
    return dataclasses.replace(audit, maturity=maturity.score(maturity.measures_of(audit)))


SOURCE_COLUMNS = {"source": "Source", "status": "Status", "period_n": "Feedback in period",
                  "last_day": "Latest record", "behind_newest_days": "Days behind newest source",
                  "behind_today_days": "Days behind today",
                  "coverage_pct": f"Customers heard from, {COVERAGE_DAYS} days (%)"}


def source_table(audit: Audit) -> pd.DataFrame:
    """The source health table with readable column names."""
    return audit.sources[list(SOURCE_COLUMNS)].rename(columns=SOURCE_COLUMNS).round(1)


def silent_sentence(audit: Audit) -> str:
    end = f"{audit.period.end:%d %b %Y}"
    if audit.silent.empty:
        return (f"No revenue recorded for customers in the 12 months to {end}: valuable customers cannot "
                "be told apart, so silent ones cannot be found.")
    first = audit.silent.iloc[0]
    valuable = (f"valuable customers (revenue {first.top_quartile_from:,.0f} or more in "
                f"{pd.Timestamp(first.revenue_month):%B %Y}, the top quartile of {int(first.paying):,} "
                "paying customers)")
    if not audit.silent_n:
        return f"All {audit.valuable_n:,} {valuable} gave feedback in the 12 months to {end}."
    return (f"**{audit.silent_n:,} of {audit.valuable_n:,}** {valuable} gave no feedback through any source in the "
            f"12 months to {end}; together they pay **{audit.silent_revenue:,.0f} a month**.")


def silent_customer_list(period: Period, *, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """The silent valuable customers, for download: id, unit, segment, monthly revenue (no contact details)."""
    frame = queries.run("silent_customers_by_customer", {"end": period.end}, scope=scope, database=database)
    return frame.rename(columns={"unit_name": "unit"})[["customer_id", "unit", "segment", "monthly_revenue"]]


def silent_customer_csv(period: Period, *, scope: Scope = ALL, database=None) -> bytes:
    return csv_export.frame_csv(silent_customer_list(period, scope=scope, database=database))


# ---- what the page draws: charts with titles that state their finding -------------------------

def coverage_chart(audit: Audit, by: str) -> tuple[alt.Chart | None, pd.DataFrame, str | None]:
    """Coverage by ``'segment'`` or ``'unit_name'``; groups under MIN_GROUP_SIZE customers are not drawn."""
    frame = audit.coverage_segment if by == "segment" else audit.coverage_unit
    label = "segment" if by == "segment" else "unit"
    shown = frame[frame.enough].rename(columns={by: label})
    hidden = frame[~frame.enough]
    note = (f"Not drawn, fewer than {config.MIN_GROUP_SIZE} active customers: "
            + ", ".join(f"{n} ({a})" for n, a in zip(hidden[by], hidden.active))) if len(hidden) else None
    if shown.empty:
        return None, frame, note
    low, high = shown.iloc[-1], shown.iloc[0]
    gap = compare(metrics.share(high.heard, high.active), metrics.share(low.heard, low.active))
    title = (f"{_cap(high[label])} hears from {high.coverage_pct:.0f}% of its active customers" if len(shown) == 1 else
             f"Coverage is lowest in {low[label]} ({low.coverage_pct:.0f}%) and highest in "
             f"{high[label]} ({high.coverage_pct:.0f}%)" if gap.significant else
             f"Coverage is alike in every {label} shown ({low.coverage_pct:.0f}–{high.coverage_pct:.0f}%): "
             "the gaps are within chance")
    spec = charts.ranked_bars(shown[[label, "coverage_pct", "active", "heard"]], label, "coverage_pct", title=title,
                              x_title=f"Active customers heard from in {COVERAGE_DAYS} days (%)")
    return spec.properties(autosize=FIT), frame, note


def silent_chart(audit: Audit, by: str) -> tuple[alt.Chart | None, pd.DataFrame]:
    """Silent customers' monthly revenue by ``'segment'`` or ``'unit_name'``."""
    label = "segment" if by == "segment" else "unit"
    frame = (audit.silent.groupby(by, as_index=False)[["silent", "silent_revenue", "valuable"]].sum()
             .round({"silent_revenue": 2})  # cents: float sums over rows in no fixed order differ in the last digit
             .rename(columns={by: label}).sort_values("silent_revenue", ascending=False, ignore_index=True))
    if not audit.silent_n:
        return None, frame
    top = frame.iloc[0]
    share = "all" if len(frame[frame.silent > 0]) == 1 else f"{100 * top.silent_revenue / audit.silent_revenue:.0f}%"
    title = (f"{_cap(top[label])} holds {share} of silent revenue: "
             f"{top.silent_revenue:,.0f} a month from {int(top.silent)} customer{'s' if top.silent != 1 else ''}")
    return charts.ranked_bars(frame, label, "silent_revenue", title=title,
                              x_title="Monthly revenue of silent valuable customers").properties(autosize=FIT), frame


def mix_chart(audit: Audit, by: str) -> tuple[alt.Chart | None, pd.DataFrame]:
    """Respondent share minus customer share, in points, coloured by its test."""
    label = "segment" if by == "segment" else "unit"
    frame = (audit.mix_segment if by == "segment" else audit.mix_unit).rename(columns={by: label})
    if not frame.respondents.sum():
        return None, frame
    ratio = frame.respondent_pct / frame.base_pct
    under, over = frame.verdict == "under-represented", frame.verdict == "over-represented"
    if under.any() or over.any():
        worst = frame.loc[ratio[under].idxmin() if under.any() else ratio[over].idxmax()]
        title = (f"{_cap(worst[label])} customers are {worst.verdict}: {worst.respondent_pct:.0f}% of "
                 f"respondents but {worst.base_pct:.0f}% of active customers")
    else:
        title = f"No {label} is clearly over- or under-represented among respondents"
    spec = alt.Chart(frame).mark_bar().encode(
        x=alt.X("gap_pts:Q", title="Share of respondents minus share of active customers (points)"),
        y=alt.Y(f"{label}:N", sort="x", title=""),
        color=alt.Color("verdict:N", title="Test at 95%",
                        scale=alt.Scale(domain=list(MIX_COLORS), range=list(MIX_COLORS.values()))),
        tooltip=charts.tooltips(frame, [label, "respondents", "active"])
        + [alt.Tooltip(field="respondent_pct", type="quantitative", format=".1f"),
           alt.Tooltip(field="base_pct", type="quantitative", format=".1f"),
           alt.Tooltip(field="gap_pts", type="quantitative", format="+.1f"),
           alt.Tooltip(field="verdict", type="nominal")],
    ).properties(title=alt.TitleParams(title, anchor="start"), height=28 * len(frame) + 20, autosize=FIT)
    return spec, frame


def mix_sentence(audit: Audit) -> str:
    test = audit.mix_test
    if test.p is None:
        return ("Too few respondents (or too few customers per segment) to test whether respondents look like "
                "the customer base.")
    verdict = "differs from" if test.significant else "cannot be told apart from"
    return (f"The respondents' segment mix {verdict} the active customer base "
            f"(chi-square {test.statistic:.1f}, {test.df} degrees of freedom, "
            f"{'p < 0.001' if test.p < 0.001 else f'p = {test.p:.3f}'}).")


def imports(*, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Freshness of loaded data per source: last import, who ran it, rows, latest record."""
    return queries.run("imports_by_source", scope=scope, database=database)
