"""Moving simulated columns into the warehouse.

Every batch is an Arrow table of numbers registered on the connection and
inserted with one ``insert ... select``; identifiers, names, emails and phone
numbers are formatted inside DuckDB by temporary macros, so no per-row Python
strings are built (except the verbatims, which come as one Arrow array).
"""
from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa

from voc.demo import company as co
from voc.demo import experience as xp
from voc.demo import feedback as fb
from voc.demo import text
from voc.demo.activity import CHANNELS, CONTACT_REASONS, Contacts, Orders
from voc.demo.population import CHURN_REASONS, Active, Population

_FIRST_EN = ("james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david",
             "elizabeth", "william", "susan", "daniel", "jessica", "emma", "olivia", "noah", "liam",
             "sophia", "lucas", "chloe", "ethan", "ava", "mason", "grace", "owen", "zoe", "ryan")
_LAST_EN = ("smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "wilson",
            "taylor", "clark", "lewis", "walker", "hall", "young", "king", "wright", "scott", "green",
            "baker", "adams", "nelson", "hill", "campbell", "tremblay", "roy", "gagnon", "martin")
_GIVEN_ZH = ("wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yan", "jie",
             "tao", "ming", "chao", "xiu", "hui", "ping", "gang", "hua", "ying", "bo", "xin", "yu")
