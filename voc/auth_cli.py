"""Command-line handlers for users, ad-hoc SQL and scoped named queries (registered by voc/cli.py).

    python -m voc users add NAME --role ROLE [--display-name TEXT] [--unit U ...] [--password-stdin]
    python -m voc users set-role NAME ROLE
    python -m voc users set-scope NAME (--unit U ... | --all)
    python -m voc users disable|enable|unlock NAME
    python -m voc users passwd NAME [--password-stdin]
    python -m voc users list [--format table|csv|json]
    python -m voc users audit [--limit N] [--action A]
    python -m voc sql "SELECT …" --as USER [--format table|csv|json] [--limit N]   ("-" reads stdin)
    python -m voc query NAME --as USER --param k=v

Whoever can open the database file owns it, so the command line acts as an admin
(audited as ``cli:<os user>``) and ``--as`` needs no password: it runs a query with that user's
role, scope and masking, audited under their name. Passwords are read without echo (twice) or
from the first line of stdin, never from an argument, and hashed here: only the hash travels.

Every command runs as a job (``voc.jobs``): here when the file is free, otherwise inside the
app that holds it. The job handlers below are registered when this module is imported, so
``voc.jobs.HANDLER_MODULES`` must list ``"voc.auth_cli"`` for the app to run them.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys

import pandas as pd

from voc import audit_log, auth, jobs, sqlgate
from voc import db as dbmod
from voc.navigation import ROLES
from voc.queries import QueryError
from voc.users import User

# ---------------------------------------------------------------------------- job handlers


def _actor(name: str) -> User:
    if not isinstance(name, str) or not name.startswith("cli:"):
        raise PermissionError("command-line jobs act as 'cli:<os user>'")
    return User(name[:100], "Command line", "admin", None)


def _records(frame: pd.DataFrame) -> dict:
    payload = json.loads(frame.to_json(orient="split", index=False, date_format="iso", force_ascii=False))
    return {"columns": payload["columns"], "rows": payload["data"], "truncated": bool(frame.attrs.get("truncated"))}


def _enabled_user(database, username: str) -> User:
    account = auth.get_account(database, username)
    if account is None or account.disabled:
        raise ValueError(f"there is no enabled user {username!r} (see `python -m voc users list`)")
    return account.user


@jobs.handler("users.add")
def job_add(database, actor, username, display_name, role, password_hash, units=None) -> dict:
    user = auth.create_user(database, _actor(actor), username, display_name, role, None, units,
                            password_hash=password_hash)
    return {"username": user.username, "role": user.role, "units": None if user.units is None else sorted(user.units)}


CHANGES = {"set-role": auth.set_role, "set-scope": auth.set_scope, "disable": auth.disable_user,
           "enable": auth.enable_user, "unlock": auth.unlock_user}


@jobs.handler("users.change")
def job_change(database, actor, change, username, value=None) -> dict:
    if change == "passwd":
        auth.set_password(database, _actor(actor), username, None, password_hash=value)
    elif change in ("set-role", "set-scope"):
        CHANGES[change](database, _actor(actor), username, value)
    elif change in CHANGES:
        CHANGES[change](database, _actor(actor), username)
    else:
        raise ValueError(f"unknown change {change!r}")
    return {"username": username, "change": change}


@jobs.handler("users.list")
def job_list(database) -> dict:
    rows = [[a.user.username, a.user.display_name, a.user.role,
             "*" if a.user.units is None else ",".join(sorted(a.user.units)), a.disabled,
             None if a.locked_until is None else a.locked_until.isoformat(), a.updated_at.isoformat()]
            for a in auth.list_users(database)]
    return {"columns": ["username", "display_name", "role", "units", "disabled", "locked_until", "updated_at"],
            "rows": rows, "truncated": False}


@jobs.handler("users.audit")
def job_audit(database, limit=50, action=None) -> dict:
    return _records(audit_log.recent(database, limit, action=action))


@jobs.handler("sql.run")
def job_sql(database, sql, as_user, limit, via) -> dict:
    return _records(sqlgate.run_sql(sql, _enabled_user(database, as_user), database, limit=limit, via=via))


@jobs.handler("query.run")
def job_query(database, name, params, as_user, via) -> dict:
    return _records(sqlgate.run_named(name, params, _enabled_user(database, as_user), database, via=via))


# ---------------------------------------------------------------------------- commands


def _cli_name() -> str:
    return auth.system_actor().username


def _password(args, username: str) -> str:
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise ValueError("the two passwords differ")
    return auth.hash_password(password, username)


def _print(result: dict, fmt: str) -> None:
    frame = pd.DataFrame(result["rows"], columns=result["columns"])
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False) + "\n")
    else:
        print(frame.to_string(index=False) if len(frame) else "(no rows)")
    if result.get("truncated"):
        print(f"(only the first {len(frame):,} rows; use --limit)", file=sys.stderr)


def _run(args, command: str, job_args: dict):
    return jobs.run(command, job_args, getattr(args, "db", None))


def cmd_users(args) -> int:
    action, actor = args.users_command, _cli_name()
    if action == "add":
        result = _run(args, "users.add", {
            "actor": actor, "username": args.username, "display_name": args.display_name or args.username,
            "role": args.role, "password_hash": _password(args, args.username), "units": args.unit or None})
        where = "whole company" if result["units"] is None else ", ".join(result["units"])
        print(f"created {result['username']} ({result['role']}, {where})")
    elif action in ("list", "audit"):
        job_args = {} if action == "list" else {"limit": args.limit, "action": args.action}
        _print(_run(args, f"users.{action}", job_args), args.format)
    else:
        value = None
        if action == "set-role":
            value = args.role
        elif action == "set-scope":
            if bool(args.all) == bool(args.unit):
                raise ValueError("give --unit (one or more) or --all")
            value = None if args.all else args.unit
        elif action == "passwd":
            value = _password(args, args.username)
        _run(args, "users.change", {"actor": actor, "change": action, "username": args.username, "value": value})
        print(f"{args.username}: {action} done")
    return 0


def cmd_sql(args) -> int:
    text = sys.stdin.read() if args.sql == "-" else args.sql
    _print(_run(args, "sql.run", {"sql": text, "as_user": args.as_user, "limit": args.limit, "via": _cli_name()}),
           args.format)
    return 0


def query_as(args, params: dict) -> int:
    """``python -m voc query NAME --as USER``: the named query under that user's scope and masking."""
    def run(args) -> int:
        _print(_run(args, "query.run", {"name": args.name, "params": params, "as_user": args.as_user,
                                        "via": _cli_name()}), args.format)
        return 0
    return _guarded(run)(args)


