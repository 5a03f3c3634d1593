"""XSS in the browser: payloads in verbatims, a story and a case note stay inert text.

A small demo database (2,000 customers) gets verbatims holding three payloads (a script tag, an image
with onerror, a javascript: Markdown link), a follow-up case on one of them with the payloads in a
note, and a story, published through the story studio's store (``voc.story_store``), whose title,
summary, author, headings and prose carry them. The app is served by ``streamlit run`` and driven with
Debian's chromium. On every page that shows the payloads (voice explorer search, region view quotes,
the stories gallery and the story for a manager and an analyst, the case page) no script runs
(``window.__xss`` stays undefined, no dialog opens), no javascript: link, javascript: frame or
onerror image reaches the DOM, and the payload text is visible as text.

(``voc.config.STORIES_DIR`` is a constant, so a story *file* cannot be placed in a temporary
directory for the served app; a studio publish reaches readers through the same renderer.)
"""
from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

import voc.db
from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, choose_persona, problems, serve, wait_for_app
from voc import demo, rollups, story_store, unit_view, users
from voc.loop import cases, owners, rules
from voc.periods import Period
from voc.scope import Scope

SCRIPT = "<script>window.__xss=1</script>"
IMAGE = '<img src=x onerror="window.__xss=1">'
LINK = "[x](javascript:window.__xss=1)"
PAYLOADS = (SCRIPT, IMAGE, LINK)
MARK = "XSSPROBE"
VERBATIM = f"{MARK} late again {SCRIPT} then {IMAGE} and {LINK} end"
ADMIN = users.persona("demo-admin")
AGENT = users.persona("demo-agent")
STORY_SLUG = "xss-probe"
STORY = f"""---
title: XSS probe {SCRIPT} {LINK}
summary: A story whose summary carries {IMAGE} and {LINK} and {SCRIPT}.
audiences: [executive, manager, analyst, agent]
author: Mallory {SCRIPT}
status: published
parameters:
  start: {{type: date, default: data_end - 89 days, label: From}}
  end: {{type: date, default: data_end, label: To}}
queries: [verbatims_typical_for_theme]
---
## What customers say {SCRIPT}

{MARK} prose with {SCRIPT} and {IMAGE} and {LINK}.

<iframe src="javascript:window.__xss=1"></iframe> <a href="javascript:window.__xss=1">click me</a>

```evidence
theme: delivery_late
quotes: 5
```
"""
def plant(path: Path) -> dict:
    """Payload verbatims in us_west (newest delivery_late texts) and shanghai (a detractor), a case with a note."""
    database = voc.db.get(path)
    with database.read() as cur:
        last = cur.execute("select max(submitted_at) from feedback").fetchone()[0]
        west = cur.execute("select feedback_id from feedback where unit_id = 'us_west' and customer_id is not null "
                           "order by submitted_at desc limit 1").fetchone()[0]
        east = cur.execute("select feedback_id from feedback where unit_id = 'shanghai' and customer_id is not null "
                           "and nps is not null order by submitted_at desc limit 1").fetchone()[0]
    at = [last + dt.timedelta(minutes=5 * (i + 1)) for i in range(4)]
    with database.write() as cur:
        for i, text in enumerate((VERBATIM, f"{MARK} {SCRIPT}", f"{MARK} {IMAGE} {LINK}")):
            cur.execute("insert into feedback select * replace (? as feedback_id, ? as submitted_at, ? as text, "
                        "'review' as source, 2 as nps, -0.8 as sentiment, ['delivery_late'] as themes) "
                        "from feedback where feedback_id = ?", [f"XSS-W{i}", at[i], text, west])
        cur.execute("insert into feedback select * replace ('XSS-S0' as feedback_id, ? as submitted_at, "
                    "? as text, 'survey' as source, 1 as nps, -0.9 as sentiment, ['delivery_late'] as themes) "
                    "from feedback where feedback_id = ?", [at[3], VERBATIM, east])
        rollups.rebuild(cur)
    owners.save_person(database, ADMIN, AGENT.username, "shanghai", "agent", email="femi@staff.example")
    rules.apply(database, ADMIN, since=at[3] - dt.timedelta(seconds=1), until=at[3] + dt.timedelta(seconds=1),
                now=at[3] + dt.timedelta(minutes=1))
    with database.read() as cur:
        case_id = cur.execute("select case_id from cases where feedback_id = 'XSS-S0'").fetchone()[0]
    case = cases.get(case_id, scope=AGENT.scope.rights(), database=database)
    if case.row["owner"] != AGENT.username:  # the demo has its own shanghai agents: give the case to ours
        case = cases.assign(database, ADMIN, case_id, case.version, AGENT.username)
    cases.add_note(database, AGENT, case_id, case.version, f"note {MARK} {SCRIPT} {IMAGE} {LINK}")
    story_store.save(database, STORY_SLUG, STORY, 0, users.persona("demo-analyst"), publish=True)
    # the region view's top themes for us_west must show the planted quotes (newest delivery_late texts)
    period = Period.last_days(90, at[2].date())
    quotes = unit_view.top_themes(period, scope=Scope.of("us_west"), database=database).quotes
    assert any(MARK in q for lines in quotes.values() for q in lines), quotes.keys()
    voc.db.forget(path)
    return {"case_id": case_id}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("xss")
    db_path = folder / "demo.duckdb"
    demo.build(db_path, customers=2000, seed=11)
    planted = plant(db_path)
    with serve(db_path, folder / "streamlit.log") as url:
        yield {"url": url, **planted}


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


