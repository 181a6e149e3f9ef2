"""`report-assistant ask` and `report-assistant chat`."""
from __future__ import annotations

import uuid

import typer

from .common import (MAX_LINE_BYTES, check_format, emit_json_line, fail, guarded, has_surrogates, loads_line,
                     no_surrogates, settings_from, stdin_lines)

MAX_SESSION_CHARS = 128


def _load(corpus: str | None, index: str | None):
    from assistant.service import Assistant
    return Assistant.from_settings(settings_from(corpus, index), background=True)


def _emit(obj: dict) -> None:
    emit_json_line(obj)


def _error_response(question: str, code: str, message: str, session_id=None) -> dict:
    from assistant.answer import Answer
    a = Answer(question=question, answer=f"질문을 처리할 수 없습니다: {message}", route="not_found",
               error={"code": code, "message": message}, session_id=session_id)
    return a.to_dict()


def parse_jsonl_line(raw: bytes | None, length: int | None = None) -> tuple[str | None, str | None, dict | None]:
    """(question, session_id, error) for one input line (None: a line over MAX_LINE_BYTES)."""
    if raw is None or len(raw) > MAX_LINE_BYTES:
        n = length if length is not None else (len(raw) if raw is not None else MAX_LINE_BYTES + 1)
        return None, None, {"code": "too_long", "message": f"line of {n:,} bytes is longer than {MAX_LINE_BYTES:,} bytes"}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, None, {"code": "bad_encoding", "message": f"line is not valid UTF-8 (byte {e.start})"}
    text = text.rstrip("\r\n")
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            obj = loads_line(stripped)
        except ValueError as e:
            return None, None, {"code": "bad_json", "message": str(e)}
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            return None, None, {"code": "bad_json", "message": 'expected {"question": "...", "session_id": "..."}'}
        unknown = sorted(set(obj) - {"question", "session_id"})
        if unknown:
            return None, None, {"code": "bad_json", "message": f"unknown field(s) {', '.join(map(repr, unknown))[:200]}; "
                                                               "use question and session_id"}
        sid = obj.get("session_id")
        if sid is not None and (not isinstance(sid, (str, int)) or isinstance(sid, bool)
                                or not 0 < len(str(sid)) <= MAX_SESSION_CHARS or has_surrogates(str(sid))):
            return None, None, {"code": "bad_session", "message": f"session_id must be text of 1–{MAX_SESSION_CHARS} "
                                                                  "characters"}
        return no_surrogates(obj["question"]), (str(sid) if sid is not None else None), None
    return text, None, None


def _batch(assistant, default_session: str | None) -> None:
    """Every input line gets exactly one JSON line, whatever it holds."""
    for raw, length in stdin_lines():
        shown = "" if raw is None else raw[:200].decode("utf-8", "replace").strip()
        try:
            q, sid, err = parse_jsonl_line(raw, length)
            if err is not None:
                _emit(_error_response(shown, err["code"], err["message"]))
                continue
            _emit(assistant.ask(q, session_id=sid or default_session).to_dict())
        except Exception as e:  # noqa: BLE001 - one bad line never stops the batch
            _emit(_error_response(shown, "internal", f"{type(e).__name__}: {str(e)[:200]}"))


def _check_typed(text: str, what: str) -> None:
    """A question or session typed on the command line with undecodable bytes: one clear line."""
    if has_surrogates(text):
        fail(f"the {what} is not valid UTF-8 text (check the terminal's encoding, e.g. LANG=C.UTF-8)", 2)


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
            fail("empty question. Usage: report-assistant ask \"지출 기준 집행률이 가장 낮은 사업은?\"", 2)
        if question is not None and not jsonl:
            _check_typed(question, "question")
        if session is not None:
            _check_typed(session, "--session")
            if not 0 < len(session) <= MAX_SESSION_CHARS:
                fail(f"--session must be 1–{MAX_SESSION_CHARS} characters", 2)
        assistant = _load(corpus, index)
        if jsonl:
            _batch(assistant, session)
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
            except UnicodeDecodeError:
                con.print("[red]그 줄은 UTF-8 글자가 아니어서 읽지 못했습니다 (터미널 인코딩을 UTF-8로 맞추세요).[/red]")
                continue
            if has_surrogates(line):
                con.print("[red]그 줄에 UTF-8이 아닌 바이트가 있어 답하지 않았습니다. 다시 입력해 주세요.[/red]")
                continue
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
