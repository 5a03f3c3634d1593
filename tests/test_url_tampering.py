"""URL tampering: the US West region manager edits the query string of every page they can open.

Each attempt (another region, an ancestor, SQL, HTML, an overlong value, a path for a story, another
region's case) must show a message, fall back to what the manager may see, show exactly the numbers of
the untampered page (never another unit's), and leave the database unchanged (every table's content
hash, audit_log aside). With tests/test_sqlgate.py (80+ SQL attempts) this is the adversarial suite of
issue 5.

How pages are run (AppTest): a page script run on its own sets up its context from the URL like
app.py does (``ui.context`` → ``ui.global_filters``), so global-filter attempts run the page file
itself (and app.py for the manager's home page). The stories page links to itself and needs app.py's
page registry: it is opened from app.py, then its own parameters are tampered with.
"""
from __future__ import annotations

import math
import os
import shutil

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import voc.db
from tests.test_loop_rules import open_september
from tests.test_sqlgate import fingerprint
from voc import config

TIMEOUT = 120
MANAGER = "demo-region-manager"
HOME = "app.py"
LONG = "x" * 5000
GLOBAL_ATTEMPTS = [
    # (query parameters, the message that must be shown)
    ({"unit": "canada"}, "outside what you may see"),
    ({"unit": "lumen"}, "outside what you may see"),                     # the company above the manager
    ({"unit": "bu_na"}, "outside what you may see"),                     # the manager's own business unit
    ({"unit": "bu_cn"}, "outside what you may see"),
    ({"unit": "US_WEST"}, "outside what you may see"),                   # ids are exact
    ({"unit": "us_west' or '1'='1"}, "outside what you may see"),
    ({"unit": "'; drop table feedback; --"}, "outside what you may see"),
    ({"unit": "us_west\x00canada"}, "outside what you may see"),
    ({"unit": "<script>alert(1)</script>"}, "outside what you may see"),
    ({"unit": LONG}, "outside what you may see"),
    ({"segment": "starter' or 1=1 --"}, "were ignored"),
    ({"segment": "business,<img src=x onerror=alert(1)>"}, "were ignored"),   # the valid part is kept
    ({"source": "survey,../../etc/passwd"}, "were ignored"),
    ({"stage": "delivery; drop table users"}, "were ignored"),
    ({"period": "forever"}, "Unknown period"),
    ({"period": "365d'; select 1; --"}, "Unknown period"),
    ({"period": "custom", "start": "2026-13-45", "end": "x"}, "not a valid pair of dates"),
    ({"period": "custom", "start": "select current_date", "end": "2026-10-31"}, "not a valid pair of dates"),
    ({"period": "custom", "start": "1990-01-01", "end": "1990-02-01"}, "has no data"),
]
PAGES = ["pages/unit_view.py", "pages/drivers.py", "pages/voice_explorer.py", "pages/overdue_cases.py",
         "pages/initiatives.py", "pages/follow_up_queue.py"]
# every attempt on the home page (through app.py) and the voice explorer; a sample on the other pages
MATRIX = ([(HOME, p, m) for p, m in GLOBAL_ATTEMPTS] + [("pages/voice_explorer.py", p, m) for p, m in GLOBAL_ATTEMPTS]
          + [(page, p, m) for page in PAGES if page != "pages/voice_explorer.py"
             for p, m in (GLOBAL_ATTEMPTS[0], GLOBAL_ATTEMPTS[6], GLOBAL_ATTEMPTS[10])])


@pytest.fixture(scope="module")
def tamper_db(_fixture_files, tmp_path_factory):
    """A private fixture copy with follow-up cases in all six regions; VOC_DB points at it meanwhile."""
    _, pristine = _fixture_files
    path = tmp_path_factory.mktemp("tamper") / "tamper.duckdb"
    shutil.copyfile(pristine, path)
    database, applied = open_september(path)
    assert applied.created == 41
    previous = os.environ["VOC_DB"]
    os.environ["VOC_DB"] = str(path)
    yield database
    os.environ["VOC_DB"] = previous
    voc.db.forget(path)


READ_LOGS = ("story_reads",)  # who read which story: written on every read, like the audit log


