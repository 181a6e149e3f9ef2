"""Helpers every extractor shares: building mentions with spans, resolving
overlaps within one kind, Korean and Arabic numerals, particles.

Patterns run on `Utterance.text` (lower-cased, whitespace collapsed); a space
the user may or may not type is written `\\s?` in a pattern."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ..types import Mention, Utterance

DATA = Path(__file__).resolve().parent.parent / "data"

# particles a noun may carry; a word stripped of them is the word itself
PARTICLES = ("에서는", "에서도", "으로는", "이라도", "까지는", "에서", "으로", "까지", "부터", "보다", "처럼", "이랑", "하고",
             "에는", "에도", "이나", "이란", "은", "는", "이", "가", "을", "를", "의", "에", "도", "만", "로", "와",
             "과", "랑", "나", "요")
NATIVE = {"한": 1, "하나": 1, "첫": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "석": 3, "네": 4, "넷": 4, "다섯": 5,
          "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10, "스물": 20, "스무": 20}
NATIVE_RE = r"(?:열\s?(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉)|스무|스물|다섯|여섯|일곱|여덟|아홉|하나|한|첫|두|둘|세|셋|네|넷|열)"
EN_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
          "ten": 10, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}


def native_value(word: str) -> int | None:
    w = re.sub(r"\s", "", word)
    if w in NATIVE:
        return NATIVE[w]
    if w.startswith("열") and w[1:] in NATIVE:
        return 10 + NATIVE[w[1:]]
    if w.isdigit():
        return int(w)
    return EN_NUM.get(w)


def mention(utt: Utterance, kind: str, value: Any, span: tuple[int, int], source: str, score: float = 1.0) -> Mention:
    s, e = span
    return Mention(kind, value, (s, e), utt.text[s:e], score, source)


def inside(inner: tuple[int, int], outer: tuple[int, int]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def covered(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(overlaps(span, s) for s in spans)


def longest_first(mentions: Iterable[Mention]) -> list[Mention]:
    """Within one kind a longer span wins over any span it overlaps; equal
    spans with different values are all kept (an ambiguous alias). Result in
    text order. Linear in the letters covered (a question of 2,000 letters with
    a mention at every word stays fast)."""
    out: list[Mention] = []
    owner: dict[tuple[str, int], tuple[int, int]] = {}       # (kind, position) -> the kept span there
    values: dict[tuple[str, tuple[int, int]], list] = {}
    for m in sorted(mentions, key=lambda m: (-(m.span[1] - m.span[0]), m.span[0])):
        spans = {owner[(m.kind, i)] for i in range(m.span[0], m.span[1]) if (m.kind, i) in owner}
        if m.kind == "entity":
            # two names may share a letter ('…센터랑 동북권NPO센터'): only a name inside a longer one goes
            spans = {s for s in spans if s[0] <= m.span[0] and m.span[1] <= s[1]}
        if spans - {m.span}:
            continue
        kept = values.setdefault((m.kind, m.span), [])
        if m.value in kept:
            continue
        kept.append(m.value)
        for i in range(m.span[0], m.span[1]):
            owner[(m.kind, i)] = m.span
        out.append(m)
    return sorted(out, key=lambda m: (m.span[0], m.span[1]))


def strip_particle(word: str) -> str:
    for p in PARTICLES:
        if word.endswith(p) and len(word) - len(p) >= 2:
            return word[: -len(p)]
    return word


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """A seed-word file of assistant/understand/data; a broken file names itself and the fix."""
    path = DATA / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(f"{path}: seed-word file missing; restore it from the repository") from None
    except json.JSONDecodeError as e:
        raise RuntimeError(f"{path}:{e.lineno}: invalid JSON ({e.msg}); repair the syntax") from None


def compile_words(words: Iterable[str]) -> re.Pattern:
    """Seed phrases as one pattern: a space in a phrase matches an optional
    space; Latin words need word boundaries; longer phrases first."""
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        p = r"\s?".join(re.escape(x) for x in w.split(" "))
        if re.match(r"[a-z]", w):
            p = r"(?<![a-z])" + p
        if re.search(r"[a-z]$", w):
            p += r"(?:s|es)?(?![a-z])"
        parts.append(p)
    return re.compile("|".join(parts) if parts else r"(?!x)x")
