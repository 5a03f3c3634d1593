"""Narration: a change is stated only when significant with enough n, with the right numbers and provenance.

Every expected figure below is worked out by hand from the counts given to ``metrics``.
"""
from __future__ import annotations

import math

import pytest

from voc import metrics, narrate
from voc.narrate import Measure, Provenance
from voc.stats import Estimate, compare

NPS = Measure("NPS", "pts", True)
LATE = Measure("the late delivery rate", "%", False)
SOURCE = Provenance("kpi_totals_for_period", {"start": "2026-08-03", "end": "2026-10-31"})
SINCE = "the previous 90 days"


def nps_change(now, before):
    return compare(metrics.nps(*now), metrics.nps(*before))


def hand_p(z):
    return math.erfc(abs(z) / math.sqrt(2))


# NPS 60/20/100 = +40 (se sqrt((0.8 - 0.16) / 100) = 8 pts) -> 40/40/100 = 0 (se sqrt(0.8 / 100) = 8.944 pts)
# difference -40, se sqrt(64 + 80) = 12, z = -3.333
FALL = ((40, 40, 100), (60, 20, 100))
FALL_P = hand_p(40 / 12)


def test_significant_fall_is_stated_with_its_numbers():
    s = narrate.change(NPS, nps_change(*FALL), source=SOURCE, since=SINCE)
    assert s.states_change
    assert s.text == ("NPS fell 40.0 points compared with the previous 90 days, from +40.0 to +0.0 (p < 0.001).")
    (prov,) = s.provenance
    assert prov.query == "kpi_totals_for_period"
    assert prov.params == {"start": "2026-08-03", "end": "2026-10-31"}
    assert (prov.n, prov.n_previous) == (100, 100)
    assert prov.test and "z-test" in prov.test
    assert math.isclose(prov.p, FALL_P, rel_tol=1e-9)
    assert FALL_P < 0.001


def test_significant_rise_uses_rose_and_p_value():
    # 30/10/100 = +20 (se sqrt((0.4 - 0.04)/100) = 6) -> 50/10/100 = +40 (se sqrt((0.6 - 0.16)/100) = 6.633)
    # difference 20, se sqrt(36 + 44) = 8.944, z = 2.236, p = 0.0253
    s = narrate.change(NPS, nps_change((50, 10, 100), (30, 10, 100)), source=SOURCE, since=SINCE)
    assert s.states_change
    assert "rose 20.0 points" in s.text and "from +20.0 to +40.0" in s.text
    assert f"(p = {hand_p(20 / math.sqrt(80)):.3f})" in s.text
    assert "(p = 0.025)" in s.text


def test_not_significant_says_no_significant_change():
    # 50/20/100 = +30 -> 48/22/100 = +26: a 4-point dip well inside the noise
    s = narrate.change(NPS, nps_change((48, 22, 100), (50, 20, 100)), source=SOURCE, since=SINCE)
    assert not s.states_change
    assert "no significant change" in s.text
    assert "+26.0" in s.text and "+30.0" in s.text
    assert "fell" not in s.text and "rose" not in s.text
    assert s.provenance[0].p > 0.05


def test_too_few_answers_says_the_data_cannot_tell():
    # +40 points swing on 20 answers a side: below MIN_GROUP_SIZE (30), so not a stated change
    s = narrate.change(NPS, nps_change((2, 10, 20), (10, 2, 20)), source=SOURCE, since=SINCE)
    assert not s.states_change
    assert "too few to show a figure" in s.text and "cannot tell yet" in s.text
    assert "only 20 answers" in s.text
    assert "fell" not in s.text and "40" not in s.text  # no precise figure for a tiny group


def test_no_answers_at_all():
    s = narrate.change(NPS, compare(Estimate(None, None, 0), metrics.nps(10, 2, 40)), source=SOURCE)
    assert not s.states_change
    assert "no NPS answers" in s.text


def test_title_states_the_finding():
    assert narrate.title(NPS, nps_change(*FALL), since=SINCE) == \
        "NPS fell 40.0 points against the previous 90 days, to +0.0"
    assert "no significant change" in narrate.title(NPS, nps_change((48, 22, 100), (50, 20, 100)))
    assert "too few answers" in narrate.title(NPS, nps_change((2, 10, 20), (10, 2, 20)))


def test_where_names_the_unit_that_drives_a_significant_change():
    groups = {
        "US West": nps_change(*FALL),                          # significant fall
        "Canada": nps_change((0, 8, 10), (8, 0, 10)),          # bigger swing, but n = 10
        "Shanghai": nps_change((15, 6, 30), (15, 6, 30)),      # flat
    }
    overall = nps_change((55, 54, 140), (83, 26, 140))
    assert overall.significant and overall.delta < 0
    s = narrate.where(NPS, overall, groups, source=Provenance("nps_by_unit_for_period"))
    assert s.states_change
    assert s.text.startswith("The fall is led by US West, where NPS fell 40.0 points, from +40.0 to +0.0")
    assert "Canada had too few answers to tell" in s.text
    assert "Shanghai" not in s.text
    assert [p.what for p in s.provenance] == ["NPS in US West"]
    assert s.provenance[0].n == 100


def test_lead_is_the_biggest_significant_contribution_in_the_overall_direction():
    fall, rise = nps_change(*FALL), nps_change((50, 10, 100), (30, 10, 100))
    small = nps_change((0, 8, 10), (8, 0, 10))
    assert narrate.lead(fall, {"A": rise, "B": fall, "C": small}) == "B"
    assert narrate.lead(rise, {"A": rise, "B": fall}) == "A"
    flat = nps_change((48, 22, 100), (50, 20, 100))
    assert narrate.lead(flat, {"A": flat, "B": small}) is None
    assert narrate.lead(fall, {"B": fall}) is None  # one group explains nothing


