"""The local user store (voc/auth.py) on private copies of the fixture database."""
from __future__ import annotations

import datetime as dt
import json
import statistics
import time

import pytest
from argon2 import PasswordHasher

import voc.db
from voc import auth
from voc.users import User

T0 = dt.datetime(2026, 11, 2, 9, 0, 0)
ADMIN_PASSWORD = "correct horse battery staple"
ANA_PASSWORD = "insights all day, 42"


@pytest.fixture
def db(private_db_path):
    return voc.db.get(private_db_path)


@pytest.fixture
def admin(db):
    return auth.create_first_admin(db, "ada", "Ada Admin", ADMIN_PASSWORD)


@pytest.fixture
def ana(db, admin):
    return auth.create_user(db, admin, "ana", "Ana Analyst", "analyst", ANA_PASSWORD, ["us_west"])


def audit_rows(db, action=None):
    with db.read() as cur:
        rows = cur.execute("select actor, action, target, detail, outcome from audit_log "
                           "where ? is null or action = ? order by id", [action, action]).fetchall()
    return [(a, b, c, json.loads(d), e) for a, b, c, d, e in rows]


def user_row(db, username):
    with db.read() as cur:
        return cur.execute("select role, units, disabled, failed_attempts, locked_until, version, password_hash "
                           "from users where username = ?", [username]).fetchone()


# --------------------------------------------------------------------------------- accounts


def test_a_new_database_has_no_accounts_and_needs_a_first_admin(db):
    with db.read() as cur:
        assert cur.execute("select count(*) from users").fetchone()[0] == 0
        assert cur.execute("select count(*) from audit_log").fetchone()[0] == 0
    assert auth.needs_first_admin(db)
    with pytest.raises(auth.AuthFailed):
        auth.authenticate(db, "admin", "admin")  # no default account, no default password


def test_first_admin_only_once(db, admin):
    assert admin == User("ada", "Ada Admin", "admin", None)
    assert not auth.needs_first_admin(db)
    with pytest.raises(PermissionError, match="already exists"):
        auth.create_first_admin(db, "mallory", "Mallory", "another long password")
    assert auth.get_account(db, "mallory") is None
    assert audit_rows(db) == [("ada", "first_admin_created", "ada", {"role": "admin", "units": None}, "ok")]


def test_passwords_are_stored_as_argon2id_hashes_only(db, admin, ana):
    digest = user_row(db, "ana")[6]
    assert digest.startswith("$argon2id$") and ANA_PASSWORD not in digest
    assert PasswordHasher().verify(digest, ANA_PASSWORD)
    assert ("ada", "user_created", "ana", {"role": "analyst", "units": ["us_west"]}, "ok") in audit_rows(db)


def test_hashes_with_old_parameters_are_upgraded_at_sign_in(db, ana):
    parameters = f"m={auth.ARGON2_MEMORY_KIB},t={auth.ARGON2_TIME_COST},p={auth.ARGON2_PARALLELISM}$"
    assert parameters in user_row(db, "ana")[6]
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(ANA_PASSWORD)
    with db.write() as cur:
        cur.execute("update users set password_hash = ? where username = 'ana'", [weak])
    auth.authenticate(db, "ana", ANA_PASSWORD, now_at=T0)
    upgraded = user_row(db, "ana")[6]
    assert upgraded != weak and f"m={auth.ARGON2_MEMORY_KIB},t={auth.ARGON2_TIME_COST}" in upgraded
    assert PasswordHasher().verify(upgraded, ANA_PASSWORD)


def test_weak_passwords_and_bad_names_are_refused(db, admin):
    for password, message in (("short pass", "at least 12"), ("bob-the-builder-1", "must not contain")):
        with pytest.raises(ValueError, match=message):
            auth.create_user(db, admin, "bob", "Bob", "manager", password)
    with pytest.raises(ValueError, match="username"):
        auth.create_user(db, admin, "Bob Smith!", "Bob", "manager", "a perfectly long password")
    with pytest.raises(ValueError, match="unknown role"):
        auth.create_user(db, admin, "bob", "Bob", "superuser", "a perfectly long password")
    with pytest.raises(ValueError, match="unknown org units"):
        auth.create_user(db, admin, "bob", "Bob", "manager", "a perfectly long password", ["atlantis"])
    assert [a.user.username for a in auth.list_users(db)] == ["ada"]


def test_only_admins_administer(db, admin, ana):
    with pytest.raises(PermissionError):
        auth.create_user(db, ana, "eve", "Eve", "admin", "a perfectly long password")
    with pytest.raises(PermissionError):
        auth.set_role(db, ana, "ana", "admin")
    assert auth.get_account(db, "eve") is None and user_row(db, "ana")[0] == "analyst"
    refused = [r for r in audit_rows(db) if r[4] == "refused"]
    assert [(r[0], r[1], r[2]) for r in refused] == [("ana", "user_created", "eve"), ("ana", "role_changed", "ana")]


