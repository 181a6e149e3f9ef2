"""`report-assistant serve` under 1,024 file descriptors: 1,000 idle, half-sent and slow-body
connections neither stop /health nor stay open past the timeouts."""
from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

SERVE = ("import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)); "
         "sys.argv = ['report-assistant'] + sys.argv[1:]; from cli.main import main; main()")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(settings, tmp_path, *args) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "REPORT_ASSISTANT_CORPUS": str(settings.corpus_dir), "REPORT_ASSISTANT_INDEX": str(settings.index_dir),
           "REPORT_ASSISTANT_EMBED_MODEL": settings.embed_model, "REPORT_ASSISTANT_DATA": str(tmp_path / "data")}
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-c", SERVE, "serve", "--port", str(port), "--no-access-log",
                             "--log-level", "warning", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {(tmp_path / 'server.log').read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    pytest.fail("server did not start in 180 s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def is_closed(sock: socket.socket) -> bool:
    sock.settimeout(0.05)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def test_thousand_idle_connections_under_1024_descriptors(real_index_settings, tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2500:
        pytest.skip(f"this test opens 1,000 sockets; the hard descriptor limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096) if hard != resource.RLIM_INFINITY else 4096, hard))
    proc, url = start_server(real_index_settings, tmp_path, "--header-timeout", "4", "--body-timeout", "4",
                             "--timeout-keep-alive", "2")
    port = int(url.rsplit(":", 1)[1])
    socks = []
    try:
        for i in range(1000):
            s = socket.socket()
            s.settimeout(5)
            s.connect(("127.0.0.1", port))
            if i % 3 == 1:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")                 # a head never finished
            elif i % 3 == 2:
                s.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 500\r\n\r\n{\"question\": ")              # a body never finished
            socks.append(s)
        ok = 0
        for _ in range(10):
            try:
                ok += httpx.get(f"{url}/health", timeout=5).status_code == 200
            except httpx.HTTPError:
                pass
        assert ok == 10, f"/health answered {ok} of 10 with 1,000 idle connections open"
        time.sleep(6)                                    # past the head and body timeouts (4 s)
        still_open = sum(1 for s in socks if not is_closed(s))
        assert still_open == 0, f"{still_open} of 1,000 idle connections still open after the timeouts"
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200
        r = httpx.post(f"{url}/ask", json={"question": "청년수당 예산은 얼마예요?"}, timeout=30)
        assert r.status_code == 200 and r.json()["route"] == "budget"
    finally:
        for s in socks:
            s.close()
        stop(proc)
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "Traceback" not in log and "Too many open files" not in log, log[-2000:]
