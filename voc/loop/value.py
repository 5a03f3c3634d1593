"""What following up is worth: detractors contacted within the SLA against late or never contacted.

For detractor cases (the feedback that opened them scored NPS 0-6) opened in a window that ends
``FOLLOW_DAYS`` before the data's last day (so that every case has been watched that long):

* **churn**: share of cases whose customer left within ``FOLLOW_DAYS`` of the case opening;
* **later score**: NPS of the customer's next answer within 180 days (those who answered);
* **revenue**: the customer's revenue per month in the two calendar months after the case month
  (0 once gone).

Each is compared between *contacted in time* (first contact by the due time) and *late or never*,
overall, by unit and by agent, with ``voc.stats.compare``: a difference is stated only when
significant with enough cases on both sides. Also: the distribution of time to first contact and
SLA compliance (first contact by the due time) by month. The comparison is observational: it shows
an association, and the page says so.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import altair as alt
import pandas as pd

from voc import charts, config, metrics, narrate, queries
from voc.periods import Period
from voc.scope import ALL, Scope
from voc.stats import Change, compare

FOLLOW_DAYS = 90
WINDOW_DAYS = 730
GROUPS = {"in_time": "Within the SLA", "late": "Late", "never": "Never contacted"}


def window(as_of: dt.date) -> Period:
    """Cases opened in the two years that end ``FOLLOW_DAYS`` before ``as_of``."""
    end = as_of - dt.timedelta(days=FOLLOW_DAYS)
    return Period(end - dt.timedelta(days=WINDOW_DAYS - 1), end)


COUNTS = ["cases", "churned", "later_nps_n", "later_promoters", "later_detractors", "revenue_sum", "revenue_sq_sum"]


def _estimates_of(s) -> dict:
    """Churn, later NPS and revenue estimates for summed counts (a mapping or row with ``COUNTS``)."""
    return {"cases": int(s["cases"]), "churn": metrics.churn_rate(int(s["churned"]), int(s["cases"])),
            "later_nps": metrics.nps(int(s["later_promoters"]), int(s["later_detractors"]), int(s["later_nps_n"])),
            "revenue": metrics.mean(float(s["revenue_sum"]), float(s["revenue_sq_sum"]), int(s["cases"]))}


def _estimates(rows: pd.DataFrame) -> dict:
    """Churn, later NPS and revenue estimates for the summed counts of ``rows``."""
    return _estimates_of(rows[COUNTS].sum())


def _compare(rows: pd.DataFrame) -> dict[str, Change]:
    """In time (current) against late or never (previous) for each measure."""
    in_time = rows.contact_group == "in_time"
    on_time, other = _estimates(rows[in_time]), _estimates(rows[~in_time])
    return {k: compare(on_time[k], other[k]) for k in ("churn", "later_nps", "revenue")}


@dataclass(frozen=True)
class Value:
    window: Period
    raw: pd.DataFrame          # counts by unit, owner and contact group
    groups: pd.DataFrame       # one row per contact group with its estimates
    effect: dict               # measure -> Change (in time against late or never)
    by_unit: pd.DataFrame
    by_agent: pd.DataFrame

    @property
    def cases(self) -> int:
        return int(self.raw.cases.sum()) if len(self.raw) else 0


def _table(raw: pd.DataFrame, key: str, label: str) -> pd.DataFrame:
    """Churn contacted in time against late or never, per ``key`` (one group-by, then plain sums)."""
    sums: dict = {}
    grouped = raw.assign(in_time=raw.contact_group == "in_time").groupby([key, "in_time"], sort=True)[COUNTS].sum()
    for record in grouped.reset_index().to_dict("records"):
        sums.setdefault(record[key], {})[bool(record["in_time"])] = record
    none = dict.fromkeys(COUNTS, 0)
    out = []
    for name, sides in sums.items():
        on_side, other_side = sides.get(True, none), sides.get(False, none)
        change = compare(metrics.churn_rate(int(on_side["churned"]), int(on_side["cases"])),
                         metrics.churn_rate(int(other_side["churned"]), int(other_side["cases"])))
        on_time, other = change.current, change.previous
        cases = int(on_side["cases"]) + int(other_side["cases"])
        out.append({label: name, "cases": cases, "in_time_share": 100 * int(on_side["cases"]) / max(cases, 1),
            "churn_in_time": on_time.value if on_time.enough else None, "n_in_time": on_time.n,
            "churn_late_or_never": other.value if other.enough else None, "n_late_or_never": other.n,
            "difference": change.delta if change.testable else None,
            "verdict": _verdict(change)})
    return pd.DataFrame(out).sort_values("cases", ascending=False, ignore_index=True) if out else pd.DataFrame()


def _verdict(change: Change) -> str:
    if not change.testable:
        return f"too few cases (under {config.MIN_GROUP_SIZE} on a side)"
    if not change.significant:
        return "no significant difference"
    return "churn lower when contacted in time" if change.delta < 0 else "churn higher when contacted in time"


def _counts(as_of: dt.date, scope: Scope, database) -> tuple[Period, pd.DataFrame]:
    period = window(as_of)
    return period, queries.run("case_outcomes_by_group", {**period.params(), "days": FOLLOW_DAYS}, scope=scope,
                               database=database)


def build(as_of: dt.date, *, scope: Scope = ALL, database=None) -> Value:
    period, raw = _counts(as_of, scope, database)
    rows = []
    for key, label in GROUPS.items():
        e = _estimates(raw[raw.contact_group == key])
        rows.append({"contact_group": label, "cases": e["cases"], "churn_pct": e["churn"].value,
                     "churn_low": _low(e["churn"]), "churn_high": _high(e["churn"]),
                     "later_nps": e["later_nps"].value, "later_nps_n": e["later_nps"].n,
                     "revenue_per_month": e["revenue"].value, "enough": e["churn"].enough})
    groups = pd.DataFrame(rows)
    return Value(period, raw, groups, _compare(raw) if len(raw) else {}, _table(raw, "unit_id", "unit"),
                 _table(raw, "owner", "agent"))


def _low(e):
    return None if e.value is None else e.value - e.moe


def _high(e):
    return None if e.value is None else e.value + e.moe


def headline(v: Value) -> str:
    """One sentence on churn, contacted in time against late or never (the executive summary's)."""
    return _headline(v.effect.get("churn"), v.window)


def _headline(change: Change | None, window: Period) -> str:
    where = f"detractor follow-ups opened {window.label()}"
    if change is None or not change.testable:
        return (f"The data cannot tell yet whether contacting detractors in time reduces churn: too few {where} "
                f"on one side (at least {config.MIN_GROUP_SIZE} each are needed).")
    on_time, other = change.current, change.previous
    if not change.significant:
        return (f"Detractors contacted within the SLA churned {on_time.value:.1f}% within {FOLLOW_DAYS} days, "
                f"against {other.value:.1f}% when contacted late or never: no significant difference "
                f"({narrate.p_text(change.p)}; {where}).")
    relative = (1 - on_time.value / other.value) * 100 if other.value else 0.0
    word = "less" if change.delta < 0 else "more"
    return (f"Detractors contacted within the SLA churned {on_time.value:.1f}% within {FOLLOW_DAYS} days against "
            f"{other.value:.1f}% when contacted late or never: {abs(change.delta):.1f} points ({abs(relative):.0f}%) "
            f"{word} (n = {on_time.n:,} and {other.n:,}, {narrate.p_text(change.p)}; {where}).")


def sentence(period: Period, *, scope: Scope = ALL, database=None) -> narrate.Sentence:
    """The executive summary's and the stories' sentence on what follow-up is worth, with its provenance."""
    follow_window, raw = _counts(period.end, scope, database)  # the churn effect alone: no tables per unit or agent
    change = _compare(raw)["churn"] if len(raw) else None
    params = {**{k: x.isoformat() for k, x in follow_window.params().items()}, "days": str(FOLLOW_DAYS)}
    source = narrate.Provenance("case_outcomes_by_group", params, what="churn within 90 days of a detractor "
                                "follow-up: contacted within the SLA (current) against late or never (previous)")
    if change is not None:
        source = source.of(change)
    return narrate.Sentence(_headline(change, follow_window), "worth", bool(change is not None and change.significant),
                            (source,))


def churn_chart(v: Value) -> alt.Chart:
    drawn = v.groups[v.groups.enough].round({"churn_pct": 2, "churn_low": 2, "churn_high": 2})
    title = headline(v).split(":")[0] if v.effect.get("churn") and v.effect["churn"].significant else \
        "Churn after a detractor follow-up, by how fast the customer was contacted"
    return charts.ranked_bars(drawn.drop(columns=["enough"]), "contact_group", "churn_pct", title=title,
                              y_title="First contact",
                              x_title=f"Customers who left within {FOLLOW_DAYS} days (%), bars: 95% margin",
                              error_low="churn_low", error_high="churn_high",
                              subtitle=f"Detractor cases opened {v.window.label()}; observational, not an experiment")


def contact_hours(period: Period, *, scope: Scope = ALL, database=None) -> pd.DataFrame:
    return queries.run("case_contact_hours_by_bucket", period.params(), scope=scope, database=database)


def contact_hours_chart(frame: pd.DataFrame) -> alt.Chart:
    total = int(frame.cases.sum())
    within_day = int(frame[frame.bucket_order <= 4].cases.sum())
    title = (f"{100 * within_day / total:.0f}% of cases reached the customer within 24 hours" if total
             else "No follow-up case was opened in this period")
    return alt.Chart(frame).mark_bar(color=charts.PALETTE["line"]).encode(
        x=alt.X("bucket:N", sort=list(frame.bucket), title="Time from opening to first contact"),
        y=alt.Y("cases:Q", title="Cases"), tooltip=charts.tooltips(frame, ["bucket", "cases"]),
    ).properties(title=alt.TitleParams(title, subtitle=[f"{total:,} cases opened in the period"], anchor="start"),
                 height=260)


def sla_by_month(as_of: dt.datetime, months: int = 12, *, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Share of due cases whose customer was reached by the due time, per month of opening, with its band."""
    end = as_of.date()
    start = (pd.Timestamp(end) - pd.DateOffset(months=months - 1)).replace(day=1).date()
    raw = queries.run("case_sla_by_month", {"start": start, "end": end, "as_of": as_of}, scope=scope,
                      database=database)
    rows = []
    for r in raw.itertuples():
        e = metrics.share(int(r.in_time), int(r.due))
        shown = e.enough
        rows.append({"month": pd.Timestamp(r.month), "in_time_pct": e.value if shown else None,
                     "low": e.value - e.moe if shown else None, "high": e.value + e.moe if shown else None,
                     "due": int(r.due), "in_time": int(r.in_time), "late": int(r.late),
                     "not_contacted": int(r.not_contacted)})
    return pd.DataFrame(rows, columns=["month", "in_time_pct", "low", "high", "due", "in_time", "late",
                                       "not_contacted"])


def sla_chart(frame: pd.DataFrame) -> alt.Chart:
    shown = frame.dropna(subset=["in_time_pct"])
    title = "SLA compliance by month"
    if len(shown) >= 2:
        first, last = shown.iloc[0], shown.iloc[-1]
        change = compare(metrics.share(int(last.in_time), int(last.due)),
                         metrics.share(int(first.in_time), int(first.due)))
        move = (f"rose from {first.in_time_pct:.0f}% to {last.in_time_pct:.0f}%" if change.direction == "up" else
                f"fell from {first.in_time_pct:.0f}% to {last.in_time_pct:.0f}%" if change.direction == "down" else
                f"shows no significant change ({last.in_time_pct:.0f}% in the latest month)")
        title = f"Customers reached within the SLA {move} ({first.month:%b %Y} to {last.month:%b %Y})"
    return charts.trend_with_band(frame, "month", "in_time_pct", "low", "high", title=title,
                                  y_title="Reached by the due time (% of due cases)", x_title="Month opened",
                                  subtitle="Shaded: 95% band; months with fewer than 30 due cases are left blank")


EFFECT_LABELS = {"churn": (f"Churn within {FOLLOW_DAYS} days (%)", False),
                 "later_nps": ("NPS of the next answer within 180 days", True),
                 "revenue": ("Revenue per month, two months after", True)}


def effect_table(v: Value) -> pd.DataFrame:
    """Each measure, contacted in time against late or never, with its test and verdict."""
    rows = []
    for key, (label, higher_is_better) in EFFECT_LABELS.items():
        change = v.effect.get(key)
        if change is None:
            continue
        if not change.testable:
            verdict = f"cannot tell (fewer than {config.MIN_GROUP_SIZE} on a side)"
        elif not change.significant:
            verdict = "no significant difference"
        else:
            verdict = "better when contacted in time" if (change.delta > 0) == higher_is_better else \
                "worse when contacted in time"
        rnd = lambda v: None if v is None else round(v, 2)  # noqa: E731
        rows.append({"measure": label, "contacted_in_time": rnd(change.current.value), "n_in_time": change.current.n,
                     "late_or_never": rnd(change.previous.value), "n_late_or_never": change.previous.n,
                     "difference": rnd(change.delta), "p": narrate.p_text(change.p), "verdict": verdict})
    return pd.DataFrame(rows)
