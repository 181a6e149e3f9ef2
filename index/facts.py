"""Facts table: the label–value statements a work report prints, at parse time.

    ○ 위 치 : 은평구 통일로 …            → Fact(label='위치', key='place', value='은평구 통일로 …')
    ○ 수탁기관 : 사단법인 X (위탁기간 : ’15. 8. 23. ~ ’18. 8. 22.)
                                         → 수탁기관 = 사단법인 X, and the nested 위탁기간
    ○ 운 영 : Y센터(’15.4월개소) ※ (사)Z컨소시엄수탁운영
                                         → 운영 = …, and beside the name: Y센터 수탁기관 = (사)Z컨소시엄, 개소 = ’15.4월
    ○ W센터(사단법인 V, ’16.11월~’19.11월) → W센터 수탁기관 = 사단법인 V, 위탁기간 = ’16.11월~’19.11월

Only lines inside a programme of a work report are read (the audit response
and the general part have their own tables); budget blocks are skipped.
Every fact keeps its line span, so an answer cites the line it came from.
"""
from __future__ import annotations

import re

from .records import Fact, Section
from .text import clean_line, collapse_letter_spacing

# normalised label -> canonical key (the small synonym table questions are mapped onto)
LABEL_KEYS: dict[str, str] = {
    "위치": "place", "주소": "place", "소재지": "place", "장소": "place",
    "수탁기관": "operator", "수행기관": "operator", "업체명": "operator", "운영기관": "operator",
    "위탁기관": "operator", "운영주체": "operator", "운영": "operator",
    "위탁기간": "period", "사업기간": "period", "계약기간": "period", "운영기간": "period", "기간": "period",
    "개소": "opened", "개관": "opened",
    "지원규모": "scale", "건물현황": "scale", "규모": "scale", "면적": "scale", "연면적": "scale",
    "사업예산": "budget", "용역비": "budget", "예산": "budget", "사업비": "budget",
    "지원대상": "target", "대상": "target", "대상사업": "target", "대상자확대": "target",
    "운영근거": "basis", "지원근거": "basis", "관련근거": "basis", "근거": "basis",
    "사업내용": "content", "주요내용": "content", "기능": "content", "사업명": "content", "사업목표": "content",
    "운영현황": "status",
}
KEYS = tuple(dict.fromkeys(LABEL_KEYS.values())) + ("date",)
BULLETS = "○◦□－-▸※v•·*"
MAX_LABEL = 30
ORG = r"(?:사단법인|\(사\)|학교법인|재단법인|\(재\)|사회적협동조합|협동조합|㈜|\(주\)|주식회사)"
_ORG_RX = re.compile(ORG)
_LINE = re.compile(r"^[" + re.escape(BULLETS) + r"]?\s*([^:：]{1," + str(MAX_LABEL) + r"}?)\s*[:：]\s*(.+)$")
_NESTED = re.compile(r"\(\s*([가-힣 ]{1,10}?)\s*[:：]\s*([^()]+)\)\s*$")
_TRAILING_PERIOD = re.compile(r"\(\s*([’'‘]?\d[^()]*[~∼][^()]*)\)\s*$")
_DATEISH = re.compile(r"^[’'‘]?\d{1,4}\s*[.년]\s*\d{0,2}|^\d{1,2}\s*[~∼.]\s*\d{1,2}\s*월|^[’'‘]\d\d")
_PERIOD = re.compile(r"[’'‘]?\d{2,4}\s*\.\s*\d{1,2}\s*월?.*[~∼]")
_BESIDE = re.compile(r"^(.{2,40}?)\s*\(([^()]*" + ORG + r"[^()]*|[^()]*\([사재주]\)[^()]*)\)\s*$")
_OPERATED = re.compile(r"※\s*(" + ORG + r"\S*?(?:컨소시엄)?)\s*(?:수탁|위탁)\s*운영\s*$")
_OPENED = re.compile(r"^(.{2,40}?)\s*\(\s*([’'‘]?\d[^()]*?)\s*(개소|개관)\s*\)")
_SKIP_LABEL = re.compile(r"단위|https?$|http")


def normalise_label(label: str) -> str:
    """'위 치' → '위치', '업 체 명' → '업체명'; bullets and spacing cleaned."""
    text = clean_line(label).lstrip(BULLETS + " ").strip()
    text = collapse_letter_spacing(text)
    return re.sub(r"\s+", " ", text)


def key_of(label: str, value: str = "") -> str:
    k = LABEL_KEYS.get(label.replace(" ", ""))
    if k:
        return k
    if value and _DATEISH.match(value.strip()):
        return "date"
    return ""


def _innermost(sections: list[Section], doc: str, line: int) -> Section | None:
    best = None
    for s in sections:
        if s.doc == doc and s.line_start <= line <= s.line_end and s.kind in ("program", "block"):
            if best is None or (s.line_end - s.line_start) < (best.line_end - best.line_start):
                best = s
    return best


