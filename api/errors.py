"""Errors as JSON `{"error": {"code", "message"}}`, never a stack trace; the request body limit."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.errors import ReportError

log = logging.getLogger("report_assistant.api")

# ReportError.code → HTTP status
REPORT_STATUS = {"not_found": 404, "index_missing": 503, "index_damaged": 503, "bad_input": 400}
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 408: "request_timeout",
              409: "session_busy", 413: "body_too_large", 415: "unsupported_media_type", 422: "invalid_request",
              429: "too_many_sessions", 500: "internal", 503: "unavailable"}


class ApiError(Exception):
    """An error a route raises on purpose: status, a stable code and a message for the user."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses a route can return."""
    from .models import ErrorResponse
    return {s: {"model": ErrorResponse, "description": HTTP_CODES.get(s, "error")} for s in statuses}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_message(errors: list[dict]) -> str:
    """pydantic errors → one line per problem: `where: what (got value)`."""
    parts = []
    for e in errors[:5]:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
        where = ".".join(loc) or "body"
        msg = e.get("msg", "invalid value")
        kind = e.get("type", "")
        value = e.get("input")
        if kind == "string_too_long" and isinstance(value, str):
            msg += f" (got {len(value):,})"
        elif kind == "extra_forbidden":
            msg = "unknown field; remove it"
        elif kind not in ("missing",) and isinstance(value, (int, float, str, bool)) and value != "":
            msg += f" (got {_shown(value)})"
        parts.append(f"{where}: {msg}")
    if len(errors) > 5:
        parts.append(f"… and {len(errors) - 5} more")
    return "; ".join(parts)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, headers=exc.headers)

    @app.exception_handler(ReportError)
    async def _report_error(request: Request, exc: ReportError):
        return error_response(REPORT_STATUS.get(exc.code, 400), exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            e = next(e for e in errors if e.get("type") == "json_invalid")
            detail = (e.get("ctx") or {}).get("error", "")
            pos = [x for x in e.get("loc", ()) if isinstance(x, int)]
            at = f" at character {pos[0]}" if pos else ""
            return error_response(400, "malformed_json",
                                  f"the request body is not valid JSON{at}: {detail or 'decode error'}. "
                                  'Send e.g. {"question": "집행률이 가장 낮은 사업은?"}')
        return error_response(422, "invalid_request", validation_message(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = HTTP_CODES.get(exc.status_code, "http_error")
        if exc.status_code == 404 and exc.detail in (None, "Not Found"):
            message = f"no route {request.method} {request.url.path}; see /docs"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; see /docs"
        else:
            message = str(exc.detail)
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(500, "internal", "internal error; the server log has the details")


DRAIN_BYTES = 4 * 1024 * 1024     # an oversized body is read (and thrown away) up to this, so the client gets its 413


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` with 413 before the app sees them.

    The refused body is read and discarded up to `drain_bytes` before the 413 is sent (with
    `Connection: close`): a client still sending would otherwise see a reset, not the answer.
    A body without Content-Length (chunked) is read up to the limit and replayed to the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, drain_bytes: int = DRAIN_BYTES):
        self.app = app
        self.max_bytes = max_bytes
        self.drain_bytes = drain_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        if length is not None:
            try:
                n = int(length)
                if n < 0:
                    raise ValueError
            except ValueError:
                await error_response(400, "bad_request", "Content-Length is not a number",
                                     headers={"Connection": "close"})(scope, receive, send)
                return
            if n > self.max_bytes:
                if headers.get(b"expect", b"").lower() != b"100-continue":   # else the client waits, sends nothing
                    await self._drain(receive, 0)
                await self._too_large(n, scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            total += len(chunks[-1])
            if total > self.max_bytes:
                if message.get("more_body", False):
                    await self._drain(receive, total)
                await self._too_large(total, scope, receive, send, at_least=True)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _drain(self, receive: Receive, seen: int) -> None:
        """Read and drop the rest of the body, up to drain_bytes in all (the server's body timeout bounds the time)."""
        while seen <= self.drain_bytes:
            message = await receive()
            if message["type"] != "http.request":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _too_large(self, n: int, scope: Scope, receive: Receive, send: Send, at_least: bool = False) -> None:
        size = f"{'over ' if at_least else ''}{n:,} bytes"
        response = error_response(413, "body_too_large",
                                  f"the request body is {size}; the limit is {self.max_bytes:,} bytes",
                                  headers={"Connection": "close"})
        await response(scope, receive, send)


class InflightLimitMiddleware:
    """At most `limit` requests in progress in this process; more get 503 at once (with Retry-After),
    instead of waiting in a queue. /health is never refused, so a monitor sees a busy server as up."""

    def __init__(self, app: ASGIApp, limit: int, exempt: tuple[str, ...] = ("/health",)):
        if limit < 1:
            raise ValueError("limit must be >= 1")
        self.app = app
        self.limit = limit
        self.exempt = exempt
        self.inflight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.limit:
            await error_response(503, "overloaded",
                                 f"the server is answering {self.inflight} requests (its limit); retry in a second",
                                 headers={"Retry-After": "1"})(scope, receive, send)
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1
