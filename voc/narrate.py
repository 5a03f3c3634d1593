"""Rule-based narration: computed statistics in, plain sentences with their provenance out.

Functions here never read the database. They take results that are already computed
(``stats.Change`` objects, breakdowns of changes by group) and return ``Sentence``
objects: the text, whether it states a change, and where each figure comes from
(``Provenance``: query name, parameters, n, test and p-value). Pages and story files
share them, so a number reads the same wherever it appears.

The rules (DESIGN.md section 3):

* a change is stated only when ``Change.significant`` (enough answers on both sides
  and p < ALPHA);
* when the test cannot be run (too few answers, no data) the sentence says the data
  cannot tell yet;
* otherwise it says there was no significant change and gives the current value.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from voc import config
from voc.stats import Change

Z_TEST = "two-sided z-test on the difference of two independent estimates"


@dataclass(frozen=True)
class Measure:
    """What a number measures: its label in a sentence, its unit and its good direction.

    ``unit``: "pts" (score points, NPS), "%" (a share), "/7" (a mean on a 1-7 scale),
    "" (a count) or "money".
    """

    label: str
    unit: str = "pts"
    higher_is_better: bool = True


@dataclass(frozen=True)
class Provenance:
    """Where one figure of a sentence comes from."""

    query: str
    params: Mapping[str, str] = field(default_factory=dict)
    what: str = ""
    n: int | None = None
    n_previous: int | None = None
    test: str | None = None
    p: float | None = None

    def of(self, change: Change, what: str = "") -> "Provenance":
        """This source, completed with the sample sizes and test of ``change``."""
        tested = change.p is not None
        return replace(self, what=what or self.what, n=change.current.n, n_previous=change.previous.n,
                       test=(Z_TEST + f" (alpha = {config.ALPHA})") if tested else None, p=change.p)

    def describe(self) -> str:
        """One line of plain text, e.g. for a provenance popover."""
        parts = [f"query {self.query}"]
        if self.params:
            parts.append("params " + ", ".join(f"{k} = {v}" for k, v in self.params.items()))
        if self.n is not None:
            before = f" (previous {self.n_previous:,})" if self.n_previous is not None else ""
            parts.append(f"n = {self.n:,}{before}")
        if self.test:
            parts.append(f"test: {self.test}")
        if self.p is not None:
            parts.append(p_text(self.p))
        return (f"{self.what}: " if self.what else "") + "; ".join(parts)


@dataclass(frozen=True)
class Sentence:
    """One narrated sentence and the provenance of every figure in it."""

    text: str
    topic: str  # what / where / why / worth / also, free for other callers
    states_change: bool
    provenance: tuple[Provenance, ...] = ()

    @property
    def markdown(self) -> str:
        return escape_markdown(self.text)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$])")


def escape_markdown(text: str) -> str:
    """Text safe to pass to st.markdown: Markdown and HTML special characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text)


# ---- numbers in words ---------------------------------------------------------------

def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "pts":
        return f"{value:+.1f}".replace("-", "\u2212")
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "/7":
        return f"{value:.2f}/7"
    if unit == "money":
        return money_text(value)
    return f"{value:,.0f}"


def delta_text(delta: float, unit: str) -> str:
    """The size of a change, without its sign ("6.2 points")."""
    size = abs(delta)
    if unit in ("pts", "%"):
        return f"{size:.1f} point" + ("" if round(size, 1) == 1 else "s")
    if unit == "/7":
        return f"{size:.2f}"
    if unit == "money":
        return money_text(size)
    return f"{size:,.0f}"


def money_text(value: float) -> str:
    size = abs(value)
    if size >= 1e6:
        text = f"{size / 1e6:.1f}M"
    elif size >= 1e4:
        text = f"{size / 1e3:.0f}k"
    else:
        text = f"{size:,.0f}"
    return ("\u2212" if value < 0 else "") + text


def p_text(p: float | None) -> str:
    if p is None:
        return "not tested"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _verb(delta: float) -> str:
    return "rose" if delta > 0 else "fell"


def _noun(delta: float) -> str:
    return "rise" if delta > 0 else "fall"


