"""Normal tail probabilities and the z-test behind every "did it change?" decision."""
from __future__ import annotations

import math

import pytest

from voc import config, stats
from voc.stats import Estimate, compare


def test_min_group_size_is_the_designed_30():
    # every "too few answers" expectation in these tests and in the fixture assumes 30
    assert config.MIN_GROUP_SIZE == 30
    assert config.ALPHA == 0.05


@pytest.mark.parametrize("z,p", [
    (0.0, 1.0),
    (1.0, 0.3173105),
    (1.644854, 0.10),
    (1.959964, 0.05),
    (1.96, 0.0499958),
    (2.575829, 0.01),
    (3.290527, 0.001),
])
def test_two_sided_p_values(z, p):
    assert stats.normal_two_sided_p(z) == pytest.approx(p, rel=1e-4)
    assert stats.normal_two_sided_p(-z) == pytest.approx(p, rel=1e-4)


def test_z95():
    assert stats.Z95 == pytest.approx(1.959964, abs=1e-6)
    assert Estimate(10.0, 2.0, 100).moe == pytest.approx(2 * 1.959964, abs=1e-5)
    assert Estimate(10.0, None, 100).moe is None


def test_enough_threshold():
    assert Estimate(1.0, 0.1, 30).enough
    assert not Estimate(1.0, 0.1, 29).enough
    assert not Estimate(None, None, 500).enough


def test_significant_increase():
    # delta 20, SE of the difference sqrt(5^2 + 5^2) = 7.0711, z = 2.8284, p = 0.004678
    change = compare(Estimate(30.0, 5.0, 100), Estimate(10.0, 5.0, 100))
    assert change.delta == pytest.approx(20.0)
    assert change.z == pytest.approx(20 / math.sqrt(50))
    assert change.p == pytest.approx(0.004678, rel=1e-3)
    assert change.testable and change.significant
    assert change.direction == "up"


def test_significant_decrease():
    change = compare(Estimate(10.0, 5.0, 100), Estimate(30.0, 5.0, 100))
    assert change.delta == pytest.approx(-20.0)
    assert change.z == pytest.approx(-20 / math.sqrt(50))
    assert change.significant
    assert change.direction == "down"


def test_not_significant():
    # delta 2, SE sqrt(50), z = 0.2828, p = 0.7773
    change = compare(Estimate(12.0, 5.0, 100), Estimate(10.0, 5.0, 100))
    assert change.p == pytest.approx(0.777297, rel=1e-4)
    assert change.testable
    assert not change.significant
    assert change.direction == "flat"


def test_z_of_196_is_borderline_significant():
    # SE of the difference sqrt(0.6^2 + 0.8^2) = 1, delta 1.96 -> z = 1.96, p = 0.04999579 < 0.05
    change = compare(Estimate(11.96, 0.6, 50), Estimate(10.0, 0.8, 50))
    assert change.z == pytest.approx(1.96)
    assert change.p == pytest.approx(0.05, abs=1e-4)
    assert change.significant
    # z = 1.95 -> p = 0.0512 -> not significant
    change = compare(Estimate(11.95, 0.6, 50), Estimate(10.0, 0.8, 50))
    assert change.p == pytest.approx(0.051166, rel=1e-3)
    assert not change.significant


def test_small_groups_are_not_testable():
    # canada in the fixture: NPS 80 (8 promoters of 10) -> -80 (8 detractors of 10).
    # SE each sqrt((0.8 - 0.64) / 10) * 100 = 12.649, z = -160 / 17.889 = -8.94: a huge z,
    # but with 10 answers per period it must not be called a change.
    se = math.sqrt((0.8 - 0.64) / 10) * 100
    change = compare(Estimate(-80.0, se, 10), Estimate(80.0, se, 10))
    assert change.z == pytest.approx(-160 / math.sqrt(2 * se * se))
    assert change.p < 1e-6
    assert not change.testable
    assert not change.significant
    assert change.direction == "flat"


def test_one_small_side_is_enough_to_block_the_test():
    change = compare(Estimate(50.0, 5.0, 200), Estimate(10.0, 5.0, 29))
    assert change.p < 0.05
    assert not change.testable


def test_missing_value_gives_no_test():
    change = compare(Estimate(None, None, 0), Estimate(10.0, 1.0, 100))
    assert change.delta is None and change.z is None and change.p is None
    assert not change.testable and not change.significant
    assert change.direction == "flat"


def test_zero_standard_error_gives_no_test():
    change = compare(Estimate(100.0, 0.0, 50), Estimate(90.0, 0.0, 50))
    assert change.delta == pytest.approx(10.0)
    assert change.p is None
    assert not change.significant


def test_missing_se_is_treated_as_zero():
    # SE None on one side: SE of the difference is the other side's, sqrt(0 + 4^2) = 4 -> z = 2.5
    change = compare(Estimate(20.0, None, 100), Estimate(10.0, 4.0, 100))
    assert change.z == pytest.approx(2.5)
    assert change.p == pytest.approx(0.012419, rel=1e-3)
