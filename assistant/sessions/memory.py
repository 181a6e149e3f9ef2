"""In-memory sessions (tests, library use): one process, bounded, thread-safe."""
from __future__ import annotations

import threading
from collections import OrderedDict

from .base import SessionBusy, SessionStore, TooManySessions

DEFAULT_MAX_SESSIONS = 100_000


class MemoryStore(SessionStore):
    """Least recently used sessions past `max_sessions` are dropped; the per-client cap on new
    sessions keeps one client's flood from reaching that bound."""

    def __init__(self, *, max_sessions: int = DEFAULT_MAX_SESSIONS, **kw):
        super().__init__(**kw)
        if max_sessions < 1:
            raise ValueError("max_sessions must be >= 1")
        self.max_sessions = max_sessions
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()   # sid → (expires_at, json)
        self._locks: dict[str, list] = {}                                  # sid → [Lock, waiters]
        self._new: dict[str, tuple[int, int]] = {}                         # client → (window bucket, count)
        self._mutex = threading.Lock()

    def _acquire(self, sid: str) -> object:
        with self._mutex:
            entry = self._locks.setdefault(sid, [threading.Lock(), 0])
            entry[1] += 1
        if not entry[0].acquire(timeout=self.lock_timeout_s):
            self._drop_waiter(sid, entry)
            raise SessionBusy(sid, self.lock_timeout_s)
        return entry

    def _drop_waiter(self, sid: str, entry: list) -> None:
        with self._mutex:
            entry[1] -= 1
            if entry[1] == 0 and self._locks.get(sid) is entry:
                del self._locks[sid]

    def _load(self, sid: str):
        with self._mutex:
            hit = self._data.get(sid)
            if hit is None:
                return None
            if hit[0] <= self.clock():
                del self._data[sid]
                return None
            self._data.move_to_end(sid)
            return hit[1]

    def _release(self, sid: str, token: object, saved: str | None) -> None:
        try:
            if saved is not None:
                with self._mutex:
                    self._data[sid] = (self.clock() + self.ttl_s, saved)
                    self._data.move_to_end(sid)
                    while len(self._data) > self.max_sessions:
                        self._data.popitem(last=False)
        finally:
            token[0].release()
            self._drop_waiter(sid, token)

    def _count_new(self, client: str) -> None:
        bucket = self._bucket()
        with self._mutex:
            b, n = self._new.get(client, (bucket, 0))
            n = n + 1 if b == bucket else 1
            if len(self._new) > 10 * self.max_sessions:     # forget old windows of many clients
                self._new = {c: v for c, v in self._new.items() if v[0] == bucket}
            self._new[client] = (bucket, n)
        if n > self.new_per_client:
            raise TooManySessions(client, self.new_per_client, self.window_s)

    def __len__(self) -> int:
        now = self.clock()
        with self._mutex:
            return sum(1 for exp, _ in self._data.values() if exp > now)
