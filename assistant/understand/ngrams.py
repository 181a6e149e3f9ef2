"""Character n-gram similarity: the fallback when no sentence embedder loads.

    index = NgramIndex.fit(["사업 예산은?", "감사 지적 몇 건?"])
    index.similarities("사업예산얼마")   # cosine to every fitted text, shape (n,)

Texts are compared without whitespace (spacing in Korean is unreliable) and
with Latin lower-cased. Features are the character 2- and 3-grams of that
squashed text, weighted TF-IDF (sublinear tf, smoothed idf, as scikit-learn's
`TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True)`),
each row L2-normalised, so a similarity is a cosine in [0, 1]. Pure numpy: the
matrix is dense (a few hundred exemplars × a few thousand n-grams) and a query
only touches the columns of its own n-grams.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

NGRAM_RANGE = (2, 3)
MAX_CHARS = 2000          # a longer text is cut: the n-grams of a question live in its first sentences
_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    """Whitespace removed, Latin lower-cased, cut at MAX_CHARS."""
    return _WS.sub("", text).lower()[:MAX_CHARS]


def ngrams(text: str, lo: int = NGRAM_RANGE[0], hi: int = NGRAM_RANGE[1]) -> Counter:
    """Counts of the character n-grams (lo..hi) of the squashed text; a text shorter than `lo`
    contributes itself as one gram so that one-character questions still compare."""
    s = squash(text)
    out: Counter = Counter()
    if 0 < len(s) < lo:
        out[s] += 1
    for n in range(lo, hi + 1):
        for i in range(len(s) - n + 1):
            out[s[i:i + n]] += 1
    return out


@dataclass(frozen=True)
class NgramIndex:
    vocab: dict                      # n-gram -> column
    idf: np.ndarray                  # (v,) float32
    matrix: np.ndarray               # (v, n) float32: one row per n-gram, each text's column L2-normalised

    @classmethod
    def fit(cls, texts: Sequence[str]) -> "NgramIndex":
        counts = [ngrams(t) for t in texts]
        df: Counter = Counter()
        for c in counts:
            df.update(c.keys())
        vocab = {g: i for i, g in enumerate(sorted(df))}
        n = len(texts)
        dfs = np.fromiter((df[g] for g in vocab), dtype=np.float64, count=len(vocab))
        idf = (np.log((1 + n) / (1 + dfs)) + 1.0).astype(np.float32)
        rows, cols, tfs = [], [], []
        for r, c in enumerate(counts):
            for g, k in c.items():
                rows.append(r)
                cols.append(vocab[g])
                tfs.append(k)
        # stored by n-gram (v, n): a query reads the rows of its own n-grams only
        matrix = np.zeros((len(vocab), n), dtype=np.float32)
        if rows:
            rows_a, cols_a = np.asarray(rows), np.asarray(cols)
            vals = (1.0 + np.log(np.asarray(tfs, dtype=np.float64))) * idf[cols_a]
            norms = np.sqrt(np.bincount(rows_a, weights=vals * vals, minlength=n))
            matrix[cols_a, rows_a] = vals / np.where(norms == 0, 1, norms)[rows_a]
        return cls(vocab=vocab, idf=idf, matrix=matrix)

    def __len__(self) -> int:
        return self.matrix.shape[1]

    def similarities(self, text: str) -> np.ndarray:
        """Cosine of the text to every fitted row; all zeros when it shares no n-gram."""
        cols, weights, unseen = [], [], 0.0
        unseen_w = float(self.idf.max()) if len(self.idf) else 1.0
        for g, k in ngrams(text).items():
            j = self.vocab.get(g)
            if j is not None:
                cols.append(j)
                weights.append((1.0 + math.log(k)) * float(self.idf[j]))
            else:
                # the query's norm counts its unseen n-grams too (weighted with the largest idf),
                # so a long question sharing one n-gram is not a perfect match
                unseen += ((1.0 + math.log(k)) * unseen_w) ** 2
        if not cols:
            return np.zeros(len(self), dtype=np.float32)
        w = np.asarray(weights, dtype=np.float32)
        qnorm = math.sqrt(float(w @ w) + unseen)
        return (w @ self.matrix[cols]) / np.float32(qnorm or 1.0)
