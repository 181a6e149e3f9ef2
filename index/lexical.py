"""Lexical retrieval: Kiwi morphemes + BM25 (bm25s).

    kiwi = Kiwi()                                   # once per process (slow: ~2-4 s)
    lexicon = Lexicon.from_names(names_from_corpus(corpus), kiwi)
    tok = KiwiTokenizer(kiwi, lexicon)
    lex = LexicalIndex.build([c.index_text for c in chunks], tok)
    lex.search("청년수당은 한 달에 얼마", k=5)        # Ranked([(chunk_idx, score), ...], reason="")

Only content morphemes are indexed (nouns, verb/adjective stems, roots,
foreign words lower-cased, numbers, hanja). Numbers lose their thousands
separators (1,234 == 1234) and 천원/만원/억원 stay tokens. Programme and
department names become user words so a compound matches whole and in parts.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

LEXICON_FILE = "lexicon.json"
BM25_DIR = "bm25"
CONTENT_PREFIXES = ("NNG", "NNP", "NNB", "NR", "VV", "VA", "XR", "SL", "SN", "SH")
# bound nouns and light verbs that carry no topic
STOP_FORMS = {"것", "수", "등", "때", "중", "데", "바", "듯", "뿐", "측", "하", "되", "있", "없", "않", "같",
              "어떻", "그렇", "이렇", "저렇"}
# single syllables Kiwi sometimes tags as nouns when they stand alone: particles
PARTICLE_FORMS = {"은", "는", "이", "가", "을", "를", "의", "에", "와", "과", "도", "만", "로", "요", "께", "야",
                  "나", "고", "서", "며", "랑"}
PARTICLES = ("은", "는", "이", "가", "을", "를", "의", "에", "에서", "에게", "께", "께서", "와", "과", "도", "만",
             "로", "으로", "부터", "까지", "요", "이나", "나", "랑", "이랑", "하고", "처럼", "보다", "한테", "야", "아",
             "여", "이여", "든지", "마저", "조차", "밖에", "뿐", "서", "이며", "며", "고")
UNITS = {"천": "천원", "만": "만원", "억": "억원", "조": "조원"}
# adverbs worth indexing (Kiwi tags them MAG) and everyday words for the report's terms
KEEP_ADVERBS = {"매월", "매년", "매일", "매주", "연간"}
SYNONYMS = {"달": ("매월",), "매달": ("매월",), "인원": ("현원", "정원"), "직원": ("현원", "정원"),
            "군데": ("개소",), "곳": ("개소",), "협약": ("mou",), "mou": ("협약",)}
_NUMBER_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_WORD = re.compile(r"[\w]+")
_NAME_PART = re.compile(r"[\uac00-\ud7a3]{2,20}")

# A small English→Korean glossary of this domain's vocabulary, used only to
# expand English query words (the fallback embedding model cannot match
# English questions to Korean text). Extend it in one place.
GLOSSARY = {
    "youth": "청년", "young": "청년", "allowance": "청년수당", "monthly": "매월", "month": "월",
    "innovation": "혁신", "park": "파크", "building": "건물 동", "buildings": "건물 동",
    "human": "인권", "rights": "인권", "violation": "침해", "violations": "침해", "consultation": "상담",
    "consultations": "상담", "counseling": "상담", "hub": "허브", "operates": "운영 위탁", "operate": "운영",
    "citizen": "시민", "citizens": "시민", "proposal": "제안", "proposals": "제안", "conflict": "갈등",
    "impact": "영향", "analysis": "분석", "construction": "공사", "public": "공공", "staff": "정원 현원 인력",
    "authorized": "정원", "current": "현원", "division": "담당관", "divisions": "담당관", "bureau": "기획관",
    "workers": "근무자", "worker": "근무자", "living": "생활", "wage": "임금", "audit": "감사",
    "finding": "지적사항", "findings": "처리요구사항 총괄", "review": "검토중", "nonprofit": "비영리민간단체",
    "groups": "단체", "selected": "선정", "grant": "지원 공모", "grants": "지원 공모", "interest": "공익",
    "activity": "활동", "zero": "무중력", "gravity": "무중력", "zone": "지대", "spaces": "공간", "space": "공간",
    "budget": "예산", "execution": "집행", "rate": "집행률", "spent": "지출", "spending": "지출",
    "completed": "완료", "total": "총괄 총", "department": "담당관", "village": "마을", "community": "공동체",
    "governance": "협치", "sharing": "공유", "participatory": "참여예산", "education": "교육",
    "conference": "컨퍼런스", "committee": "위원회", "center": "센터", "centre": "센터", "support": "지원", "seoul": "서울",
    "volunteer": "자원봉사", "half": "상반기 하반기", "agreement": "협약", "loan": "대출", "student": "학자금", "interest-free": "이자지원", "debt": "부채",
}


def normalize_query_text(text: str) -> str:
    """NFC, ideographic spaces to spaces, thousands separators removed."""
    text = unicodedata.normalize("NFC", text).replace("\u3000", " ")
    return _NUMBER_COMMA.sub("", text)


def is_particles_only(text: str) -> bool:
    """True when every word is punctuation or a run of particles ('은는이가', '에서 으로')."""
    words = _WORD.findall(text)
    return all(_is_particle_run(w) for w in words)


def _is_particle_run(word: str) -> bool:
    ok = [True] + [False] * len(word)
    for i in range(len(word)):
        if ok[i]:
            for p in PARTICLES:
                if word.startswith(p, i):
                    ok[i + len(p)] = True
    return ok[len(word)]


@dataclass
class Lexicon:
    """User words (programme and department names, spaces removed, and their
    words) and, for each, the parts it is also indexed under."""
    words: list[str] = field(default_factory=list)
    parts: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_names(cls, names: list[str], kiwi) -> "Lexicon":
        """Words from raw names; adds them to ``kiwi`` as user words and asks it,
        with each word blocked in turn, for the parts the word is made of."""
        from kiwipiepy import MorphemeSet
        words: list[str] = []
        for name in names:
            pieces = _NAME_PART.findall(unicodedata.normalize("NFC", name))
            cands = ["".join(pieces)] + pieces if len(pieces) > 1 else pieces
            for w in cands:
                if 2 <= len(w) <= 30 and w not in words:
                    words.append(w)
        for w in words:
            kiwi.add_user_word(w, "NNP")
        direct: dict[str, list[str]] = {}
        for w in words:
            if len(w) < 4:
                continue
            block = MorphemeSet(kiwi, [(w, "NNG"), (w, "NNP")])
            toks = [t.form for t in kiwi.tokenize(w, blocklist=block) if t.tag.startswith(CONTENT_PREFIXES)]
            sub = [t for t in toks if t != w and len(t) >= 2]
            if sub:
                direct[w] = sub

        def flat(w: str, depth: int = 0) -> list[str]:
            out: list[str] = []
            for p in direct.get(w, []):
                out.append(p)
                if depth < 3:
                    out.extend(flat(p, depth + 1))
            return out

        parts = {w: list(dict.fromkeys(flat(w))) for w in direct}
        return cls(words, parts)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"words": self.words, "parts": self.parts}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Lexicon":
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(list(d["words"]), {k: list(v) for k, v in d["parts"].items()})


def names_from_corpus(corpus) -> list[str]:
    """Programme and department names of a parsed corpus, in first-seen order."""
    names: list[str] = []
    for s in corpus.sections:
        if s.kind == "program" and s.program:
            names.append(s.program)
    for r in corpus.budget:
        if r.level in ("program", "sub-item", "department"):
            names.append(r.program)
        if r.department:
            names.append(r.department)
    names += [o.department for o in corpus.org if o.department != "계"]
    for a in corpus.audit:
        names.extend(a.departments)
    seen, out = set(), []
    for n in names:
        if n and n not in seen:
            seen.add(n)
            out.append(n)
    return out


class KiwiTokenizer:
    """Content morphemes of Korean text. Takes a built ``kiwipiepy.Kiwi``; adds
    the lexicon's user words to it (so give each index its own Kiwi)."""

    def __init__(self, kiwi, lexicon: Lexicon | None = None, *, expand: bool = True):
        self.kiwi = kiwi
        self.lexicon = lexicon or Lexicon()
        self.expand = expand          # synonyms and the English glossary on queries
        for w in self.lexicon.words:
            kiwi.add_user_word(w, "NNP")

    @classmethod
    def create(cls, lexicon: Lexicon | None = None) -> "KiwiTokenizer":
        from kiwipiepy import Kiwi
        return cls(Kiwi(), lexicon)

    def _content(self, tokens) -> list[str]:
        out: list[str] = []
        prev = None
        for t in tokens:
            tag, form = t.tag, t.form
            if tag == "NNB" and form == "원" and prev is not None and prev.tag == "NR" and prev.form in UNITS:
                out.append(UNITS[prev.form])
            elif tag.startswith(CONTENT_PREFIXES) and not (tag == "NR" and form in UNITS):
                if tag == "SL":
                    form = form.lower()
                elif tag == "SN":
                    form = form.replace(",", "").rstrip(".")
                if form and form not in STOP_FORMS and not (len(form) == 1 and form in PARTICLE_FORMS):
                    out.append(form)
                    out.extend(self.lexicon.parts.get(form, ()))
            elif tag == "MAG" and form in KEEP_ADVERBS:
                out.append(form)
            elif tag == "W_SERIAL":
                out.append(form.rstrip("."))
            prev = t
        return out

    def tokenize(self, text: str) -> list[str]:
        return self._content(self.kiwi.tokenize(normalize_query_text(text)))

    def tokenize_many(self, texts: list[str]) -> list[list[str]]:
        return [self._content(toks) for toks in self.kiwi.tokenize([normalize_query_text(t) for t in texts])]

    def query_tokens(self, text: str) -> list[str]:
        """Tokens of a query: the text's own, plus glossary expansions of English words."""
        toks = self.tokenize(text)
        if not self.expand:
            return toks
        extra: list[str] = [s for t in toks for s in SYNONYMS.get(t, ())]
        for w in re.findall(r"[A-Za-z][A-Za-z\-]+", text):
            ko = GLOSSARY.get(w.lower())
            if ko:
                extra.extend(self.tokenize(ko))
        return toks + extra


