"""Search across verbatims: the filters, the search pattern, safe highlighting and the CSV export.

The search term is matched as a literal phrase, case-insensitively, in any language
(``ILIKE`` with ``%``, ``_`` and ``\\`` escaped, so "50%" finds "50%" and not "50 days"; a term
without letter case, such as Chinese or digits, uses ``LIKE``, which gives the same matches about
three times faster). The term is always a bound parameter of ``queries/verbatims_matching.sql``.

Verbatims are customer text: before display they are escaped for Markdown and HTML
(``escape_markdown``) and only then are the matches wrapped in a Streamlit highlight
directive, so a verbatim holding ``<script>`` or Markdown syntax is shown as plain text.

Sentiment bands (the same cut as ``negative_n`` in voc/schema/rollups.sql):
negative below -0.2, positive above 0.2, neutral in between.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from voc import csv_export, queries
from voc.periods import Period
from voc.scope import ALL, Scope

BANDS = {"negative": "negative (below −0.2)", "neutral": "neutral (−0.2 to 0.2)",
         "positive": "positive (above 0.2)"}
SHOW_LIMIT = 200      # newest matches fetched for the page
PAGE_SIZE = 25        # matches drawn per page
CSV_LIMIT = 50_000    # most rows a download holds
MAX_TERM = 200        # longest search term accepted (characters)

_WHITESPACE = re.compile(r"\s+")
# GitHub-flavoured Markdown turns www., http(s):// and e-mail addresses into links even when escaped;
# an invisible word joiner after these marks keeps a verbatim's addresses as plain text.
_LINKABLE = re.compile(r"(://|@|(?<![\w.])www(?=\.))", re.IGNORECASE)
_JOINER = "\u2060"
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# every other ASCII punctuation mark is backslash-escaped (CommonMark allows it for all of them)
_PUNCTUATION = set("!\"#$%'()*+,-./:;=?@[\\]^_`{|}~")


@dataclass(frozen=True)
class Criteria:
    """What the reader asked for: a search term and the page-level filters (empty = any)."""

    term: str = ""
    themes: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @classmethod
    def of(cls, term: str | None = "", themes=(), bands=(), sources=(), languages=()) -> "Criteria":
        """Normalised criteria: term trimmed and capped, lists sorted, unknown bands dropped."""
        return cls(normalise_term(term), tuple(sorted(set(themes))),
                   tuple(b for b in BANDS if b in set(bands)), tuple(sorted(set(sources))),
                   tuple(sorted(set(languages))))

    def params(self, period: Period, limit: int) -> dict:
        pattern = like_pattern(self.term)
        caseless = self.term.lower() == self.term.upper()  # Chinese, digits, signs: LIKE is ~3x faster
        return {
            "start": period.start, "end": period.end,
            "pattern": None if caseless else pattern, "exact_pattern": pattern if caseless else None,
            "themes": list(self.themes) or None, "bands": list(self.bands) or None,
            "sources": list(self.sources) or None, "languages": list(self.languages) or None,
            "row_limit": int(limit),
        }

    @property
    def is_empty(self) -> bool:
        return not (self.term or self.themes or self.bands or self.sources or self.languages)


@dataclass(frozen=True)
class Results:
    rows: pd.DataFrame  # newest first, at most ``limit``
    total: int          # every match in the period and scope
    limit: int

    @property
    def shown(self) -> int:
        return len(self.rows)

    @property
    def capped(self) -> bool:
        return self.total > len(self.rows)

    def pages(self, size: int = PAGE_SIZE) -> int:
        return max(1, -(-len(self.rows) // size))

    def page(self, number: int, size: int = PAGE_SIZE) -> pd.DataFrame:
        """Rows of page ``number`` (1-based, clamped to the pages there are)."""
        number = min(max(int(number), 1), self.pages(size))
        return self.rows.iloc[(number - 1) * size: number * size]

    def summary(self, term: str = "") -> str:
        what = f"matching “{term}”" if term else "matching the filters"
        if not self.total:
            return f"No verbatims {what} in this period and scope."
        head = f"{self.total:,} verbatim{'s' if self.total != 1 else ''} {what}"
        if self.capped:
            return f"{head}; showing the newest {self.shown:,}."
        return f"{head}, newest first."


def normalise_term(term: str | None) -> str:
    return (term or "").strip()[:MAX_TERM]


def like_pattern(term: str | None) -> str | None:
    """An ``ILIKE ... ESCAPE '\\'`` pattern matching ``term`` literally anywhere, or None for no term."""
    term = normalise_term(term)
    if not term:
        return None
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(period: Period, criteria: Criteria, limit: int = SHOW_LIMIT, *, scope: Scope = ALL,
           database=None) -> Results:
    """The newest ``limit`` verbatims matching ``criteria`` in ``period``, and how many match in all."""
    rows = queries.run("verbatims_matching", criteria.params(period, limit), scope=scope, database=database)
    total = int(rows.total_matches.iloc[0]) if len(rows) else 0
    return Results(rows.drop(columns=["total_matches"]).reset_index(drop=True), total, int(limit))


# ---- display -----------------------------------------------------------------------------

def flatten(text: str | None) -> str:
    """One line: runs of whitespace (newlines, tabs, indentation) become one space."""
    return _WHITESPACE.sub(" ", text or "").strip()


def escape_markdown(text: str | None) -> str:
    """``text`` made inert for ``st.markdown``: HTML characters as entities, Markdown marks escaped,
    addresses kept from turning into links."""
    out = []
    for ch in _LINKABLE.sub(lambda m: m.group(0) + _JOINER, text or ""):
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _PUNCTUATION:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def highlight(text: str | None, term: str | None) -> str:
    """Markdown for ``text`` (escaped, one line) with every case-insensitive match of ``term`` highlighted."""
    text, term = flatten(text), flatten(normalise_term(term))
    if not term:
        return escape_markdown(text)
    parts, position = [], 0
    for match in re.finditer(re.escape(term), text, flags=re.IGNORECASE):
        parts.append(escape_markdown(text[position:match.start()]))
        parts.append(f":orange-background[{escape_markdown(match.group())}]")
        position = match.end()
    parts.append(escape_markdown(text[position:]))
    return "".join(parts)


def theme_ids(value) -> list[str]:
    """A row's themes as a list (a missing list arrives as None or NaN)."""
    if value is None or value is pd.NA or isinstance(value, float):
        return []
    return [str(t) for t in value]


