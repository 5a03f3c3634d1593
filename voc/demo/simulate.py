"""The month-by-month simulation, loading each month's facts as soon as they exist.

Memory stays bounded by one month of orders, contacts and feedback plus a few
arrays over all customers; every random draw comes from one generator in a
fixed order, so a seed fully determines the warehouse.
"""
from __future__ import annotations

from typing import Callable

import duckdb
import numpy as np

from voc.demo import activity, events, load, population, text
from voc.demo import company as co
from voc.demo import feedback as fb

Progress = Callable[[float, str], None]
SIMULATION_SHARE = 0.9  # of the progress bar; rollups and checkpoint take the rest


def run(con: duckdb.DuckDBPyConnection, rng: np.random.Generator, cal: co.Calendar, customers: int,
        report: Progress) -> dict[str, str]:
    """Fill every table but ``cases``; return the ids of the planted incidents."""
    report(0.0, "Creating customers")
    pop = population.create(rng, customers, cal)
    incidents, incident_ids = events.incidents(rng, cal)
    load.prepare(con)
    for table, records in (("org_units", events.org_units()), ("themes", events.themes()),
                           ("incidents", incidents), ("initiatives", events.initiatives(cal)),
                           ("annotations", events.annotations(cal))):
        load.rows(con, table, records)
    load.customers(con, pop)

    order_seq = contact_seq = feedback_seq = 0
    firsts = cal.month_starts
    for m, month in enumerate(firsts[:-1]):
        report(SIMULATION_SHARE * m / co.MONTHS, f"Simulating {month:%B %Y}")
        first, stop = co.day_number(month), co.day_number(firsts[m + 1])
        gone = population.churn(rng, pop, cal, month, first, stop)
        act = population.active(pop, first, stop)
        orders = activity.orders(rng, pop, act, cal, order_seq)
        contacts = activity.contacts(rng, pop, act, orders, cal, first, stop, contact_seq)
        feedback = fb.month(rng, pop, act, orders, contacts, cal)
        verbatims = text.compose(rng, feedback["style"], feedback["lang"], feedback["tone"],
                                 feedback["t1"], feedback["t2"], feedback["pii"])

        con.begin()
        load.churn_events(con, pop, gone)
        load.orders(con, orders)
        load.contacts(con, contacts)
        load.revenue(con, pop, act, orders, cal, month)
        load.feedback(con, feedback, verbatims, feedback_seq)
        con.commit()
        order_seq += orders.seq.size
        contact_seq += contacts.seq.size
        feedback_seq += feedback["ts"].size
    return incident_ids
