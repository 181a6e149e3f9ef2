"""Counting findings vs asking about one: what is counted decides."""
import pytest

from assistant.service import counts_findings


@pytest.mark.parametrize("q, counts", [
    ("감사 지적사항 몇 건이야?", True),
    ("지적받은 게 총 몇 건이에요?", True),
    ("완료된 거 몇 개야", True),
    ("How many audit findings are still in progress?", True),
    ("How many of the audit findings are completed?", True),
    ("행감 추진중인 건 뭐뭐야", True),
    ("회의록 미서명 위원회 몇 개였어 지적 당시에", False),       # committees are counted, not findings
    ("감사 때 지적된 청년수당 탈락자 몇 명이었어", False),       # people
    ("how many committees had unsigned minutes in the audit", False),
    ("지적받은 거 어떻게 했어", False),                          # no count at all: the finding's content
    ("건의사항 어떤 거 있어?", True),                             # a category alone filters
    ("회의록 서명을 꼭 받으라는 시정요구 결과는?", False),         # a quoted clause names one finding
    ("기부금품 모집을 체계적으로 하자는 건의, 어떻게 처리됐어?", False),
])
def test_counts_findings(assistant, q, counts):
    utt, mentions = assistant._read(q)
    assert counts_findings(utt, mentions) is counts, [(m.kind, m.text) for m in mentions]


def test_a_topic_question_with_an_audit_word_gets_the_finding(assistant):
    a = assistant.ask("위원회 회의록에 서명 안 한 문제로 지적받은 거 지금 어떻게 됐어?").to_dict()
    assert a["route"] == "audit" and "회의록" in a["answer"]
    assert "모두 76건" not in a["answer"]


def test_text_question_the_audit_document_answers(assistant):
    # no audit word, nothing in the report's text: the finding that holds it answers
    a = assistant.ask("민자부지 사업계획 방향 결정은 언제로 잡혀 있어?").to_dict()
    assert a["route"] == "audit" and "민자부지" in a["answer"]


def test_fallback_does_not_answer_what_no_finding_holds(assistant):
    a = assistant.ask("청년 주거비 지원은 누가 신청할 수 있어?").to_dict()
    assert a["route"] != "audit"


def test_a_status_word_alone_counting_another_thing_is_not_an_audit_count(assistant):
    utt, mentions = assistant._read("그 실험 프로젝트는 몇 개 사업으로 진행 중이야?")
    assert counts_findings(utt, mentions, statuses_count=False) is False
    utt, mentions = assistant._read("진행 중인 거 몇 개야?")
    assert counts_findings(utt, mentions, statuses_count=False) is True


def test_findings_ordered_by_the_dates_their_actions_print(assistant):
    import uuid
    from assistant import audit_answer
    items = assistant.audit
    other = items[items["category"].str.startswith("기타")]
    rows, when = audit_answer.by_date(other, "latest")
    assert len(rows) >= 1 and when
    a = assistant.ask("기타 자료제출 요구들 가운데 가장 나중에 낸 자료가 뭐였죠?", uuid.uuid4().hex)
    assert a.route == "audit" and when in a.answer and rows.iloc[0]["id"] in a.answer, a.answer
    assert audit_answer.asks_by_date("제일늦게낸건") == "latest" and audit_answer.asks_by_date("제일늦게끝난건") == ""
    empty, none = audit_answer.by_date(other.iloc[0:0], "earliest")
    assert empty.empty and none == ""


def test_a_status_word_beside_the_finding_as_a_thing_is_an_audit_question(assistant):
    import uuid
    # no audit word, but '건' is the finding: '…로 분류된 건', '<부서> 건 중에'
    a = assistant.ask("추진중으로 분류된 건 몇 개나 돼?", uuid.uuid4().hex)
    assert a.route == "audit" and "추진중" in a.answer, a.answer
    b = assistant.ask("인권담당관 건 중에 완료 안 된 거 있나요?", uuid.uuid4().hex)
    assert b.route == "audit", b.answer
    # a status word counting another thing stays with the text
    c = assistant.ask("리빙랩은 사업 몇 개가 추진 중이야?", uuid.uuid4().hex)
    assert c.route != "audit", c.answer


