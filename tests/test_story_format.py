"""The story format: a valid story parses into sections and blocks; every mistake is reported at its line."""
from __future__ import annotations

import datetime as dt

import pytest

from voc import stories
from voc.story_format import StoryError, resolve_date

VALID = """---
title: A test story
summary: What it is about.
audiences: [executive, analyst]
author: Tester
status: draft
parameters:
  start: {type: date, default: 2026-08-03, label: From}
  end: {type: date, default: data_end, label: To}
  unit: {type: unit, default: us_west}
queries: [measures_by_segment_for_period, measures_by_unit_for_period, nps_by_month, kpi_totals_for_period]
values:
  answers: {query: kpi_totals_for_period, column: nps_n}
versions:
  executive: [decision]
---
Lead paragraph about {{ unit_name }}.

## What changed

NPS {{ nps.movement }} on {{ answers | number }} answers.

```narrate
kind: change
measure: nps
id: nps
```

```chart
query: nps_by_month
x: month
y: nps
```

## Decision {#decision}

Act now.
"""


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(StoryError) as info:
        stories.parse(text, "broken")
    return [(p.line, p.message) for p in info.value.problems]


def one_problem(text: str) -> tuple[int, str]:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def test_a_valid_story_parses_into_sections_and_blocks():
    story = stories.parse(VALID, "test-story")
    assert story.title == "A test story" and story.status == "draft"
    assert story.audiences == ("executive", "analyst")
    assert [s.id for s in story.sections] == ["lead", "what-changed", "decision"]
    kinds = [b.kind for b in story.sections[1].blocks]
    assert kinds == ["markdown", "narrate", "chart"]
    narrate = story.sections[1].blocks[1]
    assert narrate.line == 23 and narrate.spec == {"kind": "change", "measure": "nps", "id": "nps"}
    assert story.param("start").default == dt.date(2026, 8, 3)
    assert story.param("end").default == "data_end"
    assert [s.id for s in story.sections_for("executive")] == ["decision"]
    assert [s.id for s in story.sections_for("analyst")] == ["lead", "what-changed", "decision"]


def test_data_end_defaults_count_back_from_the_last_day():
    assert resolve_date("data_end - 89 days", dt.date(2026, 10, 31)) == dt.date(2026, 8, 3)
    assert resolve_date("data_end", dt.date(2026, 10, 31)) == dt.date(2026, 10, 31)


@pytest.mark.parametrize("old,new,line,fragment", [
    ("  start: {type: date, default: 2026-08-03, label: From}", "  start: {type: day, default: 2026-08-03}", 8,
     "needs a type"),
    ("  start: {type: date, default: 2026-08-03, label: From}", "  start: {type: date, default: soon}", 8,
     "is not a date"),
    ("status: draft", "status: finished", 6, "status must be one of"),
    ("audiences: [executive, analyst]", "audiences: [executive, investor]", 4, "unknown: ['investor']"),
    ("author: Tester", "author: Tester\ncolour: blue", 6, "unknown front matter key 'colour'"),
    ("  executive: [decision]", "  executive: [decisions]", 15, "there is no section 'decisions'"),
    ("measure: nps\nid: nps", "measure: happiness\nid: nps", 25, "needs 'measure:'"),
    ("kind: change\n", "kind: change\ncolour: red\n", 25, "narrate blocks have no key 'colour'"),
    ("kind: change\n", "kind: guess\n", 24, "narrate needs 'kind:'"),
    ("NPS {{ nps.movement }} on", "NPS {{ nps.movement | shout }} on", 21, "unknown filter 'shout'"),
    ("NPS {{ nps.movement }} on", "NPS {{ npz.movement }} on", 21, "'npz' is not a parameter"),
    ("NPS {{ nps.movement }} on", "NPS {{ nps.movement() }} on", 21, "cannot read"),
    ("Lead paragraph about {{ unit_name }}.", "Lead paragraph about {{ unit_name.value }}.", 17,
     "only narrate ids have attributes"),
    ("query: nps_by_month", "query: nps_by_moon", 30, "there is no query 'nps_by_moon'"),
    ("x: month\ny: nps", "x: month\ny: nps\nmark: pie", 33, "'mark:' must be line, bar or area"),
    ("y: nps\n```", "y: nps\nargs: {level: region}\n```", 30, "has no parameter 'level'"),
    ("## What changed", "# What changed", 19, "start sections with '## '"),
    ("## Decision {#decision}", "## What changed", 35, "two sections have the id 'what-changed'"),
    ("id: nps\n```", "id: nps\nperiod: crisis\n```", 27, "names no period"),
    ("kind: change\n", "kind: change\nunit: $region\n", 25, "not a parameter of this story"),
])
def test_each_mistake_is_reported_at_its_line(old, new, line, fragment):
    assert old in VALID
    found = problems(VALID.replace(old, new, 1))
    assert any(at == line and fragment in message for at, message in found), found


def test_a_block_reading_an_unlisted_query_names_the_query_to_add():
    text = VALID.replace("queries: [measures_by_segment_for_period, measures_by_unit_for_period, nps_by_month,",
                         "queries: [measures_by_unit_for_period, nps_by_month,")
    line, message = one_problem(text)
    assert line == 23 and "'measures_by_segment_for_period'" in message and "add it to 'queries:'" in message


def test_a_chart_query_missing_a_required_parameter_says_which():
    text = VALID.replace("query: nps_by_month\nx: month\ny: nps",
                         "query: measures_by_unit_for_period\nx: name\ny: nps")
    line, message = one_problem(text)
    assert line == 30 and "needs 'level' (varchar); give it under args" in message


def test_broken_yaml_and_missing_front_matter_point_at_their_lines():
    found = problems(VALID.replace("measure: nps\nid: nps", "measure: [nps\nid: nps"))
    assert any(line in (25, 26) and "cannot read the narrate block as YAML" in m for line, m in found), found
    assert problems("# Just a title\n") == [(1, problems("# Just a title\n")[0][1])]
    assert "front matter" in problems("no front matter here")[0][1]
    unclosed = VALID.replace("query: nps_by_month\nx: month\ny: nps\n```", "query: nps_by_month\nx: month\ny: nps")
    assert any(line == 29 and "never closed" in m for line, m in problems(unclosed))


def test_every_problem_is_listed_at_once_in_line_order():
    text = VALID.replace("status: draft", "status: ready").replace("kind: change\n", "kind: change\nfoo: 1\n")
    found = problems(text)
    assert [line for line, _ in found] == sorted(line for line, _ in found) and len(found) == 2
    assert str(StoryError("x", [])).startswith("x: ")
