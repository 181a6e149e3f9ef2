"""Validation questions answered from the Foundation's findings, with both
line references."""
from __future__ import annotations

import re

from index.records import Finding
from index.text import name_key

from . import fmt
from .answer import Citation

TOPICS = [  # (finding kinds, pattern on the question), most specific first: the first that matches is used
    (("breakdown_mismatch",), r"괄호|내역|면적|㎡|동별|건물별|breakdown|floor area"),
    (("staff_mismatch", "org_sum_mismatch"), r"인력|현원|정원|조직표|staff|headcount"),
    (("overview_appendix_mismatch",), r"일반현황|개요|요약표|overview"),
    (("function_budget_mismatch",), r"주요기능|백만|기능표|function"),
    (("audit_count_mismatch",), r"총괄|감사|행감|지적|audit"),
    (("department_sum_mismatch", "subtotal_mismatch", "total_mismatch"), r"합계|소계|합이|더하면|더한|더해|합치면|합친|합쳐|합산|subtotal|sum|total|add up"),
    (("body_appendix_mismatch", "body_split_rows"), r"본문|별첨|body|appendix"),
    (("rate_mismatch",), r"집행률|표기|반올림|rate"),
]



_DIFF = re.compile(r"\(차이 ([+-]?[\d,]+)천원\)")


def _with_units(message: str) -> str:
    """A check's '(차이 +10,000천원)' also in 만원/억원 as every other amount of an answer is written."""
    return _DIFF.sub(lambda m: f"(차이 {m.group(1)[0] if m.group(1)[0] in '+-' else ''}"
                               f"{fmt.amount(abs(int(m.group(1).replace(',', '').lstrip('+-'))))})", message)

def kinds_for(sq: str) -> tuple[str, ...]:
    for ks, pattern in TOPICS:
        if re.search(pattern, sq):
            if ks[0] == "department_sum_mismatch" and re.search("본문|별첨", sq) and not re.search("부서|소계|담당관|division|department", sq):
                continue
            return ks
    return ()


def select(findings: list[Finding], kinds: tuple[str, ...], names: list[str]) -> list[Finding]:
    out = [f for f in findings if f.kind in kinds]
    if names:
        keys = [name_key(n) for n in names]
        named = [f for f in out if any(k == name_key(f.subject) for k in keys)]
        out = named
    return out


def closest(found: list[Finding], sq: str) -> list[Finding]:
    """The findings whose subject and parts share the most letter pairs with the question
    (all of them when none shares any)."""
    q = {sq[i:i + 2] for i in range(len(sq) - 1)}

    def shared(f: Finding) -> int:
        text = name_key(f.subject + " " + " ".join(map(str, f.figures.get("parts", []))))
        return len(q & {text[i:i + 2] for i in range(len(text) - 1)})
    best = max((shared(f) for f in found), default=0)
    if not best:
        return found
    lines = {ln for f in found if shared(f) == best for ln in f.lines}
    return [f for f in found if shared(f) == best or set(f.lines) & lines]     # the same statement's other check


SUM_FIELDS = ("budget", "committed", "spent", "forecast")
MAX_SUM_LINES = 8


def sum_lines(checks, fields: tuple[str, ...], departments=()) -> list[str]:
    """The appendix's printed sums of these columns against their rows: a named department's
    own subtotal, else the subtotals and the total (each department's subtotal only where it differs)."""
    from index.validate import FIELD_KO
    picked = [c for c in checks if c.source == "appendix" and c.field in fields and (
        (c.kind == "department_sum_mismatch" and c.parent in departments) if departments
        else (c.kind != "department_sum_mismatch" or not c.ok))]
    out = []
    for c in picked[:MAX_SUM_LINES]:
        sign = "=" if c.ok else "≠"
        verdict = "일치" if c.ok else f"차이 {c.printed - c.summed:+,}천원"
        out.append(f"{c.parent} {FIELD_KO[c.field]} {c.printed:,}천원 {sign} {c.what} {c.rows}개 합 {c.summed:,}천원 "
                   f"({verdict}) [{', '.join(str(x) for x in c.lines)}행]")
    return out


def render(found: list[Finding], kinds: tuple[str, ...], context: dict, lang: str, *, sums=(), other=()) -> str:
    errors = [f for f in found if f.severity != "info"]
    infos = [f for f in found if f.severity == "info"]
    lines = []
    if errors:
        subjects = list(dict.fromkeys(f.subject for f in errors))
        lines.append(f"불일치 {len(errors)}건({len(subjects)}개 항목)을 찾았습니다: {', '.join(subjects)}.")
        lines += [f"- {_with_units(f.message)} [{', '.join(str(x) for x in f.lines)}행]" for f in errors]
        lines += [f"- 확인한 합계: {x}" for x in sums if "(일치)" in x]
    else:
        lines.append("불일치는 없습니다." if lang == "ko" else "No discrepancy found.")
        lines += [f"- {x}" for x in (sums or context.get(kinds[0] if kinds else "", []))]
    for f in other:
        lines.append(f"- 참고(물으신 열 밖의 불일치): {_with_units(f.message)} [{', '.join(str(x) for x in f.lines)}행]")
    for f in infos:
        lines.append(f"- 참고: {f.message} [{', '.join(str(x) for x in f.lines)}행]")
    return "\n".join(lines)


def citations(found: list[Finding], doc_file_quote) -> list[Citation]:
    out = []
    seen = set()
    for f in found[:20]:
        for line in f.lines:
            if (f.doc, line) in seen:
                continue
            seen.add((f.doc, line))
            out.append(Citation(f.doc, f"검증 {f.kind}", line, line, doc_file_quote(f.doc, line, line)))
    return out
