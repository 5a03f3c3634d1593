"""Narrate blocks on the fixture: a known significant change is stated with the right numbers; no
real change, or too few rows, is never called a change. Expected figures are worked out by hand from
the fixture plans (tests/fixture.sql, tests/conftest.py).
"""
from __future__ import annotations

import math

from voc import stories
from voc.scope import Scope
from voc.story_blocks import Said

QUERIES = ("measures_by_segment_for_period, measures_by_unit_for_period, detractor_theme_mentions_for_period, "
           "revenue_at_risk_for_period, detractor_themes_by_revenue, initiatives_by_initiative, "
           "coverage_by_segment_unit, theme_mentions_by_window, silent_customers_by_segment_unit, nps_by_driver, "
           "data_coverage, outcomes_by_customer_group")


def story(block: str, unit: str | None = None) -> stories.Story:
    unit_line = f"  unit: {{type: unit, default: {unit}}}\n" if unit else ""
    return stories.parse(f"""---
title: Test
summary: Test.
audiences: [analyst]
author: Tester
status: draft
parameters:
  start: {{type: date, default: 2026-08-03}}
  end: {{type: date, default: 2026-10-31}}
{unit_line}queries: [{QUERIES}]
---
## Finding

```narrate
{block}
```
""", "test")


def said(block: str, unit: str | None = None, scope=None, database=None, **params) -> list:
    rendered = stories.render(story(block, unit), "analyst", params, scope or Scope(), database)
    return [b.sentence for b in rendered.blocks if isinstance(b, Said)]


def nps(p, d, n):
    return (p - d) / n * 100


def nps_se(p, d, n):
    p, d = p / n, d / n
    return math.sqrt((p + d - (p - d) ** 2) / n) * 100


def p_value(now, before):
    z = (nps(*now) - nps(*before)) / math.hypot(nps_se(*now), nps_se(*before))
    return math.erfc(abs(z) / math.sqrt(2))


def test_a_significant_fall_is_stated_with_its_numbers(database):
    # us_west NPS: 20 promoters / 4 detractors of 30 -> 6 / 15 of 30: +53.3 -> -30.0, a fall of 83.3 points
    (s,) = said("kind: change\nmeasure: nps", unit="us_west", database=database)
    assert s.states_change
    assert s.text == ("NPS in US West fell 83.3 points compared with the previous 90 days, from +53.3 to \u221230.0 "
                      "(p < 0.001).")
    assert p_value((6, 15, 30), (20, 4, 30)) < 0.001
    (prov,) = s.provenance
    assert prov.query == "measures_by_segment_for_period" and (prov.n, prov.n_previous) == (30, 30)
    assert prov.params["org unit"] == "us_west" and prov.params["previous_start"] == "2026-05-05"
    assert math.isclose(prov.p, p_value((6, 15, 30), (20, 4, 30)), rel_tol=1e-9)


def test_no_real_change_is_not_called_a_change(database):
    # shanghai: 15 / 6 of 30 in both periods: +30.0 both times
    (s,) = said("kind: change\nmeasure: nps", unit="shanghai", database=database)
    assert not s.states_change
    assert "NPS in Shanghai is +30.0" in s.text and "no significant change from +30.0" in s.text


def test_too_few_rows_say_the_data_cannot_tell_yet(database):
    # canada: 8 / 0 of 10 -> 0 / 8 of 10: a huge swing on 10 answers a side, below the minimum of 30
    (s,) = said("kind: change\nmeasure: nps", unit="canada", database=database)
    assert not s.states_change
    assert "only 10 answers" in s.text and "cannot tell yet" in s.text
    assert "80" not in s.text  # no precise figure for a group this small
    # late deliveries in us_west: 1 of 10 -> 6 of 11 delivered orders: too few to test
    (late,) = said("kind: change\nmeasure: late_rate", unit="us_west", database=database)
    assert not late.states_change and "cannot tell yet" in late.text


def test_where_names_the_region_that_drives_it_and_never_calls_small_regions_changed(database):
    # company NPS: 70 / 23 of 131 -> 53 / 41 of 131 (+35.9 -> +9.2); us_west leads the fall
    (s,) = said("kind: where\nmeasure: nps\nby: region", database=database)
    assert s.states_change
    assert s.text.startswith("The fall is led by US West, where NPS fell 83.3 points, from +53.3 to \u221230.0")
    assert "Beijing, Canada, South China had too few answers to tell" in s.text
    # three regions have 30+ answers on each side (us_west, us_east, shanghai): p multiplied by 3
    assert "Bonferroni: 3 tested" in s.provenance[0].test
    assert math.isclose(s.provenance[0].p, 3 * p_value((6, 15, 30), (20, 4, 30)), rel_tol=1e-9)
    assert [p.what for p in s.provenance] == ["NPS in US West"]


