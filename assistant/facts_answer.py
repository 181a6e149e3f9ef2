"""Answer a question for one label of a programme or facility from the facts table.

    answer_fact("그 센터 수탁기관이 어디야?", utt, AnswerType("org"), ["…"], corpus.facts, corpus.quote)
      -> Answer(route="passages", answer="<subject>의 수탁기관: <value> (<line>행)", citations=[…])

The question must ask for a label (a small table of label synonyms maps the
words onto the facts' canonical keys, and the answer type adds its own: a
place → 위치, an organisation → 수탁기관, a period → 위탁기간) and name the
subject (a programme found by the entity extractor, or the facility printed on
the fact's line, matched on letter pairs). A subject whose facts do not hold
the label asked for is said so — the value is never guessed. Anything else →
None, and the passages handler answers.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from index.records import Fact
from index.text import name_key

from .answer import Answer, Citation
from .entities import bigrams
from .understand.types import AnswerType, Utterance

# question words → canonical label keys (index.facts.LABEL_KEYS holds the printed labels)
LABEL_ASKS: tuple[tuple[str, str], ...] = (
    (r"주소|위치|소재지|어디에있|어디있|어디야$|어디에요|어디예요|where|address|located", "place"),
    (r"수탁기관|운영기관|위탁기관|운영주체|맡은(?:법인|기관|곳|단체)|맡아|맡고|누가(?:운영|맡|수탁)|수탁|위탁(?!기간)|"
     r"(?:어디|어느기관|어느단체|어느법인)(?:가|서|에서)?(?:운영|맡|위탁|수탁)|operat|runs|who runs|contractor", "operator"),
    (r"위탁기간|계약기간|사업기간|언제까지|기간|until|period|contract term", "period"),
    (r"언제(?:개소|개관|문|생겼|열었)|개소|개관|문(?:을)?연|since when|when (?:was|did|were) .{0,40}open|opening date"
     r"|(?:year|month|date) .{0,30}opened", "opened"),
    (r"면적|규모|건물(?:이|은)?몇|몇개동|연면적|지원액|지원금|지원한도|floor area|(?<![a-z])area(?![a-z])|how big|size", "scale"),
    (r"용역비|사업예산|사업비|총사업비|how much|(?<![a-z])(?:cost|fee|price)(?![a-z])", "budget"),
    (r"근거(?:가|는)?|조례", "basis"),
)
TYPE_KEYS = {"place": "place", "org": "operator", "period": "period"}
LABEL_NAMES_EN = {"place": "location", "operator": "operator", "period": "contract period", "opened": "opened",
                  "scale": "scale", "budget": "budget", "basis": "legal basis", "date": "date"}
# letter pairs that name no particular subject (every programme title has them)
GENERIC_PAIRS = {"운영", "서울", "울시", "사업", "추진", "개최", "지원", "센터", "실시", "조성", "및운", "활성", "성화"}
SUBJECT_MIN = 0.6
MAX_SUBJECTS = 3          # subjects one answer gives a label for, when the question asks for each
EACH = re.compile(r"각각|각자|둘다|셋다|모두|두곳|두군데|respectively|each|both")
MAX_QUESTION_CHARS = 1000


def asked_keys(utt: Utterance, answer_type: AnswerType | None) -> list[str]:
    """Canonical keys the question asks for, in order."""
    sq = utt.squashed
    keys = [k for rx, k in LABEL_ASKS if re.search(rx, sq if utt.lang == "ko" else utt.text)]
    if answer_type is not None and answer_type.kind in TYPE_KEYS and TYPE_KEYS[answer_type.kind] not in keys:
        keys.append(TYPE_KEYS[answer_type.kind])
    if "operator" in keys and "place" in keys and not re.search(r"주소|위치|소재지|where|address", sq + utt.text):
        keys.remove("place")                # '어디가 운영해' asks who, not where
    if answer_type is not None and answer_type.kind in ("date", "period") and "operator" in keys \
            and re.search(r"위탁|수탁|계약", sq) and not re.search(r"누가|누구|기관|법인|단체|맡|주체", sq):
        # '위탁 언제 끝나?': a time is asked; the bare word names the contract, not its operator
        keys[keys.index("operator")] = "period"
        keys = list(dict.fromkeys(keys))
    return list(dict.fromkeys(keys))


@lru_cache(maxsize=4096)
def _pairs(text: str) -> frozenset[str]:
    """Letter pairs inside each word (not across a word gap), digits and generic pairs left out."""
    out: set[str] = set()
    for word in re.split(r"[\s()（）『』「」<>,]+", text):
        out |= {g for g in bigrams(name_key(word)) if g not in GENERIC_PAIRS and not any(c.isdigit() for c in g)}
    return frozenset(out)


def subject_score(name: str, question_pairs: set[str], programs: list[str]) -> float:
    """Share of the subject's letter pairs the question (or a named programme) carries."""
    pairs = _pairs(name)
    if not pairs:
        return 0.0
    best = len(pairs & question_pairs) / len(pairs)
    for p in programs:
        if name_key(p) and (name_key(p) in name_key(name) or name_key(name) in name_key(p)):
            best = max(best, 0.95)
        else:
            # the appendix and the body print one programme's title a little differently
            # ('서울특별시 청년 허브 운영' / '서울시 청년허브 운영'): nearly the same letter pairs, both ways
            a, b = _squashed_pairs(name), _squashed_pairs(p)
            if a and b and 2 * len(a & b) / (len(a) + len(b)) >= PROGRAM_SAME:
                best = max(best, 0.9)
    return best


