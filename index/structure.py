"""Document structure of a work report: parts, policy areas, programmes and
their blocks; the organisation and department-function tables; the header
staff line. Everything is found by the report's layout, not by its names."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .records import DeptFunction, OrgUnit, Section
from .text import clean_line, collapse_letter_spacing, name_key, squash

ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ"
_PART = re.compile(rf"^\s*([{ROMAN}])\.\s*(.+)$")
_AREA = re.compile(r"^\s*([1-9])\.\s+(\S.*)$")
_PROGRAM = re.compile(r"^([1-9])\s{1,3}(\S.*)$")
_BULLET_START = tuple("○□◦－-※▸➠•*⇨")
BLOCK_SUFFIXES = {"개요": "사업개요", "실적": "추진실적", "계획": "향후계획"}
BUDGET_BLOCK = "예산집행 현황"


def is_bullet(raw: str) -> bool:
    s = raw.strip()
    return bool(s) and s.startswith(_BULLET_START)


def block_header(raw: str) -> str | None:
    """' 추진실적' -> '추진실적'. Block headers are short lines whose glyph was
    lost in extraction (they start with a space) and end in 개요/실적/계획."""
    if not raw.startswith(" ") and not raw.startswith("\u3000"):
        return None
    s = clean_line(raw)
    if not s or len(s) > 14 or is_bullet(s):
        return None
    for suffix, block in BLOCK_SUFFIXES.items():
        if squash(s).endswith(suffix):
            return block
    return None


def is_budget_block(raw: str) -> bool:
    return squash(raw).startswith("※" + squash(BUDGET_BLOCK))


@dataclass(frozen=True)
class Span:
    number: str
    title: str
    start: int        # 1-based line numbers
    end: int


def find_parts(lines: list[str], start: int, end: int) -> list[Span]:
    found = []
    for no in range(start, end + 1):
        m = _PART.match(lines[no - 1])
        if m:
            found.append((m.group(1), collapse_letter_spacing(m.group(2)), no))
    return [Span(num, title, s, (found[i + 1][2] - 1) if i + 1 < len(found) else end)
            for i, (num, title, s) in enumerate(found)]


def find_appendix(lines: list[str], start: int, end: int) -> int | None:
    for no in range(start, end + 1):
        if squash(lines[no - 1]).startswith("별첨"):
            return no
    return None


def find_areas(lines: list[str], start: int, end: int) -> list[Span]:
    """Policy areas: a numbered list (titles) and then each area's own header."""
    occ: dict[str, list[tuple[int, str]]] = {}
    for no in range(start, end + 1):
        m = _AREA.match(lines[no - 1])
        if m:
            occ.setdefault(m.group(1), []).append((no, m.group(2)))
    heads = []
    for num in sorted(occ, key=int):
        hits = occ[num]
        if len(hits) >= 2:
            title = collapse_letter_spacing(hits[0][1])
            begin = hits[1][0]
        else:
            begin = hits[0][0]
            parts = [hits[0][1]]
            for nxt in range(begin + 1, min(begin + 6, end + 1)):
                s = clean_line(lines[nxt - 1])
                if s and not is_bullet(lines[nxt - 1]) and not _PROGRAM.match(lines[nxt - 1]):
                    parts.append(s)
                elif s:
                    break
            title = collapse_letter_spacing(" ".join(parts))
        heads.append((num, re.sub(r"\s+", " ", title).strip(), begin))
    heads.sort(key=lambda h: h[2])
    return [Span(num, title, s, (heads[i + 1][2] - 1) if i + 1 < len(heads) else end)
            for i, (num, title, s) in enumerate(heads)]


def find_programs(lines: list[str], area: Span) -> list[Span]:
    found = []
    expect = 1
    for no in range(area.start + 1, area.end + 1):
        m = _PROGRAM.match(lines[no - 1])
        if m and int(m.group(1)) == expect:
            found.append((m.group(1), clean_line(m.group(2)), no))
            expect += 1
    return [Span(num, title, s, (found[i + 1][2] - 1) if i + 1 < len(found) else area.end)
            for i, (num, title, s) in enumerate(found)]


def trim_end(lines: list[str], start: int, end: int) -> int:
    while end > start and not lines[end - 1].strip():
        end -= 1
    return end


