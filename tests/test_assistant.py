"""The assistant end to end on the real corpus: exact figures, ties, methods,
citations, routes, follow-ups and bad input."""
from __future__ import annotations

import json
import re
import uuid

import pytest

CONTRACT = {"question", "answer", "route", "data", "method", "citations", "confidence", "elapsed_ms"}
ZERO_SPEND = ["지하보도 공유공간 조성(시민참여)", "우리마을유휴공간,우리마을유휴~공간으로!(시민참여)",
              "청년활동지원사업 온라인 플랫폼 고도화 사업", "(가칭)청년드림센터 조성", "갈등관리 실태 평가", "서울인권 컨퍼런스"]


def ask(assistant, q, sid=None):
    return assistant.ask(q, session_id=sid).to_dict()


def sid():
    return uuid.uuid4().hex


def test_contract_and_ties(assistant):
    a = ask(assistant, "지출 기준 집행률이 가장 낮은 사업은?")
    assert CONTRACT <= set(a) and a["route"] == "budget"
    for name in ZERO_SPEND:
        assert name in a["answer"]
    assert "6개" in a["answer"] and "0.0%" in a["answer"]
    assert "동률 6개" in a["method"] and "55개" in a["method"] and "지출 / 예산현액" in a["method"]
    lines = sorted(c["line_start"] for c in a["citations"])
    assert lines == [1529, 1555, 1594, 1608, 1622, 1644]
    assert all(c["file"] == "seoul-innovation-bureau-2018-work-report.txt" for c in a["citations"])
    assert "60,000" in a["citations"][0]["quote"]
    assert len(a["data"]["rows"]) == 6
    json.dumps(a, ensure_ascii=False)


def test_differently_worded_superlative(assistant):
    a = ask(assistant, "6월말 현재 한 푼도 지출하지 않은 사업들을 모두 보여줘")
    assert a["route"] == "budget" and all(n in a["answer"] for n in ZERO_SPEND) and "6개" in a["answer"]


@pytest.mark.parametrize("q,facts", [
    ("청년수당 예산은 몇 억원이에요?", ["21,010,000천원", "210.1억원"]),
    ("예산이 가장 큰 사업 3개만 뽑아주세요", ["서울 청년활동 보장", "서울혁신파크 조성사업", "서울혁신파크 운영"]),
    ("지출률 50% 미만인 사업은 몇 개나 돼요?", ["34개"]),
    ("예산현액이 10억원 이상인 사업은 몇 개죠?", ["19개"]),
    ("시민참여 사업들 예산 다 합치면 얼마예요?", ["9,980,000", "9개"]),
    ("부서 중에 지출률이 가장 낮은 곳은 어디예요?", ["갈등조정담당관", "14.1%"]),
    ("청년허브 운영이랑 무중력지대 설치운영 중에 어디 예산이 더 많아요?", ["청년공간 무중력지대 설치 운영", "1,453,292"]),
    ("사회혁신담당관 예산을 기본경비까지 합치면 총 얼마예요?", ["22,141,266"]),
    ("갈등조정담당관 사업 평균 예산은 얼마예요?", ["145,374.8"]),
    ("청년활력 프로그렘 운영 지출률 알려줘", ["49.5%"]),                 # a typo
    ("커뮤니티공간운영지원 지출액하고 지출률은요?", ["5,103,640", "59.5%"]),  # spacing ignored
])
def test_budget_facts(assistant, q, facts):
    a = ask(assistant, q)
    assert a["route"] == "budget", a
    for f in facts:
        assert f in a["answer"], (f, a["answer"])


def test_appendix_first_body_named(assistant):
    a = ask(assistant, "서울혁신파크 운영 예산 얼마예요?")
    # the body's other figure is named by its line and its difference, not as a second answer
    assert "8,885,737" in a["answer"] and "7,535,737" not in a["answer"], a["answer"]
    assert "1,350,000" in a["answer"] and "본문 표" in a["answer"]
    assert {c["line_start"] for c in a["citations"]} == {1517, 224}


def test_body_figure_quoted_when_body_named(assistant):
    a = ask(assistant, "서울혁신파크 운영 예산, 본문 표에는 얼마로 나와요?")
    assert "7,535,737" in a["answer"], a["answer"]
    b = ask(assistant, "청년프로젝트 투자 사업 원인행위액 본문이랑 별첨 다 알려줘")
    assert "3,609,409" in b["answer"] and "3,609,410" in b["answer"], b["answer"]


def test_english_question_english_answer(assistant):
    a = ask(assistant, "Which single program has the largest budget?")
    assert a["route"] == "budget" and "21,010,000 thousand KRW" in a["answer"] and "The highest" in a["answer"]


def test_clarify_ambiguous_alias(assistant):
    a = ask(assistant, "혁신파크 예산 얼마예요?")
    assert a["route"] == "clarify" and a["data"]["candidates"] == ["서울혁신파크 운영", "서울혁신파크 조성사업"]


@pytest.mark.parametrize("q", ["청년 월세 지원 사업 예산은 얼마예요?", "경제진흥본부 청년일자리 예산은 얼마예요?",
                               "2019년 청년수당 예산은 얼마로 편성됐어요?", "청년수당 정책이 효과가 있다고 보세요?",
                               "인권담당관 담당 팀장 연락처 알려주세요"])
def test_not_found_never_a_figure(assistant, q):
    a = ask(assistant, q)
    assert a["route"] == "not_found" and not re.search(r"\d{1,3},\d{3}천원", a["answer"])


