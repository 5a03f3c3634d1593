"""SLA arithmetic (voc.loop.sla): due times, elapsed shares and time left, on the clock and in business hours.

Every expected moment below is worked out by hand in the comment beside it (2026-10-01 is a Thursday;
US daylight saving time ends on Sunday 2026-11-01).
"""
import datetime as dt

import pandas as pd
import pytest

from voc.loop import sla
from voc.loop.sla import Calendar

T = dt.datetime
UTC_9_17 = Calendar()  # UTC, 09:00-17:00, Monday to Friday
LOS_ANGELES = Calendar("America/Los_Angeles")


def test_clock_due_time_and_shares():
    opened = T(2026, 10, 1, 12)
    due = sla.due_at(opened, 24)
    assert due == T(2026, 10, 2, 12)
    assert sla.elapsed_share(opened, due, T(2026, 10, 2, 6)) == pytest.approx(18 / 24)
    assert sla.elapsed_share(opened, due, T(2026, 10, 3, 12)) == pytest.approx(2.0)   # 48 h of 24
    assert sla.elapsed_share(opened, due, T(2026, 10, 1, 11)) == 0.0                 # before opening
    assert sla.due_at(opened, 1.5) == T(2026, 10, 1, 13, 30)


@pytest.mark.parametrize("opened,hours,expected", [
    # Friday 15:00 + 16 working hours: Fri 15-17 (2 h), Mon 9-17 (8 h), Tue 9-15 (6 h)
    (T(2026, 10, 2, 15), 16, T(2026, 10, 6, 15)),
    # Saturday: nothing until Monday 09:00; 8 h end Monday 17:00
    (T(2026, 10, 3, 10), 8, T(2026, 10, 5, 17)),
    # before opening time: the clock starts at 09:00
    (T(2026, 10, 5, 7), 1, T(2026, 10, 5, 10)),
    # after closing time: the next working morning
    (T(2026, 10, 5, 18), 2, T(2026, 10, 6, 11)),
    # exactly filling a day ends at closing time, not the next morning
    (T(2026, 10, 5, 9), 8, T(2026, 10, 5, 17)),
])
def test_business_hours_due_times(opened, hours, expected):
    assert sla.due_at(opened, hours, business_hours=True, calendar=UTC_9_17) == expected


def test_business_hours_elapsed_share_counts_working_time_only():
    opened = T(2026, 10, 2, 15)                      # Friday 15:00, due Tuesday 15:00 (16 working hours)
    due = sla.due_at(opened, 16, business_hours=True, calendar=UTC_9_17)
    # Monday 12:00: Fri 15-17 (2 h) + Mon 9-12 (3 h) = 5 h of 16
    assert sla.elapsed_share(opened, due, T(2026, 10, 5, 12), business_hours=True,
                             calendar=UTC_9_17) == pytest.approx(5 / 16)
    # the whole weekend adds nothing: Sunday 23:00 is still 2 h of 16
    assert sla.elapsed_share(opened, due, T(2026, 10, 4, 23), business_hours=True,
                             calendar=UTC_9_17) == pytest.approx(2 / 16)
    # Tuesday 20:00: 16 h + Tue 15-17 (2 h) = 18 h of 16
    assert sla.elapsed_share(opened, due, T(2026, 10, 6, 20), business_hours=True,
                             calendar=UTC_9_17) == pytest.approx(18 / 16)
    # due at closing time (Monday 17:00) and asked at 19:00: no working time since, but past due: 1
    monday = sla.due_at(T(2026, 10, 3, 10), 8, business_hours=True, calendar=UTC_9_17)
    assert sla.elapsed_share(T(2026, 10, 3, 10), monday, T(2026, 10, 5, 19), business_hours=True,
                             calendar=UTC_9_17) == 1.0
    # Wednesday 11:00: 16 h + Tue 15-17 (2 h) + Wed 9-11 (2 h) = 20 h of 16
    assert sla.elapsed_share(opened, due, T(2026, 10, 7, 11), business_hours=True,
                             calendar=UTC_9_17) == pytest.approx(20 / 16)
    assert sla.working_time(opened, T(2026, 10, 5, 12), UTC_9_17) == dt.timedelta(hours=5)


