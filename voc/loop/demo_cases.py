"""The demo company's follow-up history: cases, their contacts and outcomes, with a planted effect.

``generate(con, seed, end)`` runs on a freshly simulated demo warehouse (``voc.demo.build`` calls
it before the rollups are rebuilt; it changes no fact table). It registers agents and managers
for every region, working-hours calendars, opens a case for every piece of feedback the default
case rules match (``voc.loop.rules``: same query, same round robin, same SLA arithmetic) and
plays each case out: contacted within the SLA, contacted late, or never contacted.

**The planted effect.** Each case's contact group is drawn so that, among detractor follow-ups,
the share of customers who leave within 90 days is ``RELATIVE_CHURN`` times that of never-contacted
ones (0.5 in time, 0.8 late). The group is drawn *given* the customer's actual churn (Bayes'
rule with the case's prior group shares), so the simulated customers and their churn stay exactly
as the demo generated them: the effect lives in which customers were reached in time, as an
association that an observational analysis (``voc.loop.value``) should recover. SLA compliance
rises over the two years (except in canada, the control region, where it stays flat) and differs
between agents. Cases in the last days of data are still open.
"""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from voc import queries
from voc.loop import owners, rules, sla

FOLLOW_DAYS = 90
RELATIVE_CHURN = {"in_time": 0.5, "late": 0.8, "never": 1.0}
LATE_SHARE_OF_MISSED = 0.55          # of the cases not reached in time, how many are reached late
IN_TIME_FIRST, IN_TIME_LAST = 0.45, 0.72   # share reached in time, first and last month (canada: flat)
CANADA_IN_TIME = 0.58
AGENT_ODDS = (0.7, 1.0, 1.45)        # agents differ in how often they make it in time
OPEN_DAYS = 3                        # cases opened this close to the end of data are still being worked
BACKLOG_DAYS = 14                    # never-contacted cases this recent stay open (overdue)

REGION_STAFF = {
    "us_east": ("America/New_York", ["ue-jordan", "ue-priya", "ue-marcus"], "mgr-us-east"),
    "us_west": ("America/Los_Angeles", ["uw-sofia", "uw-diego", "uw-hannah"], "demo-region-manager"),
    "canada": ("America/Toronto", ["ca-chloe", "ca-liam", "ca-amelie"], "mgr-canada"),
    "shanghai": ("Asia/Shanghai", ["demo-agent", "sh-wei", "sh-jing"], "demo-bu-manager"),
    "beijing": ("Asia/Shanghai", ["bj-lei", "bj-yan", "bj-tao"], "demo-bu-manager"),
    "south_china": ("Asia/Shanghai", ["sc-min", "sc-hui", "sc-bo"], "demo-bu-manager"),
}
ACTIONS = {
    "Delivery": ["Refunded the delivery fee", "Re-shipped the order with express delivery",
                 "Raised the delay with the carrier and shared tracking"],
    "Product": ["Replaced the product", "Refunded the item"], "Price": ["Moved the customer to a cheaper plan",
                                                                       "Explained the price change; 1 month credit"],
    "Billing": ["Corrected the invoice and refunded the difference", "Sped up the pending refund"],
    "Support": ["Solved the open issue on the call", "Escalated to second-line support"],
    "Digital": ["Walked the customer through the app", "Logged the bug with the app team"],
    "Other": ["Listened and apologised", "Explained how the service works"],
}


def _query(con, name: str, params: dict | None = None) -> pd.DataFrame:
    query = queries.get(name)
    return con.execute(query.sql, queries.bind(query, params)).df()