def test_a_departments_status_summary_counts_its_findings_but_a_topic_stays_a_finding(assistant):
    import uuid
    audit = assistant.audit
    dept = sorted({d for ds in audit["departments"] for d in ds})[0]
    n = sum(1 for ds in audit["departments"] if dept in ds)
    a = assistant.ask(f"{dept} 쪽 지적사항 진행 상황 어때요?", uuid.uuid4().hex)
    assert a.route == "audit" and f"모두 {n}건" in a.answer, a.answer
    b = assistant.ask("민관협력담당관 민간자문관 지적 처리상태는?", uuid.uuid4().hex)
    assert b.route == "audit" and "모두" not in b.answer.split("\n")[0]


def test_a_status_word_counted_among_other_things_is_no_count_of_findings(assistant):
    import uuid
    # the count is taken among the projects named before '중에', not among the audit findings
    a = assistant.ask("경보 발령대상 사업 중에서 종료된 건 몇 건이에요?", uuid.uuid4().hex)
    assert a.route != "audit" and "감사 지적사항" not in a.answer, a.answer
    # findings (or a department's findings) before '중에' are still counted
    b = assistant.ask("지적사항 중에 완료된 건 몇 건?", uuid.uuid4().hex)
    assert b.route == "audit" and "모두 50건" in b.answer, b.answer
    c = assistant.ask("인권담당관 소관 중에 완료된 건 몇 건?", uuid.uuid4().hex)
    assert c.route == "audit" and "모두" in c.answer, c.answer


def test_a_figure_asked_as_the_bureau_put_it_is_the_findings_content_not_a_count(assistant):
    import uuid
    a = assistant.ask("자부담 비율 지적에 대해 청년정책담당관은 평균 몇 %라고 답했나요?", uuid.uuid4().hex)
    assert a.route == "audit" and "11.5%" in a.answer and "모두" not in a.answer.split("\n")[0], a.answer


def test_the_department_of_the_finding_just_discussed_counts_its_findings(assistant):
    import uuid
    audit = assistant.audit
    sid = uuid.uuid4().hex
    first = assistant.ask("청년수당 미집행 지적은 어떻게 처리됐어요?", sid)
    item = next(r for _, r in audit.iterrows() if r["id"] in first.answer)
    dept = item["departments"][0]
    n = sum(1 for _, r in audit.iterrows() if dept in r["departments"] and r["status"] == "완료")
    a = assistant.ask("그 건 담당한 부서 지적 중에 완료된 건 몇 개야?", sid)
    assert f"모두 {n}건" in a.answer and dept in a.answer, a.answer


def test_a_count_of_other_things_after_a_finding_is_that_findings_content(assistant):
    import uuid
    sid = uuid.uuid4().hex
    first = assistant.ask("공구대여소를 늘리지 말라는 지적은 어떻게 됐어?", sid)
    assert first.route == "audit"
    a = assistant.ask("그럼 지금 몇 개소나 돼?", sid)
    assert a.route == "audit" and "491개소" in a.answer and "모두" not in a.answer.split("\n")[0], a.answer


def test_a_place_named_with_its_jurisdiction_after_a_finding_is_no_ask_for_the_findings_department(assistant):
    import uuid
    sid = uuid.uuid4().hex
    assistant.ask("위원회 회의록에 서명 안 한 위원이 많다는 지적 어떻게 됐어?", sid)
    a = assistant.ask("혁신기획관 소관만 따지면?", sid)
    assert a.route == "audit" and "소관입니다" not in a.answer, a.answer
    b = assistant.ask("그 지적 담당 부서 어디야?", sid)
    assert "소관입니다" in b.answer, b.answer


def test_a_figure_of_a_programme_as_the_bureau_answered_it_comes_from_the_finding(assistant):
    # a programme named, no table measure, '…이 얼마라고 했어': what the bureau's answer prints
    import uuid
    a = assistant.ask("청년프로젝트 투자사업에서 프로젝트들 자부담 비율을 평균 몇 %라고 설명했지?", uuid.uuid4().hex)
    assert a.route == "audit" and "11.5%" in a.answer, a.answer
    # a table measure asked the same way stays a table figure
    b = assistant.ask("청년프로젝트 투자사업 지출률이 얼마라고 보고했어?", uuid.uuid4().hex)
    assert b.route == "budget", b.answer


def test_a_rate_of_people_is_no_table_measure(assistant):
    # the tables hold rates of money only: '<기관> 정규직 비율' is read from the text (here a finding's table)
    import uuid
    a = assistant.ask("청년허브 상시 근로자 중 정규직 비율이 얼마나 돼?", uuid.uuid4().hex)
    assert a.route != "budget" and "100%" in a.answer, a.answer
    # a rate of a group the reports never break down is not a budget row either
    b = assistant.ask("청년수당 대상자 중 남성 비율은 몇 퍼센트야?", uuid.uuid4().hex)
    assert b.route == "not_found", b.answer
    # a money measure named before '비율' stays a table figure
    c = assistant.ask("청년허브 지출 비율은?", uuid.uuid4().hex)
    assert c.route == "budget" and "32.4%" in c.answer, c.answer


