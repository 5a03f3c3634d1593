"""Access matrix: role × page logic × story × export. A restricted reader's numbers are exactly those of
their own units, checked by numbers (and record identities), never by labels.

For every function a page calls, and every story in stories/, the result under a restricted persona's
scope (us_west region manager, bu_cn business-unit manager, shanghai agent) is compared with the same
function run under an unrestricted scope focused on the persona's unit (``Scope().narrow(focus=...)``),
and with figures counted independently from the fixture rows (``expected`` and pandas over the raw
tables read without a scope). Every data frame inside every result is checked row by row: no
``unit_id``, ``customer_id``, ``feedback_id`` or ``case_id`` from outside the persona's units. The
downloads (verbatim CSV, silent-customer CSV) are parsed and checked the same way.

Runs on a private copy of the fixture with the September follow-up cases of tests/test_loop_rules.py
(cases in all six regions), so that the loop pages have other regions' cases to leak.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import re
import shutil

import altair as alt
import numpy as np
import pandas as pd
import pytest

import voc.db
from voc import rollups
from tests.test_loop_rules import open_september
from voc import (config, drivers, emerging, exposure, kpis, listening_audit, search, stories, summary, unit_view,
                 users, voice)
from voc.loop import cases, escalate, owners, value
from voc.loop import initiatives as ini
from voc.periods import Period
from voc.scope import Scope
from voc.story_blocks import Evidence, Figure, Markdown, Notice, Said

CURRENT = Period(dt.date(2026, 8, 3), dt.date(2026, 10, 31))
NOW = dt.datetime(2026, 10, 2, 12)          # a day after the September cases were opened
TODAY = dt.date(2026, 11, 1)
PERSONAS = {"demo-region-manager": "us_west", "demo-bu-manager": "bu_cn", "demo-agent": "shanghai"}
STORY_AUDIENCE = {"manager": "manager", "agent": "agent"}


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def matrix_db(_fixture_files, tmp_path_factory):
    _, pristine = _fixture_files
    path = tmp_path_factory.mktemp("matrix") / "matrix.duckdb"
    shutil.copyfile(pristine, path)
    database, applied = open_september(path)
    assert applied.created == 41
    with database.write() as cur:  # silent valuable customers (October revenue, no feedback) in three units
        cur.execute("insert into customers values ('zz-sh1', 'shanghai', 'business', 'CN', 'business', "
                    "date '2026-01-05', 'zz-sh1@customers.example', null)")
        cur.execute("insert into revenue values ('x10', 'us_west', date '2026-10-01', 500.00), "
                    "('x08', 'us_west', date '2026-10-01', 400.00), ('x07', 'canada', date '2026-10-01', 300.00), "
                    "('zz-sh1', 'shanghai', date '2026-10-01', 250.00)")
        rollups.rebuild(cur)
    yield database
    voc.db.forget(path)


@pytest.fixture(scope="module")
def raw(matrix_db):
    """Every table a check needs, read without any scope."""
    with matrix_db.read() as cur:
        return {t: cur.execute(f"select * from {t}").df()
                for t in ("org_units", "feedback", "customers", "cases", "initiatives", "initiative_units")}


def subtree(raw, root: str) -> set[str]:
    units, found, stack = raw["org_units"], set(), [root]
    while stack:
        unit = stack.pop()
        found.add(unit)
        stack += list(units.unit_id[units.parent_id == unit])
    return found


def ancestors(raw, unit: str) -> set[str]:
    parents = dict(zip(raw["org_units"].unit_id, raw["org_units"].parent_id))
    found = set()
    while isinstance(parents.get(unit), str):
        unit = parents[unit]
        found.add(unit)
    return found


@dataclasses.dataclass
class Reader:
    persona: users.User
    unit: str
    units: set[str]          # the persona's units with their sub-units
    above: set[str]          # ancestors (visible as names and for company-wide annotations only)
    ids: dict                # column -> the identities inside the persona's units
    outside: dict            # column -> the identities outside them

    @property
    def scope(self) -> Scope:
        return self.persona.scope

    @property
    def focus(self) -> Scope:
        """Unrestricted rights, focused on the persona's unit (no masking)."""
        return Scope().narrow(focus=self.unit)


