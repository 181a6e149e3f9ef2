"""Findings by topic: the statement of 추진내용/향후계획 that answers, then id, status, department, citation."""
from __future__ import annotations

import pandas as pd
import pytest

from assistant.findings import FindingFinder, statements_of
from assistant.understand.answer_type import answer_type
from assistant.understand.normalize import utterance
from assistant.understand.types import AnswerType


@pytest.fixture(scope="module")
def kiwi_tok():
    from kiwi_shared import tokenizer
    return tokenizer()


def _frame() -> pd.DataFrame:
    rows = [
        ("F01", "시정·처리요구사항", ("가람과",), "해오름 도서관의 야간 개방 시간이 짧으므로 연장 방안을 마련할 것.", "완료", "추진완료",
         "◦ 야간 개방을 평일 21시에서 23시로\n연장(’19.3월)\n- 이용자 설문 1,200명 실시", "◦ 주말 개방은 예산 확보 후 검토"),
        ("F02", "건의사항", ("나래과",), "별빛 공원 놀이터의 안전 점검을 강화하기 바람.", "추진중", "추진중",
         "◦ 놀이터 12개소 안전 점검 완료(5월)\n◦ 노후 시설 교체는 예산 부족으로 불가", "◦ 하반기 추가 점검 예정(10월)"),
        ("F03", "건의사항", ("나래과", "가람과"), "별빛 공원 놀이터 주변 주차 문제를 해결하기 바람.", "검토중", "검토중",
         "◦ 주차 실태 조사 용역 발주(사단법인 도시연구, 용역비 30백만원)", "◦ 조사 결과에 따라 반영 여부 결정"),
        ("F04", "기타(자료제출 등)", ("가람과",), "도서관 이용 통계 자료", "완료", "완료", "◦ 자료 제출 완료(’18.11.2.)", ""),
    ]
    cols = ["id", "category", "departments", "requirement", "status", "status_printed", "action", "plan"]
    df = pd.DataFrame(rows, columns=cols)
    df["doc"] = "synth-audit"
    df["line_start"] = [10, 30, 50, 70]
    df["line_end"] = [29, 49, 69, 80]
    df["no"] = [1, 2, 3, 4]
    return df


@pytest.fixture(scope="module")
def finder(kiwi_tok):
    return FindingFinder(_frame(), None, tokenize=kiwi_tok.tokenize, quote=lambda d, s, e: f"{d}:{s}-{e}")


def ask(finder, kiwi_tok, q, lang="ko", departments=()):
    u = utterance(q, tokenize=kiwi_tok.kiwi.tokenize)
    return finder.answer(q, u, answer_type(u), lang, departments=departments)


def test_statements_join_wrapped_lines():
    sts = statements_of("◦ 야간 개방을 평일 21시에서 23시로\n연장(’19.3월)\n- 이용자 설문 1,200명 실시", "추진내용")
    assert [s.text for s in sts] == ["야간 개방을 평일 21시에서 23시로 연장(’19.3월)", "이용자 설문 1,200명 실시"]
    assert statements_of("", "향후계획") == [] and statements_of("\n \n", "향후계획") == []


def test_topic_leads_with_the_answering_statement(finder, kiwi_tok):
    a = ask(finder, kiwi_tok, "도서관 야간 개방 연장 요구는 어떻게 처리했어?")
    assert a.route == "audit" and a.data["id"] == "F01"
    first = a.answer.splitlines()[0]
    assert first.startswith("추진내용:") and "23시" in first
    assert "지적사항 F01" in a.answer and "추진상황: 완료 (표기: 추진완료)" in a.answer and "가람과" in a.answer
    assert a.citations[0].line_start == 10 and a.citations[0].quote == "synth-audit:10-29"


