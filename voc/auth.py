"""The local user store: accounts, argon2id passwords, sign-in with lockout, and sessions.

* Passwords are stored only as argon2id hashes (``argon2-cffi``); there are no default accounts
  or passwords. ``needs_first_admin`` is true while no enabled admin exists, and
  ``create_first_admin`` works only then.
* ``authenticate`` verifies a password in about the same time whether or not the user exists
  (an unknown, disabled or locked user still costs one argon2 verification against a dummy
  hash). ``MAX_FAILED_ATTEMPTS`` consecutive failures lock the account for ``LOCKOUT_MINUTES``.
* Every change, and every sign-in attempt, writes its audit row in the same transaction.
* A ``Session`` expires after ``SESSION_IDLE_MINUTES`` without activity or ``SESSION_HOURS``
  after sign-in, whichever comes first; ``resume`` also ends it when the account is disabled
  and applies a changed role or scope at once.
* Administrative functions take the acting ``voc.users.User`` and refuse non-admins.
"""
from __future__ import annotations

import datetime as dt
import getpass
import re
from dataclasses import dataclass, replace
from functools import lru_cache

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from voc import audit_log
from voc import db as dbmod
from voc.navigation import ROLES
from voc.users import User

MAX_FAILED_ATTEMPTS = 5          # consecutive wrong passwords before a lockout
LOCKOUT_MINUTES = 15             # how long a lockout lasts
SESSION_IDLE_MINUTES = 30        # a session ends after this long without activity
SESSION_HOURS = 12               # ... and this long after sign-in, whatever happens
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024       # longer inputs are refused before hashing (denial of service)

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
ARGON2ID_HASH = re.compile(r"^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")
WRONG = "Wrong username or password."
LOCKED = "Too many failed attempts: this account is locked for {minutes} minutes. An admin can unlock it."
UNKNOWN_ACTOR = "(unknown user)"  # actor of a failed sign-in under a name no account has

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): a sign-in costs about
# 0.2 s of one core, and a burst of attempts cannot exhaust the server's memory. Hashes made
# with other parameters are upgraded at the next successful sign-in.
ARGON2_TIME_COST, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM = 2, 19 * 1024, 1
_hasher = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM)


class AuthFailed(Exception):
    """Sign-in refused; ``str(exc)`` is safe to show to the person signing in."""


@dataclass(frozen=True)
class Session:
    user: User
    issued_at: dt.datetime
    last_seen: dt.datetime
    version: int  # the user record's version when the session last checked it

    @property
    def expires_at(self) -> dt.datetime:
        return min(self.last_seen + dt.timedelta(minutes=SESSION_IDLE_MINUTES),
                   self.issued_at + dt.timedelta(hours=SESSION_HOURS))


@dataclass(frozen=True)
class Account:
    """One row of the user store, without its password hash."""
    user: User
    disabled: bool
    failed_attempts: int
    locked_until: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


now = audit_log.now


def system_actor() -> User:
    """The actor of command-line administration: whoever can open the file is its owner."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return User(f"cli:{who}", "Command line", "admin", None)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    import secrets
    return _hasher.hash(secrets.token_urlsafe(24))


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def normalize(username: str) -> str:
    return (username or "").strip().lower()


def check_password(password: str, username: str = "") -> None:
    """Refuse passwords that are too short, too long, or contain the username."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if username and normalize(username) in password.lower():
        raise ValueError("a password must not contain the username")


def hash_password(password: str, username: str = "") -> str:
    """Check ``password`` against the policy and return its argon2id hash.

    The command line hashes before it hands a job to the running app, so that no plain-text
    password is ever written to the job inbox on disk.
    """
    check_password(password, username)
    return _hasher.hash(password)


def _digest(password: str | None, password_hash: str | None, username: str) -> str:
    if password_hash is None:
        return hash_password(password, username)
    if not isinstance(password_hash, str) or not ARGON2ID_HASH.match(password_hash):
        raise ValueError("password_hash must be an argon2id hash made by auth.hash_password")
    return password_hash


def _check_username(username: str) -> str:
    name = normalize(username)
    if not USERNAME.match(name):
        raise ValueError("a username is 2-64 characters: lower-case letters, digits, '.', '_' or '-', "
                         "starting with a letter or digit")
    return name


def _check_units(units, database) -> list[str] | None:
    if units is None:
        return None
    units = sorted({str(u).strip() for u in units if str(u).strip()})
    if not units:
        raise ValueError("give at least one org unit, or none at all for the whole company")
    with database.read() as cur:
        known = {r[0] for r in cur.execute("select unit_id from org_units").fetchall()}
    unknown = [u for u in units if u not in known]
    if unknown:
        raise ValueError(f"unknown org units {unknown}; known: {', '.join(sorted(known))}")
    return units


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")


# Formatted into SQL below: a constant column list, never user input (values are always bound).
_COLUMNS = ("username, display_name, role, units, disabled, failed_attempts, locked_until, "
            "created_at, updated_at, version")


def _account(row) -> Account:
    username, display_name, role, units, disabled, failed, locked_until, created, updated, version = row
    user = User(username, display_name, role, None if units is None else frozenset(units))
    return Account(user, disabled, failed, locked_until, created, updated, version)


