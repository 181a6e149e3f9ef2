"""The optional LLM parser fills the tools' schemas; the tools compute; unknown names are asked about."""
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.entities import Catalog
from assistant.llm_parse import LLMParser


@pytest.fixture(scope="module")
def catalog(corpus):
    from index.tables import budget_frame
    return Catalog.from_frame(budget_frame(corpus), {})


def model(*messages):
    return GenericFakeChatModel(messages=iter(list(messages)))


def test_tool_call_becomes_a_budget_query(catalog):
    name = catalog.programs[3]
    msg = AIMessage(content="", tool_calls=[{"name": "BudgetArgs", "id": "1", "args": {
        "metrics": ["spent_rate"], "operation": "lookup", "names": [name]}}])
    parsed = LLMParser(model(msg), catalog).parse("그거 얼마나 썼대")
    assert parsed.kind == "budget" and parsed.query.names == (name,) and parsed.query.metrics == ("spent_rate",)


def test_json_content_is_parsed_never_evaluated(catalog):
    msg = AIMessage(content='{"tool": "audit_query", "operation": "count", "statuses": ["완료"]}')
    parsed = LLMParser(model(msg), catalog).parse("끝난 거 몇 개")
    assert parsed.kind == "audit" and parsed.query.statuses == ("완료",)
    bad = AIMessage(content='__import__("os").system("echo hi")')
    assert LLMParser(model(bad), catalog).parse("x") is None


def test_names_outside_the_catalog_go_to_clarify(catalog):
    msg = AIMessage(content="", tool_calls=[{"name": "budget_query", "id": "1", "args": {
        "metrics": ["budget"], "names": ["화성 탐사 지원사업"]}}])
    parsed = LLMParser(model(msg), catalog).parse("화성 탐사 예산")
    assert parsed.kind == "clarify" and parsed.unknown == ("화성 탐사 지원사업",) and parsed.candidates


@pytest.mark.parametrize("args", [{"metrics": ["profit"]}, {"operation": "drop_table"}, {"k": 10_000},
                                  {"metrics": ["budget"], "extra_field": 1}])
def test_arguments_that_fail_the_schema_are_rejected(catalog, args):
    msg = AIMessage(content="", tool_calls=[{"name": "budget_query", "id": "1", "args": args}])
    assert LLMParser(model(msg), catalog).parse("x") is None


def test_a_failing_model_abstains(catalog):
    class Broken(GenericFakeChatModel):
        def _generate(self, *a, **k):
            raise RuntimeError("server down")
    assert LLMParser(Broken(messages=iter([])), catalog).parse("x") is None
