"""Scope words of the budget format: which rows a budget question is about.

    scope_mentions(utt) -> [Mention(kind="scope", value=Scope("citizen")), ...]

A small extractor like the others (its example corpus is corpus/scope.jsonl):
시민참여 programmes, the body tables instead of the appendix, 기본경비 rows,
department-level rows ('부서별', '어느 담당관이'). The words are data
(data/scope.json), not code.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .types import Mention, Utterance

DATA = Path(__file__).resolve().parent / "data" / "scope.json"


@dataclass(frozen=True)
class Scope:
    name: str            # citizen | body | admin | department | include_admin | program


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    table = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple((name, re.compile("|".join(words))) for name, words in table.items() if not name.startswith("_"))


NAME_BOUND = ("citizen",)      # scope words that are also part of programme names: not inside a matched name


def scope_mentions(utt: Utterance, names: tuple[tuple[int, int], ...] = ()) -> list[Mention]:
    """``names``: spans of programme names found in the question; a citizen
    word inside one ('…시민참여예산' as a programme's own name) is that name's."""
    out = []
    for name, rx in _patterns():
        for m in rx.finditer(utt.squashed):
            a, b = utt.span_of_squashed(m.start(), m.end())
            if name in NAME_BOUND and any(s <= a and b <= e for s, e in names):
                continue
            out.append(Mention("scope", Scope(name), (a, b), utt.text[a:b], 1.0, f"seed:{m.group(0)}"))
    return out
