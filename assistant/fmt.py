"""How figures are written in answers: 천원 with separators (plus 억원 from
1억), rates with one decimal, counts with their counter."""
from __future__ import annotations

EOK = 100_000          # 1억원 = 100,000 천원


def amount(v: float | int, lang: str = "ko") -> str:
    if isinstance(v, float) and not v.is_integer():
        text = f"{v:,.1f}"
    else:
        text = f"{int(v):,}"
    unit = "천원" if lang == "ko" else " thousand KRW"
    out = f"{text}{unit}"
    if abs(v) >= EOK:
        eok = round(v / EOK, 1)
        out += f" ({eok:,.1f}억원)" if lang == "ko" else f" (KRW {eok:,.1f} 억)"
    return out


def rate(v: float | None) -> str:
    return "계산 불가(예산 0)" if v is None else f"{v:.1f}%"


def count(n: int, counter: str = "개") -> str:
    return f"{n:,}{counter}"