@pytest.fixture(scope="module", params=list(PERSONAS), ids=lambda p: p)
def reader(request, raw) -> Reader:
    persona = users.persona(request.param)
    unit = PERSONAS[request.param]
    assert persona.units == frozenset({unit})
    units = subtree(raw, unit)
    ids, outside = {"unit_id": units}, {"unit_id": set(raw["org_units"].unit_id) - units}
    for column, table in (("customer_id", "customers"), ("feedback_id", "feedback"), ("case_id", "cases")):
        frame = raw[table]
        ids[column] = set(frame.loc[frame.unit_id.isin(units), column])
        outside[column] = set(frame.loc[~frame.unit_id.isin(units), column]) - ids[column]
    assert all(outside[c] for c in outside)  # there is something to leak
    return Reader(persona, unit, units, ancestors(raw, unit), ids, outside)


# ---------------------------------------------------------------------------------- walking results


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return round(float(value), 6)
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return str(pd.Timestamp(value))
    return None


def walk(obj, path: str = "result"):
    """(path, leaf) for every DataFrame and every number or date inside a result; text is skipped."""
    if obj is None or isinstance(obj, (str, bytes, alt.TopLevelMixin, alt.Chart)):
        return
    if isinstance(obj, pd.DataFrame):
        yield path, obj
    elif isinstance(obj, pd.Series):
        yield path, obj.to_frame()
    elif _plain(obj) is not None:
        yield path, _plain(obj)
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            yield from walk(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, dict):
        for i, (key, item) in enumerate(obj.items()):
            yield from walk(item, f"{path}[{i}]")
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from walk(item, f"{path}[{i}]")


def frames(obj) -> list[tuple[str, pd.DataFrame]]:
    return [(p, f) for p, f in walk(obj) if isinstance(f, pd.DataFrame)]


def identity(column: str) -> bool:
    return column == "id" or column.endswith("_id")


def numbers(obj, *, skip: str = "annotations") -> list:
    """Every number, date and record identity in ``obj``, in order: what must not differ by scope.

    Annotations are left out: company-wide events are shown below the company (to the persona, whose
    rights name their units) but not to a reader who merely focuses on a unit (see the report)."""
    found = []
    for path, leaf in walk(obj):
        if skip and skip in path:
            continue
        if not isinstance(leaf, pd.DataFrame):
            found.append((path, leaf))
            continue
        for column in leaf.columns:
            series = leaf[column]
            if str(column).startswith("_"):
                found += [(f"{path}.{column}", n) for n in numbers(list(series))]
            elif identity(str(column)) or pd.api.types.is_numeric_dtype(series) or \
                    pd.api.types.is_bool_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
                found.append((f"{path}.{column}", [_plain(v) if not isinstance(v, str) else v for v in series]))
    return found


def assert_inside(reader: Reader, obj, *, what: str) -> int:
    """No row of any frame in ``obj`` belongs to another unit; returns how many rows were checked."""
    checked = 0
    for path, frame in frames(obj):
        for column, inside in reader.ids.items():
            if column not in frame.columns:
                continue
            values = set(frame[column].dropna())
            allowed = inside | (reader.above if column == "unit_id" and "annotations" in path else set())
            assert values <= allowed, f"{what} {path}.{column}: outside {reader.unit}: {sorted(values - allowed)[:5]}"
            assert not values & reader.outside[column]
            checked += len(frame)
    return checked


# ---------------------------------------------------------------------------------- the page logic


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)


