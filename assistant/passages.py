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
from index.text import clean_line, squash

from .answer import Citation
from .fmt import josa

BULLET_START = tuple("○◦□")                  # a new statement
SUB_BULLETS = tuple("－-▸➠⇒⇨*※")            # a detail or note of the statement above it
MAX_UNIT_CHARS = 320
MAX_QUESTION_CHARS = 1000     # longer input is cut (as the hybrid search cuts its query)
TABLE_HEAD = re.compile(r"^※\s*예산\s*집행|\(단위\s*:")   # a budget table starts its own unit, never a statement's tail
_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")
QUESTION_WORDS = {"얼마", "몇", "무엇", "뭐", "어디", "언제", "누구", "어떻", "어떤", "알리", "주", "하", "되", "있", "없",
                  "what", "how", "many", "much", "who", "when", "where", "which", "the", "is", "are", "does", "do",
                  "of", "a", "an", "in", "to", "it", "and", "have", "has", "was"}
ENTITY_WEIGHT = 0.35
HEADING_WEIGHT = 0.5
_CHANGE_ASK = re.compile(r"늘어|늘었|늘려|늘리|증가|확대|줄어|줄었|감소|축소|바뀌|변화|달라|increase|grow|rise|change|decrease")
_CHANGE_SHOWN = re.compile(r"\d[^⇒→\n]{0,14}(?:⇒|→|->|➜)\s*\(?[’'‘]?\d")
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
            "나가": "운영", "열리": "개최", "맡": "수탁", "위탁": "수탁", "늘": "확대 증가 확충", "늘어나": "확대 증가 확충", "바뀌": "완화", "들어가": "입주"}
# nouns that carry no content of their own (time, degree, reference)
GENERIC_NOUNS = {"지금", "현재", "정도", "올해", "작년", "내년", "이번", "관련", "경우", "부분", "내용", "사항", "규모", "상황",
                 "최근", "최신", "요즘", "얼마", "무엇", "어디", "누구", "언제", "동안", "이후", "이전", "당시", "전체", "총",
                 "사람", "분", "곳", "것", "거", "때", "얘기", "정보", "문의", "질문"}
# words of a question that ask, not name a fact (never "missing from the reports")
FUNCTION_NOUNS = {"날짜", "다음", "나중", "언제", "언제까지", "이번", "지난", "최대", "최소", "마지막", "처음", "결과", "결론", "누적", "상태",
                  "현황", "시기", "일정", "주소", "링크", "위치", "기관", "기간", "이름", "명칭", "숫자", "수치", "개수", "건수",
                  "횟수", "인원", "금액", "비율", "몇", "총", "합계", "차이", "변화", "이유", "목적", "방법", "계획",
                  "어디", "누구", "무엇", "뭐", "얼마", "정도", "사람", "분", "팀", "곳", "연령", "나이", "범위", "종류",
                  "대상", "제일", "가장", "며칠", "몇일", "몇시"}
# asked with an organisation type ('어느 기관이 운영해?'), the verb of running is how 'who' is put:
# a statement may print any of them ('…진흥원 주관', '…컨소시엄 수탁운영')
RUNNING_VERBS = {"운영", "주관", "주최", "수탁", "위탁", "수행", "담당", "맡"}
NOUN_SUFFIXES = set("액금비률율수자명량별간들일")       # '…일': the date of a thing the reports name
TIME_COUNTERS = {"년", "월", "일", "분기", "반기", "주"}       # the counters of a date a time relation follows
RATE_SUFFIXES = set("률율")
MISSING_SHARE_DECIDES = 6  # an absent noun refuses only when it is at least 1 in 6 of the question's content nouns
READING_MARGIN = 5.0      # log-score within which another analysis of the question is a close reading


_TENSE = {1: 0, 4: 3, 8: 7, 10: 9, 13: 12}        # ㄲ→ㄱ ㄸ→ㄷ ㅃ→ㅂ ㅆ→ㅅ ㅉ→ㅈ (initial consonant indices)


def _untense(word: str) -> str:
    out = []
    for ch in word:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            lead, rest = divmod(code, 588)
            ch = chr(0xAC00 + _TENSE.get(lead, lead) * 588 + rest)
        out.append(ch)
    return "".join(out)


_PLAIN_FUNCTION = {_untense(w) for w in FUNCTION_NOUNS}      # '날자' is '날짜' typed plain


_PLACE_SUFFIX = set("구동시군")
ADDRESS_WORDS = r"(?:주소|url|링크)"        # the words that ask an address (answer_type's '주소' counter)


def _holds(tokens: frozenset, term: str) -> bool:
    """The term is one of the tokens, or (three letters or more) part of a longer compound token:
    a question's '<파크>' is in a title's '<서울…파크>'; a two-letter place is in its district's
    name ('<강남>' in '<강남>구')."""
    if term in tokens:
        return True
    if len(term) >= 3:
        return any(term in t for t in tokens if len(t) > len(term))
    return len(term) == 2 and any(term + c in tokens for c in _PLACE_SUFFIX)


def _in_compounds(tokens: frozenset, terms: list[str]) -> set[str]:
    """Terms of the question the unit holds inside one compound token with the term beside them:
    the question's '공구 / 대여 / 소' are the report's one token '공구대여소' where the tagger kept the
    compound whole there and split it in the question."""
    out = set()
    long = [t for t in tokens if len(t) >= 3]
    if not long:
        return out
    for a, b in zip(terms, terms[1:]):
        pair = a + b
        if len(pair) >= 3 and not pair.isdigit() and any(pair in t for t in long):
            out.update((a, b))
    return out


def _adjacent(a, b) -> bool:
    """Two tokens written without a space between them (unknown offsets: assume so)."""
    start, length = getattr(a, "start", None), getattr(a, "len", None)
    return start is None or length is None or getattr(b, "start", start + length) == start + length