def meta_line(row, theme_labels: dict[str, str] | None = None) -> str:
    """Escaped Markdown caption for one verbatim: when, where from, sentiment and themes."""
    labels = theme_labels or {}
    items = [f"{row.submitted_at:%Y-%m-%d %H:%M}", str(row.source), str(row.language), str(row.unit_id)]
    if isinstance(row.sentiment_band, str):
        items.append(f"{row.sentiment_band} ({row.sentiment:+.2f})")
    themes = theme_ids(row.themes)
    if themes:
        items.append(", ".join(labels.get(t, t) for t in themes))
    return " · ".join(escape_markdown(item) for item in items)


# ---- download ----------------------------------------------------------------------------

def export_frame(results: Results) -> pd.DataFrame:
    frame = results.rows.copy()
    frame["themes"] = [";".join(theme_ids(t)) for t in frame["themes"]]
    return frame


def csv_bytes(period: Period, criteria: Criteria, *, scope: Scope = ALL, database=None) -> bytes:
    """The verbatims ``criteria`` select (newest first, at most CSV_LIMIT) as UTF-8 CSV with a BOM (Excel)."""
    results = search(period, criteria, CSV_LIMIT, scope=scope, database=database)
    return csv_export.frame_csv(export_frame(results), excel_bom=True)


def csv_note(total: int) -> str:
    if total > CSV_LIMIT:
        return (f"The download holds the newest {CSV_LIMIT:,} of the {total:,} matching verbatims "
                f"(at most {CSV_LIMIT:,} rows per file): narrow the period or filters for the rest.")
    what = "the 1 matching verbatim" if total == 1 else f"all {total:,} matching verbatims"
    return (f"The download holds {what} (at most {CSV_LIMIT:,} rows per file). "
            + csv_export.NOTE)
