"""uvicorn's HTTP protocol with the limits uvicorn lacks: a deadline for a request's head and for
its body, and a cap on open connections that makes room by closing the oldest idle ones.

    from api.protocol import Limits, guarded_protocol
    uvicorn.run(app, http=guarded_protocol(Limits(header_timeout_s=10)), timeout_keep_alive=5)

- head: the request line and headers must arrive within `header_timeout_s` of the connection
  (or of the first byte of a keep-alive connection's next request); else 408 and close.
  An idle new connection that sends nothing is closed after the same time.
- body: a request's body must arrive within `body_timeout_s` of its headers; else the connection closes.
- connections: at `max_connections` (never above the process's file-descriptor limit minus a reserve)
  a new connection closes the oldest one that has no request in progress (idle keep-alive,
  half-sent head), so a flood of idle sockets cannot lock out a new client.
Idle keep-alive connections are closed by uvicorn's own `timeout_keep_alive`.
"""
from __future__ import annotations

import functools
import json
import logging
import resource
from dataclasses import dataclass

log = logging.getLogger("report_assistant.api")

FD_RESERVE = 64            # descriptors kept free for the index, the session store, logs and accept()


@dataclass(frozen=True)
class Limits:
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_connections: int = 2048

    def __post_init__(self):
        if self.header_timeout_s <= 0 or self.body_timeout_s <= 0 or self.max_connections < 1:
            raise ValueError("header_timeout_s and body_timeout_s must be > 0 and max_connections >= 1")


def connection_cap(limits: Limits) -> int:
    """`limits.max_connections`, lowered to fit under RLIMIT_NOFILE with a reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return limits.max_connections
    return max(8, min(limits.max_connections, soft - FD_RESERVE))


def _timeout_response() -> bytes:
    body = json.dumps({"error": {"code": "request_timeout",
                                 "message": "the request head did not arrive in time; send it at once"}}).encode()
    return (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


class _Guard:
    """Mixed into uvicorn's H11Protocol / HttpToolsProtocol (which provide loop, transport, server_state)."""
    limits: Limits = Limits()
    cap: int = 2048
    _serial = 0

    def _guard_init(self) -> None:
        self._g_timer = None
        self._g_phase = ""
        self._g_busy = False            # a request is being answered: never evicted
        _Guard._serial += 1
        self._g_order = _Guard._serial

    def _arm(self, seconds: float, phase: str) -> None:
        self._disarm()
        self._g_phase = phase
        self._g_timer = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._g_timer is not None:
            self._g_timer.cancel()
            self._g_timer = None
        self._g_phase = ""

    def _expired(self) -> None:
        phase, self._g_timer = self._g_phase, None
        if self.transport is None or self.transport.is_closing():
            return
        log.info("closing a connection from %s: request %s not received within %g s", self.client, phase,
                 self.limits.body_timeout_s if phase == "body" else self.limits.header_timeout_s)
        if phase == "head":
            self.transport.write(_timeout_response())
        self.transport.close()

    def _make_room(self) -> None:
        conns = self.server_state.connections
        if len(conns) <= self.cap:
            return
        idle = [c for c in conns if c is not self and not getattr(c, "_g_busy", True)
                and not c.transport.is_closing()]
        for victim in sorted(idle, key=lambda c: c._g_order)[:len(conns) - self.cap]:
            log.info("closing an idle connection from %s: %d open, the cap is %d", victim.client, len(conns), self.cap)
            victim.transport.close()

    # -- hooks called by the protocol subclasses --------------------------------------
    def _on_connect(self) -> None:
        self._make_room()
        self._arm(self.limits.header_timeout_s, "idle")      # nothing sent yet: closed without an answer

    def _on_head_start(self) -> None:
        if self._g_phase == "idle":
            self._g_phase = "head"                            # same deadline, counted from the connection
        elif self._g_phase != "head":
            self._arm(self.limits.header_timeout_s, "head")

    def _on_head_done(self) -> None:
        self._g_busy = True
        self._arm(self.limits.body_timeout_s, "body")

    def _on_body_done(self) -> None:
        self._disarm()

    def _on_response_done(self) -> None:
        self._g_busy = False
        self._disarm()


def _h11_class():
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(_Guard, H11Protocol):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self._guard_init()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._on_connect()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            was_idle = self.conn.their_state is h11.IDLE and not self._g_busy
            super().data_received(data)
            state = self.conn.their_state
            if state is h11.IDLE and was_idle:
                self._on_head_start()
            elif state is h11.SEND_BODY and self._g_phase != "body":
                self._on_head_done()
            elif state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED):
                self._g_busy = True
                self._on_body_done()

        def on_response_complete(self) -> None:
            self._on_response_done()
            super().on_response_complete()

    return GuardedH11Protocol


def _httptools_class():
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedHttpToolsProtocol(_Guard, HttpToolsProtocol):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self._guard_init()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._on_connect()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._on_head_start()

        def on_headers_complete(self) -> None:
            self._on_head_done()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._on_body_done()
            super().on_message_complete()

        def on_response_complete(self) -> None:
            self._on_response_done()
            super().on_response_complete()

    return GuardedHttpToolsProtocol


@functools.lru_cache(maxsize=None)
def protocol_class(kind: str = "auto"):
    """The guarded protocol class: 'httptools' (faster, when installed), 'h11', or 'auto'."""
    if kind not in ("auto", "h11", "httptools"):
        raise ValueError(f"unknown HTTP implementation {kind!r}; use auto, h11 or httptools")
    if kind in ("auto", "httptools"):
        try:
            import httptools  # noqa: F401
            return _httptools_class()
        except ImportError:
            if kind == "httptools":
                raise
    return _h11_class()


def make_protocol(limits: Limits, kind: str, *args, **kwargs):
    """What uvicorn calls for each connection (picklable through functools.partial for --workers)."""
    cls = protocol_class(kind)
    proto = cls(*args, **kwargs)
    proto.limits = limits
    proto.cap = connection_cap(limits)
    return proto


def guarded_protocol(limits: Limits, kind: str = "auto"):
    """The value for uvicorn's `http=` option."""
    return functools.partial(make_protocol, limits, kind)
