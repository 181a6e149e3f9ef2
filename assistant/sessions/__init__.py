"""Session stores: in memory, SQLite (the default, shared by the workers of one machine) or Redis
(shared by several machines). See `base.py` for the interface.

    store = open_store(settings.sessions, data_dir=settings.data_dir)
"""
from __future__ import annotations

from pathlib import Path

from index.errors import ReportError

from .base import SessionBusy, SessionStore, TooManySessions, Turn, decode_state
from .memory import MemoryStore

__all__ = ["MemoryStore", "SessionBusy", "SessionStore", "TooManySessions", "Turn", "decode_state", "open_store",
           "DEFAULT_FILE"]

DEFAULT_FILE = "sessions.db"
SPEC_HELP = "use memory, sqlite:///ABSOLUTE/PATH.db, sqlite:RELATIVE.db or redis://HOST:PORT/DB"


def open_store(spec: str | None, *, data_dir: Path, **options) -> SessionStore:
    """"memory" | "sqlite:///path.db" | "redis://host:port/0" | None (SQLite file data_dir/sessions.db).
    `options` (ttl_s, new_per_client, window_s, version, …) go to the store."""
    spec = (spec or "").strip()
    if not spec or spec == "sqlite":
        from .sqlite import SQLiteStore
        return SQLiteStore(Path(data_dir) / DEFAULT_FILE, **options)
    if spec == "memory":
        return MemoryStore(**options)
    if spec.startswith("sqlite:"):
        from .sqlite import SQLiteStore
        path = spec[len("sqlite:"):]
        path = path[2:] if path.startswith("//") else path     # sqlite:///abs → /abs; sqlite:rel → rel
        if not path:
            raise ReportError("REPORT_ASSISTANT_SESSIONS names no SQLite file", value=spec, fix=SPEC_HELP)
        p = Path(path)
        return SQLiteStore(p if p.is_absolute() else Path(data_dir) / p, **options)
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisStore
        return RedisStore(spec, **options)
    raise ReportError("REPORT_ASSISTANT_SESSIONS is not understood", value=spec, fix=SPEC_HELP)
