"""Follow-ups through the whole assistant: named rules over an immutable state."""
import uuid

import pytest


def talk(assistant, *questions):
    sid = uuid.uuid4().hex
    return [assistant.ask(q, sid) for q in questions]


def rules(ans):
    return ans.data.get("interpretation", {}).get("rules", [])


def test_an_unknown_name_never_inherits_the_last_target(assistant):
    a, b = talk(assistant, "인권담당관 예산은?", "청년 월세 지원 사업 예산은?")
    assert a.route == "budget" and "1,429,130" in a.answer
    assert b.route == "not_found" and "1,429,130" not in b.answer


def test_a_word_starting_with_geu_is_not_a_pronoun(assistant):
    a, b = talk(assistant, "청년수당 예산은?", "그린뉴딜 사업 예산은?")
    assert "21,010,000" in a.answer
    assert "21,010,000" not in b.answer and b.route in ("not_found", "clarify")


def test_a_new_measure_for_the_same_target(assistant):
    a, b = talk(assistant, "청년수당 예산은?", "거기 지금까지 쓴 돈은?")
    assert "6,276,500" in b.answer and any(r.startswith("followup:") for r in rules(b))


def test_the_same_measure_for_another_target(assistant):
    a, b, c = talk(assistant, "청년정책담당관 사업 예산은 얼마예요?", "그럼 인권담당관은?", "둘 중에 지출률은 어디가 더 높아요?")
    assert "44,536,737" in a.answer and "1,429,130" in b.answer
    assert "38.3%" in c.answer and "29.9%" in c.answer


def test_next_rank_after_a_superlative(assistant):
    a, b = talk(assistant, "지출률이 가장 낮은 사업은 뭐예요?", "그럼 두 번째로 낮은 건?")
    assert "청년 인생설계 학교" in b.answer and "0.7%" in b.answer


def test_among_them_narrows_the_last_scope(assistant):
    a, b = talk(assistant, "인권담당관 사업 목록 보여줘", "그중에 아직 한 푼도 안 쓴 건?")
    assert b.route == "budget" and "서울인권 컨퍼런스" in b.answer


def test_a_failed_turn_keeps_the_old_state(assistant):
    sid = uuid.uuid4().hex
    assistant.ask("청년수당 예산은?", sid)
    bad = assistant.ask("\x00\x01\x02\x03\x04\x05", sid)
    assert bad.error is not None
    again = assistant.ask("그 사업 지출액은?", sid)
    assert "6,276,500" in again.answer


def test_interpretation_is_in_every_answer(assistant):
    ans = assistant.ask("지출률이 절반도 안 되는 사업은 몇 개?")
    it = ans.data["interpretation"]
    assert it["intent"] == "budget" and it["scores"] and it["mentions"]
    assert any(m["kind"] == "comparison" and m["text"] for m in it["mentions"])
    assert "50" in ans.answer and "모두 55개" not in ans.answer


def test_contradictory_conditions_are_asked_about(assistant):
    ans = assistant.ask("지출률 50% 미만이면서 90% 이상인 사업은?")
    assert ans.route == "clarify" and "50" in ans.answer and "90" in ans.answer


@pytest.mark.parametrize("q", ["예산은 얼마야?", "집행률은?"])
def test_a_budget_question_without_target_or_order_asks(assistant, q):
    assert assistant.ask(q).route == "clarify"


def _row(assistant, name_part, level="program"):
    df = assistant.budget_tool.df
    df = df[(df["source"] == "appendix") & (df["level"] == level)]
    return df[df["program"].str.contains(name_part, regex=False)].iloc[0]


def test_the_two_named_last_differ_and_add_up(assistant):
    a, b, c = talk(assistant, "인권담당관 예산은?", "갈등조정담당관은?", "두 부서 차이는 얼마야?")
    x, y = _row(assistant, "인권담당관", "department"), _row(assistant, "갈등조정담당관", "department")
    assert c.route == "budget" and f"{int(abs(x['budget'] - y['budget'])):,}" in c.answer
    a, b, c = talk(assistant, "청년허브 지출액은?", "청춘삘딩은?", "둘 합치면?")
    assert c.route == "budget" and "합계" in c.answer