def test_answer_type_picks_the_statement(finder, kiwi_tok):
    a = ask(finder, kiwi_tok, "놀이터 안전 점검은 몇 개소 했어?")
    assert a.data["id"] == "F02" and "12개소" in a.answer.splitlines()[0]
    a = ask(finder, kiwi_tok, "놀이터 추가 점검은 언제 해?")
    assert "10월" in a.answer.splitlines()[0] and a.answer.splitlines()[0].startswith("향후계획:")
    a = ask(finder, kiwi_tok, "놀이터 노후 시설 교체는 가능해?")
    assert "불가" in a.answer.splitlines()[0]


def test_org_and_amount_from_one_statement(finder, kiwi_tok):
    a = ask(finder, kiwi_tok, "공원 주차 실태 조사 용역은 어느 기관이 맡았어?")
    assert a.data["id"] == "F03" and "사단법인 도시연구" in a.answer.splitlines()[0]


def test_several_matches_best_answered_others_listed(finder, kiwi_tok):
    a = ask(finder, kiwi_tok, "별빛 공원 놀이터 지적은 어떻게 됐어?")
    assert a.data["id"] in ("F02", "F03")
    other = {"F02", "F03"} - {a.data["id"]}
    assert a.data["others"] == sorted(other) and "다른 관련 지적사항" in a.answer
    assert len(a.citations) == 2


def test_count_and_filter_questions_go_to_the_count_route(finder, kiwi_tok):
    assert ask(finder, kiwi_tok, "가람과 지적사항은 몇 건이야?", departments=("가람과",)) is None
    assert ask(finder, kiwi_tok, "검토중인 지적사항은?") is None
    assert ask(finder, kiwi_tok, "감사 지적사항 처리 현황") is None


def test_unknown_topic_is_not_found_naming_the_closest(finder, kiwi_tok):
    a = ask(finder, kiwi_tok, "우주정거장 건설 지적은 어떻게 됐어?")
    assert a is not None and a.route == "not_found" and "가장 가까운" in a.answer
    assert len(a.data["closest"]) == 3


def test_english_framing(finder, kiwi_tok):
    u = utterance("What did the bureau do about the library night opening hours?")
    a = finder.answer(u.raw + " 도서관 야간 개방", u, AnswerType("how"), "en")
    assert a.answer.startswith("On audit finding F01") and "status: 완료" in a.answer


def test_no_type_held_is_said(finder, kiwi_tok):
    a = ask(finder, kiwi_tok, "도서관 야간 개방 연장에 예산이 얼마 들었어?")
    assert a.data["id"] == "F01" and "나와 있지 않습니다" in a.answer.splitlines()[0]


def test_embedder_is_used_and_cached(kiwi_tok):
    calls = []

    class Fake:
        def embed_query(self, t):
            calls.append(("q", t))
            return [1.0, 0.0] if "주차" in t else [0.0, 1.0]

        def embed_documents(self, ts):
            calls.append(("d", len(ts)))
            return [[1.0, 0.0] if "주차" in t else [0.0, 1.0] for t in ts]

    f = FindingFinder(_frame(), None, embed=Fake(), tokenize=kiwi_tok.tokenize)
    for _ in range(2):
        a = ask(f, kiwi_tok, "별빛 공원 놀이터 주변 주차 문제는 어떻게 됐어?")
        assert a.data["id"] == "F03"
    docs = [c for c in calls if c[0] == "d"]
    assert len(docs) == 2          # finding texts once, statements once: the second question re-embeds nothing new


@pytest.mark.parametrize("q", ["", "   ", "\x00\x01\x02", "감" * 20000, "???"])
def test_bad_input(finder, q):
    u = utterance(q)
    a = finder.answer(q, u, answer_type(u), "ko")
    assert a is None or a.route in ("audit", "not_found")


def test_real_corpus_finding(corpus, kiwi_tok):
    from index.tables import audit_frame
    f = FindingFinder(audit_frame(corpus), None, tokenize=kiwi_tok.tokenize, quote=corpus.quote)
    a = ask(f, kiwi_tok, "청년수당 1차 모집에서 최종 대상자는 몇 명이었어?")
    assert a.route == "audit" and "4,119명" in a.answer.splitlines()[0]
    item = next(x for x in corpus.audit if x.id == a.data["id"])
    assert a.citations[0].line_start == item.line_start and item.status in a.answer


