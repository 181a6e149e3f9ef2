"""Session memory: the last entities and result, so follow-ups work.

The stores themselves live in `assistant.sessions` (memory, SQLite, Redis; `open_store`);
`SessionStore` below is the old per-process map, kept only until `Assistant.ask` uses
`assistant.sessions` (it is not shared across workers).
"""
from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass
class SessionState:
    route: str = ""
    budget_query: object = None           # last BudgetQuery
    result_names: list[str] = field(default_factory=list)   # rows of the last budget answer
    programs: list[str] = field(default_factory=list)        # last programmes named
    departments: list[str] = field(default_factory=list)
    entity_history: list[list[str]] = field(default_factory=list)   # named targets per turn, newest last
    candidates: list[str] = field(default_factory=list)      # after a clarify answer
    group: list[str] = field(default_factory=list)           # the names an ambiguous alias stood for
    audit_query: object = None
    audit_item: str = ""                  # id of the last single finding
    audit_items: list[str] = field(default_factory=list)
    validation: tuple | None = None       # (finding kinds, names) of the last validation answer
    question: str = ""
    turns: int = 0


class SessionStore:
    """Transitional: in-memory, per process, bounded (least recently used sessions dropped), thread-safe.
    Use `assistant.sessions.open_store` instead."""

    def __init__(self, max_sessions: int = 10_000, ttl_s: float = 6 * 3600):
        self._data: OrderedDict[str, tuple[float, SessionState]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_sessions = max_sessions
        self.ttl_s = ttl_s

    def get(self, sid: str | None) -> SessionState:
        if not sid:
            return SessionState()
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(sid)
            if hit and now - hit[0] <= self.ttl_s:
                self._data.move_to_end(sid)
                return hit[1]
            state = SessionState()
            self._data[sid] = (now, state)
            while len(self._data) > self.max_sessions:
                self._data.popitem(last=False)
            return state

    def put(self, sid: str | None, state: SessionState) -> None:
        if not sid:
            return
        with self._lock:
            self._data[sid] = (time.monotonic(), state)
            self._data.move_to_end(sid)

    def __len__(self) -> int:
        return len(self._data)


class LRUCache:
    """A small thread-safe least-recently-used map. It keeps and hands out deep copies, so a
    caller that edits what it got (or what it put) never changes what later callers get."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                value = self._data[key]
            else:
                return None
        return copy.deepcopy(value)

    def put(self, key, value) -> None:
        value = copy.deepcopy(value)
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