def test_which_of_the_two_is_higher_is_not_a_place_question(assistant):
    a, b, c = talk(assistant, "청년허브 지출률은?", "청춘삘딩은?", "둘 중 어디가 더 높아?")
    assert c.route == "budget" and any(r == "followup:which_of_two" for r in rules(c))


def test_the_department_of_the_programme_just_answered(assistant):
    a, b = talk(assistant, "예산 가장 큰 사업은?", "그 사업 어느 부서 소관이야?")
    top = a.data["rows"][0]
    assert b.route == "organization" and top[0] in b.answer and top[1] in b.answer


def _programmes(assistant, department):
    df = assistant.budget_tool.df
    return df[(df["source"] == "appendix") & (df["level"] == "program") & (df["department"] == department)]


def test_leaving_out_the_last_answer_gives_the_next_one(assistant):
    rows = _programmes(assistant, "인권담당관").sort_values("budget", ascending=False)
    first, second = rows.iloc[0], rows.iloc[1]
    a, b = talk(assistant, "인권담당관 사업 중에 예산 제일 많은 건?", "그거 말고 다음으로 많은 건 뭐야?")
    assert first["program"] in a.answer
    assert b.route == "budget" and second["program"] in b.answer.splitlines()[0], b.answer
    assert any(r == "followup:excluding_last" for r in rules(b))
    c, d = talk(assistant, "What is the programme with the lowest spending rate?", "and the next one?")
    assert d.route == "budget" and any(r == "followup:excluding_last" for r in rules(d)), d.answer


def test_two_measures_of_one_target_then_their_difference(assistant):
    r = _row(assistant, "청년 허브")
    a, b, c = talk(assistant, "청년허브 예산현액은?", "거기 지출액은?", "그 둘 차이는 얼마야?")
    assert c.route == "budget" and f"{int(r['budget'] - r['spent']):,}" in c.answer, c.answer
    assert any(r_ == "followup:two_measures" for r_ in rules(c))


def test_an_english_follow_up_with_a_new_measure(assistant):
    r = _row(assistant, "청년 허브")
    a, b = talk(assistant, "What is the budget of the youth hub (청년허브)?", "And its projected year-end spending amount?")
    assert b.route == "budget" and f"{int(r['forecast']):,}" in b.answer, b.answer


def test_a_ranking_inside_the_department_just_answered(assistant):
    df = assistant.budget_tool.df
    depts = df[(df["source"] == "appendix") & (df["level"] == "department")].copy()
    depts["rate"] = depts["spent"] / depts["budget"]
    low = depts.sort_values("rate").iloc[0]["program"]
    top = _programmes(assistant, low).sort_values("budget", ascending=False).iloc[0]["program"]
    a, b = talk(assistant, "지출률 제일 낮은 부서는?", "그 부서 사업 중에서 예산 가장 많은 건?")
    assert low in a.answer and top in b.answer.splitlines()[0], b.answer
    assert any(r == "followup:within_target" for r in rules(b))


def test_that_department_carries_into_an_audit_count(assistant):
    items = assistant.audit
    dept = "민관협력담당관" if "민관협력담당관" in assistant.catalog.departments else assistant.catalog.departments[0]
    n = int(items[items["departments"].apply(lambda ds: dept in ds) & (items["status"] == "추진중")].shape[0])
    a, b = talk(assistant, f"{dept} 예산은?", "그 부서 감사 지적사항 중 추진중인 건 몇 건?")
    assert b.route == "audit" and f"{n}건" in b.answer and dept in b.answer, b.answer


def test_two_rows_listed_then_their_sum_and_a_part_of_one_row(assistant):
    df = assistant.budget_tool.df
    rows = df[(df["source"] == "appendix") & (df["level"] == "program") & df["citizen"] & (df["spent"] == 0)]
    assert len(rows) == 2          # the parsed report lists two such rows: the question below relies on it
    a, b = talk(assistant, "시민참여 사업 중에 한 푼도 안 나간 게 있나?", "둘 예산 합치면?")
    assert f"{int(rows['budget'].sum()):,}" in b.answer and any(r == "followup:which_of_two" for r in rules(b)), b.answer
    r = _row(assistant, "청년 허브")
    c, d = talk(assistant, "청년 허브 운영 예산현액은?", "그중 지금까지 지출한 건?")
    assert f"{int(r['spent']):,}" in d.answer and "55개" not in d.answer, d.answer


