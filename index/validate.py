"""Validation findings: every place where the report disagrees with itself.

Each finding names both figures and both line references."""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from .parser import Corpus
from .records import BudgetRow, Finding
from .text import name_key

FIELDS = ("budget", "committed", "spent", "forecast")
FIELD_KO = {"budget": "예산현액", "committed": "원인행위", "spent": "지출", "forecast": "집행예상액",
            "committed_rate": "원인행위 집행률", "spent_rate": "지출 집행률", "forecast_rate": "집행예상률"}
RATES = (("committed_rate", "committed", "committed_rate_printed"),
         ("spent_rate", "spent", "spent_rate_printed"),
         ("forecast_rate", "forecast", "forecast_rate_printed"))


def _sum(rows: list[BudgetRow], f: str) -> int:
    return sum(getattr(r, f) for r in rows)


def _compare_sum(doc: str, kind: str, parent: BudgetRow, children: list[BudgetRow], what: str) -> list[Finding]:
    out = []
    if not children:
        return out
    for f in FIELDS:
        want, got = getattr(parent, f), _sum(children, f)
        if want != got:
            out.append(Finding(doc, kind, "error",
                               f"{parent.program} {FIELD_KO[f]} {want:,}천원 ≠ {what} 합 {got:,}천원 (차이 {want - got:+,}천원)",
                               parent.program,
                               {"field": f, "printed": want, "sum": got, "difference": want - got,
                                "source": parent.source, "rows": len(children)},
                               (parent.line_start, children[0].line_start, children[-1].line_end)))
    return out


def _sum_groups(corpus: Corpus):
    """Every printed figure the appendix or overview table states as a sum, with the rows it sums:
    (doc, kind, parent row, children, what the children are)."""
    for doc in {r.doc for r in corpus.budget}:
        for source in ("appendix", "overview"):
            rows = [r for r in corpus.budget if r.doc == doc and r.source == source]
            if not rows:
                continue
            depts = [r for r in rows if r.level == "department"]
            for d in depts:
                progs = [r for r in rows if r.level == "program" and r.department == d.department]
                yield doc, "department_sum_mismatch", d, progs, "세부사업"
            subtotals = [r for r in rows if r.level == "subtotal"]
            totals = [r for r in rows if r.level == "total"]
            # '(계)' subtotals: each is the sum of the rows under it up to the next '(계)'
            order = rows
            for i, st in enumerate(order):
                if st.level != "subtotal" or not name_key(st.program).endswith("(계)"):
                    continue
                under = []
                for r in order[i + 1:]:
                    if r.level in ("total",) or (r.level == "subtotal" and name_key(r.program).endswith("(계)")):
                        break
                    under.append(r)
                kids = [r for r in under if r.level == "department"] or [r for r in under if r.level == "subtotal"]
                yield doc, "subtotal_mismatch", st, kids, "하위 항목"
            for st in subtotals:
                admins = [r for r in rows if r.level == "admin"]
                if admins and not name_key(st.program).endswith("(계)") and \
                        all(name_key(a.program).startswith(name_key(st.program)) for a in admins):
                    yield doc, "subtotal_mismatch", st, admins, "부서별 항목"
            for t in totals:
                tops = [s for s in subtotals if name_key(s.program).endswith("(계)")]
                yield doc, "total_mismatch", t, tops, "소계"


def check_sums(corpus: Corpus) -> list[Finding]:
    out: list[Finding] = []
    for doc, kind, parent, children, what in _sum_groups(corpus):
        out += _compare_sum(doc, kind, parent, children, what)
    return out


@dataclass(frozen=True)
class SumCheck:
    """One printed sum and the sum of its rows, for one column — equal or not."""
    kind: str
    parent: str
    what: str
    field: str
    printed: int
    summed: int
    rows: int
    source: str
    lines: tuple[int, ...]

    @property
    def ok(self) -> bool:
        return self.printed == self.summed


def sum_checks(corpus: Corpus) -> list[SumCheck]:
    """Every sum check_sums compares, the equal ones too (what a 'does it add up?' answer shows)."""
    out = []
    for _doc, kind, parent, children, what in _sum_groups(corpus):
        if not children:
            continue
        for f in FIELDS:
            out.append(SumCheck(kind, parent.program, what, f, getattr(parent, f), _sum(children, f), len(children),
                                parent.source, (parent.line_start, children[0].line_start, children[-1].line_end)))
    return out


