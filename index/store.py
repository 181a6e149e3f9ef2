"""Build, load and describe the retrieval index: atomic and content-hashed.

    info = build_index(settings)             # skipped when nothing changed
    idx = load_index(settings)               # HybridIndex; IndexMissing when absent or stale
    index_status(settings)                   # {"documents", "chunks", "model", "hash", "stale", ...}

Layout of ``settings.index_dir``::

    meta.json        key, corpus hash, versions, model, bm25 params, Chroma location
    chunks.jsonl     one Chunk per line (texts for display, metadata for filters)
    lexicon.json     user words and their parts (the tokenizer is rebuilt from it)
    bm25/            bm25s.BM25.save output
    chroma-<id>/     embedded Chroma (absent in server mode: the collection lives there)

A build writes a temporary directory beside ``index_dir`` and renames it into
place, so an interrupted build leaves the previous index working. Loading
never rebuilds: a missing, stale or corrupt index is an error naming the fix.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
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

FORMAT = 1
META = "meta.json"
CHUNKS = "chunks.jsonl"
BUILD_FIX = "run: report-assistant index build"
REBUILD_FIX = "run: report-assistant index build --force"
Progress = Callable[[str, int, int], None]


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

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- helpers

def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for pkg in ("bm25s", "kiwipiepy", "chromadb", "langchain-chroma", "sentence-transformers", "torch"):
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


def _clean_leftovers(index_dir: Path) -> None:
    """Remove temp/old directories of builds whose process is gone."""
    parent = index_dir.parent
    if not parent.exists():
        return
    pattern = re.compile(rf"^\.{re.escape(index_dir.name)}\.(?:tmp|old)-(\d+)-\d+$")
    for p in parent.glob(f".{index_dir.name}.*-*"):
        m = pattern.match(p.name)
        if not m:
            continue
        pid = int(m.group(1))
        if not _pid_alive(pid) or pid == os.getpid():
            shutil.rmtree(p, ignore_errors=True)


def read_meta(index_dir: Path) -> dict:
    index_dir = Path(index_dir)
    path = index_dir / META
    if not index_dir.exists() or not path.exists():
        raise IndexMissing(f"no index at {index_dir}", fix=BUILD_FIX)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        for k in ("format", "key", "corpus_hash", "model", "model_requested", "chunks", "vectors", "chroma"):
            meta[k]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ReportError(f"index at {index_dir} is corrupt: meta.json unreadable ({type(e).__name__})",
                          fix=REBUILD_FIX) from None
    if meta["format"] != FORMAT:
        raise IndexMissing(f"index at {index_dir} has format {meta['format']}, this version reads {FORMAT}",
                           fix=REBUILD_FIX)
    return meta


def _collection_name(index_dir: Path, build_id: str) -> str:
    h = hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:8]
    return f"ra-{h}-{build_id}"


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

def build_index(settings, corpus=None, force: bool = False, progress: Progress | None = None, *,
                embedder=None, kiwi=None, vectors: bool = True, embed_threads: int | None = None) -> BuildInfo:
    """Build (or skip) the index for ``settings``; atomic; returns what happened.
    ``embed_threads``: torch threads while embedding; None lets torch use every
    core (idle 2-core machine: 27 s build vs 35 s with 1 thread)."""
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
    if not force and (index_dir / META).exists():
        try:
            old = read_meta(index_dir)
            same_place = (old["chroma"].get("mode") == where["mode"]
                          and old["chroma"].get("url") == where.get("url"))
            complete = (index_dir / CHUNKS).exists() and (
                not vectors or where["mode"] == "server" or (index_dir / old["chroma"].get("dir", "")).is_dir())
            if old["key"] == key and same_place and complete:
                return BuildInfo(str(index_dir), True, "up to date (same corpus, parser, chunker and model)",
                                 [d["id"] for d in old.get("documents", [])], old["chunks"], old["model"],
                                 round(time.perf_counter() - t0, 3), dir_size(index_dir), key, timings)
        except ReportError:
            pass  # corrupt: rebuild, which is what was asked for

    index_dir.parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(index_dir)
    build_id = f"{os.getpid()}-{int(time.time() * 1000)}"
    tmp = index_dir.parent / f".{index_dir.name}.tmp-{build_id}"
    client = None
    collection = None
    if vectors and settings.chroma_url:          # an unreachable server fails before any slow work
        from .vector import open_client
        client = open_client(url=settings.chroma_url)
    tmp.mkdir()
    try:
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
            lex.save(tmp)
            timings["lexical"] = time.perf_counter() - t
            step("tokenize", len(chunks), len(chunks))
            return lex

        # Kiwi (C++) and torch both release the GIL: tokenise in a worker while this thread embeds
        model_name, dim, chroma_meta = "", 0, {"mode": "none"}
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lexical") as pool:
            lexical_job = pool.submit(lexical_side)
            if vectors:
                t = time.perf_counter()
                step("embed", 0, len(chunks))
                if embedder is None:
                    from .embed import load_embedder
                    embedder = load_embedder(settings.embed_model, threads=embed_threads)
                from .vector import VectorIndex, open_client
                if settings.chroma_url:
                    collection = _collection_name(index_dir, build_id)
                    chroma_meta = {"mode": "server", "url": settings.chroma_url, "collection": collection}
                else:
                    cdir = f"chroma-{build_id}"
                    client = open_client(path=tmp / cdir)
                    collection = "chunks"
                    chroma_meta = {"mode": "embedded", "dir": cdir, "collection": collection}
                vec = VectorIndex.create(client, collection, embedder)
                vec.add(chunks, progress=lambda d, n: step("embed", d, n))
                model_name, dim = embedder.name, embedder.dim
                timings["embed"] = time.perf_counter() - t
            lexical = lexical_job.result()

        with open(tmp / CHUNKS, "w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        per_doc = {}
        for c in chunks:
            per_doc[c.doc] = per_doc.get(c.doc, 0) + 1
        meta = {
            "format": FORMAT, "key": key, "corpus_hash": corpus.hash, "corpus_dir": str(settings.corpus_dir),
            "parser_version": PARSER_VERSION, "chunker_version": CHUNKER_VERSION,
            "model_requested": settings.embed_model, "model": model_name, "model_dim": dim,
            "query_prefix": getattr(embedder, "query_prefix", ""), "passage_prefix": getattr(embedder, "passage_prefix", ""),
            "vectors": vectors, "chroma": chroma_meta, "bm25": lexical.params(),
            "versions": _versions(),
            "documents": [{"id": d.id, "title": d.title, "kind": d.kind, "chunks": per_doc.get(d.id, 0)}
                          for d in corpus.documents],
            "chunks": len(chunks), "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        timings["total"] = time.perf_counter() - t0
        meta["build_seconds"] = round(timings["total"], 3)
        (tmp / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        if client is not None and chroma_meta["mode"] == "embedded":
            from .vector import close_client
            close_client(client)
        step("swap", 0, 1)
        previous = _swap(tmp, index_dir, build_id)
        if settings.chroma_url and previous and previous.get("chroma", {}).get("mode") == "server":
            _drop_collection(client, previous["chroma"].get("collection"), keep=collection)
        step("swap", 1, 1)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if client is not None and settings.chroma_url and collection:
            _drop_collection(client, collection, keep=None)
        raise
    return BuildInfo(str(index_dir), False, "built" if not force else "rebuilt (--force)",
                     [d.id for d in corpus.documents], len(chunks), model_name,
                     round(time.perf_counter() - t0, 3), dir_size(index_dir), key,
                     {k: round(v, 3) for k, v in timings.items()})


def _swap(tmp: Path, index_dir: Path, build_id: str) -> dict | None:
    """Rename tmp into place; returns the replaced index's meta (if any)."""
    previous = None
    old = None
    if index_dir.exists():
        try:
            previous = json.loads((index_dir / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None
        old = index_dir.parent / f".{index_dir.name}.old-{build_id}"
        os.rename(index_dir, old)
    os.rename(tmp, index_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return previous


def _drop_collection(client, name: str | None, keep: str | None) -> None:
    if client is None or not name or name == keep:
        return
    try:
        client.delete_collection(name)
    except Exception:  # noqa: BLE001 - already gone
        pass


# ---------------------------------------------------------------- load

def load_chunks(index_dir: Path) -> list[Chunk]:
    path = Path(index_dir) / CHUNKS
    try:
        with open(path, encoding="utf-8") as f:
            return [Chunk.from_dict(json.loads(line)) for line in f if line.strip()]
    except (OSError, ValueError, TypeError) as e:
        raise ReportError(f"index at {index_dir} is corrupt: {CHUNKS} unreadable ({type(e).__name__})",
                          fix=REBUILD_FIX) from None


def load_index(settings, *, corpus=None, embedder=None, kiwi=None, weights: tuple[float, float] | None = None,
               candidates: int = 50, query_threads: int | None = 1) -> HybridIndex:
    """Load everything once: corpus parse, chunks, BM25, Chroma, embedder.
    ``query_threads``: torch threads for query embedding (see embed.set_torch_threads)."""
    from .parser import parse_corpus
    index_dir = Path(settings.index_dir)
    meta = read_meta(index_dir)
    if corpus is None:
        corpus = parse_corpus(settings.corpus_dir)
    reason = _stale_reason(meta, corpus.hash, settings)
    if reason:
        raise IndexMissing(f"index at {index_dir} is stale: {reason}", fix=BUILD_FIX)
    chunks = load_chunks(index_dir)
    if len(chunks) != meta["chunks"]:
        raise ReportError(f"index at {index_dir} is corrupt: {len(chunks)} chunks, meta says {meta['chunks']}",
                          fix=REBUILD_FIX)
    client = None
    if meta["vectors"] and meta["chroma"].get("mode") == "server":     # unreachable: fail before slow work
        from .vector import open_client
        client = open_client(url=settings.chroma_url or meta["chroma"]["url"])
    try:
        lexical = LexicalIndex.load(index_dir, kiwi)
    except (OSError, ValueError, KeyError) as e:
        raise ReportError(f"index at {index_dir} is corrupt: lexical index unreadable ({type(e).__name__})",
                          fix=REBUILD_FIX) from None
    if lexical.size != len(chunks):
        raise ReportError(f"index at {index_dir} is corrupt: BM25 holds {lexical.size} chunks, expected {len(chunks)}",
                          fix=REBUILD_FIX)
    vector = None
    if meta["vectors"]:
        from .embed import load_embedder
        from .vector import VectorIndex, open_client
        if embedder is None:
            embedder = load_embedder(meta["model"], allow_fallback=False, threads=query_threads)
        if embedder.name != meta["model"]:
            raise ReportError(f"index at {index_dir} was embedded with '{meta['model']}', not '{embedder.name}'",
                              fix=REBUILD_FIX)
        ch = meta["chroma"]
        if ch.get("mode") != "server":
            cdir = index_dir / ch.get("dir", "")
            if not ch.get("dir") or not cdir.is_dir():
                raise ReportError(f"index at {index_dir} is corrupt: vector store {cdir.name or '?'} missing",
                                  fix=REBUILD_FIX)
            client = open_client(path=cdir)
        vector = VectorIndex.open(client, ch["collection"], embedder)
        try:
            n = vector.count()
        except Exception as e:  # noqa: BLE001
            raise ReportError(f"index at {index_dir}: vector store unreadable ({type(e).__name__})",
                              fix=REBUILD_FIX) from None
        if n != len(chunks):
            raise ReportError(f"index at {index_dir} is corrupt: {n} vectors for {len(chunks)} chunks", fix=REBUILD_FIX)
    w = weights or default_weights(meta["model"])
    lexical.tokenizer.tokenize("색인 준비")           # Kiwi builds its user-word tables on first use (~3 s)
    if vector is not None:
        vector.embedder.embed_query("색인 준비")
        vector.embedder.clear_cache()
    return HybridIndex(chunks, lexical, vector, weights=(float(w[0]), float(w[1])), quote=corpus.quote,
                       info=meta, candidates=candidates)


def index_status(settings) -> dict:
    """What is built where, and whether it is stale. Reads no model."""
    from .parser import parse_corpus
    index_dir = Path(settings.index_dir)
    meta = read_meta(index_dir)
    try:
        current = parse_corpus(settings.corpus_dir).hash
        reason = _stale_reason(meta, current, settings)
    except ReportError as e:
        current, reason = None, f"corpus unreadable: {e}"
    return {
        "index_dir": str(index_dir),
        "documents": [d["id"] for d in meta.get("documents", [])],
        "chunks": meta["chunks"],
        "model": meta["model"],
        "model_requested": meta["model_requested"],
        "hash": meta["corpus_hash"],
        "corpus_hash_now": current,
        "built_at": meta.get("built_at"),
        "build_seconds": meta.get("build_seconds"),
        "size_bytes": dir_size(index_dir),
        "chroma": meta["chroma"],
        "stale": bool(reason),
        "stale_reason": reason,
    }
