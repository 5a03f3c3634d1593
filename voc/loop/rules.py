"""Case rules: which feedback opens a follow-up case, with what priority, SLA and owner.

Rules (table ``case_rules``, edited by admins) are checked in ``rank`` order and the first one a
piece of feedback matches opens its case (one case per feedback at most). Kinds:

* ``detractor``: NPS at or below ``threshold`` (6: every detractor);
* ``low_csat``: CSAT at or below ``threshold`` (1: very low);
* ``negative_theme``: sentiment at or below ``threshold`` on feedback tagged with an at-risk theme;
* ``high_value``: the customer's latest monthly revenue is at least ``threshold`` and the
  feedback is negative (NPS 0-6, CSAT 1-2 or negative sentiment).

A rule may be limited to one org unit's sub-tree and to one segment. Only feedback from an
identified customer opens a case (an anonymous post cannot be followed up). The matching is one
named query (``case_candidates_by_feedback``); owners come from ``voc.loop.owners``, due times
from ``voc.loop.sla``. ``apply`` opens the cases of one batch in one transaction, audited.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import asdict, dataclass

import pandas as pd

from voc import audit_log, queries, rollups
from voc import db as dbmod
from voc.loop import owners, sla
from voc.scope import ALL, Scope

KINDS = {"detractor": ("NPS at or below", 0.0, 10.0), "low_csat": ("CSAT at or below", 1.0, 5.0),
         "negative_theme": ("Sentiment at or below (−1 to 1), on an at-risk theme", -1.0, 1.0),
         "high_value": ("Latest monthly revenue at least", 0.0, 1e9)}
PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_LOOKBACK = dt.timedelta(days=3)
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
CASE_COLUMNS = ["case_id", "feedback_id", "customer_id", "unit_id", "rule", "owner", "priority", "status",
                "opened_at", "due_at", "first_contact_at", "closed_at", "root_cause", "action_taken",
                "customer_informed", "version", "updated_at", "segment", "source", "journey_stage"]


class RuleChanged(Exception):
    """Another admin saved the rule since it was read; reload and try again."""


@dataclass(frozen=True)
class Rule:
    rule_id: str
    name: str
    kind: str
    threshold: float
    priority: str = "normal"
    sla_hours: float = 24.0
    business_hours: bool = False
    escalate_share: float = 0.75
    rank: int = 100
    enabled: bool = True
    unit_filter: str | None = None
    segment_filter: str | None = None
    owner: str | None = None

    def checked(self) -> "Rule":
        """This rule, or ``ValueError`` saying what is wrong with it."""
        if not _RULE_ID.match(self.rule_id or ""):
            raise ValueError("a rule id is 2-40 lower-case letters, digits or underscores, starting with a letter")
        if not (self.name or "").strip():
            raise ValueError("give the rule a name")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        _, low, high = KINDS[self.kind]
        if not low <= float(self.threshold) <= high:
            raise ValueError(f"the threshold of a {self.kind} rule lies between {low:g} and {high:g}")
        if self.priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")
        if not 0 < float(self.sla_hours) <= 720:
            raise ValueError("the SLA is between a few minutes and 720 hours")
        if not 0 < float(self.escalate_share) <= 1:
            raise ValueError("escalate at a share of the SLA above 0 and at most 1 (100%)")
        blank = lambda v: (v or "").strip() or None  # noqa: E731
        return Rule(self.rule_id, self.name.strip()[:200], self.kind, float(self.threshold), self.priority,
                    float(self.sla_hours), bool(self.business_hours), float(self.escalate_share), int(self.rank),
                    bool(self.enabled), blank(self.unit_filter), blank(self.segment_filter),
                    (blank(self.owner) or "").lower() or None)


def rules(*, scope: Scope = ALL, database=None) -> pd.DataFrame:
    """Every rule in the order they are checked."""
    return queries.run("case_rules_by_rule", scope=scope, database=database)


def save(database: dbmod.Database, actor, rule: Rule, version: int | None = None) -> int:
    """Create the rule (``version=None``) or update it if it still has ``version``; return its new version."""
    database = database or dbmod.get()
    if getattr(actor, "role", None) != "admin":
        audit_log.record(database, actor, "case_rule_saved", rule.rule_id, {"reason": "not an admin"}, "refused")
        raise PermissionError("only an admin may edit case rules")
    rule = rule.checked()
    fields = asdict(rule)
    at = audit_log.now()
    with database.write() as cur:
        if rule.unit_filter and not cur.execute("select count(*) from org_units where unit_id = ?",
                                                [rule.unit_filter]).fetchone()[0]:
            raise ValueError(f"there is no org unit {rule.unit_filter!r}")
        names = [k for k in fields if k != "rule_id"]
        if version is None:
            if cur.execute("select count(*) from case_rules where rule_id = ?", [rule.rule_id]).fetchone()[0]:
                raise ValueError(f"a rule {rule.rule_id!r} exists already")
            cur.execute(f"insert into case_rules (rule_id, {', '.join(names)}, version, updated_at, updated_by) "
                        f"values (?, {', '.join('?' for _ in names)}, 1, ?, ?)",
                        [rule.rule_id, *[fields[k] for k in names], at, actor.username])
            new_version = 1
        else:
            done = cur.execute(f"update case_rules set {', '.join(f'{k} = ?' for k in names)}, "
                               "version = version + 1, updated_at = ?, updated_by = ? "
                               "where rule_id = ? and version = ? returning version",
                               [*[fields[k] for k in names], at, actor.username, rule.rule_id, int(version)]).fetchall()
            if not done:
                raise RuleChanged(f"rule {rule.rule_id!r} was changed by someone else since you opened it: "
                                  "reload it and make your change again")
            new_version = done[0][0]
        audit_log.record(cur, actor, "case_rule_saved", rule.rule_id, {**fields, "version": new_version}, at=at)
    return new_version


# ---- opening cases --------------------------------------------------------------------

def plan_cases(candidates: pd.DataFrame, opened_at: pd.Series, assigner: owners.RoundRobin,
               calendars: dict[str, sla.Calendar], case_ids: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The case rows and their SLA rows for matched feedback (``candidates`` as the query returns it)."""
    rows, terms = [], []
    for r, opened, case_id in zip(candidates.itertuples(), pd.to_datetime(opened_at), case_ids):
        opened = opened.to_pydatetime()
        owner, _ = assigner.owner(r.unit_id, r.owner, opened)
        due = sla.due_at(opened, float(r.sla_hours), business_hours=bool(r.business_hours),
                         calendar=calendars.get(r.unit_id, sla.DEFAULT_CALENDAR))
        rows.append([case_id, r.feedback_id, r.customer_id, r.unit_id, r.rule_id, owner, r.priority, "open",
                     opened, due, None, None, None, None, None, 1, opened, r.segment, r.source, r.journey_stage])
        terms.append([case_id, r.unit_id, float(r.sla_hours), bool(r.business_hours), float(r.escalate_share)])
    cases = pd.DataFrame(rows, columns=CASE_COLUMNS)
    sla_rows = pd.DataFrame(terms, columns=["case_id", "unit_id", "sla_hours", "business_hours", "escalate_share"])
    return cases, sla_rows


