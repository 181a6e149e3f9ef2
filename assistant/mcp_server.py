"""The assistant as a Model Context Protocol server (stdio), for agent desktops and MCP hosts.

    report-assistant mcp          # cli/mcpcmd.py: loads the assistant, then serve_stdio(assistant)

Tools (the budget/audit/search schemas are the LangChain tools' pydantic models, `assistant.lc`):
    ask             question, optional session_id (kept in this process) or history (earlier user
                    questions, replayed like the OpenAI-compatible API does)
    budget_query    exact figures from the budget tables
    audit_query     the audit findings
    report_search   passages with line spans
Resources:
    report://documents                   the documents and their line spans (JSON)
    report://DOC/lines/START-END         report lines, at most MAX_RESOURCE_LINES per read

Arguments that fail a schema, unknown tools and failing tools come back as tool results with
`isError: true`; a bad resource URI is a JSON-RPC error. Nothing is written to stdout but
protocol messages (`protocol_stdout`); logs go to stderr.
"""
from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Callable, Iterator

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.errors import ReportError

from .footnotes import jsonable, no_surrogates, with_footnotes
from .history import MAX_REPLAYED_TURNS, answer_with_history

log = logging.getLogger("report_assistant.mcp")

SERVER_NAME = "report-assistant"
MAX_RESOURCE_LINES = 500
MAX_HISTORY = 100
MAX_QUESTION_CHARS = 2_000          # as assistant.service.MAX_QUESTION_CHARS
SESSION_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"     # as api.models.SESSION_PATTERN
RESOURCE_NOT_FOUND = -32002         # the MCP specification's code for an unknown resource
DOCUMENTS_URI = "report://documents"
LINES_TEMPLATE = "report://{doc}/lines/{start}-{end}"
_LINES_URI = re.compile(r"report://(?P<doc>[^/?#]{1,100})/lines/(?P<start>\d{1,9})(?:-(?P<end>\d{1,9}))?")
QUESTION_ERRORS = {"bad_input", "empty", "too_long"}
INSTRUCTIONS = ("Answers questions about the reports in this corpus with exact figures and cited report lines. "
                "Use `ask` for questions in Korean or English; `budget_query` and `audit_query` for typed "
                "queries over the parsed tables; `report_search` for passages. Read cited lines with the "
                "resource report://DOC/lines/START-END (documents: report://documents).")
ASK_DESCRIPTION = ("Ask the report assistant a question (Korean or English). Returns the answer with numbered "
                   "footnotes citing report lines; the structured result has the full answer contract. "
                   "For follow-ups pass the same session_id, or pass the earlier user questions as history "
                   f"(the last {MAX_REPLAYED_TURNS} are replayed).")


class AskArgs(BaseModel):
    """The `ask` tool's arguments."""
    model_config = ConfigDict(extra="forbid")
    question: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS)
    session_id: str | None = Field(None, pattern=SESSION_PATTERN,
                                   description="follow-ups with the same id use the earlier turns (kept in memory "
                                               "by this server process)")
    history: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] = Field(
        default_factory=list, max_length=MAX_HISTORY,
        description=f"earlier user questions, oldest first, instead of session_id (the last {MAX_REPLAYED_TURNS} "
                    "are replayed)")


class ToolFailure(Exception):
    """A tool call that cannot be answered: the text goes back as an MCP tool error."""


def _problems(e: ValidationError) -> str:
    parts = []
    for err in e.errors()[:5]:
        where = ".".join(str(x) for x in err.get("loc", ())) or "arguments"
        msg = "unknown argument; remove it" if err.get("type") == "extra_forbidden" else err.get("msg", "invalid")
        value = err.get("input")
        if err.get("type") not in ("missing", "extra_forbidden") and isinstance(value, (int, float, str, bool)):
            shown = repr(value)
            msg += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
        parts.append(f"{where}: {msg}")
    more = len(e.errors()) - 5
    return "; ".join(parts) + (f"; … and {more} more" if more > 0 else "")


# ---------------------------------------------------------------- tools (synchronous: run in a worker thread)

def _ask(assistant, args: AskArgs) -> tuple[str, dict]:
    if args.history and args.session_id:
        raise ToolFailure("give either session_id (this server keeps the dialogue) or history (the earlier "
                          "questions, replayed), not both")
    if args.history:
        answer = answer_with_history(assistant, args.history, args.question)
    else:
        answer = assistant.ask(args.question, session_id=args.session_id)
    error = answer.error or {}
    if error.get("code") in QUESTION_ERRORS:
        raise ToolFailure(f"the question cannot be asked: {error.get('message') or error['code']}")
    if error.get("code") == "internal":
        log.error("assistant internal error for %r: %s", args.question[:200], error.get("message"))
        raise ToolFailure("internal error; the server's stderr log has the details")
    contract = jsonable(answer.to_dict())
    return with_footnotes(contract, rest="the structured result's citations"), contract