def test_among_listed_findings_a_topic_picks_one_of_them(assistant):
    a, b = talk(assistant, "민관협력담당관 감사 지적 몇 건이야?", "그중에 위원회 회의록 관련된 건은 뭐라고 조치했어?")
    assert a.route == "audit" and "15건" in a.answer
    assert b.route == "audit" and "A20" in b.answer and any("topic_among" in r for r in rules(b))
    assert "모두 15건" not in b.answer                   # the finding's action, not the count again
    c, d = talk(assistant, "인권담당관 지적사항 몇 건이지?", "그 중 인권교육 이수율 문제는 어떻게 했어?")
    assert "A39" in d.answer and any("topic_among" in r for r in rules(d))


def test_among_listed_findings_a_status_still_filters(assistant):
    a, b = talk(assistant, "민관협력담당관 감사 지적 몇 건이야?", "그중 추진중인 건?")
    assert b.route == "audit" and "10건" in b.answer and not any("topic_among" in r for r in rules(b))


def test_a_time_asked_of_a_contract_is_its_period(assistant):
    a, b = talk(assistant, "마을공동체종합지원센터는 누가 운영해요?", "위탁은 언제 끝나요?")
    assert "사단법인 마을" in a.answer
    assert "18. 8. 22" in b.answer and "수탁기관:" not in b.answer


def test_another_label_of_the_facility_just_answered(assistant, corpus):
    subj = next(s for s in {f.subject for f in corpus.facts if f.subject != f.program}
                if {f.key for f in corpus.facts if f.subject == s} >= {"operator", "period"})
    period = next(f.value for f in corpus.facts if f.subject == subj and f.key == "period")
    a, b = talk(assistant, f"{subj}는 누가 운영해?", "위탁기간은?")
    assert a.route == "passages" and b.route == "passages" and period in b.answer
    assert any("fact_subject" in r for r in rules(b))


def test_a_second_part_asks_another_label_of_the_same_facility(assistant, corpus):
    f = next(x for x in corpus.facts if x.key == "budget" and x.label == "용역비")
    op = next(x for x in corpus.facts if x.subject == f.subject and x.key == "operator")
    ans = assistant.ask(f"{f.subject} 한 곳은 어디고 용역비 얼마야?", uuid.uuid4().hex)
    assert op.value in ans.answer and f.value in ans.answer


def test_ordinal_pick_reads_a_place_in_the_offered_list():
    from assistant.followups import ordinal_pick
    offered = ("가 사업", "나 사업", "다 사업")
    assert ordinal_pick("첫번째", offered) == "가 사업"
    assert ordinal_pick("2번 거요", offered) == "나 사업"
    assert ordinal_pick("그중 세 번째", offered) == "다 사업"
    assert ordinal_pick("마지막", offered) == "다 사업"
    assert ordinal_pick("the second one", offered) == "나 사업"
    assert ordinal_pick("다섯 번째", offered) is None          # not in the list
    assert ordinal_pick("첫 번째로 큰 사업은?", ()) is None
    assert ordinal_pick("예산 제일 큰 거", offered) is None


def test_a_department_short_name_other_departments_programmes_hold_asks_which_then_a_place_picks(assistant):
    import uuid
    sid = uuid.uuid4().hex
    a = assistant.ask("민관협력 사업 집행률 알려줘", sid)
    assert a.route == "clarify" and "민관협력담당관" in a.answer, a.answer
    offered = a.answer.split(":", 1)[1].split(" / ")
    assert len(offered) >= 3 and any("민관협력" in x and "담당관" not in x for x in offered)
    b = assistant.ask("두 번째 거", sid)
    assert b.route == "budget" and b.answer.startswith(offered[1].strip()), b.answer


def test_a_bare_department_short_name_asks_only_when_several_other_programmes_hold_it(assistant):
    import uuid
    from index.text import name_key
    cat = assistant.catalog
    dept_of = assistant._department_of
    for d in cat.departments:
        word = d.replace("담당관", "")
        outside = [p for p in cat.programs if name_key(word) in name_key(p) and dept_of.get(p) != d]
        a = assistant.ask(f"{word} 예산 얼마야?", uuid.uuid4().hex)
        if len(outside) >= 2:
            assert a.route == "clarify" and d in a.answer, (word, a.answer)
        else:
            assert a.route == "budget" and a.answer.startswith(d), (word, a.answer)


