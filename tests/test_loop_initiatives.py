"""You said, we did (voc.loop.initiatives): before/after measures by hand on the fixture.

ini-1 "Faster West deliveries" (late_delivery, us_west, from 2026-10-01); 30 days each side:
before 09-01..09-30, after 10-01..10-30.

Inside us_west, before: the September NPS answers uw001-uw030 (30) and fb-d11 = 31 feedback; the 15
detractors uw016-uw030 mention late_delivery: 15/31. NPS: 6 promoters, 15 detractors of 30 = -30.
Active on 09-01: uw001-uw030, x06 (churns 09-10), x08 (signed up 08-03) = 32; churned: x06 -> 1/32.
After: the October CSAT answers uw001-uw020 (20 feedback, no themes, no NPS); active on 10-01:
uw001-uw030 and x08 = 31 (x10 signs up that day); churned by 10-30: uw029 (10-20) -> 1/31.

Elsewhere, before: NPS answers ue 30, ca 10, sh 30, bj 20, sc 10 (100) + fb-d07, fb-d08, fb-d14 = 103;
late_delivery: the sh/bj/sc detractors 6 + 4 + 2 and fb-d07 = 13. NPS: promoters 13+0+15+12+6 = 46,
detractors 6+8+6+4+2 = 26 of 100 = +20. Active on 09-01: the 100 panel customers, x07, x11 and x12 =
103; churned: x11 (09-01). After: sh CSAT 20 + fb-d12 = 21 feedback; active 103 (x09 in, x11 out);
churned: x09 (10-15).
"""
import datetime as dt

import pytest

from voc import db, rollups
from voc.loop import initiatives as ini
from voc.users import User

END = dt.date(2026, 10, 31)
ANALYST = User("demo-analyst", "Ana", "analyst", None)
WEST_MANAGER = User("demo-region-manager", "Rafael", "manager", frozenset({"us_west"}))


def test_before_and_after_by_hand(database):
    outcome = ini.outcomes(END, 30, database=database)["ini-1"]
    assert outcome.before == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert outcome.after == (dt.date(2026, 10, 1), dt.date(2026, 10, 30))
    inside, elsewhere = outcome.changes["inside"], outcome.changes["elsewhere"]
    share = inside["theme_share"]
    assert (share.previous.value, share.previous.n, share.current.value, share.current.n) == pytest.approx(
        (100 * 15 / 31, 31, 0.0, 20))
    assert not share.testable                                     # 20 answers after: too few to tell
    assert (inside["nps"].previous.value, inside["nps"].previous.n, inside["nps"].current.n) == (-30.0, 30, 0)
    churn = inside["churn"]
    assert (churn.previous.value, churn.previous.n, churn.current.value, churn.current.n) == pytest.approx(
        (100 / 32, 32, 100 / 31, 31))
    assert not churn.significant
    assert (elsewhere["theme_share"].previous.value, elsewhere["theme_share"].previous.n) == pytest.approx(
        (100 * 13 / 103, 103))
    assert elsewhere["theme_share"].current.n == 21
    assert (elsewhere["nps"].previous.value, elsewhere["nps"].previous.n) == (20.0, 100)
    assert (elsewhere["churn"].previous.n, elsewhere["churn"].current.n) == (103, 103)
    assert elsewhere["churn"].previous.value == elsewhere["churn"].current.value == pytest.approx(100 / 103)
    table = outcome.table().set_index(["area", "measure"])
    assert table.loc[("inside", "Share of feedback on the theme"), "verdict"].startswith("cannot tell yet")
    assert ini.headline("Faster West deliveries", "late delivery", outcome) == (
        "Faster West deliveries: too little feedback yet to tell whether mentions of late delivery changed")


def test_a_significant_fall_is_narrated(private_db_path):
    database = db.get(private_db_path)
    with database.write() as cur:  # 40 more us_west answers in October, none about late delivery
        for i in range(40):
            cur.execute("insert into feedback (feedback_id, customer_id, unit_id, segment, source, solicited, "
                        "submitted_at, text) values (?, 'uw001', 'us_west', 'plus', 'review', false, ?, 'fine')",
                        [f"oct-{i}", dt.datetime(2026, 10, 1, 12) + dt.timedelta(hours=12 * i)])
        rollups.rebuild(cur)
    outcome = ini.outcomes(END, 30, database=database)["ini-1"]
    share = outcome.changes["inside"]["theme_share"]
    assert share.current.n == 60 and share.significant and share.delta == pytest.approx(-100 * 15 / 31)
    # elsewhere has 21 answers after: not testable, so nothing is said about it
    assert ini.headline("Faster West deliveries", "late delivery", outcome) == (
        "Faster West deliveries: mentions of late delivery fell from 48.4% to 0.0% of feedback")
    assert outcome.table().set_index(["area", "measure"]).loc[
        ("inside", "Share of feedback on the theme"), "verdict"] == "better: down 48.4 points"
    frame = ini.share_frame(outcome)
    assert list(frame.feedback) == [31, 60, 103, 21] and frame.share_pct.isna().tolist() == [False, False, False, True]