def _movement(measure: Measure, change: Change, since: str = "") -> str:
    """'rose 6.2 points[ compared with X], from +20.0 to +26.2 (p = 0.012)' for a significant change."""
    since = f" compared with {since}" if since else ""
    return (f"{_verb(change.delta)} {delta_text(change.delta, measure.unit)}{since}, from "
            f"{value_text(change.previous.value, measure.unit)} to {value_text(change.current.value, measure.unit)} "
            f"({p_text(change.p)})")


def _with_moe(measure: Measure, change: Change) -> str:
    text = value_text(change.current.value, measure.unit)
    moe = change.current.moe
    if moe is not None and measure.unit in ("pts", "%"):
        text += f" (\u00b1{moe:.1f})"
    return text


# ---- sentences ----------------------------------------------------------------------

def change(measure: Measure, change: Change, *, source: Provenance, subject: str = "",
           since: str = "the previous period", topic: str = "what") -> Sentence:
    """Did ``measure`` change since ``since``? Stated only when significant."""
    where = f" in {subject}" if subject else ""
    prov = (source.of(change, f"{measure.label}{where}"),)
    label = _cap(measure.label)
    if change.current.value is None:
        return Sentence(f"There are no {measure.label} answers{where} in this period, so the data cannot tell "
                        "whether it changed.", topic, False, prov)
    if change.significant:
        return Sentence(f"{label}{where} {_movement(measure, change, since)}.", topic, True, prov)
    if change.current.n < config.MIN_GROUP_SIZE:  # never a precise figure for a tiny group
        return Sentence(f"{label}{where} rests on only {change.current.n:,} answers in this period (at least "
                        f"{config.MIN_GROUP_SIZE} needed): too few to show a figure, and the data cannot tell yet "
                        "whether it changed.",
                        topic, False, prov)
    if not change.testable:
        n, n_prev = change.current.n, change.previous.n
        return Sentence(f"{label}{where} is {_with_moe(measure, change)}, but with {n:,} answers now and "
                        f"{n_prev:,} before (at least {config.MIN_GROUP_SIZE} needed on each side) the data "
                        "cannot tell yet whether it changed.", topic, False, prov)
    return Sentence(f"{label}{where} is {_with_moe(measure, change)}: no significant change from "
                    f"{value_text(change.previous.value, measure.unit)} in {since} ({p_text(change.p)}).",
                    topic, False, prov)


def title(measure: Measure, change: Change, *, since: str = "the previous period", subject: str = "") -> str:
    """A short chart title that states the finding of ``change``."""
    where = f" in {subject}" if subject else ""
    label = _cap(measure.label)
    if change.current.value is None:
        return f"{label}{where}: no answers in this period"
    if change.significant:
        return (f"{label}{where} {_verb(change.delta)} {delta_text(change.delta, measure.unit)} against {since}, to "
                f"{value_text(change.current.value, measure.unit)}")
    if not change.testable:
        return f"{label}{where} is {value_text(change.current.value, measure.unit)}: too few answers to tell a trend"
    return (f"{label}{where} held at {value_text(change.current.value, measure.unit)}: "
            f"no significant change against {since}")


def _contribution(change: Change) -> float:
    return abs(change.delta) * change.current.n


def lead(overall: Change, groups: Mapping[str, Change]) -> str | None:
    """The group that drives ``overall``: the largest significant contribution, in its direction if it moved."""
    significant = sorted(((name, c) for name, c in groups.items() if c.significant),
                         key=lambda g: -_contribution(g[1]))
    if overall.significant:
        significant = [g for g in significant if (g[1].delta > 0) == (overall.delta > 0)]
    return significant[0][0] if significant and len(groups) > 1 else None


def where(measure: Measure, overall: Change, groups: Mapping[str, Change], *, source: Provenance,
          group_kind: str = "region", topic: str = "where") -> Sentence | None:
    """Which groups drive the overall change (significant group changes only); None for < 2 groups with data."""
    if sum(c.current.value is not None for c in groups.values()) < 2:
        return None
    name = lead(overall, groups)
    others = sorted(((n, c) for n, c in groups.items() if c.significant and n != name),
                    key=lambda g: -_contribution(g[1]))[:2]
    untestable = [n for n, c in groups.items() if c.current.value is not None and not c.testable]
    if name and overall.significant:
        text = f"The {_noun(overall.delta)} is led by {name}, where {measure.label} {_movement(measure, groups[name])}"
    elif name:
        text = (f"Overall {measure.label} did not change significantly, but in {name} it "
                f"{_movement(measure, groups[name])}")
    elif overall.significant:
        text = (f"No {group_kind} shows a significant {_noun(overall.delta)} of its own: it is spread "
                f"across {group_kind}s")
    else:
        text = f"No {group_kind}'s {measure.label} changed significantly"
    if others:
        text += f"; {measure.label} also " + ", ".join(
            f"{_verb(c.delta)} {delta_text(c.delta, measure.unit)} in {n} ({p_text(c.p)})" for n, c in others)
    if untestable:
        text += (f". {', '.join(untestable)} had too few answers to tell (fewer than "
                 f"{config.MIN_GROUP_SIZE} in a period)")
    named = ([(name, groups[name])] if name else []) + others
    prov = tuple(source.of(c, f"{measure.label} in {n}") for n, c in named)
    return Sentence(text + ".", topic, bool(named), prov or (source,))


