"""Command-line handlers for users, SQL and scoped queries (voc/auth_cli.py), on a private fixture copy.

The commands are registered on a parser of their own here, exactly as voc/cli.py registers them.
"""
from __future__ import annotations

import argparse
import io
import json
import threading
import time

import pytest

import voc.db
from voc import auth, auth_cli, jobs


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m voc")
    sub = top.add_subparsers(dest="command", required=True)
    auth_cli.register(sub)
    return top


@pytest.fixture
def cli(private_db_path, monkeypatch, capsys):
    def run(*argv, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        args = parser().parse_args([*argv, "--db", str(private_db_path)])
        code = args.func(args)
        out = capsys.readouterr()
        return code, out.out, out.err
    run.db = voc.db.get(private_db_path)
    return run


def test_users_lifecycle(cli):
    assert cli("users", "add", "ada", "--role", "admin", "--password-stdin", stdin="first admin passphrase\n")[0] == 0
    code, out, _ = cli("users", "add", "ana", "--role", "analyst", "--unit", "us_west", "--display-name", "Ana A",
                       "--password-stdin", stdin="insights all day, 42\n")
    assert code == 0 and "created ana (analyst, us_west)" in out
    assert cli("users", "set-scope", "ana", "--unit", "us_west", "--unit", "canada")[0] == 0
    assert cli("users", "set-role", "ana", "manager")[0] == 0
    assert cli("users", "disable", "ana")[0] == 0
    code, out, _ = cli("users", "list", "--format", "json")
    listed = {u["username"]: u for u in json.loads(out)}
    ana = listed["ana"]
    assert (ana["role"], ana["units"], ana["disabled"]) == ("manager", "canada,us_west", True)
    assert listed["ada"]["units"] == "*"
    assert "password" not in out
    assert cli("users", "enable", "ana")[0] == 0 and cli("users", "unlock", "ana")[0] == 0
    assert auth.authenticate(cli.db, "ana", "insights all day, 42").role == "manager"
    code, out, _ = cli("users", "audit", "--format", "json", "--limit", "3")
    assert [r["action"] for r in json.loads(out)] == ["sign_in", "user_unlocked", "user_enabled"]
    assert json.loads(out)[1]["actor"].startswith("cli:")


def test_users_errors_exit_2_with_a_message(cli):
    code, _, err = cli("users", "add", "bob", "--role", "manager", "--password-stdin", stdin="short\n")
    assert code == 2 and "at least 12 characters" in err
    cli("users", "add", "ada", "--role", "admin", "--password-stdin", stdin="first admin passphrase\n")
    code, _, err = cli("users", "disable", "ada")
    assert code == 2 and "last enabled admin" in err
    code, _, err = cli("users", "set-scope", "ada")
    assert code == 2 and "--unit" in err


def test_sql_as_a_user(cli, expected):
    cli("users", "add", "ana", "--role", "analyst", "--unit", "us_west", "--password-stdin",
        stdin="insights all day, 42\n")
    code, out, _ = cli("sql", "select count(*) as n from feedback", "--as", "ana", "--format", "json")
    assert code == 0 and json.loads(out) == [{"n": expected["rows"]["feedback"]["us_west"]}]
    code, out, _ = cli("sql", "-", "--as", "ana", "--format", "csv", stdin="select count(*) as n from customers")
    assert code == 0 and out.splitlines() == ["n", str(expected["rows"]["customers"]["us_west"])]
    code, _, err = cli("sql", "select * from users", "--as", "ana")
    assert code == 2 and err.startswith("refused: table 'users' is not available")
    code, _, err = cli("sql", "select 1", "--as", "nobody")
    assert code == 2 and "no enabled user 'nobody'" in err
    with cli.db.read() as cur:
        rows = cur.execute("select action, detail from audit_log where actor = 'ana' order by id").fetchall()
    assert [a for a, _ in rows] == ["sql_run", "sql_run", "sql_refused"]
    assert all(json.loads(d)["via"].startswith("cli:") for _, d in rows)


def test_query_as_a_user(cli, expected, capsys):
    cli("users", "add", "ana", "--role", "analyst", "--unit", "us_west", "--password-stdin",
        stdin="insights all day, 42\n")
    args = argparse.Namespace(name="verbatims_for_themes", as_user="ana", format="json", db=str(cli.db.path))
    params = {"start": "2026-08-03", "end": "2026-10-31", "themes": ["late_delivery"], "per_theme": 50}
    assert auth_cli.query_as(args, params) == 0
    rows = json.loads(capsys.readouterr().out)
    with cli.db.read() as cur:
        west = {r[0] for r in cur.execute("select feedback_id from feedback where unit_id = 'us_west'").fetchall()}
    by_id = {r["feedback_id"]: r["text"] for r in rows}
    assert by_id and set(by_id) <= west
    assert by_id["fb-d02"].endswith("[email hidden]")


def test_only_a_hash_is_handed_to_the_job(cli, monkeypatch):
    handed = []
    real_run = jobs.run

    def recording_run(command, args, db_path=None, timeout=600.0):
        handed.append((command, args))
        return real_run(command, args, db_path, timeout)

    monkeypatch.setattr(jobs, "run", recording_run)
    cli("users", "add", "ada", "--role", "admin", "--password-stdin", stdin="first admin passphrase\n")
    cli("users", "passwd", "ada", "--password-stdin", stdin="second admin passphrase\n")
    assert "passphrase" not in json.dumps(handed)
    assert handed[0][1]["password_hash"].startswith("$argon2id$") and handed[1][1]["value"].startswith("$argon2id$")
    assert auth.authenticate(cli.db, "ada", "second admin passphrase").role == "admin"


def test_jobs_run_inside_the_process_that_holds_the_file(cli, expected):
    """What happens while the app holds the database: the command queues a job, the app runs it."""
    cli("users", "add", "ana", "--role", "analyst", "--unit", "us_west", "--password-stdin",
        stdin="insights all day, 42\n")
    results = {}

    def submit(key, command, args):
        try:
            results[key] = jobs.submit(cli.db.path, command, args, timeout=20)
        except jobs.JobFailed as exc:
            results[key] = exc

    threads = [threading.Thread(target=submit, args=("ok", "sql.run", {
                   "sql": "select count(*) as n from feedback", "as_user": "ana", "limit": 10, "via": "cli:test"})),
               threading.Thread(target=submit, args=("refused", "sql.run", {
                   "sql": "select * from users", "as_user": "ana", "limit": 10, "via": "cli:test"}))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        jobs.process_pending(cli.db)  # the app's worker loop
        time.sleep(0.05)
    assert results["ok"] == {"columns": ["n"], "rows": [[expected["rows"]["feedback"]["us_west"]]], "truncated": False}
    assert isinstance(results["refused"], jobs.JobFailed)
    assert "SqlRefused: table 'users' is not available" in str(results["refused"])


def test_query_as_an_unknown_user_exits_2(cli, capsys):
    args = argparse.Namespace(name="verbatims_for_themes", as_user="nobody", format="table", db=str(cli.db.path))
    assert auth_cli.query_as(args, {}) == 2
    assert "no enabled user 'nobody'" in capsys.readouterr().err
