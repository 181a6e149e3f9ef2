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