def rising_shares(groups: Mapping[str, Change], *, source: Provenance, population: str = "detractors",
                  item: str = "themes", limit: int = 2, subject: str = "", topic: str = "why") -> Sentence:
    """Which items (themes) became significantly more frequent within ``population`` (in ``subject``)."""
    population = f"{population} in {subject}" if subject else population
    if not groups:
        return Sentence(f"No {item} were recorded among {population} in either period.", topic, False, (source,))
    any_change = next(iter(groups.values()))
    n, n_prev = any_change.current.n, any_change.previous.n
    testable = [c for c in groups.values() if c.testable]
    rising = sorted(((name, c) for name, c in groups.items() if c.significant and c.delta > 0),
                    key=lambda g: -g[1].delta)[:limit]
    if rising:
        parts = [f"the share mentioning {name} rose from {value_text(c.previous.value, '%')} to "
                 f"{value_text(c.current.value, '%')} ({p_text(c.p)})" for name, c in rising]
        text = f"Among {population}, " + ", and ".join(parts) + "."
        prov = tuple(source.of(c, f"share of {population} mentioning {name}") for name, c in rising)
        return Sentence(text, topic, True, prov)
    if not testable:
        text = (f"With {n:,} {population} now and {n_prev:,} before (at least {config.MIN_GROUP_SIZE} needed "
                f"in each period), the data cannot tell yet which {item} are growing among them.")
    else:
        text = f"No {item[:-1] if item.endswith('s') else item} became significantly more frequent among {population}."
    return Sentence(text, topic, False, (replace(source, what=population, n=n, n_previous=n_prev),))


def moved(items: Sequence[tuple[Measure, Change, Provenance]], *, subject: str = "", topic: str = "why",
          missing: str = "No operational data loaded: driver analysis needs orders or contacts.") -> Sentence:
    """Which operational measures moved significantly (in ``subject``)."""
    if not items:
        return Sentence(missing, topic, False, ())
    where = f" in {subject}" if subject else ""
    moving = [(m, c, s) for m, c, s in items if c.significant]
    labels = ", ".join(m.label for m, _, _ in items)
    if moving:
        text = f"Operationally{where}, " + "; ".join(f"{m.label} {_movement(m, c)}" for m, c, _ in moving) + "."
        return Sentence(text, topic, True, tuple(s.of(c, m.label + where) for m, c, s in moving))
    prov = tuple(s.of(c, m.label + where) for m, c, s in items)
    if not any(c.testable for _, c, _ in items):
        return Sentence(f"There are too few records{where} to tell whether operational measures ({labels}) moved.",
                        topic, False, prov)
    return Sentence(f"Operational measures{where} ({labels}) did not change significantly.", topic, False, prov)


def worth(amount: float, customers: int, *, source: Provenance, top: Sequence[tuple[str, float]] = (),
          topic: str = "worth") -> Sentence:
    """What the detractors who have not left are worth, and which themes they mention most."""
    prov = replace(source, what="revenue at risk", n=customers)
    if not customers:
        return Sentence("No customer whose latest answer was a detractor score is still active, so no revenue "
                        "is at risk from detractors in this period.", topic, False, (prov,))
    text = (f"{money_text(amount)} of annual revenue is at risk from {customers:,} detractor customer"
            f"{'s' if customers != 1 else ''} who have not left")
    top = [(name, value) for name, value in top if value > 0][:2]
    if top:
        text += "; " + " and ".join(f"those mentioning {name} hold {money_text(value)}" for name, value in top)
    return Sentence(text + ".", topic, False, (prov,))
