"""What kind of answer a question asks for: question → AnswerType.

    answer_type(utterance("그 센터는 어디가 맡아 운영해?"))   -> AnswerType("org")
    answer_type(utterance("교육은 몇 회 열렸어?"))           -> AnswerType("count", "회")
    answer_types(utterance("한 달에 얼마씩, 몇 개월 줘?"))    -> [amount, period('개월')]  (reading order)

Rules run on the squashed text (spacing-insensitive) for Korean and on the
lower-cased text for English; each finds a span, and the answer types of a
question are its matches in reading order (a question may ask two things).
`answer_type` gives the first one, or `what` when none matched. The example
corpus assistant/understand/corpus/answer_type.jsonl is also the test.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .types import AnswerType, Mention, Utterance

# counters as the report prints them: '곳/군데' are 개소, '번/차례' are 회
COUNTER_CANON = {"곳": "개소", "군데": "개소", "번": "회", "차례": "회", "개월": "개월", "명": "명", "건": "건",
                 "개소": "개소", "개": "개", "회": "회", "팀": "팀", "동": "동", "개동": "개동", "개구": "개구",
                 "자치구": "자치구", "개국": "개국", "단체": "개", "분야": "개", "차": "회", "년": "년", "일": "일", "배": "배",
                 "시간": "시간"}
_COUNTERS = "개소|개동|개구|개국|개월|자치구|군데|차례|단체|분야|시간|명|건|개|곳|회|번|팀|동|차|일|배"
ORG_CONTEXT = r"맡|운영|위탁|수탁|선정|담당|주관|대행|업체|기관|법인|단체|협약|소관|관할|수행|하는곳|하는데"


@dataclass(frozen=True)
class Rule:
    kind: str
    pattern: str
    lang: str = "ko"          # ko rules run on the squashed text, en on the text
    counter: str | None = None
    priority: int = 0         # among matches at the same position, higher wins


RULES: tuple[Rule, ...] = (
    # how it went / what the bureau answered
    Rule("how", r"어떻게(?:됐|되었|돼|되어|처리|대응|조치|했|하였|진행|바뀌|달라|개선|반영|답|설명|정리|마무리|마감"
                r"|한대|한다고|할(?:거|건|지|예정|계획)|하기로|하겠)", priority=3),
    Rule("how", r"뭐라고(?:답|했|설명|해명|회신)|무엇이라고|조치결과|처리결과|처리상황|추진상황|조치내용|어디까지(?:진행|됐|왔)", priority=3),
    Rule("rate", r"몇(?:퍼센트|%|프로)|비율|비중|[률율](?:은|이|는)?(?:얼마|몇)|"
                 r"[률율][^?]{0,16}얼마나(?:올|늘|높|오르|상승|개선|떨|낮|줄)", priority=2),
    Rule("period", r"몇개월(?:간|동안)?", counter="개월", priority=2),
    Rule("period", r"언제까지", counter="까지", priority=2),     # a deadline: a date answers it
    Rule("period", r"얼마동안|몇년(?:간|동안)?|기간(?:은|이|을)?(?:언제|얼마|어떻게|몇|$|\?)|위탁기간|계약기간|사업기간|며칠간",
         priority=2),
    # '며칠로 줄였어', '며칠 이내': a number of days, not a date
    Rule("count", r"며칠(?=로|씩|이내|짜리|만에)", counter="일", priority=2),
    Rule("date", r"언제|날짜|며칠|몇월|몇일|시기|일정(?:은|이)?(?:언제|어떻게)?|몇시(?!간)"),
    # '연면적이 얼마야': the 얼마 of an area noun asks square metres, not money
    Rule("area", r"(?:연면적|건축면적|부지면적|면적|넓이|평수)(?:은|는|이|가)?(?:얼마|몇|어느|어떻게)?", priority=2),
    Rule("org", r"어디(?:가|서|에서|에|로|랑|와)?(?:" + ORG_CONTEXT + r")|(?:" + ORG_CONTEXT + r")[^?]{0,12}?어디|"
                r"어느(?:기관|단체|법인|업체|부서|과|곳이운영|대학)|누가(?:운영|맡|수탁|위탁|담당|주관|수행|했|해)|"
                r"(?:법인|기관|단체|업체|대학)(?:이름|명)|수탁기관|운영기관|위탁기관|맡은(?:법인|기관|단체|곳)|운영주체|운영하는곳|업체명|기관명", priority=2),
    # '어디가 더 높아', '어디가 제일 많이 써': which of the rows, not a place
    Rule("what", r"어디(?:가|는|야|예요|인가요)?(?:[^?]{0,10}?(?:더|제일|가장|젤))?(?:높|낮|많|적|크|작|큰|빠르|느리)",
         priority=1),
    # '7개 구 어디야', '자치구 어디어디야': the places counted are asked, whatever runs there ('운영하는')
    Rule("place", r"(?:\d+개|몇개)(?:자치구|구|동|군|지역|권역)(?:는|가|이|은)?(?:어디|어느)|자치구(?:는|가|이|은)?어디", priority=3),
    Rule("place", r"주소|링크|(?<![a-z])url", counter="주소", priority=1),       # an address: a street and number (or a web address)
    Rule("place", r"어디(?!까지)|위치|소재지|장소|어느(?:동네|지역|자치구|구|동)(?:에|에서|야|인|이)"),
    Rule("person", r"누구|누가|성함|담당자"),
    Rule("count", r"몇(" + _COUNTERS + r")"),
    Rule("count", r"(?:인원|사람수|참가자수|참여자수)(?:은|는|이|가)?", counter="명"),     # people counted
    Rule("count", r"(?:건수)(?:은|는|이|가)?", counter="건"),
    Rule("count", r"(?:횟수)(?:은|는|이|가)?", counter="회"),
    Rule("count", r"(?:개수)(?:은|는|이|가)?"),
    Rule("amount", r"얼마(?!나)|금액|비용|용역비|사업비|예산(?:은|이)?(?:얼마|몇)|몇(?:억|만원|천만|백만|원)"),
    Rule("yesno", r"(?:했|됐|되었|냈|제출했|반영됐|보고했|있|없|가능|끝났|완료됐|마쳤)(?:나요|어요|습니까|니|나|어|냐|는지|을까요|었어)\??$|"
                  r"할수있|될수있|가능한가|맞나요|맞아"),
    # English
    Rule("how", r"what did .* do|how (?:was|were|did|has|have) .* (?:handled|resolved|addressed|answer|respond)|what happened|"
                r"what (?:was|is) the (?:response|action|outcome)", lang="en", priority=3),
    Rule("rate", r"what percent|percentage|how many percent|\brate\b", lang="en", priority=2),
    Rule("period", r"how long|until when|what period|for how many months", lang="en", priority=2),
    Rule("date", r"\bwhen\b|what date|which date|what day", lang="en"),
    Rule("org", r"who (?:runs|operates|manages|is in charge|was selected|won)|"
                r"who\b(?:\s[a-z]+){0,3}\s(?:run|runs|running|operat\w*|manag\w*|commission\w*|contract\w*|entrust\w*|"
                r"organi[sz]\w*|host\w*)\b|"
                r"which (?:organi[sz]ation|institution|agency|body|company|"
                r"university|division|department)|operator", lang="en", priority=2),
    Rule("area", r"floor area|\barea\b|square met|how (?:large|big) is the (?:space|site|building)", lang="en", priority=2),
    Rule("place", r"\baddress\b", lang="en", counter="주소", priority=1),
    Rule("place", r"\bwhere\b|location", lang="en"),
    Rule("person", r"\bwho\b|whose name", lang="en"),
    Rule("count", r"how many (?:people|persons|participants|residents|visitors)", lang="en", counter="명", priority=1),
    Rule("count", r"how many times", lang="en", counter="회", priority=1),
    Rule("count", r"how many (?:teams)", lang="en", counter="팀", priority=1),
    Rule("count", r"how many (?:months)", lang="en", counter="개월", priority=1),
    Rule("count", r"how many", lang="en"),
    Rule("amount", r"how much|what amount|budget of|cost", lang="en"),
    Rule("yesno", r"^(?:is|are|was|were|did|does|do|has|have|can|could|will)\b", lang="en"),
)
_COMPILED = [(r, re.compile(r.pattern)) for r in RULES]
WHAT = AnswerType("what")
_LABEL_BEFORE = re.compile(r"(?:위치|주소|기간|일정|규모|면적|금액|예산|인원|비율|날짜|시기|장소)(?:이|가|은|는)?$")


def _counter(rule: Rule, m: re.Match) -> str | None:
    if rule.counter:
        return rule.counter
    if rule.kind == "count" and m.groups() and m.group(1):
        return COUNTER_CANON.get(m.group(1), m.group(1))
    return None


_HOW_RULE = Rule("how", "", priority=3)
_LIGHT_VERBS = {"되", "하", "이"}      # '어떻게 돼/했어' are the regex rules' (a label before them asks for it)


def _how_by_verb(utt: Utterance) -> list[tuple[int, int, Rule, re.Match]]:
    """'어떻게' (or '뭘'/'무엇을') followed by an action verb ('어떻게 바꿨어', '어떻게 줄였대', '뭘 개선했대'):
    the manner of what was done.
    Read on Kiwi's morphemes, so every ending of the verb counts; a light verb is left to the rules."""
    morphs = list(utt.morphs or ())
    for i, m in enumerate(morphs):
        if m.form == "어떻게" and m.tag.startswith("MA"):
            rest = morphs[i + 1:]
        elif m.form == "어떻" and m.tag.startswith("VA") and i + 1 < len(morphs) and morphs[i + 1].form == "게":
            rest = morphs[i + 2:]
        elif m.form in ("뭐", "무엇") and m.tag == "NP" and i + 1 < len(morphs) and morphs[i + 1].tag == "JKO":
            rest = morphs[i + 2:]        # '뭘 바꿨어', '무엇을 개선했나요': what was done
        else:
            continue
        k = next((j for j, x in enumerate(rest) if not x.tag.startswith("MA")), None)
        nxt = rest[k] if k is not None else None
        if nxt is not None and nxt.tag == "NNG" and k + 1 < len(rest) and rest[k + 1].tag.startswith("XSV"):
            nxt = rest[k + 1]              # '어떻게 해결했대': a noun made a verb by 하
        elif nxt is None or nxt.tag != "VV" or nxt.form in _LIGHT_VERBS:
            continue
        start = len(re.sub(r"\s+", "", utt.text[:m.start]))
        end = len(re.sub(r"\s+", "", utt.text[:nxt.end]))
        match = re.compile(".{%d}" % (end - start)).match(utt.squashed, start) if end > start else None
        if match is not None:
            return [(start, -_HOW_RULE.priority, _HOW_RULE, match)]
    return []


