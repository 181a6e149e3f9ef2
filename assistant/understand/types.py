"""Typed values of the understanding layer.

    Utterance  – one normalisation of the question (cleaned text, language,
                 morphemes, offsets back to the raw text)
    Mention    – one thing an extractor found: kind, typed value, span, score
    Interpretation – intent with scores, mentions, rules fired, assumptions

Every value is frozen: extractors and frames never mutate what they get.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Morph:
    form: str           # surface form as Kiwi gives it (lemma for verbs: '높' of '높은')
    tag: str            # Kiwi tag: NNG, NNP, VV, VA, XR, SN, SL, JKS, ETM …
    start: int          # offsets into Utterance.text
    end: int


@dataclass(frozen=True)
class Utterance:
    raw: str                     # what the user sent (after NFC)
    text: str                    # cleaned: invisible chars removed, whitespace collapsed, lower-cased Latin
    lang: str                    # "ko" | "en"
    morphs: tuple[Morph, ...] = ()
    squashed: str = ""           # text without whitespace (patterns that ignore spacing run here)
    squash_map: tuple[int, ...] = ()   # squashed index -> text index

    def span_of_squashed(self, start: int, end: int) -> tuple[int, int]:
        """A span in `squashed` mapped back to `text`."""
        if not self.squash_map:
            return (start, end)
        s = self.squash_map[min(start, len(self.squash_map) - 1)]
        e = self.squash_map[min(max(end - 1, 0), len(self.squash_map) - 1)] + 1
        return (s, e)


# -- typed mention values -------------------------------------------------------------
@dataclass(frozen=True)
class Quantity:
    value: float                 # money in 천원, rates in %, counts as is
    unit: str                    # "%" | "천원" | "count" | ""  ("" = a bare number: the reading must be stated)
    raw: str = ""


@dataclass(frozen=True)
class Comparison:
    op: str                      # < <= > >= == !=
    quantity: Quantity
    metric: str | None = None    # a metric named right before it ('지출률이 50% 미만'), when any


@dataclass(frozen=True)
class Order:
    direction: str               # "max" | "min"
    rank: int = 1                # 2 for '두 번째로'
    k: int | None = None         # top/bottom k ('상위 3개')
    all: bool = False            # '순위 전부', 'rank all'


@dataclass(frozen=True)
class Aggregate:
    op: str                      # "sum" | "mean" | "count" | "list"
    by: str | None = None        # "department" for '부서별', '담당관별'


@dataclass(frozen=True)
class Metric:
    name: str                    # a key of assistant.budget.METRICS


@dataclass(frozen=True)
class Derived:
    kind: str                    # "difference" | "share"
    metrics: tuple[str, ...] = ()   # the two metrics of a difference; the one metric of a share


@dataclass(frozen=True)
class Exclusion:
    condition: Comparison | None = None   # rows matching this are left out ('0원인 사업은 빼고')
    names: tuple[str, ...] = ()           # named rows left out ('청년수당 빼고'): programme names


@dataclass(frozen=True)
class Status:
    value: str                   # 완료 | 추진중 | 검토중 | 미반영
    negated: bool = False        # '안 끝난' = not 완료


@dataclass(frozen=True)
class Category:
    value: str                   # 시정·처리요구사항 | 건의사항 | 기타(자료제출 등)
    inclusive: bool = False      # '자료 요구까지 합쳐서'


@dataclass(frozen=True)
class Year:
    value: int


@dataclass(frozen=True)
class Reference:
    kind: str                    # "it" (그 사업, 거기, it) | "among" (그중) | "both" (둘 중) | "other" (그럼 X는)


@dataclass(frozen=True)
class AnswerType:
    kind: str                    # place | org | date | period | count | amount | rate | area | person | yesno | how | what
    counter: str | None = None   # 명, 개, 건, 개소, 회 … for count


@dataclass(frozen=True)
class Entity:
    name: str                    # canonical name printed in the report
    kind: str                    # program | department | total | admin
    via: str = "name"            # name | alias | ambiguous | session
    score: float = 1.0


MENTION_KINDS = ("quantity", "comparison", "order", "aggregate", "metric", "derived", "exclusion", "status",
                 "category", "year", "reference", "answer_type", "entity", "unknown_name")


@dataclass(frozen=True)
class Mention:
    kind: str                    # one of MENTION_KINDS
    value: Any                   # the typed value above that goes with the kind
    span: tuple[int, int]        # offsets into Utterance.text
    text: str                    # Utterance.text[span[0]:span[1]]
    score: float = 1.0           # 1.0 for a seed word / rule; similarity otherwise
    source: str = ""             # which rule or seed produced it ("seed:지출률", "similar:0.83", "rule:half")

    def to_dict(self) -> dict:
        v = self.value
        value = v.__dict__ if hasattr(v, "__dict__") else v
        if isinstance(value, dict):
            value = {k: (x.__dict__ if hasattr(x, "__dict__") else x) for k, x in value.items()}
            value = {k: ({kk: (vv.__dict__ if hasattr(vv, "__dict__") else vv) for kk, vv in x.items()}
                         if isinstance(x, dict) else x) for k, x in value.items()}
        return {"kind": self.kind, "value": value, "span": list(self.span), "text": self.text,
                "score": round(self.score, 3), "source": self.source}


@dataclass(frozen=True)
class Interpretation:
    intent: str                                  # budget | audit | validation | organization | passages | facts | out_of_scope | abstain
    scores: tuple[tuple[str, float], ...] = ()   # intent scores, best first
    mentions: tuple[Mention, ...] = ()
    rules: tuple[str, ...] = ()                  # named frame / follow-up rules that fired
    assumptions: tuple[str, ...] = ()            # readings stated to the user ('절반도 안 되는' → 50% 미만)
    leftovers: tuple[Mention, ...] = ()          # mentions no frame consumed
    confidence: float = 0.0

    def of(self, kind: str) -> list[Mention]:
        return [m for m in self.mentions if m.kind == kind]

    def to_dict(self) -> dict:
        return {"intent": self.intent, "scores": [[k, round(v, 3)] for k, v in self.scores],
                "mentions": [m.to_dict() for m in self.mentions], "rules": list(self.rules),
                "assumptions": list(self.assumptions), "leftovers": [m.to_dict() for m in self.leftovers],
                "confidence": round(self.confidence, 3)}
