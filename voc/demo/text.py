"""Verbatims composed from phrase parts, vectorised with Arrow.

A comment is ``[opener] issue [detail] [connector issue2] [closer] [pii]``: the
issue and detail phrases belong to the row's themes, opener and closer to its
tone, each optional part present at random. Transcripts wrap the same parts in
a short agent/customer dialogue, emails in a greeting and sign-off, tickets
under a subject line, social posts between a mention and hashtags. All phrases
of both languages sit in one Arrow string array; every part of every row is an
index into it, so composing millions of texts is a handful of ``take`` and
``binary_join_element_wise`` calls.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voc.demo import company as co
from voc.demo import phrases_en, phrases_zh

LANGUAGES = ("en", "zh")
STYLES = ("comment", "social", "chat", "call", "email", "ticket")
COMMENT, SOCIAL, CHAT, CALL, EMAIL, TICKET = range(len(STYLES))
_POLARITY = np.array([{"negative": -1, "neutral": 0, "positive": 1}[t[2]] for t in co.THEMES])
PII_SHARE = 0.01  # share of verbatims (of known customers) quoting an email address or phone number


class _Bank:
    """Every phrase in one Arrow array; a *slot* is one list of alternatives."""

    def __init__(self, modules):
        strings: list[str] = []
        offset, count = [], []

        def slot(phrases) -> int:
            offset.append(len(strings))
            count.append(len(phrases))
            strings.extend(phrases)
            return len(offset) - 1

        def per_language(get) -> np.ndarray:
            return np.array([[slot(p) for p in get(m)] for m in modules])

        self.opener = per_language(lambda m: m.OPENERS)
        self.closer = per_language(lambda m: m.CLOSERS)
        self.dialogue_closer = per_language(lambda m: m.DIALOGUE_CLOSERS)
        self.hashtag = per_language(lambda m: m.HASHTAGS)
        self.issue = per_language(lambda m: [m.ISSUES[t] for t in co.THEME_IDS])
        self.detail = per_language(lambda m: [m.DETAILS[t] for t in co.THEME_IDS])
        self.reply = per_language(lambda m: [m.REPLIES[t] for t in co.THEME_IDS])
        self.subject = per_language(lambda m: [m.SUBJECTS[t] for t in co.THEME_IDS])
        self.single = {
            name: per_language(lambda m, get=get: [get(m)])[:, 0]
            for name, get in {
                "connector": lambda m: m.CONNECTORS,
                "greet_chat": lambda m: m.GREETINGS["chat"],
                "greet_call": lambda m: m.GREETINGS["call"],
                "email_open": lambda m: m.EMAIL_OPENINGS,
                "signoff": lambda m: m.SIGNOFFS,
                "social_open": lambda m: m.SOCIAL_OPENERS,
                "pii": lambda m: m.PII,
                "agent": lambda m: m.SPEAKERS[:1],
                "customer": lambda m: m.SPEAKERS[1:],
                "subject_label": lambda m: (m.SUBJECT_LABEL,),
            }.items()
        }
        self.separator = pa.array([m.SEPARATOR for m in modules])
        self.strings = pa.array(strings, pa.string())
        self.offset, self.count = np.array(offset), np.array(count)


_BANK = _Bank((phrases_en, phrases_zh))


class _Rows:
    """The rows of one style, with helpers to pick and join their parts."""

    def __init__(self, rng, lang, tone, t1, t2, pii):
        self.rng, self.lang, self.tone, self.t1, self.t2, self.pii = rng, lang, tone, t1, t2, pii
        self.n = lang.size
        self.sep = _BANK.separator.take(pa.array(lang))

    def pick(self, slots: np.ndarray, share: float = 1.0, present: np.ndarray | None = None) -> pa.Array:
        """One random phrase of each row's slot; null where absent (``share`` at random, or ``~present``)."""
        index = _BANK.offset[slots] + (self.rng.random(self.n) * _BANK.count[slots]).astype(np.int64)
        keep = self.rng.random(self.n) < share
        if present is not None:
            keep &= present
        return _BANK.strings.take(pa.array(index, mask=~keep))

    def single(self, name: str, share: float = 1.0, present: np.ndarray | None = None) -> pa.Array:
        return self.pick(_BANK.single[name][self.lang], share, present)

    def by_tone(self, table: np.ndarray, share: float = 1.0) -> pa.Array:
        return self.pick(table[self.lang, self.tone], share)

    def by_theme(self, table: np.ndarray, theme: np.ndarray, share: float = 1.0) -> pa.Array:
        present = theme >= 0
        return self.pick(table[self.lang, np.maximum(theme, 0)], share, present)

    def join(self, parts: list[pa.Array], separator: pa.Array | str | None = None) -> pa.Array:
        sep = self.sep if separator is None else separator
        return pc.binary_join_element_wise(*parts, sep, null_handling="skip")

    def body(self, opener: float, detail: float, closer: pa.Array | None) -> list[pa.Array]:
        """Opener, the first theme with its detail, the second theme, a closer and any contact details."""
        parts = [self.by_tone(_BANK.opener, opener), self.by_theme(_BANK.issue, self.t1),
                 self.by_theme(_BANK.detail, self.t1, detail),
                 self.single("connector", present=self.t2 >= 0), self.by_theme(_BANK.issue, self.t2)]
        if closer is not None:
            parts.append(closer)
        return parts + [self.single("pii", present=self.pii)]


