"""The HTTP server's limits against a real uvicorn on loopback: 413 that ordinary clients receive,
deadlines for a request's head and body, the connection cap, and 503 when too many requests run."""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.models import MAX_BODY_BYTES
from api.protocol import Limits, connection_cap, guarded_protocol
from index.settings import Settings
from test_api import FakeAssistant


class SlowAssistant(FakeAssistant):
    def ask(self, question, session_id=None):
        if question == "slow":
            time.sleep(2.0)
        return super().ask(question, session_id)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Live:
    def __init__(self, app, limits: Limits, keep_alive: int = 1, kind: str = "auto"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False, timeout_keep_alive=keep_alive,
                                                    http=guarded_protocol(limits, kind)))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)

    def connect(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        return s


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["httptools", "h11"])
def live(request, corpus, findings):
    app = create_app(Settings(), SlowAssistant(corpus, findings), max_inflight=2)
    with Live(app, Limits(header_timeout_s=1.0, body_timeout_s=1.0, max_connections=40), kind=request.param) as server:
        yield server


def closed_within(sock: socket.socket, seconds: float) -> bytes:
    """What the server sent before closing (b"" if nothing); fails if it stays open longer."""
    sock.settimeout(seconds)
    got = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return got
            got += chunk
    except socket.timeout:
        pytest.fail(f"connection still open after {seconds} s (got {got[:80]!r})")
    except ConnectionResetError:
        return got
    finally:
        sock.close()


def test_oversized_body_gets_413_with_urllib(live):
    body = json.dumps({"question": "가" * 350_000}).encode()          # ~1 MB
    assert len(body) > 1_000_000 > MAX_BODY_BYTES
    req = urllib.request.Request(f"{live.url}/ask", data=body, headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 413
    assert json.loads(e.value.read())["error"]["code"] == "body_too_large"


def test_oversized_body_gets_413_with_httpx(live):
    with httpx.Client(timeout=10) as http:
        r = http.post(f"{live.url}/ask", content=b"x" * 1_000_000, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
        chunks = (b"y" * 65536 for _ in range(16))                       # 1 MB chunked, no Content-Length
        r = http.post(f"{live.url}/ask", content=chunks, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and "limit" in r.json()["error"]["message"]
        assert http.get(f"{live.url}/health").status_code == 200


def test_idle_and_half_sent_connections_are_closed(live):
    idle = live.connect()
    half = live.connect()
    half.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")                 # headers never finished
    slowloris = live.connect()
    t0 = time.monotonic()
    for part in (b"GET /", b"he", b"al"):                                # a byte now and then does not extend it
        slowloris.sendall(part)
        time.sleep(0.3)
    body = live.connect()
    body.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    assert closed_within(idle, 3) == b""
    got = closed_within(half, 3)
    assert got.startswith(b"HTTP/1.1 408") and b"request_timeout" in got
    assert closed_within(slowloris, 3).startswith(b"HTTP/1.1 408")
    closed_within(body, 3)
    assert time.monotonic() - t0 < 8
    assert httpx.get(f"{live.url}/health", timeout=5).status_code == 200


def test_keep_alive_connection_is_closed_when_idle(live):
    s = live.connect()
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    got = closed_within(s, 4)                                            # the answer, then the close
    assert got.startswith(b"HTTP/1.1 200")


def test_connection_cap_closes_the_oldest_idle(live):
    cap = connection_cap(Limits(max_connections=40))
    socks = [live.connect() for _ in range(cap + 10)]
    time.sleep(0.2)
    for _ in range(5):
        assert httpx.get(f"{live.url}/health", timeout=5).status_code == 200
    assert closed_within(socks[0], 1) == b""                             # the oldest went first
    for s in socks:
        s.close()


def test_too_many_requests_in_progress_get_503(live):
    results = []

    def ask():
        results.append(httpx.post(f"{live.url}/ask", json={"question": "slow"}, timeout=10))
    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    assert httpx.get(f"{live.url}/health", timeout=5).status_code == 200     # never refused
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 200, 503, 503]
    busy = next(r for r in results if r.status_code == 503)
    assert busy.json()["error"]["code"] == "overloaded" and busy.headers["retry-after"] == "1"


def test_limits_validate():
    with pytest.raises(ValueError):
        Limits(header_timeout_s=0)
    with pytest.raises(ValueError):
        Limits(max_connections=0)