def test_a_second_part_counting_other_things_is_not_a_budget_follow_up(assistant):
    import uuid
    a = assistant.ask("청년수당 예산 얼마고 몇 명 뽑았어?", uuid.uuid4().hex)
    parts = a.data.get("parts") or []
    assert len(parts) == 2 and parts[0]["route"] == "budget" and parts[1]["route"] != "budget", a.answer
    b = assistant.ask("청년수당 예산 얼마고 지출률은?", uuid.uuid4().hex)
    assert all(p["route"] == "budget" for p in b.data.get("parts") or [b.to_dict()])


def test_with_its_admin_row_after_a_department_adds_that_departments_own_row(assistant, corpus):
    import uuid
    app = [r for r in corpus.budget if r.source == "appendix"]
    dept = next(r for r in app if r.level == "department")
    admin = next(r for r in app if r.level == "admin" and dept.program in r.program)
    sid = uuid.uuid4().hex
    assistant.ask(f"{dept.program} 예산 얼마예요?", sid)
    a = assistant.ask("그럼 거기 기본경비까지 더하면 얼마야?", sid)
    assert a.route == "budget" and f"{dept.budget + admin.budget:,}" in a.answer, a.answer
    total = next(r for r in app if r.level == "total")
    assert f"{total.budget:,}" not in a.answer


def test_a_follow_up_naming_another_programme_to_compare_gives_the_difference(assistant, corpus):
    import uuid
    app = [r for r in corpus.budget if r.source == "appendix" and r.level == "program"]
    a, b = app[0], app[-1]
    sid = uuid.uuid4().hex
    assistant.ask(f"{a.program} 예산현액 얼마죠", sid)
    ans = assistant.ask(f"{b.program}이랑 비교하면 얼마나 차이나?", sid)
    assert ans.route == "budget" and f"{abs(a.budget - b.budget):,}" in ans.answer, ans.answer


def test_that_department_after_a_findings_department_counts_all_its_findings(assistant):
    import uuid
    audit = assistant.audit
    sid = uuid.uuid4().hex
    first = assistant.ask("위원회 회의록 미서명 지적은 어떻게 처리됐어요?", sid)
    item = next(r for _, r in audit.iterrows() if r["id"] in first.answer)
    assistant.ask("그거 담당 부서 어디야?", sid)
    a = assistant.ask("그 부서 소관 지적 중에 추진중인 건 다 합쳐서 몇 건?", sid)
    dept = item["departments"][0]
    n = sum(1 for _, r in audit.iterrows() if dept in r["departments"] and r["status"] == "추진중")
    assert f"모두 {n}건" in a.answer, a.answer


def test_a_condition_restated_in_brackets_is_one_condition(assistant):
    import uuid
    a = assistant.ask("예산을 전액 다 집행한(집행률 100%) 사업은 몇 개예요?", uuid.uuid4().hex)
    assert a.route == "budget" and "모두" in a.answer, a.answer


def test_until_now_is_no_adding_of_the_alias_sibling(assistant, corpus):
    # '…까지' of time ('현재까지') adds no programme: the group's other name is not pointed to
    app = {r.program: r for r in corpus.budget if r.source == "appendix" and r.level == "program"}
    a, b = talk(assistant, "서울혁신파크 운영 예산현액은?", "그럼 거기 현재까지 지출한 금액은?")
    assert f"{app['서울혁신파크 운영'].spent:,}" in b.answer, b.answer
    assert f"{app['서울혁신파크 조성사업'].spent:,}" not in b.answer and "followup:add_target" not in rules(b)
    c = talk(assistant, "서울혁신파크 운영 예산현액은?", "조성사업 예산까지 합치면?")[1]
    total = app["서울혁신파크 운영"].budget + app["서울혁신파크 조성사업"].budget
    assert f"{total:,}" in c.answer, c.answer


