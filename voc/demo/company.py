"""Lumen Market, the demo company: org tree, segments, prices, themes and the effect calendar.

Everything the simulator needs to know about the company lives here as plain
constants, plus :class:`Calendar`, which places the planted effects relative to
the last day of data, and a few vectorised rate functions that switch those
effects on for the right units, segments and days. Times are integers: days or
seconds since 1970-01-01.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

DAY = 86_400
EPOCH = dt.date(1970, 1, 1)
HISTORY_DAYS = 6 * 365  # the company's age when the window opens (earliest signup)
MONTHS = 24
DAYS_PER_MONTH = 30.44

# (unit_id, name, parent_id, level)
ORG_UNITS = (
    ("lumen", "Lumen Market", None, "company"),
    ("bu_na", "North America", "lumen", "business_unit"),
    ("bu_cn", "Greater China", "lumen", "business_unit"),
    ("us_east", "US East", "bu_na", "region"),
    ("us_west", "US West", "bu_na", "region"),
    ("canada", "Canada", "bu_na", "region"),
    ("shanghai", "Shanghai", "bu_cn", "region"),
    ("beijing", "Beijing", "bu_cn", "region"),
    ("south_china", "South China", "bu_cn", "region"),
)

# Regions, indexed 0..5 in every array below.
REGIONS = ("us_east", "us_west", "canada", "shanghai", "beijing", "south_china")
US_EAST, US_WEST, CANADA, SHANGHAI, BEIJING, SOUTH_CHINA = range(6)
REGION_SHARE = np.array([0.24, 0.18, 0.12, 0.18, 0.15, 0.13])
IS_CHINA = np.array([False, False, False, True, True, True])
ZH_SHARE = np.array([0.05, 0.05, 0.05, 0.85, 0.85, 0.85])  # share of customers writing Chinese
NPS_BASE = np.array([7.4, 7.4, 7.4, 7.2, 7.2, 7.2])  # NPS intercept before experiences
LATE_BASE = np.array([0.055, 0.06, 0.05, 0.045, 0.045, 0.05])  # share of orders delivered late
PROMISE_DAYS = np.array([[3, 5], [3, 5], [3, 6], [1, 3], [1, 3], [2, 4]])  # promised delivery, days
COUNTRIES = ("US", "CA", "CN", "HK")
HK_SHARE_SOUTH_CHINA = 0.2

# Segments, indexed 0..3. Monthly plan fee, orders per month, median order amount,
# monthly churn hazard of a typical customer, survey response rate, support contacts
# per month and how often they post reviews and social posts (relative). Business
# accounts rarely answer surveys and mostly talk to account managers, not support.
SEGMENTS = ("starter", "plus", "family", "business")
STARTER, PLUS, FAMILY, BUSINESS = range(4)
PLANS = ("Lumen Starter", "Lumen Plus", "Lumen Family", "Lumen Business")
SEGMENT_SHARE = np.array([0.46, 0.30, 0.17, 0.07])
FEE = np.array([15.0, 30.0, 45.0, 120.0])
ORDERS_PER_MONTH = np.array([0.85, 1.2, 1.6, 2.0])
ORDER_MEDIAN = np.array([28.0, 38.0, 45.0, 110.0])
CHURN_HAZARD = np.array([0.021, 0.015, 0.012, 0.009])
SURVEY_RESPONSE = np.array([0.20, 0.20, 0.20, 0.04])
CONTACTS_PER_MONTH = np.array([0.07, 0.07, 0.08, 0.04])
PUBLIC_VOICE = np.array([1.0, 1.0, 1.0, 0.4])

# Latent satisfaction z: new customers z ~ N(0, 1); churn hazard ~ exp(-SAT_CHURN * z),
# so the stationary customer base has z ~ N(SAT_CHURN, 1) and detractors churn ~3x promoters.
SAT_CHURN = 0.8
SAT_ORDERS = 0.3  # order frequency ~ exp(SAT_ORDERS * z)
SAT_SPEND = 0.1  # order amount ~ exp(SAT_SPEND * z)
SAT_CONTACTS = -0.3  # contact frequency ~ exp(SAT_CONTACTS * z)

# Themes: (theme_id, label, polarity, at_risk), indexed in this order.
THEMES = (
    ("delivery_late", "Late delivery", "negative", True),
    ("delivery_damaged", "Damaged delivery", "negative", False),
    ("price", "Price", "negative", True),
    ("app_usability", "App usability", "negative", False),
    ("product_quality", "Product quality", "negative", False),
    ("support_wait", "Support wait time", "negative", False),
    ("support_resolution", "Support resolution", "negative", True),
    ("billing", "Billing", "negative", True),
    ("checkout_outage", "Checkout outage", "negative", False),
    ("fast_delivery", "Fast delivery", "positive", False),
    ("friendly_staff", "Friendly staff", "positive", False),
    ("good_value", "Good value", "positive", False),
    ("product_love", "Product love", "positive", False),
    ("feature_request", "Feature request", "neutral", False),
)
THEME_IDS = tuple(t[0] for t in THEMES)
(LATE, DAMAGED, PRICE, APP, QUALITY, WAIT, RESOLUTION, BILLING, OUTAGE,
 FAST, FRIENDLY, VALUE, LOVE, FEATURE) = range(len(THEMES))

# Planted effects (see voc.demo.truth for how they are reported).
CRISIS_LATE_RATE = 0.19  # us_west late share during the delivery crisis (vs LATE_BASE)
CRISIS_EXTRA_DELAY_DAYS = 2.0  # late crisis orders are later than usual late orders
CRISIS_CHURN_MULTIPLIER = 8.0  # hazard of customers with a late crisis order ...
CRISIS_CHURN_MONTHS = (1, 2)  # ... in these months after the crisis month
PRICE_RISE = 0.20  # starter fee increase, every region except canada
PRICE_CHURN_MULTIPLIER = ((3, 2.0), (6, 1.3))  # (before this many months after the rise, multiplier)
PRICE_MENTION_BASE = 0.03  # chance an experience involves price at all
PRICE_MENTION_AFTER = 0.30  # for affected starter customers after the rise
APP_ISSUE_BASE = 0.04  # chance an experience involves an app problem
APP_ISSUE_SHANGHAI_BEFORE = 0.30  # in shanghai before the initiative fixed it
OUTAGE_HOURS = 60
OUTAGE_AFTERMATH_DAYS = 7
OUTAGE_CONTACT_DURING = 0.20  # chance an exposed customer contacts support during the outage
OUTAGE_CONTACT_AFTER = 0.08  # ... and in the following week
OUTAGE_WAIT_MULTIPLIER = (6.0, 2.5)  # beijing queue during, after
OUTAGE_CES_SHIFT = (2.0, 1.0)  # extra customer effort during, after
OUTAGE_ORDER_LOSS = 0.9  # share of beijing orders that fail during the outage


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Calendar:
    """The 24-month window ending on ``end`` and the dates of every planted effect.

    With the default end (2026-10-31) the window is 2024-11-01 .. 2026-10-31, the
    delivery crisis runs 2026-03-02 .. 2026-04-12, the starter price rise is on
    2025-09-01, the shanghai initiative starts 2025-06-01 and the beijing outage
    runs 2026-07-14 08:00 .. 2026-07-16 20:00.
    """

    end: dt.date

    @property
    def start(self) -> dt.date:
        return add_months(self.end, 1 - MONTHS)

    @property
    def month_starts(self) -> list[dt.date]:
        """First day of every month in the window, plus the first day after it."""
        firsts = [add_months(self.start, i) for i in range(MONTHS)]
        return firsts + [self.end + dt.timedelta(days=1)]

    @property
    def end_seconds(self) -> int:
        """First second after the window."""
        return (day_number(self.end) + 1) * DAY

    @property
    def crisis(self) -> tuple[dt.date, dt.date]:
        """First and last day of the us_west delivery crisis."""
        first = self.end - dt.timedelta(days=243)
        return first, first + dt.timedelta(days=41)

    @property
    def crisis_churn_months(self) -> tuple[dt.date, dt.date]:
        """First and last month in which crisis-hit customers churn more."""
        month = add_months(self.crisis[1], 0)
        return tuple(add_months(month, k) for k in CRISIS_CHURN_MONTHS)

    @property
    def price_rise(self) -> dt.date:
        return add_months(self.end, -13)

    @property
    def initiative(self) -> dt.date:
        return add_months(self.end, -16)

    @property
    def outage(self) -> tuple[dt.datetime, dt.datetime]:
        day = self.end - dt.timedelta(days=109)
        first = dt.datetime(day.year, day.month, day.day, 8)
        return first, first + dt.timedelta(hours=OUTAGE_HOURS)

    @property
    def outage_seconds(self) -> tuple[int, int, int]:
        """Outage start, outage end and end of the aftermath week, in seconds."""
        first, last = (int((t - dt.datetime(1970, 1, 1)).total_seconds()) for t in self.outage)
        return first, last, last + OUTAGE_AFTERMATH_DAYS * DAY

    def in_crisis(self, unit: np.ndarray, day: np.ndarray) -> np.ndarray:
        first, last = (day_number(d) for d in self.crisis)
        return (unit == US_WEST) & (day >= first) & (day <= last)

    def late_rate(self, unit: np.ndarray, day: np.ndarray) -> np.ndarray:
        return np.where(self.in_crisis(unit, day), CRISIS_LATE_RATE, LATE_BASE[unit])

    def app_issue_rate(self, unit: np.ndarray, day: np.ndarray) -> np.ndarray:
        before = (unit == SHANGHAI) & (day < day_number(self.initiative))
        return np.where(before, APP_ISSUE_SHANGHAI_BEFORE, APP_ISSUE_BASE)

    def price_raised(self, seg: np.ndarray, unit: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (seg == STARTER) & (unit != CANADA) & (day >= day_number(self.price_rise))

    def price_mention_rate(self, seg: np.ndarray, unit: np.ndarray, day: np.ndarray) -> np.ndarray:
        return np.where(self.price_raised(seg, unit, day), PRICE_MENTION_AFTER, PRICE_MENTION_BASE)

    def fee(self, seg: np.ndarray, unit: np.ndarray, month: dt.date) -> np.ndarray:
        raised = self.price_raised(seg, unit, np.full(seg.shape, day_number(month)))
        return FEE[seg] * np.where(raised, 1 + PRICE_RISE, 1.0)

    def price_churn_multiplier(self, seg: np.ndarray, unit: np.ndarray, month: dt.date) -> np.ndarray:
        months_after = (month.year - self.price_rise.year) * 12 + month.month - self.price_rise.month
        if months_after < 0:
            return np.ones(seg.shape)
        factor = next((f for limit, f in PRICE_CHURN_MULTIPLIER if months_after < limit), 1.0)
        return np.where(self.price_raised(seg, unit, np.full(seg.shape, day_number(month))), factor, 1.0)

    def crisis_churn_active(self, month: dt.date) -> bool:
        first, last = self.crisis_churn_months
        return first <= month <= last
