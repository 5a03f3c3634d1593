"""What a rendered story is made of: plain blocks any front end can show or export.

``Markdown`` (safe Markdown), ``Said`` (a narrated sentence with its provenance), ``Figure`` (an
Altair chart, the data frame behind it and a widget key), ``Evidence`` (representative verbatims:
plain text with contact details masked, and the same escaped for Markdown) and ``Notice`` (why
something is not shown). ``Rendered`` holds them in reading order with the resolved parameters,
the messages about replaced parameters and every query run. Every block has a ``kind``.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from voc.narrate import Sentence


@dataclass(frozen=True)
class Markdown:
    text: str
    kind: str = "markdown"


@dataclass(frozen=True)
class Said:
    sentence: Sentence
    kind: str = "sentence"


@dataclass(frozen=True)
class Figure:
    chart: object
    data: pd.DataFrame
    title: str
    key: str
    note: str | None = None
    kind: str = "chart"


@dataclass(frozen=True)
class Quote:
    text: str  # the verbatim, contact details masked (plain text)
    markdown: str  # the same, escaped for Markdown
    meta: str


@dataclass(frozen=True)
class Evidence:
    title: str
    quotes: tuple[Quote, ...]
    note: str | None = None
    kind: str = "evidence"


@dataclass(frozen=True)
class Notice:
    text: str
    kind: str = "notice"


@dataclass(frozen=True)
class Rendered:
    slug: str
    title: str
    summary: str
    audience: str
    params: dict  # name -> value as text (what the URL carries)
    messages: tuple[str, ...]
    blocks: tuple
    queries_run: tuple  # (query, params) in the order first run

    def sentences(self) -> list[Sentence]:
        return [b.sentence for b in self.blocks if isinstance(b, Said)]