def _guarded(handler):
    def run(args) -> int:
        try:
            return handler(args)
        except sqlgate.SqlRefused as exc:
            print(f"refused: {exc}", file=sys.stderr)
        except (sqlgate.SqlFailed, PermissionError, ValueError, QueryError, jobs.JobFailed,
                dbmod.DatabaseMissing, dbmod.DatabaseBusy) as exc:
            print(f"error: {exc}", file=sys.stderr)
        return 2
    return run


def register(sub) -> None:
    """Add the ``users`` and ``sql`` commands to ``python -m voc``'s sub-parsers."""
    users = sub.add_parser("users", help="manage sign-in accounts (acts as admin; audited)")
    users.set_defaults(func=_guarded(cmd_users))
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database file (default: $VOC_DB or data/voc.duckdb)")
    commands = users.add_subparsers(dest="users_command", required=True)

    def command(name, text):
        return commands.add_parser(name, help=text, parents=[common])

    add = command("add", "create an account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name")
    add.add_argument("--unit", action="append", help="an org unit the user may see (repeat); none: whole company")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    role = command("set-role", "change an account's role")
    role.add_argument("username")
    role.add_argument("role", choices=ROLES)
    scope = command("set-scope", "change the org units an account may see")
    scope.add_argument("username")
    scope.add_argument("--unit", action="append")
    scope.add_argument("--all", action="store_true", help="the whole company")
    for name, text in (("disable", "stop an account from signing in"), ("enable", "allow it again"),
                       ("unlock", "lift a lockout after failed sign-ins")):
        command(name, text).add_argument("username")
    passwd = command("passwd", "set an account's password")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    listing = command("list", "list accounts")
    listing.add_argument("--format", choices=("table", "csv", "json"), default="table")
    audit = command("audit", "show the latest audit-log rows")
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--action")
    audit.add_argument("--format", choices=("table", "csv", "json"), default="table")

    sql = sub.add_parser("sql", help="run one read-only SQL query as a user, through the SQL gate")
    sql.add_argument("sql", help='the query, or "-" to read it from stdin')
    sql.add_argument("--as", dest="as_user", required=True, metavar="USER")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument("--limit", type=int, default=sqlgate.DEFAULT_LIMIT)
    sql.add_argument("--db", help="database file (default: $VOC_DB or data/voc.duckdb)")
    sql.set_defaults(func=_guarded(cmd_sql))


def add_query_options(query_parser) -> None:
    """``--as USER`` for the existing ``query`` command (see ``query_as``)."""
    query_parser.add_argument("--as", dest="as_user", metavar="USER",
                              help="run under this user's scope and masking (audited)")
