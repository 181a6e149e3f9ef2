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

BULLET_START = tuple("○◦□")                  # a new statement
SUB_BULLETS = tuple("－-▸➠⇒⇨*※")            # a detail or note of the statement above it
MAX_UNIT_CHARS = 320
_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")
QUESTION_WORDS = {"얼마", "몇", "무엇", "뭐", "어디", "언제", "누구", "어떻", "어떤", "알리", "주", "하", "되", "있", "없",
                  "what", "how", "many", "much", "who", "when", "where", "which", "the", "is", "are", "does", "do",
                  "of", "a", "an", "in", "to", "it", "and", "have", "has", "was"}
ENTITY_WEIGHT = 0.35
ANSWER_TYPE_BONUS = 0.25
# what kind of figure a question asks for → the units a good answer carries
ANSWER_TYPES = [   # (question pattern, pattern a good answer matches, required?)
    (r"몇\s*개월|how many months", r"\d+\s*개월", True),
    (r"언제|몇\s*월|when", r"\d+\s*월|[’']\d\d|\d{4}\s*\.|\d+\.\s*\d+\.", True),
    (r"몇\s*명|how many people|인원", r"\d[\d,]*\s*여?명", True),
    (r"몇\s*(회|번|차례)|how many times", r"\d[\d,]*\s*(회|번|차)", True),
    (r"몇\s*건", r"\d[\d,]*\s*건|\d", True),
    (r"몇\s*(개|곳|군데|팀)|how many", r"\d[\d,]*\s*(여)?(개|곳|개소|팀|동|개구|개동)|\d", True),
    (r"몇\s*%|몇\s*퍼센트|비율|percent", r"\d[\d.]*\s*%", True),
    (r"얼마(?!나)|how much|금액", r"\d[\d,.]*\s*(원|만원|억|백만원|천원|㎡)", True),
    (r"어디가|어디서|어느\s*기관|누가|누구|who", r"사단법인|\(사\)|㈜|재단|법인|대학교|학회|협회|조합", False),
]
# everyday words for what the report writes otherwise (added to the question's terms)
SYNONYMS = {"달": "매월", "매달": "매월", "한달": "매월", "뽑": "선정", "뽑히": "선정", "사람": "명", "참가": "참여",
            "나가": "운영", "열리": "개최", "맡": "수탁", "위탁": "수탁", "늘": "확대 증가", "늘어나": "확대 증가", "바뀌": "완화", "들어가": "입주"}
# nouns that carry no content of their own (time, degree, reference)
GENERIC_NOUNS = {"지금", "현재", "정도", "올해", "작년", "내년", "이번", "관련", "경우", "부분", "내용", "사항", "규모", "상황",
                 "최근", "요즘", "얼마", "무엇", "어디", "누구", "언제", "동안", "이후", "이전", "당시", "전체", "총",
                 "사람", "분", "곳", "것", "거", "때", "얘기", "정보", "문의", "질문"}
# English question words to the report's Korean (format vocabulary for passages)
EN_KO = {"monthly": "매월", "month": "월", "allowance": "청년수당", "buildings": "건물 동", "building": "건물 동",
         "who runs": "수탁", "runs": "수탁 운영", "operated": "위탁 운영", "operator": "수탁기관",
         "consultations": "상담", "investigations": "조사", "youth": "청년", "people": "명", "how many": "개",
         "budget": "예산", "won": "원", "living wage": "생활임금", "wage": "임금", "workers": "근무자",
         "innovation park": "혁신파크", "audit": "감사", "finding": "지적사항", "human rights": "인권",
         "conflict": "갈등", "village": "마을", "community": "마을공동체", "participation": "참여",
         "residents": "입주", "tenants": "입주단체", "space": "공간", "centre": "센터", "center": "센터",
         "hub": "허브", "forum": "포럼", "education": "교육", "academy": "아카데미", "committee": "위원회",
         "paid": "지급", "salary": "월급", "regular": "정규직", "irregular": "비정규직"}


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
    units: list[Unit]          # in reading order
    best: Unit | None = None   # the statement that scored highest