def check_rates(corpus: Corpus) -> list[Finding]:
    out = []
    for r in corpus.budget:
        for rate_name, part_field, printed_field in RATES:
            printed = getattr(r, printed_field)
            if printed is None or not r.budget:
                continue
            exact = getattr(r, part_field) * 100 / r.budget
            if abs(printed - exact) >= 1.0 and printed not in (math.floor(exact), math.ceil(exact)):
                out.append(Finding(r.doc, "rate_mismatch", "warning",
                                   f"{r.program} ({r.source}) {FIELD_KO[rate_name]} 표기 {printed}% ≠ 재계산 {exact:.1f}%",
                                   r.program, {"field": rate_name, "printed": printed, "recomputed": round(exact, 2),
                                               "source": r.source}, (r.line_start,)))
    return out


def check_body_vs_appendix(corpus: Corpus) -> list[Finding]:
    out = []
    for doc in {r.doc for r in corpus.budget}:
        appendix = {r.program: r for r in corpus.budget if r.doc == doc and r.source == "appendix" and r.level == "program"}
        groups: dict[str, list[BudgetRow]] = defaultdict(list)
        for r in corpus.budget:
            if r.doc == doc and r.source == "body" and r.parent and r.parent in appendix:
                groups[r.parent].append(r)
        for parent, rows in groups.items():
            a = appendix[parent]
            by_note = [r for r in rows if r.level == "sub-item" and r.note and name_key(parent) in name_key(r.note)]
            named = [r for r in rows if r not in by_note]
            if not named:
                continue
            for f in FIELDS:
                body_val = _sum(named, f)
                app_val = getattr(a, f)
                if body_val != app_val:
                    lines = tuple(r.line_start for r in named) + (a.line_start,)
                    body_txt = " + ".join(f"{getattr(r, f):,}" for r in named)
                    out.append(Finding(doc, "body_appendix_mismatch", "error",
                                       f"{parent} {FIELD_KO[f]}: 별첨1 {app_val:,}천원, 본문 {body_txt}천원 (차이 {app_val - body_val:+,}천원)",
                                       parent, {"field": f, "appendix": app_val, "body": body_val,
                                                "body_rows": [r.program for r in named],
                                                "difference": app_val - body_val},
                                       lines))
            if len(named) > 1 and all(_sum(named, f) == getattr(a, f) for f in FIELDS):
                parts = " + ".join(f"{r.budget:,}" for r in named)
                out.append(Finding(doc, "body_split_rows", "info",
                                   f"{parent}: 본문은 {len(named)}개 행으로 나뉘어 있고(예산현액 {parts}천원) "
                                   f"합계 {a.budget:,}천원이 별첨1과 같습니다",
                                   parent, {"rows": [r.program for r in named]},
                                   tuple(r.line_start for r in named) + (a.line_start,)))
    return out


def check_overview_vs_appendix(corpus: Corpus) -> list[Finding]:
    out = []
    for doc in {r.doc for r in corpus.budget}:
        app = {name_key(r.program): r for r in corpus.budget if r.doc == doc and r.source == "appendix"
               and r.level in ("total", "subtotal", "department")}
        for r in corpus.budget:
            if r.doc != doc or r.source != "overview":
                continue
            a = app.get(name_key(r.program))
            if a is None:
                continue
            for f in FIELDS:
                if getattr(r, f) != getattr(a, f):
                    out.append(Finding(doc, "overview_appendix_mismatch", "error",
                                       f"{r.program} {FIELD_KO[f]}: 일반현황 {getattr(r, f):,}천원, 별첨1 {getattr(a, f):,}천원",
                                       r.program, {"field": f, "overview": getattr(r, f), "appendix": getattr(a, f)},
                                       (r.line_start, a.line_start)))
    return out


