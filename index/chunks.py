"""Retrieval chunks that follow the report's structure, not fixed windows.

    chunks = build_chunks(parse_corpus(Path("corpus")))

One chunk per programme block (목표 / 사업개요 / 추진실적 / 향후계획 / 비고, split
on bullet boundaries when longer than ``MAX_CHARS``), per audit item, per
budget row (rendered as a Korean sentence), per department-function entry,
one for the organisation table, and ``text`` chunks for what is left of
parts Ⅰ/Ⅱ, area introductions and the audit summary.

``text`` is what a citation shows (the original lines); ``index_text`` is
what lexical and vector indexes read (normalised, with a context prefix).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, fields

from .records import AuditItem, BudgetRow, DeptFunction, DocumentInfo, OrgUnit, Section
from .structure import BUDGET_BLOCK
from .text import BULLETS, clean_line, squash

CHUNKER_VERSION = "1.0"
MAX_CHARS = 600
KINDS = ("program_block", "audit_item", "budget_row", "org", "functions", "text")
PRIMARY_BULLETS = tuple("○◦□")
SECONDARY_BULLETS = tuple("-－※*")
_TABLE_HEADER_WORDS = ("예산현액", "원인행위")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str          # "<doc>:<kind>:<line_start>-<line_end>", stable across builds
    doc: str
    kind: str              # one of KINDS
    section: str           # section path, e.g. "Ⅲ > 4 > <programme title> > 추진실적"
    department: str
    program: str
    audit_id: str
    status: str
    line_start: int
    line_end: int
    text: str              # original lines, for display and citation
    index_text: str        # normalised text the indexes read

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Chunk":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def metadata(self) -> dict:
        """Every field except the texts; no None (Chroma metadata cannot hold it)."""
        d = self.to_dict()
        d.pop("text")
        d.pop("index_text")
        return {k: ("" if v is None else v) for k, v in d.items()}


# ---------------------------------------------------------------- normalising

def normalize_line(raw: str) -> str:
    """One line for matching: spaces normalised, leading bullet glyphs and
    letter-spacing removed. Never used for display."""
    s = unicodedata.normalize("NFC", raw).replace("\u3000", " ").replace("\u00a0", " ").strip()
    s = s.lstrip(BULLETS + " ")
    return clean_line(glue_letter_spacing(s))


_SYLLABLE = re.compile(r"^[\uac00-\ud7a3]$")


def glue_letter_spacing(text: str) -> str:
    """'시 민 이  주 체 가' -> '시민이 주체가'; '건 의 사 항 9 5 3' -> '건의사항 9 5 3'.
    Runs of single Hangul syllables are glued; a double space stays a word gap;
    digits and other tokens are never glued."""
    words = []
    for chunk in re.split(r" {2,}", text):
        out: list[str] = []
        run: list[str] = []
        for tok in chunk.split(" "):
            if _SYLLABLE.match(tok):
                run.append(tok)
                continue
            if run:
                out.append("".join(run))
                run = []
            out.append(tok)
        if run:
            out.append("".join(run))
        words.append(" ".join(t for t in out if t))
    return " ".join(w for w in words if w)


def normalize_lines(lines: list[str]) -> str:
    """Wrapped lines joined with single spaces, bullets and blank lines dropped."""
    return " ".join(x for x in (normalize_line(l) for l in lines) if x)


def _bullet_level(raw: str) -> int:
    s = raw.strip().replace("\u3000", " ").strip()
    if s.startswith(PRIMARY_BULLETS):
        return 1
    if s.startswith(SECONDARY_BULLETS):
        return 2
    return 0


def _units(lines: list[str], first: int, level: int) -> list[tuple[int, int]]:
    """Split line numbers first..first+len-1 into runs, each starting at a bullet
    of ``level`` or above (the first run also holds any lines before the first bullet)."""
    starts = [first]
    for i, raw in enumerate(lines):
        lv = _bullet_level(raw)
        if i > 0 and lv and lv <= level:
            starts.append(first + i)
    starts = sorted(set(starts))
    last = first + len(lines) - 1
    return [(s, (starts[j + 1] - 1) if j + 1 < len(starts) else last) for j, s in enumerate(starts)]


def split_on_bullets(file_lines: list[str], start: int, end: int, max_chars: int | None = None) -> list[tuple[int, int]]:
    """Line spans covering start..end, each at most ~max_chars (default MAX_CHARS)
    of normalised text, cut only where a bullet (○ ◦ □, then - － ※ *) begins a line."""
    max_chars = max_chars or MAX_CHARS
    def size(s: int, e: int) -> int:
        return len(normalize_lines(file_lines[s - 1:e]))

    if size(start, end) <= max_chars:
        return [(start, end)]
    units: list[tuple[int, int]] = []
    for s, e in _units(file_lines[start - 1:end], start, 1):
        if size(s, e) > max_chars:
            units.extend(_units(file_lines[s - 1:e], s, 2))
        else:
            units.append((s, e))
    spans: list[tuple[int, int]] = []
    cur_s, cur_e = units[0]
    for s, e in units[1:]:
        if size(cur_s, e) <= max_chars:
            cur_e = e
        else:
            spans.append((cur_s, cur_e))
            cur_s, cur_e = s, e
    spans.append((cur_s, cur_e))
    return [_trim(file_lines, s, e) for s, e in spans if _has_text(file_lines, s, e)]


def _has_text(file_lines: list[str], s: int, e: int) -> bool:
    return any(file_lines[i - 1].strip() for i in range(s, e + 1))


def _trim(file_lines: list[str], s: int, e: int) -> tuple[int, int]:
    while s < e and not file_lines[s - 1].strip():
        s += 1
    while e > s and not file_lines[e - 1].strip():
        e -= 1
    return s, e


def _quote(file_lines: list[str], s: int, e: int) -> str:
    return "\n".join(file_lines[s - 1:e])


def _won(v: int) -> str:
    return f"{v:,}천원"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}%"


# ---------------------------------------------------------------- renderers

def budget_sentence(row: BudgetRow) -> str:
    """'<programme> (<department>, 별첨1): 예산현액 21,010,000천원, …'"""
    if row.source == "appendix":
        where = "별첨1 세부사업별 예산현황"
    elif row.source == "overview":
        where = "일반현황 예산 총괄"
    else:
        where = f"{row.section.split(' > ')[-1]} 예산집행 현황"
    owner = row.department or {"total": "기획관 전체", "subtotal": "소계", "admin": "행정운영경비"}.get(row.level, "")
    head = f"{row.program} ({owner + ', ' if owner and owner != row.program else ''}{where})"
    extra = []
    if row.parent and row.parent != row.program:
        extra.append(f"세부사업 {row.parent}의 일부")
    if row.citizen:
        extra.append("시민참여예산 사업")
    body = (f"예산현액 {_won(row.budget)}, 원인행위 {_won(row.committed)} (원인행위 집행률 {_pct(row.committed_rate)}), "
            f"지출 {_won(row.spent)}, 지출 집행률 {_pct(row.spent_rate)}, "
            f"연말 집행예상액 {_won(row.forecast)} (예상 집행률 {_pct(row.forecast_rate)})")
    return f"{head}: {body}" + (f". {', '.join(extra)}" if extra else "")


def org_sentence(units: list[OrgUnit]) -> str:
    parts = [f"{u.department if u.department != '계' else '전체 합계'} 정원 {u.quota}명 현원 {u.current}명" for u in units]
    return "조직 인력 정원 현원: " + ", ".join(parts)


# ---------------------------------------------------------------- builders

def _make(doc: str, kind: str, s: int, e: int, file_lines: list[str], index_text: str, *,
          section: str = "", department: str = "", program: str = "", audit_id: str = "", status: str = "") -> Chunk:
    return Chunk(chunk_id=f"{doc}:{kind}:{s}-{e}", doc=doc, kind=kind, section=section, department=department,
                 program=program, audit_id=audit_id, status=status, line_start=s, line_end=e,
                 text=_quote(file_lines, s, e), index_text=index_text)


def _program_blocks(doc: DocumentInfo, file_lines: list[str], sections: list[Section]) -> list[Chunk]:
    out = []
    for sec in sections:
        if sec.kind != "block" or sec.block == BUDGET_BLOCK:
            continue
        for s, e in split_on_bullets(file_lines, sec.line_start, sec.line_end):
            body = normalize_lines(file_lines[s - 1:e])
            prefix = f"{sec.program} {sec.block}:"
            out.append(_make(doc.id, "program_block", s, e, file_lines, f"{prefix} {body}", section=sec.path,
                             department=sec.department, program=sec.program))
    return out


def _budget_rows(doc: DocumentInfo, file_lines: list[str], rows: list[BudgetRow]) -> list[Chunk]:
    return [_make(doc.id, "budget_row", r.line_start, r.line_end, file_lines, budget_sentence(r),
                  section=r.section, department=r.department, program=r.program) for r in rows]


def _org(doc: DocumentInfo, file_lines: list[str], units: list[OrgUnit], part_start: int) -> list[Chunk]:
    if not units:
        return []
    s = min(u.line_start for u in units)
    e = max(u.line_end for u in units)
    # the '조 직 …' / '인 력 …' header lines just above, the '※ …' notes just below
    k = s - 1
    while k > part_start and (not file_lines[k - 1].strip() or squash(file_lines[k - 1]).startswith(("조직", "인력"))):
        if file_lines[k - 1].strip():
            s = k
        k -= 1
    k = e + 1
    while k <= len(file_lines) and (not file_lines[k - 1].strip() or clean_line(file_lines[k - 1]).startswith("※")):
        if file_lines[k - 1].strip():
            e = k
        k += 1
    text = normalize_lines(file_lines[s - 1:e]) + " " + org_sentence(units)
    return [_make(doc.id, "org", s, e, file_lines, text, section="Ⅰ > 조직")]


def _functions(doc: DocumentInfo, file_lines: list[str], funcs: list[DeptFunction]) -> list[Chunk]:
    out = []
    for f in funcs:
        body = normalize_lines(file_lines[f.line_start - 1:f.line_end])
        budget = f", 2018 예산 {f.budget_million:,}백만원" if f.budget_million is not None else ""
        out.append(_make(doc.id, "functions", f.line_start, f.line_end, file_lines,
                         f"{f.department} 부서별 주요기능 담당업무: {body}{budget}",
                         section="Ⅰ > 부서별 주요기능", department=f.department))
    return out


def _audit_items(doc: DocumentInfo, file_lines: list[str], items: list[AuditItem]) -> list[Chunk]:
    out = []
    for it in items:
        depts = ", ".join(it.departments)
        text = (f"{it.category} {it.id} 요구사항: {normalize_lines(it.requirement.splitlines())} ({depts}) "
                f"추진상황: {it.status_printed} 추진내용: {normalize_lines(it.action.splitlines())} "
                f"향후계획: {normalize_lines(it.plan.splitlines())}")
        out.append(_make(doc.id, "audit_item", it.line_start, it.line_end, file_lines, text,
                         section=f"{it.category} > {it.id}", department=depts, audit_id=it.id, status=it.status))
    return out


def _boilerplate(file_lines: list[str], start: int, end: int) -> set[str]:
    """Lines repeated 3+ times in a document (running headers, table headings)."""
    counts = Counter(squash(file_lines[i - 1]) for i in range(start, end + 1) if file_lines[i - 1].strip())
    return {k for k, n in counts.items() if n >= 3}


def _text_chunks(doc: DocumentInfo, file_lines: list[str], covered: set[int], sections: list[Section]) -> list[Chunk]:
    """Left-over lines: contiguous uncovered runs, cut where the deepest section changes."""
    skip = set(covered)
    for sec in sections:
        if sec.kind == "appendix" or (sec.kind == "block" and sec.block == BUDGET_BLOCK):
            skip.update(range(sec.line_start, sec.line_end + 1))
    boiler = _boilerplate(file_lines, doc.line_start, doc.line_end)
    order = {"part": 0, "area": 1, "program": 2, "block": 3, "appendix": 1}

    def home(no: int) -> Section | None:
        best = None
        for sec in sections:
            if sec.line_start <= no <= sec.line_end and (best is None or order[sec.kind] >= order[best.kind]):
                best = sec
        return best

    runs: list[tuple[int, int, Section | None]] = []
    cur: list[int] = []
    cur_home = None
    for no in range(doc.line_start, doc.line_end + 1):
        raw = file_lines[no - 1]
        if no in skip or (raw.strip() and squash(raw) in boiler):
            if cur:
                runs.append((cur[0], cur[-1], cur_home))
            cur, cur_home = [], None
            continue
        if not raw.strip():
            if cur:
                cur.append(no)
            continue
        h = home(no)
        if cur and h is not cur_home:
            runs.append((cur[0], cur[-1], cur_home))
            cur = []
        if not cur:
            cur_home = h
        cur.append(no)
    if cur:
        runs.append((cur[0], cur[-1], cur_home))

    out = []
    for s, e, sec in runs:
        s, e = _trim(file_lines, s, e)
        body = normalize_lines(file_lines[s - 1:e])
        if len(squash(body)) < 8 or all(w in body for w in _TABLE_HEADER_WORDS):
            continue
        path = sec.path if sec else ("처리결과 총괄" if doc.kind == "audit_response" else "")
        title = sec.title if sec else doc.title
        for cs, ce in split_on_bullets(file_lines, s, e):
            text = normalize_lines(file_lines[cs - 1:ce])
            if len(squash(text)) < 8:
                continue
            out.append(_make(doc.id, "text", cs, ce, file_lines, f"{title}: {text}", section=path,
                             department=sec.department if sec else ""))
    return out


def build_chunks(corpus) -> list[Chunk]:
    """All chunks of a parsed corpus, in document and line order. Deterministic."""
    out: list[Chunk] = []
    for doc in corpus.documents:
        file_lines = corpus.lines[doc.file]
        sections = [s for s in corpus.sections if s.doc == doc.id]
        doc_chunks: list[Chunk] = []
        if doc.kind == "work_report":
            part1 = next((s for s in sections if s.kind == "part"), None)
            doc_chunks += _org(doc, file_lines, [u for u in corpus.org if u.doc == doc.id],
                               part1.line_start if part1 else doc.line_start)
            doc_chunks += _functions(doc, file_lines, [f for f in corpus.functions if f.doc == doc.id])
            doc_chunks += _budget_rows(doc, file_lines, [r for r in corpus.budget if r.doc == doc.id])
            doc_chunks += _program_blocks(doc, file_lines, sections)
        else:
            doc_chunks += _audit_items(doc, file_lines, [a for a in corpus.audit if a.doc == doc.id])
        covered: set[int] = set()
        for c in doc_chunks:
            covered.update(range(c.line_start, c.line_end + 1))
        doc_chunks += _text_chunks(doc, file_lines, covered, sections)
        doc_chunks.sort(key=lambda c: (c.line_start, c.line_end, KINDS.index(c.kind)))
        out += doc_chunks
    seen: set[str] = set()
    for c in out:
        if c.chunk_id in seen:  # pragma: no cover - a parser bug, not a user error
            raise ValueError(f"duplicate chunk id {c.chunk_id}")
        seen.add(c.chunk_id)
    return out