# asks the reports never answer, unless the text shows such a value somewhere: (ask, evidence, name)
REFUSE_ASKS = (
    (r"전화번호|연락처|팩스|이메일|e-?mail|phone|contactnumber", r"\d{2,4}-\d{3,4}-\d{4}|@[a-z]", "연락처"),
    (r"운영시간|개방시간|이용시간|영업시간|몇시(?:부터|까지|에)|openinghours|whattime", r"\d{1,2}:\d{2}|\d{1,2}시[~∼-]", "운영 시간"),
    # an opinion of the assistant's own: the reports hold none
    (r"(?:있다고|없다고|좋다고|나쁘다고|필요하다고|맞다고|성공했다고|실패했다고)(?:보세요|봐요|보나요|봐|보니|생각하세요|생각해|생각하나요)|"
     r"어떻게생각|의견은어때|doyouthink|inyouropinion|yourprediction|predict|예측해|전망은", r"(?!)", "의견"),
    # a prediction beyond the reports ('내년에 더 늘어날까?'); the plans they print are asked otherwise
    (r"(?:내년|내후년|앞으로|다음해|nextyear).*(?:날까|들까|를까|을까|될까|할까|겠어|겠냐|겠니|[것거]같|듯|willit|willthe|likelyto)"
     r"|(?:^|[^a-z])will(?:it|the|they|there).*(?:nextyear|inthefuture|infuture)",
     r"(?!)", "예측"),
    (r"(?:위원장|센터장|대표|이사장|원장|단장|담당자|기획관장|기획관|국장|과장|시장|담당관)\)?(?:이|은|는|의)?(?:누구|이름|성함)|"
     r"whoisthe(?:head|director|chair)|nameofthe(?:head|director|chair)",
     r"(?:위원장|센터장|대표|이사장|원장|단장)[가-힣]{3}(?:[,)]|$)", "사람 이름"),
)
# English question words to the report's Korean (format vocabulary for passages)
EN_KO = {"monthly": "매월", "month": "월", "allowance": "청년수당", "buildings": "건물 동", "building": "건물 동",
         "who runs": "수탁", "runs": "수탁 운영", "operated": "위탁 운영", "operator": "수탁기관",
         "consultations": "상담", "investigations": "조사", "youth": "청년", "people": "명", "how many": "개",
         "budget": "예산", "won": "원", "living wage": "생활임금", "wage": "임금", "workers": "근무자",
         "innovation park": "혁신파크", "audit": "감사", "finding": "지적사항", "human rights": "인권",
         "conflict": "갈등", "village": "마을", "community": "마을공동체", "participation": "참여",
         "residents": "입주", "tenants": "입주단체", "space": "공간", "centre": "센터", "center": "센터",
         "hub": "허브", "forum": "포럼", "education": "교육", "academy": "아카데미", "committee": "위원회",
         "paid": "지급", "salary": "월급", "regular": "정규직", "irregular": "비정규직",
         "conference": "컨퍼런스", "festival": "페스티벌", "plaque": "동판", "marker": "동판", "installed": "설치",
         "counselling": "상담", "counseling": "상담", "investigation": "조사", "agreement": "협약", "signed": "체결",
         "scheduled": "예정", "minutes": "회의록", "unsigned": "서명",
         "committees": "위원회", "survey": "조사", "contract": "위탁", "operator of": "수탁기관"}