def _comment(r: _Rows) -> pa.Array:
    return r.join(r.body(0.7, 0.6, r.by_tone(_BANK.closer, 0.65)))


def _social(r: _Rows) -> pa.Array:
    return r.join([r.single("social_open", 0.6), *r.body(0.3, 0.4, None), r.by_tone(_BANK.hashtag, 0.7)])


def _dialogue(greeting: str):
    def compose(r: _Rows) -> pa.Array:
        agent, customer = r.single("agent"), r.single("customer")
        turns = [
            r.join([agent, r.single(greeting)]),
            r.join([customer, *r.body(0.3, 0.6, None)[:-1]]),
            r.join([agent, r.by_theme(_BANK.reply, r.t1)]),
            r.join([customer, r.by_tone(_BANK.dialogue_closer), r.single("pii", present=r.pii)]),
        ]
        return r.join(turns, "\n")
    return compose


def _email(r: _Rows) -> pa.Array:
    return r.join([r.single("email_open"), r.join(r.body(0.4, 0.7, r.by_tone(_BANK.closer, 0.8))),
                   r.single("signoff")], "\n")


def _ticket(r: _Rows) -> pa.Array:
    subject = r.join([r.single("subject_label"), r.by_theme(_BANK.subject, r.t1)])
    return r.join([subject, r.join(r.body(0.0, 0.7, None))], "\n")


_COMPOSERS = {COMMENT: _comment, SOCIAL: _social, CHAT: _dialogue("greet_chat"),
              CALL: _dialogue("greet_call"), EMAIL: _email, TICKET: _ticket}


def compose(rng: np.random.Generator, style: np.ndarray, lang: np.ndarray, tone: np.ndarray,
            t1: np.ndarray, t2: np.ndarray, pii: np.ndarray) -> pa.Array:
    """The verbatim of every row (null where ``style`` is -1).

    ``tone`` (0 negative, 1 neutral, 2 positive) picks openers and closers; a
    row whose main theme has the opposite polarity gets neutral ones instead.
    """
    polarity = _POLARITY[np.maximum(t1, 0)]
    tone = np.where(((tone == 2) & (polarity < 0)) | ((tone == 0) & (polarity > 0)), 1, tone)
    pieces, rows = [], []
    for code in range(len(STYLES)):
        r = np.flatnonzero(style == code)
        if r.size:
            pieces.append(_COMPOSERS[code](_Rows(rng, lang[r], tone[r], t1[r], t2[r], pii[r])))
            rows.append(r)
    silent = np.flatnonzero(style < 0)
    pieces.append(pa.nulls(silent.size, pa.string()))
    rows.append(silent)
    position = np.empty(style.size, np.int64)
    position[np.concatenate(rows)] = np.arange(style.size)
    return pa.concat_arrays(pieces).take(pa.array(position))
