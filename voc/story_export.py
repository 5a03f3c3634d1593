"""Export a published story for one audience to a standalone HTML file, or to PDF.

``export(slug, audience, params, user, fmt)`` renders the story's current published version
(``voc.story_store.current``: the latest studio publish, else the file in ``stories/``) under the
reader's own scope (``user.scope``: their org units, contact details masked for their role), checks
that the reader may have that audience's version, and returns the file's bytes. It is audited.

The HTML file stands alone and works offline: CSS inline, every chart rendered beforehand to inline
SVG by ``vl-convert`` (Vega-Lite compiled in Rust, no browser, no network), each chart's data
attached as a CSV ``data:`` link. A Content-Security-Policy forbids any script and any load other
than inline styles and ``data:`` images, so nothing is fetched and nothing runs when the file opens,
whatever a story says. Prose is rendered by markdown-it with raw HTML off (HTML in a story shows as
text) and images off (an image would be a network fetch); narrated sentences and quotes are escaped.

PDF: the same HTML printed by headless chromium (``VOC_CHROMIUM``, else ``chromium`` on the PATH),
with background networking, sync and component updates off.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from voc import audit_log, csv_export, stories, story_store
from voc import db as dbmod
from voc.story_blocks import Rendered
from voc.story_format import parse

CHART_WIDTH = 640  # pixels, for charts that take their width from the page in the app
FORMATS = {"html": "text/html", "pdf": "application/pdf"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
                  "--disable-quic", "--no-pdf-header-footer", "--hide-scrollbars")
AUDIENCE_NAMES = {"executive": "executives", "manager": "managers", "analyst": "analysts", "agent": "frontline agents"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table").disable("image")
_ID = re.compile(r'\bid="([^"]+)"')

STYLE = """
:root { color-scheme: light; }
body { font-family: "Source Sans Pro", "Noto Sans", "Noto Sans CJK SC", Arial, sans-serif; color: #262730;
       max-width: 860px; margin: 2rem auto; padding: 0 1.25rem; line-height: 1.5; font-size: 16px;
       font-variant-ligatures: none; /* so that text copied or searched in the PDF reads "fi", not one glyph */ }