class Watched:
    """A browser page with every dialog and request recorded."""

    def __init__(self, browser, url: str, persona: users.User):
        self.context = browser.new_context(viewport={"width": 1400, "height": 3200})
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        wait_for_app(self.page)
        if persona != users.DEMO_PERSONAS[0]:
            choose_persona(self.page, persona.display_name)

    def go_to(self, title: str) -> None:
        self.page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
        wait_for_app(self.page)

    def assert_inert(self, where: str, shots: Path, *texts: str) -> None:
        page = self.page
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots / f"xss__{where}.png"), full_page=True)
        assert page.evaluate("() => typeof window.__xss") == "undefined", f"{where}: a payload ran"
        assert not self.dialogs, f"{where}: dialogs {self.dialogs}"
        assert page.locator("a[href^='javascript:' i], iframe[src^='javascript:' i]").count() == 0, where
        assert page.locator("img[src='x'], [onerror]").count() == 0, where
        assert page.locator("script:not([src])").evaluate_all(
            "els => els.filter(e => e.textContent.includes('__xss')).length") == 0, where
        for text in texts:
            shown = page.get_by_text(text, exact=False).filter(visible=True)
            assert shown.count() >= 1, f"{where}: {text!r} is not shown as text"
        assert not problems(page), f"{where}: {problems(page)}"

    def close(self):
        self.context.close()


def test_voice_explorer_region_view_and_story_as_the_region_manager(app, browser, shots):
    manager = users.persona("demo-region-manager")
    w = Watched(browser, app["url"], manager)
    try:
        # region view (the manager's home): the newest delivery_late verbatims are the planted ones
        w.page.get_by_text("What customers say: Late delivery").click()
        w.page.wait_for_timeout(300)
        w.assert_inert("region_view", shots, MARK, SCRIPT, IMAGE, LINK)

        w.go_to("Voice explorer")
        box = w.page.get_by_label("Search verbatims (any language, not case-sensitive)")
        box.fill(MARK)
        box.press("Enter")
        wait_for_app(w.page)
        assert w.page.get_by_text("3 verbatims matching", exact=False).count() == 1
        w.assert_inert("voice_explorer", shots, SCRIPT, IMAGE, LINK)

        w.go_to("Stories")
        card = w.page.get_by_text("XSS probe", exact=False).first
        assert card.count() == 1
        w.assert_inert("stories_gallery", shots, SCRIPT, IMAGE)
        w.page.locator("[data-testid='stPageLink'] a[href*='story=xss-probe']").first.click()
        wait_for_app(w.page)
        assert w.page.locator("h1").first.inner_text().startswith(f"XSS probe {SCRIPT}")
        w.assert_inert("story", shots, MARK, SCRIPT, IMAGE)
    finally:
        w.close()


def test_story_as_the_analyst_with_the_appendix(app, browser, shots):
    w = Watched(browser, app["url"], users.persona("demo-analyst"))
    try:
        w.go_to("Stories")
        w.page.locator("[data-testid='stPageLink'] a[href*='story=xss-probe']").first.click()
        wait_for_app(w.page)
        w.assert_inert("story_analyst", shots, MARK, SCRIPT, IMAGE, "Method, data and caveats")
    finally:
        w.close()


def test_case_page_with_a_payload_verbatim_and_note(app, browser, shots):
    w = Watched(browser, app["url"], AGENT)
    try:
        assert w.page.locator("h1").first.inner_text() == "Follow-up queue"
        pick = w.page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').filter(has_text="Open a case")
        pick.click()
        w.page.keyboard.type(app["case_id"])
        w.page.keyboard.press("Enter")
        wait_for_app(w.page)
        w.page.get_by_role("button", name="Open case").click()
        wait_for_app(w.page)
        assert w.page.locator("h1").first.inner_text() == f"Case {app['case_id']}"
        w.assert_inert("case_page", shots, MARK, SCRIPT, IMAGE, LINK)
    finally:
        w.close()


def test_a_link_cannot_make_the_browser_fetch_an_image(app, browser, shots):
    pixel = app["url"] + "/xss-pixel.png"
    w = Watched(browser, app["url"], users.DEMO_PERSONAS[0])
    try:
        w.page.goto(app["url"] + "/?unit=" + urllib.parse.quote(f"![p]({pixel})"))
        wait_for_app(w.page)
        w.page.screenshot(path=str(shots / "xss__unit_image.png"), full_page=True)
        assert w.page.get_by_text("outside what you may see", exact=False).count() >= 1
        assert not [r for r in w.requests if r.startswith(pixel)]
        assert w.page.locator(f"img[src^='{pixel}']").count() == 0
    finally:
        w.close()
