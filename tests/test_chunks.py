"""Chunks follow the report's structure; exact spans, fields and texts."""
from __future__ import annotations

from collections import Counter
import pytest

from index.chunks import (KINDS, MAX_CHARS, Chunk, budget_sentence, build_chunks, glue_letter_spacing,
                          normalize_line, split_on_bullets)


@pytest.fixture(scope="module")
def chunks(corpus):            # `corpus`: the real corpus, parsed once (tests/conftest.py)
    return build_chunks(corpus)


def by_id(chunks, cid) -> Chunk:
    found = [c for c in chunks if c.chunk_id == cid]
    assert found, f"no chunk {cid}"
    return found[0]


def test_youth_allowance_block_is_one_chunk_with_exact_span(chunks, corpus):
    c = by_id(chunks, "work-report-2018:program_block:916-936")
    assert (c.doc, c.kind, c.line_start, c.line_end) == ("work-report-2018", "program_block", 916, 936)
    assert c.section == "Ⅲ > 4 > 청년활동지원사업 강화 > 추진실적"
    assert (c.department, c.program, c.audit_id, c.status) == ("청년정책담당관", "청년활동지원사업 강화", "", "")
    assert c.text == corpus.quote("work-report-2018", 916, 936)          # display = original lines
    assert c.text.splitlines()[1].startswith("○ (청년수당) 만19세~29세서울시거주미취업청년매월50만원지원")
    assert c.index_text.startswith("청년활동지원사업 강화 추진실적: 추진실적 (청년수당) 만19세")
    assert "○" not in c.index_text and "－" not in c.index_text and "\n" not in c.index_text


def test_kind_counts_follow_the_parsed_records(chunks, corpus):
    n = Counter(c.kind for c in chunks)
    assert n["budget_row"] == len(corpus.budget) == 125
    assert n["audit_item"] == len(corpus.audit) == 76
    assert n["functions"] == len(corpus.functions) == 6
    assert n["org"] == 1
    assert set(n) == set(KINDS)
    assert n["program_block"] >= 4 * 23          # 목표/사업개요/추진실적/향후계획 of 23 programmes, some split


def test_chunk_ids_unique_stable_and_spans_disjoint(chunks, corpus):
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids))
    assert all(c.chunk_id == f"{c.doc}:{c.kind}:{c.line_start}-{c.line_end}" for c in chunks)
    assert [c.chunk_id for c in build_chunks(corpus)] == ids                 # deterministic
    for doc in {c.doc for c in chunks}:
        spans = sorted((c.line_start, c.line_end) for c in chunks if c.doc == doc)
        for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
            assert e1 < s2, f"{doc}: {s1}-{e1} overlaps {s2}-{e2}"


def test_program_blocks_split_on_bullets_under_the_limit(chunks, corpus):
    blocks = [c for c in chunks if c.kind == "program_block"]
    lines = corpus.lines["seoul-innovation-bureau-2018-work-report.txt"]
    for c in blocks:
        body = c.index_text.split(":", 1)[1]
        first = lines[c.line_start - 1].strip()
        continued = any(o.section == c.section and o.line_end < c.line_start for o in blocks)
        if continued:     # a later piece of a split block starts at a bullet
            assert first[0] in "○◦□-－※*", (c.chunk_id, first)
        if len(body) > MAX_CHARS + 40:
            # only a single bullet group longer than the limit may exceed it
            assert sum(1 for l in c.text.splitlines() if l.strip()[:1] in "○◦□") <= 1, c.chunk_id
    assert not any(c.section.endswith("예산집행 현황") for c in blocks)      # rows cover the budget tables


def test_split_on_bullets_keeps_sub_bullets_with_their_bullet():
    lines = ["○ 첫째 " + "가" * 200, "－ 세부 " + "나" * 100, "○ 둘째 " + "다" * 200, "－ 세부 " + "라" * 100,
             "○ 셋째 " + "마" * 50]
    spans = split_on_bullets(lines, 1, 5, max_chars=400)
    assert spans == [(1, 2), (3, 5)]
    assert split_on_bullets(lines, 1, 5, max_chars=5000) == [(1, 5)]


