"""Differential checks: the parse of the real corpus vs figures read off the report by hand."""
from __future__ import annotations

from collections import Counter

import pytest

from index.records import rate


def row(corpus, program, source="appendix"):
    hits = [r for r in corpus.budget if r.source == source and r.program == program]
    assert len(hits) == 1, (program, source, [(r.program, r.source) for r in hits])
    return hits[0]


# (program as printed, source, department, budget, committed, spent, forecast, line)
EXACT = [
    ("서울혁신파크 운영", "appendix", "사회혁신담당관", 8_885_737, 4_375_001, 4_375_001, 8_662_300, 1517),
    ("서울혁신파크 운영", "body", "사회혁신담당관", 7_535_737, 3_781_434, 3_781_434, 7_322_307, 224),
    ("지하보도 공유공간 조성(시민참여)", "appendix", "사회혁신담당관", 60_000, 0, 0, 60_000, 1529),
    ("서울시 NPO지원센터 확대 운영", "appendix", "민관협력담당관", 1_951_806, 955_329, 955_329, 1_950_000, 1535),
    ("민관협치 체계구축 및 활성화 지원", "appendix", "민관협력담당관", 479_000, 116_816, 102_736, 479_000, 1533),
    ("커뮤니티 공간 운영지원", "appendix", "지역공동체담당관", 8_580_275, 5_157_538, 5_103_640, 8_580_275, 1543),
    ("우리마을유휴공간,우리마을유휴~공간으로!(시민참여)", "appendix", "지역공동체담당관", 100_000, 0, 0, 100_000, 1555),
    ("동단위 계획형 시민참여예산(시민참여)", "body", "지역공동체담당관", 2_460_000, 2_460_000, 2_460_000, 2_460_000, 774),
    ("서울 청년활동 보장", "appendix", "청년정책담당관", 21_010_000, 6_276_500, 6_276_500, 21_010_000, 1577),
    ("서울 청년활동보장", "body", "청년정책담당관", 21_010_000, 6_276_500, 6_276_500, 21_000_000, 944),
    ("청년프로젝트 투자 사업", "body", "청년정책담당관", 6_509_123, 3_609_410, 3_364_610, 6_465_779, 1069),
    ("청년층 긴급생활안정 및 대환대출 자금 이자지원", "body", "청년정책담당관", 403_000, 60_251, 48_331, 403_000, 950),
    ("갈등관리 거버넌스 강화", "appendix", "갈등조정담당관", 236_390, 36_390, 10_000, 236_390, 1620),
    ("갈등저감을 위한 사전이행절차 개선", "body", "갈등조정담당관", 18_000, 3_000, 3_000, 18_000, 1243),
    ("인권 현장체험프로그램 개발·운영", "appendix", "인권담당관", 67_650, 5_660, 5_660, 65_000, 1640),
    ("인권현장 체험프로그램 개발운영", "body", "인권담당관", 67_650, 5_660, 5_660, 65_000, 1483),
    ("철거현장 인권지킴이단 운영", "appendix", "인권담당관", 17_800, 17_482, 16_500, 17_400, 1646),
    ("기본경비(갈등조정담당관)", "appendix", "갈등조정담당관", 22_600, 13_185, 11_302, 22_600, 1660),
]


@pytest.mark.parametrize("program,source,dept,budget,committed,spent,forecast,line", EXACT)
def test_exact_rows(corpus, program, source, dept, budget, committed, spent, forecast, line):
    r = row(corpus, program, source)
    assert (r.department, r.budget, r.committed, r.spent, r.forecast) == (dept, budget, committed, spent, forecast)
    assert r.line_end == line or r.line_start == line


def test_appendix_shape(corpus):
    app = [r for r in corpus.budget if r.source == "appendix"]
    assert len(app) == 71
    assert Counter(r.level for r in app) == {"total": 1, "subtotal": 3, "department": 6, "program": 55, "admin": 6}
    assert [r.program for r in app if r.level == "subtotal"] == ["사업예산(계)", "행정운영경비(계)", "기본경비"]
    assert sum(r.citizen for r in app if r.level == "program") == 9


def test_body_tables(corpus):
    body = [r for r in corpus.budget if r.source == "body"]
    assert len({r.section for r in body}) == 23          # the 23 '※ 예산집행 현황' tables
    assert len(body) == 44
    assert all(r.department for r in body)
    split = [r for r in body if r.parent == "민관협치 체계구축 및 활성화 지원"]
    assert [r.level for r in split] == ["sub-item", "sub-item"]
    assert sum(r.budget for r in split) == 479_000


def test_wrapped_names_joined(corpus):
    r = row(corpus, "민관협치 체계구축 및 활성화 지원 (민간자원 연계 등 민관 공동협력 활성화)", "body")
    assert (r.line_start, r.line_end) == (594, 600)
    assert r.program_raw.count("\n") == 3
    assert row(corpus, "사회혁신 리빙랩 프로젝트 추진", "body").line_start == 273