def test_a_short_staff_turn_keeps_the_department_and_its_admin_row_follows(assistant, corpus):
    org = {o.department: o for o in corpus.org}
    a, b, c = talk(assistant, "지역공동체담당관 정원은 몇 명?", "현원은요?", "그 부서 기본경비 예산은?")
    dept = org["지역공동체담당관"]
    assert f"현원 {dept.current}명" in b.answer and "사회혁신담당관" not in b.answer, b.answer
    admin = next(r for r in corpus.budget if r.source == "appendix" and r.level == "admin" and "지역공동체담당관" in r.program)
    assert c.route == "budget" and f"{admin.budget:,}" in c.answer and "followup:admin_of_last" in rules(c), c.answer
    every = talk(assistant, "지역공동체담당관 정원은 몇 명?", "부서별 현원은?")[1]
    assert all(d in every.answer for d in org), every.answer


def test_year_end_spending_asked_in_a_later_turn_is_the_forecast(assistant, corpus):
    row = next(r for r in corpus.budget if r.source == "appendix" and r.program == "서울 청년활동 보장")
    b = talk(assistant, "청년수당 예산현액 알려줘", "연말까지는 얼마나 집행할 것 같아?")[1]
    assert b.route == "budget" and f"{row.forecast:,}" in b.answer, b.answer


def test_a_narrowing_turn_answers_from_the_statements_just_quoted(assistant):
    a, b = talk(assistant, "갈등 진단은 올해 몇 건 실시했나요?", "그중 3등급은 몇 건?")
    assert a.route == "passages" and "60" in a.answer
    assert b.route == "passages" and "3등급 35건" in b.answer.replace("\n", " ") and "followup:within_statements" in rules(b), b.answer
    # a turn the quoted statements do not answer is searched as usual
    c = talk(assistant, "갈등 진단은 올해 몇 건 실시했나요?", "청년허브 수탁기관은?")[1]
    assert "followup:within_statements" not in rules(c)


def test_a_numbered_term_alone_renumbers_the_last_text_question(assistant):
    a, b = talk(assistant, "청년수당 1차 접수 때 접수인원이 몇 명이었어?", "2차는요?")
    assert "9,158" in a.answer and "6,527" in b.answer, (a.answer, b.answer)
    assert any(r.startswith("followup:sibling_term") for r in rules(b)) and b.question == "2차는요?"


@pytest.mark.parametrize("turn, last, route, expect", [
    ("2차는?", "<사업> 1차 모집 때 몇 명 뽑혔어?", "passages", "<사업> 2차 모집 때 몇 명 뽑혔어?"),
    ("그럼 3단계는요?", "1단계 공사는 언제 끝나?", "audit", "3단계 공사는 언제 끝나?"),
    ("1차는?", "<사업> 1차 모집 때 몇 명?", "passages", None),            # the same number: nothing to renumber
    ("2차는?", "<사업> 1차 모집 예산은?", "budget", None),                  # a budget turn has its own follow-ups
    ("2차 모집 예산은 얼마야?", "1차 모집 때 몇 명?", "passages", None),      # a whole question stands on its own
    ("2차는?", "1차랑 3차 중 어디가 많아?", "passages", None),               # two numbered terms: which one is unclear
    ("2등급은?", "1차 모집 때 몇 명?", "passages", None),                    # another counter
])
def test_restate_sibling(turn, last, route, expect):
    from assistant.dialogue import DialogueState
    from assistant.followups import restate_sibling
    assert restate_sibling(turn, DialogueState(turns=1, route=route, question=last)) == expect
    assert restate_sibling(turn, DialogueState()) is None


def test_a_follow_up_naming_another_department_to_compare_gives_both_and_which_is_lower(assistant):
    a, b = talk(assistant, "인권담당관 지출률 알려줘", "갈등조정담당관보다 높아요?")
    assert b.route == "budget" and "인권담당관" in b.answer and "갈등조정담당관" in b.answer, b.answer
    assert "더 높고" in b.answer and "더 낮습니다" in b.answer and "followup:compare_with_last" in rules(b)


