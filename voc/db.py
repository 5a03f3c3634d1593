"""The one way into the DuckDB file.

How writers and readers share the file (DESIGN.md section 6):

* One process owns the file: the app server (or a CLI command when no app runs).
  It keeps one root connection per file and hands out a fresh ``cursor()`` for
  every read and every write, because DuckDB connections must not be shared
  between threads and Streamlit runs each session in its own thread.
* Reads run inside ``BEGIN TRANSACTION READ ONLY`` on a cursor whose org-unit scope
  is applied by temporary views that shadow every scoped table (see ``voc.scope``).
  DuckDB's MVCC gives every read a consistent snapshot, so a long load in one
  transaction neither blocks readers nor shows them half-written data.
* Writes run in one transaction each (``write()``): all or nothing; a process
  killed mid-write leaves the file as it was (DuckDB's WAL discards the
  uncommitted transaction on the next open).
* Whole-file rebuilds (the demo generator) write a new file beside the old one and
  swap it in with an atomic rename; a process holding the old file notices the
  new inode on its next call and re-attaches.
* The root connection has external file access disabled and its configuration
  locked: data enters only through Python (Arrow tables registered on a cursor).
"""
from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from voc import config, migrate, rollups
from voc.scope import ALL, Scope
from voc.scope import apply as apply_scope

log = logging.getLogger(__name__)


class DatabaseMissing(RuntimeError):
    """The configured database file does not exist."""


class DatabaseBusy(RuntimeError):
    """Another process holds the database file."""


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


@dataclass
class Database:
    """A process-wide handle on one DuckDB file."""

    path: Path
    _con: duckdb.DuckDBPyConnection | None = None
    _file_id: tuple[int, int] | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    catalog: str = ""
    generation: int = 0  # bumped on every committed write and every re-attach
    rollups_as_views: bool = False  # benchmarks only: compute rollups from the base tables per read
    # Idle scoped cursors by scope key: setting up a scope's views costs tens of ms, so a cursor
    # is handed to one reader at a time and then kept for the next read under the same scope.
    _idle: OrderedDict = field(default_factory=OrderedDict)
    # DuckDB 2.0 can let two overlapping transactions update the same keyed row and keep only the
    # last (no conflict raised), so writes in this process run one at a time; with one writing
    # process per file, a version check inside a write then sees every committed change.
    _write_lock: threading.RLock = field(default_factory=threading.RLock)
    pool_size: int = 32

    def _open(self) -> None:
        if not self.path.exists():
            raise DatabaseMissing(
                f"No database at {self.path}. Build the demo with `python -m voc demo --db {self.path}` "
                "or set VOC_DB to an existing file."
            )
        try:
            con = duckdb.connect(str(self.path))
        except duckdb.IOException as exc:  # lock held by another process
            raise DatabaseBusy(
                f"{self.path} is in use by another process ({exc}). Stop that process "
                "(for example the running app) or work through the app itself."
            ) from exc
        try:
            # the limit first: a migration or a rollup rebuild on open stays within it (spilling to disk)
            con.execute("set memory_limit = ?", [config.MEMORY_LIMIT])
            migrate.upgrade(con)
            if rollups.ensure_current(con):
                log.info("Rebuilt the rollups of %s: they were defined by another release", self.path)
        except Exception:
            con.close()  # release the file lock before reporting
            raise
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        self.catalog = con.execute("select current_database()").fetchone()[0]
        self._con = con
        self._file_id = _file_id(self.path)
        self.generation += 1

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The root connection, re-attached if the file was swapped underneath us."""
        with self._lock:
            if self._con is not None and _file_id(self.path) != self._file_id:
                self.close()
            if self._con is None:
                self._open()
            return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.connection().cursor()

    def close(self) -> None:
        with self._lock:
            for cursors in self._idle.values():
                for cur in cursors:
                    cur.close()
            self._idle.clear()
            if self._con is not None:
                self._con.close()
                self._con = None

    def _checkout(self, scope: Scope, pooled: bool):
        key = (scope.key, self.rollups_as_views)
        con = self.connection()
        with self._lock:
            cursors = self._idle.get(key)
            if pooled and cursors:
                self._idle.move_to_end(key)
                return key, cursors.pop()
        cur = con.cursor()
        try:
            apply_scope(cur, scope, self.catalog)
            if self.rollups_as_views:
                for name, select in rollups.definitions():
                    cur.execute(f"create or replace temp view {name} as {select}")
        except BaseException:
            cur.close()
            raise
        return key, cur

    def _checkin(self, key, cur) -> None:
        with self._lock:
            if self._con is None:
                cur.close()
                return
            self._idle.setdefault(key, []).append(cur)
            self._idle.move_to_end(key)
            while sum(len(c) for c in self._idle.values()) > self.pool_size:
                oldest = next(iter(self._idle))
                self._idle[oldest].pop(0).close()
                if not self._idle[oldest]:
                    del self._idle[oldest]

    @contextmanager
    def read(self, scope: Scope = ALL, *, pooled: bool = True):
        """A cursor limited to ``scope``, inside a read-only transaction rolled back afterwards.

        ``pooled=False`` gives a fresh cursor that is closed afterwards (for SQL that is not
        the application's own, so that nothing it does can outlive it).
        """
        key, cur = self._checkout(scope, pooled)
        healthy = False
        try:
            cur.execute("begin transaction read only")
            yield cur
            healthy = True
        finally:
            try:
                cur.execute("rollback")
            except duckdb.Error:
                healthy = False
            if healthy and pooled:
                self._checkin(key, cur)
            else:
                cur.close()

    @contextmanager
    def write(self, *, changes_data: bool = True):
        """One transaction: committed if the block succeeds, rolled back if it raises.

        ``changes_data=False`` for writes no cached result depends on (the audit log, sign-in
        counters): they do not bump the generation, so they do not empty every cache.
        """
        with self._write_lock:
            cur = self.cursor()
            cur.execute("begin transaction")
            try:
                yield cur
            except BaseException:
                cur.execute("rollback")
                cur.close()
                raise
            cur.execute("commit")
            cur.close()
        if changes_data:
            with self._lock:
                self.generation += 1


_databases: dict[Path, Database] = {}
_registry_lock = threading.Lock()


def get(path: str | os.PathLike | None = None) -> Database:
    """The process-wide Database for ``path`` (default: ``VOC_DB``)."""
    resolved = Path(path or config.db_path()).resolve()
    with _registry_lock:
        db = _databases.get(resolved)
        if db is None:
            db = _databases[resolved] = Database(resolved)
        return db


def forget(path: str | os.PathLike) -> None:
    """Close and drop the handle for ``path`` (tests, and before deleting a file)."""
    resolved = Path(path).resolve()
    with _registry_lock:
        db = _databases.pop(resolved, None)
    if db is not None:
        db.close()


def create(path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """Create a new, empty warehouse file at ``path`` and return a connection to it."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    migrate.upgrade(con)
    return con
