"""The MCP server: `report-assistant mcp` launched over stdio by the `mcp` SDK's own client, and
its tools loaded into a LangChain tool-calling loop by `langchain-mcp-adapters`.

The server runs as a subprocess (`python -m cli.main mcp`) on a tmp index built with the
deterministic hash embedder. Expected figures come from the parsed tables, not from the test.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.lc import AuditArgs, BudgetArgs, SearchArgs
from assistant.mcp_server import (MAX_RESOURCE_LINES, RESOURCE_NOT_FOUND, SESSION_PATTERN, AskArgs,
                                  protocol_stdout, read_lines, ResourceFailure)

ROOT = Path(__file__).resolve().parents[1]
SERVER = [sys.executable, "-m", "cli.main", "mcp"]
TIMEOUT_S = 120


def _env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORT_ASSISTANT_")}
    env.update({"REPORT_ASSISTANT_CORPUS": str(settings.corpus_dir), "REPORT_ASSISTANT_INDEX": str(settings.index_dir),
                "REPORT_ASSISTANT_EMBED_MODEL": settings.embed_model, "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1"})
    return env


def _session(settings, scenario, errlog: Path):
    """Launch the server, initialize a ClientSession, run `scenario(session)`, return its result."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=SERVER[0], args=SERVER[1:], env=_env(settings), cwd=str(ROOT))

    async def main():
        with errlog.open("w") as err:
            async with stdio_client(params, errlog=err) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await scenario(session)
    try:
        return asyncio.run(asyncio.wait_for(main(), TIMEOUT_S))
    except BaseException:
        print("server stderr:\n" + errlog.read_text(errors="replace")[-4000:])
        raise


def _text(result) -> str:
    return "".join(c.text for c in result.content if c.type == "text")


@pytest.fixture(scope="module")
def tables(real_index_settings):
    from index.parser import parse_corpus
    from index.tables import audit_frame, budget_frame
    corpus = parse_corpus(real_index_settings.corpus_dir)
    return corpus, budget_frame(corpus), audit_frame(corpus)


# ---------------------------------------------------------------- the SDK's stdio client

