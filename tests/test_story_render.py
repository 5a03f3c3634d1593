"""Rendering: one finding, four versions; parameters validated like URL filters; evidence and prose escaped."""
from __future__ import annotations

import datetime as dt
import pickle
import re

import pytest

from voc import stories
from voc.scope import Scope
from voc.story_blocks import Evidence, Figure, Markdown, Notice, Said
from voc.story_params import options, resolve

STORY = """---
title: Render test
summary: One finding for everyone.
audiences: [executive, manager, analyst, agent]
author: Tester
status: published
parameters:
  start: {type: date, default: 2026-08-03, label: From}
  end: {type: date, default: 2026-10-31, label: To}
  unit: {type: unit, default: us_west, label: Unit}
  segment: {type: segment, default: plus, label: Segment}
  days: {type: integer, default: 90, label: Days}
queries: [measures_by_segment_for_period, measures_by_unit_for_period, revenue_at_risk_for_period,
          detractor_themes_by_revenue, nps_by_month, verbatims_typical_for_theme]
versions:
  executive: [decision, what-changed]
  agent: [what-customers-say, what-to-do]
---
## What changed

Between {{ start | date }} and {{ end | date }}, NPS in {{ unit_name }} {{ nps.movement }}.
<script>alert("x")</script> stays text.

```narrate
kind: change
measure: nps
id: nps
```

```narrate
kind: where
measure: nps
```

```chart
query: measures_by_unit_for_period
args: {level: region}
unit: all
x: name
y: nps
```

```chart
query: nps_by_month
window: trend
x: month
y: nps
```

## Decision {#decision}

```narrate
kind: worth
```

Decide now. Second paragraph.

Third paragraph of the decision.

## What customers say

```evidence
theme: late_delivery
quotes: 5
```

## What to do

Call them back.
"""


@pytest.fixture(scope="module")
def story():
    return stories.parse(STORY, "render-test")


def texts(rendered) -> list[str]:
    return [b.sentence.text if isinstance(b, Said) else b.text for b in rendered.blocks
            if isinstance(b, (Said, Markdown))]


def test_executive_version_is_money_first_and_three_lines(story, database):
    r = stories.render(story, "executive", {}, Scope(), database)
    lines = [b for b in r.blocks if isinstance(b, (Said, Markdown))]
    assert len(lines) == 3
    assert isinstance(lines[0], Said) and lines[0].sentence.topic == "worth"  # money first
    assert lines[0].sentence.text.startswith("In US West,")
    assert sum(isinstance(b, Figure) for b in r.blocks) <= 1
    assert not any(isinstance(b, Evidence) for b in r.blocks)
    assert not any(isinstance(b, Markdown) and b.text.startswith("###") for b in r.blocks)


def test_analyst_version_has_everything_and_a_method_appendix(story, database):
    r = stories.render(story, "analyst", {}, Scope(), database)
    assert any(b.text == "### Method, data and caveats" for b in r.blocks if isinstance(b, Markdown))
    assert sum(isinstance(b, Figure) for b in r.blocks) == 2
    assert any(isinstance(b, Evidence) for b in r.blocks)
    appendix = " ".join(texts(r))
    assert "measures\\_by\\_segment\\_for\\_period" in appendix and "Bonferroni" in appendix
    assert len(r.blocks) > len(stories.render(story, "executive", {}, Scope(), database).blocks)
    assert {"measures_by_segment_for_period", "measures_by_unit_for_period", "nps_by_month"} <= {
        q for q, _ in r.queries_run}


def test_agent_version_is_what_customers_say_and_what_to_do_without_money(story, database):
    r = stories.render(story, "agent", {}, Scope(), database)
    assert [b.text for b in r.blocks if isinstance(b, Markdown) and b.text.startswith("###")] == [
        "### What customers say", "### What to do"]
    assert not any(isinstance(b, Said) and b.sentence.topic == "worth" for b in r.blocks)
    assert any(isinstance(b, Evidence) for b in r.blocks)


def test_manager_reads_their_own_unit_when_the_story_is_about_another(story, database):
    r = stories.render(story, "manager", {}, Scope.of("bu_cn"), database)
    assert r.params["unit"] == "bu_cn"
    assert any("outside your scope" in m and "Greater China" in m for m in r.messages)
    said = [b.sentence.text for b in r.blocks if isinstance(b, Said)]
    assert said[0].startswith("NPS in Greater China")
    assert not any("US West" in t for t in texts(r))