def test_amounts_under_one_eok_are_also_written_in_man_won():
    from assistant import fmt
    assert fmt.amount(34_585) == "34,585천원 (3,459만원)"          # half up
    assert fmt.amount(999) == "999천원" and fmt.amount(530_000) == "530,000천원 (5.3억원)"
    from assistant.validation_answer import _with_units
    assert _with_units("본문 21,000,000천원 (차이 +10,000천원)") == "본문 21,000,000천원 (차이 +10,000천원 (1,000만원))"


@pytest.mark.parametrize("spans", [[["nodoc", 1, 2, ""]], [["x"]], [[None, "a", 3, ""]], [[0, 999999, 1000000, ""]], "junk"])
def test_damaged_kept_statements_are_searched_as_a_new_question(assistant, spans):
    from dataclasses import replace as dc_replace
    from assistant.dialogue import DialogueState
    doc = assistant.corpus.documents[0].id
    spans = [[doc, 999_999, 1_000_000, ""]] if spans == [[0, 999999, 1000000, ""]] else spans
    state = DialogueState(turns=1, route="passages", question="갈등 진단 몇 건?", extra=(("statements", spans),))
    ans, nxt = assistant._turn("그중 1등급은?", state)
    assert ans.error is None and "followup:within_statements" not in rules(ans)


def _appendix(corpus, level="program"):
    return [r for r in corpus.budget if r.source == "appendix" and r.level == level]


def test_a_new_ranking_right_after_one_inside_a_department_keeps_that_department(assistant, corpus):
    progs = [r for r in _appendix(corpus) if r.department == "민관협력담당관"]
    biggest = max(progs, key=lambda r: r.budget)
    whole = max(_appendix(corpus), key=lambda r: r.budget)
    assert biggest.program != whole.program       # otherwise the test could not tell the two apart
    a, b = talk(assistant, "민관협력담당관 사업들 가운데 원인행위율 최저는?", "그럼 예산현액으로 따지면 1위는?")
    assert b.route == "budget" and biggest.program in b.answer and whole.program not in b.answer, b.answer
    assert "followup:rerank_in_department" in rules(b)
    c = talk(assistant, "민관협력담당관 사업들 가운데 원인행위율 최저는?", "전체 사업으로 넓히면 예산현액 1위는?")[1]
    assert whole.program in c.answer and "followup:rerank_in_department" not in rules(c), c.answer


def test_the_department_a_programme_belongs_to_is_taken_on_the_new_measure(assistant, corpus):
    prog = next(r for r in _appendix(corpus) if r.department == "사회혁신담당관" and r.program == "공유서울 확산")
    dept = next(r for r in _appendix(corpus, "department") if r.department == prog.department)
    a, b = talk(assistant, "공유서울 확산 사업 예산현액은?", "그 사업 담당 부서 전부 합치면 지출은 얼마야?")
    assert f"{prog.budget:,}" in a.answer
    assert b.route == "budget" and f"{dept.spent:,}" in b.answer and "followup:department_of_last" in rules(b), b.answer


def test_the_department_of_the_finding_just_answered_is_taken_for_a_table_figure(assistant, corpus):
    audit = assistant.audit
    first, second = talk(assistant, "회의록에 서명 안 한 위원 문제는 어떻게 조치했나요?", "그 지적 주관 부서 올해 예산현액은?")
    item = next(r for _, r in audit.iterrows() if r["id"] in first.answer)
    dept = next(r for r in _appendix(corpus, "department") if r.department == item["departments"][0])
    assert second.route == "budget" and f"{dept.budget:,}" in second.answer, second.answer
    assert any("finding_department" in r or r == "followup:department_of_last" for r in rules(second))


def test_among_them_as_one_noun_narrows_to_the_rows_just_counted(assistant, corpus):
    big = [r for r in _appendix(corpus) if r.budget > 3_000_000]
    lowest = min(big, key=lambda r: r.spent / r.budget)
    a, b = talk(assistant, "예산현액 30억 초과 사업은 몇 개나 돼?", "그중에 지출률 꼴찌는?")
    assert f"{len(big)}개" in a.answer, a.answer
    assert lowest.program in b.answer and "followup:among_them" in rules(b), b.answer


def test_an_english_that_programme_follow_up_keeps_the_target(assistant, corpus):
    prog = next(r for r in _appendix(corpus) if r.program == "서울 청년활동 보장")
    a, b = talk(assistant, "How big is the budget of the youth allowance (서울 청년활동 보장)?",
                "And what is the projected year-end spending of that programme?")
    assert f"{prog.forecast:,}" in b.answer and "followup:same_target" in rules(b), b.answer