def contents(database) -> dict:
    return {k: v for k, v in fingerprint(database).items() if k not in READ_LOGS}


def story_reads(database) -> int:
    with database.read() as cur:
        return cur.execute("select count(*) from story_reads").fetchone()[0]


@pytest.fixture
def unchanged(tamper_db):
    """The database is the same after the test as before it (audit rows and story reads aside)."""
    before = contents(tamper_db)
    yield tamper_db
    assert contents(tamper_db) == before


def run_page(page: str, params: dict | None = None, persona: str = MANAGER) -> AppTest:
    at = AppTest.from_file(str(config.ROOT / page), default_timeout=TIMEOUT)
    at.session_state["persona"] = persona
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def run_story(params: dict, persona: str = MANAGER) -> AppTest:
    at = AppTest.from_file(str(config.ROOT / HOME), default_timeout=TIMEOUT)
    at.session_state["persona"] = persona
    at.run()
    at.switch_page("pages/stories.py").run()
    at.query_params.clear()
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _cell(value):
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (np.integer, np.floating)):
        return round(float(value), 6)
    return value if isinstance(value, (int, float, bool, str)) else str(value)


TIME_COLUMNS = {"time_left", "sla_used", "hours_left", "age_hours", "waited_hours"}


def snapshot(at: AppTest) -> dict:
    """What the page shows, warnings aside: titles, text, tiles and every table's numbers and identities."""
    frames = []
    for d in at.dataframe:
        frame = d.value
        keep = [c for c in frame.columns if c not in TIME_COLUMNS and (
            str(c).endswith("_id") or pd.api.types.is_numeric_dtype(frame[c]))]
        frames.append({c: [_cell(v) for v in frame[c]] for c in keep})
    return {
        "title": [t.value for t in at.title], "header": [h.value for h in at.header],
        "subheader": [s.value for s in at.subheader], "markdown": [m.value for m in at.markdown],
        "metric": [(m.label, m.value) for m in at.metric], "info": [i.value for i in at.info],
        "error": [e.value for e in at.error], "frames": frames,
    }


_baselines: dict = {}
VALID = {"segment": ("starter", "plus", "family", "business"), "source": ("survey", "review", "social", "call"),
         "stage": ()}


def fallback(params: dict) -> dict:
    """The untampered link a tampered one must fall back to: the valid values of list filters are kept."""
    kept = {key: ",".join(v for v in params[key].split(",") if v in VALID[key]) for key in VALID if key in params}
    return {"period": "90d", **{k: v for k, v in kept.items() if v}}


def baseline(page: str, params: dict | None = None, persona: str = MANAGER) -> dict:
    params = params or {"period": "90d"}
    key = (page, persona, tuple(sorted(params.items())))
    if key not in _baselines:
        at = run_page(page, params, persona)
        assert not at.exception and not at.warning, (page, [w.value for w in at.warning])
        _baselines[key] = snapshot(at)
    return _baselines[key]