def test_repairs_flagged(corpus):
    repaired = {(r.program, r.source): r.repaired for r in corpus.budget if r.repaired}
    assert "misplaced separator: '5103,640' read as 5,103,640" in repaired[("커뮤니티 공간 운영지원", "appendix")]
    assert "period for comma: '67.650' read as 67,650" in repaired[("인권현장 체험프로그램 개발운영", "body")]
    assert any("two cells glued: '30%21,000,000'" in x for x in repaired[("서울 청년활동보장", "body")])
    ideo = [k for k, v in repaired.items() if any("ideographic space" in x for x in v)]
    assert len(ideo) == 6


def test_rates_recomputed(corpus):
    r = row(corpus, "청년 인생설계 학교")
    assert r.spent_rate == 0.7 and r.spent_rate_printed == 1
    assert rate(1, 3) == 33.3 and rate(1, 0) is None and rate(5, 1000) == 0.5


def test_overview_and_org(corpus):
    ov = [r for r in corpus.budget if r.source == "overview"]
    assert [r.level for r in ov][:3] == ["total", "subtotal", "department"]
    assert row(corpus, "인권담당관", "overview").budget == 1_429_130
    org = {o.department: (o.quota, o.current) for o in corpus.org}
    assert org["계"] == (112, 102) and org["청년정책담당관"] == (16, 14)
    assert corpus.staff[0].quota == 112 and corpus.staff[0].current == 100
    fn = {f.department: f for f in corpus.functions}
    assert fn["인권담당관"].budget_million == 1_464 and len(fn["지역공동체담당관"].duties) == 7


def test_audit_matches_summary(corpus):
    assert len(corpus.audit) == 76
    summary = {s.category: s for s in corpus.audit_summary}
    assert summary["계"].counts == {"완료": 50, "추진중": 25, "검토중": 1, "미반영": 0}
    got = Counter((i.category, i.status) for i in corpus.audit)
    for cat, s in summary.items():
        if cat == "계":
            continue
        assert sum(1 for i in corpus.audit if i.category == cat) == s.total
        for status, n in s.counts.items():
            assert got[(cat, status)] == n


def test_audit_items(corpus):
    a = {i.id: i for i in corpus.audit}
    three = [i for i in corpus.audit if len(i.departments) == 3]
    assert len(three) == 1 and three[0].departments == ("사회혁신담당관", "지역공동체담당관", "청년정책담당관")
    assert a["A01"].requirement.startswith("청년프로젝트 투자사업의 경우 인건비와 물품구입비")
    assert a["A01"].status == "추진중" and a["A01"].plan.startswith("◦ 1기 사업 보조금 교부")
    reviewing = [i for i in corpus.audit if i.status == "검토중"]
    assert len(reviewing) == 1 and reviewing[0].category == "건의사항"
    printed = Counter(i.status_printed for i in corpus.audit)
    assert printed["추진완료"] + printed["완료"] == 50
    assert a["A76"].requirement == "마을기금 조성현황 및 집행내역" and a["A76"].line_end == 4069


def test_sections(corpus):
    paths = {s.path: s for s in corpus.sections}
    s = paths["Ⅲ > 4 > 청년활동지원사업 강화 > 추진실적"]
    assert (s.line_start, s.department) == (916, "청년정책담당관")
    assert s.line_start <= 917 <= s.line_end
    areas = [s for s in corpus.sections if s.kind == "area"]
    assert [a.title for a in areas][0] == "시민이 주체가 되는 사회혁신 추진"
    assert len(areas) == 6 and len([s for s in corpus.sections if s.kind == "program"]) == 23


def test_validation_findings(findings):
    by_kind = Counter(f.kind for f in findings)
    mism = [f for f in findings if f.kind == "body_appendix_mismatch"]
    assert {(f.subject, f.figures["field"]) for f in mism} == {
        ("서울혁신파크 운영", "budget"), ("서울혁신파크 운영", "committed"), ("서울혁신파크 운영", "spent"),
        ("서울혁신파크 운영", "forecast"), ("시민 제안 발굴 및 실행", "forecast"),
        ("서울 청년활동 보장", "forecast"), ("청년공간 무중력지대 설치 운영", "budget"),
        ("청년프로젝트 투자 사업", "committed")}
    park = next(f for f in mism if f.subject == "서울혁신파크 운영" and f.figures["field"] == "budget")
    assert park.figures["appendix"] == 8_885_737 and park.figures["body"] == 7_535_737 and park.lines == (224, 1517)
    dept = [f for f in findings if f.kind == "department_sum_mismatch"]
    assert len(dept) == 1 and dept[0].subject == "지역공동체담당관" and dept[0].figures["difference"] == -1
    staff = [f for f in findings if f.kind == "staff_mismatch"]
    assert len(staff) == 1 and staff[0].figures == {"field": "현원", "header": 100, "org_table": 102}
    assert by_kind["audit_count_mismatch"] == 0 and by_kind["row_unparsed"] == 0
    assert by_kind["body_split_rows"] == 1 and by_kind["artifact_repaired"] == 15
