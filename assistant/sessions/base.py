"""The session store interface: one exclusive turn per session id.

    store = open_store("sqlite:///var/lib/ra/sessions.db", data_dir=Path(".data"))
    with store.turn(sid, client="203.0.113.9") as turn:     # exclusive for sid (threads, processes, machines)
        state = DialogueState.from_dict(turn.state)          # None: a new (or expired, or unreadable) session
        ...
        turn.save(new_state.to_dict())                       # written when the block exits without an exception

The state is an opaque JSON object. With `version=N`, a stored state whose "version" differs is
treated as new. Corrupt stored JSON is treated as new with a logged warning.
"""
from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from index.errors import ReportError

log = logging.getLogger("report_assistant.sessions")

DEFAULT_TTL_S = 6 * 3600            # a session unused this long is forgotten
DEFAULT_NEW_PER_CLIENT = 600        # new sessions one client may open per window ...
DEFAULT_WINDOW_S = 60.0             # ... of this many seconds ("" = a local caller: no cap)
DEFAULT_LOCK_TIMEOUT_S = 30.0       # waiting this long for another turn of the same session is an error
DEFAULT_LEASE_S = 60.0              # a lock left by a dead process expires after this
MAX_STATE_BYTES = 256 * 1024


class TooManySessions(ReportError):
    """One client opened more new sessions than the cap allows in the window (the API answers 429)."""

    def __init__(self, client: str, cap: int, window_s: float):
        super().__init__(f"too many new sessions from {client}: more than {cap} in {window_s:g} s",
                         fix="reuse your session_id for follow-ups, or wait and retry", code="too_many_sessions")
        self.retry_after = max(1, int(window_s))


class SessionBusy(ReportError):
    """Another turn of the same session held it too long."""

    def __init__(self, sid: str, waited_s: float):
        super().__init__(f"session {sid[:64]!r} is busy with another question ({waited_s:.0f} s waited)",
                         fix="send a session's questions one after another", code="session_busy")


@dataclass
class Turn:
    """One question's view of a session: the stored state, and what to write back."""
    sid: str
    state: dict | None
    saved: str | None = field(default=None, repr=False)     # the JSON to write, once save() was called

    def save(self, state: dict) -> None:
        if not isinstance(state, dict):
            raise TypeError(f"session state must be a dict, got {type(state).__name__}")
        text = json.dumps(state, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        if len(text.encode("utf-8")) > MAX_STATE_BYTES:
            raise ValueError(f"session state of {len(text):,} characters is over the {MAX_STATE_BYTES:,}-byte limit; "
                             "keep only what follow-ups need")
        self.saved = text


def decode_state(sid: str, raw, version: int | None) -> dict | None:
    """Stored text → state dict, or None (with a warning) when it is unreadable or of another version."""
    if raw is None:
        return None
    try:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        state = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        log.warning("session %r: stored state is not valid JSON (%s); starting a new session", sid[:64], e)
        return None
    if not isinstance(state, dict):
        log.warning("session %r: stored state is a JSON %s, not an object; starting a new session",
                    sid[:64], type(state).__name__)
        return None
    if version is not None and state.get("version") != version:
        log.info("session %r: stored state has version %r, expected %r; starting a new session",
                 sid[:64], state.get("version"), version)
        return None
    return state


class SessionStore(ABC):
    """Sessions with a TTL and a per-client cap on new sessions; turns of one sid never interleave."""

    def __init__(self, *, ttl_s: float = DEFAULT_TTL_S, new_per_client: int = DEFAULT_NEW_PER_CLIENT,
                 window_s: float = DEFAULT_WINDOW_S, version: int | None = None,
                 lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S, lease_s: float = DEFAULT_LEASE_S,
                 clock=time.time):
        if ttl_s <= 0 or window_s <= 0 or new_per_client < 1 or lock_timeout_s <= 0 or lease_s <= 0:
            raise ValueError("ttl_s, window_s, lock_timeout_s and lease_s must be > 0 and new_per_client >= 1")
        self.ttl_s = ttl_s
        self.new_per_client = new_per_client
        self.window_s = window_s
        self.version = version
        self.lock_timeout_s = lock_timeout_s
        self.lease_s = lease_s
        self.clock = clock

    @contextmanager
    def turn(self, sid: str | None, *, client: str = "") -> Iterator[Turn]:
        """Hold `sid` exclusively for one question. No sid: a throw-away turn (nothing stored, no lock)."""
        if not sid:
            yield Turn("", None)
            return
        if not isinstance(sid, str):
            raise TypeError(f"session id must be a string, got {type(sid).__name__}")
        token = self._acquire(sid)
        try:
            state = decode_state(sid, self._load(sid), self.version)
            if state is None and client:
                self._count_new(client)           # raises TooManySessions over the cap
            turn = Turn(sid, state)
            yield turn
        except BaseException:
            self._release(sid, token, None)
            raise
        self._release(sid, token, turn.saved)

    def _bucket(self) -> int:
        return int(self.clock() // self.window_s)

    # -- backend ---------------------------------------------------------------------------
    @abstractmethod
    def _acquire(self, sid: str) -> object:
        """Block until this caller holds sid (or raise SessionBusy); returns a token for _release."""

    @abstractmethod
    def _load(self, sid: str) -> str | bytes | None:
        """The stored JSON text of a live (not expired) session, or None."""

    @abstractmethod
    def _release(self, sid: str, token: object, saved: str | None) -> None:
        """Write `saved` (when not None) with a fresh TTL, then let the next turn of sid in."""

    @abstractmethod
    def _count_new(self, client: str) -> None:
        """Count one new session for client in the current window; TooManySessions when over the cap."""

    @abstractmethod
    def __len__(self) -> int:
        """Live sessions."""

    def close(self) -> None:
        """Release connections (the store stays usable: they reopen on demand)."""
