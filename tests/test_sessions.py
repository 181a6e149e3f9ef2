"""Session stores (memory, SQLite, Redis): round trip, exclusive turns across threads and processes,
TTL, the per-client cap on new sessions, corrupt or foreign stored state."""
from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from assistant.sessions import MemoryStore, SessionBusy, TooManySessions, open_store
from index.errors import ReportError


class Clock:
    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    d = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(d)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis
    r = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(200):
        try:
            r.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.02)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(5)


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make(request, tmp_path):
    """make(**options) → a fresh store of the backend under test."""
    made = []

    def factory(**kw):
        if request.param == "memory":
            s = MemoryStore(**kw)
        elif request.param == "sqlite":
            s = open_store(f"sqlite:///{tmp_path}/s{len(made)}.db", data_dir=tmp_path, **kw)
        else:
            url = request.getfixturevalue("redis_url")
            s = open_store(url, data_dir=tmp_path, prefix=f"t{time.monotonic_ns()}:", **kw)
        made.append(s)
        return s
    factory.kind = request.param
    yield factory
    for s in made:
        s.close()


def corrupt(store, sid: str, raw: str) -> None:
    """Overwrite a stored state with raw text, behind the store's back."""
    if isinstance(store, MemoryStore):
        exp, _ = store._data[sid]
        store._data[sid] = (exp, raw)
    elif hasattr(store, "path"):
        store._conn().execute("UPDATE sessions SET state = ? WHERE sid = ?", (raw.encode("utf-8", "surrogatepass"), sid))
    else:
        store.r.set(store._k("s", sid), raw.encode("utf-8", "surrogatepass"))


def test_round_trip_and_no_save(make):
    s = make()
    with s.turn("a", client="c1") as t:
        assert t.state is None
        t.save({"version": 1, "names": ["청년정책담당관"], "n": 1})
    with s.turn("a", client="c1") as t:
        assert t.state == {"version": 1, "names": ["청년정책담당관"], "n": 1}
        t.state["n"] = 99          # editing what was read changes nothing stored
    with s.turn("a") as t:
        assert t.state["n"] == 1
    with pytest.raises(RuntimeError):
        with s.turn("a") as t:
            t.save({"n": 2})
            raise RuntimeError("the answer failed")
    with s.turn("a") as t:
        assert t.state["n"] == 1   # a failed turn writes nothing
    assert len(s) == 1
    with s.turn(None) as t:        # no session id: nothing stored
        t.save({"n": 5})
    with s.turn("") as t:
        assert t.state is None
    assert len(s) == 1


def test_save_refuses_what_is_not_a_json_object(make):
    s = make()
    with s.turn("a") as t:
        with pytest.raises(TypeError):
            t.save(["not", "a", "dict"])
        with pytest.raises(ValueError):
            t.save({"x": float("nan")})
        with pytest.raises(ValueError, match="limit"):
            t.save({"x": "가" * 200_000})


def test_ttl(make):
    clock = Clock()
    s = make(ttl_s=2, clock=clock)
    with s.turn("a") as t:
        t.save({"n": 1})
    clock.t += 1.5
    with s.turn("a") as t:
        assert t.state == {"n": 1}
        t.save({"n": 2})            # a save renews the TTL
    clock.t += 1.5
    with s.turn("a") as t:
        assert t.state == {"n": 2}
    if make.kind == "redis":         # Redis expires on its own clock: EXPIRE is tested with real time
        s2 = make(ttl_s=1)
        with s2.turn("b") as t:
            t.save({"n": 1})
        time.sleep(1.2)
        with s2.turn("b") as t:
            assert t.state is None
        return
    clock.t += 2.5
    with s.turn("a") as t:
        assert t.state is None
    assert len(s) == 0


def test_flood_of_new_sessions_is_capped_per_client(make):
    clock = Clock()
    s = make(new_per_client=5, window_s=10, clock=clock)
    with s.turn("victim", client="10.0.0.2") as t:
        t.save({"who": "victim"})
    for i in range(5):
        with s.turn(f"flood{i}", client="10.0.0.1") as t:
            t.save({"i": i})
    with pytest.raises(TooManySessions) as e:
        with s.turn("flood-over", client="10.0.0.1") as t:
            t.save({"i": -1})
    assert e.value.code == "too_many_sessions" and "10.0.0.1" in str(e.value) and e.value.retry_after == 10
    with s.turn("flood0", client="10.0.0.1") as t:      # existing sessions of the flooder still work
        assert t.state == {"i": 0}
    with s.turn("victim", client="10.0.0.2") as t:      # and nobody else lost theirs
        assert t.state == {"who": "victim"}
    with s.turn("other-new", client="10.0.0.3") as t:   # other clients may still open new ones
        assert t.state is None
    for i in range(20):                                   # a local caller (no client) is not capped
        with s.turn(f"local{i}") as t:
            t.save({})
    clock.t += 10                                         # the next window admits the flooder again
    with s.turn("flood-later", client="10.0.0.1") as t:
        assert t.state is None


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "\ud800", '"text"', "[" * 50_000])
def test_corrupt_state_is_a_new_session(make, raw, caplog):
    s = make()
    with s.turn("a") as t:
        t.save({"n": 1})
    corrupt(s, "a", raw)
    with caplog.at_level(logging.WARNING, logger="report_assistant.sessions"):
        with s.turn("a") as t:
            assert t.state is None
            t.save({"n": 2})
    assert "starting a new session" in caplog.text
    with s.turn("a") as t:
        assert t.state == {"n": 2}


