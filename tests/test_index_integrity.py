"""Index integrity (issue 12): checksums verified on load and by `index status`,
paths kept inside the index, one atomic pointer swap with the previous build
kept, read-only commands that write nothing, damage reported as
"index damaged: FILE — run report-assistant index build --force"."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from index.errors import IndexMissing, ReportError
from index.settings import Settings
from index import store
from index.store import IndexDamaged, build_index, index_status, load_index, rollback_index

FIX = "run report-assistant index build --force"


@pytest.fixture(scope="module")
def kiwi():
    from kiwipiepy import Kiwi
    return Kiwi()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, synthetic_dir, kiwi):
    """One hash-embedded index of the synthetic corpus, copied for each test that damages it."""
    root = tmp_path_factory.mktemp("pristine")
    corpus = root / "corpus"
    shutil.copytree(synthetic_dir, corpus)
    s = Settings(corpus_dir=corpus, index_dir=root / "ix", embed_model="hash")
    build_index(s, kiwi=kiwi)
    return s


@pytest.fixture()
def s(pristine, tmp_path):
    shutil.copytree(pristine.index_dir, tmp_path / "ix")
    return Settings(corpus_dir=pristine.corpus_dir, index_dir=tmp_path / "ix", embed_model="hash")


def gen(s) -> Path:
    return Path(s.index_dir) / json.loads((Path(s.index_dir) / "CURRENT").read_text())["generation"]


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(Path(root).rglob("*")) if p.is_file()}


def rewrite_meta(s, edit) -> None:
    """A consistent but edited meta.json (pointer checksum updated): only the path checks can catch it."""
    g = gen(s)
    meta = json.loads((g / "meta.json").read_text())
    edit(meta)
    text = json.dumps(meta)
    (g / "meta.json").write_text(text)
    ptr = json.loads((Path(s.index_dir) / "CURRENT").read_text())
    ptr["meta_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    (Path(s.index_dir) / "CURRENT").write_text(json.dumps(ptr))


def test_layout_and_checksums(s):
    g = gen(s)
    meta = json.loads((g / "meta.json").read_text())
    assert set(meta["files"]) >= {"chunks.jsonl", "lexicon.json", "chroma/chroma.sqlite3"}
    assert all(len(v["sha256"]) == 64 and v["bytes"] >= 0 for v in meta["files"].values())
    st = index_status(s)
    assert (st["state"], st["file"], st["corrupt"]) == ("ok", None, False)
    assert st["files_verified"] == len(meta["files"])


def test_swapped_chunk_texts_are_caught(s, kiwi):
    """Two chunk lines exchanged: same size, same count: only the checksum sees it."""
    path = gen(s) / "chunks.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3], lines[4] = lines[4], lines[3]
    path.write_text("".join(lines), encoding="utf-8")
    st = index_status(s)
    assert st["state"] == "corrupt" and st["file"] == str(path) and st["problem"] == "checksum mismatch"
    with pytest.raises(IndexDamaged) as e:
        load_index(s, kiwi=kiwi)
    assert str(e.value) == f"index damaged: {path} — {FIX} (checksum mismatch)"
    assert e.value.code == "index_damaged"


@pytest.mark.parametrize("how", ["truncate", "garbage", "delete"])
def test_damaged_chroma_sqlite(s, kiwi, how):
    db = gen(s) / "chroma" / "chroma.sqlite3"
    if how == "truncate":
        with open(db, "r+b") as f:
            f.truncate(db.stat().st_size // 3)
    elif how == "garbage":
        data = bytearray(db.read_bytes())
        data[100:4100] = b"\xff" * 4000
        db.write_bytes(bytes(data))
    else:
        db.unlink()
    st = index_status(s)
    assert st["state"] == "corrupt" and st["file"] == str(db)
    with pytest.raises(IndexDamaged) as e:
        load_index(s, kiwi=kiwi)
    assert str(e.value).startswith(f"index damaged: {db} — {FIX}") and e.value.code != "bad_input"


def test_chroma_failure_past_the_checksums_is_damage_not_a_traceback(s, kiwi, monkeypatch):
    """A store that verifies but cannot be opened (other Chroma version, a Rust panic)."""
    import index.vector as vector

    class PanicException(BaseException):       # what pyo3 raises: not an Exception
        pass

    def boom(**kw):
        raise PanicException("called `Result::unwrap()` on an `Err` value")

    monkeypatch.setattr(vector, "open_client", boom)
    assert vector.is_panic(PanicException())
    with pytest.raises(IndexDamaged) as e:
        load_index(s, kiwi=kiwi)
    assert "chroma.sqlite3" in str(e.value) and "PanicException" in str(e.value) and FIX in str(e.value)


def test_search_time_panic_is_index_damaged():
    from index.embed import HashEmbedder
    from index.vector import VectorIndex

    class PanicException(BaseException):
        pass

    class Store:
        def similarity_search_by_vector_with_relevance_scores(self, *a, **k):
            raise PanicException("boom")

    with pytest.raises(ReportError) as e:
        VectorIndex(Store(), HashEmbedder(), "c").search("질문", k=3)
    assert e.value.code == "index_damaged" and "index build --force" in str(e.value)


@pytest.mark.parametrize("bad", ["../outside", "/tmp/elsewhere", "chroma/../../..", ""])
def test_meta_paths_stay_inside(s, kiwi, tmp_path, bad):
    rewrite_meta(s, lambda m: m["chroma"].update(dir=bad))
    with pytest.raises(IndexDamaged) as e:
        load_index(s, kiwi=kiwi)
    assert "inside the index directory" in str(e.value) or "outside" in str(e.value)
    assert index_status(s)["state"] == "corrupt"
    assert not (Path(s.index_dir).parent / "outside").exists()


def test_file_list_paths_stay_inside(s, kiwi):
    rewrite_meta(s, lambda m: m["files"].update({"../../etc/passwd": {"sha256": "0" * 64, "bytes": 1}}))
    with pytest.raises(IndexDamaged, match="outside the index directory"):
        load_index(s, kiwi=kiwi)


@pytest.mark.parametrize("pointer", ['{"generation": "../ix2"}', '{"generation": "gen-1-2"}', "not json", ""])
def test_bad_pointer(s, kiwi, pointer):
    (Path(s.index_dir) / "CURRENT").write_text(pointer)
    with pytest.raises(IndexDamaged) as e:
        load_index(s, kiwi=kiwi)
    assert "CURRENT" in str(e.value) or "gen-1-2" in str(e.value)
    assert index_status(s)["state"] == "corrupt"


def test_edited_meta_is_caught_by_the_pointer_checksum(s, kiwi):
    g = gen(s)
    meta = json.loads((g / "meta.json").read_text())
    meta["chunks"] += 1
    (g / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(IndexDamaged, match="meta.json — run report-assistant index build --force"):
        load_index(s, kiwi=kiwi)


def test_read_only_commands_write_nothing_into_the_index(s, kiwi, monkeypatch):
    from typer.testing import CliRunner
    import typer
    from cli import indexcmd
    before = snapshot(Path(s.index_dir))
    idx = load_index(s, kiwi=kiwi)
    assert idx.search("누리 플랫폼", k=3) and idx.search("누리 플랫폼", k=3, mode="vector")
    index_status(s)
    app = typer.Typer()
    indexcmd.register(app)
    monkeypatch.setenv("REPORT_ASSISTANT_EMBED_MODEL", "hash")
    r = CliRunner().invoke(app, ["search", "누리 플랫폼", "--corpus", str(s.corpus_dir), "--index", str(s.index_dir)])
    assert r.exit_code == 0, r.output
    del idx
    assert snapshot(Path(s.index_dir)) == before


def test_interrupted_swap_keeps_the_old_index(s, kiwi, monkeypatch):
    old = gen(s).name

    def crash(*a, **k):
        raise OSError("power cut")

    monkeypatch.setattr(store, "_swap", crash)
    with pytest.raises(OSError):
        build_index(s, force=True, kiwi=kiwi)
    assert gen(s).name == old and [p.name for p in Path(s.index_dir).glob("gen-*")] == [old]
    assert load_index(s, kiwi=kiwi).search("누리 플랫폼", k=1)


def test_leftovers_of_a_killed_build_are_ignored_then_removed(s, kiwi):
    d = Path(s.index_dir)
    (d / "gen-999999-1").mkdir()                                   # a build killed mid-way
    (d / "gen-999999-1" / "chunks.jsonl").write_text("half")
    (d / ".CURRENT.tmp-999999-1").write_text('{"generation": "gen-999999-1"}')   # killed before the replace
    assert load_index(s, kiwi=kiwi).search("누리 플랫폼", k=1)
    assert index_status(s)["state"] == "ok"
    build_index(s, force=True, kiwi=kiwi)
    assert not (d / "gen-999999-1").exists() and not (d / ".CURRENT.tmp-999999-1").exists()


def test_rollback_to_the_previous_build(s, kiwi):
    first = gen(s).name
    build_index(s, force=True, kiwi=kiwi)
    second = gen(s).name
    r = rollback_index(s)
    assert (r["generation"], r["previous"], gen(s).name) == (first, second, first)
    assert load_index(s, kiwi=kiwi).search("누리 플랫폼", k=1)
    rollback_index(s)
    assert gen(s).name == second
    (Path(s.index_dir) / first / "chunks.jsonl").write_text("x")
    with pytest.raises(IndexDamaged, match="chunks.jsonl"):
        rollback_index(s)
    assert gen(s).name == second                                   # a damaged previous is not swapped in


def test_rollback_without_previous(s):
    with pytest.raises(ReportError, match="keeps no previous build"):
        rollback_index(s)


def test_damaged_current_is_rebuilt_not_skipped(s, kiwi):
    (gen(s) / "lexicon.json").write_text("{}")
    info = build_index(s, kiwi=kiwi)              # no --force: a damaged index is not "up to date"
    assert not info.skipped and index_status(s)["state"] == "ok"


def test_old_layout_names_the_rebuild(tmp_path, pristine):
    d = tmp_path / "old"
    d.mkdir()
    (d / "meta.json").write_text('{"format": 1}')
    s = Settings(corpus_dir=pristine.corpus_dir, index_dir=d, embed_model="hash")
    with pytest.raises(IndexMissing, match="format 1.*--force"):
        load_index(s)


def test_index_path_that_is_a_file(tmp_path, pristine):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ReportError, match="is a file"):
        build_index(Settings(corpus_dir=pristine.corpus_dir, index_dir=f, embed_model="hash"))


def test_cli_reports_damage_in_one_line(s, monkeypatch):
    import typer
    from typer.testing import CliRunner
    from cli import indexcmd
    app = typer.Typer()
    indexcmd.register(app)
    monkeypatch.setenv("REPORT_ASSISTANT_EMBED_MODEL", "hash")
    db = gen(s) / "chroma" / "chroma.sqlite3"
    size = db.stat().st_size
    db.write_bytes(db.read_bytes()[:1000])
    runner = CliRunner()
    args = ["--corpus", str(s.corpus_dir), "--index", str(s.index_dir)]
    r = runner.invoke(app, ["index", "status", *args])
    assert r.exit_code == 1 and "corrupt" in r.output and f"error: index damaged: {db} — {FIX}" in r.output
    r = runner.invoke(app, ["index", "status", *args, "--format", "json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["state"] == "corrupt"
    r = runner.invoke(app, ["search", "누리", *args])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip() == f"error: index damaged: {db} — {FIX} (size 1000 bytes, built as {size})"
