"""Comparisons: a quantity with the operator around it, and the metric named
right before it.

    '지출률이 절반도 안 되는' -> Comparison('<', Quantity(50, '%'), 'spent_rate')
    '예산이 10억을 웃도는'    -> Comparison('>', Quantity(1000000, '천원'), 'budget')
    '정확히 100%', '0원인'    -> '=='        'less than 95%' -> '<'
    '다 쓴', '전액 집행'      -> Comparison('==', 100 %, 'spent_rate')
    '한 푼도 안 쓴', '지출 0' -> Comparison('==', 0 천원, 'spent')
    '조금이라도 지출이 있는'  -> Comparison('>', 0 천원, 'spent')

A percentage after an amount word reads as that amount's rate ('지출이 50%
미만' -> spent_rate)."""
from __future__ import annotations

import re
from typing import Sequence

from ..types import Comparison, Mention, Quantity, Utterance
from .common import load_json, mention

KIND = "comparison"
_PARTICLE = r"(?:이|가|을|를|은|는|도|로|으로|에도|에는|에|만)?"
_AFTER = [  # (op, pattern after the number and its particle), longer first within an op
    ("<=", r"이하|이내|넘지\s?않|(?:못|안)\s?(?:넘|웃도|웃돈|상회)[가-힣]*|or less|or fewer|or below|or under|and below|and under"),
    (">=", r"이상|or more|or above|or higher|or greater|and above|and over|and up"),
    ("<", r"미만|안\s?(?:되는|된|돼|되|됨)|못\s?미치|미달|밑도|밑돈|하회|아래|밑|(?:못|안)\s?(?:쓴|썼|쓰|집행|채운|채)"),
    (">", r"초과|넘(?:는|게|은|어|긴|었|음)?|웃도|웃돈|상회"),
    ("!=", r"(?:이|가)?\s?아닌|(?:이|가)?\s?아니"),
    ("==", r"인(?![가-힣])|인\s|짜리|찍은|찍힌|달성한|채운|(?:으)?로\s?(?:잡힌|잡혀|잡은|책정된|예상된|예상되는|나온|나와)"),
]
_THAN = [("<", r"보다\s?(?:낮|적|작|못한)"), (">", r"보다\s?(?:높|많|크|큰)")]
_BEFORE = [
    ("<=", r"at most|no more than|not more than|up to"),
    (">=", r"at least|no less than|not less than"),
    ("<", r"less than|fewer than|below|under|lower than"),
    (">", r"more than|greater than|higher than|over|above|exceeding|exceeds|exceed"),
    ("==", r"정확히|딱|꼭|exactly|equal to|precisely"),
]
_AFTER_RE = [(op, re.compile(rf"\s?{_PARTICLE}\s?(?:{p})")) for op, p in _AFTER]
_THAN_RE = [(op, re.compile(rf"\s?(?:{p})")) for op, p in _THAN]
_BEFORE_RE = [(op, re.compile(rf"(?:{p})\s?$")) for op, p in _BEFORE]
_ALL_SPENT = re.compile(r"(?<![가-힣])다\s?(?:쓴|썼|써버린|집행한|집행된|집행했|소진한|소진된|소진했)|전액(?:을|이)?\s?(?:이미\s?|다\s?|모두\s?)?(?:집행|지출|소진|사용)"
                        r"|100\s?%\s?(?:다\s?)?(?:쓴|썼|써\s?버린|집행|지출|소진)|spent (?:it )?all|fully spent|spent in full")
_NONE_SPENT = re.compile(r"(?:한\s?푼도|하나도|전혀)\s?(?:안|못)\s?(?:쓴|썼|쓰|나간|나갔|집행)|전혀\s?(?:안\s?쓴|안\s?썼|지출\S*\s?(?:없|안|않)|집행\S*\s?(?:없|안|않))"
                         r"|(?:지출|집행)(?:이|액이)?\s?(?:없는|없었|없던)|(?:지출|집행)\s?실적(?:이)?\s?없"
                         r"|(?:지출|집행)(?:을|이)?\s?(?:하지|되지)\s?않|spent nothing|nothing spent|zero spending|no spending")
