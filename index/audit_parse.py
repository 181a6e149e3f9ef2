"""Audit-response report: the 총괄 table and one AuditItem per finding."""
from __future__ import annotations

import re

from .records import STATUSES, AuditItem, AuditSummary, Finding
from .text import clean_line, collapse_letter_spacing, join_wrapped, name_key, squash

_STATUS_ANCHOR = "□추진상황"
_ACTION_HEAD = "□추진내용"
_PLAN_HEAD = "□향후계획"


def normalize_status(printed: str) -> str | None:
    s = squash(printed)
    for status in STATUSES:
        if status in s:
            return status
    return None


def _category_label(label: str) -> str:
    s = collapse_letter_spacing(label)
    return re.sub(r"\s*·\s*", "·", s)


def parse_summary(lines: list[str], doc: str, start: int, end: int) -> tuple[list[str], list[AuditSummary]]:
    """The 총괄 table: header with the status columns, then 'label n n n n n' rows."""
    for no in range(start, end + 1):
        s = squash(lines[no - 1])
        if not (s.startswith("구분계") and sum(st in s for st in STATUSES) >= 2):
            continue
        statuses = sorted((st for st in STATUSES if st in s), key=s.index)
        width = len(statuses) + 1
        rows: list[AuditSummary] = []
        for nxt in range(no + 1, min(no + 20, end + 1)):
            t = clean_line(lines[nxt - 1])
            if not t:
                continue
            m = re.match(r"^(.*?)\s*((?:\d+\s+){%d}\d+)$" % (width - 1), t)
            if not m:
                if rows:
                    break
                continue
            nums = [int(x) for x in m.group(2).split()]
            label = _category_label(m.group(1)) or "계"
            rows.append(AuditSummary(doc, label, nums[0], dict(zip(statuses, nums[1:])), nxt))
        return statuses, rows
    return [], []


def _category_of(line: str, categories: list[str]) -> str | None:
    """A category section header: the 총괄 label itself, or its first two
    letters + '사항' (e.g. '기 타 사 항' for '기타(자료제출 등)')."""
    k = name_key(line)
    if not k or "조치" in k or len(k) > 20:
        return None
    for cat in categories:
        ck = name_key(cat)
        if k == ck or k == ck[:2] + "사항":
            return cat
    return None


def _is_table_head(line: str) -> bool:
    k = squash(line)
    return "조치결과" in k or "조치" in k and "결과" in k


def parse_items(lines: list[str], doc: str, file: str, start: int, end: int,
                categories: list[str]) -> tuple[list[AuditItem], list[Finding]]:
    findings: list[Finding] = []
    anchors = [no for no in range(start, end + 1) if squash(lines[no - 1]).startswith(_STATUS_ANCHOR)]
    cat_marks = []
    for no in range(start, end + 1):
        c = _category_of(lines[no - 1], categories)
        if c:
            cat_marks.append((no, c))
    heads = []   # (req_start, dept_start, dept_end, anchor)
    prev = start
    for a in anchors:
        d_end = a - 1
        while d_end > prev and not lines[d_end - 1].strip():
            d_end -= 1
        d_start = d_end
        ok = clean_line(lines[d_end - 1]).endswith(")")
        while ok and d_start > prev and not clean_line(lines[d_start - 1]).startswith("("):
            d_start -= 1
            if d_end - d_start > 3:
                ok = False
        if not ok:
            d_start = d_end + 1
            findings.append(Finding(doc, "audit_item_unparsed", "error",
                                    f"{file}:{a}: audit item has no '(담당부서)' line before '□ 추진상황'",
                                    clean_line(lines[a - 1]), {}, (a,)))
        r = d_start - 1
        while r > prev and not clean_line(lines[r - 1]).startswith("○"):
            r -= 1
        if not clean_line(lines[r - 1]).startswith("○"):
            findings.append(Finding(doc, "audit_item_unparsed", "error",
                                    f"{file}:{a}: audit item has no requirement starting with '○'",
                                    clean_line(lines[a - 1]), {}, (a,)))
            r = d_start
        heads.append((r, d_start, d_end, a))
        prev = a
    items: list[AuditItem] = []
    for i, (r, d_start, d_end, a) in enumerate(heads):
        item_end = heads[i + 1][0] - 1 if i + 1 < len(heads) else end
        dept_text = join_wrapped(lines[d_start - 1:d_end]).strip("() ")
        departments = tuple(d.strip() for d in re.split(r"[,，]", dept_text) if d.strip())
        req_lines = [lines[k - 1] for k in range(r, d_start) if not _is_table_head(lines[k - 1])]
        requirement = join_wrapped(req_lines).lstrip("○ ").strip()
        printed = clean_line(lines[a - 1]).split(":", 1)[-1].strip()
        status = normalize_status(printed)
        if status is None:
            findings.append(Finding(doc, "audit_status_unknown", "error",
                                    f"{file}:{a}: unknown status '{printed}' (expected one of {', '.join(STATUSES)})",
                                    requirement[:40], {"printed": printed}, (a,)))
            status = printed
        action, plan, target = [], [], None
        last = a
        for k in range(a + 1, item_end + 1):
            raw = lines[k - 1]
            s = clean_line(raw)
            if not s:
                continue
            if _category_of(raw, categories) or _is_table_head(raw):
                continue
            q = squash(s)
            if q.startswith(_PLAN_HEAD):
                target = plan
            elif q.startswith(_ACTION_HEAD):
                target = action
            elif target is not None:
                target.append(s)
            last = k
        category = ""
        for no, c in cat_marks:
            if no <= r:
                category = c
        if not category:
            findings.append(Finding(doc, "audit_item_uncategorised", "warning",
                                    f"{file}:{r}: audit item comes before any category header",
                                    requirement[:40], {}, (r,)))
        items.append(AuditItem(doc=doc, id=f"A{i + 1:02d}", no=i + 1, category=category,
                               departments=departments, requirement=requirement, status=status,
                               status_printed=printed, action="\n".join(action), plan="\n".join(plan),
                               line_start=r, line_end=last, requirement_lines=(r, d_end)))
    return items, findings
