"""Contact details (e-mail addresses, phone numbers) hidden from the roles that do not need them.

Frontline agents call customers back, so they see contact details; everyone else (executives,
managers, analysts, admins, and any role this module does not know) sees them masked.

The same two patterns serve Python (``mask_contacts``, for text on its way to the screen) and
DuckDB (``mask_sql``, used by the SQL gate to mask columns *before* an analyst's query sees
them). They are written in the common subset of Python's ``re`` (in ASCII mode) and RE2, so
both engines mask exactly the same spans; tests/test_privacy.py checks that they agree.

Phone numbers: an optional ``+country`` prefix and/or ``(area)`` group, then 7 to 16 digits in
groups separated by at most one space, dot or hyphen. ISO dates (2026-10-31), years and year
ranges (2025-2026), times and short numbers are left alone; long bare digit runs (an order
number with eight or more digits) are masked too: a deliberate false positive.
"""
from __future__ import annotations

import re

import pandas as pd

EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
PHONE_PATTERN = (
    r"(?:(?:\+[0-9]{1,3}[ .-]?)?\([0-9]{1,4}\)[ .-]?|\+[0-9]{1,3}[ .-]?|\b)"
    r"(?:[0-9]{2,4}(?:[ .-]?[0-9]{3,4}){2,3}|[0-9]{3}[ .-]?[0-9]{4})\b"
)
EMAIL_MASK = "[email hidden]"
PHONE_MASK = "[phone hidden]"

_EMAIL = re.compile(EMAIL_PATTERN, re.ASCII)
_PHONE = re.compile(PHONE_PATTERN, re.ASCII)

# Roles whose work needs the customer's contact details.
ROLES_SEEING_CONTACTS = frozenset({"agent"})

# Columns that hold contact details outright (replaced whole) or free text (masked inside).
CONTACT_COLUMNS = {"email": EMAIL_MASK, "phone": PHONE_MASK}
TEXT_COLUMNS = frozenset({"text", "verbatim", "root_cause", "action_taken"})

# Warehouse tables whose columns the SQL gate masks at the source: table -> {column: kind}.
PRIVATE_COLUMNS = {
    "customers": {"email": "email", "phone": "phone"},
    "feedback": {"text": "text"},
    "cases": {"root_cause": "text", "action_taken": "text"},
    "case_events": {"note": "text"},
    "loop_staff": {"email": "email"},
}


def needs_masking(role: str | None) -> bool:
    """True unless ``role`` is one that works with customers' contact details."""
    return role not in ROLES_SEEING_CONTACTS


def mask_contacts(text):
    """``text`` with every e-mail address and phone number replaced by a placeholder.

    Anything that is not a string (None, NaN) comes back unchanged.
    """
    if not isinstance(text, str):
        return text
    return _PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def mask_sql(column: str, kind: str = "text") -> str:
    """A DuckDB expression that masks ``column`` (a quoted or plain identifier) like Python does.

    ``kind`` is ``text`` (mask inside free text), ``email`` or ``phone`` (hide a non-null value whole).
    """
    if kind in CONTACT_COLUMNS:
        return f"case when {column} is null then null else {_sql_string(CONTACT_COLUMNS[kind])} end"
    if kind != "text":
        raise ValueError(f"unknown kind {kind!r}: use text, email or phone")
    emails = f"regexp_replace({column}, {_sql_string(EMAIL_PATTERN)}, {_sql_string(EMAIL_MASK)}, 'g')"
    masked = f"regexp_replace({emails}, {_sql_string(PHONE_PATTERN)}, {_sql_string(PHONE_MASK)}, 'g')"
    # Cheap exact guard: an e-mail address holds an @ and every phone pattern three digits in a row,
    # so most texts skip the two expensive replacements (reads of masked text run ~3x faster).
    return (f"case when {column} is null then null "
            f"when contains({column}, '@') or regexp_matches({column}, '[0-9]{{3}}') then {masked} "
            f"else {column} end")


def mask_frame(frame: pd.DataFrame, role: str | None) -> pd.DataFrame:
    """``frame`` with its contact and free-text columns masked when ``role`` needs masking.

    Only text columns are touched (a numeric column that happens to be called ``email``, such as
    a count per channel, is left alone). The input frame is never modified.
    """
    if not needs_masking(role):
        return frame
    out = None
    for column in frame.columns:
        name = str(column).lower()
        if name not in CONTACT_COLUMNS and name not in TEXT_COLUMNS:
            continue
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        if out is None:
            out = frame.copy()
        if name in CONTACT_COLUMNS:
            out[column] = series.map(lambda v, m=CONTACT_COLUMNS[name]: m if isinstance(v, str) else v)
        else:
            out[column] = series.map(mask_contacts)
    return frame if out is None else out
