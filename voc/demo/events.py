"""The small tables: org units, themes, incidents, initiatives and annotations.

The planted incidents (us_west delivery crisis, beijing checkout outage) sit
among minor severity 3-4 incidents that have no visible effect; canada, the
control region, has no incident at all.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from voc.demo import company as co

MINOR_INCIDENTS_PER_MONTH = 0.5
_MINOR = (
    ("search", "Slow search results"), ("app", "App login errors for some users"),
    ("payments", "Card payments delayed"), ("warehouse", "Picking backlog at the warehouse"),
    ("notifications", "Delivery notifications sent late"), ("website", "Product images not loading"),
)
CRISIS_INCIDENT, OUTAGE_INCIDENT = "delivery_crisis", "outage"


def org_units() -> list[dict]:
    return [{"unit_id": u, "name": n, "parent_id": p, "level": lvl} for u, n, p, lvl in co.ORG_UNITS]


def themes() -> list[dict]:
    return [{"theme_id": t, "label": lbl, "polarity": pol, "at_risk": risk} for t, lbl, pol, risk in co.THEMES]


def _at(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour)


def incidents(rng: np.random.Generator, cal: co.Calendar) -> tuple[list[dict], dict[str, str]]:
    """All incidents in time order with ids, and the ids of the planted ones by effect kind."""
    crisis_first, crisis_last = cal.crisis
    outage_first, outage_last = cal.outage
    planted = [
        {"unit_id": "us_west", "service": "delivery", "started_at": _at(crisis_first),
         "ended_at": _at(crisis_last + dt.timedelta(days=1)), "severity": 2,
         "description": "Regional carrier capacity shortage: deliveries in US West running days late",
         "kind": CRISIS_INCIDENT},
        {"unit_id": "beijing", "service": "checkout", "started_at": outage_first, "ended_at": outage_last,
         "severity": 1, "description": "Checkout and payment outage after a failed payment-gateway upgrade",
         "kind": OUTAGE_INCIDENT},
    ]
    window = (_at(cal.start), _at(cal.end + dt.timedelta(days=1)))
    span = (window[1] - window[0]).total_seconds() - 6 * 3600  # minor incidents end inside the window
    minor = []
    for unit in co.REGIONS:
        if unit == "canada":
            continue
        for _ in range(rng.poisson(MINOR_INCIDENTS_PER_MONTH * co.MONTHS)):
            service, description = _MINOR[rng.integers(len(_MINOR))]
            started = window[0] + dt.timedelta(seconds=int(rng.random() * span) // 60 * 60)
            minor.append({"unit_id": unit, "service": service, "started_at": started,
                          "ended_at": started + dt.timedelta(minutes=int(rng.integers(30, 360))),
                          "severity": int(rng.integers(3, 5)), "description": description, "kind": None})
    records = sorted(planted + minor, key=lambda r: (r["started_at"], r["unit_id"]))
    ids = {}
    for number, record in enumerate(records, 1):
        record["incident_id"] = f"INC-{number:04d}"
        kind = record.pop("kind")
        if kind:
            ids[kind] = record["incident_id"]
    return records, ids


INITIATIVE_ID = "INI-001"


def initiatives(cal: co.Calendar) -> list[dict]:
    return [{"initiative_id": INITIATIVE_ID, "title": "Shanghai app redesign", "theme_id": "app_usability",
             "unit_id": "shanghai", "started_at": cal.initiative, "ended_at": co.add_months(cal.initiative, 3),
             "description": "New checkout flow, order history and address book in the Shanghai app, "
                            "after app usability became the top complaint",
             "owner": "Li Na (Digital Product)"}]


def annotations(cal: co.Calendar) -> list[dict]:
    crisis_first, crisis_last = cal.crisis
    old, new = co.FEE[co.STARTER], co.FEE[co.STARTER] * (1 + co.PRICE_RISE)
    records = [
        ("us_west", crisis_first, "incident", "Carrier capacity crisis starts: late deliveries"),
        ("us_west", crisis_last, "other", "Carrier capacity restored"),
        ("shanghai", cal.initiative, "initiative", "App redesign launched (app usability)"),
        ("beijing", cal.outage[0].date(), "incident", f"Checkout outage ({co.OUTAGE_HOURS} h)"),
    ]
    price_label = f"Starter plan price +{co.PRICE_RISE:.0%} ({old:.0f} -> {new:.0f})"
    records += [(unit, cal.price_rise, "price_change", price_label) for unit in co.REGIONS if unit != "canada"]
    records.sort(key=lambda r: (r[1], r[0]))
    return [{"annotation_id": f"ANN-{i:03d}", "unit_id": u, "on_date": at, "kind": kind, "label": label}
            for i, (u, at, kind, label) in enumerate(records, 1)]
