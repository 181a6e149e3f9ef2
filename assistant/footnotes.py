"""An answer as plain text with its citations as numbered footnotes, for clients that
show only text (OpenAI-compatible chat, MCP hosts):

    <사업>(<부서>): … 지출 집행률 N.N%.

    [1] <doc id>, line N
"""
from __future__ import annotations

import math
import re
from typing import Any

MAX_FOOTNOTES = 20      # numbered footnotes in the text; the full list stays in the answer contract
_SURROGATE = re.compile("[\ud800-\udfff]")


def footnotes(citations: list[dict[str, Any]], limit: int = MAX_FOOTNOTES, *,
              rest: str = "the answer contract's citations") -> list[str]:
    """Distinct (doc, lines) spans as '[1] doc, lines a–b', in citation order."""
    spans: list[tuple[str, int, int]] = []
    for c in citations:
        span = (str(c.get("doc", "")), int(c.get("line_start", 0)), int(c.get("line_end", 0)))
        if span not in spans:
            spans.append(span)
    notes = [f"[{i}] {doc}, " + (f"line {a}" if a == b else f"lines {a}–{b}")
             for i, (doc, a, b) in enumerate(spans[:limit], 1)]
    if len(spans) > limit:
        notes.append(f"… {len(spans) - limit} more in {rest}")
    return notes


def with_footnotes(contract: dict[str, Any], *, rest: str = "the answer contract's citations") -> str:
    """`Answer.to_dict()` → its answer text followed by the footnotes (none: the text alone)."""
    notes = footnotes(contract.get("citations") or [], rest=rest)
    return contract["answer"] + ("\n\n" + "\n".join(notes) if notes else "")


def no_surrogates(value: Any) -> Any:
    """Lone surrogates (a JSON "\\ud800" escape) → U+FFFD in every string of `value`, recursively,
    so whatever is echoed back can be written as UTF-8."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {no_surrogates(k): no_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [no_surrogates(v) for v in value]
    return value


def jsonable(value: Any) -> Any:
    """numpy / pandas scalars → Python values, NaN and infinities → None, tuples → lists, recursively."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    item = getattr(value, "item", None)       # numpy scalars
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    tolist = getattr(value, "tolist", None)   # numpy arrays
    if callable(tolist):
        return jsonable(tolist())
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    return str(value)
