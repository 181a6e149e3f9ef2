"""A second, synthetic report in the same format as the real corpus: other
names and numbers, seven departments, wrapped names and one extraction
artifact of each kind. `EXPECTED` is derived from the spec below, never from
parsing, so the round-trip test compares the parser with an independent truth."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Prog:
    name: str
    budget: int
    committed: int
    spent: int
    forecast: int


DEPTS = ["누리기획과", "바다협력과", "산들마을과", "별빛청소년과", "하늘조정과", "가람인권과", "솔숲데이터과"]
PROGS = {
    "누리기획과": [Prog("누리 플랫폼 운영", 4_200_000, 2_100_000, 2_000_000, 4_100_000),
                Prog("누리 창의공간 조성사업", 1_500_000, 0, 0, 1_400_000)],
    "바다협력과": [Prog("해변 정화 민관협력 지원", 800_000, 400_000, 390_000, 800_000)],
    "산들마을과": [Prog("마을 공유부엌 운영지원", 2_345_678, 1_234_567, 1_234_567, 2_345_678),
                Prog("골목 정원 가꾸기(시민참여)", 50_000, 50_000, 50_000, 50_000)],
    "별빛청소년과": [Prog("청소년 진로탐색 바우처 지급", 9_000_000, 3_000_000, 2_700_000, 9_000_000)],
    "하늘조정과": [Prog("공공 갈등 사전진단", 45_600, 10_000, 5_000, 45_000)],
    "가람인권과": [Prog("인권 지킴이 양성", 120_000, 0, 0, 110_000)],
    "솔숲데이터과": [Prog("공공데이터 개방 포털 고도화", 600_000, 300_000, 150_000, 590_000)],
}
ADMIN = {d: (10_000 + 1_000 * i, 5_000 + 500 * i, 4_000 + 500 * i, 10_000 + 1_000 * i) for i, d in enumerate(DEPTS)}
# deliberate disagreements the validator must find
BODY_BUDGET_OVERRIDE = {"누리 플랫폼 운영": 4_000_000}        # body table prints another budget
DEPT_SPENT_OFFSET = {"산들마을과": 1}                           # department row's spent is off by one
STAFF_HEADER = (70, 66)
# label–value lines of one programme's 사업개요 (index/facts.py reads them; see tests/test_facts.py)
FACT_LINES = {"누리 플랫폼 운영": ["○ 위 치 : 테스트구 누리로 12 일대", "",
                               "○ 수탁기관 : 사단법인 누리마당 (위탁기간 : ’19. 1. 1. ~ ’21. 12. 31.)", "",
                               "○ 누리 창의센터(사단법인 별빛나눔, ’19.3월~’22.2월)", ""]}
ORG = {d: (10, 10 if i % 2 == 0 else 9) for i, d in enumerate(DEPTS)}
AUDIT = [  # (category, requirement lines, departments, printed status)
    ("시정·처리요구사항", ["누리 플랫폼의 이용 실적이", "저조하므로 개선 방안을", "마련할 것."], ["누리기획과"], "추진중"),
    ("시정·처리요구사항", ["해변 정화 사업 예산을", "투명하게 공개할 것."], ["바다협력과", "산들마을과"], "추진완료"),
    ("건의사항", ["청소년 바우처 대상을", "확대하기 바람."], ["별빛청소년과"], "검토중"),
    ("기타(자료제출 등)", ["인권 지킴이 활동 실적"], ["가람인권과"], "완료"),
]


def _pct(part: int, whole: int) -> str:
    return f"{int(part * 100 / whole + 0.5)}%" if whole else "0%"


def _cells(p: Prog, budget: int | None = None) -> str:
    b = p.budget if budget is None else budget
    return (f"{b:,} {p.committed:,} {p.spent:,} {_pct(p.committed, b)} {_pct(p.spent, b)} "
            f"{p.forecast:,} {_pct(p.forecast, b)}")


def _dept_totals(d: str) -> Prog:
    ps = PROGS[d]
    return Prog(d, sum(p.budget for p in ps), sum(p.committed for p in ps),
                sum(p.spent for p in ps) + DEPT_SPENT_OFFSET.get(d, 0), sum(p.forecast for p in ps))


def _sum(name: str, rows: list[Prog]) -> Prog:
    return Prog(name, *(sum(getattr(r, f) for r in rows) for f in ("budget", "committed", "spent", "forecast")))


def _budget_header(year: str) -> list[str]:
    return ["구 분", "", f"’{year}년", "예산현액", "", f"집행액(6.30.기준) 집행률 ’{year}년말 집행예상액", "",
            "원인행위 지출 원인행위 지출 예상액 집행률", ""]


def build_text() -> str:
    L: list[str] = [" 테스트혁신국", "", "Ⅰ. 일 반 현 황", "조 직  1국 7과",
                    f" 인 력 {STAFF_HEADER[0]}/{STAFF_HEADER[1]}명 (정원/현원)  ('19. 6.30. 기준)", "",
                    "구 분 계 " + " ".join(DEPTS),
                    "정 원 " + " ".join(str(x) for x in [sum(q for q, _ in ORG.values())] + [ORG[d][0] for d in DEPTS]),
                    "현 원 " + " ".join(str(x) for x in [sum(c for _, c in ORG.values())] + [ORG[d][1] for d in DEPTS]),
                    "", "예 산                                (단위 : 천원)"]
    depts = [_dept_totals(d) for d in DEPTS]
    prog_total = _sum("사업예산(계)", depts)
    admins = [Prog(f"기본경비({d})", *ADMIN[d]) for d in DEPTS]
    admin_total = _sum("행정운영경비(계)", admins)
    grand = _sum("합 계", [prog_total, admin_total])
    L += _budget_header("19")
    L += [f"합 계 {_cells(grand)}", "", f"사업예산(계) {_cells(prog_total)}", ""]
    L += [f"{d.name} {_cells(d)}" for d in depts]
    L += ["", f"행정운영경비(계) {_cells(admin_total)}", "", f"기 본 경 비 {_cells(_sum('', admins))}", "", "",
          "부서별 주요기능", "", "구 분 담 당 업 무", "2019 예산", "(단위:백만)", "",
          f"계 {round((grand.budget) / 1000):,}", ""]
    for d, a in zip(DEPTS, admins):
        L += [d, "", f"○ {d[:-1]} 업무 총괄", "", f"{round((_dept_totals(d).budget + a.budget) / 1000):,}", ""]
    L += ["", "Ⅱ. 정책목표와 추진전략", "", " 시민과 함께하는 테스트 행정", "", "", "Ⅲ. 주요업무 추진계획", ""]
    for i, d in enumerate(DEPTS, 1):
        L += [f"{i}. {d[:-1]} 분야 과제", ""]
    L += ["", ""]
    for i, d in enumerate(DEPTS, 1):
        L += [f" {i}. {d[:-1]} 분야", "", "과제", "", ""]
        for j, p in enumerate(PROGS[d], 1):
            L += [f"{j}  {p.name} 추진", "", f" {p.name}의 목표를 달성", "", " 사업개요",
                  f"○ {p.name} 개요 설명 : 연간 {p.budget // 1000:,}백만원", ""] + FACT_LINES.get(p.name, []) + [" 추진실적",
                  f"○ {d} 실적 {j * 10}건 달성(6월 기준)", "", "※ 예산집행 현황 (단위 : 천원, ’19.6.30. 기준)", "",
                  "사업명 예산현액", "집행액 집행률 ’19년말 집행예상액", "", "원인행위 지출액 원인행위 지출액 예상액 집행률", ""]
            L += _body_row(p)
            L += ["", " 향후계획", f"○ {p.name} 하반기 추진 : ’19. 7월~", "", ""]
    L += ["별 첨 1", "2019년도 세부사업별 예산현황", "", "(단위 : 천원)", ""]
    L += _budget_header("19")
    L += [f"합 계 {_cells(grand)}", "", f"사업예산(계) {_cells(prog_total)}", ""]
    for d, dt in zip(DEPTS, depts):
        L += [f"{d} {_cells(dt)}", ""]
        for p in PROGS[d]:
            L += [_appendix_row(p), ""]
    L += [f"행정운영경비(계) {_cells(admin_total)}", "", f"기본경비 {_cells(_sum('', admins))}", ""]
    L += [f"{a.name} {_cells(a)}" for a in admins]
    L += _audit_lines()
    return "\n".join(L) + "\n"


def _body_row(p: Prog) -> list[str]:
    cells = _cells(p, BODY_BUDGET_OVERRIDE.get(p.name))
    if p.name == "누리 플랫폼 운영":            # name wrapped over two lines, figures glued: '50%4,100,000'
        cells = cells.replace(f"% {p.forecast:,}", f"%{p.forecast:,}", 1)
        return ["누리 플랫폼", f"운영 {cells}"]
    if p.name == "공공 갈등 사전진단":          # period for comma: '45.600'
        return [f"{p.name} {cells.replace('45,600', '45.600', 1)}"]
    if p.name == "청소년 진로탐색 바우처 지급":  # name over four lines, figures on the line after
        return ["청소년", "진로탐색", "", "바우처", "지급", "", cells]
    return [f"{p.name} {cells}"]


def _appendix_row(p: Prog) -> str:
    row = f"{p.name} {_cells(p)}"
    if p.name == "마을 공유부엌 운영지원":      # misplaced separator '1234,567'
        row = row.replace("1,234,567", "1234,567", 1)
    if p.committed == 0:                         # ideographic spaces after zero cells
        row = row.replace(" 0 0 ", " 0\u3000 0\u3000 ", 1)
    return row


def _audit_lines() -> list[str]:
    cats = ["시정·처리요구사항", "건의사항", "기타(자료제출 등)"]
    L = [" 2019 행정사무감사 처리결과 보고서", "", "(테스트위원회)", "", "테스트혁신국", "", "□ 총 괄", "",
         f"○ 수감결과 처리요구사항 등 ---- 총 {len(AUDIT)} 건", "", "○ 조치내역", "",
         "구 분 계 완 료 추진중 검토중 미반영", "", "계", ""]
    norm = lambda s: "완료" if "완료" in s else s
    def row(label, items):
        c = [sum(1 for it in items if norm(it[3]) == s) for s in ("완료", "추진중", "검토중", "미반영")]
        return f"{label} {len(items)} " + " ".join(map(str, c))
    L.append(row("계", AUDIT))
    for label, c in zip(["시정· 처리요구사항", "건 의 사 항", "기타(자료제출 등)"], cats):
        L.append(row(label, [a for a in AUDIT if a[0] == c]))
    heads = {"시정·처리요구사항": "시정· 처리 요구사항", "건의사항": "건 의 사 항", "기타(자료제출 등)": "기 타 사 항"}
    current = None
    for cat, req, depts, status in AUDIT:
        if cat != current:
            L += ["", "", heads[cat], "", "", "시정 및 처리 요구사항 조치결과 및 향후추진계획", ""]
            current = cat
        L += ["○" + req[0]] + [x for r in req[1:] for x in ("", r)] + [""]
        if len(depts) > 1:
            L += [f"({depts[0]},", "", f"{', '.join(depts[1:])})", ""]
        else:
            L += [f"({depts[0]})", ""]
        L += [f"□ 추진상황 : {status}", "", "□ 추진내용", f"◦ {req[0]} 관련 조치 시행", "",
              "□ 향후계획", f"◦ {depts[0]} 지속 점검", ""]
    return L


MANIFEST = {"documents": [
    {"id": "synth-report", "title": "테스트혁신국 2019 업무보고", "file": "synthetic-report.txt",
     "kind": "work_report", "as_of": "2019-06-30"},
    {"id": "synth-audit", "title": "2019 행정사무감사 처리결과 보고서", "file": "synthetic-report.txt",
     "kind": "audit_response", "as_of": "2019-06-30", "start": "2019 행정사무감사 처리결과 보고서"},
]}


def write_synthetic_corpus(directory: Path) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "synthetic-report.txt").write_text(build_text(), encoding="utf-8")
    (directory / "manifest.json").write_text(json.dumps(MANIFEST, ensure_ascii=False, indent=1), encoding="utf-8")
    return directory