class Ranked(list):
    """A list of (chunk_idx, score), best first, with why it is empty when it is."""

    def __init__(self, items=(), reason: str = ""):
        super().__init__(items)
        self.reason = reason


class LexicalIndex:
    """BM25 over pre-tokenised chunks. Scores every chunk, then masks and ranks."""

    def __init__(self, bm25, tokenizer: KiwiTokenizer):
        self.bm25 = bm25
        self.tokenizer = tokenizer

    @property
    def size(self) -> int:
        return int(self.bm25.scores["num_docs"])

    @classmethod
    def build(cls, texts: list[str], tokenizer: KiwiTokenizer, *, k1: float = 0.9, b: float = 0.4,
              method: str = "lucene", corpus_tokens: list[list[str]] | None = None) -> "LexicalIndex":
        import bm25s
        tokens = corpus_tokens if corpus_tokens is not None else tokenizer.tokenize_many(texts)
        bm25 = bm25s.BM25(k1=k1, b=b, method=method)
        bm25.index(tokens, show_progress=False)
        return cls(bm25, tokenizer)

    def params(self) -> dict:
        return {"k1": self.bm25.k1, "b": self.bm25.b, "method": self.bm25.method, "num_docs": self.size,
                "vocab": len(self.bm25.vocab_dict)}

    def scores(self, tokens: list[str]) -> np.ndarray:
        ids = self.bm25.get_tokens_ids(tokens)
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return self.bm25.get_scores_from_ids(ids)

    def search(self, query: str, k: int = 10, mask: np.ndarray | None = None) -> Ranked:
        tokens = self.tokenizer.query_tokens(query)
        if not tokens:
            return Ranked(reason="the query has no searchable words (only particles, endings or punctuation)")
        return self.search_tokens(tokens, k, mask)

    def search_tokens(self, tokens: list[str], k: int = 10, mask: np.ndarray | None = None) -> Ranked:
        if not self.bm25.get_tokens_ids(tokens):
            return Ranked(reason="no word of the query occurs in the indexed reports")
        s = self.scores(tokens)
        if mask is not None:
            s = np.where(mask, s, 0.0)
        n = min(k, self.size)
        if n <= 0:
            return Ranked(reason="the index is empty")
        top = np.argpartition(-s, n - 1)[:n]
        top = top[np.lexsort((top, -s[top]))]        # by score, ties by chunk order
        items = [(int(i), float(s[i])) for i in top if s[i] > 0]
        return Ranked(items, "" if items else "no chunk matching the filters contains a word of the query")

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(directory / BM25_DIR), show_progress=False)
        self.tokenizer.lexicon.save(directory / LEXICON_FILE)

    @classmethod
    def load(cls, directory: Path, kiwi=None) -> "LexicalIndex":
        import bm25s
        directory = Path(directory)
        lexicon = Lexicon.load(directory / LEXICON_FILE)
        tokenizer = KiwiTokenizer(kiwi, lexicon) if kiwi is not None else KiwiTokenizer.create(lexicon)
        bm25 = bm25s.BM25.load(str(directory / BM25_DIR), mmap=False, load_corpus=False, show_progress=False)
        return cls(bm25, tokenizer)
