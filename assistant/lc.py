"""LangChain adapters: the typed tools as StructuredTools, the assistant as a
Runnable, and optional LLM wording that is checked number by number.

    from assistant.lc import as_runnable, make_tools
    chain = as_runnable(assistant)
    chain.invoke({"question": "지출 기준 집행률이 가장 낮은 사업은?"})
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from index.errors import ReportError

from .answer import Answer
from .audit import AuditQuery
from .budget import METRICS, OPERATIONS, BudgetQuery, Condition

MetricName = Literal["budget", "committed", "spent", "forecast", "committed_rate", "spent_rate", "forecast_rate",
                     "unspent", "expected_lapse", "pending"]
OperationName = Literal["lookup", "argmax", "argmin", "top_k", "bottom_k", "rank", "sum", "mean", "count_where",
                        "list_where", "by_department", "compare", "share", "sort"]
assert set(MetricName.__args__) == set(METRICS) and set(OperationName.__args__) == set(OPERATIONS)


class ConditionArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: MetricName
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: float


class BudgetArgs(BaseModel):
    """A budget query over the appendix (별첨1) or the body tables; amounts in 천원, rates in %."""
    model_config = ConfigDict(extra="forbid")
    metrics: list[MetricName] = Field(default_factory=lambda: ["budget"], min_length=1, max_length=9)
    operation: OperationName = "lookup"
    k: int = Field(1, ge=1, le=100)
    rank: int = Field(1, ge=1, le=100)
    names: list[str] = Field(default_factory=list, max_length=50, description="programme names as printed")
    departments: list[str] = Field(default_factory=list, max_length=20)
    level: Literal["program", "department", "admin", "total", "subtotal", "sub-item"] = "program"
    source: Literal["appendix", "body", "overview"] = "appendix"
    citizen: bool | None = None
    conditions: list[ConditionArgs] = Field(default_factory=list, max_length=10)
    exclusions: list[ConditionArgs] = Field(default_factory=list, max_length=10,
                                            description="rows matching any of these are left out")
    ascending: bool = False


class AuditArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operation: Literal["count", "list", "detail"] = "list"
    statuses: list[Literal["완료", "추진중", "검토중", "미반영"]] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)
    item_id: str = ""
    keyword: str = Field("", max_length=500, description="words of the finding; the best match is returned")


class SearchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(..., min_length=1, max_length=1000)
    k: int = Field(5, ge=1, le=50)
    mode: Literal["hybrid", "lexical", "vector"] = "hybrid"


def run_budget(assistant, args: BudgetArgs) -> dict:
    from . import budget_answer
    q = BudgetQuery(metrics=tuple(args.metrics), operation=args.operation, k=args.k, rank=args.rank,
                    names=tuple(args.names), departments=tuple(args.departments), level=args.level,
                    source=args.source, citizen=args.citizen, ascending=args.ascending,
                    conditions=tuple(Condition(c.metric, c.op, c.value) for c in args.conditions),
                    exclusions=tuple(Condition(c.metric, c.op, c.value) for c in args.exclusions))
    res = assistant.budget_tool.run(q)
    return {"answer": budget_answer.render(res, "ko", assistant.body_programs), "method": res.method,
            "data": budget_answer.data_of(res.rows), "value": res.value,
            "citations": [c.__dict__ for c in budget_answer.citations_of(res.rows, assistant.corpus.quote)]}


def run_audit(assistant, args: AuditArgs) -> dict:
    from . import audit_answer
    item = args.item_id
    if args.keyword and not item:
        ranked = assistant.audit_tool.rank(args.keyword)
        item = str(assistant.audit.iloc[ranked[0][0]]["id"]) if ranked and ranked[0][1] > 0 else ""
    q = AuditQuery(args.operation if not item else "detail", tuple(args.statuses), tuple(args.categories),
                   tuple(args.departments), item_id=item)
    res = assistant.audit_tool.run(q)
    return {"answer": audit_answer.render(res, "ko"), "method": res.method, "data": audit_answer.data_of(res),
            "citations": [c.__dict__ for c in audit_answer.citations(res, assistant.corpus.quote)]}


def run_search(assistant, args: SearchArgs) -> list[dict]:
    if assistant.index is None:
        raise ReportError("no search index loaded", fix="run: report-assistant index build", code="index_missing")
    return [h.to_dict() for h in assistant.index.search(args.query, k=args.k, mode=args.mode)]


def make_tools(assistant) -> list:
    """budget_query, audit_query and report_search as LangChain StructuredTools."""
    from langchain_core.tools import StructuredTool
    return [
        StructuredTool.from_function(lambda **kw: run_budget(assistant, BudgetArgs(**kw)), name="budget_query",
                                     description="Exact figures from the budget tables (천원, %): lookups, rankings "
                                                 "with ties, thresholds, sums, means, comparisons. Cites report lines.",
                                     args_schema=BudgetArgs),
        StructuredTool.from_function(lambda **kw: run_audit(assistant, AuditArgs(**kw)), name="audit_query",
                                     description="The 2017 council audit findings: counts by status/category/"
                                                 "department, or one finding with its action and plan.",
                                     args_schema=AuditArgs),
        StructuredTool.from_function(lambda **kw: run_search(assistant, SearchArgs(**kw)), name="report_search",
                                     description="Hybrid (Korean BM25 + vector) search of the report text; "
                                                 "returns passages with line spans.",
                                     args_schema=SearchArgs),
    ]


def as_runnable(assistant):
    """The assistant as a Runnable: invoke({"question": …, "session_id": …}) → the answer contract (dict)."""
    from langchain_core.runnables import RunnableLambda

    def _invoke(inp) -> dict:
        if isinstance(inp, str):
            inp = {"question": inp}
        if not isinstance(inp, dict):
            inp = {"question": inp}
        return assistant.ask(inp.get("question"), session_id=inp.get("session_id")).to_dict()
    return RunnableLambda(_invoke, name="report_assistant")


# -- optional LLM wording ------------------------------------------------------
_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")
PROMPT = ("다음은 보고서에서 계산한 정확한 답입니다. 숫자, 사업명, 부서명은 한 글자도 바꾸지 말고 "
          "자연스러운 한국어 문장으로 다듬어 주세요. 새로운 숫자나 사실을 더하지 마세요.\n\n질문: {question}\n답: {answer}")


def numbers_in(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUM.findall(text)}


class CheckedRephraser:
    """Lets a chat model reword a deterministic answer. The rewording is shown only when every claim
    in it is the result's (assistant.claims.check_rewording: each figure, each name's figure, each
    comparison and superlative, no sentence with nothing from the result); otherwise the
    deterministic answer stays, and data["llm"]["reason"] says why."""

    def __init__(self, chat_model):
        self.model = chat_model

    def __call__(self, ans: Answer) -> Answer:
        from .claims import check_rewording
        if ans.route not in ("budget", "audit", "passages", "validation", "organization") or ans.error:
            return ans
        try:
            msg = self.model.invoke(PROMPT.format(question=ans.question, answer=ans.answer))
            text = getattr(msg, "content", msg)
        except Exception as e:  # the model is optional: its failure never loses the answer
            ans.data = {**ans.data, "llm": {"used": False, "reason": f"{type(e).__name__}"}}
            return ans
        if not isinstance(text, str) or not text.strip():
            return ans
        problems = check_rewording(ans.answer, ans.data, text)
        if problems:
            ans.data = {**ans.data, "llm": {"used": False, "reason": "; ".join(problems[:3])}}
            return ans
        ans.data = {**ans.data, "llm": {"used": True, "deterministic_answer": ans.answer}}
        ans.answer = text.strip()
        return ans


def make_chat_model(spec: str):
    """REPORT_ASSISTANT_LLM: 'openai:MODEL@http://HOST:PORT/v1' or 'ollama:MODEL@http://HOST:11434'."""
    m = re.fullmatch(r"(openai|ollama):([^@]+)@(https?://\S+)", spec.strip())
    if not m:
        raise ReportError("REPORT_ASSISTANT_LLM is not understood", value=spec,
                          fix="use openai:MODEL@http://HOST:PORT/v1 or ollama:MODEL@http://HOST:11434")
    kind, model, url = m.groups()
    try:
        if kind == "openai":
            from langchain_openai import ChatOpenAI
            return ChatOpenAI(model=model, base_url=url, api_key="not-needed", temperature=0, timeout=20)
        from langchain_ollama import ChatOllama
        return ChatOllama(model=model, base_url=url, temperature=0)
    except ImportError:
        raise ReportError(f"the {kind} client is not installed", fix="pip install -e '.[llm]'") from None