def test_date_asked_picks_the_statement_of_that_date(kiwi_tok):
    from assistant.findings import month_days
    assert month_days("(’18.6.30., 현원 기준") == {(6, 30)} and month_days("6월 30일 기준") == {(6, 30)}
    assert month_days("3,521.95㎡, 8.5억원, 3.5배") == set()          # decimals are no dates
    rows = [("G01", "시정·처리요구사항", ("가람과",), "해오름 센터의 정규직 비율을 높일 것.", "완료", "완료",
             "◦ 정규직 전환으로 정규직 비율 71.5%로 향상(’18.1.1.)\n◦ 정규직 비율 현황(’18.6.30. 기준) 해오름 센터 80.2%", "")]
    df = pd.DataFrame(rows, columns=["id", "category", "departments", "requirement", "status", "status_printed",
                                     "action", "plan"])
    df["doc"], df["line_start"], df["line_end"], df["no"] = "synth-audit", [1], [9], [5]
    f = FindingFinder(pd.concat([_frame(), df], ignore_index=True), None, tokenize=kiwi_tok.tokenize)
    a = ask(f, kiwi_tok, "해오름 센터 정규직 비율 6.30 기준으로 몇 %야?")
    assert "80.2%" in a.answer.splitlines()[0] and "71.5%" not in a.answer, a.answer
    b = ask(f, kiwi_tok, "해오름 센터 정규직 비율 1월 1일 기준으로는 몇 %야?")
    assert "71.5%" in b.answer.splitlines()[0] and "80.2%" not in b.answer, b.answer


class _VectorIndex:
    """What the index's vectors give an English question: the findings by meaning (recorded calls)."""

    def __init__(self, order):
        self.order, self.calls = order, []

    def search(self, q, k=10, kind=None, mode="hybrid"):
        self.calls.append(mode)
        from types import SimpleNamespace
        return [SimpleNamespace(audit_id=i) for i in self.order] if mode == "vector" else []


def test_an_english_question_is_ranked_by_meaning(kiwi_tok):
    idx = _VectorIndex(["F03", "F02"])
    f = FindingFinder(_frame(), idx, tokenize=kiwi_tok.tokenize, quote=lambda d, s, e: "")
    ranked = f.rank("playground parking", meaning_query="What was done about parking near the playground?")
    assert ranked[0][0] == "F03" and idx.calls == ["vector"]
    # a Korean question is ranked by its words first (the search there is hybrid)
    idx.calls.clear()
    assert f.rank("해오름 도서관 야간 개방")[0][0] == "F01" and idx.calls == ["hybrid"]


def test_a_word_every_statement_of_a_finding_holds_does_not_choose_the_statement(kiwi_tok):
    df = _frame()
    df.loc[0, "action"] = ("◦ 도서관 야간 개방 실태조사 실시(3월)\n◦ 도서관 야간 개방 시간 연장 협의\n"
                           "◦ 도서관 야간 개방 평가 결과 우수(2): 가람분관, 나래분관")
    f = FindingFinder(df, None, tokenize=kiwi_tok.tokenize, quote=lambda d, s, e: "")
    lead = f.choose("도서관 야간 개방 평가에서 우수 받은 곳은?", "F01", AnswerType("what"), k=1)
    assert "가람분관" in lead[0][1].text


