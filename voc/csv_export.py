"""CSV that people open in a spreadsheet: every download the app offers is written here.

A text cell that starts like a spreadsheet formula (``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) gets a leading apostrophe, so that ``=HYPERLINK(...)`` written by a customer
arrives as text, not as a live formula (OWASP "CSV injection"). Numbers are left alone.
"""
from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NOTE = "Cells that would start a spreadsheet formula are prefixed with an apostrophe."


def defuse(value):
    """``value`` with a leading apostrophe when it is text that starts like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def frame_csv(frame: pd.DataFrame, *, excel_bom: bool = False) -> bytes:
    """``frame`` as UTF-8 CSV (with a byte-order mark for Excel when asked), formulas defused."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(defuse)
    safe.columns = [defuse(str(c)) for c in safe.columns]
    return safe.to_csv(index=False).encode("utf-8-sig" if excel_bom else "utf-8")