@pytest.mark.slow
def test_stdio_tools_resources_and_bad_input(real_index_settings, tables, tmp_path):
    corpus, budget, audit = tables
    programs = budget[(budget["source"] == "appendix") & (budget["level"] == "program")]
    top = programs.sort_values("budget", ascending=False, kind="stable").iloc[0]
    done = int((audit["status"] == "완료").sum())
    doc = corpus.documents[0]

    async def scenario(session):
        from mcp.shared.exceptions import McpError
        out = {}
        tools = {t.name: t for t in (await session.list_tools()).tools}
        out["tools"] = tools
        out["budget"] = await session.call_tool("budget_query", {"metrics": ["budget"], "operation": "argmax"})
        out["audit"] = await session.call_tool("audit_query", {"operation": "count", "statuses": ["완료"]})
        out["ask"] = await session.call_tool("ask", {"question": f"{top['program']} 예산은?", "session_id": "s-1"})
        out["follow"] = await session.call_tool("ask", {"question": "그 사업 지출 집행률은?", "session_id": "s-1"})
        out["history"] = await session.call_tool("ask", {"question": "그 사업 지출 집행률은?",
                                                         "history": [f"{top['program']} 예산은?"]})
        out["bad"] = [await session.call_tool(name, args) for name, args in [
            ("budget_query", {"metrics": ["nonsense"]}),
            ("budget_query", {"metrics": ["budget"], "code": "__import__('os')"}),
            ("budget_query", {"k": "many"}),
            ("audit_query", {"statuses": ["끝남"]}),
            ("report_search", {"query": ""}),
            ("report_search", {}),
            ("ask", {"question": "x" * 2_001}),
            ("ask", {"question": "q", "session_id": "s-1", "history": ["a"]}),
            ("ask", {"question": "\x00\x01\x02\x03\x04\x05"}),
            ("no_such_tool", {}),
        ]]
        out["alive"] = await session.call_tool("audit_query", {"operation": "count"})
        out["resources"] = (await session.list_resources()).resources
        out["templates"] = (await session.list_resource_templates()).resourceTemplates
        out["docs"] = await session.read_resource("report://documents")
        out["lines"] = await session.read_resource(f"report://{doc.id}/lines/{doc.line_start}-{doc.line_start + 2}")
        out["resource_errors"] = []
        for uri in ["report://no-such-doc/lines/1-2", f"report://{doc.id}/lines/{doc.line_end}-{doc.line_end + 1}",
                    f"report://{doc.id}/lines/{doc.line_start}-{doc.line_start + MAX_RESOURCE_LINES}",
                    f"report://{doc.id}/lines/9-3", "report://elsewhere"]:
            try:
                await session.read_resource(uri)
                out["resource_errors"].append(None)
            except McpError as e:
                out["resource_errors"].append(e.error)
        out["search"] = await session.call_tool("report_search", {"query": str(top["program"]), "k": 3})
        return out

    out = _session(real_index_settings, scenario, tmp_path / "stderr.txt")

    tools = out["tools"]
    from assistant.lc import make_tools
    assert set(tools) == {"ask"} | {t.name for t in make_tools(None)} >= {"budget_query", "audit_query",
                                                                         "report_search"}
    # the same pydantic schemas as the LangChain tools
    assert tools["budget_query"].inputSchema == BudgetArgs.model_json_schema()
    assert tools["audit_query"].inputSchema == AuditArgs.model_json_schema()
    assert tools["report_search"].inputSchema == SearchArgs.model_json_schema()
    assert tools["ask"].inputSchema == AskArgs.model_json_schema()

    b = out["budget"]
    assert not b.isError
    row = dict(zip(b.structuredContent["data"]["columns"], b.structuredContent["data"]["rows"][0]))
    assert (row["program"], row["budget"]) == (top["program"], int(top["budget"]))
    assert json.loads(_text(b)) == b.structuredContent and f"{int(top['budget']):,}" in b.structuredContent["answer"]
    assert b.structuredContent["citations"][0]["line_start"] == int(top["line_start"])

    a = out["audit"]
    assert not a.isError and a.structuredContent["data"]["counts"]["total"] == done

    ask, follow, history = out["ask"], out["follow"], out["history"]
    assert not ask.isError and ask.structuredContent["route"] == "budget"
    assert f"{int(top['budget']):,}" in _text(ask) and "\n\n[1] " in _text(ask)      # footnotes
    assert ask.structuredContent["session_id"] == "s-1"
    assert f"{top['spent_rate']}%" in _text(follow) and top["program"] in _text(follow)
    assert _text(history) == _text(follow)            # replayed history == server-side session

    bad = out["bad"]
    assert all(r.isError for r in bad), [_text(r) for r in bad]
    texts = [_text(r) for r in bad]
    assert "metrics.0" in texts[0] and "nonsense" in texts[0]
    assert "code: unknown argument" in texts[1]
    assert texts[2].startswith("invalid arguments for budget_query: k:")
    assert "statuses.0" in texts[3]
    assert "query" in texts[4] and "query" in texts[5]
    assert "question" in texts[6] and "not both" in texts[7]
    assert "cannot be asked" in texts[8]
    assert "unknown tool" in texts[9] and "budget_query" in texts[9]
    assert not any("Traceback" in t for t in texts)
    assert not out["alive"].isError                    # the session survived all of it

    assert [str(r.uri) for r in out["resources"]] == ["report://documents"]
    assert out["templates"][0].uriTemplate == "report://{doc}/lines/{start}-{end}"
    listing = json.loads(out["docs"].contents[0].text)["documents"]
    assert [d["id"] for d in listing] == [d.id for d in corpus.documents]
    lines = out["lines"].contents[0].text.split("\n")
    assert lines == [f"{n}\t{corpus.lines[doc.file][n - 1]}" for n in range(doc.line_start, doc.line_start + 3)]
    errors = out["resource_errors"]
    assert all(e is not None for e in errors)
    assert errors[0].code == RESOURCE_NOT_FOUND and doc.id in errors[0].message
    assert "outside" in errors[1].message and "limit" in errors[2].message and "swap" in errors[3].message
    assert errors[4].code == RESOURCE_NOT_FOUND

    s = out["search"]
    assert not s.isError and s.structuredContent["count"] == len(s.structuredContent["hits"]) > 0
    assert {"line_start", "line_end", "doc"} <= set(s.structuredContent["hits"][0])


