"""Budget table rows: the seven figure cells at the end of a (possibly wrapped)
row, with every extraction artifact repaired and flagged, never silently."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import IDEOGRAPHIC_SPACE, clean_line, squash

N_CELLS = 7
# budget, committed, spent, committed%, spent%, forecast, forecast%
PATTERN = ("A", "A", "A", "P", "P", "A", "P")

_AMOUNT_OK = re.compile(r"^\d{1,3}(,\d{3})*$")
_AMOUNT_BAD_SEP = re.compile(r"^\d+(,\d+)+$")
_AMOUNT_PERIOD = re.compile(r"^\d{1,3}(\.\d{3})+$")
_PCT = re.compile(r"^(\d{1,3})%$")
_GLUED = re.compile(r"^(\d{1,3})%(\d[\d,.]*)$")
_NUMERIC = re.compile(r"^[\d,.%]+$")


@dataclass
class ParsedCells:
    name: str
    values: list[int]
    repairs: list[str] = field(default_factory=list)


def _amount(tok: str, repairs: list[str]) -> int | None:
    if _AMOUNT_OK.match(tok):
        return int(tok.replace(",", ""))
    if _AMOUNT_PERIOD.match(tok):
        value = int(tok.replace(".", ""))
        repairs.append(f"period for comma: '{tok}' read as {value:,}")
        return value
    if _AMOUNT_BAD_SEP.match(tok):
        value = int(tok.replace(",", ""))
        repairs.append(f"misplaced separator: '{tok}' read as {value:,}")
        return value
    return None


def split_tokens(raw: str, repairs: list[str]) -> list[str]:
    """Whitespace tokens of a raw row, with glued '30%21,000,000' cells split."""
    if IDEOGRAPHIC_SPACE in raw:
        cells = [t for t in re.split(r"[ \t]+", raw.strip()) if IDEOGRAPHIC_SPACE in t]
        for t in cells:
            repairs.append(f"ideographic space in cell '{t.replace(IDEOGRAPHIC_SPACE, '<U+3000>')}' removed")
    toks: list[str] = []
    for tok in clean_line(raw).split(" "):
        m = _GLUED.match(tok)
        if m:
            repairs.append(f"two cells glued: '{tok}' split into '{m.group(1)}%' and '{m.group(2)}'")
            toks.extend([m.group(1) + "%", m.group(2)])
        elif tok:
            toks.append(tok)
    return toks


def parse_row(raw: str) -> ParsedCells | None:
    """The row's name and its seven cells, or None when the tail is not seven cells."""
    repairs: list[str] = []
    toks = split_tokens(raw, repairs)
    if len(toks) < N_CELLS:
        return None
    tail = toks[-N_CELLS:]
    values: list[int] = []
    for kind, tok in zip(PATTERN, tail):
        if kind == "A":
            v = _amount(tok, repairs)
        else:
            m = _PCT.match(tok)
            v = int(m.group(1)) if m else None
        if v is None:
            return None
        values.append(v)
    name = " ".join(toks[:-N_CELLS])
    if not name or _NUMERIC.match(name.replace(" ", "")):
        # a figure left over in front means a cell too many or a name missing
        if name:
            return None
    return ParsedCells(name=name, values=values, repairs=repairs)


def looks_like_figures(raw: str) -> bool:
    """A line that carries figures (three or more numeric cells incl. a rate)."""
    toks = split_tokens(raw, [])
    numeric = [t for t in toks if _NUMERIC.match(t) or _GLUED.match(t)]
    return len(numeric) >= 3 and any("%" in t for t in numeric)


def is_header_line(raw: str) -> bool:
    s = squash(raw)
    if not s:
        return False
    return (s.startswith("구분") or s.startswith("사업명") or "예산현액" in s
            or s.startswith("원인행위") or s.startswith("집행액") or bool(re.fullmatch(r"[’']\d{2}년", s))
            or s.startswith("(단위"))
