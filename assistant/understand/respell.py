"""One letter off: a word the texts do not hold, in the texts' own spelling.

    sp = Speller(["해오름도서관야간개방", "별빛공원놀이터점검"])
    sp.near("놀이텨")                   -> "놀이터"
    sp.respell("야간개반 예산") -> ("야간개방 예산", (("야간개반", "야간개방"),))

A near letter shares two of initial consonant, vowel and final consonant with
the letter typed ('게'/'계', '대'/'데', '쟝'/'장'). Only words of three Hangul
letters or more are mended, only when the word (or the word without a trailing
particle) occurs nowhere in the texts, and only to a spelling that does. A
set of the texts' letter trigrams rejects most candidates before any substring
search, so a question with no typo costs a few set lookups per word.
"""
from __future__ import annotations

import re
from typing import Iterable

_RUN = re.compile(r"[가-힣]{3,}")
# trailing particles and endings a question word may carry ('…보쟝이', '…아카대미는')
_PARTICLES = ("에서는", "에서", "으로", "까지", "부터", "이랑", "이는", "은", "는", "이", "가", "을", "를", "의", "에",
              "로", "와", "과", "랑", "도", "만", "요")
MAX_WORD = 14


def _syllable(ini: int, vow: int, fin: int) -> str:
    return chr(0xAC00 + ini * 588 + vow * 28 + fin)


def near_letters(ch: str):
    """Every Hangul letter sharing two of the three parts with ``ch``."""
    code = ord(ch) - 0xAC00
    if not 0 <= code < 11172:
        return
    ini, vow, fin = code // 588, code % 588 // 28, code % 28
    for x in range(19):
        if x != ini:
            yield _syllable(x, vow, fin)
    for x in range(21):
        if x != vow:
            yield _syllable(ini, x, fin)
    for x in range(28):
        if x != fin:
            yield _syllable(ini, vow, x)


class _Texts:
    def __init__(self, texts: Iterable[str]):
        self.texts = [re.sub(r"\s+", "", t) for t in texts if t]
        self.tri = {t[i:i + 3] for t in self.texts for i in range(len(t) - 2)}

    def holds(self, word: str) -> bool:
        if len(word) >= 3 and any(word[i:i + 3] not in self.tri for i in range(len(word) - 2)):
            return False
        return any(word in t for t in self.texts)


class Speller:
    """``texts``: the spellings words are mended to; ``known``: more texts whose words are
    never mended (the whole report, when ``texts`` are only its names); ``min_len``: the
    shortest word mended."""

    def __init__(self, texts: Iterable[str], known: Iterable[str] = (), min_len: int = 3):
        self._t = _Texts(texts)
        self._texts, self._tri = self._t.texts, self._t.tri
        self._known = _Texts(known) if known else None
        self.min_len = min_len

    def holds(self, word: str) -> bool:
        return self._t.holds(word) or (self._known is not None and self._known.holds(word))

    def near(self, word: str, min_len: int | None = None) -> str:
        """The texts' spelling one near letter away from ``word`` (the first found), or ''."""
        shortest = max(3, self.min_len if min_len is None else min_len)
        if not shortest <= len(word) <= MAX_WORD or not re.fullmatch(r"[가-힣]+", word):
            return ""
        for i, ch in enumerate(word):
            left = word[max(0, i - 2):i]
            right = word[i + 1:i + 3]
            for c in near_letters(ch):
                # every trigram through position i must exist before the substring search
                window = left + c + right
                if any(window[j:j + 3] not in self._tri for j in range(len(window) - 2)):
                    continue
                cand = word[:i] + c + word[i + 1:]
                if self._t.holds(cand):
                    return cand
        return ""

    @staticmethod
    def _stems(word: str, shortest: int = 1):
        yield word
        for p in _PARTICLES:
            if word.endswith(p) and len(word) - len(p) >= shortest:
                yield word[: -len(p)]

    def respell(self, text: str, min_len: int | None = None) -> tuple[str, tuple[tuple[str, str], ...]]:
        """``text`` with each word the texts lack, but hold one letter off, mended; the mends made
        (``min_len``: the shortest word mended, this call only)."""
        shortest = self.min_len if min_len is None else min_len
        fixes: list[tuple[str, str]] = []
        out = text
        for m in _RUN.finditer(text):
            word = m.group(0)
            if any(self.holds(s) for s in self._stems(word, 2)):
                continue
            for stem in self._stems(word, shortest):
                fixed = self.near(stem, shortest)
                if fixed:
                    fixes.append((stem, fixed))
                    out = out.replace(stem, fixed, 1)
                    break
        return out, tuple(fixes)
