"""Frames turn mentions into typed queries; nothing understood is ever dropped silently."""
from assistant.understand.frames import audit_frame, budget_frame
from assistant.understand.normalize import utterance
from assistant.understand.scope import Scope
from assistant.understand.types import (Aggregate, Category, Comparison, Derived, Entity, Exclusion, Mention, Metric,
                                        Order, Quantity, Status)


def M(kind, value, text, at=0):
    return Mention(kind, value, (at, at + len(text)), text)


def frame(text, *mentions):
    return budget_frame(tuple(mentions), utterance(text), total_row="합계", admin_names=("기본경비",))


def test_a_condition_is_applied_not_dropped():
    f = frame("지출률이 절반도 안 되는 사업은 몇 개?", M("metric", Metric("spent_rate"), "지출률"),
              M("comparison", Comparison("<", Quantity(50, "%")), "절반도 안 되는", 5), M("aggregate", Aggregate("count"), "몇 개", 17))
    assert f.query.operation == "count_where"
    assert [(c.metric, c.op, c.value) for c in f.query.conditions] == [("spent_rate", "<", 50)]
    assert not f.leftovers


def test_an_unusable_condition_asks_instead_of_widening():
    f = frame("사업이 3개 이상인 부서 예산", M("comparison", Comparison(">=", Quantity(3, "count")), "3개 이상", 3),
              M("metric", Metric("budget"), "예산", 13))
    assert f.query is None and "3개 이상" in f.clarify_reason


def test_contradictory_conditions_name_both():
    f = frame("50% 미만이면서 90% 이상", M("comparison", Comparison("<", Quantity(50, "%"), "spent_rate"), "50% 미만"),
              M("comparison", Comparison(">=", Quantity(90, "%"), "spent_rate"), "90% 이상", 9))
    assert f.query is None and "50%" in f.clarify_reason and "90%" in f.clarify_reason


def test_a_bare_number_states_its_reading():
    f = frame("집행률 0.5 미만 사업", M("metric", Metric("spent_rate"), "집행률"),
              M("comparison", Comparison("<", Quantity(0.5, "")), "0.5 미만", 4))
    assert f.query.conditions[0].value == 50
    assert any("50%" in a for a in f.assumptions)


def test_order_words_give_ranked_operations():
    assert frame("꼴찌", M("metric", Metric("spent_rate"), "집행률"), M("order", Order("min"), "꼴찌", 4)).query.operation == "argmin"
    f = frame("x", M("metric", Metric("budget"), "예산"), M("order", Order("max", k=3), "상위 3개"))
    assert (f.query.operation, f.query.k) == ("top_k", 3)
    f = frame("x", M("metric", Metric("budget"), "예산"), M("order", Order("min", rank=2), "두 번째로 적은"))
    assert (f.query.operation, f.query.rank, f.query.ascending) == ("rank", 2, True)
    f = frame("담당관별 집행률 순위 전부", M("scope", Scope("department"), "담당관별"),
              M("metric", Metric("spent_rate"), "집행률", 5), M("order", Order("max", all=True), "순위 전부", 9))
    assert (f.query.operation, f.query.level) == ("sort", "department")


def test_a_superlative_without_a_metric_says_which_it_used():
    f = frame("제일 큰 사업", M("order", Order("max"), "제일 큰"))
    assert f.query.metrics == ("budget",) and f.assumptions


def test_difference_of_two_columns_is_one_metric():
    f = frame("예산과 연말 예상 집행액의 격차가 가장 큰 사업", M("metric", Metric("budget"), "예산"),
              M("metric", Metric("forecast"), "연말 예상 집행액", 4), M("derived", Derived("difference", ("budget", "forecast")), "격차", 15),
              M("order", Order("max"), "가장 큰", 19))
    assert f.query.metrics[0] == "budget-forecast" and f.query.operation == "argmax"


def test_exclusion_and_share():
    f = frame("0원인 사업은 빼고 집행률 가장 낮은", M("exclusion", Exclusion(Comparison("==", Quantity(0, "천원"), "spent")), "0원인 사업은 빼고"),
              M("metric", Metric("spent_rate"), "집행률", 11), M("order", Order("min"), "가장 낮은", 15))
    assert [(c.metric, c.op) for c in f.query.exclusions] == [("spent", "==")] and not f.query.conditions
    f = frame("청년 예산이 전체 중 몇 %", M("entity", Entity("청년사업", "program"), "청년"), M("metric", Metric("budget"), "예산", 3),
              M("derived", Derived("share", ("budget",)), "전체 중 몇 %", 7))
    assert f.query.operation == "share" and f.query.names == ("청년사업",)


def test_targets_lookup_compare_sum_and_no_target():
    a, b = M("entity", Entity("가사업", "program"), "가사업"), M("entity", Entity("나사업", "program"), "나사업", 5)
    assert frame("가사업 예산", a, M("metric", Metric("budget"), "예산", 4)).query.operation == "lookup"
    assert frame("가사업 나사업 예산", a, b).query.operation == "compare"
    assert frame("가사업 나사업 합치면", a, b, M("aggregate", Aggregate("sum"), "합치면", 9)).query.operation == "sum"
    f = frame("예산은?", M("metric", Metric("budget"), "예산"))
    assert f.query is None and f.clarify_reason == "no_target"
    f = frame("청년 월세 지원 사업 예산은?", M("unknown_name", None, "청년 월세 지원 사업"), M("metric", Metric("budget"), "예산", 12))
    assert f.query is None and f.not_found == "청년 월세 지원 사업"


def test_a_metric_inside_a_programme_name_is_not_a_metric():
    f = frame("시민참여예산 지원 지출액", M("entity", Entity("시민참여예산 지원", "program"), "시민참여예산 지원"),
              M("metric", Metric("budget"), "예산", 4), M("metric", Metric("spent"), "지출액", 11))
    assert f.query.metrics == ("spent",)


def test_audit_frame_statuses_categories_and_grouping():
    f = audit_frame((M("status", Status("완료", negated=True), "안 끝난"), M("aggregate", Aggregate("count", by="department"), "부서별")),
                    utterance("부서별 안 끝난 건수"), statuses=("완료", "추진중", "검토중"), categories=("시정", "건의", "기타"))
    assert set(f.query.statuses) == {"추진중", "검토중"} and "by:department" in f.rules
    f = audit_frame((M("category", Category("건의", inclusive=True), "건의 자료 요구까지"),), utterance("x"),
                    statuses=("완료",), categories=("시정", "건의", "기타"))
    assert f.query.categories == ("시정", "건의", "기타")


def test_a_count_of_programmes_described_by_a_remainder_counts_those_with_one(assistant, corpus):
    import uuid
    rows = [r for r in corpus.budget if r.source == "appendix" and r.level == "program" and r.department == "청년정책담당관"]
    n = sum(1 for r in rows if r.budget - r.forecast > 0)
    a = assistant.ask("청년정책담당관 사업 가운데 연말까지 못 쓰고 남을 것으로 보이는 사업은 몇 개야?", uuid.uuid4().hex)
    assert a.route == "budget" and f"모두 {n}개" in a.answer, a.answer
    assert "conditions:remainder_above_zero" in a.data["interpretation"]["rules"]


def test_a_subtotal_named_as_the_basis_is_that_row(assistant, corpus):
    import uuid
    row = next(r for r in corpus.budget if r.source == "appendix" and r.program == "사업예산(계)")
    a = assistant.ask("사업예산 기준으로 보면 원인행위액은 얼마야?", uuid.uuid4().hex)
    assert a.route == "budget" and f"{row.committed:,}" in a.answer, a.answer