def get_account(database, username: str) -> Account | None:
    with database.read() as cur:
        # _COLUMNS is this module's constant column list; the username is bound
        row = cur.execute(f"select {_COLUMNS} from users where username = ?", [normalize(username)]).fetchone()
    return None if row is None else _account(row)


def list_users(database=None) -> list[Account]:
    """Every account, by username (no password hashes)."""
    database = database or dbmod.get()
    with database.read() as cur:
        rows = cur.execute(f"select {_COLUMNS} from users order by username").fetchall()  # constant columns
    return [_account(r) for r in rows]


def needs_first_admin(database=None) -> bool:
    """True while no enabled admin account exists (a new database)."""
    database = database or dbmod.get()
    with database.read() as cur:
        return cur.execute("select count(*) from users where role = 'admin' and not disabled").fetchone()[0] == 0


def _require_admin(database, actor: User, action: str, target: str | None) -> None:
    if not isinstance(actor, User) or actor.role != "admin":
        audit_log.record(database, actor, action, target, {"reason": "not an admin"}, "refused")
        raise PermissionError(f"only an admin may {action.replace('_', ' ')}")


def _insert_user(database, actor, action: str, username: str, display_name: str, role: str, password: str | None,
                 units, first_admin: bool = False, password_hash: str | None = None) -> User:
    name = _check_username(username)
    display_name = ((display_name or "").strip() or name)[:200]
    _check_role(role)
    digest = _digest(password, password_hash, name)
    units = _check_units(units, database)
    at = now()
    with audit_log.writer(database) as cur:
        if first_admin:
            if cur.execute("select count(*) from users where role = 'admin' and not disabled").fetchone()[0]:
                raise PermissionError("an admin already exists: ask them to create your account")
            # Two first-admin sign-ups racing both write this row: one of them fails to commit.
            cur.execute("insert or replace into meta values ('first_admin', ?)", [name])
        if cur.execute("select count(*) from users where username = ?", [name]).fetchone()[0]:
            raise ValueError(f"user {name!r} already exists")
        cur.execute("insert into users (username, display_name, role, password_hash, units, created_at, updated_at) "
                    "values (?, ?, ?, ?, ?, ?, ?)", [name, display_name, role, digest, units, at, at])
        audit_log.record(cur, actor or name, action, name, {"role": role, "units": units}, at=at)
    return User(name, display_name, role, None if units is None else frozenset(units))


def create_user(database, actor: User, username: str, display_name: str, role: str, password: str | None,
                units=None, *, password_hash: str | None = None) -> User:
    """Add an account; ``units=None`` means the whole company. Give a password, or its hash."""
    _require_admin(database, actor, "user_created", username)
    return _insert_user(database, actor, "user_created", username, display_name, role, password, units,
                        password_hash=password_hash)


def create_first_admin(database, username: str, display_name: str, password: str) -> User:
    """The first admin of a new database (company-wide); refused once an enabled admin exists."""
    return _insert_user(database, None, "first_admin_created", username, display_name, "admin", password, None,
                        first_admin=True)


def _change(database, actor: User, action: str, username: str, assignments: str, values: list,
            detail: dict, *, guard_last_admin: bool = False) -> None:
    """Update one account (bumping its version) and audit it, in one transaction."""
    _require_admin(database, actor, action, username)
    name = normalize(username)
    at = now()
    with audit_log.writer(database) as cur:
        row = cur.execute("select role, disabled from users where username = ?", [name]).fetchone()
        if row is None:
            raise ValueError(f"there is no user {name!r}")
        if guard_last_admin and row[0] == "admin" and not row[1]:
            others = cur.execute("select count(*) from users where role = 'admin' and not disabled "
                                 "and username <> ?", [name]).fetchone()[0]
            if others == 0:
                raise ValueError(f"{name!r} is the last enabled admin; make another admin first")
        # ``assignments`` is a literal SET clause written by the callers in this module; values are bound
        cur.execute(f"update users set {assignments}, updated_at = ?, version = version + 1 where username = ?",
                    [*values, at, name])
        audit_log.record(cur, actor, action, name, detail, at=at)


def set_role(database, actor: User, username: str, role: str) -> None:
    _check_role(role)
    _change(database, actor, "role_changed", username, "role = ?", [role], {"role": role},
            guard_last_admin=role != "admin")


def set_scope(database, actor: User, username: str, units) -> None:
    """Limit an account to ``units`` (each with its sub-tree); ``None`` for the whole company."""
    units = _check_units(units, database)
    _change(database, actor, "scope_changed", username, "units = ?", [units], {"units": units})


def set_password(database, actor: User, username: str, password: str | None, *,
                 password_hash: str | None = None) -> None:
    _change(database, actor, "password_changed", username, "password_hash = ?, failed_attempts = 0, "
            "locked_until = null", [_digest(password, password_hash, normalize(username))], {})


def disable_user(database, actor: User, username: str) -> None:
    _change(database, actor, "user_disabled", username, "disabled = true", [], {}, guard_last_admin=True)


