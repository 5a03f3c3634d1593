"""The systemic loop, "you said, we did": initiatives measured before and after, and who to tell.

An initiative (table ``initiatives``, further units in ``initiative_units``) links a theme and
one or more org units to an action with dates. Its first unit is its main one: readers whose scope
holds that unit see it (the scope gate filters ``initiatives`` by it), measured over all its units
that they may see. For each one, over ``days`` before its start and
``days`` from its start (cut at the data's last day), inside its units and elsewhere:

* **theme share**: share of feedback that mentions its theme;
* **score**: NPS;
* **churn**: customers active at the window's start who left within it.

Each after-against-before change is tested with ``voc.stats.compare``; the page narrates only
significant ones and reports "elsewhere" beside it, so that a company-wide movement is not taken
for the initiative's effect. ``customers`` lists who raised the theme before the fix;
``notify_customers`` queues a "you said, we did" message to each one still a customer (outbox,
one per initiative and customer, audited).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import altair as alt
import pandas as pd

from voc import audit_log, charts, config, filters, metrics, narrate, queries
from voc import db as dbmod
from voc.loop import outbox
from voc.scope import ALL, Scope
from voc.stats import Change, compare

DAYS = 90
MEASURES = {"theme_share": ("Share of feedback on the theme", "%", False),
            "nps": ("NPS", "pts", True), "churn": ("Churn in the window", "%", False)}
EDIT_ROLES = ("manager", "analyst", "admin")


def initiatives(*, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Every initiative in scope, newest first, with a one-line description of where and when."""
    frame = queries.run("initiative_list_by_initiative", scope=scope, database=database)
    dates = lambda column: frame[column].map(lambda v: None if pd.isna(v) else pd.Timestamp(v).date())  # noqa: E731
    frame["started_at"], frame["ended_at"] = dates("started_at"), dates("ended_at")
    frame["where_when"] = [f"{theme} · {', '.join(units)} · from {start}" + (f" to {end}" if end else "")
                           + f" · owner {owner}" for theme, units, start, end, owner in
                           zip(frame.theme, frame.units, frame.started_at, frame.ended_at, frame.owner)]
    return frame


def _estimates(r) -> dict:
    return {"theme_share": metrics.share(int(r.theme_n), int(r.feedback_n)),
            "nps": metrics.nps(int(r.promoters), int(r.detractors), int(r.nps_n)),
            "churn": metrics.churn_rate(int(r.churned), int(r.active_at_start))}


@dataclass(frozen=True)
class Outcome:
    """One initiative's before/after measures: ``changes[area][measure]`` (area inside/elsewhere)."""

    initiative_id: str
    before: tuple[dt.date, dt.date]
    after: tuple[dt.date, dt.date]
    changes: dict

    def table(self) -> pd.DataFrame:
        rows = []
        for area, changes in self.changes.items():
            for key, change in changes.items():
                label, unit, _ = MEASURES[key]
                rnd = lambda v: None if v is None else round(v, 1)  # noqa: E731
                rows.append({"area": area, "measure": label, "before": rnd(change.previous.value),
                             "after": rnd(change.current.value), "change": rnd(change.delta),
                             "p": narrate.p_text(change.p),
                             "n_before": change.previous.n, "n_after": change.current.n,
                             "verdict": verdict(key, change)})
        return pd.DataFrame(rows)


def verdict(key: str, change: Change) -> str:
    label, unit, higher_is_better = MEASURES[key]
    if not change.testable:
        if change.current.enough and change.previous.enough:
            return "no change (nothing to test: the same value on both sides)"
        return f"cannot tell yet (fewer than {config.MIN_GROUP_SIZE} on a side)"
    if not change.significant:
        return "no significant change"
    better = (change.delta > 0) == higher_is_better
    return f"{'better' if better else 'worse'}: {'up' if change.delta > 0 else 'down'} {abs(change.delta):.1f} points"