# ---------------------------------------------------------------- langchain-mcp-adapters

@pytest.mark.slow
def test_langchain_agent_calls_budget_query_over_mcp(real_index_settings, tables, tmp_path):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
    from langchain_core.utils.function_calling import convert_to_openai_tool
    from langchain_mcp_adapters.tools import load_mcp_tools

    _, budget, _ = tables
    programs = budget[(budget["source"] == "appendix") & (budget["level"] == "program")]
    low = programs.sort_values("spent_rate", kind="stable").iloc[0]

    class ToolCallingFake(GenericFakeChatModel):
        """Replays scripted messages; records the tool schemas it was bound to."""
        bound: list = []

        def bind_tools(self, tools, **kw):
            schemas = [convert_to_openai_tool(t) for t in tools]
            self.bound.extend(schemas)
            return self.bind(tools=schemas, **kw)

    model = ToolCallingFake(messages=iter([
        AIMessage(content="", tool_calls=[{"name": "budget_query", "id": "call-1",
                                           "args": {"metrics": ["spent_rate"], "operation": "argmin"}}]),
        AIMessage(content="", tool_calls=[{"name": "budget_query", "id": "call-2",
                                           "args": {"metrics": ["spent_rate"], "operation": "sideways"}}]),
        AIMessage(content="끝"),
    ]))

    async def agent(session):
        tools = await load_mcp_tools(session)
        by_name = {t.name: t for t in tools}
        runnable = model.bind_tools(tools)
        messages = [HumanMessage("지출 기준 집행률이 가장 낮은 사업은?")]
        for _ in range(5):                 # the tool-calling loop of an agent
            ai = await runnable.ainvoke(messages)
            messages.append(ai)
            if not ai.tool_calls:
                break
            for call in ai.tool_calls:
                messages.append(await by_name[call["name"]].ainvoke(call))
        return sorted(by_name), messages

    names, messages = _session(real_index_settings, agent, tmp_path / "stderr.txt")
    assert names == ["ask", "audit_query", "budget_query", "report_search"]
    assert {s["function"]["name"] for s in model.bound} == set(names)
    results = [m for m in messages if isinstance(m, ToolMessage)]
    assert len(results) == 2 and messages[-1].content == "끝"
    ok, failed = results
    assert ok.tool_call_id == "call-1" and ok.status == "success"
    got = ok.artifact["structured_content"]
    rows = [dict(zip(got["data"]["columns"], r)) for r in got["data"]["rows"]]
    lowest = programs[programs["spent_rate"] == low["spent_rate"]]
    assert sorted(r["program"] for r in rows) == sorted(lowest["program"])           # every tie
    assert all(r["spent_rate"] == low["spent_rate"] for r in rows)
    assert f"{low['spent_rate']}%" in json.loads(ok.content[0]["text"])["answer"]
    assert failed.status == "error" and "operation" in str(failed.content)           # a tool error, no crash


# ---------------------------------------------------------------- the process and its streams