def _en_stem(word: str) -> str:
    """'signed', 'signing', 'signs' → 'sign' (enough to meet a glossary word in any of its forms)."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def glossary_words(question: str) -> list[str]:
    """The glossary's Korean words for an English question: a phrase key found in it, a one-word key
    in any of its forms ('sign' / 'signed' / 'signing' meet the key 'signed')."""
    low = question.lower()
    stems = {_en_stem(w) for w in re.findall(r"[a-z]+", low)}
    return [ko for en, ko in EN_KO.items() if en in low or (" " not in en and _en_stem(en) in stems)]


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
    note: str = ""             # what the report gives instead, when no statement holds the type asked for
    computed: str = ""         # arithmetic over the chosen statement, shown


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
        opens = s.startswith(BULLET_START) or (s.startswith(SUB_BULLETS) and size > MAX_UNIT_CHARS) \
            or size > 2 * MAX_UNIT_CHARS or TABLE_HEAD.search(s) is not None
        if cur and opens:
            out.append(Unit(doc, cur[0][0], cur[-1][0], " ".join(t for _, t in cur)))
            cur = []
        cur.append((no, s))
    if cur:
        out.append(Unit(doc, cur[0][0], cur[-1][0], " ".join(t for _, t in cur)))
    return out


_SPACED_LABEL = re.compile(r"((?:[가-힣] ){1,5}[가-힣])(?=\s*:)")


_GLUED_COUNT = re.compile(r"(?<=[가-힣])\((?=\d)")


def matchable(text: str) -> str:
    """Text for matching: letter-spaced labels closed up ('위 치 :' → '위치 :'), and a word
    glued to a bracketed count set apart ('<두 글자>(2)': the tagger reads the last letter as a
    counter noun otherwise)."""
    return _GLUED_COUNT.sub(" (", _SPACED_LABEL.sub(lambda m: m.group(1).replace(" ", ""), text))


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUM.findall(text)}


_WH_HEAD = re.compile(r"(?:어느|어디|무슨|몇)\s?([가-힣]{2,})")
_HEAD_TAIL = re.compile(r"(?:에서|에는|에|은|는|이|가|을|를|으로|로|야|예요|이야|인가요)$")


def _wh_heads(question: str) -> set[str]:
    """The nouns a question word heads ('어디 동네', '어느 기관', '무슨 단체'): they name the kind of
    answer asked, so no statement needs to print them."""
    return {_HEAD_TAIL.sub("", m.group(1)) for m in _WH_HEAD.finditer(question)} - {""}


def _noun_and_particle(toks, start: int, end: int) -> bool:
    """A reading that takes the letters start..end as a shorter noun followed by particles only."""
    inside = [t for t in toks if start <= t.start < end]
    return len(inside) >= 2 and inside[0].start == start and inside[0].tag.startswith("N") \
        and len(inside[0].form) < end - start and all(t.tag.startswith("J") for t in inside[1:])


class PassageFinder:
    def __init__(self, corpus: Corpus, tokenize: Callable[[str], list[str]], threshold: float = 0.3, pos=None, *,
                 embed=None, readings=None):
        """`embed`: texts → vectors (or an object with embed_query/embed_documents, e.g. the index's
        embedder); when given, statement choice also weighs meaning. Statement vectors are cached.
        `readings`: text → the few best analyses as (tokens, log-score), best first (Kiwi's
        ``analyze(text, top_n=3)``); the gate then doubts a noun another close reading takes as a verb."""
        self.corpus = corpus
        self.readings = readings
        self.embed = embed
        self._vectors: dict[str, object] = {}
        self._program_spans = sorted(((sec.doc, sec.line_start, sec.line_end, sec.program or sec.title)
                                      for sec in corpus.sections if sec.kind == "program"), key=lambda x: x[1])
        self._finding_spans = [(it.doc, it.line_start, it.line_end, (it.requirement_lines or (0, it.line_start))[1],
                                it.requirement) for it in getattr(corpus, "audit", None) or []]
        self._as_of_year = as_of_years(corpus.documents)
        self._report_year = {d.id: self._as_of_year[d.id] for d in corpus.documents
                             if d.kind == "work_report" and d.id in self._as_of_year}
        # the blocks a statement may sit in: programme sections and audit findings (for editions)
        self._block_spans = [(doc, a, b) for doc, a, b, _ in self._program_spans] + \
            [(doc, a, b) for doc, a, b, _, _ in self._finding_spans]
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
        self._vocab_blob = "\n".join(self._idf)          # for 'a noun inside a longer compound'
        self._lines_sq: list[str] | None = None
        self._speller = None
        self._heading_cache: dict[str, frozenset] = {}
        self._block_cache: dict[tuple, str] = {}
        self._squashed = {d.id: squash("".join(corpus.lines[d.file][d.line_start - 1:d.line_end]))
                          for d in corpus.documents}
        self._all_text = "\n".join("\n".join(corpus.lines[d.file][d.line_start - 1:d.line_end]) for d in corpus.documents)

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
        return " ".join(glossary_words(question))

    def query_terms(self, question: str, lang: str = "ko") -> list[str]:
        q = question
        extra = glossary_words(question)
        if lang == "en":
            # the glossary's Korean words, and the question's own Latin words the reports print ('UNDP', 'MOU')
            latin = [t for t in self.tokenize(question) if t.isascii() and t.isalpha() and len(t) >= 2 and t in self._idf]
            # and the Korean words it quotes ('tool-lending libraries (공구대여소)'): the report's own words
            q = " ".join(extra + latin + re.findall(r"[가-힣]{2,}", question))
        else:
            q = " ".join([q] + extra)
        toks = list(dict.fromkeys(self.tokenize(q)))
        toks += [w for t in list(toks) if t in SYNONYMS for w in SYNONYMS[t].split() if w not in toks]
        return [t for t in toks if t not in QUESTION_WORDS]

    def unknown_terms(self, question: str) -> list[str]:
        """Nouns of the question the reports do not hold — on morphemes and partial
        matches: a noun inside a longer compound of the report counts as present
        ('측정협약' in '공유성과측정협약'), a compound of known parts too ('지원액');
        function words of a question (날짜, 다음, 언제까지 …) are never missing
        facts. What the reports hold no trace of is still refused: contact numbers,
        opening hours, a named person (`refused_asks`)."""
        question = question[:MAX_QUESTION_CHARS]
        refused = self.refused_asks(question)
        nouns = self.nouns(question)
        content = [t for t in dict.fromkeys(nouns) if len(t) >= 2 and not t.isdigit() and t not in GENERIC_NOUNS
                   and t not in FUNCTION_NOUNS and _untense(t) not in _PLAIN_FUNCTION and not t.startswith("몇")]
        missing = [t for t in content if not self.present(t)]
        missing = [t for t in missing if t not in self._time_relations(question)]
        # '<사이트> 주소': the noun before an address word says which kind of address is asked (the
        # type decides whether the report prints one: a web address, a street and number), no fact
        missing = [t for t in missing if not re.search(re.escape(t) + r"\s?(?:의\s?)?" + ADDRESS_WORDS, question.lower())]
        missing = self._surely_nouns(question, missing)
        if missing and len(missing) * MISSING_SHARE_DECIDES < len(content):
            # a long question whose nouns the reports hold but one ('…에 대해 경찰청의 입장과 시의 최종
            # 판단'): that noun frames the ask; the retrieval decides whether the reports answer it
            missing = []
        # '객실 몇 실', '차량 몇 대', '객실 수': a noun ending in the counter asked names the thing counted —
        # the report counts it in that unit ('숙박(21실)') without printing the noun
        counters = set(re.findall(r"몇\s?([가-힣])", question))
        # '객실 수': the noun's own last letter is the counter a count of it is printed in ('21실')
        counters |= set(re.findall(r"([가-힣])\s?(?:수|개수|숫자)(?:은|는|가|를|도|만)?(?![가-힣])", question))
        if counters:
            missing = [t for t in missing if not (len(t) >= 2 and t[-1] in counters
                                                  and re.search(r"\d\s?" + t[-1] + r"(?![가-힣])", self._all_text))]
        return list(dict.fromkeys(refused + missing))

    def _time_relations(self, question: str) -> set[str]:
        """Short nouns that relate a time just before them to the ask ('’17년에서 ’18년 <사이>',
        '3월 <이후>'): right after a year, month or day and not the head of a longer noun
        ('2019년 여름 축제' keeps '여름'), they place the fact in time and name none."""
        if self.pos is None:
            return set()
        toks = list(self.pos(question))
        out = set()
        for i in range(1, len(toks)):
            t, prev = toks[i], toks[i - 1]
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if t.tag == "NNG" and len(t.form) <= 2 and prev.tag == "NNB" and prev.form in TIME_COUNTERS \
                    and (nxt is None or not nxt.tag.startswith("NN")):
                out.add(t.form)
        return out

    def _surely_nouns(self, text: str, missing: list[str]) -> list[str]:
        """The missing nouns every close reading takes as nouns: where another analysis of
        the words around it, nearly as likely, reads a verb or an adverb there ('사서' as
        사+어서 'buy and', '결국' as an adverb), or a shorter noun and a particle ('시랑' as
        시+랑 'the city and'), the word is no missing fact."""
        if not missing or self.readings is None:
            return missing
        out = []
        for noun in missing:
            doubtful = False
            for m in re.finditer(re.escape(noun), text):
                # the word holding the noun with one word either side: alternatives of a whole
                # sentence differ at its other words
                words = list(re.finditer(r"\S+", text))
                i = next((k for k, w in enumerate(words) if w.start() <= m.start() < w.end()), None)
                if i is None:
                    continue
                a, b = words[max(0, i - 1)].start(), words[min(len(words) - 1, i + 1)].end()
                at = m.start() - a
                try:
                    readings = list(self.readings(text[a:b]))
                except Exception:       # a tagger that cannot give alternatives: the noun stays
                    readings = []
                if len(readings) < 2:
                    continue
                best = readings[0][1]
                doubtful = any(best - score <= READING_MARGIN and (any(
                    t.start == at and not t.tag.startswith(("N", "S", "X")) for t in toks)
                    or _noun_and_particle(toks, at, at + len(noun)))
                    for toks, score in readings)
                if doubtful:
                    break
            if not doubtful:
                out.append(noun)
        return out

    def present(self, noun: str) -> bool:
        """The noun is in the reports: as a morpheme, inside a longer one, in the text, or as known parts
        — or so once a tensed first consonant is read plain ('쎈터' for '센터', '싸이트' for '사이트')."""
        if noun in self._idf or noun in self._vocab_blob:
            return True
        plain = _untense(noun)
        if plain != noun and self.present(plain):
            return True
        if any(noun in text for text in self._squashed.values()):
            return True
        if self.near_spelling(noun):
            return True
        if len(noun) >= 3 and noun[-1] in RATE_SUFFIXES:
            return self._rate_printed(noun[:-1])     # '취업률': the base word beside a percentage somewhere
        if len(noun) >= 3 and noun[-1] in NOUN_SUFFIXES and self.present(noun[:-1]):
            return True
        return any(len(noun[:i]) >= 2 and len(noun[i:]) >= 2 and noun[:i] in self._idf and noun[i:] in self._idf
                   for i in range(2, len(noun) - 1))

    def respell(self, question: str) -> str:
        """The question with each word (then each noun) the reports do not hold, but print one
        letter off, in the reports' spelling (for retrieval, statement choice and the gate)."""
        out = question[:MAX_QUESTION_CHARS]
        out = self._spell().respell(out, min_len=4)[0]     # a misspelt compound (Kiwi would split it first)
        for noun in dict.fromkeys(self.nouns(out)):
            if noun in self._idf or any(noun in t for t in self._squashed.values()):
                continue
            fixed = self.near_spelling(noun)
            if fixed:
                out = out.replace(noun, fixed)
        return out

    def near_spelling(self, noun: str) -> str:
        """The reports' spelling one near letter from ``noun`` ('게획형' → '계획형'), or ''."""
        return self._spell().near(noun)

    def _spell(self):
        """One speller over the reports' text (built on first use): nouns of three letters and
        more, whole words of four and more."""
        if self._speller is None:
            from .understand.respell import Speller
            self._speller = Speller(self._squashed.values())
        return self._speller

    def _rate_printed(self, base: str) -> bool:
        """Some line of the reports prints ``base`` with a percentage on it or within three lines
        (a table's header and its rows): a rate of it exists."""
        if self._lines_sq is None:
            self._lines_sq = [squash(line) for d in self.corpus.documents
                              for line in self.corpus.lines[d.file][d.line_start - 1:d.line_end]]
        lines = self._lines_sq
        return any(base in line and any("%" in x for x in lines[max(0, i - 3):i + 4]) for i, line in enumerate(lines))

    def refused_asks(self, question: str) -> list[str]:
        """What the question asks for that the reports never print at all (checked on the text)."""
        sq = squash(question).lower()
        out = []
        for ask, evidence, name in REFUSE_ASKS:
            m = re.search(ask, sq)
            if m and not any(re.search(evidence, t) for t in self._squashed.values()):
                out.append(name or m.group(0))
        return out

    def _idle_verbs(self, question: str) -> set[str]:
        """Verb stems of the question the reports never use and no synonym maps ('생기' of
        '어디 생겼어'): they ask how a thing is put, so no statement is required to hold them."""
        if self.pos is None:
            return set()
        cache = self.__dict__.setdefault("_idle_cache", {})
        got = cache.get(question)
        if got is None:
            got = {t.form for t in self.pos(question) if t.tag in ("VV", "VA", "VX")
                   and t.form not in self._idf and t.form not in SYNONYMS}
            if len(cache) > 1024:
                cache.clear()
            cache[question] = got
        return set(got)

    def turn_nouns(self, question: str) -> list[str]:
        """The nouns a turn adds of its own (not the question's function words or generic nouns)."""
        return [t for t in dict.fromkeys(self.nouns(question[:MAX_QUESTION_CHARS])) if len(t) >= 2 and not t.isdigit()
                and t not in GENERIC_NOUNS and t not in FUNCTION_NOUNS and _untense(t) not in _PLAIN_FUNCTION]

    def holds_nouns(self, unit: Unit, nouns: list[str]) -> bool:
        """Every noun is in the statement: as a token, inside a compound, or in its squashed text."""
        toks, flat = self.tokens_of(unit), squash(unit.text)
        return all(_holds(toks, t) or t in flat for t in nouns)

    def unanswerable_focus(self, question: str, entity: str) -> list[str]:
        """The words a question asks about besides the named programme, when
        none of them occurs anywhere in the reports ('…언제 개관해요?')."""
        ent = set(self.tokenize(entity)) | set(self.tokenize(entity.replace(" ", ""))) if entity else set()
        # a verb the reports do not use ('어디 생겼어') asks how, it names nothing missing
        verbs = self._idle_verbs(question)
        focus = [t for t in self.query_terms(question) if t not in ent and len(t) >= 2 and not t.isdigit()
                 and t not in GENERIC_NOUNS and t not in verbs]
        return focus if focus and not any(t in self._idf for t in focus) else []

    def nouns(self, text: str) -> list[str]:
        """Nouns that name things (a noun made a verb by 하다/되다 is a predicate, not a thing)."""
        if self.pos is None:
            return []
        toks = list(self.pos(text))
        out = []
        for i, t in enumerate(toks):
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            tag = nxt.tag if nxt is not None else ""
            if t.tag in ("NNG", "NNP") and not tag.startswith(("XSV", "XSA")) \
                    and not (tag.startswith(("EP", "EF", "EC")) and _adjacent(t, nxt)):   # '생겼어' misread as 생기+었

                if tag == "XSN" and nxt.form in RATE_SUFFIXES and _adjacent(t, nxt):
                    out.append(t.form + nxt.form)     # '취업' + '률': the derived noun is what is asked
                else:
                    out.append(t.form)
        return out

    def score(self, terms: list[str], qnums: set[str], unit: Unit, context: set[str] = frozenset(),
              entity: set[str] = frozenset(), answer_types: tuple = (), alike: frozenset = frozenset()) -> float:
        """Share of the question's weight the unit carries (0 when it shares no
        word with the question: bonuses alone never make an answer). Words of a
        named programme only say where to look, so they weigh a third."""
        toks = self.tokens_of(unit)
        if alike and any(_holds(toks, w) for w in alike):
            toks = toks | alike          # one word of a set that asks alike ('운영' / '주관' asked who) holds them all
        weight = {t: self.idf(t) * (ENTITY_WEIGHT if t in entity else 1.0) for t in terms}
        total = sum(weight.values()) or 1.0
        held = {t for t in weight if _holds(toks, t)} | _in_compounds(toks, terms)
        s = sum(w for t, w in weight.items() if t in held) / total
        if s == 0:
            return 0.0
        # a statement under a heading says it of the heading's subject ('공간확충 : 3개소 ⇒ 9개소' under
        # '…청년활력공간 확충'): the heading's words count for it, at HEADING_WEIGHT
        head = self.heading_tokens(unit) - toks
        if head:
            # (a one-letter term — '소' of a split '…대여소' — says nothing of a subject)
            s += HEADING_WEIGHT * sum(w for t, w in weight.items()
                                      if t not in held and len(t) >= 2 and _holds(head, t)) / total
        if terms and _CHANGE_ASK.search(" ".join(terms)) and _CHANGE_SHOWN.search(unit.text):
            s += ANSWER_TYPE_BONUS / 2          # '몇 개소로 늘어나?': a statement with 'A ⇒ B'

        if qnums and qnums & numbers(unit.text):
            s += 0.15
        if context and (context - set(terms)) & toks:
            s += 0.05
        if answer_types and any(re.search(rx, unit.text) for rx in answer_types):
            s += ANSWER_TYPE_BONUS
        return s

    def answer(self, question: str, hits: list, context_terms: str = "", max_units: int = 2, lang: str = "ko",
               entity: str = "", relative: float = 0.8, prior: dict | None = None, *,
               answer_types: list | None = None, utt=None) -> Extract | None:
        """`prior` adds a score per hit kind (e.g. {"audit_item": -0.1} when the
        question is not about audit findings). With `answer_types` (AnswerType
        values of the understanding layer, in reading order) the statement is
        chosen by type, words and meaning, and the text is cleaned and framed
        (`answer_typed`)."""
        question = question[:MAX_QUESTION_CHARS]
        if answer_types is not None:
            return self.answer_typed(question, hits, context_terms, max_units=max_units, lang=lang, entity=entity,
                                     relative=relative, prior=prior, answer_types=answer_types)
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
        focus = {t for t in terms if t not in ent and len(t) >= 2 and t not in GENERIC_NOUNS} \
            - self._idle_verbs(question) - _wh_heads(question)
        focus |= {w for t in focus for w in SYNONYMS.get(t, "").split()}
        if focus and lang == "ko":
            # the statement must say something about what is asked, not only name the programme
            scored = [x for x in scored if any(_holds(self.tokens_of(x[1]), t) for t in focus)]
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

    # ------------------------------------------------------------------ typed statement choice
    def _embed_query(self, text: str):
        e = self.embed
        if e is None:
            return None
        v = e.embed_query(text) if hasattr(e, "embed_query") else e([text])[0]
        return _unit(v)

    def _embed_units(self, texts: list[str]) -> list:
        e = self.embed
        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            vecs = e.embed_documents(todo) if hasattr(e, "embed_documents") else e(todo)
            for t, v in zip(todo, vecs):
                if len(self._vectors) < 20_000:
                    self._vectors[t] = _unit(v)
        out = []
        for t in texts:
            v = self._vectors.get(t)
            if v is None:
                v = _unit((e.embed_documents([t]) if hasattr(e, "embed_documents") else e([t]))[0])
            out.append(v)
        return out

    def _rows_asked(self, unit: Unit, focus: set[str]) -> str:
        """A statement that is a table ('<제목>' then row lines): its first line and the one or two
        rows holding what the question names ('<지명>' → that row), not the whole table."""
        if unit.line_end - unit.line_start < 3 or not focus:
            return unit.text
        lines = [clean_line(x) for x in self.corpus.lines[self.corpus.doc(unit.doc).file][unit.line_start - 1:unit.line_end]]
        lines = [x for x in lines if x]
        rows = [x for x in lines[1:] if any(_holds(frozenset(self.tokenize(matchable(x))), t) for t in focus)]
        if not rows or len(rows) > 2 or len(rows) == len(lines) - 1 or lines[1] in rows \
                or any(re.fullmatch(r"[가-힣 ]{0,6}[\d,.\s%-]+", x) for x in lines[1:]):
            # the header row is what matched, or a row of bare figures needs its header: the whole table
            return unit.text
        return " ".join([lines[0]] + rows)

    def heading_tokens(self, unit: Unit) -> frozenset:
        """Tokens of the programme title the statement sits under — or, for a statement of an audit
        finding, of the finding's requirement: its actions are said of that subject ('접수인원 9,158명'
        under the 청년수당 finding). Empty outside both."""
        title = self.program_of(unit) or self._finding_of(unit)
        if not title:
            return frozenset()
        got = self._heading_cache.get(title)
        if got is None:
            got = self._heading_cache[title] = frozenset(self.tokenize(matchable(title)))
        return got

    def _dated(self, unit: Unit) -> str:
        """The statement's text with its year: a work report's statement that names no year is of the
        report's own date ('…1,300여명 입주(6월 기준)' in a report as of 2018.6.30)."""
        year = self._report_year.get(unit.doc)
        if year and _NEXT_YEAR.search(unit.text):
            return f"{unit.text} ({year + 1}년)"        # '내년도 예산 반영': the year after the report's
        return unit.text if not year or years_named(unit.text) else f"{unit.text} ({year}년)"

    def _block_of(self, unit: Unit) -> str:
        """The squashed text of the programme block or audit finding a statement sits in ('' outside both)."""
        for doc, a, b in self._block_spans:
            if doc == unit.doc and a <= unit.line_start <= b:
                key = (doc, a, b)
                if key not in self._block_cache:
                    lines = self.corpus.lines[self.corpus.doc(doc).file][a - 1:b]
                    self._block_cache[key] = squash(" ".join(lines))
                return self._block_cache[key]
        return ""

    def _edition_of(self, unit: Unit, asked: set[int], question: str) -> bool:
        """The year asked names an edition of what the question is about: the programme block (or the
        finding) the statement sits in prints that year right before a name the question holds ('’19년
        시민참여예산 시정협치형 사업선정' — the 2019 participatory budget, whose applications and
        deliberation the 2018 text reports). Its statements are of that edition."""
        block = self._block_of(unit)
        if not block:
            return False
        q = squash(question)
        for y in asked:
            for m in re.finditer(rf"(?:[’'‘]{y % 100:02d}|{y})년?", block):
                name = re.match(r"[가-힣]{3,}", block[m.end():])
                if name and any(name.group(0)[:k] in q for k in range(len(name.group(0)), 2, -1)):
                    return True
        return False

    def _finding_of(self, unit: Unit) -> str:
        """The requirement of the audit finding a statement of its action or plan sits in ('' elsewhere)."""
        for doc, a, b, req_end, requirement in self._finding_spans:
            if doc == unit.doc and req_end < unit.line_start <= b:
                return requirement
        return ""

    def program_of(self, unit: Unit) -> str:
        """The programme title a statement sits in ('' outside a programme)."""
        best = ""
        for doc, a, b, title in self._program_spans:
            if doc == unit.doc and a <= unit.line_start <= b:
                best = title
        return best

    def answer_typed(self, question: str, hits: list, context_terms: str = "", *, max_units: int = 2,
                     lang: str = "ko", entity: str = "", relative: float = 0.8, prior: dict | None = None,
                     answer_types: list = ()) -> Extract | None:
        terms = self.query_terms(question, lang)
        context = set(self.query_terms(context_terms)) - set(terms) if context_terms else set()
        ent = set(self.tokenize(entity)) | set(self.tokenize(entity.replace(" ", ""))) if entity else set()
        if lang == "en":
            terms = list(dict.fromkeys(terms + sorted(context)))
            ent |= context
        if not terms:
            return None
        qnums = numbers(question)
        wanted = [at for at in answer_types if type_pattern(at) is not None]
        patterns = tuple(type_pattern(at) for at in wanted)
        alike = frozenset(RUNNING_VERBS) if any(at.kind == "org" for at in wanted) else frozenset()
        scored: list[list] = []
        seen: set[tuple] = set()
        for rank, h in enumerate(hits[:16]):
            d = self.corpus.doc(h.doc)
            for u in units_of(self.corpus.lines[d.file], h.line_start, h.line_end, h.doc):
                key = (u.doc, u.line_start)
                if key in seen:
                    continue
                seen.add(key)
                s = self.score(terms, qnums, u, context, ent, (), alike) + 0.04 / (rank + 1) \
                    + (prior or {}).get(getattr(h, "kind", ""), 0.0)
                held = sum(1 for rx in patterns if re.search(rx, u.text))
                if patterns and s > 0:
                    s += ANSWER_TYPE_BONUS * held / len(patterns)
                scored.append([s, u, h, held])
        if not scored:
            return None
        if self.embed is not None and scored:
            # meaning: e5 similarity of the question to the statement with its programme title,
            # for the lexically best few (each statement is embedded once, then cached)
            pool = sorted((x for x in scored if x[0] > 0), key=lambda x: -x[0])[:EMBED_TOP]
            if len(pool) > 1:
                qv = self._embed_query(question)
                texts = [f"{self.program_of(x[1])} {x[1].text}"[:EMBED_CHARS] for x in pool]
                sims = [_dot(qv, v) for v in self._embed_units(texts)]
                lo, hi = min(sims), max(sims)
                for x, sim in zip(pool, sims):
                    x[0] += EMBED_WEIGHT * ((sim - lo) / (hi - lo) if hi > lo else 0.0)
        focus = {t for t in terms if t not in ent and len(t) >= 2 and t not in GENERIC_NOUNS
                 and not (patterns and t in FUNCTION_NOUNS)} - self._idle_verbs(question) \
            - _wh_heads(question)     # '위치' asks for a place: the type stands for it
        focus |= {w for t in focus for w in SYNONYMS.get(t, "").split()}
        if any(at.kind == "org" for at in wanted) and focus & RUNNING_VERBS:
            focus |= RUNNING_VERBS
        if focus and lang == "ko":
            kept = [x for x in scored if any(_holds(self.tokens_of(x[1]), t) for t in focus)]
            if not kept and patterns:
                # no statement holds the question's verb ('어느 동네에 만들어졌어'): the type asked and
                # the nouns decide — the verb says how it is put
                verbs = {t.form for t in self.pos(question) if t.tag in ("VV", "VA")} if self.pos is not None else set()
                nouns = {t for t in focus if t not in verbs and not any(t in SYNONYMS.get(v, "").split() for v in verbs)}
                kept = [x for x in scored if any(_holds(self.tokens_of(x[1]), t) for t in nouns)] if nouns else scored
            if not kept:
                return None
            scored = kept
        ids = identifiers(question)
        if ids:
            # '신고전화 7979 접수 건수': a number the question quotes as a name must be in the statement
            kept = [x for x in scored if any(i in re.sub(r"[\s,]", "", x[1].text) for i in ids)]
            if not kept:
                return None
            scored = kept
        quoted = re.findall(r"[가-힣]{2,}", question) if lang == "en" else []
        if quoted:
            # an English question quoting a Korean name ('the Youth Life Design School (청년인생설계학교)'):
            # a statement must hold it, or sit under it — none does, the text does not say
            qterms = [t for t in self.query_terms(" ".join(quoted)) if len(t) >= 2]
            need = (len(qterms) + 1) // 2        # most of the name: '청년' alone is in every youth statement

            def names_it(x) -> bool:
                whole = squash(f"{self.program_of(x[1])} {x[1].text}")
                return any(w in whole for w in quoted) or sum(
                    _holds(self.tokens_of(x[1]), t) or _holds(self.heading_tokens(x[1]), t) for t in qterms) >= need
            kept = [x for x in scored if names_it(x)] if qterms else scored
            if not kept:
                return None
            scored = kept
        note = ""
        asked_years = years_asked(question, max(self._report_year.values(), default=None))
        if asked_years:
            # '2017년 한 해 상담 건수': a statement that dates itself to other years only is of another
            # year; the statements that name the year asked (or no year) answer
            fit = [x for x in scored if self._edition_of(x[1], asked_years, question) or (
                not _other_year(self._dated(x[1]), asked_years)
                and not after_its_date(x[1].text, asked_years, self._as_of_year.get(x[1].doc)))]
            top = max(scored, key=lambda x: x[0])
            if not fit or max(x[0] for x in fit) < TYPED_FLOOR * top[0]:
                # the statement most about the question is of another year, and what fits the year is
                # far weaker (another subject that happens to be undated): that year is not reported
                ext = self._extract([top], question, focus, program=self.program_of(top[1]), lang=lang,
                                    note=_year_note(asked_years, years_named(self._dated(top[1])), lang))
                return ext
            scored = fit
        if patterns:
            # a statement holding the type asked answers only when it is about as much about
            # the question as the best one: far weaker, it is another subject that happens to hold a date
            top = max(scored, key=lambda x: x[0])
            typed = [x for x in scored if x[3] and x[0] >= TYPED_FLOOR * top[0]]
            if typed:
                scored = typed
            elif getattr(top[2], "kind", "") == "audit_item":
                scored = [top]          # a finding: its own statements are chosen by type (findings by topic)
            else:
                note = _type_note(wanted, lang)
        scored.sort(key=lambda x: -x[0])
        best = scored[0][0]
        if best < self.threshold:
            return None
        picked = [scored[0]]
        for x in scored[1:]:
            if len(picked) >= max_units:
                break
            adds_type = patterns and x[3] and len(patterns) > 1
            if (x[0] >= max(self.threshold, relative * best) or (adds_type and x[0] >= 0.6 * best)) \
                    and all(x[1].line_start != p[1].line_start for p in picked):
                picked.append(x)
        top = picked[0][1]
        picked = picked[:1] + sorted(picked[1:], key=lambda x: (x[1].doc, x[1].line_start))   # the answer first
        return self._extract(picked, question, focus, program=self.program_of(top), lang=lang, note=note,
                             best=best)

    def _extract(self, picked: list, question: str, focus: set, *, program: str, lang: str, note: str = "",
                 best: float | None = None) -> Extract:
        """The answer text (the statements cleaned and framed, the arithmetic asked over the first) and its citations."""
        top = picked[0][1]
        calc = "" if note else arithmetic(question, top.text)
        body = "\n".join(clean_statement(self._rows_asked(x[1], focus)) for x in picked)
        text = frame(body, program, lang, note, calc)
        cites = [Citation(u.doc, getattr(h, "section", ""), u.line_start, u.line_end,
                          self.corpus.quote(u.doc, u.line_start, u.line_end)) for _, u, h, _ in picked]
        ext = Extract(text, cites, picked[0][0] if best is None else best, [x[1] for x in picked], top)
        ext.note, ext.computed = note, calc
        return ext


