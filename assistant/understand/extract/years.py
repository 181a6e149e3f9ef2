"""Years: explicit ones (2017년, '18년, 18년도, FY2018) and relative ones.

    '2017년'      -> Year(2017)           source 'rule:year'
    "'18년"      -> Year(2018)
    '작년' / '올해' / '내년' -> Year(-1) / Year(0) / Year(1)   source 'relative'
                  (the frame resolves them against the document's year)"""
from __future__ import annotations

import re

from ..types import Mention, Utterance, Year
from .common import mention

KIND = "year"
_FULL = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:\s?년(?:도)?|(?!\d))")
_SHORT = re.compile(r"(?:(?<=')|(?<![\d.,]))(\d\d)\s?년(?:도)?(?!\s?(?:간|동안|째|차|이상|이하|미만))")
_FY = re.compile(r"(?<![a-z])fy\s?'?(\d{2,4})(?!\d)")
_RELATIVE = [(-2, r"재작년|지지난\s?해"), (-1, r"작년|지난\s?해|전년(?!\s?대비)|전년도|last year"),
             (0, r"올해|금년|이번\s?해|this year|올\s?한\s?해"), (1, r"내년|다음\s?해|명년|next year")]
_RELATIVE_RE = [(v, re.compile(p)) for v, p in _RELATIVE]


def extract(utt: Utterance) -> list[Mention]:
    text = utt.text
    out: list[Mention] = []
    for m in _FULL.finditer(text):
        out.append(mention(utt, KIND, Year(int(m.group(1))), m.span(), "rule:year"))
    taken = [m.span for m in out]
    for m in _SHORT.finditer(text):
        s = m.start() - 1 if m.start() and text[m.start() - 1] == "'" else m.start()
        if not any(a <= m.start() < b for a, b in taken):
            out.append(mention(utt, KIND, Year(2000 + int(m.group(1))), (s, m.end()), "rule:year"))
    for m in _FY.finditer(text):
        y = int(m.group(1))
        out = [o for o in out if not (m.start() <= o.span[0] and o.span[1] <= m.end())]
        out.append(mention(utt, KIND, Year(y if y > 999 else 2000 + y), m.span(), "rule:fiscal_year"))
    for v, rx in _RELATIVE_RE:
        for m in rx.finditer(text):
            out.append(mention(utt, KIND, Year(v), m.span(), "relative"))
    return sorted(out, key=lambda m: m.span)