def test_the_audit_document_named_beside_a_programme_is_read_from_the_finding(assistant):
    import uuid
    a = assistant.ask("청년프로젝트 투자사업 자부담이 평균 몇 퍼센트인지 행감 답변에 적혀 있어?", uuid.uuid4().hex)
    assert a.route == "audit" and "11.5%" in a.answer, a.answer


def test_a_change_between_two_years_is_computed_on_the_figure_named(assistant):
    import uuid
    a = assistant.ask("장기연임 위원 수는 '17년과 '18년 사이 얼마나 감소했어?", uuid.uuid4().hex)
    assert a.route != "not_found" and "11명 줄었습니다" in a.answer, a.answer
    assert "5명 줄었습니다" not in a.answer


def test_a_figure_of_another_year_than_the_statements_is_refused_with_what_is_there(assistant):
    import uuid
    a = assistant.ask("인권침해 상담이 2016년에는 몇 건이었어?", uuid.uuid4().hex)
    assert a.route == "not_found" and "2018" in a.answer, a.answer
    b = assistant.ask("인권침해 상담이 2018년에는 몇 건이었어?", uuid.uuid4().hex)
    assert b.route == "passages" and "154건" in b.answer, b.answer


def test_an_action_of_a_finding_is_found_under_its_subject_without_an_audit_word(assistant):
    # '접수인원 9,158명' names no 청년수당: the finding's requirement is the subject it is said of
    import uuid
    a = assistant.ask("청년수당 1차 모집에 신청이 몇 명 들어왔어?", uuid.uuid4().hex)
    assert "9,158명" in a.answer, a.answer


def test_a_reason_asked_beside_a_budget_word_is_read_from_the_text(assistant):
    import uuid
    a = assistant.ask("협치 사업 예산 집행 잔액이 많았던 원인은 뭐였어?", uuid.uuid4().hex)
    assert a.route != "budget" and "서울연구원" in a.answer, a.answer
    b = assistant.ask("지역협치 활성화 예산 집행률은?", uuid.uuid4().hex)      # no reason asked: the table
    assert b.route == "budget" and "19.9%" in b.answer, b.answer


def test_the_status_asked_of_a_finding_leads_its_answer(assistant):
    import uuid
    a = assistant.ask("위원회 회의록에 서명 안 한 문제 지적, 처리 상황이 어때?", uuid.uuid4().hex)
    assert a.route == "audit" and a.answer.splitlines()[0] == "추진상황: 추진중", a.answer
    b = assistant.ask("위원회 회의록에 서명 안 한 문제 지적에 뭐라고 답했어?", uuid.uuid4().hex)
    assert not b.answer.startswith("추진상황"), b.answer          # the action asked, not the status


def test_findings_of_a_scope_by_the_date_named(assistant):
    import uuid
    a = assistant.ask("자료제출 요구 가운데 11월 13일에 제출한 건 뭐였어?", uuid.uuid4().hex)
    items = assistant._ctx.audit
    want = [r.id for r in items.itertuples() if r.category.startswith("기타") and "11.13" in str(r.action)]
    assert want and all(w in a.answer for w in want) and f"{len(want)}건입니다" in a.answer, a.answer


@pytest.mark.parametrize("q, quoted", [
    ("공구대여소 늘리라고 했던 거 지금 몇 개소야?", True),
    ("회의록 서명 받으라고 한 거 어떻게 됐어?", True),
    ("센터라고 했던 곳 어디야?", False),            # a name, no demand
    ("뭐라고 했던 거야?", False),                   # what was said
    ("예산 늘려 달라고 했어", False),              # no past adnominal: no thing quoted
])
def test_a_demand_quoted_back(assistant, q, quoted):
    from assistant.service import demand_quoted
    utt, _ = assistant._read(q)
    assert demand_quoted(utt) is quoted, [(m.form, m.tag) for m in utt.morphs]


def test_a_demand_quoted_back_finds_its_finding(assistant):
    a = assistant.ask("회의록에 서명을 꼭 받으라고 했던 거 결과가 어떻게 됐지?").to_dict()
    assert a["route"] == "audit" and "slots:quoted_demand" in " ".join(a["data"]["interpretation"]["rules"]), a["answer"][:200]
