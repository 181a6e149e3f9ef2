"""Audit questions: parse the slots and put the result in words."""
from __future__ import annotations

import re

import pandas as pd

from index.records import STATUSES

from .answer import Citation
from .audit import AuditResult

DETAIL_THRESHOLD = 9.0      # summed IDF of shared letter pairs; calibrated on eval/gold/answers.jsonl
MARGIN = 1.15


# findings owned jointly by several departments ('세 부서가 같이 받은 지적'): the count asked for
MULTI_DEPT = r"(세|두|네|여러|3|2|4)\s*(개|곳)?\s*(의)?\s*(부서|담당관)|공동소관|several departments|three departments"


def min_departments(sq: str) -> int:
    m = re.search(MULTI_DEPT, sq)
    if not m:
        return 0
    word = m.group(1)
    return {"세": 3, "3": 3, "네": 4, "4": 4, "두": 2, "2": 2}.get(word, 2)


def _item_text(r, full: bool, lang: str) -> str:
    depts = ", ".join(r["departments"])
    status = r["status"] + (f"(표기: {r['status_printed']})" if r["status_printed"] != r["status"] else "")
    head = f"[{r['id']}] {r['category']} · {depts} · {status}"
    req = r["requirement"] if full else (r["requirement"][:90] + ("…" if len(r["requirement"]) > 90 else ""))
    out = [head, f"  요구사항: {req}"]
    if full:
        if r["action"]:
            out.append("  추진내용: " + r["action"].replace("\n", " "))
        if r["plan"]:
            out.append("  향후계획: " + r["plan"].replace("\n", " "))
    return "\n".join(out)


def render(res: AuditResult, lang: str, broader: dict | None = None) -> str:
    q, items = res.query, res.items
    ko = lang == "ko"
    if q.operation == "detail" and len(items) == 1:
        return _item_text(items.iloc[0], True, lang)
    c = res.counts
    parts = ", ".join(f"{s} {c['by_status'][s]}건" for s in STATUSES)
    scope = " / ".join(x for x in ("·".join(q.categories), "·".join(q.departments), "·".join(q.statuses)) if x) or "전체"
    if ko:
        head = f"감사 지적사항({scope})은 모두 {c['total']}건입니다: {parts}."
        if q.statuses and c["total"] == 0:
            head = f"{scope}에 해당하는 지적사항은 0건입니다(없습니다). 상태별: {parts}."
    else:
        head = f"{c['total']} audit findings ({scope}): " + ", ".join(f"{s} {c['by_status'][s]}" for s in STATUSES) + \
               ("; all completed." if c["total"] and c["by_status"]["완료"] == c["total"] else ".")
    lines = [head]
    if q.statuses and broader is not None:
        b = broader
        lines.append((f"(상태 구분 없이 {b['total']}건: " if ko else f"(all statuses: {b['total']}: ") +
                     ", ".join(f"{s} {b['by_status'][s]}건" for s in STATUSES) + ")")
    if not q.categories and len(set(items["category"])) > 1:
        by_cat = "; ".join(f"{cat} {n}건" for cat, n in c["by_category"].items() if n)
        lines.append(("분류별: " if ko else "by category: ") + by_cat)
    if len(items) == 1:
        lines.append(_item_text(items.iloc[0], True, lang))
    elif 0 < len(items) <= 12:
        lines += [_item_text(r, False, lang) for _, r in items.iterrows()]
    return "\n".join(lines)


def citations(res: AuditResult, quote) -> list[Citation]:
    out = []
    for _, r in res.items.head(12).iterrows():
        out.append(Citation(r["doc"], f"감사 {r['id']} {r['category']}", int(r["line_start"]), int(r["line_end"]),
                            quote(r["doc"], int(r["line_start"]), int(r["line_end"]))))
    return out


def data_of(res: AuditResult) -> dict:
    cols = ["id", "category", "departments", "status", "status_printed", "requirement", "line_start", "line_end"]
    rows = [[(list(v) if isinstance(v, (list, tuple)) else (v.item() if hasattr(v, "item") else v)) for v in rec]
            for rec in res.items[cols].itertuples(index=False, name=None)]
    return {"columns": cols, "rows": rows, "counts": res.counts}


def summary_counts(frame: pd.DataFrame) -> dict:
    return {s: int((frame["status"] == s).sum()) for s in STATUSES}


# 'the latest submitted': findings ordered by the dates their actions print
LATEST = r"(?:제일|가장|젤)(?:늦게|나중에|마지막에?|최근에?)|마지막으로|latest|mostrecent|lastsubmitted|submittedlast"
EARLIEST = r"(?:제일|가장|젤)(?:빨리|먼저|일찍|처음)|earliest|firstsubmitted|submittedfirst"
SUBMIT = r"제출|냈|낸|submi"
_DATE = re.compile(r"(20\d\d)\s?\.\s?(\d{1,2})\s?\.\s?(\d{1,2})")


def asks_by_date(sq: str) -> str:
    """'latest' | 'earliest' when the question orders findings by when they were submitted, else ''."""
    sq = sq.lower()
    if not re.search(SUBMIT, sq):
        return ""
    if re.search(LATEST, sq):
        return "latest"
    if re.search(EARLIEST, sq):
        return "earliest"
    return ""


def by_date(items: pd.DataFrame, which: str) -> tuple[pd.DataFrame, str]:
    """The findings whose action prints the latest (or earliest) date, all ties, and that date."""
    dated = []
    for i, r in items.iterrows():
        ds = [(int(y), int(m), int(d)) for y, m, d in _DATE.findall(str(r["action"]))]
        if ds:
            dated.append((max(ds) if which == "latest" else min(ds), i))
    if not dated:
        return items.iloc[0:0], ""
    best = (max if which == "latest" else min)(d for d, _ in dated)
    rows = items.loc[[i for d, i in dated if d == best]]
    return rows, f"{best[0]}.{best[1]}.{best[2]}."