# 'nothing spent' composed: a spending word, a zero quantifier and a negation within a few letters, in
# either order ('지출이 한 푼도 없는', '돈이 아직 하나도 안 나간', '아예 집행 안 된'); English: zero + an
# outlay noun, or a spending verb + nothing
_SPEND = r"(?:지출|집행|쓴|썼|쓰|나간|나갔|나가|돈|사용)"
_ZERO = r"(?:한\s?푼도|하나도|전혀|아예|일절|조금도|단\s?한\s?푼도)"
_NEG = r"(?:안|못|없|않)"
_NONE_COMPOSED = re.compile(rf"{_SPEND}\S{{0,3}}\s?(?:아직\s?)?{_ZERO}\s?(?:\S{{0,3}}\s?)?{_NEG}\S*"
                            rf"|{_ZERO}\s?(?:\S{{0,3}}\s?)?{_NEG}\s?{_SPEND}\S*"
                            r"|(?<![a-z])(?:zero|no|nil)\s(?:expenditures?|spending|outlays?|spend|disbursements?)(?![a-z])"
                            r"|(?:not|n't|never)\s(?:yet\s)?(?:spent|disbursed|used)\s(?:anything|any\s(?:money|funds|of))"
                            r"|spent\s(?:nothing|zero|0\b)")
_SOME_SPENT = re.compile(r"조금이라도\s?(?:돈이\s?)?(?:지출|집행|쓴|썼|나간)|(?:지출|집행|돈)(?:이|액이)?\s?조금이라도\s?(?:있|발생|나간|쓴)|(?:지출|집행)(?:이|액이|실적이)?\s?(?:있는|있었|있던|발생한)"
                         r"|(?:spent|spending)\s(?:something|anything)|any spending|some spending|non-?zero spending")
_MONEY_AFTER = re.compile(r"\S{0,2}\s?(?:예산|돈|금액|액수|잔액)")
WINDOW = 14        # letters between the metric word and the number


def _rate_of(metric: str | None, unit: str) -> str | None:
    if metric and unit == "%":
        return load_json("metric_words.json")["rate_of"].get(metric, metric)
    return metric


def _is_amount(metric: str) -> bool:
    from ...budget import AMOUNT, METRICS      # lazy: pandas is not loaded to read a question
    return metric in METRICS and METRICS[metric][2] == AMOUNT


def metric_before(start: int, metrics: Sequence[Mention], stop: int = 0) -> Mention | None:
    best = None
    for m in metrics:
        if stop <= m.span[0] and m.span[1] <= start and start - m.span[1] <= WINDOW:
            if best is None or m.span[1] > best.span[1]:
                best = m
    return best


_AGAINST = re.compile(r"\s?보다\s?(?:더\s?)?(?:(?P<lt>적|작|낮|모자라|못\s?미치|덜)|(?P<gt>많|크|큰|높|넘))[가-힣]*")
# English: the operator stands between the two measures ('a forecast that is below their budget')
_AGAINST_EN = re.compile(r"\s(?:that\s|which\s)?(?:is\s|are\s|was\s|were\s|falls?\s|stays?\s|comes?\s|came\s)?(?:in\s)?"
                         r"(?:(?P<lt>below|under|lower than|less than|smaller than|short of|beneath)"
                         r"|(?P<gt>above|over|higher than|more than|greater than|larger than|exceeds?|exceeding))"
                         r"\s(?:their|its|the|each|his|her)?\s?(?:own\s)?(?:(?:19|20)\d\d\s)?$")