h1 { font-size: 2rem; margin: 0 0 .25rem; } h3 { font-size: 1.25rem; margin: 1.75rem 0 .5rem; }
.summary { color: #555; font-size: 1.05rem; margin: 0 0 .75rem; }
.meta { color: #6b6f76; font-size: .85rem; border-bottom: 1px solid #e6e6e6; padding-bottom: .75rem; }
.said { margin: .6rem 0; } .notice { background: #eef4fb; border-left: 4px solid #6aa2d8; padding: .5rem .75rem;
       margin: .75rem 0; font-size: .95rem; }
figure.chart { margin: 1.25rem 0; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #6b6f76; font-size: .85rem; } figcaption a { color: #1f6fbf; }
.evidence blockquote { margin: .5rem 0 .1rem; padding: .25rem .75rem; border-left: 3px solid #c9c9c9; }
.evidence .quote-meta, .evidence .note { color: #6b6f76; font-size: .85rem; margin: 0 0 .5rem .9rem; }
code { background: #f3f3f3; padding: 0 .2rem; border-radius: 3px; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: .2rem .5rem; }
footer { color: #8a8d93; font-size: .8rem; border-top: 1px solid #e6e6e6; margin-top: 2rem; padding-top: .5rem; }
@page { size: A4; margin: 16mm 14mm; }
@media print { body { margin: 0; max-width: none; font-size: 11pt; } .csv { display: none; }
               * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


class ExportRefused(PermissionError):
    """The reader may not have this story, or this audience's version of it."""


@dataclass(frozen=True)
class Export:
    filename: str
    mime: str
    data: bytes
    version: int
    audience: str


def markdown_html(text: str) -> str:
    """Story Markdown as HTML: raw HTML shown as text, no images, only safe link schemes."""
    return _md.render(text)


def chart_svg(chart, prefix: str) -> str:
    """An Altair chart as inline SVG (ids prefixed so that several charts can share one page)."""
    import vl_convert

    spec = chart.to_dict()
    if ("mark" in spec or "layer" in spec) and spec.get("width") in (None, "container"):
        spec["width"] = CHART_WIDTH  # the app sizes charts to their column; a file needs a fixed width
    svg = vl_convert.vegalite_to_svg(spec)
    svg = svg[svg.find("<svg"):]
    for name in set(_ID.findall(svg)):
        svg = (svg.replace(f'id="{name}"', f'id="{prefix}{name}"').replace(f"url(#{name})", f"url(#{prefix}{name})")
               .replace(f'href="#{name}"', f'href="#{prefix}{name}"'))
    return svg


def _csv_link(frame, key: str, note: bool) -> str:
    data = base64.b64encode(csv_export.frame_csv(frame)).decode("ascii")
    return (f'<span class="csv">{" · " if note else ""}<a download="{html.escape(key)}.csv" '
            f'href="data:text/csv;charset=utf-8;base64,{data}">Download the data (CSV)</a></span>')


def blocks_html(rendered: Rendered) -> str:
    out = []
    for i, block in enumerate(rendered.blocks):
        if block.kind == "markdown":
            out.append(markdown_html(block.text))
        elif block.kind == "sentence":
            out.append(f'<p class="said">{html.escape(block.sentence.text)}</p>')
        elif block.kind == "chart":
            caption = html.escape(block.note or "") + _csv_link(block.data, block.key, bool(block.note))
            out.append(f'<figure class="chart" aria-label="{html.escape(block.title or "chart")}">'
                       f"{chart_svg(block.chart, f'c{i}-')}<figcaption>{caption}</figcaption></figure>")
        elif block.kind == "evidence":
            quotes = "".join(f"<blockquote>{html.escape(q.text)}</blockquote>"
                             f'<p class="quote-meta">{html.escape(q.meta)}</p>' for q in block.quotes)
            note = f'<p class="note">{html.escape(block.note)}</p>' if block.note else ""
            out.append(f'<section class="evidence"><h3>{_md.renderInline(block.title)}</h3>{quotes}{note}</section>')
        else:
            out.append(f'<p class="notice">{html.escape(block.text)}</p>')
    return "\n".join(out)


def to_html(rendered: Rendered, *, version: str, reader: str, generated_at: dt.datetime | None = None) -> str:
    """A standalone HTML document of ``rendered`` (see module docstring)."""
    at = generated_at or audit_log.now()
    params = ", ".join(f"{k} = {v}" for k, v in rendered.params.items() if v) or "defaults"
    notices = "".join(f'<p class="notice">{html.escape(m)}</p>' for m in rendered.messages)
    meta = "<br>".join(html.escape(line) for line in (
        f"For {AUDIENCE_NAMES.get(rendered.audience, rendered.audience)} · {version} · parameters: {params}",
        f"Figures for {reader} · exported {at:%d %b %Y %H:%M} UTC"))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="voc story export">
<title>{html.escape(rendered.title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>{html.escape(rendered.title)}</h1>
<p class="summary">{html.escape(rendered.summary)}</p>
<p class="meta">{meta}</p>
</header>
<main>
{notices}
{blocks_html(rendered)}
</main>
<footer>Every figure comes from a named, read-only query run under the reader's scope. A change is stated
only when it is statistically significant with enough answers; otherwise the text says the data cannot tell yet.
</footer>
</body>
</html>
"""


def chromium_path() -> str:
    found = os.environ.get("VOC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        raise RuntimeError("PDF export needs chromium (Debian: apt-get install chromium), or VOC_CHROMIUM set "
                           "to a chromium binary; HTML export works without it")
    return found


def html_to_pdf(page: str, *, timeout: float = 120.0) -> bytes:
    """Print an HTML document to PDF with headless chromium (offline: the document loads nothing)."""
    with tempfile.TemporaryDirectory(prefix="voc-pdf-") as folder:
        source, target = Path(folder) / "story.html", Path(folder) / "story.pdf"
        source.write_text(page, encoding="utf-8")
        command = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={Path(folder) / 'profile'}",
                   f"--print-to-pdf={target}", source.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, HOME=folder))
        if not target.exists() or target.stat().st_size == 0:
            raise RuntimeError(f"chromium did not print the PDF (exit {done.returncode}): {done.stderr[-500:]}")
        return target.read_bytes()


def may_export(role: str, story, audience: str) -> bool:
    """Analysts and admins: any audience of the story; others: their own role's, of a published story."""
    if audience not in story.audiences:
        return False
    if story_store.may_edit(role):
        return True
    return stories.may_read(role, story) and audience in stories.audiences_for(role, story)


def document(slug: str, audience: str, params: dict | None, user, fmt: str = "html", *, database=None,
             directory=None) -> tuple[str, int]:
    """(standalone HTML, version) of the current published version of ``slug`` for ``audience``, as
    ``user`` may see it; audited as an export in ``fmt``. Raises ``ExportRefused``."""
    database = database or dbmod.get()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    current = story_store.current(slug, database, directory)
    story = parse(current.body, slug) if current is not None else None
    if story is None or not may_export(user.role, story, audience):
        audit_log.record(database, user, "story_exported", slug, {"audience": audience, "format": fmt}, "refused")
        raise ExportRefused(f"there is no published story '{slug}' with a version for {audience}s that "
                            f"{user.username} may read")
    rendered = stories.render(story, audience, dict(params or {}), user.scope, database)
    audit_log.record(database, user, "story_exported", slug, {
        "audience": audience, "format": fmt, "version": current.version, "params": rendered.params})
    where = "the whole company" if user.units is None else "org units " + ", ".join(sorted(user.units))
    return to_html(rendered, version=current.label, reader=f"{where}, as {user.display_name} may see it"), \
        current.version


def export(slug: str, audience: str, params: dict | None, user, fmt: str = "html", *, database=None,
           directory=None) -> Export:
    """``document`` as the bytes of an HTML or PDF file."""
    text, version = document(slug, audience, params, user, fmt, database=database, directory=directory)
    data = text.encode("utf-8") if fmt == "html" else html_to_pdf(text)
    return Export(f"{slug}-{audience}.{fmt}", FORMATS[fmt], data, version, audience)
