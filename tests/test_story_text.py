"""Story prose: values through filters, and author text made safe (HTML shown as text, never run)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from voc.story_text import complete, fill, format_value, paragraphs, safe_markdown

NAMES = {"start": dt.date(2026, 3, 2), "unit_name": "US West", "orders": 1234, "share": 12.345,
         "evil": "<img src=x onerror=alert(1)> *bold*"}
EXPORTS = {"nps": {"value": -30.0, "previous": 53.333, "delta": -83.333, "p": 0.00002, "n": 30, "unit": "pts",
                   "movement": "fell 83.3 points", "sentence": "NPS fell."}}


def unescaped_lt(markdown: str) -> list[str]:
    """Every '<' that Markdown would read as the start of HTML (not preceded by a backslash)."""
    return re.findall(r"(?<!\\)<", markdown)


@pytest.mark.parametrize("template,expected", [
    ("{{ start | date }}", "2 Mar 2026"),
    ("{{ start | month }}", "Mar 2026"),
    ("{{ orders | number }}", "1,234"),
    ("{{ share | pct }}", "12\\.3%"),
    ("{{ nps.value }}", "−30\\.0"),  # default: in the unit of its measure
    ("{{ nps.previous | pts }}", "\\+53\\.3"),
    ("{{ nps.delta }}", "83\\.3 points"),
    ("{{ nps.p }}", "p \\< 0\\.001"),
    ("{{ nps.n }}", "30"),
    ("{{ nps }}", "NPS fell\\."),  # a narrate id alone: its sentence
    ("{{ nps.movement }}", "fell 83\\.3 points"),
    ("{{ nps.amount }}", "n/a"),  # no such figure for this block
    ("{{ unit_name }}", "US West"),
])
def test_values_are_formatted_by_their_filter_and_escaped(template, expected):
    assert fill(template, NAMES, EXPORTS) == expected


def test_substituted_values_cannot_inject_html_or_markdown():
    out = fill("Unit: {{ evil }}", NAMES, EXPORTS)
    assert not unescaped_lt(out) and "\\*bold\\*" in out
    assert fill("{{ evil }}", NAMES, EXPORTS, escape=False) == NAMES["evil"]  # chart titles are not HTML


def test_html_and_script_in_prose_are_shown_as_text():
    prose = ("Hello <script>alert('x')</script> and <img src=x onerror=alert(1)>\n\n"
             "<div onclick='steal()'>click</div> &lt;b&gt; stays an entity")
    out = safe_markdown(prose)
    assert not unescaped_lt(out)
    assert "\\<script>alert('x')\\</script>" in out


def test_markdown_formatting_survives_but_dangerous_links_do_not():
    prose = ("**Bold**, a [good link](https://example.com), a [bad link](javascript:alert(1)), "
             "![tracker](https://evil.example/pixel.png) and [relative](./other).")
    out = safe_markdown(prose)
    assert "**Bold**" in out and "[good link](https://example.com)" in out
    assert "javascript" not in out and "bad link" in out
    assert "![" not in out and "[tracker](https://evil.example/pixel.png)" in out  # an image becomes a link
    assert "[relative](./other)" in out


def test_code_is_left_as_written_and_gets_no_values():
    prose = "Use `<b>` here.\n\n```\n<script>{{ unit_name }}</script>\n```\n\nAfter {{ unit_name }}."
    out = safe_markdown(prose, NAMES, EXPORTS)
    assert "`<b>`" in out and "<script>{{ unit_name }}</script>" in out and out.endswith("After US West.")


def test_paragraphs_split_on_blank_lines_keeping_code_whole():
    assert paragraphs("one\nline\n\ntwo\n\n```\na\n\nb\n```") == ["one\nline", "two", "```\na\n\nb\n```"]


def test_complete_says_whether_every_reference_has_a_value():
    assert complete("{{ nps.movement }} in {{ unit_name }}", NAMES, EXPORTS)
    assert not complete("{{ late.title }}", NAMES, EXPORTS)


def test_format_value_defaults():
    assert format_value(None) == "n/a" and format_value(float("nan")) == "n/a"
    assert format_value(dt.date(2025, 6, 1)) == "1 Jun 2025"
    assert format_value(12.0) == "12" and format_value(0.25) == "0.2"
