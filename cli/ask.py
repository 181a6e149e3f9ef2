"""`report-assistant ask` and `report-assistant chat`."""
from __future__ import annotations

import json
import sys
import uuid

import typer

from .common import check_format, guarded, settings_from

MAX_LINE_BYTES = 64 * 1024


def _load(corpus: str | None, index: str | None):
    from assistant.service import Assistant
    return Assistant.from_settings(settings_from(corpus, index), background=True)


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _error_response(question: str, code: str, message: str, session_id=None) -> dict:
    from assistant.answer import Answer
    a = Answer(question=question, answer=f"질문을 처리할 수 없습니다: {message}", route="not_found",
               error={"code": code, "message": message}, session_id=session_id)
    return a.to_dict()


def parse_jsonl_line(raw: bytes) -> tuple[str | None, str | None, dict | None]:
    """(question, session_id, error) for one input line."""
    if len(raw) > MAX_LINE_BYTES:
        return None, None, {"code": "too_long", "message": f"line longer than {MAX_LINE_BYTES:,} bytes"}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, None, {"code": "bad_encoding", "message": f"line is not valid UTF-8 (byte {e.start})"}
    text = text.rstrip("\r\n")
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as e:
            return None, None, {"code": "bad_json", "message": f"invalid JSON object: {e.msg} at column {e.colno}"}
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            return None, None, {"code": "bad_json", "message": 'expected {"question": "...", "session_id": "..."}'}
        sid = obj.get("session_id")
        return obj["question"], (str(sid) if sid is not None else None), None
    return text, None, None


def render_text(ans: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    con = Console()
    con.print(ans["answer"], markup=False, highlight=False)
    data = ans.get("data") or {}
    cols, rows = data.get("columns"), data.get("rows")
    if cols and rows and len(rows) > 1:
        t = Table(show_lines=False)
        for c in cols:
            t.add_column(str(c), overflow="fold")
        for r in rows[:40]:
            t.add_row(*[f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else
                        (", ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v))) for v in r])
        con.print(t)
    if ans.get("method"):
        con.print(f"[dim]방법: {ans['method']}[/dim]", highlight=False)
    for c in ans.get("citations", [])[:8]:
        con.print(f"[dim]근거: {c['doc']} {c['line_start']}–{c['line_end']}행 ({c['section']})[/dim]", highlight=False)
    con.print(f"[dim]route={ans['route']} confidence={ans['confidence']} {ans['elapsed_ms']} ms[/dim]")


def register(app: typer.Typer) -> None:
    @app.command("ask")
    @guarded
    def ask(
        question: str = typer.Argument(None, help="the question (omit with --jsonl)"),
        format: str = typer.Option("text", "--format", "-f", help="text | json"),
        session: str = typer.Option(None, "--session", help="session id, so follow-up questions work"),
        jsonl: bool = typer.Option(False, "--jsonl", help="read one question per stdin line, write one JSON line each"),
        corpus: str = typer.Option(None, "--corpus"),
        index: str = typer.Option(None, "--index", help="index directory (default .index)"),
    ):
        """Ask one question (or many with --jsonl)."""
        check_format(format, ("text", "json"))
        if not jsonl and (question is None or not question.strip()):
            from .common import fail
            fail("empty question. Usage: report-assistant ask \"지출 기준 집행률이 가장 낮은 사업은?\"", 2)
        assistant = _load(corpus, index)
        if jsonl:
            stream = sys.stdin.buffer
            for raw in stream:
                q, sid, err = parse_jsonl_line(raw)
                if err is not None:
                    _emit(_error_response(raw[:200].decode("utf-8", "replace").strip(), err["code"], err["message"]))
                    continue
                _emit(assistant.ask(q, session_id=sid or session).to_dict())
            return
        ans = assistant.ask(question, session_id=session).to_dict()
        if format == "json":
            _emit(ans)
        else:
            render_text(ans)

    @app.command("chat")
    @guarded
    def chat(corpus: str = typer.Option(None, "--corpus"), index: str = typer.Option(None, "--index")):
        """Interactive chat in the terminal (/exit to leave, /new for a new session)."""
        from rich.console import Console
        con = Console()
        assistant = _load(corpus, index)
        sid = uuid.uuid4().hex
        con.print("[bold]report-assistant[/bold] — 질문을 입력하세요 (/exit 종료, /new 새 대화)")
        while True:
            try:
                line = input("> ")
            except (EOFError, KeyboardInterrupt):
                con.print()
                break
            cmd = line.strip()
            if cmd in ("/exit", "/quit", ":q"):
                break
            if cmd == "/new":
                sid = uuid.uuid4().hex
                con.print("[dim]새 대화를 시작합니다.[/dim]")
                continue
            if not cmd:
                continue
            render_text(assistant.ask(line, session_id=sid).to_dict())
