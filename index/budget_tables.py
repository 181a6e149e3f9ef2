"""Find budget tables in a work report and turn them into BudgetRow records:
the overview table (Ⅰ), the body tables (※ 예산집행 현황) and the appendix."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .budget_parse import is_header_line, looks_like_figures, parse_row
from .records import BudgetRow, Finding
from .structure import block_header, is_bullet, is_budget_block
from .text import clean_line, collapse_letter_spacing, name_key, squash

MAX_NAME_LINES = 6
CITIZEN_MARK = "(시민참여)"     # the budget format's own tag for 시민참여예산 programmes
_PAREN_TAIL = re.compile(r"\s*\(([^()]*)\)\s*$")


@dataclass
class RawRow:
    name: str
    name_lines: list[str]
    values: list[int]
    repairs: list[str]
    line_start: int
    line_end: int
    note: str = ""


@dataclass
class RawTable:
    rows: list[RawRow] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)   # (line, text, why)
    end: int = 0
    rows_seen: int = 0


def _is_stop(raw: str) -> bool:
    return bool(block_header(raw)) or is_bullet(raw) or is_budget_block(raw)


def parse_table(lines: list[str], start: int, end: int) -> RawTable:
    """Rows from line `start` (just after the table's title) to the table's end."""
    table = RawTable(end=start)
    pending: list[tuple[int, str]] = []
    in_header = True
    no = start
    while no <= end:
        raw = lines[no - 1]
        s = clean_line(raw)
        if not s:
            no += 1
            continue
        if is_header_line(raw) and not looks_like_figures(raw):
            in_header = True
            if pending and len(pending) > 2:
                break
            pending = [] if in_header and not table.rows else pending
            no += 1
            continue
        if s.startswith("*") and table.rows and not pending:
            # a footnote under the table belongs to the row above it
            table.rows[-1].note = s.lstrip("* ").strip()
            table.end = no
            no += 1
            continue
        if _is_stop(raw):
            break
        joined = " ".join([p for _, p in pending] + [raw])
        parsed = parse_row(joined)
        if parsed is not None:
            first = pending[0][0] if pending else no
            table.rows.append(RawRow(
                name=parsed.name, name_lines=[p for _, p in pending] + [raw],
                values=parsed.values, repairs=parsed.repairs, line_start=first, line_end=no))
            table.rows_seen += 1
            table.end = no
            pending = []
            in_header = False
        elif looks_like_figures(raw):
            table.rows_seen += 1
            table.problems.append((no, s, "row with figures that do not form the 7 cells "
                                          "(예산현액 원인행위 지출 % % 집행예상액 %): a cell is missing or unreadable"))
            table.end = no
            pending = []
        else:
            pending.append((no, s))
            if len(pending) > MAX_NAME_LINES:
                pending = []
                break
        no += 1
    # a name that never got its figures is reported, never dropped silently
    if pending and table.rows:
        names = [p for _, p in pending]
        if len(names) <= 2 and not any(is_header_line(n) for n in names):
            table.problems.append((pending[0][0], " ".join(names), "row name without figures at the end of the table"))
            table.rows_seen += 1
    return table


def display_name(raw_name: str) -> str:
    """The name as printed, wrapped lines joined with single spaces;
    letter-spaced labels ('인 권 담 당 관') closed up."""
    return collapse_letter_spacing(clean_line(raw_name))


def base_key(name: str) -> str:
    """Key of a name without a trailing parenthetical."""
    return name_key(_PAREN_TAIL.sub("", name))


def classify_hierarchy(rows: list[RawRow], departments: list[str]) -> list[tuple[str, str, str]]:
    """(level, department, parent) for the rows of an overview or appendix table."""
    dkeys = {name_key(d): d for d in departments}
    admin_bases = set()
    for r in rows:
        m = _PAREN_TAIL.search(clean_line(r.name))
        if m and name_key(m.group(1)) in dkeys:
            admin_bases.add(base_key(r.name))
    out = []
    dept = ""
    seen_dept = False
    for r in rows:
        k = name_key(r.name)
        m = _PAREN_TAIL.search(clean_line(r.name))
        if k == "합계":
            out.append(("total", "", ""))
            dept = ""
        elif k.endswith("(계)"):
            out.append(("subtotal", "", ""))
            dept = ""
        elif k in dkeys:
            dept = dkeys[k]
            seen_dept = True
            out.append(("department", dept, ""))
        elif m and name_key(m.group(1)) in dkeys:
            out.append(("admin", dkeys[name_key(m.group(1))], ""))
        elif k in admin_bases or (seen_dept and not dept):
            # a group label under a '(계)' line, e.g. the running-cost total above its per-department rows
            out.append(("subtotal", "", ""))
        else:
            out.append(("program", dept, ""))
    return out


def _raw_name(r: RawRow) -> str:
    """The name lines as printed, without the figures at the end of the last line."""
    last = parse_row(r.name_lines[-1])
    lines = r.name_lines[:-1] + ([last.name] if last is not None else [])
    return "\n".join(x.strip() for x in lines if x.strip())


def to_budget_rows(doc: str, source: str, section: str, table: RawTable,
                   classes: list[tuple[str, str, str]]) -> list[BudgetRow]:
    out = []
    for r, (level, dept, parent) in zip(table.rows, classes):
        b, c, sp, cr, sr, f, fr = r.values
        name = display_name(r.name)
        out.append(BudgetRow(
            doc=doc, source=source, section=section, department=dept, program=name,
            program_raw=_raw_name(r),
            level=level, budget=b, committed=c, spent=sp, forecast=f,
            committed_rate_printed=cr, spent_rate_printed=sr, forecast_rate_printed=fr,
            line_start=r.line_start, line_end=r.line_end,
            citizen=CITIZEN_MARK in squash(name), parent=parent,
            repaired=tuple(r.repairs), note=r.note))
    return out


def match_program(name: str, programs: list[BudgetRow], note: str = "") -> tuple[BudgetRow | None, str]:
    """The appendix programme a body row belongs to: same name ignoring spacing
    and punctuation, or the same name without a parenthetical detail, or one name
    inside the other, or a close fuzzy match."""
    k, bk = name_key(name), base_key(name)
    by_key = {name_key(p.program): p for p in programs}
    by_base = {base_key(p.program): p for p in programs}
    for cand in (by_key.get(k), by_key.get(bk), by_base.get(k), by_base.get(bk)):
        if cand is not None:
            return cand, "name"
    best, best_score = None, 0.0
    for p in programs:
        pk = name_key(p.program)
        ratio = fuzz.ratio(bk, base_key(p.program))
        # one name inside the other beats any near-miss ('동단위…' is not '구단위…')
        score = 100.0 + ratio if len(bk) >= 4 and (bk in pk or pk in bk) else ratio
        if score > best_score:
            best, best_score = p, score
    if best is not None and best_score >= 85:
        return best, "name"
    if note:
        nk = name_key(note)
        hits = [p for p in programs if len(name_key(p.program)) >= 4 and name_key(p.program) in nk]
        if len(hits) == 1:
            return hits[0], "note"
    return None, ""


def link_body_rows(body: list[BudgetRow], appendix: list[BudgetRow]) -> tuple[list[BudgetRow], dict[int, BudgetRow | None]]:
    """Give body rows their department, level and parent programme."""
    from dataclasses import replace
    programs = [r for r in appendix if r.level == "program"]
    matched = {i: match_program(r.program, programs, r.note) for i, r in enumerate(body)}
    counts: dict[str, int] = {}
    for m, how in matched.values():
        if m is not None and how == "name":
            counts[m.program] = counts.get(m.program, 0) + 1
    out = []
    for i, r in enumerate(body):
        m, how = matched[i]
        if m is None:
            out.append(r)
            continue
        # a row named in a footnote as included in a programme, or one of several
        # rows that split one programme, is a sub-item of it
        is_part = how == "note" or counts[m.program] > 1
        out.append(replace(r, department=m.department, level="sub-item" if is_part else "program",
                           parent=m.program, citizen=r.citizen or m.citizen))
    return out, {i: m for i, (m, _) in matched.items()}


def problems_to_findings(doc: str, file: str, source: str, table: RawTable) -> list[Finding]:
    return [Finding(doc, "row_unparsed", "error",
                    f"{file}:{line}: {why}; the row was not loaded",
                    text, {"source": source, "text": text}, (line,))
            for line, text, why in table.problems]