def test_a_word_only_a_sibling_programme_holds_names_that_sibling(assistant, corpus):
    # '동북권 쪽은요?' after a figure of '서울시 NPO지원센터 확대 운영': the one other name holding that word
    app = {r.program: r for r in _appendix(corpus)}
    a, b = talk(assistant, "서울시 NPO지원센터 확대 운영 예산현액 알려줘", "동북권 쪽은요?")
    sib = next(p for p in app if "동북권" in p)
    assert b.route == "budget" and f"{app[sib].budget:,}" in b.answer, b.answer
    # a word many names hold ('운영') names none of them: no sibling is guessed
    c = talk(assistant, "서울시 NPO지원센터 확대 운영 예산현액 알려줘", "운영은?")[1]
    assert not any(m.get("source") == "followup:sibling_by_word"
                   for m in c.data.get("interpretation", {}).get("mentions", [])), c.answer


def test_an_area_asked_with_eolma_is_answered_in_square_metres_not_refused_as_money(assistant):
    a = assistant.ask("혁신파크 연수동 연면적은 얼마나 되나요?", uuid.uuid4().hex)
    assert a.route == "passages" and "㎡" in a.answer, a.answer


def test_a_facility_and_its_programme_are_one_subject_after_a_reference(assistant):
    # the facility's answer leaves both its name and the appendix programme's: '거기' is one subject
    a, b = talk(assistant, "동북권 NPO지원센터 운영은 누가 맡고 있어?", "거기 위탁 기간도 알려줘")
    assert "강북풀뿌리" in a.answer, a.answer
    assert "’20.6" in b.answer and "’19.11" not in b.answer, b.answer


def test_a_fact_of_the_finding_just_discussed_is_its_statement(assistant):
    # a follow-up asking a count of the finding's own things: that finding's statement, the last
    # question as context — not the 76-item count table, not the whole finding
    a, b = talk(assistant, "청년수당 대상자가 줄었다는 지적에 시는 어떻게 답했어?", "그럼 2차 때 접수한 인원은 몇 명이야?")
    assert a.route == "audit" and "A11" in a.answer, a.answer
    assert b.route == "audit" and b.answer.index("6,527명") < b.answer.index("—"), b.answer
    c, d = talk(assistant, "회의록에 서명 안 한 위원회 문제 지적 처리됐어?", "그러면 '18년 3월 조사에서는 그런 위원회가 몇 개였대?")
    assert "A20" in c.answer, c.answer
    assert d.route == "audit" and "36개" in d.answer and "모두 76건" not in d.answer, d.answer


def test_what_will_be_done_after_a_fact_is_the_text_not_a_commitment_figure(assistant):
    # '계약' is a budget word (원인행위), but '계약 끝나면 어떻게 할 예정' asks a plan of the text
    a, b = talk(assistant, "마을공동체 종합지원센터는 누가 위탁받아 운영해?", "계약 기간 끝나면 어떻게 할 예정이야?")
    assert "마을" in a.answer
    assert b.route == "passages" and "재계약" in b.answer, b.answer


def test_those_programmes_summed_is_one_total_over_all_of_them(assistant):
    # after a count of many rows, '그 사업들 … 다 합치면' sums every one of them (not the first two)
    a, b = talk(assistant, "지출률 30% 미만인 사업 몇 개야?", "그 사업들 예산현액 다 합치면 얼마야?")
    df = assistant._ctx.budget_tool.df
    rows = df[(df["source"] == "appendix") & (df["level"] == "program") & (df["spent_rate"] < 30)]
    assert f"{len(rows)}개의 합계" in b.answer and f"{int(rows['budget'].sum()):,}천원" in b.answer, b.answer


def test_another_subject_the_finding_prints_asks_the_same_of_it(assistant):
    # '청년허브는?' after a finding whose text prints 청년허브: the last ask, of that subject, in that finding
    a, b = talk(assistant, "비정규직 많다는 지적에서 서울혁신센터 정규직 비율은 몇 %라고 했어?", "청년허브는?")
    assert a.route == "audit" and "A26" in a.answer, a.answer
    first = b.answer.splitlines()[0]
    assert b.route == "audit" and "청년허브" in first and "100%" in first, b.answer