def units_of(lines: list[str], start: int, end: int, doc: str) -> list[Unit]:
    """Statements of a span: a line starting with a bullet (○ ◦ □ ※) opens a
    unit; sub-bullets (－ - ▸) and wrapped lines continue it, up to a length."""
    out: list[Unit] = []
    cur: list[tuple[int, str]] = []
    for no in range(start, end + 1):
        s = clean_line(lines[no - 1])
        if not s:
            continue
        size = len(" ".join(t for _, t in cur))
        opens = s.startswith(BULLET_START) or (s.startswith(SUB_BULLETS) and size > MAX_UNIT_CHARS) or size > 2 * MAX_UNIT_CHARS
        if cur and opens:
            out.append(Unit(doc, cur[0][0], cur[-1][0], " ".join(t for _, t in cur)))
            cur = []
        cur.append((no, s))
    if cur:
        out.append(Unit(doc, cur[0][0], cur[-1][0], " ".join(t for _, t in cur)))
    return out


_SPACED_LABEL = re.compile(r"((?:[가-힣] ){1,5}[가-힣])(?=\s*:)")


def matchable(text: str) -> str:
    """Text for matching: letter-spaced labels closed up ('위 치 :' → '위치 :')."""
    return _SPACED_LABEL.sub(lambda m: m.group(1).replace(" ", ""), text)


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUM.findall(text)}


