"""AppTest: every page runs for every persona allowed to see it, on the fixture database.

New pages registered in voc/navigation.py are covered without new test code.
"""
import pytest
from streamlit.testing.v1 import AppTest

from voc import config, navigation, users

TIMEOUT = 120
APP = str(config.ROOT / "app.py")
pytestmark = pytest.mark.usefixtures("fixture_db_path")  # VOC_DB points at the fixture database


def run_app(persona: str, query_params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["persona"] = persona
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def assert_clean(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {[e.value for e in at.exception]}"
    assert not at.error, f"{where}: {[e.value for e in at.error]}"


CASES = [(p.username, page.path) for p in users.DEMO_PERSONAS for page in navigation.pages_for(p.role)]


@pytest.mark.parametrize("persona,page", CASES)
def test_every_allowed_page_runs_clean(persona, page):
    at = run_app(persona)
    at.switch_page(str(config.ROOT / page))
    at.run()
    assert_clean(at, f"{persona} on {page}")
    assert at.title, f"{persona} on {page}: the page drew no title"


@pytest.mark.parametrize("persona", [p.username for p in users.DEMO_PERSONAS])
def test_navigation_lists_exactly_the_roles_pages(persona):
    role = users.persona(persona).role
    at = run_app(persona)
    assert_clean(at, f"{persona} home")
    allowed = {p.path for p in navigation.pages_for(role)}
    for page in navigation.PAGES:
        if page.path in allowed:
            at.switch_page(str(config.ROOT / page.path))
        else:
            with pytest.raises(ValueError):
                at.switch_page(str(config.ROOT / page.path))


def test_home_page_is_the_roles_home():
    at = run_app("demo-region-manager")
    assert at.title[0].value == "Region view"
    at = run_app("demo-executive")
    assert at.title[0].value == "Executive summary"


@pytest.mark.parametrize("params,fragment", [
    ({"unit": "canada"}, "outside what you may see"),          # region manager of us_west
    ({"unit": "'; drop table feedback; --"}, "outside what you may see"),
    ({"period": "forever"}, "Unknown period"),
    ({"period": "custom", "start": "2026-13-45", "end": "x"}, "not a valid pair of dates"),
    ({"period": "custom", "start": "2026-09-01", "end": "2026-01-01"}, "not a valid pair of dates"),
    ({"period": "custom", "start": "1990-01-01", "end": "1990-02-01"}, "has no data"),
    ({"segment": "starter,<script>"}, "were ignored"),
])
def test_tampered_url_filters_fall_back_with_a_message(params, fragment):
    at = run_app("demo-region-manager", params)
    assert_clean(at, f"tampered {params}")
    warnings = " ".join(w.value for w in at.warning)
    assert fragment in warnings
    # the URL is rewritten to valid values
    assert at.query_params.get("unit") in (None, "us_west")
    assert at.query_params.get("period") in ("90d", "custom", "30d", "180d", "365d")
