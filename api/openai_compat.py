"""OpenAI-compatible chat API: `POST /v1/chat/completions`, `GET /v1/models`.

Any OpenAI client (the `openai` SDK, promptfoo, ragas, chat UIs) can ask the assistant:

    client = openai.OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="unused")
    client.chat.completions.create(model="report-assistant", messages=[{"role": "user", "content": "…"}])

The last user message is the question. Earlier user turns rebuild the dialogue state
(`assistant.history.answer_with_history`: the last 20 are replayed in a private session),
so follow-ups need no server-side session and work on any worker. System, assistant
and tool messages are read for their types only. The reply's text carries the
citations as numbered footnotes; the full answer contract rides in the top-level
extra field `report_assistant` (on the last chunk when streaming). Errors use
OpenAI's shape `{"error": {"message", "type", "param", "code"}}`.

    from api.openai_compat import include
    include(app)          # the router and its error shape
"""
from __future__ import annotations

import json
import logging
import math
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Coroutine, Iterator

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response, StreamingResponse

from assistant.footnotes import no_surrogates, with_footnotes
from assistant.history import MAX_REPLAYED_TURNS, answer_with_history, replay_window

from .deps import AssistantDep
from .errors import ApiError, validation_message
from .models import MAX_QUESTION_CHARS, AnswerOut, plain

log = logging.getLogger("report_assistant.api")

MODEL_ID = "report-assistant"
MAX_MESSAGES = 1_000          # messages per request (only the last MAX_REPLAYED_TURNS user turns are replayed)
STREAM_PIECE_CHARS = 24       # a streamed delta carries about this many characters
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
QUESTION_ERRORS = {"bad_input", "empty", "too_long"}      # Answer.error codes that mean a bad question
_STARTED = int(time.time())


# ---------------------------------------------------------------- errors

class OpenAIError(Exception):
    """An error in OpenAI's shape; `status` is the HTTP status."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str = "invalid_request", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return no_surrogates({"error": {"message": self.message, "type": self.type, "param": self.param,
                                        "code": self.code}})

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def _param(loc: tuple | list) -> str | None:
    """pydantic loc ('body', 'messages', 3, 'content') → 'messages[3].content'."""
    out = ""
    for part in loc:
        if part == "body" and not out:
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def from_validation(errors: list[dict]) -> OpenAIError:
    """FastAPI's RequestValidationError → 400 in OpenAI's shape, naming the first bad parameter."""
    first = errors[0] if errors else {}
    kind = first.get("type", "")
    if kind == "json_invalid":
        pos = [x for x in first.get("loc", ()) if isinstance(x, int)]
        detail = (first.get("ctx") or {}).get("error", "decode error")
        at = f" at character {pos[0]}" if pos else ""
        return OpenAIError(400, f"the request body is not valid JSON{at}: {detail}. Send a JSON object like "
                                f'{{"model": "{MODEL_ID}", "messages": [{{"role": "user", "content": "…"}}]}}',
                           code="invalid_json")
    loc = tuple(first.get("loc", ()))
    if loc in (("body",), ()):
        empty = kind == "missing"
        what = "the request body is empty" if empty else "the request body must be a JSON object"
        return OpenAIError(400, f"{what}; send one with `model` and `messages`",
                           code="missing_required_parameter" if empty else "invalid_type")
    code = {"missing": "missing_required_parameter", "extra_forbidden": "unknown_parameter"}.get(kind, "invalid_type")
    message = validation_message(errors)
    if kind == "extra_forbidden":
        message = (f"unrecognized request argument supplied: {_param(loc)}. The parameters OpenAI's chat API "
                   "defines are accepted; see GET /openapi.json")
    return OpenAIError(400, message, param=_param(loc), code=code)


def _translate(exc: Exception) -> OpenAIError:
    if isinstance(exc, OpenAIError):
        return exc
    if isinstance(exc, RequestValidationError):
        return from_validation(list(exc.errors()))
    if isinstance(exc, ApiError):     # e.g. 503 not_ready from the assistant dependency
        return OpenAIError(exc.status, exc.message, type="server_error" if exc.status >= 500 else
                           "invalid_request_error", code=exc.code)
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 400:    # FastAPI could not decode the body (e.g. not UTF-8)
            return OpenAIError(400, f"{exc.detail}: the body must be a UTF-8 encoded JSON object",
                               code="invalid_json")
        return OpenAIError(exc.status_code, str(exc.detail), type="server_error" if exc.status_code >= 500
                           else "invalid_request_error", code=f"http_{exc.status_code}",
                           headers=getattr(exc, "headers", None))
    log.error("internal error in the OpenAI-compatible API", exc_info=exc)
    return OpenAIError(500, "internal error; the server log has the details", type="server_error", code="internal")


class OpenAIRoute(APIRoute):
    """Every error on these routes, from validation to a bug, leaves in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # noqa: BLE001 - each kind is translated; none reaches the client raw
                return _translate(exc).response()
        return wrapped


