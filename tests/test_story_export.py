"""Exporting a published story: standalone HTML (charts inline, nothing loaded, nothing run), PDF, CLI."""
from __future__ import annotations

import argparse
import io
import os
import re
import unicodedata
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import sync_playwright

import voc.db
from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT
from voc import auth, stories, story_cli, story_export, story_store
from voc.story_blocks import Figure, Said
from voc.users import persona

ANA, AGENT, EXEC = persona("demo-analyst"), persona("demo-agent"), persona("demo-executive")
PERIOD = {"start": "2026-08-03", "end": "2026-10-31"}
HOSTILE = ('Hello <script>window.pwned = 1</script> and <img src=x onerror="window.pwned = 2"> '
           "[click](javascript:window.pwned=3) ![logo](https://example.com/logo.png)")

STORY = """---
title: NPS this quarter
summary: What happened to NPS <b>this</b> quarter.
audiences: [executive, analyst, agent]
author: Tester
status: published
parameters:
  start: {type: date, default: 2026-08-03}
  end: {type: date, default: 2026-10-31}
  unit: {type: unit, label: Org unit}
queries: [measures_by_segment_for_period, nps_by_month]
---
## What changed

PROSE

```narrate
kind: change
measure: nps
```

```chart
query: nps_by_month
window: trend
x: month
y: nps
```
""".replace("PROSE", HOSTILE)


