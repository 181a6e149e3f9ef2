"""Order: direction (max/min), rank, top/bottom k, everything ranked.

    '가장 낮은', '꼴찌', '최하위', 'lowest'  -> Order('min')
    '두 번째로 큰', 'second largest', '3위' -> Order('max', rank=2 / 3)
    '상위 3개', 'top 5', '하위 두 곳'       -> Order(…, k=3 / 5 / 2)
    '순위 전부', 'rank all'                -> Order(…, all=True)

One Order per question, spanning its cues; the direction words 높/낮/크/작/
많/적 after 가장/제일 carry the direction (max when none is said)."""
from __future__ import annotations

import re

from ..types import Mention, Order, Utterance
from .common import NATIVE_RE, mention, native_value

KIND = "order"
_N = rf"(?:\d+|{NATIVE_RE}|one|two|three|four|five|six|seven|eight|nine|ten)"
_NEUTRAL = re.compile(r"(?<![가-힣])(?:가장|제일|젤|제일로|최고로)")
_SPEND_FORMS = r"(?:쓴|쓰고|쓰는|썼|쓰|쓸|나간|나가|집행)"       # every form of spending, for 잘/못/안 + it
_UP = rf"높|크|큰|많|만은|비싼|활발|잘\s?{_SPEND_FORMS}"
_DOWN = rf"낮|작|적|[조쪼자][그끄]마?|[조쪼][금끔]|저조|부진|덜|못\s?(?:{_SPEND_FORMS[3:-1]}|미친)|안\s?{_SPEND_FORMS}|느린|뒤처"
_DIR_AFTER = re.compile(rf"[^?.!,]{{0,10}}?(?:(?P<up>{_UP})|(?P<down>{_DOWN}))")
_MAX = re.compile(r"최고(?!로)|최대|최다|(?<!\d)1\s?위|(?<!\d)1\s?등(?!급|록|기|분|호|원|반)|일등(?!급)|(?<![a-z])(?:top|highest|most|largest|biggest|greatest|maximum|max)(?![a-z])"
                  r"|(?:높은|큰|많은)\s?(?:순|순서)")
_MIN = re.compile(r"최소|최저|최하위|꼴찌|꼴등|맨\s?(?:아래|밑|끝|뒤)|바닥|저조한|부진한|제일\s?적게|가장\s?적게"
                  r"|(?<![a-z])(?:lowest|least|worst|bottom|smallest|fewest|minimum|min)(?![a-z])|(?:낮은|작은|적은)\s?(?:순|순서)")
_K = re.compile(rf"(?P<dir>상위|하위|top|bottom|톱|탑)\s?(?P<n>{_N})(?:\s?(?:개|곳|위|건|가지|군데|개\s?사업))?"
                rf"|(?<![가-힣\d])(?P<n2>{_N})\s?(?:개|곳|가지|군데|건)\s?만"
                rf"|순(?:으로|서로|서대로)?\s?(?P<n3>{_N})\s?(?:개|곳|가지|군데|건|위)"
                rf"|(?<![a-z])(?:the\s)?(?P<n4>{_N})\s(?:programmes|programs|projects|items|divisions|departments)\s(?:with|that|which)"
                r"|(?<!\d)1\s?(?:위|등)?\s?[~∼-]\s?(?P<n5>\d{1,2})\s?(?:위|등)")
_K_AFTER = re.compile(rf"\s?(?:[가-힣]{{1,6}}\s?)?(?P<n>{_N})\s?(?:개|곳|가지|군데)(?!\s?(?:이상|이하|미만|초과|월|년|소|국|동|구))")
_RANK = re.compile(rf"(?P<n>{_N})\s?번째|(?<![\d.])(?P<n2>\d+)\s?(?:위|등)(?!원|치|험|반|임|급|록|기|분|호)|(?P<n3>\d+)(?:st|nd|rd|th)(?![a-z])"
                   r"|(?<![a-z])(?P<en>second|third|fourth|fifth)(?![a-z])")
_ALL = re.compile(r"순위\s?(?:를|는)?\s?(?:전부|다|모두|전체|매겨|매기|줄\s?세)|(?:전부|다|모두|전체)\s?(?:순위|줄\s?세|순서대로|나열)"
                  r"|순서대로\s?(?:다|전부|모두|쭉)?|줄\s?세워|순으로\s?(?:다|전부|모두|쭉|정렬|나열)|정렬"
                  r"|(?<![a-z])(?:rank (?:all|every|them)|all ranked|in order|sorted|sort (?:all|them))(?![a-z])")


def extract(utt: Utterance) -> list[Mention]:
    text = utt.text
    spans: list[tuple[int, int]] = []
    direction, k, rank, all_, sources = None, None, 1, False, []

    def take(m, src):
        spans.append(m.span())
        sources.append(src)

    for m in _NEUTRAL.finditer(text):
        d = _DIR_AFTER.match(text, m.end())
        if d:
            direction = direction or ("max" if d.group("up") else "min")
            spans.append((m.start(), d.end() + len(re.match(r"[가-힣]*", text[d.end():]).group(0))))
            sources.append("rule:superlative")
        else:
            take(m, "rule:superlative")
    for rx, d in ((_MIN, "min"), (_MAX, "max")):
        for m in rx.finditer(text):
            if not any(s <= m.start() < e for s, e in spans):
                direction = direction or d
                take(m, f"rule:{d}")
    if spans and k is None:
        # '제일 큰 사업 3개', '가장 적게 쓴 곳 다섯 군데': the count after the superlative's noun is k
        end = max(e for _, e in spans)
        after = _K_AFTER.match(text, end)
        if after:
            n = native_value(after.group("n"))
            if n and n > 1:
                k = n
                spans.append((end, after.end()))
                sources.append("rule:k_after")
    for m in _K.finditer(text):
        n = native_value(m.group("n") or m.group("n2") or m.group("n3") or m.group("n4") or m.group("n5"))
        if n and n > 1 or (n and not m.group("n4")):
            k = n
            if m.group("dir"):
                d = "min" if m.group("dir") in ("하위", "bottom") else "max"
                direction = d if direction is None or m.group("dir") in ("하위", "bottom", "상위") else direction
            take(m, "rule:k")
    for m in _RANK.finditer(text):
        if any(s <= m.start() < e for s, e in spans) and not m.group("n"):
            continue
        word = m.group("n") or m.group("n2") or m.group("n3") or m.group("en")
        n = native_value(word)
        if n:
            rank = n
            take(m, "rule:rank")
    for m in _ALL.finditer(text):
        all_ = True
        take(m, "rule:all")
    if not spans:
        return []
    if direction is None:
        d = re.search(rf"(?P<up>{_UP})|(?P<down>{_DOWN})", text)
        direction = "min" if d and d.group("down") else "max"
    if k is not None:
        all_ = False
    span = (min(s for s, _ in spans), max(e for _, e in spans))
    return [mention(utt, KIND, Order(direction, rank, k, all_), span, "+".join(dict.fromkeys(sources)))]