router = APIRouter(route_class=OpenAIRoute, tags=["openai"])


def include(app: FastAPI) -> None:
    """Add the /v1 routes to `app`. They stay out of /openapi.json: OpenAI's own API reference
    describes them, their errors have OpenAI's shape (not the app's `ErrorResponse`), and some
    of their rules (a user message somewhere, its text non-blank and short enough once its
    parts are joined) have no exact JSON-schema form. docs/clients.md documents them."""
    app.include_router(router, include_in_schema=False)


# ---------------------------------------------------------------- request

class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    include_usage: StrictBool | None = None


class ChatCompletionRequest(BaseModel):
    """The OpenAI chat-completions body. Sampling and tool parameters are accepted and have no
    effect: answers are computed, not sampled, and the assistant calls no client tools."""
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [
        {"model": MODEL_ID, "messages": [{"role": "user", "content": "지출 기준 집행률이 가장 낮은 사업은?"}]}]})

    model: StrictStr = Field(max_length=200, description=f"must be `{MODEL_ID}` (GET /v1/models)")
    messages: list[dict[str, Any]] = Field(max_length=MAX_MESSAGES, description=(
        f"the conversation; the last user message is the question, the last {MAX_REPLAYED_TURNS} earlier "
        "user turns rebuild the context; content is a string or a list of text parts"))
    stream: StrictBool | None = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(None, ge=1, le=1, description="only 1 choice is produced")
    response_format: dict[str, Any] | None = Field(None, description='only {"type": "text"}')
    # accepted, no effect
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    stop: str | list[str] | None = None
    seed: int | None = None
    user: str | None = Field(None, max_length=500)
    logit_bias: dict[str, float] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    functions: list[dict[str, Any]] | None = None
    function_call: str | dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    store: bool | None = None
    service_tier: str | None = None
    reasoning_effort: str | None = None
    verbosity: str | None = None
    modalities: list[str] | None = None
    audio: dict[str, Any] | None = None
    prediction: dict[str, Any] | None = None
    web_search_options: dict[str, Any] | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: str | None = None
    prompt_cache_options: dict[str, Any] | None = None
    moderation: Any = None
    safety_identifier: str | None = None


@dataclass(frozen=True)
class Conversation:
    earlier: tuple[str, ...]    # earlier user turns, oldest first
    question: str               # the last user message
    question_at: int            # its index in `messages`
    prompt_text: str            # every text part, for the token estimate


def _text_of(content: Any, where: str, role: str) -> str:
    """A message's content (a string, a list of text parts, or null) → its text."""
    if content is None:
        if role == "user":
            raise OpenAIError(400, f"{where}: a user message needs content (a string or a list of text parts)",
                              param=where, code="invalid_value")
        return ""
    if isinstance(content, str):
        return no_surrogates(content)
    if not isinstance(content, list):
        raise OpenAIError(400, f"{where}: content must be a string or a list of parts, got "
                               f"{type(content).__name__}", param=where, code="invalid_type")
    texts = []
    for j, part in enumerate(content):
        at = f"{where}[{j}]"
        if not isinstance(part, dict):
            raise OpenAIError(400, f"{at}: a content part must be an object like "
                                   '{"type": "text", "text": "…"}', param=at, code="invalid_type")
        kind = part.get("type")
        if kind == "text" or (kind == "refusal" and role == "assistant"):
            text = part.get(kind)
            if not isinstance(text, str):
                raise OpenAIError(400, f"{at}.{kind}: must be a string", param=f"{at}.{kind}", code="invalid_type")
            texts.append(no_surrogates(text))
            continue
        shown = kind if isinstance(kind, str) and len(kind) <= 40 else type(kind).__name__
        raise OpenAIError(400, f"{at}: content parts of type {shown!r} are not supported; the assistant reads text "
                               'only. Send {"type": "text", "text": "…"} parts or a string',
                          param=at, code="unsupported_content")
    return "\n".join(texts)