@pytest.fixture(scope="module")
def shelf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export_stories")
    (folder / "nps-quarter.md").write_text(STORY, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rendered(shelf, database):
    return stories.render(stories.parse(STORY, "nps-quarter"), "analyst", PERIOD, ANA.scope, database)


@pytest.fixture(scope="module")
def exported_html(shelf, database):
    return story_export.export("nps-quarter", "analyst", PERIOD, ANA, "html", database=database, directory=shelf)


@pytest.fixture(scope="module")
def shots():
    folder = Path(os.environ.get("VOC_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def plain(text: str) -> str:
    """Text compared across HTML and PDF: compatibility forms, one kind of dash, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(re.sub(r"[\u2010-\u2015\u2212]", "-", text).split())


def test_the_html_stands_alone_and_loads_nothing(exported_html, rendered):
    page = exported_html.data.decode("utf-8")
    assert exported_html.mime == "text/html" and exported_html.filename == "nps-quarter-analyst.html"
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<(script|link|iframe|img|object|embed)\b", page, re.I)
    assert not re.search(r"<[^>]*\bsrc\s*=", page, re.I)  # no tag has a src attribute
    assert not re.search(r"url\((?!#)", page)  # CSS loads nothing either
    charts = sum(isinstance(b, Figure) for b in rendered.blocks)
    assert charts == 1 and page.count("<svg") == charts
    assert page.count('download="') == charts and "data:text/csv;charset=utf-8;base64," in page


def test_prose_html_and_script_are_text_never_markup(exported_html):
    page = exported_html.data.decode("utf-8")
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page
    assert "&lt;img src=x" in page
    assert "javascript:" not in page
    assert "&lt;b&gt;this&lt;/b&gt;" in page  # the summary too
    assert 'href="https://example.com/logo.png"' in page  # the image became a plain link, not a fetch


def test_the_html_opens_in_chromium_with_its_charts_visible(exported_html, rendered, tmp_path, shots):
    path = tmp_path / exported_html.filename
    path.write_bytes(exported_html.data)
    requests, dialogs = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            boxes = page.eval_on_selector_all("figure.chart svg", "els => els.map(e => { const r = "
                                              "e.getBoundingClientRect(); return [r.width, r.height, "
                                              "e.querySelectorAll('path').length, e.textContent]; })")
            body = page.inner_text("body")
            pwned = page.evaluate("() => window.pwned === undefined")
            page.screenshot(path=str(shots / "story_export_html.png"), full_page=True)
        finally:
            browser.close()
    assert requests == [path.as_uri()], requests  # the file itself, nothing else
    assert dialogs == [] and pwned
    assert len(boxes) == 1
    width, height, paths, text = boxes[0]
    assert width >= 500 and height >= 200 and paths >= 3
    assert "NPS (points" in text  # the axis title is drawn
    assert "<script>window.pwned = 1</script>" in body  # shown as text
    for block in rendered.blocks:
        if isinstance(block, Said):
            assert plain(block.sentence.text) in plain(body)


def test_the_pdf_is_valid_and_holds_the_story_sentences(shelf, database, rendered, tmp_path, shots):
    exported = story_export.export("nps-quarter", "analyst", PERIOD, ANA, "pdf", database=database, directory=shelf)
    assert exported.data.startswith(b"%PDF-") and exported.mime == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(exported.data))
    text = plain(" ".join(page.extract_text() for page in reader.pages))
    assert len(reader.pages) >= 1
    said = [b.sentence.text for b in rendered.blocks if isinstance(b, Said)]
    assert said and all(plain(s) in text for s in said), (said, text[:2000])
    assert "NPS this quarter" in text and "<script>window.pwned = 1</script>" in text
    (shots / "story_export.pdf").write_bytes(exported.data)


def test_an_export_is_rendered_under_the_readers_scope_and_role(shelf, database):
    page = story_export.export("nps-quarter", "agent", {}, AGENT, "html", database=database,
                               directory=shelf).data.decode("utf-8")
    assert "org units shanghai" in page
    for outside in ("US West", "US East", "Canada", "Beijing"):
        assert outside not in page
    with pytest.raises(story_export.ExportRefused):  # an agent reads the agent version only
        story_export.export("nps-quarter", "executive", {}, AGENT, "html", database=database, directory=shelf)
    with pytest.raises(story_export.ExportRefused):  # nor an executive the agent version
        story_export.export("nps-quarter", "agent", {}, EXEC, "html", database=database, directory=shelf)
    with pytest.raises(story_export.ExportRefused):
        story_export.export("no-such-story", "analyst", {}, ANA, "html", database=database, directory=shelf)


def test_the_exported_version_is_the_latest_publish_not_a_draft(private_db_path, shelf):
    db = voc.db.get(private_db_path)
    story_store.publish(db, "nps-quarter", STORY.replace("NPS this quarter", "NPS, version one"), 0, ANA)
    story_store.save(db, "nps-quarter", STORY.replace("NPS this quarter", "NPS, a draft"), 1, ANA)
    page = story_export.export("nps-quarter", "executive", {}, ANA, "html", database=db, directory=shelf)
    assert page.version == 1 and "<h1>NPS, version one</h1>" in page.data.decode("utf-8")
    with db.read() as cur:
        logged = cur.execute("select actor, target, outcome from audit_log where action = 'story_exported'").fetchall()
    assert logged == [("demo-analyst", "nps-quarter", "ok")]


def cli(*argv) -> int:
    parser = argparse.ArgumentParser()
    story_cli.add_arguments(parser.add_subparsers(dest="command").add_parser("story"))
    return story_cli.run(parser.parse_args(["story", *argv]))


def test_cli_export_and_its_reader(private_db_path, tmp_path, capsys):
    db = voc.db.get(private_db_path)
    out = tmp_path / "out" / "exec.html"
    assert cli("export", "stories/what-changed.md", "--audience", "executive", "--param", "unit=us_west",
               "--format", "html", "--out", str(out), "--db", str(private_db_path)) == 0
    page = out.read_text(encoding="utf-8")
    assert "<h1>What changed this period</h1>" in page and "unit = us_west" in page
    assert "the whole company, as the command line (demo data)" in page  # demo data: company-wide
    auth.create_user(db, auth.system_actor(), "erin", "Erin Exec", "executive", "correct horse battery", ["us_west"])
    with db.write() as cur:  # no longer demo data: the reader must be named
        cur.execute("update meta set value = 'imported' where key = 'kind'")
    assert cli("export", "what-changed", "--audience", "executive", "--out", str(out),
               "--db", str(private_db_path)) == 2
    assert "--as USER" in capsys.readouterr().err
    assert cli("export", "what-changed", "--audience", "analyst", "--as", "erin", "--out", str(out),
               "--db", str(private_db_path)) == 2  # an executive gets the executive version only
    assert "no published story" in capsys.readouterr().err
    pdf = tmp_path / "exec.pdf"
    assert cli("export", "what-changed", "--audience", "executive", "--as", "erin", "--format", "pdf",
               "--out", str(pdf), "--db", str(private_db_path)) == 0
    text = plain(" ".join(p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages))
    assert "What changed this period" in text and "org units us_west, as Erin Exec may see it" in text


def test_cli_publish_and_history(private_db_path, tmp_path, capsys):
    source = tmp_path / "what-changed.md"
    source.write_text((ROOT / "stories" / "what-changed.md").read_text().replace("What changed this period",
                                                                                  "What changed lately"))
    assert cli("publish", str(source), "--db", str(private_db_path)) == 0
    assert "published what-changed version 1" in capsys.readouterr().out
    assert cli("publish", str(source), "--db", str(private_db_path)) == 2  # base 0 is no longer the latest
    assert "cli:" in capsys.readouterr().err
    assert cli("history", "what-changed", "--format", "csv", "--db", str(private_db_path)) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "version,status,author,saved_at,published_at,base_version,characters"
    assert [line.split(",")[:3] for line in lines[1:]] == [["1", "published", auth.system_actor().username],
                                                           ["0", "published", story_store.FILE_AUTHOR]]