EMBED_WEIGHT = 0.3
TYPED_FLOOR = 0.6        # a typed statement scoring under this share of the best one does not answer
EMBED_TOP = 8            # statements re-scored by meaning (the lexically best ones)
EMBED_CHARS = 300
TYPE_NAMES = {"place": ("장소", "a place"), "org": ("기관", "an organisation"), "date": ("날짜", "a date"),
              "period": ("기간", "a period"), "count": ("수", "a count"), "amount": ("금액", "an amount"),
              "rate": ("비율", "a rate"), "area": ("면적", "an area"), "person": ("사람", "a person")}
_DATE = r"[’']\d\d\s*\.\s*\d{1,2}|\d{4}\s*\.\s*\d{1,2}|\d{1,2}\s*월|\d{1,2}\.\s*\d{1,2}\.|\d{1,2}\s*일\b"
COUNTER_FORMS = {"개소": "개소|곳|개", "회": "회|번|차", "개": "개|개소|팀|곳|개동|개구|개국|단체|건|실|대|종|권|과목", "명": "명",
                 "건": "건|개", "팀": "팀|개", "개동": "개동|개\\s*동|동", "개월": "개월", "자치구": "자치구|개구|구"}


def type_pattern(at) -> str | None:
    """The pattern a statement must match to hold an answer of this type; None = no constraint."""
    kind = getattr(at, "kind", "")
    if kind == "place" and getattr(at, "counter", None) == "주소":
        # an address asked ('정확한 주소', 'street address'): a street and number, or a web address — a
        # neighbourhood's name ('대방동') is not one
        return r"[가-힣]+(?:로|길)\s*\d+|\d+\s*번지|https?://|www\.|(?<![가-힣])[a-z0-9-]+\.(?:kr|com|org|net|go\.kr)"
    if kind == "place":
        # a '<…>동' is a neighbourhood, but not the nouns of activity or movement ('예술활동', '변동')
        return (r"[가-힣]{2,}(?:앞|옆|인근|부근)(?=[\s,·)/]|$)|[가-힣]+[구동로길]\s*\d+|[가-힣]{1,4}(?<!자치)(?:구|군)(?=[\s,·)/]|$)|[가-힣]{2,4}(?<![활운행협공자변감작출발])동(?=[\s,·)/]|$)|"
                r"\((?:[가-힣]{2,3},\s*){2,}[가-힣]{2,3}\)|일대|소재지|內")
    if kind == "org":
        return (r"사단법인|\(사\)|㈜|\(주\)|재단|법인|대학교|학회|협회|조합|센터|공사|공단|연구소|연구원|진흥원|위원회|업체|"
                r"컨소시엄|담당관|[가-힣]+과\b|[가-힣]{2,}\s*(?:주관|주최|수탁|위탁운영)")
    if kind == "date":
        return _DATE
    if kind == "period":
        span = r"(?:" + _DATE + r").{0,12}[~∼]|부터|까지|\d+\s*개월|\d+\s*년간|기간"
        return span + "|" + _DATE if getattr(at, "counter", None) == "까지" else span    # '언제까지': a deadline
    if kind == "count":
        c = getattr(at, "counter", None)
        if c:
            return r"\d[\d,]*\s*여?\s*(?:" + COUNTER_FORMS.get(c, re.escape(c)) + ")"
        return r"\d[\d,]*\s*여?\s*[가-힣]"
    if kind == "amount":
        return r"\d[\d,.]*\s*(?:억|만|천|백만|천만)?\s*원|\d[\d,.]*\s*(?:백만|천만|억)"
    if kind == "rate":
        return r"\d[\d.]*\s*%|\d+\s*퍼센트"
    if kind == "area":
        return r"\d[\d,.]*\s*(?:㎡|m2|m²|㎢|평\b|ha\b)"
    return None