def test_customers_who_raised_the_theme(database):
    people = ini.customers("ini-1", 30, database=database).set_index("customer_id")
    assert sorted(people.index) == [f"uw{i:03d}" for i in range(16, 31)]
    assert sorted(people.index[~people.still_customer]) == ["uw029", "uw030"]
    assert people.mentions.max() == 1
    wider = ini.customers("ini-1", 90, database=database).set_index("customer_id")
    assert wider.loc["uw021", "mentions"] == 2                     # fb-d01 on 08-03 as well
    assert list(ini.customers("ini-2", 90, database=database).customer_id) == ["sc003"]  # fb-d09 (long_wait)


def test_telling_customers_queues_one_message_each(private_db_path):
    database = db.get(private_db_path)
    assert ini.notify_customers(database, ANALYST, "ini-1", 30) == 13     # 15 raised it, 2 have left
    assert ini.notify_customers(database, ANALYST, "ini-1", 30) == 0      # never told twice
    with database.read() as cur:
        rows = cur.execute("select recipient, address, subject from outbox order by recipient").fetchall()
        audit = cur.execute("select actor, detail from audit_log where action = 'initiative_customers_notified'"
                            ).fetchall()
    assert len(rows) == 13
    assert rows[0] == ("uw016", "uw016@customers.example", "You said, we did: Faster West deliveries")
    assert len(audit) == 2 and '"queued": 13' in audit[0][1]
    agent = User("demo-agent", "Femi", "agent", frozenset({"shanghai"}))
    with pytest.raises(PermissionError):
        ini.notify_customers(database, agent, "ini-1", 30)


def test_scope_and_recording_an_initiative(private_db_path):
    database = db.get(private_db_path)
    assert list(ini.initiatives(scope=WEST_MANAGER.scope, database=database).initiative_id) == ["ini-1"]
    assert list(ini.initiatives(scope=User("b", "B", "manager", frozenset({"bu_cn"})).scope,
                                database=database).initiative_id) == ["ini-2"]
    with pytest.raises(PermissionError):
        ini.create(database, WEST_MANAGER, "Canada too", "late_delivery", ["us_west", "canada"], dt.date(2026, 10, 15))
    new_id = ini.create(database, WEST_MANAGER, "Evening delivery slots", "late_delivery", ["us_west"],
                        dt.date(2026, 10, 15), description="Two-hour delivery windows")
    ana = ini.create(database, ANALYST, "Billing clean-up", "billing", ["us_west", "shanghai"], dt.date(2026, 9, 1),
                     dt.date(2026, 9, 30))
    listing = ini.initiatives(database=database).set_index("initiative_id")
    assert listing.loc[ana, "units"].tolist() == ["us_west", "shanghai"]
    assert listing.loc[new_id, "owner"] == "demo-region-manager"
    with database.read() as cur:
        notes = cur.execute("select unit_id, kind, label from annotations where annotation_id like ? order by 1",
                            [f"ANN-{ana}%"]).fetchall()
        audit = cur.execute("select actor, target from audit_log where action = 'initiative_created' "
                            "and outcome = 'ok' order by id").fetchall()
    assert notes == [("shanghai", "initiative", "Billing clean-up"), ("us_west", "initiative", "Billing clean-up")]
    assert audit == [("demo-region-manager", new_id), ("demo-analyst", ana)]
    # measured over both units: before (08-02..08-31) us_west has the CES answers uw001-uw015, fb-d01 and
    # fb-d03 (billing, 08-02 23:59:59) and shanghai nothing = 17; after (09-01..09-30) us_west 31, shanghai
    # 30 NPS answers and fb-d07 = 62, none about billing
    share = ini.outcomes(END, 30, database=database)[ana].changes["inside"]["theme_share"]
    assert (share.previous.n, share.previous.value, share.current.n, share.current.value) == pytest.approx(
        (17, 100 / 17, 62, 0.0))
    # an initiative is visible to readers whose scope holds its main unit (the first one)
    shanghai = User("s", "S", "manager", frozenset({"shanghai"})).scope
    assert ana not in set(ini.initiatives(scope=shanghai, database=database).initiative_id)
    with pytest.raises(ValueError, match="before it starts"):
        ini.create(database, ANALYST, "Backwards", "billing", ["us_west"], dt.date(2026, 9, 30), dt.date(2026, 9, 1))