def answer_types(utt: Utterance) -> list[Mention]:
    """Every answer type the question asks for, in reading order (one per span)."""
    found: list[tuple[int, int, Rule, re.Match]] = []
    for rule, rx in _COMPILED:
        if rule.lang == "en":
            if utt.lang != "en":
                continue
            for m in rx.finditer(utt.text):
                found.append((m.start(), -rule.priority, rule, m))
        else:
            for m in rx.finditer(utt.squashed):
                found.append((m.start(), -rule.priority, rule, m))
    if utt.lang != "en" and not any(r.kind == "how" for _, _, r, _ in found):
        found += _how_by_verb(utt)
    if not found:
        return []
    # a higher-priority match that overlaps a lower one wins; then reading order
    found.sort(key=lambda x: (x[1], x[0]))
    taken: list[tuple[int, int]] = []
    keep: list[tuple[int, Mention]] = []
    kinds: set[tuple[str, str | None]] = set()
    for start, _, rule, m in found:
        end = m.end()
        if any(start < e and s < end for s, e in taken):
            continue
        if rule.kind == "how" and rule.lang == "ko" and _LABEL_BEFORE.search(utt.squashed[:start]):
            continue        # '위치가 어떻게 돼요' asks for the place, not how something went
        at = AnswerType(rule.kind, _counter(rule, m))
        if (at.kind, at.counter) in kinds:
            continue
        taken.append((start, end))
        kinds.add((at.kind, at.counter))
        if rule.lang == "en":
            span, text = (start, end), utt.text[start:end]
        else:
            span = utt.span_of_squashed(start, end)
            text = utt.text[span[0]:span[1]]
        keep.append((start, Mention("answer_type", at, span, text, 1.0,
                                    "morph:how" if rule is _HOW_RULE else f"rule:{rule.kind}")))
    keep.sort(key=lambda x: x[0])
    mentions = [m for _, m in keep]
    if any(m.value.kind != "yesno" for m in mentions):      # '몇 개 하고 있어요?' asks for the count
        mentions = [m for m in mentions if m.value.kind != "yesno"]
    # 'how did it go' frames the whole question: it leads
    mentions.sort(key=lambda m: 0 if m.value.kind == "how" else 1)
    return mentions


def answer_type(utt: Utterance) -> AnswerType:
    """The main answer type ('how' first when asked, else the first in reading order; `what` when none)."""
    ms = answer_types(utt)
    return ms[0].value if ms else WHAT
