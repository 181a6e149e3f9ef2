"""Two questions in one: where a question asks, then asks again.

    split_question("청년프로젝트 투자사업 총사업비는 얼마고 몇 팀 뽑았어?")
        -> ["청년프로젝트 투자사업 총사업비는 얼마", "몇 팀 뽑았어?"]
    split_question("Which programme has the biggest budget, and how much of it had been spent?")
        -> ["Which programme has the biggest budget", "how much of it had been spent?"]

A boundary is only where the first part has already asked: a question word
right before the connective ('얼마고', '몇 건이고', '어디고', '뭐고'), a
question mark followed by another question, or ', and' + a question word in
English. 'A이고 B인 사업' (two conditions on one row) and 'A랑 B' (two things
asked of one statement) are one question. The later parts lean on the
earlier ones through the dialogue state ('몇 팀 뽑았어' = of the same
programme). The example corpus corpus/split.jsonl is the test.
"""
from __future__ import annotations

import re

MAX_PARTS = 3
MIN_CHARS = 3           # letters a part needs (without spaces and punctuation) to stand as a question
_ASK_KO = r"(?:얼마(?:씩|나)?|몇\s?[가-힣]{0,3}?|어디|어디어디|뭐|무엇|무슨\s?[가-힣]+?|언제|언제까지|누구|어느\s?[가-힣]+?|어떤\s?(?:거|것|곳|사업|건))"
# '…얼마고 …', '…몇 건이고, …', '…어디야? …': the first part asked with its own question word
_KO = re.compile(rf"(?P<ask>{_ASK_KO})(?:이|이었|였|인지)?고\s*,?\s+|(?P<mark>[?？])\s+(?=\S)")
_EN = re.compile(r"(?P<ask>),?\s+and\s+(?=(?:how|what|where|when|who|which|whose|is|are|was|were|did|does|do|has|have)\b)"
                 r"|(?P<mark>[?])\s+(?=\S)", re.IGNORECASE)
_EN_ASK = re.compile(r"\b(?:how|what|where|when|who|which|whose|is|are|was|were|did|does|do|has|have)\b", re.IGNORECASE)
_KO_ASK = re.compile(rf"{_ASK_KO}|[?？]|(?:나요|까요|니|냐|어|야|지)\s*[?？.]?\s*$")


def _letters(s: str) -> int:
    return len(re.sub(r"[\W_]", "", s))


def split_question(text: str, lang: str = "ko") -> list[str]:
    """The questions ``text`` asks, in order (the text itself when it asks once)."""
    if not text or len(text) > 600:
        return [text]
    rx, ask = (_EN, _EN_ASK) if lang == "en" else (_KO, _KO_ASK)
    parts, start = [], 0
    for m in rx.finditer(text):
        end = m.end("ask") if m.group("ask") is not None else m.end("mark")
        head = text[start:end].strip()
        if _letters(head) >= MIN_CHARS and ask.search(head):
            parts.append(head)
            start = m.end()
        if len(parts) == MAX_PARTS - 1:
            break
    tail = text[start:].strip()
    if parts and _letters(tail) >= MIN_CHARS and ask.search(tail):
        return parts + [tail]
    return [text]
