"""Organisation questions: 정원/현원 per department, duties, the header line."""
from __future__ import annotations

import re

from index.parser import Corpus

from .answer import Citation

DUTY_WORDS = r"무슨일|어떤일|업무|기능|역할|하는부서|duties|whatdoes|responsib"
HEAD_WORDS = r"정원|현원|인원|몇명|직원|인력|staff|headcount|employees"
# the vacancies a department has: 정원 − 현원, computed from the table (a word the report never prints)
VACANCY = r"결원|빈자리|공석|미충원|정원보다(?:적|모자|부족)|모자란인원|부족한인원|vacanc|unfilled|understaffed"
EVERY_UNIT = r"(?:부서|담당관|과|팀)별|전체|모든|모두|각(?:부서|담당관)|총|합계|all|each|every|total"   # a turn asking for every unit
VACANCY_WORDS = ("결원", "빈자리", "공석", "미충원")
_NONE = r"없는|없어|없나|없습|0명|안빈|다채운|다찬|꽉|nova|no\s?vacanc|fully"
_SOME = r"있는|있어|있나|있습|생긴"


UNIT_ASK = r"어느(?:부서|담당관|과|팀|곳|쪽)|어디(?:서|에서|가|소관)|무슨부서|누가(?:담당|맡)|담당부서|소관부서|whichdivision|whichdepartment|whichoffice|whohandles"
DUTY_MIN = 0.6        # share of the question's letter pairs (the ask words left out) one duty line must hold
_ASK_WORDS = re.compile(UNIT_ASK + r"|업무|담당|소관|기능|역할|하는|이야|인가요|입니까|예요|에요|야|은|는|이|가|을|를|의|[?？.!]")


def _pairs(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)}


def duty_owner(corpus: Corpus, sq: str):
    """'<업무> 운영은 어느 부서 업무야?': the department whose duty line holds what is asked,
    with that line; None when no single duty holds it clearly."""
    topic = _ASK_WORDS.sub("", sq)
    if re.search(r"[가-힣]{2}", topic):
        topic = "".join(re.findall(r"[가-힣]+", topic))     # 'which division runs the <한국어 이름>': the Korean name
    want = _pairs(topic)
    if len(want) < 3:
        return None
    def share(duty: str) -> float:
        # the duty line's own pairs the question holds, or the question's the line holds
        # ('<업무> 매뉴얼 만들고 보급하는 건' holds most of '<업무> 매뉴얼 마련 및 보급')
        have = _pairs(re.sub(r"\s+", "", duty))
        common = len(want & have)
        enough = common >= 4 or common == len(want)      # a short name ('<네 글자>') held whole
        return max(common / len(want), common / len(have) if len(have) >= 5 else 0.0) if enough else 0.0

    scored = sorted(((share(d), f, d) for f in corpus.functions for d in f.duties), key=lambda x: -x[0])
    if not scored or scored[0][0] < DUTY_MIN:
        return None
    best = scored[0]
    rivals = {f.department for s_, f, _ in scored[1:] if s_ >= best[0] - 0.05 and f.department != best[1].department}
    if rivals:
        return None
    return best[1], best[2]


def duty_answer(corpus: Corpus, f, duty: str, lang: str):
    """(text, data, citations) naming the department a duty line of the functions table belongs to."""
    text = (f"'{duty}'은(는) {f.department}의 업무입니다 (부서별 주요기능 표)." if lang == "ko"
            else f"'{duty}' is a duty of {f.department} (the table of each division's main functions).")
    cites = [Citation(f.doc, "Ⅰ > 부서별 주요기능", f.line_start, f.line_end, corpus.quote(f.doc, f.line_start, f.line_end))]
    return text, {"columns": ["department", "duty"], "rows": [[f.department, duty]]}, cites


def function_at(corpus: Corpus, doc: str, line: int, text: str):
    """(DeptFunction, duty) when a statement found by search is a duty line of the functions table
    ('○ 시민․공무원 제안에 관한 사항 22,141'): its department owns it. None elsewhere."""
    flat = re.sub(r"\s+", "", text)
    for f in corpus.functions:
        if f.doc == doc and f.line_start <= line <= f.line_end:
            held = [d for d in f.duties if re.sub(r"\s+", "", d) and re.sub(r"\s+", "", d) in flat]
            if held:
                return f, max(held, key=len)
    return None


