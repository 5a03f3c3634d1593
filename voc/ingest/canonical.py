"""The canonical tables an import may write, with the rules every loaded row must meet.

This restates voc/schema/001_initial.sql as data (types, required columns, ranges, allowed
values, references, keys) so that ``voc.ingest.validate`` can check a whole file in a few
vectorised statements and name, for each rejected row, the column and the rule it broke,
instead of letting the database refuse the whole batch with its first constraint error.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_TEXT = 50_000      # characters of one verbatim or transcript
MAX_VALUE = 1_000      # characters of any other text value


@dataclass(frozen=True)
class Column:
    name: str
    type: str                           # DuckDB type of the warehouse column
    required: bool = False
    low: float | None = None            # inclusive range for numbers
    high: float | None = None
    allowed: tuple[str, ...] = ()       # closed vocabularies
    past: bool = False                  # a date or time that may not lie in the future
    references: str | None = None       # "table.column" that must hold the value
    fill_from_customer: bool = False    # taken from the customer's row when the file has no value
    max_length: int = MAX_VALUE

    @property
    def kind(self) -> str:
        """number, integer, boolean, date, timestamp, text or list."""
        t = self.type
        if t.endswith("[]"):
            return "list"
        if t in ("tinyint", "integer", "bigint"):
            return "integer"
        if t.startswith("decimal") or t == "double":
            return "number"
        return {"boolean": "boolean", "date": "date", "timestamp": "timestamp"}.get(t, "text")


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    latest: str | None = None               # the column whose maximum says how fresh the data is
    order_checks: tuple[tuple[str, str], ...] = ()  # (later, earlier): later >= earlier when both given

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


C = Column
UNIT = C("unit_id", "varchar", required=True, references="org_units.unit_id", fill_from_customer=True)
CUSTOMER = C("customer_id", "varchar", required=True, references="customers.customer_id")

SOURCES = ("survey", "review", "social", "ticket", "chat", "call", "email")
LEVELS = ("company", "business_unit", "region", "site")

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("org_units", ("unit_id",), (
        C("unit_id", "varchar", required=True), C("name", "varchar", required=True),
        C("parent_id", "varchar", references="org_units.unit_id"),
        C("level", "varchar", required=True, allowed=LEVELS))),
    Table("customers", ("customer_id",), (
        C("customer_id", "varchar", required=True),
        C("unit_id", "varchar", required=True, references="org_units.unit_id"),
        C("segment", "varchar", required=True), C("country", "varchar"), C("plan", "varchar"),
        C("signup_at", "date", required=True, past=True), C("email", "varchar"), C("phone", "varchar")),
        latest="signup_at"),
    Table("feedback", ("feedback_id",), (
        C("feedback_id", "varchar", required=True),
        C("customer_id", "varchar", references="customers.customer_id"),
        UNIT, C("segment", "varchar", fill_from_customer=True),
        C("source", "varchar", required=True, allowed=SOURCES), C("solicited", "boolean", required=True),
        C("channel", "varchar"), C("journey_stage", "varchar"), C("touchpoint", "varchar"),
        C("interaction_id", "varchar"), C("submitted_at", "timestamp", required=True, past=True),
        C("language", "varchar"), C("nps", "tinyint", low=0, high=10), C("csat", "tinyint", low=1, high=5),
        C("ces", "tinyint", low=1, high=7), C("rating", "tinyint", low=1, high=5),
        C("text", "varchar", max_length=MAX_TEXT), C("sentiment", "double", low=-1, high=1),
        C("themes", "varchar[]")),
        latest="submitted_at"),
    Table("orders", ("order_id",), (
        C("order_id", "varchar", required=True), CUSTOMER, UNIT,
        C("ordered_at", "timestamp", required=True, past=True), C("promised_at", "timestamp", required=True),
        C("delivered_at", "timestamp", past=True), C("amount", "decimal(12, 2)", required=True, low=0)),
        latest="ordered_at", order_checks=(("delivered_at", "ordered_at"),)),
    Table("contacts", ("contact_id",), (
        C("contact_id", "varchar", required=True), CUSTOMER, UNIT,
        C("channel", "varchar", required=True, allowed=("phone", "chat", "email")), C("reason", "varchar"),
        C("started_at", "timestamp", required=True, past=True),
        C("wait_seconds", "integer", required=True, low=0), C("handle_seconds", "integer", required=True, low=0),
        C("resolved_first_contact", "boolean", required=True)),
        latest="started_at"),
    Table("incidents", ("incident_id",), (
        C("incident_id", "varchar", required=True),
        C("unit_id", "varchar", required=True, references="org_units.unit_id"),
        C("service", "varchar", required=True), C("started_at", "timestamp", required=True, past=True),
        C("ended_at", "timestamp"), C("severity", "tinyint", required=True, low=1, high=4),
        C("description", "varchar", max_length=MAX_TEXT)),
        latest="started_at", order_checks=(("ended_at", "started_at"),)),
    Table("revenue", ("customer_id", "month"), (
        CUSTOMER, UNIT, C("month", "date", required=True, past=True),
        C("amount", "decimal(12, 2)", required=True)),
        latest="month"),
    Table("churn_events", ("customer_id",), (
        CUSTOMER, UNIT, C("churned_at", "date", required=True, past=True), C("reason", "varchar")),
        latest="churned_at"),
    Table("annotations", ("annotation_id",), (
        C("annotation_id", "varchar", required=True),
        C("unit_id", "varchar", required=True, references="org_units.unit_id"),
        C("on_date", "date", required=True),
        C("kind", "varchar", required=True, allowed=("incident", "price_change", "initiative", "launch", "other")),
        C("label", "varchar", required=True)),
        latest="on_date"),
    Table("initiatives", ("initiative_id",), (
        C("initiative_id", "varchar", required=True), C("title", "varchar", required=True),
        C("theme_id", "varchar", references="themes.theme_id"),
        C("unit_id", "varchar", required=True, references="org_units.unit_id"),
        C("started_at", "date", required=True), C("ended_at", "date"),
        C("description", "varchar", max_length=MAX_TEXT), C("owner", "varchar")),
        latest="started_at", order_checks=(("ended_at", "started_at"),)),
)}

# Tables a file may fill, in the order they are loaded (a reference points to an earlier table).
LOAD_ORDER = ("org_units", "customers", "feedback", "orders", "contacts", "incidents", "revenue",
              "churn_events", "annotations", "initiatives")


def table(name: str) -> Table:
    if name not in TABLES:
        raise KeyError(f"'{name}' is not a table an import can fill; choose among {', '.join(LOAD_ORDER)}")
    return TABLES[name]