PROGRAM_SAME = 0.75      # Dice overlap of two titles' letter pairs (spaces removed) that makes them one programme


@lru_cache(maxsize=1024)
def _squashed_pairs(name: str) -> frozenset[str]:
    return frozenset(g for g in bigrams(name_key(name.replace(" ", ""))) if not any(c.isdigit() for c in g))


# nouns of a question that only ask (labels, question words), never a subject of their own
ASK_NOUNS = {"주소", "위치", "소재지", "장소", "기관", "수탁", "위탁", "운영", "기간", "위탁기간", "계약", "계약기간", "규모", "면적",
             "연면적", "건물", "동", "개", "곳", "어디", "누구", "언제", "법인", "단체", "업체", "대학", "용역비", "사업비", "예산",
             "지원액", "지원금", "지원", "최대", "총", "근거", "조례", "이름", "개소", "개관", "정도", "맡", "주체", "당", "얼마",
             "서울", "서울시", "시", "사업", "센터", "대행", "선정", "맡은", "혹시", "지금", "현재", "올해", "작년"}


def _content_nouns(utt: Utterance) -> list[str]:
    """Korean nouns of the question beyond the asking ones. An English question's words
    cannot be looked up in Korean facts: the named programme (an entity) stands for them."""
    if utt.lang == "en":
        return [m.form for m in utt.morphs if m.tag in ("NNG", "NNP") and len(m.form) >= 2]
    from .passages import GENERIC_NOUNS        # '전체', '현재', '관련': no particular thing named
    return [m.form for m in utt.morphs if m.tag in ("NNG", "NNP", "SL", "SH") and m.form not in ASK_NOUNS
            and m.form not in GENERIC_NOUNS and len(m.form) >= 2]


def _unexplained(nouns: list[str], subject: str, hit: list[Fact]) -> bool:
    """A noun of the question that neither the subject, its programme nor the facts found mention."""
    where = name_key(" ".join([subject] + [f"{f.program} {f.subject} {f.label} {f.value}" for f in hit]))
    return any(name_key(n) not in where for n in nouns)


def _label_text(f: Fact, lang: str) -> str:
    return LABEL_NAMES_EN.get(f.key, f.label) if lang == "en" else f.label


def answer_fact(question: str, utt: Utterance, answer_type: AnswerType | None, programs: list[str],
                facts: list[Fact], quote: Callable[[str, int, int], str]) -> Answer | None:
    """The facts asked for, cited; a subject that lacks the label → said so; else None."""
    if not facts or not utt.text or len(utt.text) > MAX_QUESTION_CHARS:
        return None          # a question that long names no one label (and is cut elsewhere)
    if answer_type is not None and answer_type.kind == "how":
        return None          # '위탁 끝나면 어떻게 한대': a plan or an action, not a label's value
    keys = asked_keys(utt, answer_type)
    ask_date = answer_type is not None and answer_type.kind in ("date", "period")
    if not keys and not ask_date:
        return None
    qp = set(bigrams(name_key(utt.text)))
    lang = utt.lang
    # subjects: a facility printed on the line, or the programme title
    scored: dict[str, float] = {}
    for f in facts:
        for name in {f.subject, f.program}:
            if name and name not in scored:
                scored[name] = subject_score(name, qp, programs)
    picked: list[Fact] = []
    extra = _content_nouns(utt)
    programs_of = {f.program for f in facts}
    # '<A>랑 <B> 각각 어디서 운영해?': every subject named that holds the label, not the first alone
    many = bool(EACH.search(utt.squashed)) or len(_distinct_names(programs)) >= 2
    if keys:
        ranked = sorted(scored.items(), key=lambda x: (-x[1], -len(_pairs(x[0]))))
        for name, s in ranked:
            if s < SUBJECT_MIN:
                break
            own = [f for f in facts if f.subject == name]
            own += [f for f in facts if f.program == name and f not in own]
            # the question names something more particular than this subject ('1단지 규모', '입주 단체 규모')
            hit = [f for k in keys for f in own if f.key == k]
            # (a noun another subject of the answer explains is explained: '<A>랑 <동북권 A> 각각')
            left = [n for n in extra if not any(_unexplained([n], p.subject, [p]) is False for p in picked)]
            if hit and _unexplained(left, name, hit):
                hit = []
            # a facility's own fact beats the programme's line that only mentions it
            if hit:
                if any(f in picked for f in hit):
                    continue                 # the same lines under another name of the subject
                picked += _dedupe(hit)
                if not many or len({f.subject for f in picked}) >= MAX_SUBJECTS:
                    break
                continue
            if picked:
                continue
            if s >= 0.9 and len(own) >= 2 and name not in programs_of and keys[0] != "place" \
                    and not _unexplained(extra, name, own):
                return _missing(question, name, keys, own, lang, quote)
    if not picked and ask_date:
        # '<event> 언제' over the dated lines: the event is the label, the date the value
        best = None
        for f in facts:
            if f.key != "date":
                continue
            s = subject_score(f.label, qp, [])
            if s >= 0.75 and (best is None or s > best[0]):
                best = (s, f)
        if best is not None:
            picked = [best[1]]
    if not picked:
        return None
    return _render(question, picked, lang, quote)


