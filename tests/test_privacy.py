"""Contact details masked for the roles that do not need them (voc/privacy.py)."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from voc import privacy
from voc.navigation import ROLES

PHONES = [
    "+1 415 555 0132", "+14155550132", "(415) 555-0132", "+1 (415) 555-0132", "415-555-0132",
    "415.555.0132", "555-0132", "+86 21 5555 0102", "+86 138 0013 8000", "13800138000",
    "021-6234 5678", "07700 900123", "030 1234567",
]
NOT_PHONES = [
    "2026-10-31", "2026-10-31 12:30:00", "the 2025-2026 season", "Waited 40 minutes on hold",
    "1,299.00 yuan", "12.500 euros", "price 199 or 2999", "Plus plan +10%", "order #4521",
]
EMAILS = ["jane.doe@example.com", "x12@customers.example", "wang.li@example.cn", "a.b-c+tag@mail.co.uk"]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_masked_inside_text(phone):
    masked = privacy.mask_contacts(f"Call me back on {phone}, thanks.")
    assert masked == f"Call me back on {privacy.PHONE_MASK}, thanks."


@pytest.mark.parametrize("email", EMAILS)
def test_email_addresses_are_masked_inside_text(email):
    assert privacy.mask_contacts(f"write to {email}.") == f"write to {privacy.EMAIL_MASK}."


@pytest.mark.parametrize("text", NOT_PHONES)
def test_dates_years_times_and_prices_are_left_alone(text):
    assert privacy.mask_contacts(text) == text


def test_chinese_text_around_contacts():
    assert privacy.mask_contacts("请回电13800138000。") == f"请回电{privacy.PHONE_MASK}。"
    assert privacy.mask_contacts("联系电话：+86 21 5555 0102。") == f"联系电话：{privacy.PHONE_MASK}。"
    assert privacy.mask_contacts("请更新我的地址，联系 wang.li@example.cn") == f"请更新我的地址，联系 {privacy.EMAIL_MASK}"


def test_non_text_values_pass_through():
    assert privacy.mask_contacts(None) is None
    assert privacy.mask_contacts(42) == 42


def test_fixture_verbatims(database):
    with database.read() as cur:
        rows = dict(cur.execute("select feedback_id, text from feedback where text is not null").fetchall())
    # fixture.sql: only fb-d02 (jane.doe@example.com) and fb-d13 (wang.li@example.cn) quote a contact
    changed = {fid for fid, text in rows.items() if privacy.mask_contacts(text) != text}
    assert changed == {"fb-d02", "fb-d13"}
    assert privacy.mask_contacts(rows["fb-d02"]) == f"Third late parcel this month, contact me at {privacy.EMAIL_MASK}"
    assert "wang.li" not in privacy.mask_contacts(rows["fb-d13"])


def test_python_and_duckdb_mask_the_same_spans(database):
    """The SQL gate masks in DuckDB (RE2), pages in Python: both must agree, byte for byte."""
    with database.read() as cur:
        fixture_texts = [r[0] for r in cur.execute("select text from feedback where text is not null").fetchall()]
    samples = ([f"Call me back on {p}, thanks." for p in PHONES] + [f"write to {e}." for e in EMAILS]
               + NOT_PHONES + fixture_texts + ["电话13800138000或者 x12@customers.example+14155550132"])
    con = duckdb.connect()
    try:
        frame = pd.DataFrame({"t": samples})
        con.register("samples", frame)
        in_sql = [r[0] for r in con.execute(f"select {privacy.mask_sql('t')} from samples").fetchall()]
    finally:
        con.close()
    assert in_sql == [privacy.mask_contacts(s) for s in samples]


def test_mask_sql_hides_contact_columns_whole():
    con = duckdb.connect()
    try:
        row = con.execute(f"select {privacy.mask_sql('e', 'email')}, {privacy.mask_sql('p', 'phone')}, "
                          f"{privacy.mask_sql('n', 'phone')} from (select 'x01@customers.example' e, "
                          "'anything at all' p, null::varchar n)").fetchone()
    finally:
        con.close()
    assert row == (privacy.EMAIL_MASK, privacy.PHONE_MASK, None)
    with pytest.raises(ValueError, match="unknown kind"):
        privacy.mask_sql("x", "address")


def test_only_agents_see_contacts():
    assert {role: privacy.needs_masking(role) for role in ROLES} == {
        "executive": True, "manager": True, "analyst": True, "agent": False, "admin": True}
    assert privacy.needs_masking("someone_new") and privacy.needs_masking(None)


def _values(series) -> list:
    return [None if pd.isna(v) else v for v in series]


def test_mask_frame():
    frame = pd.DataFrame({
        "text": ["mail jane.doe@example.com", None, "no contact"],
        "email": ["a@b.example", None, "c@d.example"],
        "phone": [None, "+86 21 5555 0102", None],
        "verbatim": ["call 415-555-0132", "ok", "ok"],
        "channel": ["email", "phone", "chat"],
    })
    counts = pd.DataFrame({"email": [3, 4], "phone": [1, 2]})  # a count per channel: numbers stay
    original = frame.copy()
    masked = privacy.mask_frame(frame, "analyst")
    assert _values(masked.text) == [f"mail {privacy.EMAIL_MASK}", None, "no contact"]
    assert _values(masked.email) == [privacy.EMAIL_MASK, None, privacy.EMAIL_MASK]
    assert _values(masked.phone) == [None, privacy.PHONE_MASK, None]
    assert _values(masked.verbatim) == [f"call {privacy.PHONE_MASK}", "ok", "ok"]
    assert _values(masked.channel) == ["email", "phone", "chat"]
    pd.testing.assert_frame_equal(frame, original)          # the input is not modified
    pd.testing.assert_frame_equal(privacy.mask_frame(counts, "manager"), counts)
    assert privacy.mask_frame(frame, "agent") is frame      # agents see contacts