def test_missing_programme_lists_closest(assistant):
    a = ask(assistant, "청년 월세 지원 사업 예산은 얼마예요?")
    assert "가까운 이름" in a["answer"]


def test_audit_counts_match_summary(assistant):
    a = ask(assistant, "감사 지적사항 중에 조치 완료된 건 몇 건이에요?")
    assert a["route"] == "audit" and "50건" in a["answer"] and "76건" in a["answer"]
    a = ask(assistant, "시정·처리요구사항은 몇 건이었고 그중 완료된 건 몇 건이에요?")
    assert all(x in a["answer"] for x in ("39건", "17건", "22건"))


def test_audit_single_item_and_follow_up(assistant):
    s = sid()
    a = ask(assistant, "검토중인 지적사항은?", s)
    assert a["route"] == "audit" and "검토중" in a["answer"] and "조직진단" in a["answer"]
    assert len(a["citations"]) == 1 and a["citations"][0]["line_start"] == 3483
    b = ask(assistant, "어느 부서 소관으로 돼 있어요?", s)
    assert b["route"] == "audit" and "사회혁신담당관" in b["answer"]


def test_audit_three_departments(assistant):
    a = ask(assistant, "세 개 부서가 같이 걸려 있는 지적사항은 뭐예요?")
    assert a["route"] == "audit" and "비정규직" in a["answer"] and "청년정책담당관" in a["answer"]


def test_validation_route(assistant):
    a = ask(assistant, "본문과 별첨 수치가 다른 사업이 있나요?")
    assert a["route"] == "validation"
    for n in ("서울혁신파크 운영", "시민 제안 발굴 및 실행", "서울 청년활동 보장", "청년공간 무중력지대 설치 운영",
              "청년프로젝트 투자 사업"):
        assert n in a["answer"]
    assert {224, 1517} <= {c["line_start"] for c in a["citations"]}
    a = ask(assistant, "부서 합계가 맞나요?")
    assert "지역공동체담당관" in a["answer"] and "26,957,846" in a["answer"]


def test_budget_follow_ups(assistant):
    s = sid()
    ask(assistant, "지출률이 가장 낮은 사업은 뭐예요?", s)
    a = ask(assistant, "그럼 두 번째로 낮은 건?", s)
    assert "청년 인생설계 학교" in a["answer"] and "0.7%" in a["answer"]
    s = sid()
    ask(assistant, "청년정책담당관 사업 예산은 얼마예요?", s)
    a = ask(assistant, "그럼 인권담당관은?", s)
    assert "1,429,130" in a["answer"]
    a = ask(assistant, "둘 중에 지출률은 어디가 더 높아요?", s)
    assert "38.3%" in a["answer"] and "29.9%" in a["answer"]
    s = sid()
    ask(assistant, "청년수당 예산 얼마예요?", s)
    assert "6,276,500" in ask(assistant, "그 사업 지출액은?", s)["answer"]


def test_clarify_then_choose(assistant):
    s = sid()
    assert ask(assistant, "혁신파크 예산 알려줘", s)["route"] == "clarify"
    assert "8,885,737" in ask(assistant, "운영 쪽이요", s)["answer"]


def test_passage_with_citation(assistant):
    a = ask(assistant, "청년수당은 한 달에 얼마씩 주나요?")
    assert a["route"] == "passages" and "50만원" in a["answer"]
    assert any(c["line_start"] <= 917 <= c["line_end"] for c in a["citations"])


def test_organization(assistant):
    a = ask(assistant, "청년정책담당관 현원이 몇 명이에요?")
    assert a["route"] == "organization" and "14명" in a["answer"]


@pytest.mark.parametrize("q,code", [("", "empty"), ("   \n", "empty"), ("가" * 10_000, "too_long"),
                                    ("\x00\x01\x02\x03\x04\x05 binary", "bad_input"), (None, "bad_input"),
                                    (123, "bad_input")])
def test_bad_input(assistant, q, code):
    a = assistant.ask(q).to_dict()
    assert a["route"] == "not_found" and a["error"]["code"] == code and "Traceback" not in a["answer"]


@pytest.mark.parametrize("q", ["__import__('os').system('ls')", "'; DROP TABLE budget; --", "{{7*7}} ${jndi:ldap://x}"])
def test_hostile_text_is_just_text(assistant, q):
    a = assistant.ask(q).to_dict()
    assert a["error"] is None and a["route"] in ("not_found", "passages", "clarify")
    assert "49" not in a["answer"]


def test_sessions_are_bounded():
    from assistant.sessions import MemoryStore
    store = MemoryStore(max_sessions=3)
    for i in range(5):
        with store.turn(f"s{i}") as t:
            t.save({"version": 1, "n": i})
    assert len(store) == 3


def test_alias_file_errors_name_the_file(corpus, tmp_path):
    from assistant.entities import Catalog
    from index.errors import ReportError
    from index.tables import budget_frame
    frame = budget_frame(corpus)
    with pytest.raises(ReportError, match="aliases.json.*unknown programme"):
        Catalog.from_frame(frame, {"programs": {"월세": "청년 월세 지원"}})
    (tmp_path / "aliases.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(ReportError, match="not valid JSON"):
        Catalog.load_aliases(tmp_path)
    assert Catalog.load_aliases(tmp_path / "nowhere") == {}


def test_health_names_index_and_counts(assistant):
    h = assistant.health()
    assert h["budget_rows"] == 125 and h["audit_items"] == 76 and h["index_chunks"] > 300
    assert h["index_model"] == "hash-256" and h["index_hash"] == assistant.corpus.hash
