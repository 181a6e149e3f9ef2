"""FastAPI dependencies as `Annotated[..., Depends()]` aliases.

Routes take `assistant: AssistantDep`; tests swap it with
`app.dependency_overrides[get_assistant] = lambda: fake`.
"""
from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from .errors import ApiError


class AssistantLike(Protocol):
    """What the routes use of `assistant.service.Assistant`."""
    settings: Any
    corpus: Any            # index.parser.Corpus
    budget: Any            # pandas.DataFrame (index.tables.budget_frame)
    audit: Any             # pandas.DataFrame (index.tables.audit_frame)
    findings: list         # list[index.records.Finding]
    index: Any             # index.store.HybridIndex | None

    def ask(self, question: str, session_id: str | None = None) -> Any: ...

    def health(self) -> dict: ...


async def get_assistant(request: Request) -> AssistantLike:
    assistant = getattr(request.app.state, "assistant", None)
    if assistant is None:
        raise ApiError(503, "not_ready", "the assistant is not loaded (the app was started without its lifespan)")
    return assistant


AssistantDep = Annotated[AssistantLike, Depends(get_assistant)]


async def get_search_index(assistant: AssistantDep) -> Any:
    index = getattr(assistant, "index", None)
    if index is None:
        raise ApiError(503, "index_unavailable",
                       "the passage index is not loaded. Fix: run `report-assistant index build` and restart")
    return index


SearchIndexDep = Annotated[Any, Depends(get_search_index)]