def test_scan_picks_what_changed_after_allowing_for_every_test(database):
    sentences = said("kind: scan", database=database)
    changed = [s for s in sentences if s.states_change]
    # company effort: 30 answers at mean 3.00 -> 4.00 (sd 0.83 both times, z = 4.6); us_west NPS z = -4.3
    assert [s.text.split(" compared")[0] for s in changed] == ["Customer effort rose 1.00",
                                                                "NPS in US West fell 83.3 points"]
    assert not any("Canada" in s.text for s in sentences)
    # the company-wide NPS fall (p = 0.007 alone) does not survive dozens of tests
    assert not any(s.text.startswith("NPS fell") for s in sentences)


def test_scan_on_a_calm_unit_says_nothing_changed(database):
    (s,) = said("kind: scan", unit="shanghai", database=database)
    assert not s.states_change and s.text.startswith("Nothing changed significantly in Shanghai")


def test_why_themes_and_operations_need_enough_answers(database):
    (themes,) = said("kind: why\nexplain: themes", unit="us_west", database=database)
    assert not themes.states_change and "cannot tell yet" in themes.text  # 15 detractors now, 4 before
    (ops,) = said("kind: why\nexplain: operations", unit="us_west", database=database)
    assert not ops.states_change and ops.text.startswith("There are too few records in US West")


def test_worth_states_revenue_at_risk_and_churn(database, expected):
    (risk,) = said("kind: worth", database=database)
    # 39 detractors still active; 12 x (10 x 50 + 6 x 30) = 8,160 a year
    assert risk.text.startswith("8,160 of annual revenue is at risk from 39 detractor customers who have not left")
    (churn,) = said("kind: worth\nmeasure: churn", database=database)
    # 3 of 135 -> 4 of 134: 2.2% -> 3.0%, far from significant
    assert not churn.states_change and "Churn is 3.0%" in churn.text and "from 2.2%" in churn.text
    assert churn.topic == "worth"


def test_initiative_before_and_after(database):
    # ini-2 (long_wait, bu_cn, from 2026-07-01), 90 days: 1 mention in 77 pieces of feedback before,
    # 0 in 97 after (2026-08-03 .. 2026-10-31): a fall the data cannot call significant
    (s,) = said("kind: initiative\ninitiative: ini-2\ndays: 90", database=database)
    assert s.text.startswith("Shorter hold times (started 1 Jul 2026): the share of all feedback in Greater China "
                             "that mentions long wait for support is 0.0%, no significant change from 1.3%")
    assert not s.states_change and s.provenance[0].n == 97 and s.provenance[0].n_previous == 77
    (outside,) = said("kind: initiative\ninitiative: ini-2", scope=Scope.of("us_west"), database=database)
    assert outside.text.startswith("No initiative ini-2 in view")


def test_gap_compares_a_segment_with_the_rest(database):
    (s,) = said("kind: gap\nmeasure: coverage\ngroup: business\ndays: 90", database=database)
    with database.read() as cur:  # independent count: customers active on 2026-10-31 heard from in 90 days
        rows = cur.execute("""
            select c.segment = 'business' as mine, count(*) as active,
                   count(*) filter (where exists (select 1 from feedback f where f.customer_id = c.customer_id
                        and f.submitted_at >= date '2026-08-03' and f.submitted_at < date '2026-11-01')) as heard
            from customers c
            where c.signup_at <= date '2026-10-31'
              and not exists (select 1 from churn_events e where e.customer_id = c.customer_id
                              and e.churned_at <= date '2026-10-31')
            group by 1""").df().set_index("mine")
    mine, rest = rows.loc[True], rows.loc[False]
    assert (s.provenance[0].n, s.provenance[0].n_previous) == (mine.active, rest.active)
    assert f"{100 * mine.heard / mine.active:.1f}%" in s.text and f"{100 * rest.heard / rest.active:.1f}%" in s.text


def test_a_block_about_a_unit_outside_the_scope_is_not_shown(database):
    rendered = stories.render(story("kind: change\nmeasure: nps\nunit: canada"), "analyst", {}, Scope.of("us_west"),
                              database)
    notices = [b.text for b in rendered.blocks if b.kind == "notice"]
    assert notices and "outside your scope" in notices[0]
    assert not any(b.kind == "sentence" and "Canada" in b.sentence.text for b in rendered.blocks)