def holds_type(text: str, at) -> bool:
    rx = type_pattern(at)
    return rx is None or re.search(rx, text) is not None


_YEAR4 = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?!\d)(?=\s?(?:년|\.|\s|$|[^\d]))")
_YEAR2 = re.compile(r"[’'‘](\d\d)(?=\s?(?:년|\.|\s|[^\d]))")


def years_named(text: str) -> set[int]:
    """Years a text names: '2017년', '2017.9.12.', '’17년', '’18. 상반기' (not amounts like '2,017')."""
    out = {int(y) for y in _YEAR4.findall(text)}
    out |= {2000 + int(y) for y in _YEAR2.findall(text)}
    return out


_NEXT_YEAR = re.compile(r"내년|차년도|익년|다음\s?해|next year")


_IDENTIFIER = re.compile(r"(?<![\d.,])(\d{3,})(?![\d.,])(?!\s?(?:년|월|일|명|건|개|원|억|만|천|백|%|퍼센트|회|번|차|곳|시간|분|호|층|동|세|살|m|km|㎡))")


def identifiers(question: str) -> list[str]:
    """Numbers a question quotes as names ('신고전화 7979', '120 다산콜'): three digits or more, no unit
    after them, no year (a figure asked comes with its unit or a question word instead)."""
    out = []
    for m in _IDENTIFIER.finditer(question or ""):
        n = m.group(1)
        if len(n) == 4 and n[:2] in ("19", "20"):
            continue                       # a year
        out.append(n)
    return out


