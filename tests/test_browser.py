"""Browser tests: `streamlit run` on a small generated demo database, driven by Debian's chromium."""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, choose_persona, problems, serve, wait_for_app
from voc import demo, navigation, users


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    db_path = folder / "demo.duckdb"
    demo.build(db_path, customers=3000, seed=11)
    with serve(db_path, folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots():
    folder = Path(os.environ.get("VOC_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_as(browser, url: str, persona: users.User):
    context = browser.new_context(viewport={"width": 1400, "height": 3200})
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    if persona != users.DEMO_PERSONAS[0]:
        choose_persona(page, persona.display_name)
    return context, page


def go_to(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)


@pytest.mark.parametrize("persona", users.DEMO_PERSONAS, ids=lambda u: u.username)
def test_every_page_of_every_persona_loads_clean(demo_app, browser, shots, persona, capsys):
    with capsys.disabled():
        print(f"\nscreenshots: {shots}")
    context, page = open_as(browser, demo_app, persona)
    found = []
    try:
        for spec in navigation.pages_for(persona.role):
            go_to(page, spec.title)
            name = f"{persona.username}__{Path(spec.path).stem}.png"
            page.screenshot(path=str(shots / name), full_page=True)
            found += [f"{spec.title}: {text[:300]}" for text in problems(page)]
            assert page.locator("h1").count() >= 1, f"{spec.title} drew no title"
    finally:
        context.close()
    assert not found, found


def _nps_tile(page) -> str:
    tile = page.locator('[data-testid="stMetric"]').filter(has_text="NPS").first
    return tile.locator('[data-testid="stMetricValue"]').inner_text()


def test_changing_a_filter_updates_url_and_kpi(demo_app, browser):
    context, page = open_as(browser, demo_app, users.DEMO_PERSONAS[0])
    try:
        before = _nps_tile(page)
        assert "period=90d" in page.url
        unit_box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Org unit")
        unit_box.click()
        page.get_by_role("option", name=re.compile("US West")).click()
        wait_for_app(page)
        assert "unit=us_west" in page.url
        after = _nps_tile(page)
        assert after != before, (before, after)
    finally:
        context.close()