def test_a_turn_adding_a_noun_no_quoted_statement_holds_is_searched_anew(assistant):
    # '그 사업들 <평가>는 언제?' after the diagnosis statement: its own noun is in none of the quoted ones
    a, b, c = talk(assistant, "갈등 진단은 올해 몇 건 실시했나요?", "그중 3등급은 몇 건?", "그 사업들 실태평가 시기는?")
    assert "followup:within_statements" in rules(b)
    assert "followup:within_statements" not in rules(c) and "실태평가" in c.answer, c.answer


def test_a_turn_naming_nothing_goes_on_from_the_last_question(assistant, corpus):
    # '끝나면 그 뒤엔?' after a contract period: the text about that facility and that period is searched
    a, b, c = talk(assistant, "마을공동체종합지원센터 맡고 있는 곳이 어디야?", "계약 기간은?", "끝나면 그 뒤엔 어떻게 돼?")
    assert "18. 8. 22" in b.answer
    assert c.route == "passages" and "재계약" in c.answer, c.answer



def test_a_turn_naming_only_what_the_quoted_statements_hold_asks_of_them(assistant, corpus):
    from assistant.dialogue import DialogueState
    lines = corpus.lines[corpus.doc("work-report-2018").file]
    no = next(i for i, l in enumerate(lines, 1) if "리모델링" in l and "신" in l)
    state = DialogueState().after(route="passages", question="q",
                                  extra=(("statements", [["work-report-2018", no, no, "s"]]),))
    utt, _ = assistant._read("거긴 리모델링이야?")
    assert assistant._about_quoted(utt, state)
    utt, _ = assistant._read("거기 분위기는 어때?")
    assert not assistant._about_quoted(utt, state)                     # a noun the statements do not hold
    utt, _ = assistant._read("거긴 리모델링이야?")
    bad = DialogueState().after(route="passages", question="q", extra=(("statements", [["nope", "x", 1, "s"]]),))
    assert not assistant._about_quoted(utt, bad)                       # a damaged stored state


def test_a_pick_that_names_the_one_not_meant(assistant):
    # '<A> 말고 …': of the names just offered, the one left once A is taken out
    a, b = talk(assistant, "혁신파크 예산 얼마야?", "조성 쪽 말고요")
    assert a.route == "clarify" and b.route == "budget"
    assert "서울혁신파크 운영" in b.answer.splitlines()[0] and "조성사업" not in b.answer.splitlines()[0], b.answer
    from assistant.followups import not_the_one_named
    offered = ["서울혁신파크 운영", "서울혁신파크 조성사업"]
    assert not_the_one_named(offered, "운영말고", assistant.catalog) == ["서울혁신파크 조성사업"]
    assert not_the_one_named(offered, "운영쪽", assistant.catalog) == []          # no negation
    assert not_the_one_named(offered, "말고", assistant.catalog) == []            # nothing named before it


def test_that_programme_after_a_text_answer_is_the_one_its_section_budgets(assistant):
    # a statement of a programme section, then '그 사업 <measure>': the appendix row that section's table lists
    a, b = talk(assistant, "2018 서울형 공론화 사업 시민 참여단 토론회는 몇 회 열어?", "그 사업 지출액은 얼마야?")
    assert a.route == "passages" and "공론화" in a.answer, a.answer
    sec = next(s for s in assistant.body["section"] if "공론화" in s.split(" > ")[-1])
    rows = assistant.programs_of_section(sec.split(" > ")[-1])
    assert rows and b.route == "budget" and rows[0] in b.answer, (rows, b.answer)
    assert assistant.programs_of_section("") == () and assistant.programs_of_section("없는 제목") == ()


def test_that_programme_after_a_finding_named_by_it(assistant):
    a, b = talk(assistant, "청년프로젝트 투자사업 자부담 비율 낮다는 지적엔 뭐라고 했어?", "그 사업 예산현액 얼마야?")
    assert a.route == "audit" and b.route == "budget" and "청년프로젝트 투자 사업" in b.answer.splitlines()[0], b.answer
