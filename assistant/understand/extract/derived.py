"""Derived measures: the difference of two metrics, or a metric's share of the total.

    '예산과 연말 예상 집행액의 격차'            -> Derived('difference', ('budget', 'forecast'))
    'difference between commitments and outlays' -> Derived('difference', ('committed', 'spent'))
    '전체 중 몇 %', '비중', 'share of'          -> Derived('share', (metric,))

A difference needs two different metrics in the question ('<사업>과 <부서>
예산 차이' compares two programmes on one metric: no Derived)."""
from __future__ import annotations

import re
from typing import Sequence

from ..types import Derived, Mention, Utterance
from .common import mention

KIND = "derived"
_DIFF = re.compile(r"격차|차이|간격|차액|벌어|(?<![가-힣])뺀|빼면|빼기|보다\s?(?:얼마나?|몇\s?[가-힣%]{0,3})\s?(?:더\s?)?(?:적|많|크|작|높|낮|모자|남)|(?<![a-z])(?:gap|difference|minus|subtract)(?![a-z])")
_SHARE = re.compile(r"비중|차지하는|차지해|차지하|점유율|(?<![가-힣])몫(?=\s?(?:이|은|는|을|의)?\s?(?:몇|얼마))|(?:전체|총)\s?(?:[가-힣]{1,6}\s?)?(?:중|대비|에서|의)\s?(?:몇\s?(?:%|퍼센트|프로)|비율|얼마나)"
                    r"|몇\s?(?:%|퍼센트|프로)(?:를|나|가)?\s?차지|(?<![a-z])(?:share of|proportion|percentage of|percent of)(?![a-z])"
                    # ('what share of its budget had it spent': the rate spent, as in Korean below)
                    r"(?![^?]{0,60}(?<![a-z])(?:spent|used|executed|disbursed|committed|paid out)(?![a-z]))"
                    # 'A가 B의 몇 %야': a share of B — not 'B의 몇 %를 썼어', the rate spent of B
                    r"|(?<=[가-힣])의\s?(?:몇\s?(?:%|퍼센트|프로)|몇\s?분의\s?몇)"
                    r"(?![^?]{0,10}(?:썼|쓴|쓰|집행|지출|나갔|나간|사용|소진|원인행위|계약))")
SHARE_WINDOW = 24


def extract(utt: Utterance, metrics: Sequence[Mention]) -> list[Mention]:
    text = utt.text
    out = []
    names = list(dict.fromkeys(m.value.name for m in sorted(metrics, key=lambda m: m.span)))
    for cue in _DIFF.finditer(text):
        # 'A에서 B를 뺀', 'A과 B의 격차', 'difference between A and B': text order
        if len(names) >= 2:
            near = sorted(metrics, key=lambda m: abs(m.span[0] - cue.start()))
            two, at = [], {}
            for m in near:
                if m.value.name not in two:
                    two.append(m.value.name)
                    at[m.value.name] = m.span[0]
                if len(two) == 2:
                    break
            # in the order the two mentions nearest the cue are written ('A minus B'), not where a
            # metric's name first appears elsewhere in the question
            order = sorted(two, key=lambda n: at[n])
            out.append(mention(utt, KIND, Derived("difference", tuple(order)), cue.span(), "rule:difference"))
            break
    for cue in _SHARE.finditer(text):
        before = [m for m in metrics if m.span[1] <= cue.start() and cue.start() - m.span[1] <= SHARE_WINDOW]
        after = [m for m in metrics if m.span[0] >= cue.end() and m.span[0] - cue.end() <= SHARE_WINDOW]
        m = max(before, key=lambda m: m.span[1]) if before else (min(after, key=lambda m: m.span[0]) if after else None)
        out.append(mention(utt, KIND, Derived("share", (m.value.name,) if m else ()), cue.span(), "rule:share"))
        break
    return out