def _staff(con) -> None:
    rows = []
    for unit, (_, agents, manager) in REGION_STAFF.items():
        for name in agents:
            rows.append((name, unit, "agent", name.split("-", 1)[1].capitalize() if name != "demo-agent"
                         else "Femi Frontline", f"{name}@lumen.example"))
    managers = {("demo-region-manager", "us_west"), ("mgr-us-east", "us_east"), ("mgr-canada", "canada"),
                ("demo-bu-manager", "bu_cn")}
    rows += [(m, u, "manager", None, f"{m}@lumen.example") for m, u in sorted(managers)]
    con.executemany("insert into loop_staff (username, unit_id, role, display_name, email) values (?, ?, ?, ?, ?)",
                    rows)
    zones = {"us_east": "America/New_York", "us_west": "America/Los_Angeles", "canada": "America/Toronto",
             "bu_cn": "Asia/Shanghai"}
    con.executemany("insert into case_calendars (org_unit, timezone) values (?, ?)", sorted(zones.items()))


def _prior(cases: pd.DataFrame, start: dt.date, end: dt.date) -> np.ndarray:
    """Prior shares (in time, late, never) per case: rising over time, flat in canada, by agent."""
    span = max((end - start).days, 1)
    progress = ((cases.opened_at - pd.Timestamp(start)).dt.days / span).clip(0, 1).to_numpy()
    base = IN_TIME_FIRST + (IN_TIME_LAST - IN_TIME_FIRST) * progress
    base = np.where(cases.unit_id.to_numpy() == "canada", CANADA_IN_TIME, base)
    position = {name: i for _, agents, _ in REGION_STAFF.values() for i, name in enumerate(agents)}
    odds = np.array([AGENT_ODDS[position.get(o, 1)] for o in cases.owner]) * base / (1 - base)
    in_time = odds / (1 + odds)
    return np.stack([in_time, (1 - in_time) * LATE_SHARE_OF_MISSED, (1 - in_time) * (1 - LATE_SHARE_OF_MISSED)], 1)