def test_budget_row_rendered_as_korean_sentence(chunks):
    c = by_id(chunks, "work-report-2018:budget_row:1577-1577")
    assert c.index_text == ("서울 청년활동 보장 (청년정책담당관, 별첨1 세부사업별 예산현황): 예산현액 21,010,000천원, "
                            "원인행위 6,276,500천원 (원인행위 집행률 29.9%), 지출 6,276,500천원, 지출 집행률 29.9%, "
                            "연말 집행예상액 21,010,000천원 (예상 집행률 100.0%)")
    assert c.text == "서울 청년활동 보장 21,010,000 6,276,500 6,276,500 30% 30% 21,010,000 100%"
    assert (c.department, c.program) == ("청년정책담당관", "서울 청년활동 보장")
    body = by_id(chunks, "work-report-2018:budget_row:944-944")
    assert body.index_text.startswith("서울 청년활동보장 (청년정책담당관, 청년활동지원사업 강화 예산집행 현황)")
    assert body.index_text.endswith("세부사업 서울 청년활동 보장의 일부")


def test_budget_sentence_of_total_row(corpus):
    total = next(r for r in corpus.budget if r.source == "overview" and r.level == "total")
    assert budget_sentence(total).startswith("합계 (기획관 전체, 일반현황 예산 총괄): 예산현액 110,377,853천원")
    assert "지출 집행률 52.3%" in budget_sentence(total)


def test_audit_item_chunk(chunks):
    c = by_id(chunks, "audit-2017:audit_item:1695-1770")
    assert (c.kind, c.audit_id, c.status, c.department) == ("audit_item", "A01", "추진중", "청년정책담당관")
    assert c.section == "시정·처리요구사항 > A01"
    assert c.index_text.startswith("시정·처리요구사항 A01 요구사항: 청년프로젝트 투자사업의 경우")
    assert "추진상황: 추진중" in c.index_text and "향후계획: 1기 사업 보조금 교부" in c.index_text
    multi = [x for x in chunks if x.kind == "audit_item" and "," in x.department]
    assert len(multi) == 1                                     # one item names three departments


def test_org_functions_and_text_chunks(chunks):
    org = by_id(chunks, "work-report-2018:org:6-17")             # 조직/인력 header … ※ notes
    assert "청년정책담당관 정원 16명 현원 14명" in org.index_text
    assert "시간선택제임기제 18명미포함" in org.index_text
    f = by_id(chunks, "work-report-2018:functions:121-131")
    assert (f.department, f.section) == ("갈등조정담당관", "Ⅰ > 부서별 주요기능")
    assert f.index_text.endswith("2018 예산 895백만원")
    summary = by_id(chunks, "audit-2017:text:1663-1690")
    assert "총 76 건" in summary.index_text and "건의사항 9 5 3 1 0" in summary.index_text
    area = by_id(chunks, "work-report-2018:text:152-176")
    assert "1. 시민이 주체가 되는 사회혁신 추진" in area.index_text
    assert not any(c.kind == "text" and "예산현액" in c.index_text for c in chunks)   # no table headings


def test_metadata_has_every_field_but_texts_and_no_none(chunks):
    m = chunks[0].metadata()
    assert set(m) == {"chunk_id", "doc", "kind", "section", "department", "program", "audit_id", "status",
                      "line_start", "line_end"}
    assert all(v is not None for c in chunks for v in c.metadata().values())
    assert Chunk.from_dict(chunks[5].to_dict()) == chunks[5]


def test_normalising_helpers():
    assert glue_letter_spacing("1. 시 민 이  주 체 가  되 는") == "1. 시민이 주체가 되는"
    assert glue_letter_spacing("건 의 사 항 9 5 3 1 0") == "건의사항 9 5 3 1 0"
    assert normalize_line("\u3000○ 위 치 : 은평구") == "위치 : 은평구"
    assert normalize_line("－ 대상자확대 : 5,000명") == "대상자확대 : 5,000명"


def test_synthetic_corpus_chunks_keep_their_own_document(synthetic):
    c = synthetic
    ch = build_chunks(c)
    assert {x.doc for x in ch} == {"synth-report", "synth-audit"}
    assert sum(1 for x in ch if x.kind == "audit_item") == 4
    row = next(x for x in ch if x.kind == "budget_row" and x.program == "누리 플랫폼 운영" and "별첨1" in x.section)
    assert row.text == c.quote("synth-report", row.line_start, row.line_end)
    assert "예산현액 4,200,000천원" in row.index_text