def test_role_scope_and_disable_changes_bump_the_version_and_are_audited(db, admin, ana):
    auth.set_role(db, admin, "ana", "manager")
    auth.set_scope(db, admin, "ana", ["bu_na", "shanghai"])
    auth.disable_user(db, admin, "ana")
    role, units, disabled, *_rest = user_row(db, "ana")
    assert (role, sorted(units), disabled, user_row(db, "ana")[5]) == ("manager", ["bu_na", "shanghai"], True, 4)
    assert [(r[1], r[2], r[3]) for r in audit_rows(db)[2:]] == [
        ("role_changed", "ana", {"role": "manager"}),
        ("scope_changed", "ana", {"units": ["bu_na", "shanghai"]}),
        ("user_disabled", "ana", {}),
    ]
    auth.set_scope(db, admin, "ana", None)
    assert user_row(db, "ana")[1] is None
    with pytest.raises(ValueError, match="at least one org unit"):
        auth.set_scope(db, admin, "ana", [])
    with pytest.raises(ValueError, match="no user"):
        auth.set_role(db, admin, "nobody", "manager")


def test_the_last_enabled_admin_cannot_be_removed(db, admin):
    with pytest.raises(ValueError, match="last enabled admin"):
        auth.disable_user(db, admin, "ada")
    with pytest.raises(ValueError, match="last enabled admin"):
        auth.set_role(db, admin, "ada", "analyst")
    auth.create_user(db, admin, "ben", "Ben", "admin", "second admin passphrase")
    auth.disable_user(db, admin, "ada")
    assert user_row(db, "ada")[2] is True and not auth.needs_first_admin(db)


def test_a_change_and_its_audit_row_commit_together(db, admin, monkeypatch):
    from voc import audit_log

    def broken_record(cursor, *args, **kwargs):
        raise RuntimeError("audit storage failed")

    monkeypatch.setattr(audit_log, "record", broken_record)
    with pytest.raises(RuntimeError):
        auth.create_user(db, admin, "bob", "Bob", "manager", "a perfectly long password")
    with pytest.raises(RuntimeError):
        auth.set_role(db, admin, "ada", "admin")
    assert auth.get_account(db, "bob") is None      # the insert was rolled back with the audit row
    assert user_row(db, "ada")[5] == 1              # and so was the update


# --------------------------------------------------------------------------------- sign-in


def test_sign_in_returns_the_app_user_with_role_and_units(db, ana):
    user = auth.authenticate(db, "  ANA ", ANA_PASSWORD, now_at=T0)
    assert user == User("ana", "Ana Analyst", "analyst", frozenset({"us_west"}))
    assert user.scope.units == frozenset({"us_west"})
    assert audit_rows(db, "sign_in") == [("ana", "sign_in", "ana", {}, "ok")]


def test_wrong_and_unknown_users_get_the_same_message(db, ana):
    with pytest.raises(auth.AuthFailed) as wrong:
        auth.authenticate(db, "ana", "not the password", now_at=T0)
    with pytest.raises(auth.AuthFailed) as unknown:
        auth.authenticate(db, "nobody", "not the password", now_at=T0)
    assert str(wrong.value) == str(unknown.value) == auth.WRONG
    assert [(r[0], r[2], r[3]["reason"], r[4]) for r in audit_rows(db, "sign_in")] == [
        ("ana", "ana", "wrong password", "failed"), (auth.UNKNOWN_ACTOR, "nobody", "unknown user", "failed")]
    assert user_row(db, "ana")[3] == 1


def test_unknown_users_cost_a_password_verification_too(db, ana):
    """No timing shortcut: an unknown name is checked against a dummy hash of the same cost."""
    auth.authenticate(db, "ana", ANA_PASSWORD)  # warm up (the dummy hash is made once)
    hasher = PasswordHasher(time_cost=auth.ARGON2_TIME_COST, memory_cost=auth.ARGON2_MEMORY_KIB,
                            parallelism=auth.ARGON2_PARALLELISM)
    reference = hasher.hash("reference password")

    def timed(fn) -> float:
        samples = []
        for _ in range(3):
            started = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    def attempt(name):
        def run():
            with pytest.raises(auth.AuthFailed):
                auth.authenticate(db, name, "wrong password!!")
        return run

    verify = timed(lambda: hasher.verify(reference, "reference password"))
    unknown = timed(attempt("nobody"))
    known = timed(attempt("ana"))
    assert unknown >= 0.6 * verify
    assert 0.33 < unknown / known < 3


