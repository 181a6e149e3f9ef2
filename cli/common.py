"""Shared CLI plumbing: settings, output formats, and errors turned into messages."""
from __future__ import annotations

import csv
import functools
import io
import json
import sys
from typing import Any, Callable

import typer

from index.errors import ReportError
from index.settings import Settings

FORMATS = ("json", "csv", "table")


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
            w.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in r.items()})
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