LOGIC = {
    "kpis.headline": lambda s, d: kpis.headline(CURRENT, scope=s, database=d),
    "summary.build": lambda s, d: summary.build(CURRENT, scope=s, database=d),
    "unit_view.journey_stages": lambda s, d: unit_view.journey_stages(CURRENT, scope=s, database=d),
    "unit_view.operations": lambda s, d: unit_view.operations(CURRENT, scope=s, database=d),
    "unit_view.top_themes": lambda s, d: unit_view.top_themes(CURRENT, scope=s, database=d),
    "unit_view.open_cases": lambda s, d: unit_view.open_cases(NOW, scope=s, database=d),
    "drivers.key_drivers": lambda s, d: drivers.key_drivers(CURRENT, scope=s, database=d),
    "exposure.outcomes": lambda s, d: exposure.outcomes(CURRENT, scope=s, database=d),
    "voice.overview": lambda s, d: voice.overview(CURRENT, scope=s, database=d),
    "emerging.emerging": lambda s, d: emerging.emerging(CURRENT, scope=s, database=d),
    "search.search": lambda s, d: search.search(CURRENT, search.Criteria.of(""), scope=s, database=d),
    "search.search(late)": lambda s, d: search.search(CURRENT, search.Criteria.of("late"), scope=s, database=d),
    "search.csv_bytes": lambda s, d: _csv(search.csv_bytes(CURRENT, search.Criteria.of(""), scope=s, database=d)),
    "listening_audit.report": lambda s, d: listening_audit.report(CURRENT, TODAY, scope=s, database=d),
    "listening_audit.silent_customer_csv": lambda s, d: _csv(
        listening_audit.silent_customer_csv(CURRENT, scope=s, database=d)),
    "listening_audit.imports": lambda s, d: listening_audit.imports(scope=s, database=d),
    "escalate.flagged": lambda s, d: escalate.flagged(NOW, scope=s, database=d),
    "value.sla_by_month": lambda s, d: value.sla_by_month(NOW, scope=s, database=d),
    "value.contact_hours": lambda s, d: value.contact_hours(CURRENT, scope=s, database=d),
    "value.build": lambda s, d: value.build(CURRENT.end, scope=s, database=d),
    "initiatives.initiatives": lambda s, d: ini.initiatives(scope=s, database=d),
    "initiatives.outcomes": lambda s, d: ini.outcomes(CURRENT.end, 90, scope=s, database=d),
    "initiatives.customers": lambda s, d: [ini.customers(i, 90, scope=s, database=d) for i in ("ini-1", "ini-2")],
    "cases.queue(unassigned)": lambda s, d: cases.queue("", NOW, unassigned=True, scope=s, database=d),
    "cases.queue(demo-agent)": lambda s, d: cases.queue("demo-agent", NOW, scope=s, database=d),
    "owners.roster": lambda s, d: owners.roster(scope=s, database=d),
}


@pytest.mark.parametrize("name", list(LOGIC))
def test_page_logic_under_the_persona_scope_equals_its_units_alone(matrix_db, reader, name):
    mine = LOGIC[name](reader.scope, matrix_db)
    focused = LOGIC[name](reader.focus, matrix_db)
    assert numbers(mine) == numbers(focused), name
    assert_inside(reader, mine, what=name)


def test_the_checks_see_rows(matrix_db, reader):
    """The matrix is not vacuous: the frames it checks hold the persona's rows."""
    checked = sum(assert_inside(reader, LOGIC[name](reader.scope, matrix_db), what=name) for name in LOGIC)
    assert checked > 100
    found = LOGIC["search.csv_bytes"](reader.scope, matrix_db)
    assert len(found) > 0 and set(found.feedback_id) <= reader.ids["feedback_id"]


def test_the_region_view_comparison(matrix_db, reader, raw, expected):
    """Own unit first, its own sub-units (bu_cn: its three regions), then the company benchmark (one aggregate
    row, read unscoped on purpose): no peer rows, although the focused comparator shows peers beside the unit."""
    mine = unit_view.comparison(CURRENT, scope=reader.scope, database=matrix_db).frame
    focused = unit_view.comparison(CURRENT, scope=reader.focus, database=matrix_db).frame
    children = raw["org_units"].unit_id[raw["org_units"].parent_id == reader.unit]
    assert len(mine) == 1 + len(children) + 1
    counts = [c for c in mine.columns if c not in ("unit", "vs_company")]
    row = lambda frame, i: [_plain(v) for v in frame.iloc[i][counts]]  # noqa: E731
    assert row(mine, 0) == row(focused, 0)
    assert row(mine, -1) == row(focused, -1)
    company = expected["company"]["cur"]
    assert (mine.iloc[-1].nps_n, mine.iloc[-1].csat_n, mine.iloc[-1].ces_n) == (
        company["nps_n"], company["csat_n"], company["ces_n"])
    assert mine.iloc[0].nps_n == hand(raw, reader.units)["nps_n"]
    if len(children):
        assert mine.nps_n.iloc[1:-1].sum() == mine.nps_n.iloc[0]


# ---------------------------------------------------------------------------------- hand counts