def _typed(run: Callable[[Any, Any], Any], wrap: str | None = None) -> Callable[[Any, BaseModel], tuple[str, dict]]:
    def call(assistant, args: BaseModel) -> tuple[str, dict]:
        result = jsonable(run(assistant, args))
        if wrap:
            structured = {wrap: result, "count": len(result)}
        else:
            structured = result if isinstance(result, dict) else {"result": result}
        return json.dumps(structured, ensure_ascii=False), structured
    return call


def _lc_tool(name: str) -> Callable[[Any, Any], Any]:
    """A LangChain tool this module has no runner for: call its own function."""
    def run(assistant, args: BaseModel) -> Any:
        from .lc import make_tools
        tool = next(t for t in make_tools(assistant) if t.name == name)
        return tool.func(**args.model_dump())
    return run


@dataclass(frozen=True)
class ToolSpec:
    description: str
    model: type[BaseModel]
    run: Callable[[Any, BaseModel], tuple[str, dict]]
    schema: dict[str, Any]          # the model's JSON schema, the MCP inputSchema


def tool_specs() -> dict[str, ToolSpec]:
    """name → ToolSpec. The typed tools have the LangChain tools' own names, descriptions and
    pydantic schemas (`make_tools(None)`: the assistant is only captured by the tools'
    functions, which are not called here). Built before the index loads: see `preload`."""
    from .lc import make_tools, run_audit, run_budget, run_search
    runners = {"budget_query": _typed(run_budget), "audit_query": _typed(run_audit),
               "report_search": _typed(run_search, wrap="hits")}
    specs = {"ask": ToolSpec(ASK_DESCRIPTION, AskArgs, _ask, AskArgs.model_json_schema())}
    for tool in make_tools(None):
        run = runners.get(tool.name) or _typed(_lc_tool(tool.name))
        specs[tool.name] = ToolSpec(tool.description, tool.args_schema, run, tool.args_schema.model_json_schema())
    return specs


def call_tool(assistant, specs: dict[str, ToolSpec], name: str, arguments: dict | None) -> tuple[bool, str, dict | None]:
    """(is_error, text, structured) for one tool call; never raises."""
    if name not in specs:
        return True, f"unknown tool {name[:100]!r}; the tools are: {', '.join(specs)}", None
    spec = specs[name]
    try:
        args = spec.model.model_validate(no_surrogates(arguments or {}))
    except ValidationError as e:
        return True, f"invalid arguments for {name}: {_problems(e)}", None
    try:
        text, structured = spec.run(assistant, args)
    except (ToolFailure, ReportError) as e:
        return True, str(e), None
    except Exception:  # a bug: logged with its traceback on stderr, never sent
        log.exception("tool %s failed", name)
        return True, "internal error; the server's stderr log has the details", None
    return False, text, structured


# ---------------------------------------------------------------- resources

def documents(assistant) -> list[dict[str, Any]]:
    return [{"id": d.id, "title": d.title, "file": d.file, "kind": d.kind, "as_of": d.as_of,
             "line_start": d.line_start, "line_end": d.line_end,
             "uri": LINES_TEMPLATE.format(doc=d.id, start=d.line_start,
                                          end=min(d.line_end, d.line_start + MAX_RESOURCE_LINES - 1))}
            for d in assistant.corpus.documents]


