"""Customers: who they are, when they sign up and when they churn.

Every customer has a latent satisfaction ``z``. New customers draw ``z ~ N(0, 1)``;
the monthly churn hazard is ``h_segment * exp(-SAT_CHURN * z + SAT_CHURN**2 / 2)``
(times planted multipliers), so satisfied customers stay longer. The customers
already present when the window opens are drawn from the stationary distribution
of that process -- ``z ~ N(SAT_CHURN, 1)``, tenure exponential with their own
hazard -- and new signups arrive at the rate that replaces the expected churn, so
the base, and everything it produces, is stationary apart from the planted effects.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from voc.demo import company as co

NEVER = np.iinfo(np.int32).max
CHURN_REASONS = ("no_longer_needed", "found_alternative", "price", "delivery",
                 "service", "moved", "other")
_BASE_REASON_WEIGHTS = np.array([0.26, 0.22, 0.14, 0.10, 0.12, 0.10, 0.06])
_PRICE_REASON, _DELIVERY_REASON = 2, 3


@dataclass
class Population:
    """One entry per customer, in signup order (customer number = index)."""

    unit: np.ndarray  # int8 region index
    seg: np.ndarray  # int8 segment index
    z: np.ndarray  # float32 latent satisfaction
    lang: np.ndarray  # int8: 0 English, 1 Chinese
    country: np.ndarray  # int8 index into company.COUNTRIES
    signup: np.ndarray  # int32 day number
    churn: np.ndarray  # int32 day number, NEVER while active
    reason: np.ndarray  # int8 index into CHURN_REASONS, -1 while active
    crisis_late: np.ndarray  # bool: had a late order during the delivery crisis

    def __len__(self) -> int:
        return len(self.unit)


@dataclass
class Active:
    """The customers active in one month and the days [start, stop) they are active."""

    idx: np.ndarray  # int64 customer numbers
    start: np.ndarray  # int32 day
    stop: np.ndarray  # int32 day (exclusive)

    @property
    def days(self) -> np.ndarray:
        return self.stop - self.start


def base_size(customers: int) -> int:
    """How many of ``customers`` exist before the window, so that signups fill the rest."""
    mean_hazard = float(co.SEGMENT_SHARE @ co.CHURN_HAZARD)
    return int(round(customers / (1 + co.MONTHS * mean_hazard)))


def hazard(pop: Population, idx: np.ndarray) -> np.ndarray:
    """Monthly churn hazard before planted effects."""
    return co.CHURN_HAZARD[pop.seg[idx]] * np.exp(-co.SAT_CHURN * pop.z[idx] + co.SAT_CHURN ** 2 / 2)


def create(rng: np.random.Generator, customers: int, cal: co.Calendar) -> Population:
    """Draw every customer of the whole window (those present at the start and later signups)."""
    n_base = base_size(customers)
    n_new = customers - n_base
    cell_share = np.outer(co.REGION_SHARE, co.SEGMENT_SHARE).ravel()
    new_share = np.outer(co.REGION_SHARE, co.SEGMENT_SHARE * co.CHURN_HAZARD).ravel()
    cells = np.concatenate([
        rng.choice(cell_share.size, n_base, p=cell_share),
        rng.choice(new_share.size, n_new, p=new_share / new_share.sum()),
    ])
    unit, seg = (cells // len(co.SEGMENTS)).astype(np.int8), (cells % len(co.SEGMENTS)).astype(np.int8)
    z = rng.standard_normal(customers).astype(np.float32)
    z[:n_base] += co.SAT_CHURN
    start, end = co.day_number(cal.start), co.day_number(cal.end)
    signup = np.empty(customers, np.int64)
    signup[n_base:] = rng.integers(start, end + 1, n_new)
    base_hazard = co.CHURN_HAZARD[seg[:n_base]] * np.exp(-co.SAT_CHURN * z[:n_base] + co.SAT_CHURN ** 2 / 2)
    tenure = rng.exponential(co.DAYS_PER_MONTH / base_hazard)
    tenure = np.where(tenure < co.HISTORY_DAYS, tenure, rng.random(n_base) * co.HISTORY_DAYS)
    signup[:n_base] = start - 1 - tenure.astype(np.int64)

    lang = (rng.random(customers) < co.ZH_SHARE[unit]).astype(np.int8)
    country = np.select([unit <= co.US_WEST, unit == co.CANADA], [0, 1], 2).astype(np.int8)
    country[(unit == co.SOUTH_CHINA) & (rng.random(customers) < co.HK_SHARE_SOUTH_CHINA)] = 3

    order = np.argsort(signup, kind="stable")
    return Population(
        unit=unit[order], seg=seg[order], z=z[order], lang=lang[order], country=country[order],
        signup=signup[order].astype(np.int32), churn=np.full(customers, NEVER, np.int32),
        reason=np.full(customers, -1, np.int8), crisis_late=np.zeros(customers, bool),
    )


def churn(rng: np.random.Generator, pop: Population, cal: co.Calendar, month: dt.date,
          first: int, stop: int) -> np.ndarray:
    """Decide who churns in the month of days [first, stop); return their customer numbers.

    Customers who signed up before the month may churn on any of its days. The
    reason is drawn from the parts of the hazard: a planted multiplier's extra
    hazard is attributed to price or delivery, the rest to the usual reasons.
    """
    idx = np.flatnonzero((pop.signup < first) & (pop.churn == NEVER))
    price = cal.price_churn_multiplier(pop.seg[idx], pop.unit[idx], month)
    crisis = np.where(pop.crisis_late[idx] & cal.crisis_churn_active(month), co.CRISIS_CHURN_MULTIPLIER, 1.0)
    total = hazard(pop, idx) * price * crisis
    p = 1 - np.exp(-total * (stop - first) / co.DAYS_PER_MONTH)
    gone = rng.random(idx.size) < p
    idx, price, crisis = idx[gone], price[gone], crisis[gone]

    parts = np.stack([np.ones(idx.size), price - 1, price * (crisis - 1)], axis=1)
    u = rng.random(idx.size) * parts.sum(axis=1)
    cause = (u[:, None] >= np.cumsum(parts, axis=1)).sum(axis=1)
    usual = rng.choice(len(CHURN_REASONS), idx.size, p=_BASE_REASON_WEIGHTS / _BASE_REASON_WEIGHTS.sum())
    pop.reason[idx] = np.choose(np.minimum(cause, 2), [usual, _PRICE_REASON, _DELIVERY_REASON])
    pop.churn[idx] = first + rng.integers(0, stop - first, idx.size)
    return idx


def active(pop: Population, first: int, stop: int) -> Active:
    """Customers with at least part of the month [first, stop) between signup and churn.

    A customer who churns in the month still counts (and pays) for that month.
    """
    idx = np.flatnonzero((pop.signup < stop) & (pop.churn >= first))
    return Active(
        idx=idx,
        start=np.maximum(pop.signup[idx], first),
        stop=np.minimum(pop.churn[idx], stop),
    )