def hand(raw, units: set[str], period: Period = CURRENT) -> dict:
    f = raw["feedback"]
    f = f[f.unit_id.isin(units) & (f.submitted_at >= pd.Timestamp(period.start))
          & (f.submitted_at < pd.Timestamp(period.end + dt.timedelta(days=1)))]
    scores = f.nps.dropna()
    return {"feedback_n": len(f), "nps_n": len(scores), "promoters": int((scores >= 9).sum()),
            "detractors": int((scores <= 6).sum()), "texts": set(f.loc[f.text.notna(), "feedback_id"])}


def test_headline_kpis_equal_hand_counts(matrix_db, reader, raw, expected):
    found = {k.key: k.change for k in kpis.headline(CURRENT, scope=reader.scope, database=matrix_db)}
    for period, side in ((CURRENT, "current"), (CURRENT.previous(), "previous")):
        counted = hand(raw, reader.units, period)
        nps = getattr(found["nps"], side)
        assert nps.n == counted["nps_n"]
        assert nps.value == pytest.approx((counted["promoters"] - counted["detractors"]) / counted["nps_n"] * 100)
        assert getattr(found["volume"], side).n == counted["feedback_n"]
    if reader.unit == "us_west":
        for side, key in (("current", "cur"), ("previous", "prev")):
            west = expected["us_west"][key]
            assert getattr(found["volume"], side).n == west["feedback_n"]
            assert getattr(found["csat"], side).n == west["csat_n"]
            assert getattr(found["ces"], side).n == west["ces_n"]
            assert getattr(found["churn"], side).value == pytest.approx(100 * west["churned"] / west["active_at_start"])
            assert getattr(found["revenue_at_risk"], side).value == pytest.approx(west["revenue_at_risk"])
            assert getattr(found["revenue_at_risk"], side).n == west["at_risk_customers"]


def test_voice_and_downloads_equal_hand_counts(matrix_db, reader, raw, expected):
    counted = hand(raw, reader.units)
    assert voice.overview(CURRENT, scope=reader.scope, database=matrix_db).total == counted["feedback_n"]
    if reader.unit == "us_west":
        assert counted["feedback_n"] == expected["us_west"]["cur"]["feedback_n"]
    results = search.search(CURRENT, search.Criteria.of(""), scope=reader.scope, database=matrix_db)
    assert results.total == len(counted["texts"]) and set(results.rows.feedback_id) <= counted["texts"]
    download = _csv(search.csv_bytes(CURRENT, search.Criteria.of(""), scope=reader.scope, database=matrix_db))
    assert set(download.feedback_id) == counted["texts"]                   # every one of mine, nobody else's
    assert set(download.unit_id) <= reader.units
    texts = " ".join(download.text.dropna())
    if reader.persona.role != "agent":                                     # managers never see contact details
        assert "@example" not in texts
    silent = _csv(listening_audit.silent_customer_csv(CURRENT, scope=reader.scope, database=matrix_db))
    # October is the latest month with revenue in each scope: us_west x10 (500) above its top quartile (475);
    # shanghai and bu_cn zz-sh1 alone; nobody else's silent customers
    assert set(silent.customer_id) == {"us_west": {"x10"}, "bu_cn": {"zz-sh1"}, "shanghai": {"zz-sh1"}}[reader.unit]
    assert set(silent.customer_id) <= reader.ids["customer_id"]
    assert set(silent.columns) == {"customer_id", "unit", "segment", "monthly_revenue"}  # no contact details


def test_cases_of_other_units_cannot_be_opened(matrix_db, reader, raw):
    c = raw["cases"]
    theirs = c[~c.unit_id.isin(reader.units)]
    for case_id in list(theirs.case_id[:10]):
        assert cases.get(case_id, scope=reader.scope.rights(), database=matrix_db) is None
    for customer in list(theirs.customer_id.dropna()[:10]):
        assert cases.history(customer, scope=reader.scope.rights(), database=matrix_db).empty
    mine = c[c.unit_id.isin(reader.units)]
    assert len(mine) > 0
    for case_id in mine.case_id[:3]:
        assert cases.get(case_id, scope=reader.scope.rights(), database=matrix_db).row["unit_id"] in reader.units


# ---------------------------------------------------------------------------------- stories