def _measure_against_measure(utt: Utterance, metrics: Sequence[Mention]) -> list[Mention]:
    """'연말 집행예상액이 예산현액보다 적게 잡힌': one measure below another, as their
    difference against zero (both amounts or both rates)."""
    from ...budget import METRICS      # lazy: pandas is not loaded to read a question
    text, out = utt.text, []
    ms = sorted(metrics, key=lambda m: m.span)
    for i, b in enumerate(ms):
        if i + 1 < len(ms):
            en = _AGAINST_EN.match(text[b.span[1]:ms[i + 1].span[0]])
            if en:        # English order: the first measure is compared with the second
                a, c = b, ms[i + 1]
                na, nc = a.value.name, c.value.name
                if na != nc and na in METRICS and nc in METRICS and METRICS[na][2] == METRICS[nc][2]:
                    unit = "%" if METRICS[na][2] == "rate" else "천원"
                    out.append(mention(utt, KIND, Comparison("<" if en.group("lt") else ">", Quantity(0.0, unit, "0"),
                                                             f"{na}-{nc}"), (a.span[0], c.span[1]), "rule:measure_vs_measure"))
                    continue
        a_ = _AGAINST.match(text, b.span[1]) or _AGAINST.match(text, max(0, b.span[1] - 1))   # '예산현액보다'
        # (a typo-tolerant metric span may have taken the '보' of '보다')
        if not a_ or i == 0:
            continue
        a = ms[i - 1]
        na, nb = a.value.name, b.value.name
        if na == nb or na not in METRICS or nb not in METRICS or METRICS[na][2] != METRICS[nb][2] \
                or b.span[0] - a.span[1] > WINDOW:
            continue
        unit = "%" if METRICS[na][2] == "rate" else "천원"
        op = "<" if a_.group("lt") else ">"
        out.append(mention(utt, KIND, Comparison(op, Quantity(0.0, unit, "0"), f"{na}-{nb}"),
                           (a.span[0], a_.end()), "rule:measure_vs_measure"))
    return out


def extract(utt: Utterance, quantities: Sequence[Mention], metrics: Sequence[Mention]) -> list[Mention]:
    text = utt.text
    out: list[Mention] = []
    prev_end = 0
    for q in sorted(quantities, key=lambda m: m.span):
        qv: Quantity = q.value
        s, e, op = q.span[0], q.span[1], None
        for o, rx in _BEFORE_RE:
            b = rx.search(text[max(0, s - 20):s])
            if b:
                op, s = o, max(0, s - 20) + b.start()
                break
        after_op = None
        restated = re.match(r"\s?(?:won|원|krw)?\s?\([^()]{0,30}\d[^()]{0,30}\)", text[e:])   # "50억원(5,000,000천원) 이상"
        at = e + restated.end() if restated else e
        for o, rx in _AFTER_RE + _THAN_RE:
            a = rx.match(text, at)
            if a and a.end() > at:
                after_op, e = o, a.end()
                if o != "==" and re.match(r"[가-힣]", text[a.end() - 1:a.end()]):
                    e += len(re.match(r"[가-힣]*", text[e:]).group(0))     # '웃도' -> '웃도는'
                break
        if after_op and (op is None or op == "=="):
            op = after_op             # '정확히 100% 이상' -> '>=': the operator after the number decides
        if op is None:
            # '지출 0', '지출이 0원': a metric and a zero with no operator
            m = metric_before(s, metrics, prev_end)
            if qv.value == 0 and m is not None and s - m.span[1] <= 3:
                op = "=="
            else:
                continue
        m = metric_before(s, metrics, prev_end)
        if m is None:     # '50% 넘게 집행한 사업': the metric right after
            m = next((x for x in metrics if 0 <= x.span[0] - e <= 4), None)
        metric = _rate_of(m.value.name if m else None, qv.unit)
        if metric is None and out and out[-1].source.startswith("rule:") and 0 <= s - out[-1].span[1] <= 2:
            metric = out[-1].value.metric            # '1억 이상 5억 미만': a range on one metric
        if qv.value == 0 and qv.unit == "" and metric and _is_amount(metric):
            qv = Quantity(0.0, "천원", qv.raw)       # zero is zero in any currency unit
        source = "rule:half" if q.source == "rule:half" else f"rule:{op}"
        out.append(mention(utt, KIND, Comparison(op, qv, metric), (s, e), source))
        prev_end = e
    out += _measure_against_measure(utt, metrics)
    for rx, comp, source in ((_ALL_SPENT, Comparison("==", Quantity(100.0, "%", "다 쓴"), "spent_rate"), "rule:all_spent"),
                             (_NONE_SPENT, Comparison("==", Quantity(0.0, "천원", "0"), "spent"), "rule:none_spent"),
                             (_NONE_COMPOSED, Comparison("==", Quantity(0.0, "천원", "0"), "spent"), "rule:none_spent"),
                             (_SOME_SPENT, Comparison(">", Quantity(0.0, "천원", "0"), "spent"), "rule:some_spent")):
        for m in rx.finditer(text):
            if source == "rule:none_spent" and _MONEY_AFTER.match(text, m.end()):
                continue             # '지출되지 않은 예산': the unspent amount (a measure), not rows with nothing spent
            out.append(mention(utt, KIND, comp, m.span(), source))
    return out
