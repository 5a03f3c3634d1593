"""Small, dependency-free statistics: normal tail probabilities and tests of change.

Every "did it change?" decision in the product goes through ``compare``; narration
asserts a change only when ``Change.significant`` is true.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from voc import config

Z95 = 1.959963984540054


def normal_two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard-normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2.0))


@dataclass(frozen=True)
class Estimate:
    """A measured value with its standard error and sample size."""

    value: float | None
    se: float | None
    n: int

    @property
    def moe(self) -> float | None:
        """Margin of error at 95% confidence."""
        return None if self.se is None else Z95 * self.se

    @property
    def enough(self) -> bool:
        return self.value is not None and self.n >= config.MIN_GROUP_SIZE


@dataclass(frozen=True)
class Change:
    """The difference ``current - previous`` with its test."""

    current: Estimate
    previous: Estimate
    delta: float | None
    z: float | None
    p: float | None

    @property
    def testable(self) -> bool:
        return self.p is not None and self.current.enough and self.previous.enough

    @property
    def significant(self) -> bool:
        return self.testable and self.p < config.ALPHA

    @property
    def direction(self) -> str:
        if not self.significant:
            return "flat"
        return "up" if self.delta > 0 else "down"


def compare(current: Estimate, previous: Estimate) -> Change:
    """Test two independent estimates with a z-test on their difference."""
    if current.value is None or previous.value is None:
        return Change(current, previous, None, None, None)
    delta = current.value - previous.value
    se = math.sqrt((current.se or 0.0) ** 2 + (previous.se or 0.0) ** 2)
    if se == 0:
        return Change(current, previous, delta, None, None)
    z = delta / se
    return Change(current, previous, delta, z, normal_two_sided_p(z))