class PassageFinder:
    def __init__(self, corpus: Corpus, tokenize: Callable[[str], list[str]], threshold: float = 0.3, pos=None):
        self.corpus = corpus
        self.tokenize = tokenize
        self.pos = pos            # text -> tokens with .form/.tag (Kiwi), for nouns
        self.threshold = threshold
        df: Counter = Counter()
        n = 0
        self._tokens: dict[tuple[str, int, int], frozenset] = {}
        for d in corpus.documents:
            lines = corpus.lines[d.file]
            for u in units_of(lines, d.line_start, d.line_end, d.id):
                toks = frozenset(self.tokenize(matchable(u.text)))
                self._tokens[(u.doc, u.line_start, u.line_end)] = toks
                df.update(toks)
                n += 1
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self._default_idf = math.log(n + 1)

    def tokens_of(self, unit: Unit) -> frozenset:
        key = (unit.doc, unit.line_start, unit.line_end)
        toks = self._tokens.get(key)
        if toks is None:
            toks = frozenset(self.tokenize(matchable(unit.text)))
            if len(self._tokens) < 50_000:
                self._tokens[key] = toks
        return toks

    def idf(self, t: str) -> float:
        return self._idf.get(t, self._default_idf)

    @staticmethod
    def korean_keywords(question: str) -> str:
        """Korean words for an English question (the report's own vocabulary), for retrieval."""
        low = question.lower()
        return " ".join(ko for en, ko in EN_KO.items() if en in low)

    def query_terms(self, question: str, lang: str = "ko") -> list[str]:
        q = question
        low = question.lower()
        extra = [ko for en, ko in EN_KO.items() if en in low]
        if lang == "en":
            q = " ".join(extra)
        else:
            q = " ".join([q] + extra)
        toks = list(dict.fromkeys(self.tokenize(q)))
        toks += [w for t in list(toks) if t in SYNONYMS for w in SYNONYMS[t].split() if w not in toks]
        return [t for t in toks if t not in QUESTION_WORDS]

    def unknown_terms(self, question: str) -> list[str]:
        """Nouns of the question that appear nowhere in the reports."""
        nouns = self.nouns(question)
        return [t for t in nouns if t not in self._idf and len(t) >= 2 and not t.isdigit() and t not in GENERIC_NOUNS]

    def unanswerable_focus(self, question: str, entity: str) -> list[str]:
        """The words a question asks about besides the named programme, when
        none of them occurs anywhere in the reports ('…언제 개관해요?')."""
        ent = set(self.tokenize(entity)) | set(self.tokenize(entity.replace(" ", ""))) if entity else set()
        focus = [t for t in self.query_terms(question) if t not in ent and len(t) >= 2 and not t.isdigit()
                 and t not in GENERIC_NOUNS]
        return focus if focus and not any(t in self._idf for t in focus) else []

    def nouns(self, text: str) -> list[str]:
        """Nouns that name things (a noun made a verb by 하다/되다 is a predicate, not a thing)."""
        if self.pos is None:
            return []
        toks = list(self.pos(text))
        out = []
        for i, t in enumerate(toks):
            nxt = toks[i + 1].tag if i + 1 < len(toks) else ""
            if t.tag in ("NNG", "NNP") and not nxt.startswith(("XSV", "XSA")):
                out.append(t.form)
        return out

    def score(self, terms: list[str], qnums: set[str], unit: Unit, context: set[str] = frozenset(),
              entity: set[str] = frozenset(), answer_types: tuple = ()) -> float:
        """Share of the question's weight the unit carries (0 when it shares no
        word with the question: bonuses alone never make an answer). Words of a
        named programme only say where to look, so they weigh a third."""
        toks = self.tokens_of(unit)
        weight = {t: self.idf(t) * (ENTITY_WEIGHT if t in entity else 1.0) for t in terms}
        total = sum(weight.values()) or 1.0
        s = sum(w for t, w in weight.items() if t in toks) / total
        if s == 0:
            return 0.0
        if qnums and qnums & numbers(unit.text):
            s += 0.15
        if context and (context - set(terms)) & toks:
            s += 0.05
        if answer_types and any(re.search(rx, unit.text) for rx in answer_types):
            s += ANSWER_TYPE_BONUS
        return s

    def answer(self, question: str, hits: list, context_terms: str = "", max_units: int = 2, lang: str = "ko",
               entity: str = "", relative: float = 0.8, prior: dict | None = None) -> Extract | None:
        """`prior` adds a score per hit kind (e.g. {"audit_item": -0.1} when the
        question is not about audit findings)."""
        terms = self.query_terms(question, lang)
        context = set(self.query_terms(context_terms)) - set(terms) if context_terms else set()
        ent = set(self.tokenize(entity)) | set(self.tokenize(entity.replace(" ", ""))) if entity else set()
        if lang == "en":
            terms = list(dict.fromkeys(terms + sorted(context)))
            ent |= context
        if not terms:
            return None
        qnums = numbers(question)
        low = question.lower()
        kinds = [(rx, req) for ask, rx, req in ANSWER_TYPES if re.search(ask, low)][:1]
        answer_types = tuple(rx for rx, _ in kinds)
        required = tuple(rx for rx, req in kinds if req)
        scored: list[tuple[float, Unit, object]] = []
        for rank, h in enumerate(hits[:16]):
            d = self.corpus.doc(h.doc)
            for u in units_of(self.corpus.lines[d.file], h.line_start, h.line_end, h.doc):
                s = self.score(terms, qnums, u, context, ent, answer_types) + 0.04 / (rank + 1) \
                    + (prior or {}).get(getattr(h, "kind", ""), 0.0)
                scored.append((s, u, h))
        if not scored:
            return None
        if required:
            # '몇 명', '언제': only statements that carry such a figure can answer
            scored = [x for x in scored if any(re.search(rx, x[1].text) for rx in required)]
            if not scored:
                return None
        focus = {t for t in terms if t not in ent and len(t) >= 2 and t not in GENERIC_NOUNS}
        focus |= {w for t in focus for w in SYNONYMS.get(t, "").split()}
        if focus and lang == "ko":
            # the statement must say something about what is asked, not only name the programme
            scored = [x for x in scored if focus & self.tokens_of(x[1])]
            if not scored:
                return None
        scored.sort(key=lambda x: -x[0])
        best = scored[0][0]
        if best < self.threshold:
            return None
        picked = [scored[0]]
        top = scored[0][1]
        for s, u, h in scored[1:]:
            if len(picked) >= max_units:
                break
            if s >= max(self.threshold, relative * best) and all(u.line_start != p[1].line_start for p in picked):
                picked.append((s, u, h))
        picked.sort(key=lambda x: (x[1].doc, x[1].line_start))
        text = "\n".join(u.text for _, u, _ in picked)
        cites = [Citation(u.doc, getattr(h, "section", ""), u.line_start, u.line_end,
                          self.corpus.quote(u.doc, u.line_start, u.line_end)) for _, u, h in picked]
        return Extract(text, cites, best, [u for _, u, _ in picked], top)