def check_staff(corpus: Corpus) -> list[Finding]:
    out = []
    for s in corpus.staff:
        total = next((o for o in corpus.org if o.doc == s.doc and o.department == "계"), None)
        if total is None:
            continue
        for label, head, table in (("정원", s.quota, total.quota), ("현원", s.current, total.current)):
            if head != table:
                out.append(Finding(s.doc, "staff_mismatch", "error",
                                   f"인력 {label}: 머리말 {head}명, 조직표 {table}명 "
                                   f"(머리말 {s.quota}/{s.current}명, 조직표 {total.quota}/{total.current}명, 정원/현원)",
                                   label, {"field": label, "header": head, "org_table": table},
                                   (s.line, total.line_end)))
    for doc in {o.doc for o in corpus.org}:
        units = [o for o in corpus.org if o.doc == doc and o.department != "계"]
        total = next((o for o in corpus.org if o.doc == doc and o.department == "계"), None)
        if total:
            for label, f in (("정원", "quota"), ("현원", "current")):
                got = sum(getattr(u, f) for u in units)
                if got != getattr(total, f):
                    out.append(Finding(doc, "org_sum_mismatch", "error",
                                       f"조직표 {label} 계 {getattr(total, f)}명 ≠ 부서 합 {got}명", label,
                                       {"field": label, "printed": getattr(total, f), "sum": got},
                                       (total.line_start, total.line_end)))
    return out


def check_functions(corpus: Corpus) -> list[Finding]:
    out = []
    for fn in corpus.functions:
        if fn.budget_million is None:
            continue
        dept = [r for r in corpus.budget if r.doc == fn.doc and r.source == "appendix"
                and r.department == fn.department and r.level in ("department", "admin")]
        if not dept:
            continue
        thousand = sum(r.budget for r in dept)
        million = round(thousand / 1000)
        if million != fn.budget_million:
            out.append(Finding(fn.doc, "function_budget_mismatch", "warning",
                               f"{fn.department} 부서별 주요기능 예산 {fn.budget_million:,}백만원 ≠ 별첨1 {thousand:,}천원",
                               fn.department, {"function_table_million": fn.budget_million, "appendix_thousand": thousand},
                               (fn.line_end, dept[0].line_start)))
    return out


def check_audit(corpus: Corpus) -> list[Finding]:
    out = []
    for doc in {s.doc for s in corpus.audit_summary} | {i.doc for i in corpus.audit}:
        items = [i for i in corpus.audit if i.doc == doc]
        summary = [s for s in corpus.audit_summary if s.doc == doc]
        for s in summary:
            sel = items if s.category == "계" else [i for i in items if i.category == s.category]
            if len(sel) != s.total:
                out.append(Finding(doc, "audit_count_mismatch", "error",
                                   f"감사 총괄 '{s.category}' {s.total}건, 파싱된 항목 {len(sel)}건",
                                   s.category, {"category": s.category, "summary": s.total, "parsed": len(sel)}, (s.line,)))
            for status, n in s.counts.items():
                got = sum(1 for i in sel if i.status == status)
                if got != n:
                    out.append(Finding(doc, "audit_count_mismatch", "error",
                                       f"감사 총괄 '{s.category}' {status} {n}건, 파싱된 항목 {got}건",
                                       s.category, {"category": s.category, "status": status, "summary": n, "parsed": got},
                                       (s.line,)))
    return out


_COUNT_UNITS = r"명|개소|개|건|곳|팀|㎡"
_BREAKDOWN = re.compile(r"(?P<label>[가-힣][가-힣·․ ]{0,14}?)\s*(?P<n>\d[\d,]*(?:\.\d+)?)\s*(?P<u>" + _COUNT_UNITS + r")"
                        r"\s*(?:미포함|포함)?\s*\((?P<parts>[^()]+)\)")
_PART = re.compile(r"^\s*[가-힣A-Za-z][가-힣A-Za-z·․ ]{0,14}?\s*(\d[\d,]*(?:\.\d+)?)\s*(?P<u>" + _COUNT_UNITS + r")\s*$")
_COLON_LIST = re.compile(r"(?P<label>[가-힣][가-힣·․ ]{0,14}?)\s*(?P<n>\d[\d,]*)\s*(?P<u>명|개소|개|건|곳)\s*(?:미포함|포함)?"
                         r"\s*[:：]\s*(?P<rest>.+)$")
_LIST_PART = re.compile(r"^\s*[가-힣][가-힣·․ ]{0,14}?\s*(\d[\d,]*)\s*(?P<u>명|개소|개|건|곳)\s*(?:\([^()]*\))?\s*$")
_TOTAL_IN_BRACKETS = re.compile(r"\((\d[\d,]*(?:\.\d+)?)\s*(㎡|명|개소)\)")
_ROW = re.compile(r"^\s*([가-힣A-Za-z][^\s\d]{0,12})\s+(\d[\d,]*(?:\.\d+)?)\s*(㎡|명|개소)(?=\s|$)")
TABLE_ROWS_AHEAD = 12          # lines after a total in which its table's rows are looked for


