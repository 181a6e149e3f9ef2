"""Small pure helpers for Korean PDF-extraction text: normalising for matching,
never for display."""
from __future__ import annotations

import re
import unicodedata

IDEOGRAPHIC_SPACE = "\u3000"
BULLETS = "□○◦－-※▸➠•·*⇨⇒→"
_WS = re.compile(r"[\s\u3000\u00a0]+")
_PUNCT_KEY = re.compile(r"[\s\u3000\u00a0·․‧ㆍ.,\-－_~∼'\"‘’“”「」『』<>]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def clean_line(line: str) -> str:
    """Ideographic and odd spaces to plain spaces, NFC, stripped."""
    line = unicodedata.normalize("NFC", line)
    return _WS.sub(" ", line).strip()


def squash(text: str) -> str:
    """All whitespace removed (spacing-insensitive comparison)."""
    return _WS.sub("", text)


def name_key(text: str) -> str:
    """Key for matching names: no spaces, no separator punctuation, lower-case."""
    return _PUNCT_KEY.sub("", unicodedata.normalize("NFC", text)).lower()


def collapse_letter_spacing(text: str) -> str:
    """'시 민 이  주 체 가' -> '시민이 주체가' (letter-spaced headings).

    A run of single-character tokens is glued; a double space stays a word gap.
    Text that is not letter-spaced is returned with its spacing normalised.
    """
    text = text.replace(IDEOGRAPHIC_SPACE, " ").strip()
    words = [w for w in re.split(r" {2,}", text) if w]
    out = []
    for w in words:
        toks = w.split(" ")
        if len(toks) > 1 and sum(len(t) == 1 for t in toks) >= len(toks) - 1:
            out.append("".join(toks))
        else:
            out.append(" ".join(toks))
    return " ".join(out)


def join_wrapped(parts: list[str]) -> str:
    """Join lines of a wrapped cell or sentence with single spaces."""
    return " ".join(p for p in (clean_line(x) for x in parts) if p)


def strip_bullet(text: str) -> str:
    return text.lstrip(BULLETS + " ").strip()


def has_hangul(text: str) -> bool:
    return bool(_HANGUL.search(text))