class ResourceFailure(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def read_lines(assistant, uri: str) -> str:
    """`report://DOC/lines/START-END` → those lines, one per row as 'NUMBER<TAB>TEXT'."""
    uri = no_surrogates(str(uri))
    m = _LINES_URI.fullmatch(uri)
    shown = uri if len(uri) <= 120 else uri[:117] + "..."
    if not m:
        raise ResourceFailure(RESOURCE_NOT_FOUND, f"unknown resource {shown!r}; use {DOCUMENTS_URI} or "
                                                  f"{LINES_TEMPLATE}")
    docs = assistant.corpus.documents
    by_id = {d.id: d for d in docs}
    # a URL host may come back lower-cased: accept a document id that differs only in case
    doc = by_id.get(m["doc"]) or next((d for d in docs if d.id.lower() == m["doc"].lower()), None)
    if doc is None:
        raise ResourceFailure(RESOURCE_NOT_FOUND, f"unknown document {m['doc']!r}; the documents are: "
                                                  f"{', '.join(by_id)} (see {DOCUMENTS_URI})")
    start = int(m["start"])
    end = int(m["end"]) if m["end"] else start
    if end < start:
        raise ResourceFailure(-32602, f"end ({end}) is before start ({start}); swap them")
    if start < doc.line_start or end > doc.line_end:
        raise ResourceFailure(-32602, f"lines {start}–{end} are outside {doc.id}, which spans lines "
                                      f"{doc.line_start}–{doc.line_end}")
    if end - start + 1 > MAX_RESOURCE_LINES:
        raise ResourceFailure(-32602, f"{end - start + 1:,} lines requested; the limit is {MAX_RESOURCE_LINES} "
                                      "per read")
    lines = assistant.corpus.lines[doc.file]
    return "\n".join(f"{no}\t{lines[no - 1]}" for no in range(start, end + 1))


# ---------------------------------------------------------------- the server

def preload() -> dict[str, ToolSpec]:
    """Import what the server needs and build the tool specs, before the index starts loading in
    a thread: that load imports (and locks) many of the same modules and holds the GIL for
    seconds, which would hold up the handshake."""
    import anyio  # noqa: F401
    import mcp.server.lowlevel  # noqa: F401
    import mcp.server.stdio  # noqa: F401
    import mcp.types  # noqa: F401
    return tool_specs()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("report-assistant")
    except PackageNotFoundError:
        return "unknown"


def build_server(assistant, specs: dict[str, ToolSpec] | None = None):
    """A low-level `mcp` Server over `assistant` (tools, resources, resource templates)."""
    import anyio
    import mcp.types as types
    from mcp.server.lowlevel import Server
    from mcp.server.lowlevel.helper_types import ReadResourceContents
    from mcp.shared.exceptions import McpError

    specs = specs if specs is not None else tool_specs()
    tools = [types.Tool(name=name, description=spec.description, inputSchema=spec.schema)
             for name, spec in specs.items()]
    server = Server(SERVER_NAME, version=_version(), instructions=INSTRUCTIONS)

    @server.list_tools()
    async def _list_tools() -> list[types.Tool]:
        return tools

    # validation is ours (pydantic, the same models as the LangChain tools), with clearer messages
    @server.call_tool(validate_input=False)
    async def _call_tool(name: str, arguments: dict | None):
        is_error, text, structured = await anyio.to_thread.run_sync(call_tool, assistant, specs, name, arguments)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                    structuredContent=structured, isError=is_error)

    @server.list_resources()
    async def _list_resources() -> list[types.Resource]:
        return [types.Resource(uri=DOCUMENTS_URI, name="documents", mimeType="application/json",
                               description="the documents of the corpus, their line spans and a lines URI")]

    @server.list_resource_templates()
    async def _list_templates() -> list[types.ResourceTemplate]:
        return [types.ResourceTemplate(uriTemplate=LINES_TEMPLATE, name="report lines", mimeType="text/plain",
                                       description=f"lines START–END of document DOC (file line numbers, at most "
                                                   f"{MAX_RESOURCE_LINES}); each row is 'NUMBER<TAB>TEXT'")]

    @server.read_resource()
    async def _read_resource(uri) -> list[ReadResourceContents]:
        if str(uri) == DOCUMENTS_URI:
            text = json.dumps({"documents": documents(assistant)}, ensure_ascii=False)
            return [ReadResourceContents(content=text, mime_type="application/json")]
        try:
            text = read_lines(assistant, str(uri))
        except ResourceFailure as e:
            raise McpError(types.ErrorData(code=e.code, message=str(e))) from None
        return [ReadResourceContents(content=text, mime_type="text/plain")]

    return server


@contextmanager
def protocol_stdout() -> Iterator[io.TextIOWrapper]:
    """Keep file descriptor 1 for protocol messages only: yields a text stream on a duplicate
    of it, and points fd 1 and `sys.stdout` at stderr while the server runs, so a stray print
    or a native library's output cannot corrupt the protocol."""
    sys.stdout.flush()
    saved_fd = os.dup(1)
    proto_fd = os.dup(1)
    saved_stdout = sys.stdout
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    stream = io.TextIOWrapper(os.fdopen(proto_fd, "wb", buffering=0), encoding="utf-8", errors="replace",
                              write_through=True)
    try:
        yield stream
    finally:
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved_fd, 1)
        os.close(saved_fd)
        sys.stdout = saved_stdout


def serve_stdio(assistant, specs: dict[str, ToolSpec] | None = None) -> None:
    """Run the server on stdin/stdout until the client closes stdin."""
    import anyio
    from mcp.server.stdio import stdio_server

    server = build_server(assistant, specs)

    async def main(out) -> None:
        async with stdio_server(stdout=anyio.wrap_file(out)) as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    with protocol_stdout() as out:
        anyio.run(main, out)