def outcomes(end: dt.date, days: int = DAYS, *, scope: Scope = ALL, database=None) -> dict[str, Outcome]:
    """Before/after changes of every initiative started by ``end``."""
    frame = queries.run("initiative_measures_by_side", {"end": end, "days": days}, scope=scope, database=database)
    found = {}
    for initiative_id, part in frame.groupby("initiative_id"):
        rows = {(r.side, r.area): r for r in part.itertuples()}
        changes = {}
        for area in ("inside", "elsewhere"):
            before, after = _estimates(rows[("before", area)]), _estimates(rows[("after", area)])
            changes[area] = {k: compare(after[k], before[k]) for k in MEASURES}
        b, a = rows[("before", "inside")], rows[("after", "inside")]
        day = lambda value: pd.Timestamp(value).date()  # noqa: E731
        found[initiative_id] = Outcome(initiative_id, (day(b.from_day), day(b.to_day)),
                                       (day(a.from_day), day(a.to_day)), changes)
    return found


def headline(title: str, theme: str, outcome: Outcome) -> str:
    """What happened to the theme after the initiative, told only as far as the test allows."""
    share = outcome.changes["inside"]["theme_share"]
    elsewhere = outcome.changes["elsewhere"]["theme_share"]
    if not share.testable:
        return f"{title}: too little feedback yet to tell whether mentions of {theme} changed"
    if not share.significant:
        return (f"{title}: mentions of {theme} show no significant change "
                f"({share.previous.value:.1f}% before, {share.current.value:.1f}% after)")
    moved = "fell" if share.delta < 0 else "rose"
    text = (f"{title}: mentions of {theme} {moved} from {share.previous.value:.1f}% to "
            f"{share.current.value:.1f}% of feedback")
    if elsewhere.testable and not elsewhere.significant:
        text += " while elsewhere they did not change"
    elif elsewhere.significant:
        text += f" (elsewhere they {'fell' if elsewhere.delta < 0 else 'rose'} too: {elsewhere.delta:+.1f} points)"
    return text


def share_frame(outcome: Outcome) -> pd.DataFrame:
    """Theme share before and after, inside the initiative's units and elsewhere, with 95% margins."""
    rows = []
    for area, changes in outcome.changes.items():
        change = changes["theme_share"]
        for window, e in (("before", change.previous), ("after", change.current)):
            shown = e.enough
            rows.append({"area": "its units" if area == "inside" else "elsewhere", "window": window,
                         "share_pct": e.value if shown else None, "low": e.value - e.moe if shown else None,
                         "high": e.value + e.moe if shown else None, "feedback": e.n})
    return pd.DataFrame(rows)


