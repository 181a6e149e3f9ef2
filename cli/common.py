"""Shared CLI plumbing: settings, output formats, and errors turned into messages."""
from __future__ import annotations

import csv
import functools
import io
import json
import re
import sys
from typing import Any, BinaryIO, Callable, Iterator

import typer

from api.models import csv_cell
from index.errors import ReportError
from index.settings import Settings

FORMATS = ("json", "csv", "table")
MAX_LINE_BYTES = 64 * 1024          # one --jsonl input line; longer lines get a too_long response
_SURROGATE = re.compile("[\ud800-\udfff]")


def settings_from(corpus: str | None = None, index: str | None = None, **kw) -> Settings:
    return Settings.from_env(corpus_dir=corpus, index_dir=index, **kw)


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def guarded(fn: Callable) -> Callable:
    """Run a command; ReportError and any other exception become one clear line."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except ReportError as e:
            fail(str(e))
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except BrokenPipeError:
            raise typer.Exit(0)
        except Exception as e:  # never a traceback for users
            import os
            if os.environ.get("REPORT_ASSISTANT_DEBUG"):
                raise
            fail(f"internal error ({type(e).__name__}: {e}). Set REPORT_ASSISTANT_DEBUG=1 for details")
    return wrapper


def check_format(fmt: str, allowed=FORMATS) -> str:
    if fmt not in allowed:
        fail(f"unknown --format '{fmt}'. Use one of: {', '.join(allowed)}", 2)
    return fmt


def to_jsonable(v: Any) -> Any:
    try:
        import numpy as np
        import pandas as pd
        if v is pd.NA or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.floating):
            return float(v)
        if isinstance(v, np.bool_):
            return bool(v)
        if isinstance(v, np.ndarray):
            return v.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(v, tuple):
        return list(v)
    return v


def records(df) -> list[dict]:
    return [{k: to_jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def print_records(rows: list[dict], fmt: str, title: str = "", columns: list[str] | None = None) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "csv":
        cols = columns or (list(rows[0].keys()) if rows else [])
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: csv_cell(json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
                        for k, v in r.items()})
        sys.stdout.write(buf.getvalue())
    else:
        from rich.console import Console
        from rich.table import Table
        cols = columns or (list(rows[0].keys()) if rows else [])
        t = Table(title=title or None, show_lines=False)
        for c in cols:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*[_cell(r.get(c)) for c in cols])
        Console(width=200).print(t)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)


# ---------------------------------------------------------------- --jsonl batches: one line in, one line out

def no_surrogates(text: str) -> str:
    """Lone surrogates (from a JSON "\\ud800" escape or undecodable argv bytes) → U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def has_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def json_line(obj: Any) -> bytes:
    """One JSON line, always valid UTF-8: lone surrogates replaced, unserialisable values as text."""
    try:
        text = json.dumps(obj, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError) as e:
        text = json.dumps({"error": {"code": "internal", "message": f"cannot write the response: {type(e).__name__}"}})
    return (no_surrogates(text) + "\n").encode("utf-8")


def emit_json_line(obj: Any) -> None:
    sys.stdout.flush()
    out = sys.stdout.buffer
    out.write(json_line(obj))
    out.flush()


def stdin_lines(stream: BinaryIO | None = None, max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[bytes | None, int]]:
    """(line without its newline, or None when over `max_bytes`; its length in bytes) per input line.
    A long line is skipped in bounded reads, so memory stays bounded whatever the input."""
    stream = stream if stream is not None else sys.stdin.buffer
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        if raw.endswith(b"\n") and len(raw) <= max_bytes + 1:
            yield raw[:-1].rstrip(b"\r"), len(raw) - 1
            continue
        if len(raw) <= max_bytes:           # the last line, without a newline
            yield raw.rstrip(b"\r"), len(raw)
            return
        n = len(raw)
        while not raw.endswith(b"\n"):
            raw = stream.readline(1 << 16)
            if not raw:
                break
            n += len(raw)
        yield None, n - (1 if raw.endswith(b"\n") else 0)


def loads_line(text: str) -> Any:
    """json.loads for one input line: ValueError (with the reason) for bad or too deeply nested JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"invalid JSON: {e.msg} at column {e.colno}") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
