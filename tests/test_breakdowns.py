"""A figure and the parts printed for it (in brackets, or as the table under it) that do not add up."""
from types import SimpleNamespace

from index.validate import check_breakdowns


def corpus_of(lines):
    doc = SimpleNamespace(id="r", file="f.txt", line_start=1, line_end=len(lines))
    return SimpleNamespace(documents=[doc], lines={"f.txt": lines})


def test_bracketed_parts_that_do_not_add_up():
    found = check_breakdowns(corpus_of([
        "※ 별도정원 8명 : 휴직 5명(가팀 2명, 나팀 2명, 다팀 2명), 파견 3명(가팀 1명, 라팀 2명)",
    ]))
    assert [f.kind for f in found] == ["breakdown_mismatch"]
    f = found[0]
    assert f.figures["printed"] == 5 and f.figures["parts_sum"] == 6 and f.lines == (1,)
    assert "휴직" in f.subject


def test_a_single_part_in_brackets_is_a_note_not_a_breakdown():
    # '2명(한시 1명)': of which one is temporary — nothing to add up
    assert check_breakdowns(corpus_of(["※ 임기제 9명미포함 : 가팀 2명(한시 1명), 나팀 7명"])) == []


def test_parts_in_another_unit_are_not_compared():
    assert check_breakdowns(corpus_of(["○ 지원 3건(가 2명, 나 1명)"])) == []


def test_a_total_in_brackets_and_its_table_rows():
    lines = ["○ 중추시설, 어느단지(1,000㎡) 개소", "구분 면적", "", "가동 600㎡ 사무", "", "나동 300㎡ 연수",
             "○ 다음 문장 500㎡"]
    found = check_breakdowns(corpus_of(lines))
    assert len(found) == 1 and found[0].figures["parts_sum"] == 900 and found[0].lines == (1, 6)
    assert found[0].subject == "어느단지"
    lines[5] = "나동 400㎡ 연수"
    assert check_breakdowns(corpus_of(lines)) == []           # they add up


def test_hostile_lines_do_not_break_the_check():
    assert check_breakdowns(corpus_of(["", "(((", "3명(" * 200, "\x00\x01 2명(,,)", "1명(가 1명)" * 50])) is not None


def test_a_colon_list_of_parts():
    found = check_breakdowns(corpus_of(["※ 별도정원 7명 : 휴직 3명(가팀 2명, 나팀 1명), 파견 2명(다팀 1명, 라팀 1명)"]))
    assert [(f.figures["printed"], f.figures["parts_sum"]) for f in found] == [(7, 5)]
    assert check_breakdowns(corpus_of(["※ 임기제 9명미포함 : 가팀 2명(한시 1명), 나팀 7명"])) == []    # 2 + 7 = 9


def test_sum_checks_list_equal_sums_and_agree_with_the_findings(corpus):
    from index.validate import check_sums, sum_checks
    checks = sum_checks(corpus)
    assert any(c.ok for c in checks)                              # equal sums are kept, to be shown
    bad = {(c.parent, c.field) for c in checks if not c.ok}
    assert bad == {(f.subject, f.figures["field"]) for f in check_sums(corpus)}


def test_does_it_add_up_shows_the_column_asked_and_notes_the_others(assistant, corpus):
    import uuid
    from index.validate import FIELD_KO, sum_checks
    bad = [c for c in sum_checks(corpus) if not c.ok and c.source == "appendix"]
    assert bad, "the report has a sum that does not add up"
    wrong = bad[0]
    fine = next(f for f in ("budget", "committed", "spent", "forecast")
                if not any(c.field == f and not c.ok and c.source == "appendix" for c in sum_checks(corpus)))
    a = assistant.ask(f"부서 소계들 {FIELD_KO[fine]} 합치면 총계랑 같아?", uuid.uuid4().hex)
    assert a.route == "validation" and a.answer.startswith("불일치는 없습니다"), a.answer
    assert "(일치)" in a.answer and "참고(물으신 열 밖의 불일치)" in a.answer and wrong.parent in a.answer
    b = assistant.ask(f"부서별 {FIELD_KO[wrong.field]} 합계가 총계와 일치하나요?", uuid.uuid4().hex)
    assert b.route == "validation" and b.answer.startswith("불일치 ") and f"{wrong.printed:,}" in b.answer


def test_the_functions_tables_total_in_millions_is_checked_against_the_appendix(assistant, corpus):
    import uuid
    total = sum(f.budget_million for f in corpus.functions)
    a = assistant.ask(f"주요기능 표 예산 계 {total:,}백만원, 별첨 합계랑 같은 거 맞지?", uuid.uuid4().hex)
    assert a.route == "validation" and f"부서 합 {total:,}백만원" in a.answer, a.answer
    app = next(r for r in corpus.budget if r.source == "appendix" and r.level == "total")
    assert f"{app.budget:,}천원" in a.answer and ("일치" in a.answer)