def _distinct_names(names: list[str]) -> list[str]:
    """Names that are not one inside another: a facility and the appendix programme that runs it
    ('<…센터>' / '<…센터> 운영', both carried by '거기' after the facility's answer) are one subject."""
    keys = sorted({name_key(n) for n in names if n}, key=len)
    return [k for i, k in enumerate(keys) if not any(o in k for o in keys[:i])]


def _dedupe(facts: list[Fact]) -> list[Fact]:
    seen, out = set(), []
    for f in facts:
        k = (f.key, f.value)
        if k not in seen:
            seen.add(k)
            out.append(f)
    # the precise operator beside a name beats the whole '운영 : …' line
    ops = [f for f in out if f.key == "operator"]
    if len(ops) > 1 and any(f.source != "label" for f in ops):
        out = [f for f in out if not (f.key == "operator" and f.source == "label" and f.label.replace(" ", "") == "운영")]
    return out


def _cite(f: Fact, quote) -> Citation:
    return Citation(f.doc, f.section, f.line_start, f.line_end, quote(f.doc, f.line_start, f.line_end))


def _render(question: str, picked: list[Fact], lang: str, quote) -> Answer:
    lines = []
    for f in picked:
        where = f"{f.line_start}행" if lang == "ko" else f"line {f.line_start}"
        if lang == "ko":
            lines.append(f"{f.subject}의 {f.label}: {f.value} ({where})" if f.key != "date"
                         else f"{f.label}: {f.value} ({f.subject}, {where})")
        else:
            lines.append(f"{f.subject} — {_label_text(f, lang)}: {f.value} (report {where})" if f.key != "date"
                         else f"{f.label}: {f.value} ({f.subject}, report {where})")
    if lang == "en":
        lines.insert(0, "According to the report (quoted in Korean):")
    cites = list({(c.doc, c.line_start): c for c in (_cite(f, quote) for f in picked)}.values())
    method = "사실 표(보고서의 '라벨 : 값' 줄과 이름 옆 운영기관 표기)에서 조회 — report-assistant tables facts"
    return Answer(question, "\n".join(lines), "passages", {"facts": [f.to_dict() for f in picked]}, method, cites, 0.9)


def _missing(question: str, subject: str, keys: list[str], own: list[Fact], lang: str, quote) -> Answer:
    names = {"place": "위치", "operator": "수탁기관", "period": "위탁기간", "opened": "개소 시기", "scale": "규모",
             "budget": "예산", "basis": "근거"}
    asked = ", ".join(names.get(k, k) for k in keys) if lang == "ko" else ", ".join(LABEL_NAMES_EN.get(k, k) for k in keys)
    given = "; ".join(f"{f.label}: {f.value}" for f in own[:4])
    if lang == "ko":
        text = f"보고서에는 {subject}의 {asked}이(가) 적혀 있지 않습니다. 보고서가 적은 것: {given}"
    else:
        text = f"The report does not give the {asked} of {subject}. What it gives: {given}"
    cites = [_cite(f, quote) for f in own[:4]]
    return Answer(question, text, "passages", {"facts": [f.to_dict() for f in own[:4]], "missing": keys},
                  "사실 표에 그 라벨이 없음 (추측하지 않음)", cites, 0.5)