def read_messages(messages: list[dict[str, Any]]) -> Conversation:
    """Check every message and split out the question and the earlier user turns."""
    if not messages:
        raise OpenAIError(400, 'messages: must hold at least one message, e.g. [{"role": "user", "content": "…"}]',
                          param="messages", code="empty_array")
    users: list[str] = []
    texts: list[str] = []
    last = -1
    for i, m in enumerate(messages):
        role = m.get("role")
        if role not in ROLES:
            shown = repr(role) if isinstance(role, str) and len(role) <= 40 else type(role).__name__
            raise OpenAIError(400, f"messages[{i}].role: must be one of {', '.join(ROLES)} (got {shown})",
                              param=f"messages[{i}].role", code="invalid_value")
        if role == "user" and "content" not in m:
            raise OpenAIError(400, f"messages[{i}].content: missing", param=f"messages[{i}].content",
                              code="missing_required_parameter")
        text = _text_of(m.get("content"), f"messages[{i}].content", role)
        texts.append(text)
        if role == "user":
            users.append(text)
            last = i
    if not users:
        raise OpenAIError(400, "messages: no user message; the last message with role 'user' is the question",
                          param="messages", code="no_user_message")
    question = users[-1]
    if len(question.strip()) > MAX_QUESTION_CHARS:
        raise OpenAIError(400, f"messages[{last}].content: the question is {len(question.strip()):,} characters; "
                               f"the limit is {MAX_QUESTION_CHARS:,}. Ask a shorter question",
                          param=f"messages[{last}].content", code="too_long")
    return Conversation(earlier=tuple(users[:-1]), question=question, question_at=last,
                        prompt_text="\n".join(texts))


# ---------------------------------------------------------------- response

