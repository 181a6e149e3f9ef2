"""One Kiwi tokenizer for the test modules that need real morphemes (loading it takes seconds)."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def tokenizer():
    from index.lexical import KiwiTokenizer
    return KiwiTokenizer.create()
