"""AppTest for the admin pages: pages/admin_users.py (manage accounts through voc.auth) and
pages/audit_log.py (read the audit log). Each test runs on a private copy of the fixture."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from voc import audit_log, auth, config, db
from voc.users import User

TIMEOUT = 120
USERS = str(config.ROOT / "pages/admin_users.py")
AUDIT = str(config.ROOT / "pages/audit_log.py")
GOOD = "correct horse battery"
ADMIN = "demo-admin"


@pytest.fixture
def admin_db(private_db_path, monkeypatch):
    monkeypatch.setenv("VOC_DB", str(private_db_path))
    return db.get(private_db_path)


def page(path: str, persona: str = ADMIN) -> AppTest:
    at = AppTest.from_file(path, default_timeout=TIMEOUT)
    at.session_state["persona"] = persona
    at.query_params["period"] = "90d"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def users(database) -> dict:
    with database.read() as cur:
        rows = cur.execute("select username, role, units, disabled, failed_attempts, locked_until from users").fetchall()
    return {r[0]: r[1:] for r in rows}


def audit(database) -> list[tuple]:
    with database.read() as cur:
        return cur.execute("select actor, action, target, outcome, detail from audit_log order by id").fetchall()


def add(at: AppTest, username: str, role: str = "manager", *, units=(), whole=False, password=GOOD,
        repeat=None, name="") -> AppTest:
    at.text_input(key="au_new_username").set_value(username)
    at.text_input(key="au_new_name").set_value(name)
    at.selectbox(key="au_new_role").set_value(role)
    at.checkbox(key="au_new_all").set_value(whole)
    at.multiselect(key="au_new_units").set_value(list(units))
    at.text_input(key="au_new_password").set_value(password)
    at.text_input(key="au_new_repeat").set_value(password if repeat is None else repeat)
    return at.button(key="au_add").click().run()


def table(at: AppTest):
    return next(d.value for d in at.dataframe if "username" in d.value.columns).set_index("username")


def test_adding_users_goes_through_auth_and_is_audited(admin_db):
    at = page(USERS)
    assert at.title[0].value == "Users"
    assert not at.dataframe and at.info[0].value.startswith("No accounts yet")
    at = add(at, "rafa", "manager", units=["us_west"], name="Rafa <b>West</b>")
    assert at.success[0].value == "Added rafa\\."
    assert users(admin_db)["rafa"][:3] == ("manager", ["us_west"], False)
    shown = table(at)
    assert (shown.loc["rafa", "role"], shown.loc["rafa", "scope"], shown.loc["rafa", "name"]) == (
        "manager", "us_west", "Rafa <b>West</b>")                           # a dataframe shows text as text
    assert audit(admin_db)[-1][:4] == (ADMIN, "user_created", "rafa", "ok")
    # the password fields are emptied after a submit; the stored password works
    assert at.text_input(key="au_new_password").value == "" and at.text_input(key="au_new_repeat").value == ""
    assert auth.authenticate(admin_db, "rafa", GOOD).units == frozenset({"us_west"})
    at = add(at, "cora", "analyst", whole=True)
    assert users(admin_db)["cora"][:2] == ("analyst", None)
    assert table(at).loc["cora", "scope"] == "whole company"


@pytest.mark.parametrize("kwargs, message", [
    (dict(repeat="something else entirely"), "the two passwords differ"),
    (dict(password="short"), f"at least {auth.MIN_PASSWORD_LENGTH} characters"),
    (dict(password="mallory-mallory-1"), "must not contain the username"),
    (dict(units=()), "choose at least one org unit"),
    (dict(username="Bad Name!"), "a username is 2-64 characters"),
])
def test_refused_additions_say_why_and_change_nothing(admin_db, kwargs, message):
    at = page(USERS)
    before = audit(admin_db)
    at = add(at, kwargs.pop("username", "mallory"), units=kwargs.pop("units", ["us_west"]), **kwargs)
    assert not at.success
    assert at.error[0].value.startswith("Not done:") and message in at.error[0].value.replace("\\", "")
    assert users(admin_db) == {}
    assert audit(admin_db) == before
    assert at.text_input(key="au_new_password").value == ""


def test_a_duplicate_username_is_refused(admin_db):
    at = add(page(USERS), "rafa", units=["us_west"])
    at = add(at, "RAFA", "executive", whole=True)
    assert "already exists" in at.error[0].value
    assert users(admin_db)["rafa"][0] == "manager"


def test_role_scope_disable_enable_and_unlock(admin_db):
    actor = User(ADMIN, "Ada", "admin", None)
    auth.create_user(admin_db, actor, "rafa", "Rafa", "manager", GOOD, ["us_west"])
    at = page(USERS)
    at.selectbox(key="au_pick").set_value("rafa").run()
    at.selectbox(key="au_role_rafa").set_value("analyst")
    at = at.button(key="au_save_role").click().run()
    assert at.success[0].value == "rafa is now analyst\\."
    assert users(admin_db)["rafa"][0] == "analyst"
    at.multiselect(key="au_edit_rafa_units").set_value(["bu_cn", "canada"])
    at = at.button(key="au_save_scope").click().run()
    assert users(admin_db)["rafa"][1] == ["bu_cn", "canada"]
    assert table(at).loc["rafa", "scope"] == "bu_cn, canada"
    at.checkbox(key="au_edit_rafa_all").set_value(True)
    at = at.button(key="au_save_scope").click().run()
    assert users(admin_db)["rafa"][1] is None
    at = at.button(key="au_disable").click().run()
    assert users(admin_db)["rafa"][2] is True and bool(table(at).loc["rafa", "disabled"])
    with pytest.raises(auth.AuthFailed):
        auth.authenticate(admin_db, "rafa", GOOD)
    at = at.button(key="au_enable").click().run()
    assert users(admin_db)["rafa"][2] is False
    assert at.button(key="au_unlock").disabled
    for _ in range(auth.MAX_FAILED_ATTEMPTS):                 # lock the account with wrong passwords
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(admin_db, "rafa", "wrong password, wrong")
    at = page(USERS)
    at.selectbox(key="au_pick").set_value("rafa").run()
    assert bool(table(at).loc["rafa", "locked"]) and not at.button(key="au_unlock").disabled
    at = at.button(key="au_unlock").click().run()
    assert users(admin_db)["rafa"][4] is None and not bool(table(at).loc["rafa", "locked"])
    assert auth.authenticate(admin_db, "rafa", GOOD).username == "rafa"
    actions = [(a, act, t, o) for a, act, t, o, _ in audit(admin_db) if a == ADMIN]
    assert actions == [(ADMIN, a, "rafa", "ok") for a in ("user_created", "role_changed", "scope_changed",
                                                            "scope_changed", "user_disabled", "user_enabled",
                                                            "user_unlocked")]


def test_new_password_entered_twice(admin_db):
    auth.create_user(admin_db, User(ADMIN, "Ada", "admin", None), "rafa", "Rafa", "manager", GOOD, ["us_west"])
    at = page(USERS)
    at.text_input(key="au_pw_password").set_value("a brand new secret")
    at.text_input(key="au_pw_repeat").set_value("a brand new secreT")
    at = at.button(key="au_pw_save").click().run()
    assert "the two passwords differ" in at.error[0].value
    at.text_input(key="au_pw_password").set_value("a brand new secret")
    at.text_input(key="au_pw_repeat").set_value("a brand new secret")
    at = at.button(key="au_pw_save").click().run()
    assert at.success[0].value == "Password of rafa changed\\."
    assert auth.authenticate(admin_db, "rafa", "a brand new secret").username == "rafa"
    assert at.text_input(key="au_pw_password").value == ""


def test_the_last_admin_cannot_be_disabled_or_demoted(admin_db):
    auth.create_first_admin(admin_db, "root", "Root", GOOD)
    at = page(USERS)
    at = at.button(key="au_disable").click().run()
    assert "last enabled admin" in at.error[0].value
    at.selectbox(key="au_role_root").set_value("analyst")
    at = at.button(key="au_save_role").click().run()
    assert "last enabled admin" in at.error[0].value
    assert users(admin_db)["root"][:3] == ("admin", None, False)


@pytest.mark.parametrize("persona", ["demo-region-manager", "demo-analyst", "demo-executive", "demo-agent"])
@pytest.mark.parametrize("path", [USERS, AUDIT])
def test_other_roles_are_refused(admin_db, persona, path):
    auth.create_user(admin_db, User(ADMIN, "Ada", "admin", None), "rafa", "Rafa", "manager", GOOD, ["us_west"])
    at = page(path, persona)
    assert at.warning[0].value.startswith("Only admins")
    assert not at.dataframe and not at.button and not at.text_input


def test_audit_log_page_lists_newest_first_and_filters(admin_db):
    actor = User(ADMIN, "Ada", "admin", None)
    t0 = dt.datetime(2026, 11, 2, 9)
    auth.create_user(admin_db, actor, "rafa", "Rafa", "manager", GOOD, ["us_west"])
    for i, (who, action) in enumerate([("rafa", "sign_in"), ("mallory", "sign_in"), ("rafa", "sql_refused")]):
        audit_log.record(admin_db, who, action, "x", {"n": i, "html": "<script>alert(1)</script>"},
                         "refused" if i else "ok", at=t0 + dt.timedelta(minutes=i))
    at = page(AUDIT)
    assert at.title[0].value == "Audit log"
    rows = at.dataframe[0].value
    assert list(rows.action) == ["sql_refused", "sign_in", "sign_in", "user_created"]   # newest first
    assert list(rows.id) == sorted(rows.id, reverse=True)
    assert json.loads(rows.detail.iloc[0]) == {"n": 2, "html": "<script>alert(1)</script>"}
    assert "**4** rows" in at.markdown[0].value and "**2** refused" in at.markdown[0].value
    at.selectbox(key="al_action").set_value("sign_in").run()
    assert list(at.dataframe[0].value.actor) == ["mallory", "rafa"]
    at.selectbox(key="al_actor").set_value("rafa").run()
    assert list(at.dataframe[0].value.detail.map(lambda d: json.loads(d)["n"])) == [0]
    at.selectbox(key="al_action").set_value(None).run()
    assert list(at.dataframe[0].value.action) == ["sql_refused", "sign_in"]
    at.selectbox(key="al_action").set_value("user_created")
    at.selectbox(key="al_actor").set_value("mallory").run()
    assert not at.dataframe and "No audit rows match" in at.info[0].value


def test_company_wide_admins_see_every_row_and_scoped_admins_their_users_only(admin_db):
    """Rows about accounts outside any unit (an unknown name at sign-in, the command line) are seen
    by company-wide admins; an admin limited to us_west sees only rows about users inside us_west."""
    actor = User(ADMIN, "Ada", "admin", None)
    auth.create_user(admin_db, actor, "rafa", "Rafa", "manager", GOOD, ["us_west"])
    auth.create_user(admin_db, actor, "bao", "Bao", "manager", GOOD, ["bu_cn"])
    audit_log.record(admin_db, "mallory", "sign_in", "mallory", {"reason": "unknown user"}, "failed")
    at = page(AUDIT)
    assert set(at.dataframe[0].value.target) == {"rafa", "bao", "mallory"}
    west_admin = User("wes", "Wes", "admin", frozenset({"us_west"}))
    at = AppTest.from_file(AUDIT, default_timeout=TIMEOUT)
    at.session_state["persona"] = ADMIN
    at.run()
    at.session_state["user"], at.session_state["scope"] = west_admin, west_admin.scope
    at.run()
    assert not at.exception
    assert set(at.dataframe[0].value.target) == {"rafa"}


def test_audit_log_row_limit(admin_db):
    for i in range(60):
        audit_log.record(admin_db, "bot", "sign_in", None, {"i": i}, "failed")
    at = page(AUDIT)
    at.selectbox(key="al_limit").set_value(50).run()
    rows = at.dataframe[0].value
    assert len(rows) == 50 and json.loads(rows.detail.iloc[0])["i"] == 59
    assert "the latest 50" in at.markdown[0].value
