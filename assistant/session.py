"""The first-question cache. Session state itself is an immutable DialogueState
(assistant.dialogue) kept in a shared store (assistant.sessions: memory, SQLite, Redis)."""
from __future__ import annotations

import copy
import threading
from collections import OrderedDict


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