def test_same_finding_respects_the_scope_in_every_version(story, database):
    for audience in ("executive", "manager", "analyst", "agent"):
        r = stories.render(story, audience, {"unit": "us_west"}, Scope.of("shanghai"), database)
        assert r.params["unit"] == "shanghai"
        assert not any("US West" in t for t in texts(r)), audience


def test_html_in_prose_is_escaped_and_every_markdown_block_is_safe(story, database):
    r = stories.render(story, "analyst", {}, Scope(), database)
    prose = " ".join(b.text for b in r.blocks if isinstance(b, Markdown))
    assert '\\<script>alert("x")\\</script> stays text' in prose
    assert not re.findall(r"(?<!\\)<", prose)


def test_evidence_quotes_are_escaped_and_contact_details_masked(database):
    s = stories.parse(STORY.replace("default: 2026-08-03, label: From", "default: 2026-10-31, label: From"), "ev")
    r = stories.render(s, "agent", {}, Scope(), database)
    (evidence,) = [b for b in r.blocks if isinstance(b, Evidence)]
    # on 2026-10-31 only fb-d02 (us_west, social) mentions a late delivery; it carries an e-mail address
    (quote,) = evidence.quotes
    assert quote.text == "Third late parcel this month, contact me at [email hidden]"
    assert "jane.doe" not in quote.markdown and quote.meta == "31 Oct 2026 · social"
    support = stories.parse(STORY.replace("theme: late_delivery", "theme: support_rude").replace(
        "default: us_west, label: Unit}", "default: us_east, label: Unit}"), "ev2")
    (ev,) = [b for b in stories.render(support, "agent", {}, Scope(), database).blocks if isinstance(b, Evidence)]
    assert "<script>" in ev.quotes[0].text and not re.findall(r"(?<!\\)<", ev.quotes[0].markdown)


@pytest.mark.parametrize("raw,fragment,field,value", [
    ({"start": "2026-13-45"}, "is not a date", "start", dt.date(2026, 8, 3)),
    ({"start": "2026-10-01", "end": "2026-09-01"}, "is after end", "start", dt.date(2026, 8, 3)),
    ({"unit": "atlantis"}, "does not exist or is outside", "unit", "us_west"),
    ({"unit": "canada"}, "does not exist or is outside", "unit", "us_west"),  # read with a us_west scope
    ({"segment": "<script>"}, "Unknown segment", "segment", "plus"),
    ({"days": "ninety"}, "not a whole number", "days", 90),
])
def test_bad_parameters_fall_back_with_a_message_and_never_raise(story, database, raw, fragment, field, value):
    opts = options(Scope.of("us_west"), database=database)
    values, messages = resolve(story, raw, opts, Scope.of("us_west"))
    assert values[field] == value
    assert any(fragment in m for m in messages), messages


def test_good_parameters_are_taken(story, database):
    values, messages = resolve(story, {"start": "2026-09-01", "unit": "us_east", "days": "30"},
                               options(database=database))
    assert not messages and values["start"] == dt.date(2026, 9, 1) and values["unit"] == "us_east"
    assert values["days"] == 30


def test_charts_carry_their_data_and_a_finding_title(story, database):
    r = stories.render(story, "analyst", {}, Scope(), database)
    bars, trend = [b for b in r.blocks if isinstance(b, Figure)]
    # regions with 30+ NPS answers drawn; fewer are left out, never drawn as a precise figure
    assert set(bars.data.name) == {"US West", "US East", "Shanghai"}
    assert bars.title == "NPS: Shanghai highest (+30.0), US West lowest (\u221230.0)"
    assert bars.data.set_index("name").loc["US West", "status"] == "worse"
    assert bars.chart.to_dict()["layer"]
    assert list(trend.data.columns[:2]) == ["month", "nps"] and trend.key.startswith("story_render_test_")


def test_rendered_stories_pickle_for_the_cache(story, database):
    r = stories.render(story, "analyst", {}, Scope(), database)
    again = pickle.loads(pickle.dumps(r))
    assert [b.kind for b in again.blocks] == [b.kind for b in r.blocks]


def test_notices_explain_what_is_not_shown(database):
    s = stories.parse(STORY.replace("default: 2026-08-03, label: From", "default: 2020-01-01, label: From")
                      .replace("default: 2026-10-31, label: To", "default: 2020-01-31, label: To"), "empty")
    r = stories.render(s, "analyst", {}, Scope(), database)
    notices = [b.text for b in r.blocks if isinstance(b, Notice)]
    assert any("No data for this chart" in n for n in notices)
    assert any("No customer mentioned late delivery" in n for n in notices)