_FAMILY_ZH = ("wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun",
              "ma", "zhu", "hu", "guo", "he", "lin", "luo", "gao", "zheng", "liang", "xie", "song")


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Settings for a bulk load, and temporary macros that turn numbers into the warehouse's strings.

    Automatic checkpoints are rare (every 256 MB of WAL instead of 16 MB): each one
    rewrites the growing primary-key indexes, and at the default threshold a small
    build spends nearly half its time checkpointing. The build checkpoints at the end.
    """
    con.execute("set checkpoint_threshold = '256MB'")
    con.execute("set enable_progress_bar = false")
    names = {"unit": co.REGIONS, "segment": co.SEGMENTS, "plan": co.PLANS, "country": co.COUNTRIES,
             "source": fb.SOURCES, "fchannel": fb.CHANNELS, "touchpoint": fb.TOUCHPOINTS,
             "stage": xp.STAGES, "language": text.LANGUAGES, "theme": co.THEME_IDS,
             "channel": CHANNELS, "reason": CONTACT_REASONS, "churn_reason": CHURN_REASONS}
    for name, values in names.items():
        con.execute(f"create temp macro demo_{name}(i) as {_sql_list(values)}[i + 1]")
    con.execute("create temp macro demo_cid(i) as printf('C%07d', i)")
    con.execute(f"""create temp macro demo_email(i, u) as
        case when u < 3 then {_sql_list(_FIRST_EN)}[1 + (i * 7) % {len(_FIRST_EN)}] || '.'
                             || {_sql_list(_LAST_EN)}[1 + (i // 7 + i * 3) % {len(_LAST_EN)}]
             else {_sql_list(_GIVEN_ZH)}[1 + (i * 7) % {len(_GIVEN_ZH)}] || '.'
                  || {_sql_list(_FAMILY_ZH)}[1 + (i // 7 + i * 3) % {len(_FAMILY_ZH)}]
        end || (i % 97) || '@example.com'""")
    con.execute("""create temp macro demo_phone(i, u) as
        case when u < 3 then printf('+1-%d-555-01%02d',
                                    [[212, 617, 202], [415, 206, 310], [416, 604, 514]][u + 1][1 + i % 3], i % 100)
             else printf('+86-%d-5550-%04d', [21, 10, 20][u - 2], i % 10000) end""")


def _insert(con: duckdb.DuckDBPyConnection, table: pa.Table, sql: str) -> None:
    con.register("demo_batch", table)
    try:
        con.execute(sql)
    finally:
        con.unregister("demo_batch")


def _timestamps(seconds: np.ndarray) -> pa.Array:
    return pa.array(seconds, pa.timestamp("s"), mask=seconds < 0)


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.date32())


def _nullable(values: np.ndarray) -> pa.Array:
    return pa.array(values, mask=values < 0)


def rows(con: duckdb.DuckDBPyConnection, table: str, records: list[dict]) -> None:
    """Insert a few literal records (dimension and event tables)."""
    _insert(con, pa.Table.from_pylist(records), f"insert into {table} by name select * from demo_batch")


def customers(con: duckdb.DuckDBPyConnection, pop: Population) -> None:
    batch = pa.table({"i": np.arange(len(pop)), "unit": pop.unit, "seg": pop.seg, "country": pop.country,
                      "signup": _dates(pop.signup)})
    _insert(con, batch, """insert into customers by name
        select demo_cid(i) as customer_id, demo_unit(unit) as unit_id, demo_segment(seg) as segment,
               demo_country(country) as country, demo_plan(seg) as plan, signup as signup_at,
               demo_email(i, unit) as email, demo_phone(i, unit) as phone
        from demo_batch""")


def orders(con: duckdb.DuckDBPyConnection, o: Orders) -> None:
    batch = pa.table({"seq": o.seq, "cust": o.cust, "unit": o.unit, "ordered": _timestamps(o.ordered),
                      "promised": _timestamps(o.promised), "delivered": _timestamps(o.delivered),
                      "amount": o.amount})
    _insert(con, batch, """insert into orders by name
        select printf('O%09d', seq) as order_id, demo_cid(cust) as customer_id, demo_unit(unit) as unit_id,
               ordered as ordered_at, promised as promised_at, delivered as delivered_at,
               amount::decimal(12, 2) as amount
        from demo_batch""")


def contacts(con: duckdb.DuckDBPyConnection, k: Contacts) -> None:
    batch = pa.table({"seq": k.seq, "cust": k.cust, "unit": k.unit, "channel": k.channel, "reason": k.reason,
                      "started": _timestamps(k.started), "wait": k.wait, "handle": k.handle, "fcr": k.fcr})
    _insert(con, batch, """insert into contacts by name
        select printf('K%08d', seq) as contact_id, demo_cid(cust) as customer_id, demo_unit(unit) as unit_id,
               demo_channel(channel) as channel, demo_reason(reason) as reason, started as started_at,
               wait as wait_seconds, handle as handle_seconds, fcr as resolved_first_contact
        from demo_batch""")


def revenue(con: duckdb.DuckDBPyConnection, pop: Population, act: Active, o: Orders, cal: co.Calendar,
            month: dt.date) -> None:
    """One row per active customer: the plan fee plus the month's order amounts."""
    spend = np.bincount(np.searchsorted(act.idx, o.cust), weights=o.amount, minlength=act.idx.size)
    fee = cal.fee(pop.seg[act.idx], pop.unit[act.idx], month)
    batch = pa.table({"cust": act.idx, "unit": pop.unit[act.idx], "amount": np.round(fee + spend, 2)})
    _insert(con, batch, f"""insert into revenue by name
        select demo_cid(cust) as customer_id, demo_unit(unit) as unit_id, date '{month.isoformat()}' as month,
               amount::decimal(12, 2) as amount
        from demo_batch""")


def churn_events(con: duckdb.DuckDBPyConnection, pop: Population, idx: np.ndarray) -> None:
    batch = pa.table({"cust": idx, "unit": pop.unit[idx], "day": _dates(pop.churn[idx]), "reason": pop.reason[idx]})
    _insert(con, batch, """insert into churn_events by name
        select demo_cid(cust) as customer_id, demo_unit(unit) as unit_id, day as churned_at,
               demo_churn_reason(reason) as reason
        from demo_batch""")


def feedback(con: duckdb.DuckDBPyConnection, f: dict, verbatims: pa.Array, seq0: int) -> None:
    n = f["ts"].size
    batch = pa.table({
        "seq": np.arange(seq0, seq0 + n), "cust": f["cust"], "unit": f["unit"], "seg": _nullable(f["seg"]),
        "source": f["source"], "channel": _nullable(f["channel"]), "touch": _nullable(f["touch"]),
        "stage": _nullable(f["stage"]), "ikind": f["ikind"], "iseq": f["iseq"], "ts": _timestamps(f["ts"]),
        "lang": f["lang"], **{s: _nullable(f[s]) for s in ("nps", "csat", "ces", "rating")},
        "text": verbatims, "pii": f["pii"], "sentiment": pa.array(f["sentiment"], mask=np.isnan(f["sentiment"])),
        "t1": f["t1"], "t2": f["t2"],
    })
    _insert(con, batch, f"""insert into feedback by name
        select printf('F%09d', seq) as feedback_id, case when cust >= 0 then demo_cid(cust) end as customer_id,
               demo_unit(unit) as unit_id, demo_segment(seg) as segment, demo_source(source) as source,
               source = {fb.SURVEY} as solicited, demo_fchannel(channel) as channel,
               demo_stage(stage) as journey_stage, demo_touchpoint(touch) as touchpoint,
               case ikind when {fb.ORDER} then printf('O%09d', iseq)
                          when {fb.CONTACT} then printf('K%08d', iseq) end as interaction_id,
               ts as submitted_at, demo_language(lang) as language, nps, csat, ces, rating,
               case when pii then replace(replace(text, '{{email}}', demo_email(cust, unit)),
                                          '{{phone}}', demo_phone(cust, unit))
                    else text end as text,
               sentiment,
               case when t1 < 0 then null when t2 < 0 then [demo_theme(t1)]
                    else [demo_theme(t1), demo_theme(t2)] end as themes
        from demo_batch""")
