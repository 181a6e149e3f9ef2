"""LangChain tools, the Runnable, and checked LLM wording with fake chat models (no network)."""
from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.lc import BudgetArgs, CheckedRephraser, as_runnable, make_chat_model, make_tools
from index.errors import ReportError


def test_runnable_invoke(assistant):
    out = as_runnable(assistant).invoke({"question": "청년수당 예산은 몇 억원이에요?"})
    assert out["route"] == "budget" and "210.1억원" in out["answer"]


def test_structured_tools(assistant):
    tools = {t.name: t for t in make_tools(assistant)}
    assert set(tools) == {"budget_query", "audit_query", "report_search"}
    out = tools["budget_query"].invoke({"metrics": ["spent_rate"], "operation": "argmin"})
    assert len(out["data"]["rows"]) == 6 and "동률 6개" in out["method"]
    out = tools["budget_query"].invoke({"metrics": ["budget"], "operation": "count_where",
                                        "conditions": [{"metric": "budget", "op": ">=", "value": 1_000_000}]})
    assert out["value"]["count"] == 19
    out = tools["audit_query"].invoke({"operation": "count", "statuses": ["완료"]})
    assert out["data"]["counts"]["total"] == 50
    hits = tools["report_search"].invoke({"query": "청년수당 매월 50만원", "k": 3})
    assert hits and {"chunk_id", "line_start", "line_end"} <= set(hits[0])
    with pytest.raises(Exception):
        tools["budget_query"].invoke({"metrics": ["nonsense"]})
    with pytest.raises(Exception):
        BudgetArgs(metrics=["budget"], code="__import__('os')")


def test_llm_wording_kept_when_numbers_match(assistant):
    ans = assistant.ask("청년수당 예산은 몇 억원이에요?")
    ok = "청년수당(서울 청년활동 보장)의 예산현액은 21,010,000천원, 약 210.1억원입니다."
    out = CheckedRephraser(FakeListChatModel(responses=[ok]))(ans)
    assert out.answer == ok and out.data["llm"]["used"]


def test_llm_wording_rejected_on_a_new_number(assistant):
    ans = assistant.ask("청년수당 예산은 몇 억원이에요?")
    original = ans.answer
    out = CheckedRephraser(FakeListChatModel(responses=["예산은 25,000,000천원입니다."]))(ans)
    assert out.answer == original and not out.data["llm"]["used"]


def test_llm_spec_errors():
    with pytest.raises(ReportError, match="not understood"):
        make_chat_model("gpt-4")


# -- the claim check: names, figures, comparisons, unsupported sentences -------------------------

def _two_programmes(corpus):
    """Two appendix programmes with different budgets and spent rates, as a compare answer's data."""
    from assistant.budget_answer import data_of
    from index.tables import budget_frame
    b = budget_frame(corpus)
    progs = b[(b.source == "appendix") & (b.level == "program")].drop_duplicates("budget")
    progs = progs[progs.spent_rate > 0].sort_values("budget")
    pair = progs.iloc[[0, -1]]                                     # the smallest and the largest budget
    data = data_of(pair)
    data["query"] = {"metrics": ["budget", "spent_rate"], "operation": "compare"}
    (a, ab, ar), (b_, bb, br) = [(r.program, int(r.budget), float(r.spent_rate)) for r in pair.itertuples()]
    answer = f"{a}: 예산 {ab:,}천원, 지출률 {ar}%\n{b_}: 예산 {bb:,}천원, 지출률 {br}%"
    return answer, data, (a, ab, ar), (b_, bb, br)


def test_claims_accept_a_faithful_rewording(corpus):
    from assistant.claims import check_rewording
    answer, data, (a, ab, ar), (b, bb, br) = _two_programmes(corpus)
    good = (f"{a}의 예산은 {ab:,}천원이고 지출률은 {ar}%입니다. {b}의 예산은 {bb:,}천원, 지출률은 {br}%입니다. "
            f"{a}의 예산이 {b}보다 더 적습니다. 다음과 같습니다.")
    assert check_rewording(answer, data, good) == []
    both = f"{a}와 {b}의 예산은 각각 {ab:,}천원과 {bb:,}천원입니다."
    assert check_rewording(answer, data, both) == []


def test_claims_reject_swapped_figures(corpus):
    from assistant.claims import check_rewording
    answer, data, (a, ab, ar), (b, bb, br) = _two_programmes(corpus)
    swapped = f"{a}의 예산은 {bb:,}천원이고, {b}의 예산은 {ab:,}천원입니다."
    problems = check_rewording(answer, data, swapped)
    assert any(f"is not {a}'s" in p for p in problems) and any(f"is not {b}'s" in p for p in problems)


def test_claims_reject_a_reversed_comparison(corpus):
    from assistant.claims import check_rewording
    answer, data, (a, ab, ar), (b, bb, br) = _two_programmes(corpus)
    assert ab < bb
    assert any("reversed" in p for p in check_rewording(answer, data, f"{a}의 예산이 {b}보다 더 많습니다."))
    assert any("reversed" in p for p in check_rewording(answer, data, f"{b} has a lower budget than {a}."))
    assert check_rewording(answer, data, f"{b} has a higher budget than {a}.") == []
    assert any("not the highest" in p for p in check_rewording(answer, data, f"예산은 {a}가 가장 많습니다."))
    high, low = (a, b) if ar > br else (b, a)
    assert check_rewording(answer, data, f"지출률은 {high}가 {low}보다 더 높습니다.") == []
    assert any("reversed" in p for p in check_rewording(answer, data, f"지출률은 {low}가 {high}보다 더 높습니다."))


def test_claims_reject_a_sentence_with_nothing_from_the_result(corpus):
    from assistant.claims import check_rewording
    answer, data, (a, ab, ar), (b, bb, br) = _two_programmes(corpus)
    text = f"{a}의 예산은 {ab:,}천원입니다. 이 사업은 시민들에게 큰 호응을 얻어 내년에도 계속됩니다."
    problems = check_rewording(answer, data, text)
    assert len(problems) == 1 and "nothing from the result" in problems[0]
    assert check_rewording(answer, data, f"{a}의 예산은 {ab + 1:,}천원입니다.")   # a figure not in the result


@pytest.mark.parametrize("kind", ["swap", "reverse", "unsupported", "good"])
def test_rephraser_on_a_real_compare_answer(assistant, kind):
    ans = assistant.ask("청년정책담당관이랑 인권담당관 예산 비교해 주세요")
    assert ans.route == "budget" and len(ans.data["rows"]) >= 2
    cols = ans.data["columns"]
    rows = [dict(zip(cols, r)) for r in ans.data["rows"]][:2]
    (a, av), (b, bv) = [(r["program"], r["budget"]) for r in rows]
    assert av != bv
    text = {
        "swap": f"{a}의 예산은 {bv:,}천원, {b}의 예산은 {av:,}천원입니다.",
        "reverse": f"{a}의 예산이 {b}보다 더 {'적' if av > bv else '많'}습니다.",
        "unsupported": f"{a}의 예산은 {av:,}천원입니다. 두 부서 모두 예산을 성실하게 집행했습니다.",
        "good": f"{a}의 예산은 {av:,}천원이고, {b}의 예산은 {bv:,}천원입니다.",
    }[kind]
    original = ans.answer
    out = CheckedRephraser(FakeListChatModel(responses=[text]))(ans)
    if kind == "good":
        assert out.answer == text and out.data["llm"]["used"]
    else:
        assert out.answer == original and not out.data["llm"]["used"] and out.data["llm"]["reason"]