def test_calendar_time_zone_and_daylight_saving():
    # 16:00 UTC on Thursday 2026-10-01 is 09:00 in Los Angeles (UTC-7): 8 h end 17:00 PDT = 00:00 UTC
    assert sla.due_at(T(2026, 10, 1, 16), 8, business_hours=True, calendar=LOS_ANGELES) == T(2026, 10, 2, 0)
    # Friday 2026-10-30 23:00 UTC = 16:00 PDT; 2 h: 16-17 PDT on Friday, then Monday 2026-11-02 09:00-10:00
    # PST (UTC-8, daylight saving ended on Sunday) = 17:00-18:00 UTC
    assert sla.due_at(T(2026, 10, 30, 23), 2, business_hours=True, calendar=LOS_ANGELES) == T(2026, 11, 2, 18)


def test_custom_working_days_and_full_day():
    six_days = Calendar("Asia/Shanghai", 0, 24, "123456")   # round the clock, Monday to Saturday
    # Saturday 2026-10-03 20:00 Shanghai = 12:00 UTC; 24 h: Sat 20:00-24:00 (4 h), Sunday off,
    # Monday 00:00-20:00 (20 h) -> Monday 20:00 Shanghai = 12:00 UTC
    assert sla.due_at(T(2026, 10, 3, 12), 24, business_hours=True, calendar=six_days) == T(2026, 10, 5, 12)


@pytest.mark.parametrize("kwargs", [dict(timezone="Mars/Olympus"), dict(day_start=18, day_end=9),
                                    dict(workdays="89"), dict(workdays="")])
def test_invalid_calendars_are_refused(kwargs):
    with pytest.raises(Exception):
        Calendar(**kwargs)


def test_sla_must_be_positive():
    with pytest.raises(ValueError):
        sla.due_at(T(2026, 10, 1), 0)


@pytest.mark.parametrize("seconds,text", [(45 * 60, "45 min"), (5 * 3600 + 20 * 60, "5 h 20 min"),
                                          (3 * 86400 + 4 * 3600, "3 d 4 h"), (2 * 86400, "2 d"), (3600, "1 h")])
def test_duration_text(seconds, text):
    assert sla.duration_text(seconds) == text


def test_time_left_text():
    assert sla.time_left_text(T(2026, 10, 2, 12), T(2026, 10, 2, 6, 40)) == "5 h 20 min left"
    assert sla.time_left_text(T(2026, 10, 2, 12), T(2026, 10, 5, 16)) == "overdue by 3 d 4 h"


def test_annotate_open_cases():
    frame = pd.DataFrame({"unit_id": ["us_west", "beijing"],
                          "opened_at": [T(2026, 10, 1, 12), T(2026, 10, 2, 15)],
                          "due_at": [T(2026, 10, 2, 12), T(2026, 10, 6, 15)],
                          "business_hours": [False, True]})
    out = sla.annotate(frame, T(2026, 10, 5, 12), {"beijing": UTC_9_17})
    assert list(out.sla_used) == pytest.approx([96 / 24, 5 / 16])  # 4 days of a 1-day SLA; 5 working h of 16
    assert list(out.hours_left) == pytest.approx([-72, 27])
    assert list(out.time_left) == ["overdue by 3 d", "1 d 3 h left"]


def _walked(start: dt.datetime, end: dt.datetime, calendar: sla.Calendar) -> dt.timedelta:
    """Working time by the definition: every working window from the start's local day on, clipped."""
    total = dt.timedelta(0)
    for opens, closes in calendar.windows(start):
        if opens >= end:
            break
        total += max(min(closes, end) - max(opens, start), dt.timedelta(0))
    return total if end > start else dt.timedelta(0)


@pytest.mark.parametrize("calendar", [UTC_9_17, LOS_ANGELES, sla.Calendar("Asia/Shanghai", 8, 20, "123456"),
                                      sla.Calendar("Europe/London", 0, 24, "1234567")])
def test_working_time_equals_the_day_by_day_walk(calendar):
    """The ledger (sums per day, kept per calendar) gives what walking the windows gives, for moments
    in any order across weekends and daylight-saving changes, months apart."""
    import random

    rng = random.Random(7)
    base = dt.datetime(2025, 1, 1)
    moments = [base + dt.timedelta(minutes=rng.randrange(0, 700 * 24 * 60)) for _ in range(120)]
    for a, b in zip(moments, moments[1:] + moments[:1]):
        assert sla.working_time(a, b, calendar) == _walked(a, b, calendar), (a, b)
