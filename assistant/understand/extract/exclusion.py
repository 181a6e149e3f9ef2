"""Exclusions: a comparison whose rows are left out.

    '0원인 사업은 빼고'      -> Exclusion(Comparison('==', 0 천원))
    '다 쓴 곳 제외하고'      -> Exclusion(Comparison('==', 100 %, 'spent_rate'))
    'excluding those under 10%' -> Exclusion(Comparison('<', 10 %))

    '청년수당 빼고'          -> Exclusion(names=('<the programme>',))

The comparison is wrapped, not repeated: extract_all drops the comparison
mention an exclusion took. A named programme stays an entity mention too; the
frame leaves it out of the targets."""
from __future__ import annotations

import re
from typing import Sequence

from ..types import Exclusion, Mention, Utterance
from .common import mention

KIND = "exclusion"
_KO = re.compile(r"(?:은|는|을|를|이|가|들은|들을)?\s?(?:빼고|빼면|빼서|뺀|빼놓고|제외하고|제외한|제외하면|제외|말고)")
_EN = re.compile(r"(?<![a-z])(?:excluding|except(?: for)?|other than|not counting|leaving out|without|ignoring|leave out|skip(?:ping)?)(?![a-z])"
                 r"(?:\s(?:those|the ones|programmes|programs|projects|ones)(?:\s(?:that|which|with))?)?")
GAP_KO = 10        # '0원인 사업은 빼고': the noun between the condition and 빼고
GAP_EN = 24


# '빼라는 지적', '제외하라고 했는데', '빼 달라는 요구': what someone asked for, reported — no rows are left out
# '몇 곳 뺐어?', '제외했나요': a finite past asks about an act of leaving out, not rows to leave out
_REPORTED = re.compile(r"(?:라는|라고|란|랬|달라|달란|자는|자고|야\s?한다는|다는|다고|(?:뺐|했)(?:어요|어|나요|니|냐|습니까|는지)[?？.]*)$")
GAP_NAME = 3       # '청년수당은 빼고': at most a particle and a space between a name and the cue
_PARTICLE = re.compile(r"(?:은|는|을|를|이|가|들은|들을)\s?$")


def _cues(utt: Utterance) -> list[tuple[int, int]]:
    """Where the question says 'leave out': the verb 빼다 in any ending ('빼구요', '빼 주세요'),
    제외 as a noun or verb ('제외시키고'), and 말고 — read from Kiwi's morphemes, so an ending
    nobody listed still counts — plus the spelled-out forms when there are no morphemes.
    A span runs from the particle before the cue to the end of its word."""
    text, out = utt.text, []
    ms = utt.morphs
    for i, m in enumerate(ms):
        nxt = ms[i + 1] if i + 1 < len(ms) else None
        if (m.tag == "VV" and m.form in ("빼", "빼놓")) or (m.tag == "NNG" and m.form == "제외") \
                or (m.tag in ("VV", "VX") and m.form == "말" and nxt is not None and nxt.form == "고"):
            end = m.end
            while end < len(text) and not text[end].isspace():
                end += 1
            if _REPORTED.search(text[m.start:end]):
                continue
            p = _PARTICLE.search(text[:m.start])
            out.append((p.start() if p else m.start, end))
    for cue in _KO.finditer(text):
        word_end = cue.end()
        while word_end < len(text) and not text[word_end].isspace():
            word_end += 1
        if _REPORTED.search(text[cue.start():word_end]):
            continue
        if not any(s <= cue.start() < e or cue.start() <= s < cue.end() for s, e in out):
            out.append((cue.start(), cue.end()))
    return sorted(out)


def extract(utt: Utterance, comparisons: Sequence[Mention], names: Sequence[Mention] = ()) -> list[Mention]:
    """``names``: programme entity mentions; one right before 빼고/제외 (or after 'excluding') is left out by name."""
    text = utt.text
    out = []
    # programmes, and the admin/subtotal rows ('기본경비 빼고': the programme rows only)
    progs = [n for n in names if n.kind == "entity" and n.value.kind in ("program", "admin", "total")]
    for start, end in _cues(utt):
        near = [n for n in progs if n.span[1] <= start + 1 and start - n.span[1] <= GAP_NAME]
        if near:
            n = max(near, key=lambda n: n.span[1])
            out.append(mention(utt, KIND, Exclusion(None, (n.value.name,)), (n.span[0], end), "rule:exclude+name"))
            continue
        # the comparison ends before the cue's verb, at most GAP_KO letters before the cue
        before = [c for c in comparisons if c.span[0] < start and c.span[1] <= end and start - c.span[1] <= GAP_KO]
        if before:
            c = max(before, key=lambda c: c.span[1])
            out.append(mention(utt, KIND, Exclusion(c.value), (c.span[0], end), f"rule:exclude+{c.source}"))
    for cue in _EN.finditer(text):
        named = [n for n in progs if n.span[0] >= cue.end() and n.span[0] - cue.end() <= 5]
        if named:
            n = min(named, key=lambda n: n.span[0])
            out.append(mention(utt, KIND, Exclusion(None, (n.value.name,)), (cue.start(), n.span[1]), "rule:exclude+name"))
            continue
        after = [c for c in comparisons if c.span[0] >= cue.end() and c.span[0] - cue.end() <= GAP_EN]
        if after:
            c = min(after, key=lambda c: c.span[0])
            out.append(mention(utt, KIND, Exclusion(c.value), (cue.start(), c.span[1]), f"rule:exclude+{c.source}"))
    return out
