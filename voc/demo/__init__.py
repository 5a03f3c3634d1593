"""Lumen Market: a deterministic demo warehouse with planted, documented effects.

``build(path)`` simulates 24 months of an e-commerce company with subscription
plans (customers, orders, contacts, revenue, churn and feedback in English and
Chinese) and writes the ground truth of its planted effects next to the file:

* a delivery crisis in us_west (late rate x3, detractors, churn afterwards),
* a starter price rise everywhere except canada (price complaints, churn),
* an initiative fixing app usability in shanghai,
* a checkout outage in beijing (contacts, waits, effort),
* detractors churning ~3x as often as promoters, promoters spending more,
* business customers rarely answering surveys,
* canada as an untouched control region.

Modules: ``company`` (constants and effect calendar), ``population`` (customers,
churn), ``activity`` (orders, contacts), ``experience`` and ``feedback`` (scores,
themes, feedback rows), ``text`` with ``phrases_en``/``phrases_zh`` (verbatims),
``events`` (small tables), ``load`` (into DuckDB), ``simulate`` (the month loop),
``truth`` (the ground truth).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np

from voc import db, migrate, rollups
from voc.demo import simulate, truth
from voc.demo.company import Calendar
from voc.demo.simulate import Progress
from voc.loop import demo_cases

DEFAULT_END = dt.date(2026, 10, 31)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    _wal(path).unlink(missing_ok=True)


def _write_json_atomically(path: Path, value: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def build(path: str | os.PathLike, customers: int = 20_000, seed: int = 7, end: dt.date = DEFAULT_END,
          progress: Progress | None = None) -> dict:
    """Build the demo warehouse at ``path`` (atomically replacing any file there); return the truth.

    The file is written as ``path + ".building"`` and renamed onto ``path`` only
    when complete, so an interrupted build leaves the previous file untouched. The
    ground truth goes to ``path`` with suffix ``.truth.json``.
    """
    if customers < 1:
        raise ValueError("customers must be positive")
    path = Path(path)
    building = path.with_name(path.name + ".building")
    _remove(building)
    report = progress or (lambda fraction, message: None)
    cal = Calendar(end)
    con = db.create(building)
    try:
        incident_ids = simulate.run(con, np.random.default_rng(seed), cal, customers, report)
        report(simulate.SIMULATION_SHARE, "Playing out the follow-up cases")
        loop_truth = demo_cases.generate(con, seed=seed, end=cal.end)
        report(simulate.SIMULATION_SHARE + 0.01, "Rebuilding rollups")
        rollups.rebuild(con)
        for key, value in (("kind", "demo"), ("demo_seed", str(seed)), ("demo_customers", str(customers))):
            migrate.set_meta(con, key, value)
        report(0.97, "Writing the file")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        _remove(building)
        raise
    con.close()
    result = truth.build(seed, customers, cal, incident_ids)
    result["effects"].append(loop_truth)
    os.replace(building, path)
    # A WAL left by the replaced file (e.g. by a crashed app) would stop DuckDB opening the new one.
    _wal(path).unlink(missing_ok=True)
    _write_json_atomically(path.with_suffix(".truth.json"), result)
    report(1.0, "Done")
    return result