@pytest.mark.slow
def test_stdout_carries_only_protocol(real_index_settings):
    """Raw stdio: garbage lines, then initialize and tools/list; every stdout line is JSON-RPC
    and the process answers after the garbage and exits cleanly when stdin closes."""
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "raw", "version": "0"}}}
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT, env=_env(real_index_settings))
    try:
        def send(obj) -> None:
            proc.stdin.write((obj if isinstance(obj, bytes) else json.dumps(obj).encode()) + b"\n")
            proc.stdin.flush()

        def reply(rid: int) -> dict:
            while True:
                line = proc.stdout.readline()
                assert line, "the server closed stdout"
                msg = json.loads(line)                  # every line is one JSON-RPC message
                assert msg["jsonrpc"] == "2.0"
                if msg.get("id") == rid:
                    return msg

        send(b"this is not json")
        send(b"\xff\xfe binary")
        send(init)
        assert reply(1)["result"]["serverInfo"]["name"] == "report-assistant"
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        assert len(reply(2)["result"]["tools"]) == 4
        send({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "audit_query",
                                                                          "arguments": {"operation": 7}}})
        assert reply(3)["result"]["isError"] is True
        proc.stdin.close()
        assert proc.wait(TIMEOUT_S) == 0
        for line in proc.stdout:                          # anything left is protocol too
            assert json.loads(line)["jsonrpc"] == "2.0"
        assert b"Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_missing_index_fails_with_one_line(tmp_path):
    proc = subprocess.run(SERVER + ["--index", str(tmp_path / "absent")], input=b"", capture_output=True,
                          timeout=TIMEOUT_S, cwd=ROOT,
                          env={k: v for k, v in os.environ.items() if not k.startswith("REPORT_ASSISTANT_")})
    assert proc.returncode == 1 and proc.stdout == b""
    err = proc.stderr.decode()
    assert err.startswith("error: ") and "index build" in err and "Traceback" not in err


def test_protocol_stdout_sends_strays_to_stderr(capfd):
    with protocol_stdout() as out:
        print("stray print")
        os.write(1, b"native write\n")
        out.write('{"jsonrpc": "2.0"}\n')
    print("after")
    captured = capfd.readouterr()
    assert captured.out == '{"jsonrpc": "2.0"}\nafter\n'
    assert "stray print" in captured.err and "native write" in captured.err


# ---------------------------------------------------------------- pure pieces

class _Corpus:
    def __init__(self, corpus):
        self.corpus = corpus


def test_read_lines_bounds(corpus):
    doc = corpus.documents[-1]
    a = _Corpus(corpus)
    assert read_lines(a, f"report://{doc.id}/lines/{doc.line_end}") == \
        f"{doc.line_end}\t{corpus.lines[doc.file][doc.line_end - 1]}"
    assert read_lines(a, f"report://{doc.id.upper()}/lines/{doc.line_end}").startswith(f"{doc.line_end}\t")
    for uri in (f"report://{doc.id}/lines/0-1", f"report://{doc.id}/lines/{10**9}",
                f"report://{doc.id}/lines/1-2-3", "report://../../etc/passwd/lines/1-2",
                f"report://{doc.id}/lines/{'9' * 50}", "report://\ud800/lines/1"):
        with pytest.raises(ResourceFailure):
            read_lines(a, uri)


def test_session_pattern_matches_the_api():
    from api.models import SESSION_PATTERN as API_PATTERN
    assert SESSION_PATTERN == API_PATTERN


def test_a_langchain_tool_without_a_runner_is_served_through_its_own_function(tmp_path):
    from assistant.mcp_server import _lc_tool, _typed, tool_specs
    from assistant.service import Assistant
    from conftest import CORPUS
    from index.settings import Settings
    assistant = Assistant.from_settings(Settings(corpus_dir=CORPUS, index_dir=tmp_path, embed_model="hash"),
                                        with_index=False)
    args = BudgetArgs(metrics=["budget"], operation="top_k", k=3)
    generic = _typed(_lc_tool("budget_query"))(assistant, args)
    assert generic == tool_specs()["budget_query"].run(assistant, args)
    assert len(generic[1]["data"]["rows"]) == 3
