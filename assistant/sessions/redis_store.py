"""Redis sessions, for several machines behind one load balancer (REPORT_ASSISTANT_SESSIONS=redis://HOST:PORT/DB).

Keys (prefix `ra:` unless told): `ra:s:SID` the state (EXPIRE = TTL), `ra:l:SID` the turn lock
(SET NX PX lease, value = a random token; released only by its holder, checked under WATCH),
`ra:n:CLIENT:WINDOW` the new sessions of a client in a window (INCR + EXPIRE).
"""
from __future__ import annotations

import threading
import time
import uuid

from index.errors import ReportError

from .base import SessionBusy, SessionStore, TooManySessions, log


class RedisStore(SessionStore):
    def __init__(self, url: str, *, prefix: str = "ra:", client=None, **kw):
        super().__init__(**kw)
        self.url = url
        self.prefix = prefix
        if client is None:
            try:
                import redis
            except ImportError:
                raise ReportError("the redis client is not installed", fix="pip install redis") from None
            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)
        self.r = client
        self._mutex = threading.Lock()
        self._thread_locks: dict[str, list] = {}
        try:
            self.r.ping()
        except Exception as e:
            raise ReportError(f"cannot reach the session store at {url}: {type(e).__name__}: {e}",
                              fix="start Redis there, or set REPORT_ASSISTANT_SESSIONS to sqlite:///PATH or memory"
                              ) from None

    def _k(self, kind: str, *parts: str) -> str:
        return self.prefix + kind + ":" + ":".join(parts)

    def _acquire(self, sid: str) -> object:
        with self._mutex:
            entry = self._thread_locks.setdefault(sid, [threading.Lock(), 0])
            entry[1] += 1
        deadline = time.monotonic() + self.lock_timeout_s
        try:
            if not entry[0].acquire(timeout=self.lock_timeout_s):
                raise SessionBusy(sid, self.lock_timeout_s)
        except BaseException:
            self._unuse(sid, entry)
            raise
        token = uuid.uuid4().hex
        pause = 0.002
        try:
            while not self.r.set(self._k("l", sid), token, nx=True, px=int(self.lease_s * 1000)):
                if time.monotonic() >= deadline:
                    raise SessionBusy(sid, self.lock_timeout_s)
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        except BaseException:
            entry[0].release()
            self._unuse(sid, entry)
            raise
        return (entry, token)

    def _unuse(self, sid: str, entry: list) -> None:
        with self._mutex:
            entry[1] -= 1
            if entry[1] == 0 and self._thread_locks.get(sid) is entry:
                del self._thread_locks[sid]

    def _release(self, sid: str, token: object, saved: str | None) -> None:
        import redis
        entry, tok = token
        lock_key, state_key = self._k("l", sid), self._k("s", sid)
        try:
            with self.r.pipeline() as pipe:
                try:
                    pipe.watch(lock_key)
                    held = pipe.get(lock_key)
                    pipe.multi()
                    if saved is not None:
                        pipe.set(state_key, saved, ex=max(1, int(self.ttl_s)))
                    if held is not None and held.decode() == tok:
                        pipe.delete(lock_key)
                    else:
                        log.warning("session %r: the turn outlived its %g s lock lease", sid[:64], self.lease_s)
                    pipe.execute()
                except redis.WatchError:    # the lock changed hands meanwhile: keep the answer's state anyway
                    log.warning("session %r: the lock changed hands during the turn", sid[:64])
                    if saved is not None:
                        self.r.set(state_key, saved, ex=max(1, int(self.ttl_s)))
        finally:
            entry[0].release()
            self._unuse(sid, entry)

    def _load(self, sid: str):
        return self.r.get(self._k("s", sid))

    def _count_new(self, client: str) -> None:
        key = self._k("n", client, str(self._bucket()))
        with self.r.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, max(1, int(self.window_s * 2)))
            n, _ = pipe.execute()
        if n > self.new_per_client:
            raise TooManySessions(client, self.new_per_client, self.window_s)

    def __len__(self) -> int:
        return sum(1 for _ in self.r.scan_iter(match=self._k("s", "*"), count=1000))

    def close(self) -> None:
        self.r.close()
