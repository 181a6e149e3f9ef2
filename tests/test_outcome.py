"""A settled outcome asked, over statements that only plan it."""
import re

import pytest

from assistant.outcome import only_planned, outcome_asked


@pytest.mark.parametrize("q", ["공원 재조성안은 구청이 최종 승인했어?", "심사위원은 누구로 정해졌나요?",
                               "이전 부지는 결국 확정됐어?", "협약 연장이 결정된 거야?",
                               "Was the relocation finally approved?", "Did the ministry approve the plan?"])
def test_outcome_asked(q):
    assert outcome_asked(q)


@pytest.mark.parametrize("q", ["공원 재조성안은 어떻게 추진하고 있어?", "심사위원 몇 명이야?", "승인 절차는 어떻게 돼?",
                               "놀이터 문제는 결국 어떻게 처리됐어?",
                               "When is the relocation planned?", ""])
def test_no_outcome_asked(q):
    assert not outcome_asked(q)


def test_only_planned():
    assert only_planned(["’19.3월 구청에 재조성안 승인 요청 예정"])
    assert only_planned(["심사위원 선정할 예정", "관계기관과 협의 중"])
    assert not only_planned(["재조성안 승인 완료(’18.5.)"])
    assert not only_planned(["2년간 시 직영으로 운영하는 것으로 결정", "후속 계획 수립 예정"])   # one reports it
    assert not only_planned(["이용자 설문 1,200명 실시"])          # neither plan nor outcome: no refusal
    assert not only_planned(["이용자 설문 1,200명 실시", "후속 계획 수립 예정"])     # the best one is no plan
    assert not only_planned(["후속 점검 예정(10월)", "이용자 설문 1,200명 실시"])     # something was done
    assert only_planned(["후속 점검 예정(10월)", "이용자 설문 문항 1,200개"])
    assert not only_planned([])
    # what was done instead of the outcome asked answers it ('…못하도록 사업 진행'); '진행 중' still plans
    assert not only_planned(["향후 수요를 조사해 반영할 예정", "해외 사용을 하지 못하도록 2018년 사업 진행"])
    assert only_planned(["재조성안 협의 진행 중", "관계기관 의견 수렴 예정"])


def test_an_average_the_statements_do_not_print():
    from assistant.outcome import unprinted_average
    assert unprinted_average("참여자 평균 나이는?", ["만19세~29세 미취업 청년 대상"])
    assert unprinted_average("What is the average age of participants?", ["aged 19 to 29"])
    assert not unprinted_average("자부담 비율 평균은?", ["14개 프로젝트 자부담 비율은 평균 11.5%"])
    assert not unprinted_average("참여자 나이는?", ["만19세~29세"])            # no average asked
    assert not unprinted_average("평균 나이는?", [])


def test_an_average_asked_of_the_text_is_refused_where_it_prints_a_range(assistant, corpus):
    import uuid
    lines = corpus.lines[corpus.doc("work-report-2018").file]
    line = next(l for l in lines if re.search(r"\d+세\s?~\s?\d+세", l))
    assert "평균" not in line
    a = assistant.ask("청년수당 받는 청년들 평균 나이가 어떻게 돼?", uuid.uuid4().hex)
    assert a.route == "not_found", a.answer


def test_a_breakdown_the_statements_do_not_print():
    from assistant.outcome import unprinted_breakdown
    assert unprinted_breakdown("탈락자 사유별로 몇 명씩이야?", ["대상자 5,000명 → 7,000명"]) == "사유"
    assert unprinted_breakdown("등급별로 몇 건이야?", ["진단대상 60건, 1등급 4건, 2등급 6건"]) == ""
    assert unprinted_breakdown("차수별 최종 대상자는?", ["(1차 접수) 최종대상자 4,119명", "(2차) 3,200명"]) == ""
    assert unprinted_breakdown("서울특별시 청년 인원은?", ["청년 7,000명"]) == ""          # '특별시' is no breakdown
    assert unprinted_breakdown("분야별 예산은?", []) == ""


def test_a_breakdown_asked_of_the_text_that_prints_none_is_refused(assistant):
    import uuid
    a = assistant.ask("청년수당 선정자 연령별로 몇 명씩이야?", uuid.uuid4().hex)
    assert a.route == "not_found" and "연령별" in a.answer, a.answer
