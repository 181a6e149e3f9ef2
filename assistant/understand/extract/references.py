"""References to what the conversation talked about, read by word, never by
a prefix ('그린뉴딜', '그림', '그룹' are no references).

    '그 사업', '그거', '거기', '해당 사업', 'it', 'that one' -> Reference('it')
    '그중', '그 가운데', 'among them', 'of those'          -> Reference('among')
    '둘 중', '두 개 중', '둘 다', 'which of the two'       -> Reference('both')
    a leading '그럼', '그러면', '그리고', 'and', 'what about', 'how about'
    followed by something                                -> Reference('other')

With Kiwi morphemes a '그/이/저' must be tagged MM (a determiner) or be part
of an NP pronoun (그거, 거기); without them a word boundary decides."""
from __future__ import annotations

import re

from ..types import Mention, Reference, Utterance
from .common import longest_first, mention

KIND = "reference"
_NOUN = r"(?:사업|사업들|곳|곳들|부서|담당관|거|것|건|프로그램|항목|기관|센터|예산|금액|숫자|수치|쪽|세\s?개)"
_IT = re.compile(rf"(?<![가-힣])(?:그|이|저|해당)\s?{_NOUN}(?![가-힣])|(?<![가-힣])(?:그|이|저|해당)\s{_NOUN}"
                 r"|(?<![가-힣])(?:그거|그것|그게|그건|그걸|거기|그곳|그쪽|저기|저거|이거|이것)"
                 r"|(?<![a-z])(?:it|its|that one|this one|that program|that project|that department|those ones|those programs|the same one)(?![a-z])"
                 r"|(?<![a-z])(?:that|this|the same)\s(?:[a-z][a-z\-]*\s){0,3}(?:programme|program|project|scheme|centre|center|office|department|facility)s?(?![a-z])"
                 r"|(?<![a-z])(?:that|those|them)(?=\s?[?.!]|\s?$)")
_AMONG = re.compile(r"(?<![가-힣])(?:그|이|저)\s?(?:중에서|중에|중|가운데서|가운데)(?![가-힣]{2})|(?<![가-힣])(?:그중|이중)(?:에|에서)?"
                    r"|(?<![가-힣])그\s?(?:사업|부서|곳)들\s?(?:중|가운데)"
                    r"|(?<![a-z])(?:among them|among those|of those|of them|out of those|out of them|of these|among these)(?![a-z])")
_BOTH = re.compile(r"(?<![가-힣])(?:그|이|저)\s?(?:둘|두\s?(?:개|곳|사업|부서|담당관|군데|가지))(?![가-힣]{2})"
                   r"|(?<![가-힣])(?:둘|두\s?(?:개|곳|사업|부서|담당관|군데))\s?(?:중에서|중에|중|가운데|다)(?![가-힣]{2})"
                   r"|(?<![가-힣])(?:둘|두\s?(?:개|곳|사업|부서|담당관|군데))(?:이|의|을|를|은|는)?(?=\s?(?:[가-힣]{1,4}\s)?(?:차이|합|더하|비교))"
                   r"|(?<![a-z])(?:which of the two|both of them|both|either of them|the two)(?![a-z])")
_OTHER = re.compile(r"^\s?(?P<w>그럼|그러면|그렇다면|그리고|그럼요|그러면요|그런데|근데|and|what about|how about|then)(?![가-힣a-z])[\s,]*")
_MORPH_OK = {"MM", "NP"}


def _morph_at(utt: Utterance, pos: int):
    return next((m for m in utt.morphs if m.start == pos), None)


def extract(utt: Utterance) -> list[Mention]:
    text = utt.text
    out = []
    for kind, rx in (("among", _AMONG), ("both", _BOTH), ("it", _IT)):
        for m in rx.finditer(text):
            if utt.morphs and re.match(r"[가-힣]", m.group(0)) and kind != "both":
                # ('둘 중', '둘 차이', '두 개 합치면' are read by their context; Kiwi may tag 둘 as 두다)
                mo = _morph_at(utt, m.start())
                if mo is not None and mo.tag not in _MORPH_OK and not (kind == "it" and mo.form == "해당") \
                        and not (mo.tag == "IC" and mo.form in ("그", "저") and m.end() - m.start() > 2) \
                        and not (kind in ("both",) and mo.tag in ("NR", "MM", "NNG")) \
                        and not (kind == "among" and mo.form == "그중"):
                    # (Kiwi tags '그중' before a noun as one NNG, the dictionary word 'among them';
                    # '이중' stays a word of its own: '이중 지원' is double support)
                    continue          # '이' as a particle or a verb stem is no determiner ('그 사업' read
                                      # as an interjection at the start of a question still points back)
            out.append(mention(utt, KIND, Reference(kind), m.span(), f"rule:{kind}"))
    lead = _OTHER.match(text)
    if lead and len(re.sub(r"[\s?.!]", "", text[lead.end():])) >= 1:
        out.append(mention(utt, KIND, Reference("other"), lead.span("w"), "rule:other"))
    # '그 중' is 'among', not 'it' + '중'
    out = [m for m in out if not (m.value.kind == "it" and any(o.value.kind != "it" and o.span[0] <= m.span[0] < o.span[1]
                                                                for o in out))]
    return longest_first(out)
