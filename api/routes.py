"""Routes: each translates HTTP to one assistant call or one table filter, and back.

No figure is computed here: tables come from `index.tables`, answers from `Assistant.ask`.
"""
from __future__ import annotations

import csv
import functools
import inspect
import io
import json
import logging
import re
import time
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from index.errors import ReportError

from .deps import AssistantDep, SearchIndexDep
from .errors import ApiError, error_responses
from .models import (DOC_ID_PATTERN, MAX_CONTEXT, MAX_K, MAX_LINES, MAX_QUERY_CHARS, AnswerOut, AskRequest,
                     AuditOut, AuditStatus, BudgetLevel, BudgetSource, DocumentOut, DocumentsOut, HealthOut,
                     LinesOut, SearchMode, SearchOut, TableFormat, TableOut, ValidationOut, csv_cell, plain)

router = APIRouter()
log = logging.getLogger("report_assistant.api")

# Answer.error codes that mean the request was bad (422); any other error code is part of a 200 answer
QUESTION_ERRORS = {"bad_input", "empty", "too_long"}
# session store refusals → (HTTP status, Retry-After seconds)
SESSION_ERRORS = {"too_many_sessions": (429, "60"), "session_busy": (409, "1")}


@functools.lru_cache(maxsize=32)
def _takes_client_type(cls) -> bool:
    try:
        return "client" in inspect.signature(cls.ask).parameters
    except (TypeError, ValueError):
        return False


def _takes_client(assistant) -> bool:
    """Whether assistant.ask accepts `client=` (the per-client cap on new sessions needs the caller's address)."""
    return _takes_client_type(type(assistant))

Text = Annotated[str | None, Query(max_length=200)]


# ---------------------------------------------------------------- ask and search

@router.post("/ask", response_model=AnswerOut, tags=["ask"],
             responses=error_responses(400, 409, 413, 422, 429, 500, 503),
             summary="질문에 답합니다 (표 답변은 data.columns/rows, 근거는 citations)")
async def ask(body: AskRequest, assistant: AssistantDep, request: Request) -> Any:
    # in the thread pool: a passage question embeds the query, and must not stall the event loop
    extra = {"client": request.client.host if request.client else ""} if _takes_client(assistant) else {}
    answer = await run_in_threadpool(assistant.ask, body.question, session_id=body.session_id, **extra)
    error = answer.error or {}
    code = error.get("code")
    if code in QUESTION_ERRORS:       # the question itself is unusable (e.g. control characters)
        raise ApiError(422, code, error.get("message") or "the question cannot be used")
    if code in SESSION_ERRORS:        # the session store refused the turn
        status, retry = SESSION_ERRORS[code]
        raise ApiError(status, code, error.get("message") or code, headers={"Retry-After": retry})
    if code == "internal":            # a bug: log the details, never send them
        log.error("assistant internal error for %r: %s", body.question[:200], error.get("message"))
        raise ApiError(500, "internal", "internal error; the server log has the details")
    return plain(answer.to_dict())


@router.get("/search", response_model=SearchOut, tags=["ask"], responses=error_responses(422, 503),
            summary="보고서 구절 검색 (hybrid = 형태소 BM25 + 벡터)")
async def search(
    index: SearchIndexDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="검색어")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description=f"결과 수 (1–{MAX_K})")] = 5,
    mode: SearchMode = "hybrid",
    kind: Annotated[str | None, Query(max_length=40, description="조각 종류 (예: audit_item)")] = None,
    department: Text = None,
    status: Annotated[str | None, Query(max_length=20, description="감사 처리 상태 (완료, 추진중 …)")] = None,
    doc: Annotated[str | None, Query(max_length=100, description="문서 ID")] = None,
) -> Any:
    q = q.strip()
    if not q:
        raise ApiError(422, "invalid_request", "q: must not be blank")
    t0 = time.perf_counter()
    try:
        # in the thread pool: the vector side embeds the query
        hits = await run_in_threadpool(index.search, q, k=k, mode=mode, kind=kind or None,
                                       department=department or None, status=status or None, doc=doc or None)
    except ReportError as e:   # an unknown filter value: the message lists the valid ones
        raise ApiError(422, "unknown_value", str(e)) from None
    out = [plain(h.to_dict()) for h in hits]
    return {"query": q, "k": k, "mode": mode, "kind": kind, "department": department, "status": status,
            "doc": doc, "count": len(out), "hits": out, "reason": getattr(hits, "reason", "") or None,
            "note": getattr(hits, "note", "") or None,
            "elapsed_ms": round((time.perf_counter() - t0) * 1000, 2)}