def _figure(x: str) -> float:
    return float(x.replace(",", ""))


def _plain(v: float) -> str:
    return f"{v:,.2f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v):,}"


def _parts_finding(doc: str, no: int, m, pieces: list[str], part_rx, what: str) -> Finding | None:
    """A figure and its two or more parts (each in the figure's unit) that do not add up."""
    parts = [p for p in pieces if p.strip()]
    got = [part_rx.match(p) for p in parts]
    if len(parts) < 2 or not all(g and g.group("u") == m.group("u") for g in got):
        return None
    total, added = _figure(m.group("n")), sum(_figure(g.group(1)) for g in got)
    if math.isclose(total, added):
        return None
    label, u = m.group("label").strip(), m.group("u")
    return Finding(doc, "breakdown_mismatch", "warning",
                   f"{label} {_plain(total)}{u}: {what} {_plain(added)}{u} "
                   f"({' + '.join(_plain(_figure(g.group(1))) for g in got)})",
                   label, {"printed": total, "parts_sum": added, "unit": u, "parts": [p.strip() for p in parts]}, (no,))


def check_breakdowns(corpus: Corpus) -> list[Finding]:
    """A figure and the parts printed for it that do not add up: 'X 3명(A 2명, B 1명, C 1명)'
    (two parts at least, every part in the figure's unit), or a total in brackets whose table
    rows follow ('…1단지(13,527㎡)' then '상상청 8,185㎡', '연수동 1,203㎡', …)."""
    out: list[Finding] = []
    for d in corpus.documents:
        lines = corpus.lines[d.file]
        for no in range(d.line_start, d.line_end + 1):
            text = lines[no - 1]
            for m in _BREAKDOWN.finditer(text):
                f = _parts_finding(d.id, no, m, re.split(r",\s*", m.group("parts")), _PART, "괄호 안 내역 합")
                if f is not None:
                    out.append(f)
            m = _COLON_LIST.search(text.lstrip("※○◦□-－ "))
            if m:   # 'X 6명 : A 3명(…), B 2명(…)': the parts listed after the colon
                f = _parts_finding(d.id, no, m, re.split(r",\s*(?![^()]*\))", m.group("rest")), _LIST_PART, "내역 합")
                if f is not None:
                    out.append(f)
            for m in _TOTAL_IN_BRACKETS.finditer(text):
                u = m.group(2)
                rows, last = [], no
                for k in range(no + 1, min(d.line_end, no + TABLE_ROWS_AHEAD) + 1):
                    s = lines[k - 1].strip()
                    if s.startswith(("○", "□")):
                        break                       # the next statement: the table is over
                    r = _ROW.match(s)
                    if r and r.group(3) == u:
                        rows.append((r.group(1), _figure(r.group(2))))
                        last = k
                if len(rows) < 2:
                    continue
                total, added = _figure(m.group(1)), sum(v for _, v in rows)
                if not math.isclose(total, added):
                    head = re.split(r"[,，]", text[:m.start()])[-1].strip().lstrip("○◦□-－ ")
                    out.append(Finding(d.id, "breakdown_mismatch", "warning",
                                       f"{head} {_plain(total)}{u}: 아래 표의 합 {_plain(added)}{u} "
                                       f"({' + '.join(f'{n} {_plain(v)}' for n, v in rows)})",
                                       head, {"printed": total, "parts_sum": added, "unit": u,
                                              "parts": [f"{n} {_plain(v)}{u}" for n, v in rows]}, (no, last)))
    return out


def check_repairs(corpus: Corpus) -> list[Finding]:
    return [Finding(r.doc, "artifact_repaired", "info", f"{r.program} ({r.source}): {note}", r.program,
                    {"source": r.source, "repair": note}, (r.line_start, r.line_end))
            for r in corpus.budget for note in r.repaired]


CHECKS = (check_sums, check_body_vs_appendix, check_overview_vs_appendix, check_rates, check_staff,
          check_functions, check_audit, check_breakdowns, check_repairs)


def validate(corpus: Corpus) -> list[Finding]:
    findings = list(corpus.problems)
    for check in CHECKS:
        findings += check(corpus)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: (order.get(f.severity, 3), f.kind, f.lines[:1]))
