"""Optional LLM parser: when the deterministic understanding abstains, a model
fills the same pydantic query schemas the LangChain tools use; the tools still
compute every figure.

    parser = LLMParser(chat_model, catalog)
    parsed = parser.parse("…")          # ParsedQuery(kind="budget", query=BudgetQuery(...)) | None

The model is asked through tool calling (`bind_tools`) when it supports it,
else for one JSON object; either way the arguments are validated by pydantic
(`extra="forbid"`), never evaluated. A programme or department the catalog does
not know turns into a clarify with the closest names, never a guess.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from pydantic import ValidationError

from .audit import AuditQuery
from .budget import BudgetQuery, Condition
from .lc import AuditArgs, BudgetArgs

log = logging.getLogger(__name__)
SYSTEM = ("You turn a question about a Korean government report into exactly one tool call: budget_query for "
          "figures of the budget tables (amounts in 천원, rates in %), audit_query for audit findings. Use only "
          "programme and department names from this list, exactly as written: {names}. If the question fits neither, "
          "call no tool.")
_JSON = re.compile(r"\{.*\}", re.S)


@dataclass(frozen=True)
class ParsedQuery:
    kind: str                              # budget | audit | clarify
    query: BudgetQuery | AuditQuery | None = None
    candidates: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()


class LLMParser:
    def __init__(self, model, catalog, *, max_names: int = 120):
        self.model = model
        self.catalog = catalog
        self.names = (list(catalog.programs) + list(catalog.departments))[:max_names]

    def _call(self, question: str):
        from langchain_core.messages import HumanMessage, SystemMessage
        messages = [SystemMessage(SYSTEM.format(names=", ".join(self.names))), HumanMessage(question)]
        try:
            bound = self.model.bind_tools([BudgetArgs, AuditArgs])
        except (NotImplementedError, AttributeError, TypeError):
            bound = self.model
        return bound.invoke(messages)

    def _arguments(self, msg) -> tuple[str, dict] | None:
        for call in getattr(msg, "tool_calls", None) or []:
            name = str(call.get("name", "")).lower()
            kind = "audit" if "audit" in name else "budget" if "budget" in name else ""
            if kind and isinstance(call.get("args"), dict):
                return kind, call["args"]
        text = msg.content if isinstance(getattr(msg, "content", None), str) else ""
        m = _JSON.search(text)
        if not m:
            return None
        try:
            obj = json.loads(m.group(0))
        except ValueError:
            return None
        if not isinstance(obj, dict):
            return None
        kind = str(obj.pop("tool", obj.pop("kind", "budget"))).lower()
        args = obj.get("args", obj) if isinstance(obj.get("args"), dict) else obj
        return ("audit" if "audit" in kind else "budget"), args

    def parse(self, question: str) -> ParsedQuery | None:
        try:
            msg = self._call(question)
        except Exception as e:  # noqa: BLE001 - a model that fails is a model that abstains
            log.warning("LLM parser failed (%s: %s); the deterministic outcome stands", type(e).__name__, e)
            return None
        got = self._arguments(msg)
        if got is None:
            return None
        kind, args = got
        try:
            if kind == "audit":
                a = AuditArgs.model_validate(args)
                unknown = [d for d in a.departments if d not in self.catalog.departments]
                if unknown:
                    return ParsedQuery("clarify", None, tuple(self.catalog.departments), tuple(unknown))
                return ParsedQuery("audit", AuditQuery(a.operation if a.operation != "detail" or a.item_id else "list",
                                                       tuple(a.statuses), tuple(a.categories), tuple(a.departments),
                                                       item_id=a.item_id))
            b = BudgetArgs.model_validate(args)
        except (ValidationError, ValueError) as e:
            log.info("LLM parser arguments rejected: %s", str(e)[:300])
            return None
        unknown = [n for n in b.names if n not in self.catalog.programs and n not in self.catalog.totals
                   and n not in self.catalog.admin] + [d for d in b.departments if d not in self.catalog.departments]
        if unknown:
            close = tuple(dict.fromkeys(c for u in unknown for c in self.catalog.closest(u)))
            return ParsedQuery("clarify", None, close, tuple(unknown))
        try:
            q = BudgetQuery(metrics=tuple(b.metrics), operation=b.operation, k=b.k, rank=b.rank, names=tuple(b.names),
                            departments=tuple(b.departments), level=b.level, source=b.source, citizen=b.citizen,
                            conditions=tuple(Condition(c.metric, c.op, c.value) for c in b.conditions),
                            exclusions=tuple(Condition(c.metric, c.op, c.value) for c in b.exclusions),
                            ascending=b.ascending)
        except Exception as e:  # noqa: BLE001 - ReportError from the query's own checks
            log.info("LLM parser query rejected: %s", e)
            return None
        return ParsedQuery("budget", q)