def test_state_of_another_version_is_new(make):
    old = make()
    with old.turn("a") as t:
        t.save({"version": 1, "x": 1})
    if isinstance(old, MemoryStore):
        old.version = 2
        new = old
    elif hasattr(old, "path"):
        new = open_store(f"sqlite:///{old.path}", data_dir=old.path.parent, version=2)
    else:
        new = open_store(old.url, data_dir=Path("."), prefix=old.prefix, version=2)
    with new.turn("a") as t:
        assert t.state is None
        t.save({"version": 2, "x": 2})
    with new.turn("a") as t:
        assert t.state == {"version": 2, "x": 2}


def _bump(store, sid: str, n: int, log: list | None = None) -> None:
    """n read-modify-write turns that would lose updates if two of them interleaved."""
    for _ in range(n):
        with store.turn(sid) as t:
            count = (t.state or {}).get("n", 0)
            if log is not None:
                log.append(("in", threading.get_ident()))
            time.sleep(0.002)
            if log is not None:
                log.append(("out", threading.get_ident()))
            t.save({"n": count + 1})


def test_two_threads_on_one_session_never_interleave(make):
    s = make()
    log: list = []
    threads = [threading.Thread(target=_bump, args=(s, "shared", 25, log)) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    with s.turn("shared") as t:
        assert t.state == {"n": 50}
    assert all(log[i][0] == "in" and log[i + 1] == ("out", log[i][1]) for i in range(0, len(log), 2))


def _bump_in_process(spec: str, data_dir: str, prefix: str, n: int) -> None:
    kw = {"prefix": prefix} if spec.startswith("redis") else {}
    _bump(open_store(spec, data_dir=Path(data_dir), **kw), "shared", n)


def test_two_processes_on_one_session_never_interleave(make, tmp_path):
    if make.kind == "memory":
        pytest.skip("the memory store is one process by design")
    s = make()
    spec = f"sqlite:///{s.path}" if make.kind == "sqlite" else s.url
    prefix = getattr(s, "prefix", "")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_bump_in_process, args=(spec, str(tmp_path), prefix, 30)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with s.turn("shared") as t:
        assert t.state == {"n": 60}


def test_a_held_session_makes_the_next_turn_wait_then_fail(make):
    s = make(lock_timeout_s=0.3)
    inside, leave = threading.Event(), threading.Event()

    def hold():
        with s.turn("busy") as t:
            inside.set()
            leave.wait(5)
            t.save({"n": 1})
    th = threading.Thread(target=hold)
    th.start()
    inside.wait(5)
    t0 = time.monotonic()
    with pytest.raises(SessionBusy, match="busy"):
        with s.turn("busy"):
            pass
    assert 0.25 <= time.monotonic() - t0 < 3
    with s.turn("other") as t:       # other sessions are not blocked
        t.save({})
    leave.set()
    th.join()
    with s.turn("busy") as t:
        assert t.state == {"n": 1}


def test_a_lock_left_by_a_dead_process_expires(tmp_path):
    clock = Clock()
    s = open_store(f"sqlite:///{tmp_path}/s.db", data_dir=tmp_path, lease_s=5, lock_timeout_s=0.2, clock=clock)
    s._conn().execute("INSERT INTO locks (sid, token, until) VALUES ('a', 'dead', ?)", (clock.t + 5,))
    with pytest.raises(SessionBusy):
        with s.turn("a"):
            pass
    clock.t += 6
    with s.turn("a") as t:
        t.save({"n": 1})
    with s.turn("a") as t:
        assert t.state == {"n": 1}


def test_redis_lock_has_a_lease(redis_url, tmp_path):
    s = open_store(redis_url, data_dir=tmp_path, prefix="lease:", lease_s=0.3, lock_timeout_s=2)
    s.r.set(s._k("l", "a"), "dead", px=300)      # a lock whose holder died
    t0 = time.monotonic()
    with s.turn("a") as t:
        t.save({"n": 1})
    assert time.monotonic() - t0 < 1.5
    assert s.r.ttl(s._k("s", "a")) > 0 and s.r.get(s._k("l", "a")) is None


def test_open_store_specs(tmp_path):
    default = open_store(None, data_dir=tmp_path / "data")
    assert default.path == tmp_path / "data" / "sessions.db"
    with default.turn("x") as t:
        t.save({"a": 1})
    assert json.loads(default._conn().execute("SELECT state FROM sessions").fetchone()[0]) == {"a": 1}
    assert default._conn().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert open_store("sqlite:rel.db", data_dir=tmp_path).path == tmp_path / "rel.db"
    assert isinstance(open_store("memory", data_dir=tmp_path), MemoryStore)
    with pytest.raises(ReportError, match="not understood") as e:
        open_store("postgres://x", data_dir=tmp_path)
    assert "redis://" in str(e.value)
    with pytest.raises(ReportError, match="cannot reach"):
        open_store(f"redis://127.0.0.1:{free_port()}/0", data_dir=tmp_path)
    with pytest.raises(ValueError):
        MemoryStore(ttl_s=0)


def test_damaged_sqlite_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "sessions.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ReportError) as e:
        open_store(None, data_dir=tmp_path)
    assert str(bad) in str(e.value) and "delete" in str(e.value)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ReportError, match="REPORT_ASSISTANT_DATA"):
        open_store(None, data_dir=blocker / "sub")


def test_first_question_cache_hands_out_copies():
    from assistant.session import LRUCache
    cache = LRUCache(2)
    answer = {"data": {"rows": [[1, 2]]}}
    cache.put("q", answer)
    answer["data"]["rows"].append("changed by the caller that put it")
    got = cache.get("q")
    assert got == {"data": {"rows": [[1, 2]]}}
    got["data"]["rows"].clear()                       # a library caller editing its answer
    assert cache.get("q") == {"data": {"rows": [[1, 2]]}}
    cache.put("r", 1)
    cache.put("s", 2)
    assert cache.get("q") is None and len(cache) == 2