_TOKEN = re.compile(r"[\uac00-\ud7a3\u3131-\u318e\u4e00-\u9fff]|[A-Za-z0-9]+|[^\sA-Za-z0-9]")


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: one per Hangul or CJK character, one per 4 letters or digits of a
    run, one per other symbol."""
    n = 0
    for tok in _TOKEN.findall(text):
        n += math.ceil(len(tok) / 4) if tok[0].isascii() and tok[0].isalnum() else 1
    return n


def message_text(contract: dict[str, Any]) -> str:
    return with_footnotes(contract, rest="report_assistant.answer.citations")


def pieces(text: str, size: int = STREAM_PIECE_CHARS) -> list[str]:
    """`text` cut at whitespace into pieces of about `size` characters; ''.join gives it back."""
    out, cur = [], ""
    for tok in re.findall(r"\S+\s*|\s+", text):
        cur += tok
        if len(cur) >= size:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatMessageOut(BaseModel):
    role: str
    content: str


class ChoiceOut(BaseModel):
    index: int
    message: ChatMessageOut
    finish_reason: str
    logprobs: None = None


class ExtraOut(BaseModel):
    answer: AnswerOut = Field(description="the answer contract, as POST /ask returns it")
    history: dict[str, int] = Field(description="earlier_user_turns, replayed, dropped (oldest first), max_replayed")


class ChatCompletionOut(BaseModel):
    id: str
    object: str = "chat.completion"
    created: int
    model: str
    choices: list[ChoiceOut]
    usage: Usage
    system_fingerprint: str | None = None
    report_assistant: ExtraOut


class ModelOut(BaseModel):
    id: str
    object: str = "model"
    created: int
    owned_by: str


class ModelListOut(BaseModel):
    object: str = "list"
    data: list[ModelOut]


class OpenAIErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str


class OpenAIErrorOut(BaseModel):
    error: OpenAIErrorBody


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": OpenAIErrorOut} for s in statuses}


def _chunk(cid: str, created: int, delta: dict, finish: str | None, **extra) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def sse_events(cid: str, created: int, text: str, extra: dict, usage: dict, include_usage: bool) -> Iterator[str]:
    """OpenAI's chunk sequence: a role delta, content deltas, a finish chunk (carrying
    `report_assistant`), a usage chunk when asked for, then `data: [DONE]`."""
    none = {"usage": None} if include_usage else {}
    yield _chunk(cid, created, {"role": "assistant", "content": ""}, None, **none)
    for piece in pieces(text):
        yield _chunk(cid, created, {"content": piece}, None, **none)
    yield _chunk(cid, created, {}, "stop", report_assistant=extra, **none)
    if include_usage:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "system_fingerprint": None, "choices": [], "usage": usage}
        yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


# ---------------------------------------------------------------- routes

def _model(created: int) -> dict[str, Any]:
    return {"id": MODEL_ID, "object": "model", "created": created, "owned_by": "report-assistant"}


@router.get("/v1/models", response_model=ModelListOut, summary="OpenAI-compatible: the one model id")
async def list_models() -> Any:
    return {"object": "list", "data": [_model(_STARTED)]}


@router.get("/v1/models/{model}", response_model=ModelOut, responses=_errors(404),
            summary="OpenAI-compatible: one model")
async def get_model(model: str) -> Any:
    if model != MODEL_ID:
        raise OpenAIError(404, f"the model {model[:100]!r} does not exist; the only model is {MODEL_ID!r}",
                          param="model", code="model_not_found")
    return _model(_STARTED)


# each server-sent event (OpenAPI 3.1: `schema` describes one event): data is a chat.completion.chunk, or [DONE]
STREAM_DOC = {200: {"content": {"text/event-stream": {"schema": {
    "type": "object", "required": ["data"], "properties": {"data": {"type": "string"}},
    "description": "stream: true — `data: {chat.completion.chunk JSON}` events, then `data: [DONE]`"}}}}}


@router.post("/v1/chat/completions", response_model=ChatCompletionOut,
             responses={**_errors(400, 404, 500, 503), **STREAM_DOC},
             summary="OpenAI-compatible chat: the last user message is the question; text carries footnotes")
async def chat_completions(body: ChatCompletionRequest, assistant: AssistantDep) -> Any:
    if body.model != MODEL_ID:
        raise OpenAIError(404, f"the model {body.model[:100]!r} does not exist; use {MODEL_ID!r} (GET /v1/models)",
                          param="model", code="model_not_found")
    fmt = (body.response_format or {}).get("type", "text")
    if fmt != "text":
        raise OpenAIError(400, f"response_format {str(fmt)[:40]!r} is not supported; answers are text with "
                               "footnotes, and the structured answer is in `report_assistant`",
                          param="response_format", code="unsupported_parameter")
    convo = read_messages(body.messages)
    window = replay_window(convo.earlier)
    # in the thread pool: a passage question embeds the query
    answer = await run_in_threadpool(answer_with_history, assistant, convo.earlier, convo.question)
    error = answer.error or {}
    if error.get("code") in QUESTION_ERRORS:
        raise OpenAIError(400, f"the last user message cannot be asked: {error.get('message') or error['code']}",
                          param=f"messages[{convo.question_at}].content", code=error["code"])
    if error.get("code") == "internal":
        log.error("assistant internal error for %r: %s", convo.question[:200], error.get("message"))
        raise OpenAIError(500, "internal error; the server log has the details", type="server_error", code="internal")
    contract = plain(answer.to_dict())
    text = message_text(contract)
    prompt, completion = estimate_tokens(convo.prompt_text), estimate_tokens(text)
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    extra = {"answer": contract, "history": window.to_dict()}
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(sse_events(cid, created, text, extra, usage, include_usage),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return JSONResponse({"id": cid, "object": "chat.completion", "created": created, "model": MODEL_ID,
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                      "logprobs": None, "finish_reason": "stop"}],
                         "usage": usage, "system_fingerprint": None, "report_assistant": extra})


KNOWN = ((re.compile(r"/v1/models(/[^/]+)?"), "GET"), (re.compile(r"/v1/chat/completions"), "POST"))


@router.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                  include_in_schema=False)
async def unknown(request: Request, rest: str) -> Any:
    path = request.url.path
    allow = next((method for pattern, method in KNOWN if pattern.fullmatch(path)), None)
    if allow:
        raise OpenAIError(405, f"{request.method} is not allowed on {path[:200]}; use {allow}",
                          code="method_not_allowed", headers={"Allow": allow})
    raise OpenAIError(404, f"no OpenAI-compatible endpoint {request.method} {path[:200]}; this server offers "
                           "GET /v1/models and POST /v1/chat/completions", code="unknown_url")
