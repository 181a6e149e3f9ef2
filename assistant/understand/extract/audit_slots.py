"""Audit slots: statuses and categories of the findings table.

    '완료된', '끝난', 'done'          -> Status('완료')
    '안 끝난', '미완료', 'not completed' -> Status('완료', negated=True)
    '추진 중', '검토중', '미반영'     -> Status('추진중' / '검토중' / '미반영')
    '시정요구', '건의사항', '자료 요구' -> Category(…)
    '자료 요구까지 합쳐서'            -> Category('기타(자료제출 등)', inclusive=True)

The words live in data/audit_words.json (the format's vocabulary)."""
from __future__ import annotations

import re
from functools import lru_cache

from ..types import Category, Mention, Status, Utterance
from .common import compile_words, load_json, longest_first, mention

FILE = "audit_words.json"
INCLUSIVE_GAP = 6
_ORIGIN = re.compile(r"(?:으로|로|에\s?따라|를\s?받아|에서)\s?(?:시작|출발|만들|생긴|나온|비롯|추진된|반영된)")


@lru_cache(maxsize=1)
def _vocab():
    data = load_json(FILE)
    statuses = [(s, compile_words(ws)) for s, ws in data["statuses"].items()]
    negated = [(s, compile_words(ws)) for s, ws in data["negated"].items()]
    cats = [(c, compile_words(ws)) for c, ws in data["categories"].items()]
    before = re.compile("(?:" + compile_words(data.get("inclusive_before", [])).pattern + r")\s?$")
    return statuses, negated, cats, compile_words(data["inclusive"]), before


def statuses(utt: Utterance) -> list[Mention]:
    st, neg, _, _, _ = _vocab()
    out = []
    for value, rx in neg:
        for m in rx.finditer(utt.text):
            out.append(mention(utt, "status", Status(value, True), m.span(), f"seed:not {m.group(0)}"))
    negated = [m.span for m in out]
    # '아직 … 안 끝난' is one negated status; '아직' alone says nothing
    for value, rx in st:
        for m in rx.finditer(utt.text):
            if not any(s <= m.start() < e for s, e in negated):
                out.append(mention(utt, "status", Status(value), m.span(), f"seed:{m.group(0)}"))
    return longest_first(out)


def categories(utt: Utterance) -> list[Mention]:
    _, _, cats, incl, incl_before = _vocab()
    text = utt.text
    found = []
    for value, rx in cats:
        for m in rx.finditer(text):
            found.append(mention(utt, "category", Category(value), m.span(), f"seed:{m.group(0)}"))
    out = []
    for m in longest_first(found):
        i = incl.search(text, m.span[1])
        b = incl_before.search(text[max(0, m.span[0] - 20):m.span[0]])
        if b:
            m = mention(utt, "category", Category(m.value.value, True), (max(0, m.span[0] - 20) + b.start(), m.span[1]),
                        m.source + "+inclusive")
        elif i and i.start() - m.span[1] <= INCLUSIVE_GAP:
            m = mention(utt, "category", Category(m.value.value, True), (m.span[0], i.end()), m.source + "+inclusive")
        elif _ORIGIN.match(text, m.span[1]):       # '시민 건의로 시작된 사업': where a programme came from
            m = mention(utt, "category", m.value, m.span, m.source + "+origin", 0.5)
        out.append(m)
    return out


def extract(utt: Utterance) -> list[Mention]:
    return statuses(utt) + categories(utt)