def test_lockout_after_repeated_failures(db, ana):
    for i in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(auth.AuthFailed, match="Wrong"):
            auth.authenticate(db, "ana", f"wrong password {i}", now_at=T0)
    with pytest.raises(auth.AuthFailed, match="locked"):
        auth.authenticate(db, "ana", "wrong password again", now_at=T0)
    locked_until = user_row(db, "ana")[4]
    assert locked_until == T0 + dt.timedelta(minutes=auth.LOCKOUT_MINUTES)
    assert [r[3]["minutes"] for r in audit_rows(db, "lockout")] == [auth.LOCKOUT_MINUTES]
    # the right password does not help while locked, and says so
    later = T0 + dt.timedelta(minutes=auth.LOCKOUT_MINUTES - 1)
    with pytest.raises(auth.AuthFailed, match="locked"):
        auth.authenticate(db, "ana", ANA_PASSWORD, now_at=later)
    assert audit_rows(db, "sign_in")[-1][3]["reason"] == "locked"
    # after the lockout the right password works and the counters are reset
    after = T0 + dt.timedelta(minutes=auth.LOCKOUT_MINUTES, seconds=1)
    assert auth.authenticate(db, "ana", ANA_PASSWORD, now_at=after).username == "ana"
    assert user_row(db, "ana")[3:5] == (0, None)


def test_a_success_resets_the_failure_count(db, ana):
    for i in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(db, "ana", f"wrong password {i}", now_at=T0)
    auth.authenticate(db, "ana", ANA_PASSWORD, now_at=T0)
    with pytest.raises(auth.AuthFailed, match="Wrong"):  # a fresh count: not locked yet
        auth.authenticate(db, "ana", "wrong password x", now_at=T0)
    assert user_row(db, "ana")[3:5] == (1, None)


def test_admin_unlock_and_password_reset(db, admin, ana):
    for i in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(db, "ana", f"wrong password {i}", now_at=T0)
    auth.unlock_user(db, admin, "ana")
    assert auth.authenticate(db, "ana", ANA_PASSWORD, now_at=T0).username == "ana"
    auth.set_password(db, admin, "ana", "a brand new passphrase")
    with pytest.raises(auth.AuthFailed):
        auth.authenticate(db, "ana", ANA_PASSWORD, now_at=T0)
    assert auth.authenticate(db, "ana", "a brand new passphrase", now_at=T0).role == "analyst"
    assert {"user_unlocked", "password_changed"} <= {r[1] for r in audit_rows(db)}
    assert all(ANA_PASSWORD not in json.dumps(r) for r in audit_rows(db))


def test_disabled_accounts_cannot_sign_in(db, admin, ana):
    auth.disable_user(db, admin, "ana")
    with pytest.raises(auth.AuthFailed, match="Wrong"):
        auth.authenticate(db, "ana", ANA_PASSWORD, now_at=T0)
    assert audit_rows(db, "sign_in")[-1][3] == {"reason": "disabled"}
    auth.enable_user(db, admin, "ana")
    assert auth.authenticate(db, "ana", ANA_PASSWORD, now_at=T0).username == "ana"


# --------------------------------------------------------------------------------- sessions


def test_idle_and_absolute_expiry(db, ana):
    session = auth.sign_in(db, "ana", ANA_PASSWORD, now_at=T0)
    assert session.issued_at == T0 and session.user.username == "ana"
    idle = dt.timedelta(minutes=auth.SESSION_IDLE_MINUTES)
    assert session.expires_at == T0 + idle
    assert auth.session_valid(session, now_at=T0 + idle - dt.timedelta(seconds=1))
    assert not auth.session_valid(session, now_at=T0 + idle)
    # activity keeps it alive, but never past the absolute lifetime
    at = T0
    while at + idle / 2 < T0 + dt.timedelta(hours=auth.SESSION_HOURS):
        at += idle / 2
        session = auth.resume(session, db, now_at=at)
        assert session is not None
    assert session.expires_at == T0 + dt.timedelta(hours=auth.SESSION_HOURS)
    assert auth.resume(session, db, now_at=T0 + dt.timedelta(hours=auth.SESSION_HOURS)) is None
    assert audit_rows(db, "session_expired")[0][:3] == ("ana", "session_expired", "ana")
    assert not auth.session_valid(None)


def test_resume_applies_changes_at_once(db, admin, ana):
    session = auth.sign_in(db, "ana", ANA_PASSWORD, now_at=T0)
    auth.set_scope(db, admin, "ana", ["canada"])
    auth.set_role(db, admin, "ana", "manager")
    later = auth.resume(session, db, now_at=T0 + dt.timedelta(minutes=1))
    assert later.user == User("ana", "Ana Analyst", "manager", frozenset({"canada"}))
    assert later.last_seen == T0 + dt.timedelta(minutes=1) and later.issued_at == T0
    auth.disable_user(db, admin, "ana")
    assert auth.resume(later, db, now_at=T0 + dt.timedelta(minutes=2)) is None


def test_sign_out_is_audited(db, ana):
    session = auth.sign_in(db, "ana", ANA_PASSWORD, now_at=T0)
    auth.sign_out(session, db)
    assert audit_rows(db, "sign_out") == [("ana", "sign_out", "ana", {}, "ok")]