# ---------------------------------------------------------------- tables

def _frame_out(df, filters: dict, fmt: str, name: str, extra: dict | None = None) -> Any:
    split = df.to_dict(orient="split")
    columns = [str(c) for c in split["columns"]]
    rows = [plain(r) for r in split["data"]]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([csv_cell(json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else
                                 ("" if v is None else v)) for v in r])
        # BOM so spreadsheet programs read the Korean text as UTF-8
        return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return {"columns": columns, "rows": rows, "count": len(rows),
            "filters": {k: v for k, v in filters.items() if v is not None}, **(extra or {})}


def _known(values, name: str, value: str, fix: str = "") -> None:
    known = sorted({str(v) for v in values if v})
    if value not in known:
        raise ApiError(422, "unknown_value", f"{name}: unknown value {value!r}; use one of: {', '.join(known)}{fix}")


def _sort(df, sort: str | None):
    if not sort:
        return df
    column, descending = (sort[1:], True) if sort.startswith("-") else (sort, False)
    if column not in df.columns:
        raise ApiError(422, "unknown_value",
                       f"sort: unknown column {column!r}; use one of: {', '.join(map(str, df.columns))} "
                       "(prefix '-' for descending)")
    return df.sort_values(column, ascending=not descending, na_position="last", kind="stable")


@router.get("/budget", response_model=TableOut, tags=["tables"], responses=error_responses(422),
            summary="예산 표 (천원; 비율은 금액으로 다시 계산한 %)")
async def budget(
    assistant: AssistantDep,
    department: Text = None,
    level: BudgetLevel | None = None,
    source: BudgetSource | None = Query(None, description="appendix = 별첨1 세부사업별 예산현황 (정본)"),
    citizen: bool | None = Query(None, description="시민참여 사업만 (true) / 제외 (false)"),
    sort: Annotated[str | None, Query(max_length=40, description="열 이름, 내림차순은 '-' 접두 (예: -spent_rate)")] = None,
    format: TableFormat = "json",
) -> Any:
    df = assistant.budget
    if department:
        _known(df["department"], "department", department)
        df = df[df["department"] == department]
    if level:
        df = df[df["level"] == level]
    if source:
        df = df[df["source"] == source]
    if citizen is not None:
        df = df[df["citizen"] == citizen]
    df = _sort(df, sort)
    filters = {"department": department, "level": level, "source": source, "citizen": citizen, "sort": sort}
    return _frame_out(df, filters, format, "budget")


@router.get("/audit", response_model=AuditOut, tags=["tables"], responses=error_responses(422),
            summary="행정사무감사 처리결과 (지적사항별 상태)")
async def audit(
    assistant: AssistantDep,
    status: AuditStatus | None = None,
    category: Text = None,
    department: Text = None,
    q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS, description="요구사항·조치·계획에서 찾을 글자")] = None,
    format: TableFormat = "json",
) -> Any:
    df = assistant.audit
    total = len(df)
    if category:
        _known(df["category"], "category", category)
        df = df[df["category"] == category]
    if department:
        _known({d for ds in assistant.audit["departments"] for d in ds}, "department", department)
        df = df[df["departments"].map(lambda ds: department in ds)]
    if q and q.strip():
        needle = q.strip()
        text = df["requirement"].fillna("") + "\n" + df["action"].fillna("") + "\n" + df["plan"].fillna("")
        df = df[text.str.contains(needle, regex=False)]
    by_category = dict(Counter(df["category"]))
    if status:
        df = df[df["status"] == status]
    counts = {s: 0 for s in ("완료", "추진중", "검토중", "미반영")}
    counts.update(Counter(df["status"]))
    filters = {"status": status, "category": category, "department": department, "q": q}
    return _frame_out(df, filters, format, "audit",
                      {"counts": counts, "by_category": by_category, "total": total})


@router.get("/facts", response_model=TableOut, tags=["tables"], responses=error_responses(422),
            summary="라벨–값 사실 (위치·수탁기관·위탁기간·지원규모 …, 줄 번호)")
async def facts(
    assistant: AssistantDep,
    program: Text = None,
    label: Annotated[str | None, Query(max_length=40, description="라벨 (예: 수탁기관, 위 치) 또는 키 (operator, place, period …)")] = None,
    format: TableFormat = "json",
) -> Any:
    from index.facts import facts_frame, select
    all_facts = getattr(assistant.corpus, "facts", [])
    if program and program.strip():
        _known({f.program for f in all_facts} | {f.subject for f in all_facts}, "program", program.strip())
    chosen = select(all_facts, program=(program or "").strip() or None, label=(label or "").strip() or None)
    df = facts_frame(type("C", (), {"facts": chosen})())
    return _frame_out(df, {"program": program, "label": label}, format, "facts")


