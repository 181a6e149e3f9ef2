"""The answer contract shared by the CLI, the API and the LangChain Runnable.

    {question, answer, route, data, method, citations, confidence, elapsed_ms}
"""
from __future__ import annotations

from dataclasses import dataclass, field
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
        """Plain JSON-ready dict (built directly: dataclasses.asdict deep-copies every row)."""
        return {"question": self.question, "answer": self.answer, "route": self.route, "data": self.data,
                "method": self.method,
                "citations": [{"doc": c.doc, "section": c.section, "line_start": c.line_start, "line_end": c.line_end,
                               "quote": c.quote, "file": c.file} for c in self.citations],
                "confidence": self.confidence, "elapsed_ms": self.elapsed_ms, "session_id": self.session_id,
                "error": self.error}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Answer":
        fields = dict(d)
        fields["citations"] = [Citation(**c) for c in d.get("citations", [])]
        return cls(**fields)
