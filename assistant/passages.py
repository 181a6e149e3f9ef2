"""Passages: hybrid retrieval, then an extractive answer — the best sentences
of the top chunks, scored on the words and numbers they share with the
question — or 'the reports don't say' when nothing scores high enough."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from index.parser import Corpus
from index.text import clean_line

from .answer import Citation

BULLET_START = tuple("○◦□－-※*▸➠⇒⇨")
_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")
QUESTION_WORDS = {"얼마", "몇", "무엇", "뭐", "어디", "언제", "누구", "어떻", "어떤", "알리", "주", "하", "되", "있", "없",
                  "what", "how", "many", "much", "who", "when", "where", "which", "the", "is", "are", "does", "do",
                  "of", "a", "an", "in", "to", "it", "and", "have", "has", "was"}
# English question words to the report's Korean (format vocabulary for passages)
EN_KO = {"monthly": "매월", "month": "월", "allowance": "청년수당", "buildings": "동", "building": "동",
         "who runs": "수탁", "runs": "수탁 운영", "operated": "위탁 운영", "operator": "수탁기관",
         "consultations": "상담", "investigations": "조사", "youth": "청년", "people": "명", "how many": "개",
         "budget": "예산", "won": "원"}


@dataclass(frozen=True)
class Unit:
    doc: str
    line_start: int
    line_end: int
    text: str


@dataclass
class Extract:
    text: str
    citations: list[Citation]
    score: float
    units: list[Unit]


def units_of(lines: list[str], start: int, end: int, doc: str) -> list[Unit]:
    """Bullet items of a span: a line starting with a bullet opens a unit,
    other lines continue it."""
    out: list[Unit] = []
    cur: list[tuple[int, str]] = []
    for no in range(start, end + 1):
        s = clean_line(lines[no - 1])
        if not s:
            continue
        if cur and (s.startswith(BULLET_START) or len(" ".join(t for _, t in cur)) > 240):
            out.append(Unit(doc, cur[0][0], cur[-1][0], " ".join(t for _, t in cur)))
            cur = []
        cur.append((no, s))
    if cur:
        out.append(Unit(doc, cur[0][0], cur[-1][0], " ".join(t for _, t in cur)))
    return out


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUM.findall(text)}


class PassageFinder:
    def __init__(self, corpus: Corpus, tokenize: Callable[[str], list[str]], threshold: float = 0.5):
        self.corpus = corpus
        self.tokenize = tokenize
        self.threshold = threshold
        df: Counter = Counter()
        n = 0
        for d in corpus.documents:
            lines = corpus.lines[d.file]
            for u in units_of(lines, d.line_start, d.line_end, d.id):
                df.update(set(self.tokenize(u.text)))
                n += 1
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self._default_idf = math.log(n + 1)

    def idf(self, t: str) -> float:
        return self._idf.get(t, self._default_idf)

    def query_terms(self, question: str) -> list[str]:
        q = question
        low = question.lower()
        for en, ko in EN_KO.items():
            if en in low:
                q += " " + ko
        return [t for t in dict.fromkeys(self.tokenize(q)) if t not in QUESTION_WORDS and len(t) > 0]

    def unknown_terms(self, question: str) -> list[str]:
        """Content words of the question that appear nowhere in the reports."""
        return [t for t in self.query_terms(question) if t not in self._idf and not t.isdigit() and len(t) >= 2]

    def score(self, terms: list[str], qnums: set[str], unit: Unit) -> float:
        toks = set(self.tokenize(unit.text))
        total = sum(self.idf(t) for t in terms) or 1.0
        got = sum(self.idf(t) for t in terms if t in toks)
        s = got / total
        if qnums and qnums & numbers(unit.text):
            s += 0.15
        return s

    def answer(self, question: str, hits: list, context_terms: str = "", max_units: int = 2) -> Extract | None:
        terms = self.query_terms(question + " " + context_terms)
        if not terms:
            return None
        qnums = numbers(question)
        scored: list[tuple[float, Unit, object]] = []
        for rank, h in enumerate(hits[:5]):
            d = self.corpus.doc(h.doc)
            for u in units_of(self.corpus.lines[d.file], h.line_start, h.line_end, h.doc):
                s = self.score(terms, qnums, u) + 0.04 / (rank + 1)
                scored.append((s, u, h))
        if not scored:
            return None
        scored.sort(key=lambda x: -x[0])
        best = scored[0][0]
        if best < self.threshold:
            return None
        picked = [scored[0]]
        for s, u, h in scored[1:]:
            if len(picked) >= max_units:
                break
            if s >= max(self.threshold, 0.75 * best) and all(u.line_start != p[1].line_start for p in picked):
                picked.append((s, u, h))
        picked.sort(key=lambda x: (x[1].doc, x[1].line_start))
        text = "\n".join(u.text for _, u, _ in picked)
        cites = [Citation(u.doc, getattr(h, "section", ""), u.line_start, u.line_end,
                          self.corpus.quote(u.doc, u.line_start, u.line_end)) for _, u, h in picked]
        return Extract(text, cites, best, [u for _, u, _ in picked])