def answer(corpus: Corpus, sq: str, depts: list[str], superl: str | None, lang: str, last: str = ""):
    """(text, data, citations) or None when the tables don't answer it. ``last``: the question
    just answered, when this one leans on it ('…몇 명이고 <부서>엔 몇 명?': the same note)."""
    org = [o for o in corpus.org if o.department != "계"]
    total = next((o for o in corpus.org if o.department == "계"), None)
    quote = corpus.quote
    if not org:
        return None
    doc = org[0].doc
    if re.search(UNIT_ASK, sq):
        owner = duty_owner(corpus, sq)
        # (a department the duty's own words name — English 'human rights' — is the owner only when it is the
        # one whose duty line holds them)
        if owner is not None and (not depts or owner[0].department in depts):
            return duty_answer(corpus, *owner, lang)
    if re.search(DUTY_WORDS, sq) and depts:
        fns = [f for f in corpus.functions if f.department in depts]
        if fns:
            lines = [f"{f.department}의 주요 업무: " + "; ".join(f.duties) +
                     (f" (2018 예산 {f.budget_million:,}백만원)" if f.budget_million else "") for f in fns]
            cites = [Citation(f.doc, "Ⅰ > 부서별 주요기능", f.line_start, f.line_end, quote(f.doc, f.line_start, f.line_end))
                     for f in fns]
            return "\n".join(lines), {"columns": ["department", "duties"], "rows": [[f.department, list(f.duties)] for f in fns]}, cites
    if re.search(VACANCY, sq):
        return _vacancies(corpus, org, total, sq, depts, superl, lang)
    note = _staff_note(corpus, sq) or (_staff_note(corpus, last) if last and depts else None)
    if note is not None:
        return _note_answer(corpus, note, sq, depts, lang)
    if re.search(r"정원|현원", sq) or (depts and re.search(HEAD_WORDS, sq)) or (superl and re.search(HEAD_WORDS, sq)):
        field = "current" if re.search(r"현원|현재|current|실제", sq) else ("quota" if re.search(r"정원|quota", sq) else None)
        rows = [o for o in org if o.department in depts] if depts else org
        if superl and not depts:
            f = field or "quota"
            best = (max if superl == "max" else min)(getattr(o, f) for o in org)
            rows = [o for o in org if getattr(o, f) == best]
        label = {"current": "현원", "quota": "정원"}
        lines = []
        for o in rows:
            if field:
                lines.append(f"{o.department} {label[field]} {getattr(o, field)}명 (정원 {o.quota}명, 현원 {o.current}명)")
            else:
                lines.append(f"{o.department}: 정원 {o.quota}명, 현원 {o.current}명")
        if not depts and not superl and total:
            lines.append(f"계: 정원 {total.quota}명, 현원 {total.current}명")
        if superl and not depts:
            f = field or "quota"
            lines.insert(0, f"{label[f]}이 가장 {'많은' if superl == 'max' else '적은'} 부서는 "
                            f"{', '.join(o.department for o in rows)}({getattr(rows[0], f)}명)입니다.")
        cite = [Citation(doc, "Ⅰ > 일반현황 > 조직", org[0].line_start, org[0].line_end,
                         quote(doc, org[0].line_start, org[0].line_end))]
        data = {"columns": ["department", "quota", "current"], "rows": [[o.department, o.quota, o.current] for o in rows]}
        return "\n".join(lines), data, cite
    if re.search(r"조직|구성|organi", sq):
        first = min(o.line_start for o in corpus.org)
        start = max(1, first - 10)
        head = [line.strip() for line in corpus.lines[corpus.doc(doc).file][start - 1:first - 1] if line.strip()]
        org_line = next((h for h in head if re.sub(r"\s", "", h).startswith("조직")), "")
        text = (re.sub(r"\s+", " ", org_line) + "\n" if org_line else "") + \
               "부서별 정원/현원: " + ", ".join(f"{o.department} {o.quota}/{o.current}명" for o in org)
        return text, {"columns": ["department", "quota", "current"], "rows": [[o.department, o.quota, o.current] for o in org]}, \
            [Citation(doc, "Ⅰ > 일반현황", start, org[0].line_end, quote(doc, start, org[0].line_end))]
    return None


