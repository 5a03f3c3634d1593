"""Orders and support contacts of one month, vectorised over the active customers.

Order frequency and spend grow with satisfaction; late deliveries follow the
region's late rate (tripled in us_west during the crisis). Contacts come from a
satisfaction-dependent background rate plus follow-ups of late and damaged
orders, the starter price rise and the beijing checkout outage.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voc.demo import company as co
from voc.demo.population import Active, Population

CONTACT_REASONS = ("order_status", "delivery_late", "damaged_item", "billing", "price_change",
                   "account", "product_issue", "returns", "app_problem", "checkout_failure")
(ORDER_STATUS, LATE_REASON, DAMAGED_REASON, BILLING, PRICE_CHANGE, ACCOUNT, PRODUCT,
 RETURNS, APP_PROBLEM, CHECKOUT) = range(len(CONTACT_REASONS))
# Theme a contact's reason is about (-1: none in particular).
REASON_THEME = np.array([-1, co.LATE, co.DAMAGED, co.BILLING, co.PRICE, -1, co.QUALITY,
                         co.QUALITY, co.APP, co.OUTAGE])
_BACKGROUND_REASONS = np.array([ORDER_STATUS, BILLING, ACCOUNT, PRODUCT, RETURNS, APP_PROBLEM])
_BACKGROUND_WEIGHTS = np.array([0.20, 0.20, 0.17, 0.18, 0.15, 0.10])
_FCR = np.array([0.82, 0.62, 0.70, 0.74, 0.80, 0.85, 0.72, 0.80, 0.66, 0.50])

CHANNELS = ("phone", "chat", "email")
_CHANNEL_SHARE = {False: [0.40, 0.35, 0.25], True: [0.25, 0.60, 0.15]}  # by IS_CHINA
WAIT_MEDIAN = np.array([150.0, 50.0, 14_400.0])  # seconds, by channel
_HANDLE_MEDIAN = np.array([420.0, 600.0, 360.0])
_CRISIS_WAIT_MULTIPLIER = 1.5

DAMAGE_RATE = 0.025
_LATE_FOLLOW_UP, _DAMAGE_FOLLOW_UP, _PRICE_QUESTION = 0.35, 0.40, 0.04
# Relative number of orders and contacts per hour of the day (local time).
_HOURS = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 4.5, 5, 5.5, 5, 4.5, 4.5, 4.5, 5, 5.5,
                   6.5, 7, 6, 4, 2])
_HOUR_CDF = np.cumsum(_HOURS) / _HOURS.sum()


@dataclass
class Orders:
    seq: np.ndarray  # int64 order number
    cust: np.ndarray
    unit: np.ndarray
    seg: np.ndarray
    ordered: np.ndarray  # int64 seconds
    promised: np.ndarray
    delivered: np.ndarray  # -1 while in transit at the end of the window
    amount: np.ndarray  # float64, cents
    late: np.ndarray
    early: np.ndarray  # delivered more than a day before the promise
    damaged: np.ndarray
    app_issue: np.ndarray  # the customer struggled with the app while ordering


@dataclass
class Contacts:
    seq: np.ndarray
    cust: np.ndarray
    unit: np.ndarray
    seg: np.ndarray
    started: np.ndarray  # int64 seconds
    reason: np.ndarray  # int8 index into CONTACT_REASONS
    channel: np.ndarray  # int8 index into CHANNELS
    wait: np.ndarray  # int32 seconds
    handle: np.ndarray
    fcr: np.ndarray  # resolved at first contact
    outage_phase: np.ndarray  # 0 none, 1 during the beijing outage, 2 in the week after


def event_times(rng: np.random.Generator, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """A random second within each day range [start, stop), following the daily rhythm."""
    day = start + (rng.random(start.size) * (stop - start)).astype(np.int64)
    hour = np.searchsorted(_HOUR_CDF, rng.random(start.size))
    return day * co.DAY + hour * 3600 + rng.integers(0, 3600, start.size)


def _sorted(cls, seq0: int, order: np.ndarray, **cols):
    return cls(seq=np.arange(seq0, seq0 + order.size, dtype=np.int64),
               **{k: v[order] for k, v in cols.items()})


def orders(rng: np.random.Generator, pop: Population, act: Active, cal: co.Calendar,
           seq0: int) -> Orders:
    """The month's orders, numbered from ``seq0`` in time order; marks customers hit by the crisis."""
    z, seg = pop.z[act.idx], pop.seg[act.idx]
    rate = co.ORDERS_PER_MONTH[seg] * np.exp(co.SAT_ORDERS * (z - co.SAT_CHURN) - co.SAT_ORDERS ** 2 / 2)
    count = rng.poisson(rate * act.days / co.DAYS_PER_MONTH)
    cust = np.repeat(act.idx, count)
    ordered = event_times(rng, np.repeat(act.start, count), np.repeat(act.stop, count))
    unit, seg, z = pop.unit[cust], pop.seg[cust], pop.z[cust]
    first, last, _ = cal.outage_seconds
    failed = (unit == co.BEIJING) & (ordered >= first) & (ordered < last)
    keep = ~(failed & (rng.random(cust.size) < co.OUTAGE_ORDER_LOSS))
    cust, ordered, unit, seg, z = cust[keep], ordered[keep], unit[keep], seg[keep], z[keep]
    n = cust.size

    day = ordered // co.DAY
    lo, hi = co.PROMISE_DAYS[unit, 0], co.PROMISE_DAYS[unit, 1]
    promised = (day + lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)) * co.DAY + 21 * 3600
    late = rng.random(n) < cal.late_rate(unit, day)
    delay_days = 0.3 + rng.exponential(1.5, n) + np.where(cal.in_crisis(unit, day), co.CRISIS_EXTRA_DELAY_DAYS, 0)
    on_time = ordered + (promised - ordered) * (0.45 + 0.55 * rng.random(n))
    delivered = np.where(late, promised + delay_days * co.DAY, on_time).astype(np.int64)
    early = ~late & (promised - delivered > co.DAY)
    delivered[delivered >= cal.end_seconds] = -1
    damaged = rng.random(n) < DAMAGE_RATE
    app_issue = rng.random(n) < cal.app_issue_rate(unit, day)
    amount = np.round(co.ORDER_MEDIAN[seg] * np.exp(co.SAT_SPEND * z + 0.55 * rng.standard_normal(n)), 2)

    pop.crisis_late[cust[late & cal.in_crisis(unit, day)]] = True
    return _sorted(Orders, seq0, np.argsort(ordered, kind="stable"), cust=cust, unit=unit, seg=seg,
                   ordered=ordered, promised=promised, delivered=delivered, amount=amount,
                   late=late, early=early, damaged=damaged, app_issue=app_issue)


