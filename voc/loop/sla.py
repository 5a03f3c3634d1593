"""SLA arithmetic: due times, elapsed shares and time left, on the clock or in business hours.

The SLA of a follow-up case is its promise to the customer: **first contact by ``due_at``**.
A case opens with ``sla_hours`` (24 by default) counted either on the clock or in the working
hours of its org unit's calendar (``case_calendars``: a time zone, opening hours and working
days; a unit without one uses its nearest ancestor's, else UTC 09:00-17:00 Monday to Friday).

Timestamps in the warehouse are naive UTC; calendars are applied in their own time zone, so
daylight-saving changes are respected. Public holidays are not modelled.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd

from voc import queries
from voc.scope import ALL, Scope

UTC = dt.timezone.utc
MAX_DAYS = 3660  # a business-hours walk never looks further than ten years ahead


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class Calendar:
    """Working hours: ``day_start``..``day_end`` (local hours) on ``workdays`` (ISO weekdays, "12345")."""

    timezone: str = "UTC"
    day_start: int = 9
    day_end: int = 17
    workdays: str = "12345"

    def __post_init__(self):
        _zone(self.timezone)  # raises on an unknown zone
        if not (0 <= self.day_start < self.day_end <= 24):
            raise ValueError(f"working hours {self.day_start}-{self.day_end} are not a valid range")
        if not self.workdays or any(c not in "1234567" for c in self.workdays):
            raise ValueError(f"workdays {self.workdays!r}: give ISO weekday digits, e.g. '12345'")

    def windows(self, start: dt.datetime):
        """Working intervals (naive UTC start, end) from the local day of ``start`` on, in order."""
        zone = _zone(self.timezone)
        day = _aware(start).astimezone(zone).date()
        for _ in range(MAX_DAYS):
            window = _day_window(self, zone, day)
            if window is not None:
                yield window
            day += dt.timedelta(days=1)
        raise ValueError("no working time found within ten years")


def _day_window(calendar: Calendar, zone: ZoneInfo, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """The working interval (naive UTC) of ``calendar`` on the local ``day``; None on a day off."""
    if str(day.isoweekday()) not in calendar.workdays:
        return None
    opens = dt.datetime(day.year, day.month, day.day, calendar.day_start, tzinfo=zone)
    closes = (dt.datetime(day.year, day.month, day.day, tzinfo=zone) + dt.timedelta(days=1)
              if calendar.day_end == 24 else dt.datetime(day.year, day.month, day.day, calendar.day_end, tzinfo=zone))
    return _naive(opens), _naive(closes)


DEFAULT_CALENDAR = Calendar()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def due_at(opened: dt.datetime, hours: float, *, business_hours: bool = False,
           calendar: Calendar = DEFAULT_CALENDAR) -> dt.datetime:
    """When a case opened at ``opened`` with an SLA of ``hours`` is due."""
    if hours <= 0:
        raise ValueError("an SLA must be a positive number of hours")
    if not business_hours:
        return opened + dt.timedelta(hours=hours)
    remaining = dt.timedelta(hours=hours)
    for opens, closes in calendar.windows(opened):
        begin = max(opens, opened)
        if begin >= closes:
            continue
        if closes - begin >= remaining:
            return begin + remaining
        remaining -= closes - begin
    raise AssertionError("unreachable")  # windows() raises first


def working_time(start: dt.datetime, end: dt.datetime, calendar: Calendar = DEFAULT_CALENDAR) -> dt.timedelta:
    """Working time between two moments (zero when ``end`` is not after ``start``).

    The working time from a fixed origin up to a moment, minus the same up to the other moment:
    the calendar's working days are summed once per process (``_Ledger``), so a case open for
    months costs two look-ups instead of a walk over every day since it opened.
    """
    if end <= start:
        return dt.timedelta(0)
    ledger = _ledger(calendar)
    before = ledger.until(start)  # first: it may move the origin back; the later moment only grows forward
    return ledger.until(end) - before


class _Ledger:
    """Working time of one calendar from the start of an origin day, by local day (grown on demand)."""

    def __init__(self, calendar: Calendar):
        self.calendar, self.zone = calendar, _zone(calendar.timezone)
        self.origin: dt.date | None = None
        self.before: list[dt.timedelta] = []  # working time from the origin to the start of origin + i

    def _cover(self, day: dt.date) -> None:
        if self.origin is None:
            self.origin, self.before = day, [dt.timedelta(0)]
        if day < self.origin:  # grow backwards: rebuild from the earlier day
            if (self.origin - day).days > MAX_DAYS:
                raise ValueError("no working time found within ten years")
            old_last = self.origin + dt.timedelta(days=len(self.before) - 1)
            self.origin, self.before = day, [dt.timedelta(0)]
            self._cover(old_last)
        last = self.origin + dt.timedelta(days=len(self.before) - 1)
        if (day - last).days > MAX_DAYS:
            raise ValueError("no working time found within ten years")
        while last < day:
            window = _day_window(self.calendar, self.zone, last)
            self.before.append(self.before[-1] + (window[1] - window[0] if window else dt.timedelta(0)))
            last += dt.timedelta(days=1)

    def until(self, moment: dt.datetime) -> dt.timedelta:
        """Working time from the start of the origin day to ``moment`` (naive UTC)."""
        day = _aware(moment).astimezone(self.zone).date()
        self._cover(day)
        window = _day_window(self.calendar, self.zone, day)
        partial = max(min(moment, window[1]) - window[0], dt.timedelta(0)) if window else dt.timedelta(0)
        return self.before[(day - self.origin).days] + partial


@lru_cache(maxsize=64)
def _ledger(calendar: Calendar) -> _Ledger:
    return _Ledger(calendar)


def elapsed_share(opened: dt.datetime, due: dt.datetime, now: dt.datetime, *, business_hours: bool = False,
                  calendar: Calendar = DEFAULT_CALENDAR) -> float:
    """How much of the SLA has been used at ``now`` (0 at opening, 1 at the due time, above 1 when late)."""
    if business_hours:
        allowed, used = working_time(opened, due, calendar), working_time(opened, now, calendar)
    else:
        allowed, used = due - opened, now - opened
    share = max(used / allowed, 0.0) if allowed > dt.timedelta(0) else 0.0
    return max(share, 1.0) if now >= due else min(share, 1.0)


def duration_text(seconds: float) -> str:
    """A duration in two units at most: "45 min", "5 h 20 min", "3 d 4 h"."""
    minutes = int(abs(seconds) // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def time_left_text(due: dt.datetime, now: dt.datetime) -> str:
    """``"5 h 20 min left"`` or ``"overdue by 3 d 4 h"``."""
    seconds = (due - now).total_seconds()
    return f"{duration_text(seconds)} left" if seconds >= 0 else f"overdue by {duration_text(seconds)}"


# ---- calendars from the warehouse -----------------------------------------------------

def calendars(*, scope: Scope = ALL, database=None) -> dict[str, Calendar]:
    """The calendar that applies to every org unit (its own or its nearest ancestor's)."""
    frame = queries.run("case_calendar_by_unit", scope=scope, database=database)
    return {r.unit_id: Calendar(r.timezone, int(r.day_start), int(r.day_end), r.workdays)
            for r in frame.itertuples() if isinstance(r.timezone, str)}


def annotate(frame: pd.DataFrame, now: dt.datetime, cals: dict[str, Calendar]) -> pd.DataFrame:
    """Add ``time_left`` (text), ``hours_left`` and ``sla_used`` (share) to open cases.

    ``frame`` needs unit_id, opened_at, due_at and business_hours. Open cases are few (a queue,
    an overdue list), so this per-row arithmetic stays small.
    """
    out = frame.copy()
    rows = list(zip(out.unit_id, pd.to_datetime(out.opened_at), pd.to_datetime(out.due_at),
                    out.business_hours.fillna(False).astype(bool)))
    out["sla_used"] = [elapsed_share(o.to_pydatetime(), d.to_pydatetime(), now, business_hours=b,
                                     calendar=cals.get(u, DEFAULT_CALENDAR)) for u, o, d, b in rows]
    out["hours_left"] = [(d.to_pydatetime() - now).total_seconds() / 3600 for _, _, d, _ in rows]
    out["time_left"] = [time_left_text(d.to_pydatetime(), now) for _, _, d, _ in rows]
    return out