def _groups(rng, prior: np.ndarray, churned: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Draw each case's contact group given whether its customer churned (Bayes, see the docstring)."""
    r = np.array([RELATIVE_CHURN[k] for k in ("in_time", "late", "never")])
    p_bar = churned[known].mean() if known.any() else 0.0
    p0 = p_bar / (prior @ r)                                  # churn of never-contacted, per case
    weights = np.where(churned[:, None], prior * r, prior * (1 - p0[:, None] * r))
    weights = np.where(known[:, None], weights, prior)        # outcome not observable yet: the prior
    weights /= weights.sum(axis=1, keepdims=True)
    u = rng.random(len(prior))[:, None]
    return (u > np.cumsum(weights, axis=1)).sum(axis=1)       # 0 in time, 1 late, 2 never


def generate(con, seed: int = 7, end: dt.date = dt.date(2026, 10, 31)) -> dict:
    """Fill the case tables of a demo warehouse (one transaction); return the ground truth of the effect."""
    rng = np.random.default_rng([seed, 606])
    cut = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    start = dt.date(end.year - 2, end.month, 1) + dt.timedelta(days=32)
    start = start.replace(day=1)
    con.begin()
    try:
        _staff(con)
        found = _query(con, "case_candidates_by_feedback", {"since": dt.datetime(2000, 1, 1), "until": cut})
        lag = pd.to_timedelta(rng.integers(5, 70, len(found)), unit="m")
        opened = (found.submitted_at + lag).dt.floor("min").clip(upper=pd.Timestamp(cut) - pd.Timedelta(minutes=1))
        calendars = {r.unit_id: sla.Calendar(r.timezone, int(r.day_start), int(r.day_end), r.workdays)
                     for r in _query(con, "case_calendar_by_unit").itertuples()}
        assigner = owners.RoundRobin(con, opened.min().to_pydatetime() if len(found) else cut)
        ids = [f"CS-{i:07d}" for i in range(1, len(found) + 1)]
        cases, terms = rules.plan_cases(found, opened.astype("datetime64[us]"), assigner, calendars, ids)
        cases, truth = _play(rng, con, cases, found, cut, start, end)
        rules.insert_cases(con, cases, terms, "system:rules")
        assigner.save(con)
        con.execute("insert or replace into meta values ('demo_case_effect', ?)", [json.dumps(truth)])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return truth


def _py(series: pd.Series) -> list:
    """Timestamps as Python datetimes (None for missing): fast to compare and add in a loop."""
    return [None if pd.isna(v) else v.to_pydatetime() for v in series]


EVENT_COLUMNS = ["case_id", "unit_id", "occurred_at", "actor", "kind", "channel", "outcome", "note", "version"]
FLUSH_EVERY = 200_000  # events are written in batches so that memory stays bounded at a million cases


def _flush(con, events: list) -> None:
    """Write the events gathered so far into case_events and forget them."""
    if not events:
        return
    con.register("demo_case_events", pd.DataFrame(events, columns=EVENT_COLUMNS))
    con.execute(f"insert into case_events ({', '.join(EVENT_COLUMNS)}) select {', '.join(EVENT_COLUMNS)} "
                "from demo_case_events order by occurred_at, case_id")
    con.unregister("demo_case_events")
    events.clear()


def _play(rng, con, cases: pd.DataFrame, found: pd.DataFrame, cut: dt.datetime, start: dt.date, end: dt.date):
    """Contact times, attempts, resolutions and closing for every case; events written as they come."""
    churn = _query(con, "churn_dates_by_customer")
    churned_at = cases[["customer_id"]].merge(churn, how="left", on="customer_id").churned_at
    opened_day = cases.opened_at.dt.normalize()
    days_to_churn = (pd.to_datetime(churned_at) - opened_day).dt.days
    churned = (days_to_churn >= 0) & (days_to_churn < FOLLOW_DAYS)
    known = (cases.opened_at <= pd.Timestamp(cut) - pd.Timedelta(days=FOLLOW_DAYS)).to_numpy()
    prior = _prior(cases, start, end)
    group = _groups(rng, prior, churned.to_numpy(), known)
    n = len(cases)
    window = (cases.due_at - cases.opened_at).dt.total_seconds().to_numpy()
    contact = np.where(group == 0, rng.uniform(0.08, 0.97, n) * window,
                       window + 1800 + rng.exponential(30 * 3600, n))
    contact_at = cases.opened_at + pd.to_timedelta(np.where(group == 2, np.nan, contact), unit="s")
    close_at = contact_at + pd.to_timedelta(rng.uniform(0.2, 6, n), unit="h")
    never_close = cases.due_at + pd.to_timedelta(rng.uniform(3, 14, n), unit="D")
    close_at = close_at.where(group != 2, never_close).dt.floor("s")
    contact_at = contact_at.dt.floor("s")
    cutoff = pd.Timestamp(cut)
    still_open = (cases.opened_at > cutoff - pd.Timedelta(days=OPEN_DAYS)) | (close_at >= cutoff) | (
        (group == 2) & (cases.opened_at > cutoff - pd.Timedelta(days=BACKLOG_DAYS)))
    contact_at = contact_at.where(contact_at < cutoff)
    causes = _query(con, "root_causes_by_cause")
    by_theme = causes.dropna(subset=["theme_id"]).groupby("theme_id").root_cause_id.apply(list).to_dict()
    category = dict(zip(causes.root_cause_id, causes.category))
    themes = _query(con, "feedback_themes_by_feedback", {"since": dt.datetime(2000, 1, 1), "until": cut})
    first_theme = dict(zip(themes.feedback_id, themes.theme_id))
    events = []
    n_cases = len(cases)
    first_contact, status, version_of = [None] * n_cases, ["open"] * n_cases, [1] * n_cases
    closing = {k: [None] * n_cases for k in ("root_cause", "action_taken", "customer_informed", "closed_at")}
    opened, due = _py(cases.opened_at), _py(cases.due_at)
    updated = list(opened)
    contact_list, close_list, open_list = _py(contact_at), _py(close_at), still_open.tolist()
    cut_at, hour, minute = cut, dt.timedelta(hours=2), dt.timedelta(minutes=1)
    columns = zip(cases.case_id.tolist(), cases.unit_id.tolist(), cases.owner.tolist(), cases.feedback_id.tolist())
    for i, (case_id, unit_id, case_owner, feedback_id) in enumerate(columns):
        version, gid, owner = 1, int(group[i]), case_owner or "system"

        def add(at, kind, channel=None, outcome=None, note=None, actor=owner, bump=True):
            nonlocal version
            version += bump
            events.append((case_id, unit_id, at, actor, kind, channel, outcome, note, version))
            if bump:
                updated[i] = at

        if gid > 0:  # missed the SLA: flagged to the managers at 75% of it and at the due time
            for level, at in (("at_risk", opened[i] + (due[i] - opened[i]) * 0.75), ("overdue", due[i])):
                if at < cut_at:
                    add(at, "escalated", outcome=level, note="Flagged to the unit's manager",
                        actor="system:escalation", bump=False)
        reached = contact_list[i]
        if reached is not None:
            if rng.random() < 0.3:
                add(opened[i] + (reached - opened[i]) * 0.5, "attempt", "phone", "no_answer")
            add(reached, "attempt", "phone" if rng.random() < 0.7 else "email", "reached")
            first_contact[i], status[i] = reached, "in_progress"
        elif gid == 2 and due[i] < cut_at and rng.random() < 0.5:
            add(due[i] + hour, "attempt", "phone", "no_answer")
            status[i] = "in_progress"
        if not open_list[i]:
            options = by_theme.get(first_theme.get(feedback_id), ["customer_expectation", "no_fault_found"])
            cause = options[int(rng.integers(len(options)))]
            actions = ACTIONS[category.get(cause, "Other")]
            action = (actions[int(rng.integers(len(actions)))] if gid < 2
                      else "Closed in backlog clean-up without contact")
            informed = bool(rng.random() < 0.85) if gid < 2 else False
            done = close_list[i]
            add(done - minute, "resolution", note=f"Root cause {cause}; informed: {informed}")
            add(done, "closed", outcome=("resolved" if rng.random() < 0.8 else "partly_resolved") if gid < 2
                else "unreachable")
            status[i] = "closed"
            for key, value in zip(closing, (cause, action, informed, done)):
                closing[key][i] = value
        version_of[i] = version
        if len(events) >= FLUSH_EVERY:
            _flush(con, events)
    _flush(con, events)
    out = cases.assign(first_contact_at=pd.to_datetime(pd.Series(first_contact, dtype="datetime64[us]")),
                       status=status, version=version_of, updated_at=pd.to_datetime(pd.Series(updated)),
                       root_cause=closing["root_cause"], action_taken=closing["action_taken"],
                       customer_informed=pd.array(closing["customer_informed"], dtype="boolean"),
                       closed_at=pd.to_datetime(pd.Series(closing["closed_at"], dtype="datetime64[us]")))
    detractor = found.rule_id.eq("detractor").to_numpy()
    return out, _truth(group, known, detractor, cases, still_open.to_numpy())


def _truth(group, known, detractor, cases, still_open) -> dict:
    missed = (LATE_SHARE_OF_MISSED * RELATIVE_CHURN["late"] + (1 - LATE_SHARE_OF_MISSED) * RELATIVE_CHURN["never"])
    return {
        "kind": "closed_loop", "follow_days": FOLLOW_DAYS, "relative_churn": RELATIVE_CHURN,
        "expected_relative_risk_in_time_vs_late_or_never": round(RELATIVE_CHURN["in_time"] / missed, 3),
        "metric": "detractor follow-up cases (feedback NPS 0-6) opened at least 90 days before the end of data: "
                  "share whose customer churned within 90 days of the case opening, contacted within the SLA "
                  "(first contact <= due_at) against contacted late or never",
        "mechanism": "contact group drawn given the customer's actual churn (Bayes, prior shares by month, region "
                     "and agent), so the fact tables are untouched and the effect is an association",
        "cases": int(len(cases)), "open_cases": int(still_open.sum()),
        "detractor_cases_observed": int((known & detractor).sum()),
        "in_time_share_first": IN_TIME_FIRST, "in_time_share_last": IN_TIME_LAST, "canada_in_time": CANADA_IN_TIME,
        "realised_groups": {k: int((group == i).sum()) for i, k in enumerate(("in_time", "late", "never"))},
    }
