"""The answer contract shared by the CLI, the API and the LangChain Runnable.

    {question, answer, route, data, method, citations, confidence, elapsed_ms}
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ROUTES = ("budget", "audit", "validation", "passages", "organization", "clarify", "not_found")


@dataclass(frozen=True)
class Citation:
    doc: str
    section: str
    line_start: int
    line_end: int
    quote: str
    file: str = ""


@dataclass
class Answer:
    question: str
    answer: str
    route: str
    data: dict[str, Any] = field(default_factory=dict)      # {"columns": [...], "rows": [...], ...} or values
    method: str = ""
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    elapsed_ms: float = 0.0
    session_id: str | None = None
    error: dict[str, str] | None = None                     # {"code", "message"} for bad input

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = [asdict(c) for c in self.citations]
        return d