def program_blocks(lines: list[str], prog: Span, table_ends: dict[int, int]) -> list[tuple[str, int, int]]:
    """(block, start, end) inside a programme; table_ends maps the line of a
    '※ 예산집행 현황' to the last line of its table."""
    marks: list[tuple[str, int]] = [("목표", prog.start)]
    for no in range(prog.start + 1, prog.end + 1):
        raw = lines[no - 1]
        b = block_header(raw)
        if b:
            marks.append((b, no))
        elif is_budget_block(raw):
            marks.append((BUDGET_BLOCK, no))
            end = table_ends.get(no)
            if end and end < prog.end:
                # text after the table and before the next header stays with the block before it
                marks.append(("_after_table", end + 1))
    out = []
    for i, (name, s) in enumerate(marks):
        e = marks[i + 1][1] - 1 if i + 1 < len(marks) else prog.end
        if name == "_after_table":
            if any(lines[k - 1].strip() for k in range(s, e + 1)):
                out.append(("비고", s, trim_end(lines, s, e)))
            continue
        out.append((name, s, trim_end(lines, s, e)))
    return out


def parse_org_table(lines: list[str], doc: str, start: int, end: int) -> list[OrgUnit]:
    """'구 분 계 A B C' followed by '정 원 …' and '현 원 …' rows."""
    for no in range(start, end + 1):
        s = clean_line(lines[no - 1])
        if not squash(s).startswith("구분계"):
            continue
        toks = s.split(" ")
        try:
            k = toks.index("계")
        except ValueError:
            continue
        names = toks[k + 1:]
        rows: dict[str, tuple[list[int], int]] = {}
        for nxt in range(no + 1, min(no + 8, end + 1)):
            t = clean_line(lines[nxt - 1])
            m = re.match(r"^(\D+?)\s+((?:\d+\s*)+)$", t)
            if m:
                label = squash(m.group(1))
                nums = [int(x) for x in m.group(2).split()]
                rows[label] = (nums, nxt)
        if "정원" in rows and "현원" in rows and names:
            quota, q_line = rows["정원"]
            current, c_line = rows["현원"]
            if len(quota) == len(names) + 1 and len(current) == len(names) + 1:
                return [OrgUnit(doc, n, quota[i + 1], current[i + 1], no, max(q_line, c_line))
                        for i, n in enumerate(names)] + [
                    OrgUnit(doc, "계", quota[0], current[0], no, max(q_line, c_line))]
    return []


def parse_staff_line(lines: list[str], start: int, end: int) -> tuple[int, int, int] | None:
    """The header's '인 력 112/100명 (정원/현원)' → (quota, current, line)."""
    for no in range(start, end + 1):
        s = squash(lines[no - 1])
        m = re.match(r"^인력(\d+)/(\d+)명", s)
        if m:
            return int(m.group(1)), int(m.group(2)), no
    return None


def parse_functions(lines: list[str], doc: str, start: int, end: int, departments: list[str]) -> list[DeptFunction]:
    keys = {name_key(d): d for d in departments}
    begin = None
    for no in range(start, end + 1):
        if squash(lines[no - 1]) == "부서별주요기능":
            begin = no
            break
    if begin is None:
        return []
    out: list[DeptFunction] = []
    cur: str | None = None
    cur_start = 0
    duties: list[str] = []

    def flush(budget: int | None, last: int) -> None:
        if cur is not None:
            out.append(DeptFunction(doc, cur, tuple(duties), budget, cur_start, last))

    for no in range(begin + 1, end + 1):
        s = clean_line(lines[no - 1])
        if not s:
            continue
        if _PART.match(lines[no - 1]):
            break
        k = name_key(s)
        if k in keys:
            if cur is not None:
                flush(None, no - 1)
            cur, cur_start, duties = keys[k], no, []
        elif cur is not None and is_bullet(s):
            duties.append(s.lstrip("○◦- ").strip())
        elif cur is not None and re.fullmatch(r"\d[\d,]*", s):
            flush(int(s.replace(",", "")), no)
            cur, duties = None, []
    return out


def build_sections(doc: str, parts: list[Span], areas: list[Span],
                   programs: dict[str, list[Span]], blocks: dict[tuple[str, str], list[tuple[str, int, int]]],
                   departments: dict[tuple[str, str], str]) -> list[Section]:
    out: list[Section] = []
    area_part = None
    for p in parts:
        out.append(Section(doc, p.number, "part", p.title, p.number, p.start, p.end))
        if areas and p.start <= areas[0].start <= p.end:
            area_part = p
    for a in areas:
        prefix = f"{area_part.number} > {a.number}" if area_part else a.number
        out.append(Section(doc, prefix, "area", a.title, a.number, a.start, a.end,
                           department=departments.get((a.number, ""), "")))
        for pr in programs.get(a.number, []):
            dept = departments.get((a.number, pr.number), "")
            ppath = f"{prefix} > {pr.title}"
            out.append(Section(doc, ppath, "program", pr.title, pr.number, pr.start, pr.end,
                               program=pr.title, department=dept))
            for name, s, e in blocks.get((a.number, pr.number), []):
                out.append(Section(doc, f"{ppath} > {name}", "block", name, pr.number, s, e,
                                   block=name, program=pr.title, department=dept))
    return out