def test_an_english_topic_question_with_a_count_word_is_answered_by_meaning(kiwi_tok):
    # 'how many' counts people here, not findings; English letters share nothing with the findings,
    # so a stray letter-pair match must not decide — the vectors' leader answers
    idx = _VectorIndex(["F03", "F02"])
    f = FindingFinder(_frame(), idx, tokenize=kiwi_tok.tokenize, quote=lambda d, s, e: "")
    a = f.answer("How many cars could park near the playground after the fix?", None, AnswerType("count"), "en")
    assert a is not None and a.route == "audit" and a.data["id"] == "F03", a and a.answer
    b = f.answer("How many findings are still in progress?", None, AnswerType("count"), "en")
    assert b is None                           # a status filter: the count route answers


def test_a_year_after_the_report_is_answered_only_where_a_statement_names_it(kiwi_tok):
    """The synthetic audit document is dated 2018: an undated statement is of 2018 or before, so a
    2020 figure of it is not in the reports; the finding whose action names ’19 answers 2019."""
    f = FindingFinder(_frame(), None, tokenize=kiwi_tok.tokenize, quote=lambda d, s, e: f"{d}:{s}-{e}",
                      as_of={"synth-audit": 2018})
    a = ask(f, kiwi_tok, "2020년 놀이터 안전 점검은 몇 개소 했어?")
    assert a.route == "not_found" and a.data["reason"] == "year_after_report" and a.data["id"] == "F02"
    assert "12개소" in a.answer                        # the closest statement, as context
    assert ask(f, kiwi_tok, "2019년 도서관 야간 개방은 몇 시까지 연장됐어?").route == "audit"
    assert ask(f, kiwi_tok, "2018년 놀이터 안전 점검은 몇 개소 했어?").route == "audit"
    # no document date given: no year is after it
    assert ask(FindingFinder(_frame(), None, tokenize=kiwi_tok.tokenize), kiwi_tok,
               "2020년 놀이터 안전 점검은 몇 개소 했어?").route == "audit"


def test_next_year_in_a_statement_reaches_one_year_past_the_date():
    from assistant.passages import after_its_date
    assert after_its_date("주말 개방 검토", {2019}, 2018)
    assert not after_its_date("내년도 예산 반영 추진", {2019}, 2018)
    assert after_its_date("내년도 예산 반영 추진", {2020}, 2018)
    assert not after_its_date("’19년 예산반영 추진", {2019}, 2018)
    assert not after_its_date("주말 개방 검토", {2018, 2019}, 2018)     # a year of the report's own
    assert not after_its_date("주말 개방 검토", {2019}, None)


def test_a_settled_outcome_over_a_plan_is_not_in_the_reports(kiwi_tok):
    df = _frame()
    df.loc[df["id"] == "F02", "action"] = "◦ 놀이터 12개소 안전 점검 대상 선별"
    f = FindingFinder(df, None, tokenize=kiwi_tok.tokenize, quote=lambda d, s, e: "")
    a = ask(f, kiwi_tok, "놀이터 추가 점검 일정은 최종 확정됐어?")
    assert a.route == "not_found" and a.data["reason"] == "only_planned" and "10월" in a.answer, a.answer
    a = ask(f, kiwi_tok, "놀이터 추가 점검은 언제 해?")          # the plan asked as a plan: answered
    assert a.route == "audit" and "10월" in a.answer.splitlines()[0]
    a = ask(finder_of(kiwi_tok), kiwi_tok, "놀이터 추가 점검 일정은 최종 확정됐어?")
    assert a.route == "audit"          # a statement beside it reports what was done: no refusal


def finder_of(kiwi_tok):
    return FindingFinder(_frame(), None, tokenize=kiwi_tok.tokenize, quote=lambda d, s, e: "")


def test_a_data_request_holds_its_submission_not_the_data(finder, kiwi_tok):
    a = ask(finder, kiwi_tok, "도서관 이용 통계 자료에 나온 월 이용자는 몇 명이야?")
    assert a.route == "not_found" and a.data["reason"] == "only_submitted" and "F04" in a.answer, a.answer
    a = ask(finder, kiwi_tok, "도서관 이용 통계 자료는 언제 제출했어?")
    assert a.route == "audit" and "’18.11.2." in a.answer.splitlines()[0]