def years_asked(question: str, as_of: int | None) -> set[int]:
    """The years a question names, '내년' read as the year after the report's date (the year it
    speaks from: '올해' and '작년' are within the reports' years, no other one)."""
    out = years_named(question)
    if as_of is not None and _NEXT_YEAR.search(question):
        out.add(as_of + 1)
    return out


def as_of_years(documents) -> dict[str, int]:
    """Each document's year ('2018-06-30' → 2018), for those whose date is printed."""
    return {d.id: int(d.as_of[:4]) for d in documents if re.match(r"\d{4}", getattr(d, "as_of", "") or "")}


def after_its_date(statement: str, asked: set[int], as_of: int | None) -> bool:
    """Every year asked is after the document's date, and the statement names none of them: a
    report of mid-2018 holds a 2019 figure only where it says so ('’19년 예산반영' — a plan). An
    undated statement of that report is of its date or before; '내년' reaches one year further."""
    if not asked or as_of is None or min(asked) <= as_of:
        return False
    own = years_named(statement)
    if _NEXT_YEAR.search(statement):
        own |= {as_of, as_of + 1}
    return not own & asked


def _other_year(statement: str, asked: set[int]) -> bool:
    """The statement dates itself, and to none of the years asked."""
    own = years_named(statement)
    return bool(own) and not own & asked