# every story file (read from disk at collection: opening a database here would open the default one)
STORIES = sorted(p.stem for p in config.STORIES_DIR.glob("*.md"))
NUMBER = re.compile(r"[−+-]?\d[\d,]*(?:\.\d+)?")


def story_numbers(rendered) -> list:
    """Numbers in every sentence, notice, paragraph and quote, and every figure's data."""
    found = []
    for i, block in enumerate(rendered.blocks):
        if isinstance(block, Said):
            text = block.sentence.text
        elif isinstance(block, (Notice, Markdown)):
            text = block.text
        elif isinstance(block, Evidence):
            text = " | ".join(q.text + " " + q.meta for q in block.quotes)
        else:
            text = ""
        found.append((i, block.kind, NUMBER.findall(text)))
        if isinstance(block, Figure):
            found.append((i, "data", numbers(block.data)))
    return found


def story_params(story, reader: Reader) -> dict:
    names = {p.name for p in story.params}
    values = {"start": "2026-08-03", "end": "2026-10-31", "before_start": "2026-05-05", "before_end": "2026-08-02"}
    if "unit" in names:
        values["unit"] = reader.unit
    return {k: v for k, v in values.items() if k in names}


def test_every_story_is_in_the_matrix(matrix_db):
    """Every story a reader can open (files, and studio publishes when there are any) is rendered below."""
    catalog = stories.catalog(database=matrix_db)
    assert len(STORIES) >= 6 and sorted(catalog) == STORIES
    assert all(catalog[s].story is not None for s in STORIES)


@pytest.mark.parametrize("slug", STORIES)
def test_every_story_under_the_persona_scope_equals_its_units_alone(matrix_db, reader, slug):
    story = stories.catalog(database=matrix_db)[slug].story
    audience = stories.audience_for(reader.persona.role)
    if audience not in story.audiences:
        assert not stories.may_read(reader.persona.role, story)
        assert slug not in {c.slug for c in stories.gallery(reader.persona.role)}
        return
    params = story_params(story, reader)
    mine = stories.render(story, audience, params, reader.scope, matrix_db)
    focused = stories.render(story, audience, params, reader.focus, matrix_db)
    assert not mine.messages, mine.messages
    assert story_numbers(mine) == story_numbers(focused)
    assert_inside(reader, [b.data for b in mine.blocks if isinstance(b, Figure)], what=slug)
    # every query the story ran was under the persona's rights (the log keeps the scope of each run)
    assert mine.queries_run


@pytest.mark.parametrize("slug", STORIES)
def test_a_story_about_another_unit_falls_back_to_the_readers_own(matrix_db, reader, slug):
    """Default parameters (a story written about Beijing, read by the US West manager): own unit, and a message."""
    story = stories.catalog(database=matrix_db)[slug].story
    audience = stories.audience_for(reader.persona.role)
    if audience not in story.audiences:
        return
    mine = stories.render(story, audience, {}, reader.scope, matrix_db)
    unit = mine.params.get("unit")
    if any(p.name == "unit" for p in story.params):
        assert unit in reader.units | {""}
        default = next(p.default for p in story.params if p.name == "unit")
        if default and default not in reader.units:
            assert any("outside your scope" in m for m in mine.messages)
    assert_inside(reader, [b.data for b in mine.blocks if isinstance(b, Figure)], what=slug)


def test_the_us_west_crisis_story_states_the_hand_counted_figures(matrix_db, expected):
    reader_scope = users.persona("demo-region-manager").scope
    story = stories.catalog(database=matrix_db)["us-west-delivery-crisis"].story
    found = stories.render(story, "manager", {"start": "2026-08-03", "end": "2026-10-31", "unit": "us_west"},
                           reader_scope, matrix_db)
    text = " ".join(s.text for s in found.sentences())
    prev, cur = expected["nps_by_region"]["us_west"]["prev"], expected["nps_by_region"]["us_west"]["cur"]
    assert f"from +{(prev[0] - prev[1]) / prev[2] * 100:.1f} to −{abs(cur[0] - cur[1]) / cur[2] * 100:.1f}" in text
    west = expected["us_west"]["cur"]
    assert f"{west['revenue_at_risk']:,.0f} of annual revenue is at risk from {west['at_risk_customers']} detractor" \
        in text
