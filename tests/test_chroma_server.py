"""The same retrieval through a Chroma server (`chroma run`) and HttpClient.

The server is started on a free port with its own data directory and always
stopped in the fixture finalizer, even when a test fails."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.errors import IndexMissing, ReportError
from index.settings import Settings
from index.store import build_index, index_status, load_index

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[1]
ACCEPT = "청년수당은 한 달에 얼마 주나요"
ACCEPT_ID = "work-report-2018:program_block:916-936"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_heartbeat(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    import httpx
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma exited with {proc.returncode}: {proc.stdout.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"chroma server at {url} gave no heartbeat in {timeout:.0f} s")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        pytest.skip(f"no chroma console script at {exe}")
    port = free_port()
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path_factory.mktemp("chroma-server")),
                             "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_heartbeat(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def settings(chroma_url, tmp_path_factory):
    return Settings(corpus_dir=ROOT / "corpus", index_dir=tmp_path_factory.mktemp("srv") / "index",
                    embed_model="hash", chroma_url=chroma_url)


@pytest.fixture(scope="module")
def built(settings):
    return build_index(settings)


@pytest.fixture(scope="module")
def idx(built, settings):
    return load_index(settings)


def test_index_lives_in_the_server(built, settings, chroma_url):
    import chromadb
    st = index_status(settings)
    assert st["chroma"]["mode"] == "server" and st["chroma"]["url"] == chroma_url
    assert not list(Path(settings.index_dir).rglob("chroma*"))            # no local vector store
    host, port = chroma_url.rsplit("//", 1)[1].split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    col = client.get_collection(st["chroma"]["collection"])
    assert col.count() == built.chunks == st["chunks"]
    got = col.get(ids=[ACCEPT_ID], include=["metadatas"])
    assert got["metadatas"][0] == {"chunk_id": ACCEPT_ID, "doc": "work-report-2018", "kind": "program_block",
                                   "section": "Ⅲ > 4 > 청년활동지원사업 강화 > 추진실적",
                                   "department": "청년정책담당관", "program": "청년활동지원사업 강화",
                                   "audit_id": "", "status": "", "line_start": 916, "line_end": 936}


def test_acceptance_through_http(idx):
    hits = idx.search(ACCEPT, k=3)
    assert ACCEPT_ID in [h.chunk_id for h in hits]
    vec = idx.search(ACCEPT, k=5, mode="vector")
    assert [h.vector_rank for h in vec] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("mode", ["vector", "hybrid"])
def test_filters_through_http(idx, mode):
    hits = idx.search("청년 지원", k=8, mode=mode, kind="audit_item", department="청년정책담당관")
    assert hits and all(h.kind == "audit_item" and "청년정책담당관" in h.department for h in hits)
    hits = idx.search("검토", k=5, mode=mode, status="검토중")
    assert [(h.audit_id, h.status) for h in hits] == [("A42", "검토중")]


def test_rebuild_replaces_the_collection(built, settings, chroma_url):
    import chromadb
    host, port = chroma_url.rsplit("//", 1)[1].split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    old = index_status(settings)["chroma"]["collection"]
    info = build_index(settings, force=True)
    new = index_status(settings)["chroma"]["collection"]
    names = {c.name for c in client.list_collections()}
    assert not info.skipped and new != old and {new, old} <= names          # the previous build is kept
    build_index(settings, force=True)
    newest = index_status(settings)["chroma"]["collection"]
    names = {c.name for c in client.list_collections()}
    assert {newest, new} <= names and old not in names                    # older ones are dropped
    assert build_index(settings).skipped


def test_unreachable_server_is_one_clear_error(settings, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    s = Settings(corpus_dir=settings.corpus_dir, index_dir=tmp_path / "ix", embed_model="hash", chroma_url=dead)
    with pytest.raises(ReportError) as e:
        build_index(s)
    assert str(e.value).startswith(f"cannot reach the Chroma server at {dead}")
    assert not (tmp_path / "ix").exists() and not list(tmp_path.glob(".ix.tmp-*"))
    moved = Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, embed_model="hash", chroma_url=dead)
    with pytest.raises(ReportError, match="cannot reach the Chroma server"):
        load_index(moved)


def test_embedded_index_refuses_a_server_url(tmp_path, synthetic_dir, settings):
    emb = Settings(corpus_dir=synthetic_dir, index_dir=tmp_path / "e", embed_model="hash")
    build_index(emb)
    with pytest.raises(IndexMissing, match="embedded Chroma but a Chroma server URL is set"):
        load_index(Settings(corpus_dir=synthetic_dir, index_dir=tmp_path / "e", embed_model="hash",
                            chroma_url=settings.chroma_url))