def warnings(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


# ---------------------------------------------------------------------------------- global filters


@pytest.mark.parametrize("page, params, message", MATRIX,
                         ids=[f"{p.split('/')[-1][:-3]}-{i:02d}" for i, (p, _, _) in enumerate(MATRIX)])
def test_tampered_filters_fall_back_with_a_message(unchanged, page, params, message):
    at = run_page(page, params)
    assert not at.exception, [e.value for e in at.exception]
    assert message in warnings(at)
    assert snapshot(at) == baseline(page, fallback(params))  # exactly the manager's own page, nothing else
    assert at.query_params.get("unit") in (None, "us_west")
    assert at.session_state["scope"].units == frozenset({"us_west"})


def test_the_attempts_are_many_and_distinct():
    assert len(GLOBAL_ATTEMPTS) + len(STORY_ATTEMPTS) + len(CASE_ATTEMPTS) >= 40
    assert len({str(sorted(p.items())) for p, _ in GLOBAL_ATTEMPTS}) == len(GLOBAL_ATTEMPTS)


def test_the_baseline_is_the_managers_own_region(tamper_db):
    """The page every attempt must equal shows US West's hand-counted figures (tests/conftest.py)."""
    home = run_page(HOME, {"period": "90d"})
    compare = next(d.value for d in home.dataframe if "vs_company" in d.value.columns)
    assert list(compare.unit) == ["US West", "Company (all units)"]
    assert (compare.nps_n.iloc[0], compare.nps.iloc[0]) == (30, -30.0)   # 6 promoters, 15 detractors of 30


@pytest.mark.parametrize("persona, params", [
    (MANAGER, {"period": "custom", "start": "1900-01-01", "end": "2999-12-31"}),
    ("demo-bu-manager", {"period": "custom", "start": "2026-08-03", "end": "2026-10-31"}),  # bu_cn data ends 10-20
])
def test_a_custom_period_beyond_the_data_falls_back(unchanged, persona, params):
    at = run_page(HOME, params, persona)
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("value", ["![p](https://evil.example/pixel.png)", "[Sign in again](https://evil.example)",
                                   LONG])
def test_echoed_values_are_escaped_and_clipped(unchanged, value):
    at = run_page("pages/voice_explorer.py", {"unit": value})
    text = warnings(at)
    assert "outside what you may see" in text
    assert "](" not in text and len(text) < 400


def test_refused_links_are_logged_once_per_session(unchanged):
    with unchanged.read() as cur:
        before = cur.execute("select count(*) from audit_log where action = 'url_refused'").fetchone()[0]
    at = run_page("pages/voice_explorer.py", {"unit": "canada"})
    at.run()                                                                 # a rerun does not log twice
    with unchanged.read() as cur:
        rows = cur.execute("select actor, target, outcome, detail from audit_log where action = 'url_refused' "
                           "order by id").fetchall()
    assert len(rows) == before + 1
    assert rows[-1][:3] == (MANAGER, "unit", "refused") and "canada" in rows[-1][3]


# ---------------------------------------------------------------------------------- stories

WEST_STORY = "us-west-delivery-crisis"
STORY_ATTEMPTS = [
    ({"story": "../../etc/passwd"}, "does not exist or is not published"),
    ({"story": "/etc/passwd"}, "does not exist or is not published"),
    ({"story": "..%2F..%2Fapp"}, "does not exist or is not published"),
    ({"story": "stories/us-west-delivery-crisis.md"}, "does not exist or is not published"),
    ({"story": "<script>alert(1)</script>"}, "does not exist or is not published"),
    ({"story": "' or 1=1 --"}, "does not exist or is not published"),
    ({"story": LONG}, "does not exist or is not published"),
    ({"story": WEST_STORY, "s_unit": "canada"}, "outside what you may see"),
    ({"story": WEST_STORY, "s_unit": "bu_cn"}, "outside what you may see"),
    ({"story": WEST_STORY, "s_unit": "lumen"}, "outside what you may see"),
    ({"story": WEST_STORY, "s_unit": "bu_na"}, "outside what you may see"),
    ({"story": WEST_STORY, "s_unit": "us_west'; drop table feedback; --"}, "outside what you may see"),
    ({"story": WEST_STORY, "s_start": "2026-13-01"}, "is not a date"),
    ({"story": WEST_STORY, "s_end": "'; select * from users; --"}, "is not a date"),
    ({"story": WEST_STORY, "s_start": "2026-04-12", "s_end": "2026-03-02"}, "is after"),
]


def story_baseline() -> dict:
    at = run_story({"story": WEST_STORY})
    assert not at.exception and not at.warning
    return snapshot(at)


@pytest.mark.parametrize("params, message", STORY_ATTEMPTS, ids=[f"story-{i:02d}" for i in range(len(STORY_ATTEMPTS))])
def test_tampered_story_links_fall_back_with_a_message(unchanged, params, message):
    reads = story_reads(unchanged)
    at = run_story(params)
    assert not at.exception, [e.value for e in at.exception]
    assert message in warnings(at)
    shown = snapshot(at)
    if params["story"] != WEST_STORY:                    # refused: no story at all, only the way back
        assert not shown["frames"] and not shown["metric"] and not at.expander
        assert shown["title"] == []
        assert story_reads(unchanged) == reads            # and no read is recorded
    else:                                                # fell back to the story's defaults, US West
        assert shown == story_baseline()
        assert at.query_params.get("s_unit") in (None, "us_west")


@pytest.mark.parametrize("params", [{"s_start": "[Sign in again](https://evil.example)"},
                                    {"s_unit": "![p](https://evil.example/pixel.png)"}])
def test_echoed_story_values_are_escaped(unchanged, params):
    text = warnings(run_story({"story": WEST_STORY, **params}))
    assert "is not a date" in text or "outside what you may see" in text
    assert "](" not in text


@pytest.mark.parametrize("params", [{"story": WEST_STORY, "s_start": "0001-01-01", "s_end": "0001-01-05"},
                                    {"story": "shanghai-app-redesign", "s_days": "1" + "0" * 19}])
def test_out_of_range_story_parameters_fall_back(unchanged, params):
    at = run_story(params)
    assert not at.exception, [e.value for e in at.exception]
    assert at.warning


def test_a_story_written_about_another_region_is_shown_for_the_managers_own(unchanged):
    at = run_story({"story": "beijing-checkout-outage"})
    assert "outside your scope" in warnings(at) and "shown for US West" in warnings(at)
    forced = run_story({"story": "beijing-checkout-outage", "s_unit": "us_west"})
    assert [m for m in snapshot(at)["markdown"]] == [m for m in snapshot(forced)["markdown"]]


def test_a_manager_cannot_ask_for_the_analyst_version(unchanged):
    at = run_story({"story": WEST_STORY, "audience": "analyst"})
    assert snapshot(at) == story_baseline()
    assert not any("Method, data and caveats" in m.value for m in at.markdown)


def test_an_agent_cannot_open_a_story_not_written_for_agents(unchanged):
    at = run_story({"story": "silent-business-customers"}, persona="demo-agent")
    assert "does not exist or is not published for your role" in warnings(at)
    assert not at.title


# ---------------------------------------------------------------------------------- cases

def other_regions_cases(database) -> list[str]:
    with database.read() as cur:
        return [r[0] for r in cur.execute(
            "select case_id from cases where unit_id <> 'us_west' order by unit_id, case_id").fetchall()]


CASE_ATTEMPTS = ["OTHER:shanghai", "OTHER:canada", "OTHER:beijing", "../../etc/passwd", "' or '1'='1",
                 "case-1' --", "<script>alert(1)</script>", LONG, "case-2\x00"]


@pytest.mark.parametrize("attempt", CASE_ATTEMPTS, ids=[f"case-{i:02d}" for i in range(len(CASE_ATTEMPTS))])
def test_another_regions_case_is_refused(unchanged, attempt):
    case_id = attempt
    if attempt.startswith("OTHER:"):
        with unchanged.read() as cur:
            case_id = cur.execute("select min(case_id) from cases where unit_id = ?", [attempt[6:]]).fetchone()[0]
        assert case_id
    at = run_page("pages/follow_up_queue.py", {"period": "90d", "case": case_id})
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Case not available"
    assert "that you may see" in warnings(at)
    assert not at.dataframe and not at.text_area and not at.main.markdown


def test_the_managers_own_case_opens(unchanged):
    at = run_page("pages/follow_up_queue.py", {"period": "90d", "case": "case-2"})
    assert at.title[0].value == "Case case-2"


def test_a_bare_case_link_opens_the_case(unchanged):
    """The escalation e-mail links with ?case= alone: adding the filters to the URL keeps the case."""
    at = run_page("pages/follow_up_queue.py", {"case": "case-2"})
    assert at.title[0].value == "Case case-2"
    assert at.query_params.get("case") == "case-2" and at.query_params.get("period") == "90d"


# ---------------------------------------------------------------------------------- admin pages


@pytest.mark.parametrize("page", ["pages/admin_users.py", "pages/audit_log.py", "pages/case_rules.py",
                                  "pages/data_import.py"])
@pytest.mark.parametrize("params", [{}, {"unit": "lumen"}, {"role": "admin", "user": "demo-admin"}])
def test_admin_pages_refuse_a_manager_whatever_the_link(unchanged, page, params):
    at = run_page(page, {"period": "90d", **params})
    assert not at.exception
    assert any(w.value.startswith("Only admins") for w in at.warning)
    assert not at.dataframe and not at.button and not at.text_input
