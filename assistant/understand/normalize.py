"""One normalisation for every question: the Utterance every extractor reads.

    utt = utterance("지출률이  절반도 안 되는\u200b 사업은?")
    utt.text      -> '지출률이 절반도 안 되는 사업은?'
    utt.squashed  -> '지출률이절반도안되는사업은?'

Invisible characters (zero-width spaces and joiners, BOM, bidi controls, soft
hyphen) are removed, compatibility forms folded (NFKC: full-width digits and
Latin, the ideographic space), whitespace collapsed and Latin lower-cased, so
no extractor sees a difference the user cannot see. Morphemes come from an
injected Kiwi-like tokenizer when one is available (they are optional: the
table path answers before Kiwi has loaded).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

from .types import Morph, Utterance

# zero-width space/non-joiner/joiner, word joiner, BOM, soft hyphen, bidi marks,
# embeddings, overrides and isolates, Mongolian vowel separator, invisible operators
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_WS = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)


def detect_lang(text: str) -> str:
    hangul = len(re.findall(r"[가-힣]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "en" if latin > 3 * hangul and latin >= 3 else "ko"


def clean_text(raw: str) -> str:
    """NFKC without turning '％'/'～' into look-alikes the extractors don't expect."""
    text = unicodedata.normalize("NFC", strip_invisible(raw))
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return _WS.sub(" ", text).strip()


def utterance(raw: str, tokenize: Callable[[str], list] | None = None) -> Utterance:
    """`tokenize` is Kiwi's `tokenize` (tokens with form, tag, start, len) or None."""
    text = clean_text(raw)
    low = "".join(c.lower() if c.isascii() else c for c in text)
    squashed, smap = [], []
    for i, c in enumerate(low):
        if not c.isspace():
            squashed.append(c)
            smap.append(i)
    morphs: tuple[Morph, ...] = ()
    if tokenize is not None and low:
        morphs = tuple(Morph(t.form, t.tag, t.start, t.start + t.len) for t in tokenize(low))
    return Utterance(raw=raw, text=low, lang=detect_lang(low), morphs=morphs,
                     squashed="".join(squashed), squash_map=tuple(smap))