def _year_note(asked: set[int], own: set[int], lang: str) -> str:
    a = ", ".join(str(y) for y in sorted(asked))
    o = ", ".join(str(y) for y in sorted(own))
    if not own:          # the closest statement is undated: no year to name for it
        return (f"보고서에 {a}년의 값은 나와 있지 않습니다. 가장 가까운 내용:" if lang == "ko"
                else f"The report does not give this for {a}. The closest it has:")
    if lang == "ko":
        return f"보고서에 {a}년의 값은 나와 있지 않습니다. 가장 가까운 내용은 {o}년의 것입니다:"
    return f"The report does not give this for {a}. The closest it has is for {o}:"


def _type_note(wanted: list, lang: str) -> str:
    names = ", ".join(dict.fromkeys(TYPE_NAMES.get(a.kind, (a.kind, a.kind))[0 if lang == "ko" else 1] for a in wanted))
    if lang == "ko":
        return f"보고서에 물으신 {josa(names, '은', '는')} 나와 있지 않습니다. 관련해 보고서가 적은 내용:"
    return f"The report does not give {names} for this. What it does say:"


_ROW_UNITS = {"건수": "건", "개소": "개소", "개수": "개", "인원": "명", "횟수": "회", "명": "명", "건": "건", "개": "개",
              "회": "회", "수": ""}
_VALUE = re.compile(r"\d[\d,]*(?:\.\d+)?%?|-")


def _join_spaced(tokens: list[str]) -> list[str]:
    """'구 분', '건 수': letters a PDF spaced apart are one word again."""
    out: list[str] = []
    run: list[str] = []
    for t in tokens + [""]:
        if len(t) == 1 and "가" <= t <= "힣":
            run.append(t)
            continue
        if run:
            out += ["".join(run)] if len(run) > 1 else run
            run = []
        if t:
            out.append(t)
    return out


def read_table(text: str) -> str:
    """A header row and one value row printed inside a statement ('구 분 진단대상 1등급 … 건 수 60 4 …')
    read as label–value pairs ('진단대상 60건, 1등급 4건, …'); any other text unchanged."""
    tokens = _join_spaced(text.split())
    # the last run of three or more values, right after a row label the table's unit names
    end = len(tokens)
    while end > 0 and not _VALUE.fullmatch(tokens[end - 1]):
        end -= 1
    start = end
    while start > 0 and _VALUE.fullmatch(tokens[start - 1]):
        start -= 1
    k = end - start
    if k < 3 or start < k + 1 or tokens[start - 1] not in _ROW_UNITS:
        return text
    heads = tokens[start - 1 - k:start - 1]
    if any(_VALUE.fullmatch(h) or len(h) > 12 or h == "구분" for h in heads):
        return text           # '구분' heads the row labels, never a value column: the rows do not line up
    unit = _ROW_UNITS[tokens[start - 1]]
    pairs = ", ".join(f"{h} {v}{unit if v != '-' and not v.endswith('%') else ''}"
                      for h, v in zip(heads, tokens[start:end]))
    lead = tokens[:start - 1 - k]
    if lead and lead[-1] in ("구분", "구 분"):
        lead = lead[:-1]
    return " ".join(lead + [f"({pairs})"] + tokens[end:])


def clean_statement(text: str) -> str:
    """Bullets off the front, sub-bullets as separators, spacing collapsed (wrapped lines are already joined)."""
    t = text.strip()
    t = re.sub(r"^(?:[" + re.escape("".join(BULLET_START + SUB_BULLETS)) + r"•·]\s*|v\s+)+", "", t)
    t = re.sub(r"\s+[－▸➠]\s*", " · ", t)
    t = re.sub(r"\s+-\s+(?=\S)", " · ", t)
    return read_table(re.sub(r"\s{2,}", " ", t).strip())