def enable_user(database, actor: User, username: str) -> None:
    _change(database, actor, "user_enabled", username, "disabled = false", [], {})


def unlock_user(database, actor: User, username: str) -> None:
    _change(database, actor, "user_unlocked", username, "failed_attempts = 0, locked_until = null", [], {})


def _retrying(fn, attempts: int = 3):
    """Run a write again when a concurrent sign-in of the same account made it conflict."""
    for i in range(attempts):
        try:
            return fn()
        except duckdb.TransactionException:
            if i == attempts - 1:
                raise


def authenticate(database, username: str, password: str, *, now_at: dt.datetime | None = None) -> User:
    """The signed-in ``User`` (role and units), or ``AuthFailed`` with a message safe to show."""
    database = database or dbmod.get()
    at = now_at or now()
    name = normalize(username)[:64]
    password = password if isinstance(password, str) else ""
    with database.read() as cur:
        # _COLUMNS is this module's constant column list; the username is bound
        row = cur.execute(f"select {_COLUMNS}, password_hash from users where username = ?", [name]).fetchone()
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH] + "\0"  # never matches; still costs one verification
    ok = _verify(row[-1] if row else None, password)
    if row is None:
        # the typed name is the target, never the actor: an unknown name must not read as a real actor
        audit_log.record(database, UNKNOWN_ACTOR, "sign_in", name or "(blank)", {"reason": "unknown user"},
                         "failed", at=at)
        raise AuthFailed(WRONG)
    account = _account(row[:-1])
    if account.disabled:
        audit_log.record(database, name, "sign_in", name, {"reason": "disabled"}, "failed", at=at)
        raise AuthFailed(WRONG)
    if account.locked_until is not None and account.locked_until > at:
        audit_log.record(database, name, "sign_in", name, {"reason": "locked", "until": account.locked_until},
                         "refused", at=at)
        raise AuthFailed(LOCKED.format(minutes=max(1, round((account.locked_until - at).total_seconds() / 60))))
    if ok:
        def success():
            with audit_log.writer(database) as w:
                w.execute("update users set failed_attempts = 0, locked_until = null where username = ?", [name])
                if _hasher.check_needs_rehash(row[-1]):
                    w.execute("update users set password_hash = ? where username = ?", [_hasher.hash(password), name])
                audit_log.record(w, name, "sign_in", name, {}, "ok", at=at)
        _retrying(success)
        return account.user

    def failure():
        with audit_log.writer(database) as w:
            failed, locked = w.execute(
                "update users set "
                "locked_until = case when failed_attempts + 1 >= $max then $until else locked_until end, "
                "failed_attempts = case when failed_attempts + 1 >= $max then 0 else failed_attempts + 1 end "
                "where username = $name returning failed_attempts, locked_until",
                {"max": MAX_FAILED_ATTEMPTS, "until": at + dt.timedelta(minutes=LOCKOUT_MINUTES), "name": name},
            ).fetchone()
            just_locked = locked is not None and locked > at and failed == 0
            audit_log.record(w, name, "sign_in", name, {"reason": "wrong password"}, "failed", at=at)
            if just_locked:
                audit_log.record(w, name, "lockout", name, {"until": locked, "minutes": LOCKOUT_MINUTES},
                                 "ok", at=at)
            return just_locked
    if _retrying(failure):
        raise AuthFailed(LOCKED.format(minutes=LOCKOUT_MINUTES))
    raise AuthFailed(WRONG)


def start_session(user: User, version: int = 1, *, now_at: dt.datetime | None = None) -> Session:
    at = now_at or now()
    return Session(user, at, at, version)


def sign_in(database, username: str, password: str, *, now_at: dt.datetime | None = None) -> Session:
    """``authenticate`` and open a session for the user (``AuthFailed`` when refused)."""
    database = database or dbmod.get()
    user = authenticate(database, username, password, now_at=now_at)
    account = get_account(database, user.username)
    return start_session(account.user, account.version, now_at=now_at)


def session_valid(session: Session | None, *, now_at: dt.datetime | None = None) -> bool:
    """True while ``session`` is within both its idle and its absolute lifetime."""
    return session is not None and (now_at or now()) < session.expires_at


def resume(session: Session | None, database=None, *, now_at: dt.datetime | None = None) -> Session | None:
    """The session, refreshed for this request, or None when it has ended.

    It ends when it expired, or when its account was disabled or removed; a changed role or
    scope replaces the session's user at once (a demoted admin loses admin on the next request).
    """
    if session is None:
        return None
    database = database or dbmod.get()
    at = now_at or now()
    if not session_valid(session, now_at=at):
        audit_log.record(database, session.user, "session_expired", session.user.username,
                         {"issued_at": session.issued_at, "last_seen": session.last_seen}, "ok", at=at)
        return None
    account = get_account(database, session.user.username)
    if account is None or account.disabled:
        return None
    return replace(session, user=account.user, last_seen=at, version=account.version)


def sign_out(session: Session | None, database=None) -> None:
    if session is not None:
        audit_log.record(database or dbmod.get(), session.user, "sign_out", session.user.username, {}, "ok")