def _vacancies(corpus: Corpus, org, total, sq: str, depts: list[str], superl: str | None, lang: str):
    """결원 = 정원 − 현원 per department: for the departments named, those with none or some,
    the most or fewest; the computation shown and the organisation table cited."""
    gap = {o.department: o.quota - o.current for o in org}
    rows = [o for o in org if o.department in depts] if depts else list(org)
    head = ""
    if not depts and superl:
        best = (max if superl == "max" else min)(gap[o.department] for o in org)
        rows = [o for o in org if gap[o.department] == best]
        head = (f"결원(정원−현원)이 가장 {'많은' if superl == 'max' else '적은'} 부서: "
                f"{', '.join(o.department for o in rows)} ({best}명)" if lang == "ko" else
                f"{'Most' if superl == 'max' else 'Fewest'} vacancies: {', '.join(o.department for o in rows)} ({best})")
    elif not depts and re.search(_NONE, sq):
        rows = [o for o in org if gap[o.department] <= 0]
        head = ((f"결원(정원−현원)이 없는 부서: {', '.join(o.department for o in rows)}" if rows else
                 "결원(정원−현원)이 없는 부서는 없습니다.") if lang == "ko" else
                f"Divisions with no vacancy: {', '.join(o.department for o in rows) or 'none'}")
        rows = rows or list(org)
    elif not depts and re.search(_SOME, sq):
        rows = [o for o in org if gap[o.department] > 0]
        head = (f"결원(정원−현원)이 있는 부서: {', '.join(o.department for o in rows)}" if lang == "ko" else
                f"Divisions with vacancies: {', '.join(o.department for o in rows)}")
    lines = [head] if head else []
    for o in rows:
        g = gap[o.department]
        lines.append(f"{o.department}: 결원 {g}명 (정원 {o.quota}명 − 현원 {o.current}명)" if lang == "ko" else
                     f"{o.department}: {g} vacant (authorised {o.quota} − current {o.current})")
    if not depts and total is not None and not head:
        lines.append(f"계: 결원 {total.quota - total.current}명 (정원 {total.quota}명 − 현원 {total.current}명)"
                     if lang == "ko" else f"Total: {total.quota - total.current} vacant ({total.quota} − {total.current})")
    doc = org[0].doc
    cite = [Citation(doc, "Ⅰ > 일반현황 > 조직", org[0].line_start, org[0].line_end,
                     corpus.quote(doc, org[0].line_start, org[0].line_end))]
    data = {"columns": ["department", "quota", "current", "vacancy"],
            "rows": [[o.department, o.quota, o.current, gap[o.department]] for o in rows]}
    return "\n".join(lines), data, cite


NOTE_MIN = 0.6          # share of a note's label pairs the question must hold
_NOTE_LABEL = re.compile(r"^※\s*([^:：\d]{2,20}?)\s*(\d+)\s*명")
_NOTE_PART = re.compile(r"([가-힣]{2,8})\s*(\d+)\s*명")


def staff_notes(corpus: Corpus) -> list[tuple[str, int, str, int, str]]:
    """The notes printed under the organisation table ('※ <구분> N명 … : <부서> k명, …'):
    (label, count, doc, line, text), read from the lines between the table and the next heading."""
    out = []
    org = [o for o in corpus.org]
    if not org:
        return out
    doc = corpus.doc(org[0].doc)
    lines = corpus.lines[doc.file]
    end = max(o.line_end for o in org)
    for no in range(end + 1, min(doc.line_end, end + 8) + 1):
        text = lines[no - 1].strip()
        m = _NOTE_LABEL.match(text)
        if m:
            out.append((re.sub(r"\s+", "", m.group(1)), int(m.group(2)), doc.id, no, text))
    return out


def _staff_note(corpus: Corpus, sq: str):
    best = None
    for note in staff_notes(corpus):
        want = _pairs(note[0])
        if len(want) < 2:
            continue
        share = len(want & _pairs(sq)) / len(want)
        if share >= NOTE_MIN and (best is None or share > best[0]):
            best = (share, note)
    return best[1] if best else None


def _note_answer(corpus: Corpus, note, sq: str, depts: list[str], lang: str):
    """A staff note: its figure, the part of the department asked for, the line cited."""
    label, count, doc, line, text = note
    body = text.lstrip("※ ").strip()
    head = f"{label} {count}명 — 보고서 표기: {body}" if lang == "ko" else f"{label}: {count} — as printed: {body}"
    lines = [head]
    for d in depts:
        short = d.replace("담당관", "")
        part = next((m for m in _NOTE_PART.finditer(body) if m.group(1) in (d, short)), None)
        if part is not None:
            lines.insert(0, f"{d}: {part.group(2)}명 ({label})" if lang == "ko" else f"{d}: {part.group(2)} ({label})")
    cite = [Citation(doc, "Ⅰ > 일반현황 > 인력", line, line, corpus.quote(doc, line, line))]
    return "\n".join(lines), {"columns": ["label", "count", "line"], "rows": [[label, count, line]]}, cite
