"""The editable theme taxonomy (``voc/ingest/taxonomy.yaml``), loaded and compiled for tagging.

Phrases become one regular expression per theme and language over normalised text (lower case,
words separated by single spaces, padded with a space at both ends), so a phrase matches whole
words only. Chinese phrases are segmented with the same segmenter as the text and added to its
dictionary first. ``VOC_TAXONOMY`` points at another file (a company's own taxonomy).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT = Path(__file__).resolve().parent / "taxonomy.yaml"
POLARITIES = ("negative", "positive", "neutral")
_SPLIT = re.compile(r"[^\w']+", re.UNICODE)


class TaxonomyError(ValueError):
    """The taxonomy file is malformed; the message names the theme and key."""


@dataclass(frozen=True, eq=False)
class Theme:
    theme_id: str
    label: str
    polarity: str
    at_risk: bool
    phrases: dict[str, tuple[str, ...]]
    examples: dict[str, tuple[str, ...]]


@dataclass(frozen=True, eq=False)  # hashed by identity: loaded once per file version
class Taxonomy:
    themes: tuple[Theme, ...]
    lexicon: dict[str, float]           # word -> weight, every language together
    negators: frozenset[str]
    path: Path

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted({lang for t in self.themes for lang in t.phrases}))

    def theme_rows(self) -> list[dict]:
        return [{"theme_id": t.theme_id, "label": t.label, "polarity": t.polarity, "at_risk": t.at_risk}
                for t in self.themes]

    def patterns(self, language: str, segment=None) -> list[tuple[str, str]]:
        """(theme_id, RE2 pattern) for ``language``; ``segment`` splits Chinese phrases into words."""
        out = []
        for theme in self.themes:
            alternatives = []
            for phrase in theme.phrases.get(language, ()):
                words = segment(phrase) if segment else normalise_words(phrase)
                if not words:
                    continue
                parts = [re.escape(w[:-1]) + r"[^ ]*" if w.endswith("*") else re.escape(w) for w in words]
                alternatives.append(" ".join(parts))
            if alternatives:
                out.append((theme.theme_id, " (?:" + "|".join(alternatives) + ") "))
        return out


def normalise_words(text: str) -> list[str]:
    """Lower-case words as the tagger sees them (keeps a trailing * for prefix phrases)."""
    star = text.rstrip().endswith("*")
    words = [w for w in _SPLIT.split(text.lower().replace("\u2019", "'")) if w]
    if star and words:
        words[-1] += "*"
    return words


def _tuple_map(raw, where: str) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise TaxonomyError(f"{where}: expected {{language: [text, ...]}}")
    return {str(k): tuple(str(x) for x in v) for k, v in raw.items()}


def parse(raw: dict, path: Path) -> Taxonomy:
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), dict):
        raise TaxonomyError(f"{path}: expected a 'themes' mapping")
    themes = []
    for theme_id, spec in raw["themes"].items():
        where = f"{path.name}: themes.{theme_id}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(theme_id)):
            raise TaxonomyError(f"{where}: a theme id is lower-case letters, digits and _")
        if not isinstance(spec, dict) or spec.get("polarity") not in POLARITIES or not spec.get("label"):
            raise TaxonomyError(f"{where}: needs a label and a polarity among {', '.join(POLARITIES)}")
        themes.append(Theme(str(theme_id), str(spec["label"]), spec["polarity"], bool(spec.get("at_risk", False)),
                            _tuple_map(spec.get("phrases"), f"{where}.phrases"),
                            _tuple_map(spec.get("examples"), f"{where}.examples")))
    senti = raw.get("sentiment") or {}
    lexicon: dict[str, float] = {}
    for language, spec in senti.items():
        if language == "negators":
            continue
        for polarity in ("positive", "negative"):
            for word, weight in (spec.get(polarity) or {}).items():
                lexicon[str(word).lower()] = float(weight)
    negators = frozenset(str(w).lower() for words in (senti.get("negators") or {}).values() for w in words)
    return Taxonomy(tuple(themes), lexicon, negators, path)


@lru_cache(maxsize=4)
def _load(path: Path, stamp: int) -> Taxonomy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path} is not valid YAML: {exc}") from None
    return parse(raw, path)


def load(path: str | Path | None = None) -> Taxonomy:
    """The taxonomy at ``path`` (default ``VOC_TAXONOMY`` or the bundled file), re-read when it changes."""
    path = Path(path or os.environ.get("VOC_TAXONOMY") or DEFAULT).resolve()
    return _load(path, path.stat().st_mtime_ns)
