"""What the follow-up queue page shows and does, kept out of the page script (no streamlit here).

Display frames for the queue and a case (feedback, customer, events, history), every text made
safe for ``st.markdown`` (escaped, contact details masked for roles that must not see them), and
``submit``: one form submission turned into one versioned change, with the message to show.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from voc import privacy
from voc.loop import cases, sla
from voc.narrate import escape_markdown

FORMS = ("note", "attempt", "resolution", "close", "reopen", "take", "assign")


def _safe(text, role: str) -> str:
    text = " ".join(str(text).split())
    return escape_markdown(privacy.mask_contacts(text) if privacy.needs_masking(role) else text)


def queue_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The queue as shown: one row per case, what matters first."""
    columns = ["case_id", "time_left", "sla_used", "priority", "status", "unit", "customer_id", "rule_name",
               "source", "nps", "csat", "excerpt", "due_at"]
    shown = frame[[c for c in columns if c in frame.columns]].copy()
    shown["sla_used"] = (100 * shown.sla_used.clip(upper=1.0)).round(0)
    return shown


QUEUE_LABELS = {"case_id": "Case", "time_left": "Time left", "priority": "Priority", "status": "Status", "unit": "Unit",
                "customer_id": "Customer", "rule_name": "Rule", "source": "Source", "nps": "NPS", "csat": "CSAT",
                "excerpt": "What they said"}


def pick_label(frame: pd.DataFrame) -> dict[str, str]:
    """Case id -> "CS-1 · overdue by 2 h · high" for the case picker."""
    return {r.case_id: f"{r.case_id} · {r.time_left} · {r.priority}" for r in frame.itertuples()}


def queue_counts(frame: pd.DataFrame) -> tuple[int, int, int]:
    """(open, overdue and not contacted, due within 4 hours and not contacted)."""
    waiting = frame[frame.first_contact_at.isna()] if len(frame) else frame
    overdue = int((waiting.hours_left < 0).sum()) if len(waiting) else 0
    soon = int(((waiting.hours_left >= 0) & (waiting.hours_left <= 4)).sum()) if len(waiting) else 0
    return len(frame), overdue, soon


def state_line(case: cases.Case, now: dt.datetime) -> str:
    r = case.row
    if case.closed:
        when = f"closed {pd.Timestamp(r['closed_at']):%d %b %Y %H:%M} UTC"
    elif r["first_contact_at"] is not None:
        when = f"customer reached {pd.Timestamp(r['first_contact_at']):%d %b %H:%M} UTC"
    else:
        when = sla.time_left_text(pd.Timestamp(r["due_at"]).to_pydatetime(), now)
    hours = f"{float(r['sla_hours']):g} {'business ' if r['business_hours'] else ''}hours"
    return escape_markdown(f"{r['status'].replace('_', ' ')} · {r['priority']} priority · owner "
                           f"{r['owner'] or 'nobody'} · {when} · SLA: first contact within {hours} "
                           f"(due {pd.Timestamp(r['due_at']):%d %b %Y %H:%M} UTC) · version {case.version}")


def feedback_lines(case: cases.Case, role: str) -> list[str]:
    r = case.row
    if r.get("source") is None:
        return ["*The feedback behind this case is outside your current filters or was removed.*"]
    scores = ", ".join(f"{k} {int(r[k])}" for k in ("nps", "csat", "ces", "rating") if r.get(k) is not None)
    themes = r.get("themes")
    meta = f"{r['source']} · {pd.Timestamp(r['submitted_at']):%d %b %Y %H:%M} UTC"
    meta += f" · {scores}" if scores else ""
    if themes is not None and len(themes):
        meta += " · themes: " + ", ".join(str(t) for t in themes)
    lines = [f"**Rule:** {escape_markdown(str(r['rule_name'] or r['rule']))}", escape_markdown(meta)]
    if r.get("text"):
        lines.append("> " + _safe(r["text"], role))
    return lines


def customer_lines(case: cases.Case, role: str) -> list[str]:
    r = case.row
    if not r.get("customer_id"):
        return ["*Anonymous feedback: no customer to contact.*"]
    contact = ", ".join(_safe(r[k], role) for k in ("email", "phone") if r.get(k)) or "no contact details on file"
    since = f"customer since {pd.Timestamp(r['signup_at']):%b %Y}" if r.get("signup_at") is not None else ""
    facts = " · ".join(x for x in (r.get("segment"), r.get("plan"), r.get("unit"), since) if x)
    return [f"**{escape_markdown(str(r['customer_id']))}** · {escape_markdown(facts)}", f"Contact: {contact}"]


def events_table(case: cases.Case, role: str) -> pd.DataFrame:
    frame = case.events[["occurred_at", "actor", "kind", "channel", "outcome", "note"]].copy()
    if privacy.needs_masking(role):
        frame["note"] = frame.note.map(privacy.mask_contacts)
    return frame


def history_table(frame: pd.DataFrame, role: str) -> pd.DataFrame:
    out = frame.copy()
    if privacy.needs_masking(role):
        out["detail"] = out.detail.map(privacy.mask_contacts)
    return out


def submit(kind: str, user, case_id: str, version: int, values: dict, *, database=None) -> tuple[str, str]:
    """Run one form's change; return (level, message) with level success, conflict or error."""
    try:
        if kind == "note":
            cases.add_note(database, user, case_id, version, values.get("note", ""))
            done = "Note added."
        elif kind == "attempt":
            cases.log_attempt(database, user, case_id, version, values.get("channel"), values.get("outcome"),
                              values.get("note", ""))
            done = f"Contact attempt logged ({cases.ATTEMPT_OUTCOMES.get(values.get('outcome'), '')})."
        elif kind == "resolution":
            informed = values.get("informed")
            if informed not in (True, False):
                raise ValueError("say whether the customer was told the outcome")
            cases.set_resolution(database, user, case_id, version, values.get("root_cause"),
                                 values.get("action", ""), informed)
            done = "Root cause and action saved."
        elif kind == "close":
            cases.close(database, user, case_id, version, values.get("outcome"), note=values.get("note", ""))
            done = "Case closed."
        elif kind == "reopen":
            cases.reopen(database, user, case_id, version, values.get("note", ""))
            done = "Case reopened."
        elif kind in ("take", "assign"):
            owner = user.username if kind == "take" else values.get("owner")
            cases.assign(database, user, case_id, version, owner)
            done = f"Case assigned to {owner or 'nobody'}."
        else:
            raise ValueError(f"unknown action {kind!r}")
    except cases.CaseChanged as exc:
        return "conflict", (f"Not saved: {exc}. The case below is its current state; your entries are kept, "
                            "so check them against it and submit again if they still apply.")
    except (ValueError, PermissionError, cases.CaseNotFound) as exc:
        return "error", f"Not saved: {exc}."
    return "success", done