def insert_cases(cur, cases: pd.DataFrame, sla_rows: pd.DataFrame, actor_name: str) -> None:
    """Insert cases, their SLA terms and an 'opened' event each (inside the caller's transaction)."""
    cases = cases.astype({"first_contact_at": "datetime64[us]", "closed_at": "datetime64[us]",
                          "customer_informed": "boolean", "root_cause": "object", "action_taken": "object"})
    cur.register("loop_new_cases", cases)
    cur.register("loop_new_sla", sla_rows)
    try:
        cur.execute(f"insert into cases ({', '.join(CASE_COLUMNS)}) select {', '.join(CASE_COLUMNS)} "
                    "from loop_new_cases")
        cur.execute("insert into case_sla select case_id, unit_id, sla_hours, business_hours, escalate_share "
                    "from loop_new_sla")
        cur.execute("""insert into case_events (case_id, unit_id, occurred_at, actor, kind, note, version)
                       select c.case_id, c.unit_id, c.opened_at, ?, 'opened',
                              'Opened by rule ' || coalesce(r.name, c.rule)
                              || coalesce('; owner ' || c.owner, '; no agent serves this unit yet'), 1
                       from loop_new_cases c left join case_rules r on r.rule_id = c.rule""", [actor_name])
        rollups.add_case_outcomes(cur, "loop_new_cases")  # what follows each case is measured in a rollup
    finally:
        cur.unregister("loop_new_cases")
        cur.unregister("loop_new_sla")


def new_case_id() -> str:
    return "CS-" + uuid.uuid4().hex[:10].upper()


@dataclass(frozen=True)
class Applied:
    created: int
    by_rule: dict
    since: dt.datetime
    until: dt.datetime
    unassigned: int


def apply(database: dbmod.Database, actor, *, since: dt.datetime | None = None, until: dt.datetime | None = None,
          now: dt.datetime | None = None) -> Applied:
    """Open cases for feedback submitted in [since, until) that matches a rule and has no case yet.

    Defaults: until = now, since = three days earlier. Cases open at ``now`` and are due by their
    rule's SLA. Runs in one transaction with one audit row (rule counts and the first case ids).
    """
    database = database or dbmod.get()
    if getattr(actor, "role", "admin") not in ("admin", "manager"):
        audit_log.record(database, actor, "case_rules_applied", None, {"reason": "role"}, "refused")
        raise PermissionError("only admins (or a scheduler) apply case rules")
    now = now or audit_log.now()
    until = until or now
    since = since or until - DEFAULT_LOOKBACK
    if since >= until:
        raise ValueError("since must be before until")
    with database.write() as cur:
        found = owners._query(cur, "case_candidates_by_feedback", {"since": since, "until": until})
        calendars = {r.unit_id: sla.Calendar(r.timezone, int(r.day_start), int(r.day_end), r.workdays)
                     for r in owners._query(cur, "case_calendar_by_unit").itertuples()}
        assigner = owners.RoundRobin(cur, now)
        ids = [new_case_id() for _ in range(len(found))]
        cases, terms = plan_cases(found, pd.Series([now] * len(found), dtype="datetime64[us]"), assigner,
                                  calendars, ids)
        by_rule = {str(k): int(v) for k, v in found.rule_id.value_counts().sort_index().items()}
        if len(cases):
            insert_cases(cur, cases, terms, getattr(actor, "username", str(actor)))
            assigner.save(cur)
        unassigned = int(cases.owner.isna().sum()) if len(cases) else 0
        audit_log.record(cur, actor, "case_rules_applied", None,
                         {"since": since.isoformat(), "until": until.isoformat(), "created": len(cases),
                          "by_rule": by_rule, "unassigned": unassigned, "case_ids": ids[:200]}, at=now)
    return Applied(len(cases), by_rule, since, until, unassigned)
