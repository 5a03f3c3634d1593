"""The mapping assistant: suggests which file column fills which canonical column.

Each pair (file column, canonical column) is scored from the column's name (known synonyms,
including survey platforms' and CRMs' usual headers, and the question text of a second header
row) and from its sample values (0-10 integers suggest NPS, 1-5 CSAT, dates, yes/no, long free
text, unique identifiers). The best-scoring canonical table is proposed with one source column per
canonical column; ``to_yaml`` writes the proposal as a mapping file to review and edit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from voc.ingest import canonical

SYNONYMS = {
    "feedback_id": ["responseid", "response id", "feedbackid", "reviewid", "review id", "ticketid", "ticket id",
                    "commentid", "surveyresponseid", "responseuuid", "id"],
    "customer_id": ["customerid", "customer id", "custid", "clientid", "accountid", "userid", "memberid",
                    "externalreference", "external data reference", "externaldatareference", "customer"],
    "submitted_at": ["enddate", "end date", "recordeddate", "submittedat", "submitted", "submitdate", "createdat",
                     "created", "date", "timestamp", "responsedate", "reviewdate", "startdate", "time"],
    "nps": ["nps", "npsscore", "likelihoodtorecommend", "how likely", "recommend", "ltr"],
    "csat": ["csat", "satisfaction", "satisfied", "csatscore"],
    "ces": ["ces", "effort", "customereffort", "easy"],
    "rating": ["rating", "stars", "starrating", "reviewrating", "score"],
    "text": ["comment", "comments", "feedback", "verbatim", "text", "review", "reviewtext", "body", "message",
             "reason", "why", "openended", "description"],
    "language": ["language", "userlanguage", "lang", "locale"],
    "channel": ["channel", "distributionchannel", "medium"],
    "unit_id": ["unit", "unitid", "region", "store", "site", "branch", "location", "state", "area"],
    "segment": ["segment", "contract", "tier", "plan type", "customertype", "customer type"],
    "plan": ["plan", "product", "subscription", "internetservice", "package"],
    "country": ["country", "countrycode"],
    "signup_at": ["signupdate", "signup", "joindate", "joined", "startdate", "customersince", "createdat", "tenure"],
    "email": ["email", "emailaddress", "recipientemail"],
    "phone": ["phone", "phonenumber", "mobile"],
    "churned_at": ["churndate", "churnedat", "cancelled", "canceldate", "enddate"],
    "amount": ["amount", "revenue", "monthlycharges", "charges", "total", "price", "value"],
    "order_id": ["orderid", "order id", "ordernumber"],
    "contact_id": ["contactid", "callid", "caseid"],
}
# Required columns a file rarely carries: a constant to start from (the admin reviews it).
GUESSES = {"feedback": {"source": {"value": "survey"}}}
TABLE_HINTS = {"feedback": {"text", "nps", "csat", "ces", "rating", "feedback_id"},
               "customers": {"customer_id", "signup_at", "segment", "plan", "email"},
               "orders": {"order_id", "amount"}, "contacts": {"contact_id"}}


@dataclass(frozen=True)
class Suggestion:
    target: str
    source: str
    score: float
    because: str


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", text.lower().replace("_", " ")).strip()


def _name_score(column: str, question: str, target: str) -> tuple[float, str]:
    name, squashed = _norm(column), _norm(column).replace(" ", "")
    best, why = 0.0, ""
    for rank, syn in enumerate(SYNONYMS.get(target, []) + [target.replace("_", " ")]):
        s = syn.replace(" ", "")
        if squashed == s:  # earlier synonyms are the likelier meaning (EndDate before StartDate)
            return 1.0 - 0.01 * rank, f"the header '{column}' is a usual name for {target}"
        if len(s) > 3 and (s in squashed or (" " in syn and syn in name)):
            best, why = max((best, why), (0.6, f"the header '{column}' contains '{syn}'"))
        if question and len(syn) > 3 and syn in _norm(question):
            best, why = max((best, why), (0.7, f"its question '{question[:60]}' mentions '{syn}'"))
    return best, why


def _profile(values: pa.Array) -> dict:
    text = pc.cast(values, pa.string())
    present = pc.drop_null(pc.filter(text, pc.not_equal(pc.utf8_trim_whitespace(pc.fill_null(text, "")), "")))
    n = len(present)
    if not n:
        return {"n": 0}
    try:
        nums = pc.cast(present, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        nums = None
    lower = pc.utf8_lower(present)
    profile = {"n": n, "unique": pc.count_distinct(present).as_py() / n,
               "length": pc.mean(pc.utf8_length(present)).as_py(),
               "yesno": pc.mean(pc.is_in(lower, pa.array(["yes", "no", "true", "false", "y", "n"]))).as_py(),
               "date": pc.mean(pc.match_substring_regex(present, r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")).as_py()}
    if nums is not None:
        profile.update(min=pc.min(nums).as_py(), max=pc.max(nums).as_py(),
                       integer=pc.all(pc.equal(nums, pc.round(nums))).as_py())
    return profile


def _value_score(p: dict, target: canonical.Column) -> float:
    if not p.get("n"):
        return -1.0  # an empty column fills nothing
    if target.name in ("phone", "email", "customer_id") and p["yesno"] > 0.5:
        return -1.0
    lo, hi, integer = p.get("min"), p.get("max"), p.get("integer")
    if target.name == "nps":
        return 0.5 if integer and lo is not None and lo >= 0 and hi <= 10 and hi > 5 else -0.5
    if target.name in ("csat", "rating"):
        return 0.3 if integer and lo is not None and lo >= 1 and hi <= 5 else -0.5
    if target.name == "ces":
        return 0.3 if integer and lo is not None and lo >= 1 and hi <= 7 else -0.5
    if target.kind in ("date", "timestamp"):
        return 0.4 if p["date"] > 0.9 else (0.1 if target.name == "signup_at" and integer else -0.5)
    if target.name == "text":
        return 0.4 if p["length"] > 25 else -0.3
    if target.name.endswith("_id") and target.name != "unit_id":
        return 0.2 if p["unique"] > 0.95 else -0.1
    if target.kind == "boolean":
        return 0.4 if p["yesno"] > 0.9 else -0.5
    if target.kind in ("number", "integer"):
        return 0.2 if lo is not None else -0.5
    return 0.0


def suggest(table: pa.Table, questions: dict[str, str] | None = None, target_table: str | None = None
            ) -> tuple[str, list[Suggestion]]:
    """(canonical table, suggestions) for a file's first rows; ``questions``: a second header row."""
    questions = questions or {}
    columns = [c for c in table.column_names if c != "_row"]
    profiles = {c: _profile(table[c].combine_chunks()) for c in columns}
    candidates = [target_table] if target_table else list(TABLE_HINTS)
    best = None
    for name in candidates:
        spec = canonical.table(name)
        scored = []
        for col in spec.columns:
            options = []
            for source in columns:
                s, why = _name_score(source, questions.get(source, ""), col.name)
                if s > 0:
                    options.append((s + _value_score(profiles[source], col), source, why))
            if options:
                s, source, why = max(options)
                if s >= 0.5:
                    scored.append(Suggestion(col.name, source, round(s, 2), why))
        used, unique = set(), []
        for sug in sorted(scored, key=lambda x: -x.score):   # one file column feeds one canonical column
            if sug.source not in used:
                used.add(sug.source)
                unique.append(sug)
        total = sum(s.score for s in unique if s.target in TABLE_HINTS.get(name, ())) + 0.1 * len(unique)
        if best is None or total > best[0]:
            best = (total, name, sorted(unique, key=lambda s: spec.names.index(s.target)))
    return best[1], best[2]


def to_yaml(source: str, table: str, suggestions: list[Suggestion], file_name: str = "", header_rows: int = 1) -> str:
    columns = {s.target: s.source for s in suggestions}
    for target, guess in GUESSES.get(table, {}).items():
        columns.setdefault(target, guess)
    mapping = {"source": source, "file": file_name or None, "on_error": "reject", "tables": {table: columns}}
    if header_rows > 1:
        mapping["csv"] = {"header_rows": header_rows}
    mapping = {k: v for k, v in mapping.items() if v is not None}
    notes = "".join(f"#   {s.target} <- {s.source}: {s.because} (score {s.score})\n" for s in suggestions)
    return ("# Suggested by the mapping assistant: review every line before importing.\n" + notes
            + yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True))
