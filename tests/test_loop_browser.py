"""Browser test: an agent works a follow-up case from open to closed in the real app (Debian's chromium).

A small demo company is built with its case history (voc.loop.demo_cases), served with
`streamlit run app.py`, and driven as the demo agent (Shanghai) through the Follow-up queue page.
"""
import json
import os
import re
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, choose_persona, problems, serve, wait_for_app
from voc import demo
from voc.loop import demo_cases

AGENT = "Femi Frontline (agent, Shanghai)"


@pytest.fixture(scope="module")
def loop_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loop_browser")
    path = folder / "demo.duckdb"
    demo.build(path, customers=5000, seed=5)
    con = duckdb.connect(str(path))
    try:
        if not con.execute("select count(*) from cases").fetchone()[0]:  # until voc.demo.build does it
            demo_cases.generate(con, seed=5)
        open_cases = con.execute("select count(*) from cases where owner = 'demo-agent' and status <> 'closed'"
                                 ).fetchone()[0]
    finally:
        con.close()
    assert open_cases > 0, "the demo agent has no open case to work"
    with serve(path, folder / "streamlit.log") as url:
        yield url, path


def test_an_agent_works_a_case_from_open_to_closed(loop_app):
    url, _ = loop_app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
        try:
            page.goto(url)
            wait_for_app(page)
            choose_persona(page, AGENT)
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Follow-up queue", exact=True).click()
            wait_for_app(page)
            assert page.locator("h1").first.inner_text() == "Follow-up queue"
            page.get_by_role("button", name="Open case").click()
            wait_for_app(page)
            title = page.locator("h1").first.inner_text()
            assert re.fullmatch(r"Case CS-\d{7}", title), title
            assert "case=CS-" in page.url

            page.get_by_role("button", name="Log attempt").click()        # phone, reached the customer
            wait_for_app(page)
            assert "Contact attempt logged" in page.locator('[data-testid="stAlert"]').first.inner_text()
            assert "in progress" in page.get_by_text(re.compile(r"· version \d+")).first.inner_text()

            page.get_by_role("tab", name="Resolve & close").click()
            page.locator('[data-testid="stSelectbox"]').filter(has_text="Root cause").click()
            page.get_by_role("option", name="Delivery · Carrier delay").click()
            wait_for_app(page)
            page.get_by_label("Action taken").fill("Re-shipped the order with express delivery")
            page.get_by_text("Yes", exact=True).click()
            wait_for_app(page)
            page.get_by_role("button", name="Save resolution").click()
            wait_for_app(page)
            assert "Root cause and action saved" in page.locator('[data-testid="stAlert"]').first.inner_text()

            page.get_by_role("tab", name="Resolve & close").click()
            page.get_by_role("button", name="Close case").click()
            wait_for_app(page)
            assert "Case closed" in page.locator('[data-testid="stAlert"]').first.inner_text()
            state = page.get_by_text(re.compile(r"· version \d+")).first.inner_text()
            assert state.startswith("closed · ") and "closed " in state
            assert page.get_by_role("button", name="Reopen").count() == 1
            events = page.locator('[data-testid="stDataFrame"]').first.inner_text()
            assert problems(page) == []
            shots = Path(os.environ.get("VOC_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "demo-agent__case_closed.png"), full_page=True)
        finally:
            browser.close()
    assert json.dumps(events)  # the case history table was drawn