def test_where_when_overall_flat_but_a_unit_moved():
    groups = {"US West": nps_change(*FALL), "US East": nps_change((48, 22, 100), (50, 20, 100))}
    overall = nps_change((48, 22, 100), (50, 20, 100))
    s = narrate.where(NPS, overall, groups, source=Provenance("nps_by_unit_for_period"))
    assert s.text.startswith("Overall NPS did not change significantly, but in US West it fell 40.0 points")
    assert "US East" not in s.text


def test_where_says_no_unit_changed_and_skips_single_unit():
    flat = nps_change((48, 22, 100), (50, 20, 100))
    s = narrate.where(NPS, flat, {"A": flat, "B": flat}, source=Provenance("q"))
    assert not s.states_change
    assert s.text == "No region's NPS changed significantly."
    assert narrate.where(NPS, flat, {"A": flat}, source=Provenance("q")) is None
    nothing = compare(Estimate(None, None, 0), Estimate(None, None, 0))
    assert narrate.where(NPS, nothing, {"A": nothing, "B": nothing}, source=Provenance("q")) is None


def test_rising_shares_names_themes_that_rose_significantly():
    # share of 100 detractors: 10% -> 40% (se 3 and 4.9 pts, z = 5.2): rose; 30% -> 10%: fell (not "why")
    groups = {
        "Late delivery": compare(metrics.share(40, 100), metrics.share(10, 100)),
        "Billing problems": compare(metrics.share(10, 100), metrics.share(30, 100)),
        "Price": compare(metrics.share(12, 100), metrics.share(10, 100)),
    }
    s = narrate.rising_shares(groups, source=Provenance("detractor_theme_mentions_for_period"))
    assert s.states_change
    assert s.text == "Among detractors, the share mentioning Late delivery rose from 10.0% to 40.0% (p < 0.001)."
    assert [p.what for p in s.provenance] == ["share of detractors mentioning Late delivery"]


def test_rising_shares_cannot_tell_with_few_detractors():
    groups = {"Late delivery": compare(metrics.share(27, 41), metrics.share(13, 23))}
    s = narrate.rising_shares(groups, source=Provenance("q"))
    assert not s.states_change
    assert "41 detractors now and 23 before" in s.text and "cannot tell yet" in s.text


def test_subject_names_the_unit_in_why_sentences():
    groups = {"Late delivery": compare(metrics.share(40, 100), metrics.share(10, 100))}
    s = narrate.rising_shares(groups, source=Provenance("q"), subject="US West")
    assert s.text.startswith("Among detractors in US West, the share mentioning Late delivery rose")
    late = compare(metrics.share(30, 100), metrics.share(10, 100))
    m = narrate.moved([(LATE, late, Provenance("operations_for_period"))], subject="US West")
    assert m.text.startswith("Operationally in US West, the late delivery rate rose 20.0 points")
    assert m.provenance[0].what == "the late delivery rate in US West"


def test_rising_shares_none_rose():
    groups = {"Price": compare(metrics.share(12, 100), metrics.share(10, 100))}
    s = narrate.rising_shares(groups, source=Provenance("q"))
    assert s.text == "No theme became significantly more frequent among detractors."


def test_moved_reports_significant_operational_changes_only():
    src = Provenance("operations_for_period")
    late = compare(metrics.share(30, 100), metrics.share(10, 100))     # 10% -> 30%, z = 3.54
    fcr = compare(metrics.share(52, 100), metrics.share(50, 100))      # flat
    s = narrate.moved([(LATE, late, src), (Measure("first-contact resolution", "%"), fcr, src)])
    assert s.states_change
    assert s.text == ("Operationally, the late delivery rate rose 20.0 points, from 10.0% to 30.0% "
                      f"({narrate.p_text(hand_p(20 / math.sqrt(9 + 21)))}).")
    assert "first-contact" not in s.text
    flat = narrate.moved([(LATE, fcr, src)])
    assert not flat.states_change and "did not change significantly" in flat.text
    few = narrate.moved([(LATE, compare(metrics.share(10, 20), metrics.share(1, 20)), src)])
    assert "too few records" in few.text
    assert narrate.moved([]).text.startswith("No operational data loaded")


def test_worth_gives_amount_customers_and_top_themes():
    s = narrate.worth(8160.0, 39, source=Provenance("revenue_at_risk_for_period"),
                      top=[("Late delivery", 6000.0), ("Billing problems", 0.0)])
    assert s.text == ("8,160 of annual revenue is at risk from 39 detractor customers who have not left; "
                      "those mentioning Late delivery hold 6,000.")
    assert not s.states_change
    assert s.provenance[0].n == 39
    assert narrate.worth(0.0, 0, source=Provenance("q")).text.startswith("No customer")


@pytest.mark.parametrize("value,text", [(8160, "8,160"), (45_300, "45k"), (1_234_567, "1.2M")])
def test_money_text(value, text):
    assert narrate.money_text(value) == text


def test_markdown_is_escaped():
    s = narrate.Sentence("Theme <script>alert(1)</script> *bold* [x](y)", "why", False)
    md = s.markdown
    assert "<script>" not in md and "*bold*" not in md and "[x](y)" not in md
    assert md.replace("\\", "") == s.text


def test_provenance_describe_lists_query_params_n_test_p():
    prov = SOURCE.of(nps_change(*FALL), "NPS")
    line = prov.describe()
    assert line.startswith("NPS: query kpi_totals_for_period; params start = 2026-08-03, end = 2026-10-31")
    assert "n = 100 (previous 100)" in line and "z-test" in line and "p < 0.001" in line