def _background(rng, pop: Population, act: Active, cal: co.Calendar):
    z, seg = pop.z[act.idx], pop.seg[act.idx]
    rate = co.CONTACTS_PER_MONTH[seg] * np.exp(co.SAT_CONTACTS * (z - co.SAT_CHURN) - co.SAT_CONTACTS ** 2 / 2)
    count = rng.poisson(rate * act.days / co.DAYS_PER_MONTH)
    cust = np.repeat(act.idx, count)
    started = event_times(rng, np.repeat(act.start, count), np.repeat(act.stop, count))
    app_weight = cal.app_issue_rate(pop.unit[cust], started // co.DAY) / co.APP_ISSUE_BASE
    weights = np.tile(_BACKGROUND_WEIGHTS, (cust.size, 1))
    weights[:, -1] *= app_weight
    cdf = np.cumsum(weights, axis=1)
    pick = (rng.random(cust.size)[:, None] * cdf[:, -1:] >= cdf).sum(axis=1)
    return cust, started, _BACKGROUND_REASONS[pick]


def _follow_ups(rng, o: Orders):
    late = np.flatnonzero(o.late & (rng.random(o.seq.size) < _LATE_FOLLOW_UP))
    damaged = np.flatnonzero(o.damaged & (o.delivered >= 0) & (rng.random(o.seq.size) < _DAMAGE_FOLLOW_UP))
    late_at = o.promised[late] + (rng.random(late.size) * 1.5 * co.DAY).astype(np.int64)
    damaged_at = o.delivered[damaged] + (rng.random(damaged.size) * 2 * co.DAY).astype(np.int64)
    return (np.concatenate([o.cust[late], o.cust[damaged]]), np.concatenate([late_at, damaged_at]),
            np.repeat([LATE_REASON, DAMAGED_REASON], [late.size, damaged.size]))


def _price_questions(rng, pop: Population, act: Active, cal: co.Calendar, first: int):
    if first != co.day_number(cal.price_rise):
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    raised = cal.price_raised(pop.seg[act.idx], pop.unit[act.idx], act.start)
    pick = raised & (rng.random(act.idx.size) < _PRICE_QUESTION)
    stop = np.minimum(act.stop[pick], act.start[pick] + 10)
    return act.idx[pick], event_times(rng, act.start[pick], stop), np.full(pick.sum(), PRICE_CHANGE)


def _outage_contacts(rng, pop: Population, act: Active, cal: co.Calendar):
    first, last, after = cal.outage_seconds
    day = first // co.DAY
    exposed = act.idx[(pop.unit[act.idx] == co.BEIJING) & (act.start <= day) & (act.stop > day)]
    u = rng.random(exposed.size)
    during = exposed[u < co.OUTAGE_CONTACT_DURING]
    later = exposed[(u >= co.OUTAGE_CONTACT_DURING) & (u < co.OUTAGE_CONTACT_DURING + co.OUTAGE_CONTACT_AFTER)]
    at = np.concatenate([rng.integers(first, last, during.size), rng.integers(last, after, later.size)])
    return np.concatenate([during, later]), at, np.full(at.size, CHECKOUT)


def contacts(rng: np.random.Generator, pop: Population, act: Active, o: Orders, cal: co.Calendar,
             first: int, stop: int, seq0: int) -> Contacts:
    """The month's contacts (including follow-ups of this month's orders), numbered from ``seq0``."""
    parts = [_background(rng, pop, act, cal), _follow_ups(rng, o), _price_questions(rng, pop, act, cal, first)]
    if first <= cal.outage_seconds[0] // co.DAY < stop:
        parts.append(_outage_contacts(rng, pop, act, cal))
    cust, started, reason = (np.concatenate(p) for p in zip(*parts))
    keep = started < cal.end_seconds
    cust, started, reason = cust[keep], started[keep], reason[keep].astype(np.int8)
    unit, n = pop.unit[cust], cust.size

    china = co.IS_CHINA[unit]
    u = rng.random(n)
    channel = np.where(china, np.searchsorted(np.cumsum(_CHANNEL_SHARE[True]), u),
                       np.searchsorted(np.cumsum(_CHANNEL_SHARE[False]), u)).astype(np.int8)
    first_out, last_out, after_out = cal.outage_seconds
    beijing = unit == co.BEIJING
    phase = np.select([beijing & (started >= first_out) & (started < last_out),
                       beijing & (started >= last_out) & (started < after_out)], [1, 2], 0).astype(np.int8)
    queue = np.choose(phase, [1.0, *co.OUTAGE_WAIT_MULTIPLIER])
    queue = queue * np.where(cal.in_crisis(unit, started // co.DAY), _CRISIS_WAIT_MULTIPLIER, 1.0)
    wait = WAIT_MEDIAN[channel] * queue * np.exp(0.8 * rng.standard_normal(n))
    handle = _HANDLE_MEDIAN[channel] * np.exp(0.5 * rng.standard_normal(n))
    fcr = rng.random(n) < _FCR[reason] * np.where(phase == 1, 0.7, 1.0)
    return _sorted(Contacts, seq0, np.argsort(started, kind="stable"), cust=cust, unit=unit,
                   seg=pop.seg[cust], started=started, reason=reason, channel=channel,
                   wait=wait.astype(np.int32), handle=handle.astype(np.int32), fcr=fcr, outage_phase=phase)