def _parts(inner: str) -> list[str]:
    """Comma-separated parts of a parenthesis, keeping '(사)' intact."""
    return [p.strip() for p in re.split(r",\s*(?![^()]*\))", inner) if p.strip()]


def facts_of_line(text: str, *, doc: str, section: str, program: str, start: int, end: int) -> list[Fact]:
    """The facts one (joined) statement holds; [] when it prints none."""
    out: list[Fact] = []
    body = clean_line(text)
    bare = body.lstrip(BULLETS + " ").strip()

    def add(subject, label, value, source, key=None):
        value = value.strip().rstrip(",").strip()
        if value:
            out.append(Fact(doc, section, program, subject or program, label,
                            key if key is not None else key_of(label, value), value, start, end, source))

    m = _LINE.match(body)
    if m and not _SKIP_LABEL.search(m.group(1)) and not m.group(1).strip().endswith(("(", "（")):
        label = normalise_label(m.group(1))
        value = m.group(2).strip()
        if label and value and not label.startswith("("):
            nested = _NESTED.search(value)
            main = value
            if nested and normalise_label(nested.group(1)).replace(" ", "") in LABEL_KEYS:
                main = value[:nested.start()].strip()
            k = key_of(label, main)
            if k == "operator":
                tp = _TRAILING_PERIOD.search(main)
                if tp:
                    add("", "위탁기간" if label.replace(" ", "") == "수탁기관" else "기간", tp.group(1), "nested", "period")
                    main = main[:tp.start()].strip()
            add("", label, main if k == "operator" else value if k == "" else main, "label", k)
            if main != value and nested:
                add("", normalise_label(nested.group(1)), nested.group(2), "nested")
            # beside a name inside the value: 'Y센터(’15.4월개소) ※ (사)Z수탁운영'
            op = _OPERATED.search(value)
            if op:
                subj = _OPENED.match(value)
                name = subj.group(1).strip() if subj else re.split(r"[(※]", value)[0].strip()
                add(name, "수탁기관", op.group(1), "beside_name", "operator")
                if subj:
                    add(name, subj.group(3), subj.group(2), "beside_name", "opened")
            return out
    b = _BESIDE.match(bare)
    if b and _ORG_RX.search(b.group(2)):
        name = b.group(1).strip()
        for part in _parts(b.group(2)):
            if _ORG_RX.search(part):
                add(name, "수탁기관", part, "beside_name", "operator")
            elif _PERIOD.search(part):
                add(name, "위탁기간", part, "beside_name", "period")
            else:
                lm = re.match(r"^([가-힣]{2,6})\s*([\d,.]+\s*\S*)$", part)
                if lm and lm.group(1) in LABEL_KEYS:
                    add(name, lm.group(1), lm.group(2), "beside_name")
    return out


def _continues(line: str) -> bool:
    s = clean_line(line)
    return bool(s) and not s.startswith(tuple(BULLETS)) and len(s) < 60 and not re.match(r"^\d+\s", s)


def build_facts(doc: str, lines: list[str], sections: list[Section]) -> list[Fact]:
    """Facts of one work report (lines 1-based, as `sections` are)."""
    progs = [s for s in sections if s.doc == doc and s.kind == "program"]
    out: list[Fact] = []
    for p in progs:
        no = p.line_start
        while no <= p.line_end:
            raw = lines[no - 1] if no - 1 < len(lines) else ""
            s = clean_line(raw)
            end = no
            if s and (":" in s or "：" in s or "(" in s):
                # a wrapped value: the next line carries on without a bullet
                sec = _innermost(sections, doc, no)
                while end + 1 <= p.line_end and _continues(lines[end]) and (":" in s or "：" in s) \
                        and not re.search(r"[)）.]$", s) and _innermost(sections, doc, end + 1) is sec:
                    s = s + " " + clean_line(lines[end])
                    end += 1
                if sec is not None and sec.block != "예산집행 현황":
                    out.extend(facts_of_line(s, doc=doc, section=sec.path, program=sec.program or p.program,
                                             start=no, end=end))
            no = end + 1
    return out


FACT_COLUMNS = ["doc", "section", "program", "subject", "label", "key", "value", "line_start", "line_end", "source"]


def facts_frame(corpus):
    """The facts of a parsed corpus as a pandas table (one row a fact)."""
    import pandas as pd
    return pd.DataFrame([f.to_dict() for f in getattr(corpus, "facts", [])], columns=FACT_COLUMNS)


def select(facts: list[Fact], *, program: str | None = None, label: str | None = None) -> list[Fact]:
    """Facts of a programme or facility (its title or the subject printed on the line) and/or one label
    (as printed, spacing ignored, or a canonical key such as 'operator')."""
    out = list(facts)
    if program:
        p = program.replace(" ", "")
        out = [f for f in out if p in (f.program.replace(" ", ""), f.subject.replace(" ", ""))]
    if label:
        lab = normalise_label(label).replace(" ", "")
        key = LABEL_KEYS.get(lab, lab if lab in KEYS else None)
        out = [f for f in out if f.label.replace(" ", "") == lab or (key is not None and f.key == key)]
    return out
