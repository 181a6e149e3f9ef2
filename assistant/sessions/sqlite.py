"""SQLite sessions (WAL): one file shared by every worker process on the machine.

A turn holds a lock row (sid, token, lease) taken in a short BEGIN IMMEDIATE transaction, so
two processes never run turns of one sid at once, while turns of different sids run in parallel.
A lock left by a killed process expires after its lease.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from index.errors import ReportError

from .base import SessionBusy, SessionStore, TooManySessions, log

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, state TEXT NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
CREATE TABLE IF NOT EXISTS locks (sid TEXT PRIMARY KEY, token TEXT NOT NULL, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS new_sessions (client TEXT PRIMARY KEY, bucket INTEGER NOT NULL, n INTEGER NOT NULL);
"""
SWEEP_EVERY = 500          # saves per process between deletions of expired rows


class SQLiteStore(SessionStore):
    def __init__(self, path: str | Path, **kw):
        super().__init__(**kw)
        self.path = Path(path)
        self._local = threading.local()
        self._mutex = threading.Lock()
        self._thread_locks: dict[str, list] = {}   # sid → [Lock, users]: threads of this process queue here
        self._saves = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ReportError(f"cannot create the session directory {self.path.parent}: {e.strerror}",
                              file=str(self.path.parent),
                              fix="set REPORT_ASSISTANT_DATA to a writable directory, or "
                                  "REPORT_ASSISTANT_SESSIONS=memory") from None
        try:
            self._conn().executescript(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise self._damaged(e) from None

    def _damaged(self, e: Exception) -> ReportError:
        return ReportError(f"session store {self.path} cannot be used: {e}", file=str(self.path),
                           fix=f"stop the server and delete {self.path} (conversations are lost; nothing else is), "
                               "or point REPORT_ASSISTANT_SESSIONS elsewhere")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        try:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=10000")
        except sqlite3.DatabaseError as e:
            raise self._damaged(e) from None
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    # -- locking -----------------------------------------------------------------------------
    def _acquire(self, sid: str) -> object:
        with self._mutex:
            entry = self._thread_locks.setdefault(sid, [threading.Lock(), 0])
            entry[1] += 1
        deadline = time.monotonic() + self.lock_timeout_s
        if not entry[0].acquire(timeout=self.lock_timeout_s):
            self._unuse(sid, entry)
            raise SessionBusy(sid, self.lock_timeout_s)
        token = uuid.uuid4().hex
        pause = 0.002
        try:
            while True:
                now = self.clock()
                conn = self._conn()
                with _write(conn):
                    cur = conn.execute(
                        "INSERT INTO locks (sid, token, until) VALUES (?, ?, ?) ON CONFLICT (sid) DO UPDATE "
                        "SET token = excluded.token, until = excluded.until WHERE locks.until < ?",
                        (sid, token, now + self.lease_s, now))
                if cur.rowcount == 1:
                    return (entry, token)
                if time.monotonic() >= deadline:
                    raise SessionBusy(sid, self.lock_timeout_s)
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        except BaseException:
            entry[0].release()
            self._unuse(sid, entry)
            raise

    def _unuse(self, sid: str, entry: list) -> None:
        with self._mutex:
            entry[1] -= 1
            if entry[1] == 0 and self._thread_locks.get(sid) is entry:
                del self._thread_locks[sid]

    def _release(self, sid: str, token: object, saved: str | None) -> None:
        entry, tok = token
        try:
            conn = self._conn()
            now = self.clock()
            with _write(conn):
                if saved is not None:
                    conn.execute("INSERT INTO sessions (sid, state, expires) VALUES (?, ?, ?) ON CONFLICT (sid) "
                                 "DO UPDATE SET state = excluded.state, expires = excluded.expires",
                                 (sid, saved, now + self.ttl_s))
                cur = conn.execute("DELETE FROM locks WHERE sid = ? AND token = ?", (sid, tok))
                if cur.rowcount != 1:
                    log.warning("session %r: the turn outlived its %g s lock lease", sid[:64], self.lease_s)
            if saved is not None:
                self._saves += 1
                if self._saves % SWEEP_EVERY == 0:
                    self.sweep()
        finally:
            entry[0].release()
            self._unuse(sid, entry)

    # -- data ----------------------------------------------------------------------------
    def _load(self, sid: str):
        row = self._conn().execute("SELECT state FROM sessions WHERE sid = ? AND expires > ?",
                                   (sid, self.clock())).fetchone()
        return row[0] if row else None

    def _count_new(self, client: str) -> None:
        bucket = self._bucket()
        conn = self._conn()
        with _write(conn):
            (n,) = conn.execute(
                "INSERT INTO new_sessions (client, bucket, n) VALUES (?, ?, 1) ON CONFLICT (client) DO UPDATE "
                "SET n = CASE WHEN new_sessions.bucket = excluded.bucket THEN new_sessions.n + 1 ELSE 1 END, "
                "bucket = excluded.bucket RETURNING n", (client, bucket)).fetchone()
        if n > self.new_per_client:
            raise TooManySessions(client, self.new_per_client, self.window_s)

    def sweep(self) -> int:
        """Delete expired sessions, stale locks and old client windows; returns sessions deleted."""
        now, conn = self.clock(), self._conn()
        with _write(conn):
            n = conn.execute("DELETE FROM sessions WHERE expires <= ?", (now,)).rowcount
            conn.execute("DELETE FROM locks WHERE until < ?", (now,))
            conn.execute("DELETE FROM new_sessions WHERE bucket < ?", (self._bucket(),))
        return n

    def __len__(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM sessions WHERE expires > ?", (self.clock(),)).fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class _write:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
        return False