def share_chart(frame: pd.DataFrame, title: str, theme: str) -> alt.Chart:
    """The theme's share before and after, in the initiative's units and elsewhere, with 95% margins."""
    drawn = frame.dropna(subset=["share_pct"])
    base = alt.Chart(drawn).encode(
        x=alt.X("area:N", sort=["its units", "elsewhere"], title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("window:N", sort=["before", "after"]))
    bars = base.mark_bar().encode(
        y=alt.Y("share_pct:Q", title=f"Feedback mentioning {theme} (%)"),
        color=alt.Color("window:N", title="Window", sort=["before", "after"],
                        scale=alt.Scale(domain=["before", "after"],
                                        range=[charts.PALETTE["flat"], charts.PALETTE["line"]])),
        tooltip=charts.tooltips(drawn, ["area", "window"])
        + [alt.Tooltip(field="share_pct", type="quantitative", format=".1f", title="share (%)")]
        + charts.tooltips(drawn, ["feedback"]))
    margins = base.mark_rule(color="black").encode(y="low:Q", y2="high:Q")
    return alt.layer(bars, margins).properties(
        title=alt.TitleParams(title, subtitle=["Lines: 95% margin of error; windows with fewer than 30 answers "
                                               "are not drawn"], anchor="start"),
        height=260, autosize=charts.FIT)


def customers(initiative_id: str, days: int = DAYS, *, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Customers who raised the initiative's theme in its units in ``days`` before it started."""
    return queries.run("initiative_customers_by_customer", {"initiative_id": initiative_id, "days": days},
                       scope=scope, database=database)


def _require(database, user, action: str, target: str | None) -> None:
    if getattr(user, "role", None) not in EDIT_ROLES:
        audit_log.record(database, user, action, target, {"reason": "role"}, "refused")
        raise PermissionError("only managers, analysts and admins record initiatives")


def create(database: dbmod.Database, user, title: str, theme_id: str, units: list[str], started_at: dt.date,
           ended_at: dt.date | None = None, description: str = "", owner: str = "") -> str:
    """Record an initiative (its first unit is the main one) with an annotation; return its id."""
    database = database or dbmod.get()
    _require(database, user, "initiative_created", None)
    title, units = (title or "").strip()[:200], list(dict.fromkeys(u for u in units or [] if u))
    if not title or not units:
        raise ValueError("give the initiative a title and at least one org unit")
    if ended_at is not None and ended_at < started_at:
        raise ValueError("an initiative cannot end before it starts")
    allowed = ({u.unit_id for u in filters.options(user, database=database).units}
               if user.units is not None else None)
    if allowed is not None and not set(units) <= allowed:
        raise PermissionError("you may record initiatives only for org units you may see")
    initiative_id = "INI-" + uuid.uuid4().hex[:6].upper()
    with database.write() as cur:
        if not cur.execute("select count(*) from themes where theme_id = ?", [theme_id]).fetchone()[0]:
            raise ValueError(f"there is no theme {theme_id!r}")
        known = {r[0] for r in cur.execute("select unit_id from org_units").fetchall()}
        if not set(units) <= known:
            raise ValueError(f"unknown org units: {', '.join(sorted(set(units) - known))}")
        cur.execute("insert into initiatives values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [initiative_id, title, theme_id, units[0], started_at, ended_at,
                     (description or "").strip()[:2000] or None, (owner or "").strip()[:200] or user.username])
        for unit in units[1:]:
            cur.execute("insert into initiative_units values (?, ?)", [initiative_id, unit])
        for i, unit in enumerate(units):
            cur.execute("insert into annotations values (?, ?, ?, 'initiative', ?)",
                        [f"ANN-{initiative_id}-{i}", unit, started_at, title[:120]])
        audit_log.record(cur, user, "initiative_created", initiative_id,
                         {"title": title, "theme_id": theme_id, "units": units, "started_at": str(started_at)})
    return initiative_id


def notify_customers(database: dbmod.Database, user, initiative_id: str, days: int = DAYS) -> int:
    """Queue a "you said, we did" message to every customer who raised the theme and is still one."""
    database = database or dbmod.get()
    _require(database, user, "initiative_customers_notified", initiative_id)
    listing = initiatives(scope=user.scope.rights(), database=database)
    match = listing[listing.initiative_id == initiative_id]
    if match.empty:
        raise LookupError(f"there is no initiative {initiative_id!r} that you may see")
    info = match.iloc[0]
    people = customers(initiative_id, days, scope=user.scope.rights(), database=database)
    people = people[people.still_customer]
    subject = f"You said, we did: {info.title}"
    body = (f"You told us about {str(info.theme).lower()}. Here is what we did: {info.title}"
            + (f" — {info.description}" if isinstance(info.description, str) else "") + ". Thank you for telling us.")
    queued = 0
    with database.write() as cur:
        emails = dict(cur.execute("select customer_id, email from customers where customer_id in "
                                  "(select unnest(?::varchar[]))", [list(people.customer_id)]).fetchall())
        for customer_id in people.customer_id:
            queued += outbox.enqueue(cur, "customer_update", f"initiative:{initiative_id}:{customer_id}",
                                     customer_id, emails.get(customer_id), subject, body)
        audit_log.record(cur, user, "initiative_customers_notified", initiative_id,
                         {"queued": queued, "customers": len(people), "days": days})
    return queued


def theme_options(*, database=None) -> dict[str, str]:
    """Theme id -> label, for choosing the theme an initiative answers."""
    frame = queries.run("initiative_themes_by_theme", database=database)
    return dict(zip(frame.theme_id, frame.label))


def unit_options(user, *, database=None) -> list:
    """The org units ``user`` may record an initiative for."""
    return filters.options(user, database=database).units
