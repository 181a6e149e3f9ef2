"""How figures are written in answers: 천원 with separators (plus 억원 from
1억, 만원 from 100만원 below that), rates with one decimal, counts with their counter."""
from __future__ import annotations

EOK = 100_000          # 1억원 = 100,000 천원
MAN_FROM = 1_000       # from 1,000 천원 (100만원) up to 1억, the 만원 figure too


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
    elif abs(v) >= MAN_FROM:
        man = int(abs(v) / 10 + 0.5) * (1 if v >= 0 else -1)     # 1만원 = 10천원, half up
        out += f" ({man:,}만원)" if lang == "ko" else f" (KRW {man:,} 만)"
    return out


def rate(v: float | None) -> str:
    return "계산 불가(예산 0)" if v is None else f"{v:.1f}%"


def count(n: int, counter: str = "개") -> str:
    return f"{n:,}{counter}"


def josa(word: str, with_batchim: str, without: str) -> str:
    """word + the particle that fits its last syllable: josa('집행률', '이', '가') → '집행률이'."""
    last = next((ch for ch in reversed(word) if ch.strip() and ch not in ")]}.%"), "")
    if "가" <= last <= "힣":
        has = (ord(last) - 0xAC00) % 28 != 0
    else:
        has = last.isdigit() and last in "013678"   # 영, 일, 삼, 육, 칠, 팔 end in a consonant
    return word + (with_batchim if has else without)
