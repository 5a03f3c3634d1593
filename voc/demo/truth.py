"""The ground truth of a demo build: every planted effect with the parameters to check it.

Rates are the generator's parameters (what a perfect analysis should recover),
not measurements of one build; the ``metric`` strings say how each is measured.
"""
from __future__ import annotations

import datetime as dt

from voc.demo import company as co
from voc.demo import feedback as fb
from voc.demo.events import CRISIS_INCIDENT, INITIATIVE_ID, OUTAGE_INCIDENT
from voc.demo.experience import PENALTY


def _month_end(first: dt.date) -> dt.date:
    return co.add_months(first, 1) - dt.timedelta(days=1)


def _crisis(cal: co.Calendar, incident_ids: dict) -> dict:
    first, last = cal.crisis
    churn_first, churn_last = cal.crisis_churn_months
    before = float(co.LATE_BASE[co.US_WEST])
    return {
        "kind": "delivery_crisis", "unit_id": "us_west", "start": first.isoformat(), "end": last.isoformat(),
        "incident_id": incident_ids[CRISIS_INCIDENT], "theme_id": "delivery_late",
        "late_rate_before": before, "late_rate_during": co.CRISIS_LATE_RATE,
        "expected_late_ratio": round(co.CRISIS_LATE_RATE / before, 2),
        "late_metric": "share of orders (by ordered_at) with delivered_at > promised_at",
        "nps_penalty_late": float(PENALTY[co.LATE]),
        "churn_start": churn_first.isoformat(), "churn_end": _month_end(churn_last).isoformat(),
        "churn_multiplier_exposed": co.CRISIS_CHURN_MULTIPLIER,
        "exposed": "us_west customers with a late order placed during the crisis",
    }


def _price_rise(cal: co.Calendar) -> dict:
    before = float(co.FEE[co.STARTER])
    return {
        "kind": "price_rise", "segment": "starter", "date": cal.price_rise.isoformat(),
        "increase": co.PRICE_RISE, "price_before": before, "price_after": round(before * (1 + co.PRICE_RISE), 2),
        "units": [u for u in co.REGIONS if u != "canada"], "excluded_units": ["canada"],
        "note": "Canadian prices are set separately and did not change",
        "unaffected_segments": [s for s in co.SEGMENTS if s != "starter"],
        "theme_id": "price", "price_mention_rate_before": co.PRICE_MENTION_BASE,
        "price_mention_rate_after": co.PRICE_MENTION_AFTER,
        "churn_multipliers": [{"months_after_below": m, "multiplier": f} for m, f in co.PRICE_CHURN_MULTIPLIER],
        "revenue_metric": "revenue per starter customer-month rises by the fee increase",
    }


def _initiative(cal: co.Calendar) -> dict:
    return {
        "kind": "initiative", "initiative_id": INITIATIVE_ID, "unit_id": "shanghai", "theme_id": "app_usability",
        "started_at": cal.initiative.isoformat(), "ended_at": co.add_months(cal.initiative, 3).isoformat(),
        "effective_from": cal.initiative.isoformat(),
        "issue_rate_before": co.APP_ISSUE_SHANGHAI_BEFORE, "issue_rate_after": co.APP_ISSUE_BASE,
        "issue_rate_elsewhere": co.APP_ISSUE_BASE, "nps_penalty": float(PENALTY[co.APP]),
        "metric": "share of shanghai verbatims with theme app_usability, and shanghai NPS detractor share",
    }


def _outage(cal: co.Calendar, incident_ids: dict) -> dict:
    first, last = cal.outage
    return {
        "kind": "outage", "incident_id": incident_ids[OUTAGE_INCIDENT], "unit_id": "beijing",
        "service": "checkout", "severity": 1, "theme_id": "checkout_outage",
        "started_at": first.isoformat(), "ended_at": last.isoformat(),
        "aftermath_end": (last + dt.timedelta(days=co.OUTAGE_AFTERMATH_DAYS)).isoformat(),
        "exposed": "beijing customers active when the outage starts",
        "contact_prob_during": co.OUTAGE_CONTACT_DURING, "contact_prob_after": co.OUTAGE_CONTACT_AFTER,
        "wait_multiplier_during": co.OUTAGE_WAIT_MULTIPLIER[0], "wait_multiplier_after": co.OUTAGE_WAIT_MULTIPLIER[1],
        "ces_shift_during": co.OUTAGE_CES_SHIFT[0], "ces_shift_after": co.OUTAGE_CES_SHIFT[1],
        "order_loss_during": co.OUTAGE_ORDER_LOSS,
    }


def _detractor_churn() -> dict:
    return {
        "kind": "detractor_churn", "expected_ratio": 3.0, "expected_ratio_range": [2.0, 4.0],
        "metric": "per survey answer (last NPS of a customer in a month): share churning within 90 days, "
                  "detractors (0-6) / promoters (9-10)",
        "hazard": f"monthly churn hazard ~ exp(-{co.SAT_CHURN} * satisfaction); NPS ~ 1.8 * satisfaction",
        "revenue": f"promoters spend more: orders ~ exp({co.SAT_ORDERS} * satisfaction), "
                   f"amount ~ exp({co.SAT_SPEND} * satisfaction)",
    }


def _response_bias() -> dict:
    rate = dict(zip(co.SEGMENTS, co.SURVEY_RESPONSE.tolist()))
    return {
        "kind": "response_bias", "segment": "business", "response_rate": rate.pop("business"),
        "other_segments_rate": rate, "late_order_boost": fb.LATE_RESPONSE_BOOST,
        "metric": "post-order surveys (interaction_id = order_id) per order, by segment",
        "note": "business customers are the most valuable and the least heard",
    }


def _control() -> dict:
    return {
        "kind": "control", "unit_id": "canada",
        "note": "Nothing happens in canada: no crisis, outage, price change, initiative or minor incident",
        "stationary_measures": ["nps", "csat", "ces", "late_rate", "contact_rate", "wait", "churn",
                                "theme_shares", "volume"],
    }


def build(seed: int, customers: int, cal: co.Calendar, incident_ids: dict) -> dict:
    return {
        "seed": seed, "customers": customers, "start": cal.start.isoformat(), "end": cal.end.isoformat(),
        "control_unit": "canada",
        "effects": [_crisis(cal, incident_ids), _price_rise(cal), _initiative(cal), _outage(cal, incident_ids),
                    _detractor_churn(), _response_bias(), _control()],
    }
