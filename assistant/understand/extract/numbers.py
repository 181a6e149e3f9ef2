"""Numbers with their units: money to 천원, percentages, counts, bare numbers.

    '3억 5천만원' -> Quantity(350000, '천원')     '절반' -> Quantity(50, '%')
    '50 퍼센트'   -> Quantity(50, '%')           '세 곳' -> Quantity(3, 'count')
    '0.5'        -> Quantity(0.5, '')   (the frame states the reading it gives a bare number)

Digits followed by 년/월/일/위/등/번째 are years, dates and ranks, not
quantities (years.py and order.py read them)."""
from __future__ import annotations

import re

from ..types import Mention, Quantity, Utterance
from .common import NATIVE_RE, mention, native_value

KIND = "quantity"
_DIGITS = r"\d[\d,]*(?:\.\d+)?"
# a sino digit counts only before a unit (삼억, 오천만): '이' and '사' are also particles and words
_TOKEN = rf"(?:{_DIGITS}|[일이삼사오육칠팔구](?=[십백천만억조])|[십백천만억조])"
_EXPR = re.compile(rf"(?<![\d.,a-z])(?:(?<=[^가-힣])|^|(?=\d)){_TOKEN}(?:\s?{_TOKEN})*")
_UNIT = re.compile(r"\s?(억\s?원|만\s?원|천\s?원|원|%|퍼센트|프로(?!그램|젝트)|percent(?:age)?\b|pct\b"
                   r"|개소|개|곳|건|명|가지|군데|programs?\b|projects?\b|items?\b|findings?\b)")
_NOT_QUANTITY = re.compile(r"\s?(년|월|일|위|등|번째|번|차|회|시|분|st\b|nd\b|rd\b|th\b|'s)")
_NATIVE = re.compile(rf"(?<![가-힣]){NATIVE_RE}\s?(개소|개|곳|건|명|가지|군데)")
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALE = re.compile(r"\s?(thousand|million|billion|trillion)(?:\s?(?:won|krw))?\b")
_HALF = re.compile(r"(?<![가-힣])절반|\bhalf\b")
_SINO = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_SMALL = {"십": 10, "백": 100, "천": 1000}
_BIG = {"만": 10_000, "억": 100_000_000, "조": 1_000_000_000_000}


def parse_korean_number(expr: str) -> float | None:
    """'3억 5천만' -> 350000000; '1,000' -> 1000; '3.5억' -> 350000000; None when malformed."""
    total, section, current = 0.0, 0.0, None
    for tok in re.findall(rf"{_DIGITS}|[일이삼사오육칠팔구십백천만억조]", expr.replace(" ", "")):
        if tok[0].isdigit():
            if current is not None:
                return None                        # two numbers in a row
            try:
                current = float(tok.replace(",", ""))
            except ValueError:
                return None
        elif tok in _SINO:
            current = float(_SINO[tok])
        elif tok in _SMALL:
            section += (current if current is not None else 1.0) * _SMALL[tok]
            current = None
        else:
            part = section + (current if current is not None else 0.0)
            total += (part if part else 1.0) * _BIG[tok]
            section, current = 0.0, None
    return total + section + (current or 0.0)


def quantities(utt: Utterance) -> list[Mention]:
    text = utt.text
    out: list[Mention] = []
    for m in _EXPR.finditer(text):
        expr = m.group(0).rstrip()
        if not re.search(r"\d", expr) and not re.search(r"[십백천만억조]", expr):
            continue
        end = m.start() + len(expr)
        rest = text[end:]
        if _NOT_QUANTITY.match(rest) and re.search(r"\d", expr) and not re.search(r"[만억조]", expr):
            continue
        value = parse_korean_number(expr)
        if value is None:
            continue
        if not re.search(r"\d", expr) and text[max(0, m.start() - 1):m.start()] == "(" \
                and re.match(r"\s?(?:원|천원|만원)?\s?\)", rest):
            continue                               # '예산(백만원)': the table's unit, not a figure
        scale = _SCALE.match(rest)
        if scale and re.search(r"\d", expr):      # '5 billion won', 'KRW 1.5 million'
            won = value * _SCALES[scale.group(1)]
            out.append(mention(utt, KIND, Quantity(won / 1000, "천원", expr + " " + scale.group(0).strip()),
                               (m.start(), end + scale.end()), "rule:천원"))
            continue
        u = _UNIT.match(rest)
        unit_word = re.sub(r"\s", "", u.group(1)) if u else ""
        if re.match(r"[a-z]", unit_word) and re.search(r"[가-힣]", expr) and unit_word not in ("percent", "percentage", "pct"):
            unit_word, u = "", None                # '1억 programs': the Korean unit decides
        if not re.search(r"\d", expr) and not unit_word and (not expr.endswith("억") or re.match(r"(?!을|를|이|가|은|는|도|의|에|으로|로|보다)[가-힣]", rest)):
            continue                               # '천', '이만큼': words, not numbers
        if unit_word.endswith("원"):
            prefix = unit_word[:-1]
            won = value * {"억": 1e8, "만": 1e4, "천": 1e3, "": 1}[prefix]
            q, span_end = Quantity(won / 1000, "천원", expr + unit_word), end + u.end()
        elif unit_word in ("%", "퍼센트", "프로", "percent", "percentage", "pct"):
            q, span_end = Quantity(value, "%", expr + unit_word), end + u.end()
        elif unit_word:
            q, span_end = Quantity(value, "count", expr + unit_word), end + u.end()
        elif re.search(r"[억만]$", expr):
            q, span_end = Quantity(value / 1000, "천원", expr), end
        else:
            q, span_end = Quantity(value, "", expr), end
        out.append(mention(utt, KIND, q, (m.start(), span_end), f"rule:{q.unit or 'bare'}"))
    for m in _NATIVE.finditer(text):
        word = m.group(0)[: m.start(1) - m.start()]
        n = native_value(word)
        if n is not None:
            out.append(mention(utt, KIND, Quantity(float(n), "count", re.sub(r"\s", "", m.group(0))), m.span(),
                               "rule:native"))
    for m in _HALF.finditer(text):
        out.append(mention(utt, KIND, Quantity(50.0, "%", m.group(0)), m.span(), "rule:half"))
    return _without_restatements(text, out)


def _without_restatements(text: str, found: list[Mention]) -> list[Mention]:
    """'50억원(5,000,000천원)': a figure restated in brackets right after itself is one figure."""
    out: list[Mention] = []
    for q in sorted(found, key=lambda m: m.span):
        prev = out[-1] if out else None
        gap = text[prev.span[1]:q.span[0]] if prev else ""
        if prev is not None and re.fullmatch(r"\s?(?:won|원|krw)?\s?[(\[]\s?", gap) and prev.value.unit == q.value.unit \
                and abs(prev.value.value - q.value.value) <= 1e-6 * max(1.0, abs(q.value.value)):
            continue
        out.append(q)
    return out


def extract(utt: Utterance) -> list[Mention]:
    return quantities(utt)
