"""Pydantic models at the HTTP boundary: requests forbid unknown fields; responses mirror
the answer contract (`assistant.answer.Answer.to_dict()`) and the tables.

Limits live here so the routes, the page and the tests agree on them.
"""
from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_BODY_BYTES = 64 * 1024          # any request body
MAX_QUESTION_CHARS = 2_000          # POST /ask question
MAX_QUERY_CHARS = 500               # GET /search q, GET /audit q
MAX_K = 50                          # GET /search k
MAX_LINES = 500                     # GET /documents/{doc}/lines: lines per request (before context)
MAX_CONTEXT = 20                    # GET /documents/{doc}/lines: context lines on each side
SESSION_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
# no control characters (tab, newline and CR allowed) and no U+FFFD (text that was not valid UTF-8)
QUESTION_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]*$"
DOC_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"

SearchMode = Literal["hybrid", "lexical", "vector"]
BudgetSource = Literal["appendix", "overview", "body"]
BudgetLevel = Literal["total", "subtotal", "department", "program", "sub-item", "admin"]
AuditStatus = Literal["완료", "추진중", "검토중", "미반영"]
TableFormat = Literal["json", "csv"]


# ---------------------------------------------------------------- requests

class AskRequest(BaseModel):
    """POST /ask body."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": [{"question": "집행률이 가장 낮은 사업은?"}]})

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=QUESTION_PATTERN,
                          description=f"한국어 질문 (1–{MAX_QUESTION_CHARS:,}자, 제어 문자 없이)")
    session_id: str | None = Field(default=None, pattern=SESSION_PATTERN,
                                   description="대화 세션 ID: 같은 ID로 보내면 후속 질문이 앞의 맥락을 씁니다")


# ---------------------------------------------------------------- responses

class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """Every error: {"error": {"code", "message"}}."""
    error: ErrorBody


class CitationOut(BaseModel):
    doc: str
    section: str
    line_start: int
    line_end: int
    quote: str
    file: str = ""


class AnswerOut(BaseModel):
    """The answer contract, as `Answer.to_dict()` produces it."""
    question: str
    answer: str
    route: str
    data: dict[str, Any] = Field(default_factory=dict,
                                 description='표 답변은 {"columns": [...], "rows": [[...], ...]} 등')
    method: str = ""
    citations: list[CitationOut] = Field(default_factory=list)
    confidence: float = 0.0
    elapsed_ms: float = 0.0
    session_id: str | None = None
    error: ErrorBody | None = None


class HitOut(BaseModel):
    chunk_id: str
    doc: str
    kind: str | None = None
    section: str | None = None
    department: str | None = None
    program: str | None = None
    audit_id: str | None = None
    status: str | None = None
    line_start: int
    line_end: int
    text: str
    score: float | None = None
    lexical_rank: int | None = None
    vector_rank: int | None = None


class SearchOut(BaseModel):
    query: str
    k: int
    mode: str
    kind: str | None = None
    department: str | None = None
    status: str | None = None
    doc: str | None = None
    count: int
    hits: list[HitOut]
    reason: str | None = Field(default=None, description="결과가 없을 때 그 이유")
    note: str | None = Field(default=None, description="검색어를 고친 경우 그 내용 (예: 길이 제한)")
    elapsed_ms: float


class TableOut(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    count: int
    filters: dict[str, Any] = Field(default_factory=dict)


class AuditOut(TableOut):
    counts: dict[str, int] = Field(description="상태별 건수 (필터 적용 후)")
    by_category: dict[str, int] = Field(description="구분별 건수 (필터 적용 후)")
    total: int = Field(description="필터 없이 전체 건수")


class FindingOut(BaseModel):
    doc: str
    kind: str
    severity: str
    message: str
    subject: str
    figures: dict[str, Any] = Field(default_factory=dict)
    lines: list[int] = Field(default_factory=list)


class ValidationOut(BaseModel):
    count: int
    by_severity: dict[str, int]
    findings: list[FindingOut]


class DocumentOut(BaseModel):
    id: str
    title: str
    file: str
    kind: str
    as_of: str
    line_start: int
    line_end: int


class DocumentsOut(BaseModel):
    count: int
    documents: list[DocumentOut]


class LineOut(BaseModel):
    no: int
    text: str
    cited: bool


class LinesOut(BaseModel):
    doc: str
    title: str
    file: str
    start: int
    end: int
    context_start: int
    context_end: int
    lines: list[LineOut]


class HealthOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: str = "ok"


# ---------------------------------------------------------------- helpers

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(v: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (= + - @, tab or CR first) gets a leading
    quote; numbers stay numbers (a negative number is not text)."""
    if isinstance(v, str) and v.startswith(_FORMULA):
        return "'" + v
    return v


def plain(value: Any) -> Any:
    """numpy / pandas scalars, NaN and NA → JSON-safe Python values, recursively."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    try:  # numpy / pandas, imported lazily
        import numpy as np
        import pandas as pd
    except ImportError:  # pragma: no cover
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return plain(float(value))
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value

