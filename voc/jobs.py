"""Writes from the command line while the app holds the database: a job inbox.

Only one process can open a DuckDB file for writing, and while it does no other
process can open it at all. So a command that writes (``users add``, ``loop
escalate``, ``import``) first tries to open the file itself; if the running app
holds it, the command drops a job file into ``<db>.jobs/`` and the app's worker
thread runs it inside the app process (one transaction, audited like any write)
and writes the result back. The command waits for that result and prints it.

A job is JSON: ``{"command": name, "args": {...}}``. Only commands registered with
``handler`` can run; their arguments are validated by the handler itself.
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from voc import db as dbmod

_HANDLERS: dict[str, Callable] = {}
_workers: dict[Path, threading.Thread] = {}
_workers_lock = threading.Lock()


class JobFailed(RuntimeError):
    """The job ran and failed, or nobody ran it in time; the message says which."""


def handler(name: str):
    """Register ``function(database, **args) -> JSON-able result`` as job ``name``."""
    def register(function):
        _HANDLERS[name] = function
        return function
    return register


def inbox(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".jobs")


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, default=str), encoding="utf-8")
    os.replace(tmp, path)


# Modules whose import registers job handlers (imported lazily by the process running jobs).
HANDLER_MODULES: list[str] = ["voc.auth_cli", "voc.ingest.load", "voc.loop.cli", "voc.story_cli"]


def _load_handlers() -> None:
    import importlib

    for module in HANDLER_MODULES:
        importlib.import_module(module)


@handler("ping")
def ping(database: dbmod.Database) -> dict:
    """Which process holds the database, and its schema version (a diagnostic)."""
    with database.read() as cur:
        version = cur.execute("select value from meta where key = 'schema_version'").fetchone()[0]
    return {"pid": os.getpid(), "schema_version": int(version)}


def execute(database: dbmod.Database, command: str, args: dict):
    _load_handlers()
    if command not in _HANDLERS:
        raise JobFailed(f"unknown job '{command}'")
    return _HANDLERS[command](database, **args)


def run(command: str, args: dict, db_path: Path | None = None, timeout: float = 600.0):
    """Run a registered write here if the file is free, else hand it to the app that holds it."""
    database = dbmod.get(db_path)
    try:
        database.connection()
    except dbmod.DatabaseBusy:
        return submit(database.path, command, args, timeout)
    return execute(database, command, args)


def submit(db_path: Path, command: str, args: dict, timeout: float = 600.0):
    """Queue a job for the process holding ``db_path`` and wait for its result."""
    folder = inbox(db_path)
    folder.mkdir(exist_ok=True)
    job_id = uuid.uuid4().hex
    _write_json(folder / f"{job_id}.job.json", {"command": command, "args": args})
    result_path = folder / f"{job_id}.result.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result_path.exists():
            result = json.loads(result_path.read_text(encoding="utf-8"))
            result_path.unlink(missing_ok=True)
            if not result["ok"]:
                raise JobFailed(result["error"])
            return result["result"]
        time.sleep(0.2)
    (folder / f"{job_id}.job.json").unlink(missing_ok=True)
    raise JobFailed(
        f"{db_path} is held by another process that did not take the job within {timeout:.0f}s. "
        "Is it the app? Start the app (it runs queued jobs), or stop whatever holds the file and retry."
    )


def process_pending(database: dbmod.Database) -> int:
    """Run every queued job for ``database`` once; return how many ran."""
    folder = inbox(database.path)
    if not folder.is_dir():
        return 0
    count = 0
    for job_path in sorted(folder.glob("*.job.json")):
        job_id = job_path.name[: -len(".job.json")]
        try:
            job = json.loads(job_path.read_text(encoding="utf-8"))
            result = {"ok": True, "result": execute(database, job["command"], job.get("args", {}))}
        except Exception as exc:  # reported to the submitting command, never raised in the app
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        _write_json(folder / f"{job_id}.result.json", result)
        job_path.unlink(missing_ok=True)
        count += 1
    return count


def start_worker(database: dbmod.Database, interval: float = 1.0) -> None:
    """Start (once per database and process) a daemon thread that runs queued jobs."""
    with _workers_lock:
        if database.path in _workers and _workers[database.path].is_alive():
            return

        def loop():
            while True:
                try:
                    process_pending(database)
                except Exception:  # noqa: BLE001 - keep serving; each job reports its own error
                    pass
                time.sleep(interval)

        thread = threading.Thread(target=loop, name=f"voc-jobs-{database.path.name}", daemon=True)
        thread.start()
        _workers[database.path] = thread
