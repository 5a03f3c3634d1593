"""From what a customer went through to what they say about it.

An *experience* is a row of booleans over the negative themes (late parcel,
app trouble, price shock, ...). Each experienced issue lowers the scores by a
fixed penalty; the sentiment follows the score; the themes of the verbatim are
drawn from the experienced issues (or, for happy customers, from the positive
themes), so scores, sentiment and themes always tell the same story.
"""
from __future__ import annotations

import numpy as np

from voc.demo import company as co

NEGATIVE = np.arange(co.OUTAGE + 1)  # theme indices of the issues
POSITIVE = np.array([co.FAST, co.FRIENDLY, co.VALUE, co.LOVE])
# NPS points lost per experienced issue, in NEGATIVE order.
PENALTY = np.array([3.5, 2.5, 1.5, 3.0, 2.0, 1.5, 2.5, 1.5, 3.0])
LATE_PENALTY_PER_DAY = 0.6  # a late parcel costs this much more per day beyond the first
# How likely an experienced issue is to be the one the customer writes about.
_MENTION = np.array([4.0, 4.0, 2.0, 2.0, 2.0, 2.0, 3.0, 2.0, 5.0])
_SECOND_THEME = 0.4
NEG_TONE, NEUTRAL_TONE, POS_TONE = range(3)
# Themes written about when nothing in particular happened, by tone.
_FALLBACK = np.zeros((3, len(co.THEMES)))
_FALLBACK[NEG_TONE, [co.QUALITY, co.DAMAGED, co.BILLING, co.WAIT, co.PRICE, co.APP, co.RESOLUTION]] = \
    [0.35, 0.10, 0.15, 0.10, 0.10, 0.10, 0.10]
_FALLBACK[NEUTRAL_TONE, [co.FEATURE, co.QUALITY, co.VALUE, co.LOVE]] = [0.6, 0.1, 0.15, 0.15]
_FALLBACK[POS_TONE, [co.VALUE, co.LOVE]] = [0.45, 0.55]
_FALLBACK_CDF = np.cumsum(_FALLBACK, axis=1) / _FALLBACK.sum(axis=1, keepdims=True)

STAGES = ("onboarding", "purchase", "delivery", "billing", "renewal", "support")
ONBOARDING, PURCHASE, DELIVERY, BILLING_STAGE, RENEWAL, SUPPORT = range(len(STAGES))
_THEME_STAGE = np.array([DELIVERY, DELIVERY, BILLING_STAGE, PURCHASE, PURCHASE, SUPPORT, SUPPORT,
                         BILLING_STAGE, PURCHASE, DELIVERY, SUPPORT, RENEWAL, PURCHASE, PURCHASE])
NEW_CUSTOMER_DAYS = 45


def issues(n: int) -> np.ndarray:
    """An empty experience matrix for ``n`` rows."""
    return np.zeros((n, NEGATIVE.size), bool)


def score_drop(experience: np.ndarray, days_late: np.ndarray | float = 0.0) -> np.ndarray:
    """NPS points lost to the experienced issues (and to how late a late parcel was)."""
    return experience @ PENALTY + LATE_PENALTY_PER_DAY * np.clip(days_late - 1, 0, 5)


def sentiment(rng: np.random.Generator, score: np.ndarray, steepness: float = 1.4) -> tuple[np.ndarray, np.ndarray]:
    """Sentiment in [-1, 1] from a score centred on 0 (about -1 bad .. +1 good), and its tone."""
    value = np.tanh(steepness * score) + rng.normal(0, 0.15, score.size)
    value = np.round(np.clip(value, -1, 1), 3)
    tone = np.select([value < -0.2, value > 0.25], [NEG_TONE, POS_TONE], NEUTRAL_TONE).astype(np.int8)
    return value, tone


def themes(rng: np.random.Generator, experience: np.ndarray, positives: np.ndarray,
           tone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One or two theme indices per row (second -1 if none).

    Experienced issues are written about in proportion to their mention weight;
    positive-toned rows may also praise one of ``positives`` (weights over
    POSITIVE); rows with nothing to say fall back on a typical theme of their tone.
    """
    n = tone.size
    weight = np.zeros((n, len(co.THEMES)))
    weight[:, NEGATIVE] = experience * _MENTION
    weight[:, POSITIVE] = positives * (tone == POS_TONE)[:, None]
    with np.errstate(divide="ignore"):
        key = rng.exponential(size=weight.shape) / weight
    best = np.argpartition(key, 1, axis=1)[:, :2]  # smallest key first
    best_key = np.take_along_axis(key, best, axis=1)
    first = np.where(np.isfinite(best_key[:, 0]), best[:, 0], -1)
    second = np.where(np.isfinite(best_key[:, 1]) & (rng.random(n) < _SECOND_THEME), best[:, 1], -1)
    empty = first < 0
    pick = (rng.random(empty.sum())[:, None] >= _FALLBACK_CDF[tone[empty]]).sum(axis=1)
    first[empty] = pick
    return first.astype(np.int8), second.astype(np.int8)


def stage_of(rng: np.random.Generator, theme: np.ndarray, tenure_days: np.ndarray) -> np.ndarray:
    """Journey stage a review or social post is about, from its main theme."""
    stage = _THEME_STAGE[theme]
    stage = np.where((stage == BILLING_STAGE) & (rng.random(theme.size) < 0.5), RENEWAL, stage)
    new = (stage == PURCHASE) & (tenure_days < NEW_CUSTOMER_DAYS)
    return np.where(new, ONBOARDING, stage).astype(np.int8)
