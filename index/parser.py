"""Parse a corpus directory into typed records.

    corpus = parse_corpus(Path("corpus"))
    corpus.budget  # list[BudgetRow]   corpus.audit  # list[AuditItem]
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import audit_parse, budget_tables, facts as facts_mod, structure
from .corpus import corpus_hash, read_lines, read_manifest, split_documents
from .errors import ReportError
from .records import (AuditItem, AuditSummary, BudgetRow, DeptFunction, DocumentInfo, Fact, Finding,
                      OrgUnit, Section)
from .text import squash

PARSER_VERSION = "1.0"


@dataclass
class StaffLine:
    doc: str
    quota: int
    current: int
    line: int


@dataclass
class Corpus:
    root: Path
    documents: list[DocumentInfo] = field(default_factory=list)
    lines: dict[str, list[str]] = field(default_factory=dict)        # file -> lines
    budget: list[BudgetRow] = field(default_factory=list)
    audit: list[AuditItem] = field(default_factory=list)
    audit_summary: list[AuditSummary] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    org: list[OrgUnit] = field(default_factory=list)
    functions: list[DeptFunction] = field(default_factory=list)
    staff: list[StaffLine] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)                  # label–value lines (index/facts.py)
    problems: list[Finding] = field(default_factory=list)            # rows or items that could not be read
    rows_seen: int = 0
    hash: str = ""

    def doc(self, doc_id: str) -> DocumentInfo:
        for d in self.documents:
            if d.id == doc_id:
                return d
        raise ReportError("unknown document", value=doc_id,
                          fix=f"use one of {', '.join(d.id for d in self.documents)}", code="not_found")

    def quote(self, doc_id: str, start: int, end: int) -> str:
        d = self.doc(doc_id)
        lines = self.lines[d.file]
        return "\n".join(lines[start - 1:end])

    @property
    def departments(self) -> list[str]:
        names = [o.department for o in self.org if o.department != "계"]
        for r in self.budget:
            if r.level == "department" and r.department not in names:
                names.append(r.department)
        return names


def parse_work_report(doc: DocumentInfo, lines: list[str]) -> dict:
    s, e = doc.line_start, doc.line_end
    out: dict = {"budget": [], "sections": [], "org": [], "functions": [], "staff": [], "problems": [], "rows_seen": 0}
    parts = structure.find_parts(lines, s, e)
    appendix_at = structure.find_appendix(lines, s, e)
    org = structure.parse_org_table(lines, doc.id, s, e)
    out["org"] = org
    departments = [o.department for o in org if o.department != "계"]
    staff = structure.parse_staff_line(lines, s, e)
    if staff:
        out["staff"].append(StaffLine(doc.id, *staff))

    def add_table(source: str, section: str, start: int, end: int, hierarchical: bool):
        table = budget_tables.parse_table(lines, start, end)
        out["rows_seen"] += table.rows_seen
        out["problems"].extend(budget_tables.problems_to_findings(doc.id, doc.file, source, table))
        if hierarchical:
            classes = budget_tables.classify_hierarchy(table.rows, departments)
        else:
            classes = [("sub-item", "", "")] * len(table.rows)
        return table, budget_tables.to_budget_rows(doc.id, source, section, table, classes)

    # Ⅰ overview: the first budget table before the first area; appendix at the end
    first_part_end = parts[0].end if parts else e
    overview_rows: list[BudgetRow] = []
    for no in range(s, first_part_end + 1):
        q = squash(lines[no - 1])
        if q.startswith("예산") and "단위" in q:
            title = f"{parts[0].number}. {parts[0].title} > 예산" if parts else "예산"
            _, overview_rows = add_table("overview", title, no + 1, first_part_end, True)
            break
    appendix_rows: list[BudgetRow] = []
    if appendix_at:
        title_lines = [l.strip() for l in lines[appendix_at:appendix_at + 3] if l.strip()]
        title = "별첨1 " + (title_lines[0] if title_lines else "")
        _, appendix_rows = add_table("appendix", title.strip(), appendix_at + 1, e, True)
    out["functions"] = structure.parse_functions(lines, doc.id, s, first_part_end, departments)

    # Ⅲ areas → programmes → blocks, with the body tables
    body_end = (appendix_at - 1) if appendix_at else e
    area_part = parts[-1] if parts else None
    for p in parts:
        if p.start <= body_end and structure.find_areas(lines, p.start, min(p.end, body_end)):
            area_part = p
    areas = structure.find_areas(lines, area_part.start, min(area_part.end, body_end)) if area_part else []
    programs = {a.number: structure.find_programs(lines, a) for a in areas}
    body_rows: list[BudgetRow] = []
    table_ends: dict[int, int] = {}
    row_prog: list[tuple[str, str]] = []
    for a in areas:
        for pr in programs[a.number]:
            for no in range(pr.start, pr.end + 1):
                if structure.is_budget_block(lines[no - 1]):
                    path = f"{area_part.number} > {a.number} > {pr.title}"
                    table, rows = add_table("body", path, no + 1, pr.end, False)
                    table_ends[no] = max(table.end, no)
                    if not rows:
                        out["problems"].append(Finding(doc.id, "table_empty", "warning",
                                                       f"{doc.file}:{no}: budget table has no readable rows",
                                                       pr.title, {}, (no,)))
                    body_rows.extend(rows)
                    row_prog.extend([(a.number, pr.number)] * len(rows))
    body_rows, _ = budget_tables.link_body_rows(body_rows, appendix_rows)
    # a programme's department: the department of its linked rows; an area's: its programmes' majority
    dept_of: dict[tuple[str, str], str] = {}
    votes: dict[tuple[str, str], Counter] = {}
    for r, key in zip(body_rows, row_prog):
        if r.department:
            votes.setdefault(key, Counter())[r.department] += 1
            votes.setdefault((key[0], ""), Counter())[r.department] += 1
    for key, c in votes.items():
        dept_of[key] = c.most_common(1)[0][0]
    fixed = []
    from dataclasses import replace
    for r, key in zip(body_rows, row_prog):
        if not r.department:
            r = replace(r, department=dept_of.get(key) or dept_of.get((key[0], ""), ""))
        fixed.append(r)
    for a in areas:
        for pr in programs[a.number]:
            if (a.number, pr.number) not in dept_of and (a.number, "") in dept_of:
                dept_of[(a.number, pr.number)] = dept_of[(a.number, "")]
    blocks = {(a.number, pr.number): structure.program_blocks(lines, pr, table_ends)
              for a in areas for pr in programs[a.number]}
    out["sections"] = structure.build_sections(doc.id, parts, areas, programs, blocks, dept_of)
    if appendix_at:
        out["sections"].append(Section(doc.id, "별첨1", "appendix", "별첨1 세부사업별 예산현황", "별첨1",
                                       appendix_at, e))
    out["budget"] = overview_rows + fixed + appendix_rows
    return out


def parse_audit(doc: DocumentInfo, lines: list[str]) -> dict:
    statuses, summary = audit_parse.parse_summary(lines, doc.id, doc.line_start, doc.line_end)
    categories = [r.category for r in summary if r.category != "계"]
    problems = []
    if not summary:
        problems.append(Finding(doc.id, "audit_summary_missing", "warning",
                                f"{doc.file}:{doc.line_start}: no 총괄 table (구 분 계 완료 추진중 …) found",
                                doc.title, {}, (doc.line_start,)))
    items, item_problems = audit_parse.parse_items(lines, doc.id, doc.file, doc.line_start, doc.line_end, categories)
    return {"audit": items, "audit_summary": summary, "problems": problems + item_problems}


def parse_corpus(corpus_dir: Path | str) -> Corpus:
    root = Path(corpus_dir)
    entries = read_manifest(root)
    corpus = Corpus(root=root, hash=corpus_hash(root, entries) + "-p" + PARSER_VERSION)
    by_file: dict[str, list] = {}
    for e in entries:
        by_file.setdefault(e.file, []).append(e)
    for file, group in by_file.items():
        lines = read_lines(root / file)
        corpus.lines[file] = lines
        docs = split_documents(group, lines, str(root / file))
        for d in docs:
            corpus.documents.append(d)
            if d.kind == "work_report":
                part = parse_work_report(d, lines)
                if not part["budget"] and not part["sections"]:
                    raise ReportError("no budget table and no sections found: this does not look like a work report",
                                      file=str(root / file), line=d.line_start,
                                      fix="check the file is the text extraction of the report and the manifest's kind")
                corpus.budget += part["budget"]
                corpus.sections += part["sections"]
                corpus.facts += facts_mod.build_facts(d.id, lines, part["sections"])
                corpus.org += part["org"]
                corpus.functions += part["functions"]
                corpus.staff += part["staff"]
                corpus.problems += part["problems"]
                corpus.rows_seen += part["rows_seen"]
            else:
                part = parse_audit(d, lines)
                corpus.audit += part["audit"]
                corpus.audit_summary += part["audit_summary"]
                corpus.problems += part["problems"]
    return corpus
