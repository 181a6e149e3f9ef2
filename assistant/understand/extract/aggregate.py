"""Aggregates: sum, mean, count, list, optionally by department.

    '합치면', '총 얼마', 'total'  -> Aggregate('sum')
    '평균', 'average'             -> Aggregate('mean')
    '몇 개', '개수', 'how many'   -> Aggregate('count')
    '목록', '뭐뭐', 'which ones'  -> Aggregate('list')
    '부서별 미완료 건수'          -> Aggregate('count', by='department')

'부서별' with no operation of its own is Aggregate('list', by='department')."""
from __future__ import annotations

import re

from ..types import Aggregate, Mention, Utterance
from .common import mention

KIND = "aggregate"
_OPS = [
    ("sum", r"합계|합치면|합친|합쳐|합하면|합한|합산|총합|총액|다\s?더하면|다\s?더한|더하면|모두\s?더해|(?<![가-힣])총(?=\s?(?:예산|지출|집행|원인행위|얼마|금액|액|합|규모|\d))"
            r"|(?<![a-z])(?:total|combined|sum|altogether|in total|add up|added up)(?![a-z])"),
    ("mean", r"평균|하나당|사업당|개당|(?<![a-z])(?:average|mean|per program|per project)(?![a-z])"),
    ("count", r"몇\s?(?:개|건|곳|군데|가지|사업|부서|담당관)|개수|건수|갯수|(?:사업|세부사업|항목|프로그램)\s?수(?:는|은|가|이|를|도)?(?![가-힣])|(?<![a-z])(?:how many|number of|count of|count)(?![a-z])"),
    ("list", r"목록|리스트|어떤\s?(?:것|거|사업|곳|부서|건)들|뭐뭐|무엇무엇|뭐가\s?있|어떤\s?게\s?있|다\s?알려|전부\s?알려|모두\s?알려|나열해"
             r"|(?<![a-z])(?:list|which ones|what are the|name all|show all)(?![a-z])"),
]
_OPS_RE = [(op, re.compile(p)) for op, p in _OPS]
_BY = re.compile(r"(?:부서|담당관|과|팀|국)\s?(?:별|마다)|각\s?(?:부서|담당관)(?:마다|별로|별)?"
                 r"|(?<![a-z])(?:by|per|for each|each) (?:department|division|office)s?(?![a-z])")


def extract(utt: Utterance) -> list[Mention]:
    text = utt.text
    by = [m for m in _BY.finditer(text)]
    out = []
    for op, rx in _OPS_RE:
        for m in rx.finditer(text):
            if any(b.start() <= m.start() < b.end() for b in by):
                continue
            out.append(mention(utt, KIND, Aggregate(op, "department" if by else None), m.span(), f"rule:{op}"))
    if by and not out:
        b = by[0]
        out.append(mention(utt, KIND, Aggregate("list", "department"), b.span(), "rule:by_department"))
    return out