@router.get("/validation", response_model=ValidationOut, tags=["tables"],
            summary="보고서 안에서 서로 맞지 않는 곳 (별첨 vs 본문, 인쇄된 비율 vs 재계산 등)")
async def validation(assistant: AssistantDep, severity: Annotated[str | None, Query(max_length=20)] = None) -> Any:
    findings = [plain(f.to_dict()) for f in assistant.findings]
    if severity:
        _known({f["severity"] for f in findings}, "severity", severity)
        findings = [f for f in findings if f["severity"] == severity]
    return {"count": len(findings), "by_severity": dict(Counter(f["severity"] for f in findings)),
            "findings": findings}


# ---------------------------------------------------------------- documents

@router.get("/documents", response_model=DocumentsOut, tags=["documents"], summary="문서 목록")
async def documents(assistant: AssistantDep) -> Any:
    docs = [{"id": d.id, "title": d.title, "file": d.file, "kind": d.kind, "as_of": d.as_of,
             "line_start": d.line_start, "line_end": d.line_end} for d in assistant.corpus.documents]
    return {"count": len(docs), "documents": docs}


def _document(assistant, doc: str):
    if not re.fullmatch(DOC_ID_PATTERN, doc):
        raise ApiError(404, "not_found",
                       f"{doc!r} is not a document id (letters, digits, '.', '_' and '-' only); see GET /documents")
    for d in assistant.corpus.documents:
        if d.id == doc:
            return d
    known = ", ".join(d.id for d in assistant.corpus.documents)
    raise ApiError(404, "not_found", f"unknown document {doc!r}; use one of: {known} (GET /documents)")


@router.get("/documents/{doc}", response_model=DocumentOut, tags=["documents"], responses=error_responses(404),
            summary="문서 한 건의 정보 (줄 범위 포함)")
async def document(assistant: AssistantDep, doc: Annotated[str, Path(max_length=100)]) -> Any:
    d = _document(assistant, doc)
    return {"id": d.id, "title": d.title, "file": d.file, "kind": d.kind, "as_of": d.as_of,
            "line_start": d.line_start, "line_end": d.line_end}


@router.get("/documents/{doc}/lines", response_model=LinesOut, tags=["documents"],
            responses=error_responses(404, 422),
            summary="문서의 줄 (인용 확인용): start–end, 앞뒤 context 줄 포함")
async def document_lines(
    assistant: AssistantDep,
    doc: Annotated[str, Path(max_length=100, description="문서 ID (GET /documents)")],
    start: Annotated[int, Query(ge=1, le=10_000_000, description="첫 줄 (파일 기준 1부터)")],
    end: Annotated[int | None, Query(ge=1, le=10_000_000, description="끝 줄 (기본: start)")] = None,
    context: Annotated[int, Query(ge=0, le=MAX_CONTEXT, description=f"앞뒤로 더 보일 줄 수 (0–{MAX_CONTEXT})")] = 0,
) -> Any:
    d = _document(assistant, doc)
    end = start if end is None else end
    if end < start:
        raise ApiError(422, "bad_range", f"end ({end}) is before start ({start}); swap them")
    if start < d.line_start or end > d.line_end:
        raise ApiError(422, "out_of_range",
                       f"lines {start}–{end} are outside {d.id}, which spans lines {d.line_start}–{d.line_end}")
    if end - start + 1 > MAX_LINES:
        raise ApiError(422, "range_too_long",
                       f"{end - start + 1:,} lines requested; the limit is {MAX_LINES} per request")
    lines = assistant.corpus.lines[d.file]
    c0, c1 = max(d.line_start, start - context), min(d.line_end, end + context)
    out = [{"no": no, "text": lines[no - 1], "cited": start <= no <= end} for no in range(c0, c1 + 1)]
    return {"doc": d.id, "title": d.title, "file": d.file, "start": start, "end": end,
            "context_start": c0, "context_end": c1, "lines": out}


# ---------------------------------------------------------------- health

@router.get("/health", response_model=HealthOut, tags=["health"], summary="색인 해시, 모델, 건수")
async def health(assistant: AssistantDep) -> Any:
    return {"status": "ok", **plain(assistant.health())}