def frame(body: str, program: str, lang: str, note: str = "", calc: str = "") -> str:
    if lang == "en":
        head = f"According to the report{f' ({program})' if program else ''}, quoted in Korean:"
        parts = [note, head, body] if note else [head, body]
    else:
        parts = ([note] if note else []) + [f"[{program}] {body}" if program else body]
    if calc:
        parts.append(calc)
    return "\n".join(p for p in parts if p)


# -- arithmetic over one statement --------------------------------------------------------------
_UNITS = r"개월|개소|명|건|개|회|팀|원|천원|백만원|억원|만원|%|배|곳|년"
# a figure with its unit; a year mark ('’17년', '2018년') is a date, never an operand
_QTY = re.compile(r"(?<![’'‘\d.,])(\d[\d,]*(?:\.\d+)?)\s*(" + _UNITS + r")")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_CHANGE = r"얼마나(?:늘|증가|줄|감소|확대|올|많아|커|오르|내려|낮아|높아)|몇.{0,3}(?:늘|증가|줄|감소)|차이|how much (?:more|did .* (?:rise|grow|increase|fall))|increase"
_SUM = r"합치면|합하면|합쳐서|더하면|다\s*합|combined|added together|altogether"
# 'A단위 (note) → [’YY년 | ’YY. 상반기] B단위': the arrow may carry the period of the second figure
_ARROW = re.compile(r"(?<![’'‘\d.,])(\d[\d,]*(?:\.\d+)?)\s*(" + _UNITS + r")?\s*(?:[(（][^)）]*[)）])?\s*"
                    r"(?:→|⇒|->|에서)\s*(?:[’'‘]?\d\d(?:\d\d)?\s*(?:년|\.)\s*)?(?:[가-힣]{1,4}\s+)?"
                    r"(\d[\d,]*(?:\.\d+)?)\s*(" + _UNITS + r")")
_LABEL_GAP = 8           # characters between a label the question names and its figure ('1차:4,119명')


def _num(x: str) -> float:
    return float(x.replace(",", ""))


def _fmt(v: float) -> str:
    return f"{int(v):,}" if v == int(v) else f"{v:,.1f}"


def _quantities(statement: str) -> list[tuple[float, str, int]]:
    """(value, unit, position) of each figure of the statement, year marks left out."""
    return [(_num(m.group(1)), m.group(2), m.start()) for m in _QTY.finditer(statement)
            if not (m.group(2) == "년" and _YEAR.match(m.group(1).replace(",", "")))]


def _asked_counter(question: str) -> str:
    m = re.search(r"몇\s*(개월|개소|명|건|개|회|팀|곳|%|퍼센트)|얼마", question)
    if not m:
        return ""
    return {"퍼센트": "%"}.get(m.group(1) or "", m.group(1) or "")


def _labelled(question: str, statement: str, qty: list) -> list[tuple[float, str, int]]:
    """The figures right after a label the question names ('1차·2차 … 합치면' over '1차:4,119명,
    2차:3,200명'): a label is a word of the question that the statement prints just before a figure."""
    sq = squash(question)
    out = []
    for v, u, pos in qty:
        before = statement[max(0, pos - _LABEL_GAP):pos]
        label = re.findall(r"[0-9]+차|[가-힣]{2,}", before)
        if label and squash(label[-1]) in sq:
            out.append((v, u, pos))
    return out


def _label_weight(question: str, statement: str, pos: int) -> int:
    """How much of the label just before ``pos`` (back to the last separator) the question names:
    the letters of its words the question holds ('장기연임위원(’17년 47명 ⇒ …' asked '장기연임 위원은')."""
    sq = squash(question)
    start = max(statement.rfind(sep, 0, pos) for sep in (",", "/", ")", "·", ";", "※", ":"))
    label = statement[start + 1:pos]
    return sum(len(w) for w in re.findall(r"[가-힣]{2,}", label) if w in sq)


def _arrow_asked(question: str, statement: str):
    """The 'A → B' of the statement the question asks about: the only one, or the one whose label
    the question names most; several and none told apart → None (no guess between figures)."""
    found = list(_ARROW.finditer(statement))
    if len(found) <= 1:
        return found[0] if found else None
    weights = [_label_weight(question, statement, m.start()) for m in found]
    best = max(weights)
    return found[weights.index(best)] if best and weights.count(best) == 1 else None


def change_asked(question: str) -> bool:
    """'얼마나 늘었어', '몇 명 줄었어': the difference of two figures is asked."""
    q = question.lower()
    return bool(re.search(_CHANGE, q) or re.search(_CHANGE, squash(q)))


def change_shown(question: str, statement: str) -> bool:
    """The statement prints the 'A → B' such a question asks about (its label, when it has several)."""
    return _arrow_asked(question, statement) is not None


def arithmetic(question: str, statement: str) -> str:
    """'얼마나 늘었어' over 'A단위 → B단위' in one statement → 'B − A = D단위'; '합치면' over the
    figures of one unit in one statement → their sum (the figures of the labels the question names
    when it names them; else the statement's only two of the unit asked). Never across statements,
    never over year marks; '' when not asked or when the statement does not hold the figures."""
    q = question.lower()
    sq = squash(q)
    if re.search(_CHANGE, q) or re.search(_CHANGE, sq):
        m = _arrow_asked(question, statement)
        if m:
            a, ua, b, ub = _num(m.group(1)), m.group(2) or m.group(4), _num(m.group(3)), m.group(4)
            if ua == ub and not (ua == "년" and (_YEAR.match(m.group(1)) or _YEAR.match(m.group(3)))):
                d = b - a
                word = "늘었습니다" if d > 0 else "줄었습니다"
                pct = f", {abs(d) / a * 100:.1f}%" if a and ua != "%" else ""
                return (f"계산: {_fmt(b)}{ub} − {_fmt(a)}{ua} = {_fmt(abs(d))}{ub} {word}{pct} "
                        f"(같은 문장의 두 수치)")
    if re.search(_SUM, q) or re.search(_SUM, sq):
        qty = _quantities(statement)
        asked = _asked_counter(q)
        labelled = _labelled(question, statement, qty)
        by_unit: dict[str, list[float]] = {}
        for v, u, _ in labelled if len({u for _, u, _ in labelled}) == 1 and len(labelled) >= 2 else qty:
            by_unit.setdefault(u, []).append(v)
        units = [u for u in by_unit if not asked or u == asked or (asked == "개소" and u == "곳")]
        for u in units:
            vals = by_unit[u]
            if len(vals) == 2 or (labelled and len(vals) > 2 and len(vals) == len(labelled)):
                terms = " + ".join(f"{_fmt(v)}{u}" for v in vals)
                return f"계산: {terms} = {_fmt(sum(vals))}{u} (같은 문장의 수치)"
    return ""


def _unit(v):
    import numpy as np
    a = np.asarray(v, dtype=np.float32)
    n = float(np.linalg.norm(a))
    return a / n if n else a


def _dot(a, b) -> float:
    if a is None or b is None:
        return 0.0
    return float((a * b).sum())
