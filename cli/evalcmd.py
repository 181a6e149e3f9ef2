"""`report-assistant eval …`: measured quality, printed as tables."""
from __future__ import annotations

import json
import sys

import typer

from .common import check_format, guarded, settings_from

eval_app = typer.Typer(help="Measure retrieval and answers against the gold sets.", no_args_is_help=True)


@eval_app.command("retrieval")
@guarded
def retrieval(
    corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus)"),
    index: str = typer.Option(None, "--index", help="index directory (default: .index)"),
    model: str = typer.Option(None, "--model", help="embedding model the index is (or gets) built with"),
    gold: str = typer.Option(None, "--gold", help="gold file (default: eval/gold/retrieval.jsonl)"),
    format: str = typer.Option("table", "--format", "-f", help="table | json"),
):
    """hit@1, hit@5, MRR@10 of lexical, vector and hybrid search; build time; query p50/p95."""
    from pathlib import Path

    from eval.retrieval_eval import format_table, run
    check_format(format, ("json", "table"))
    result = run(settings_from(corpus, index, embed_model=model), Path(gold) if gold else None)
    if format == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    else:
        typer.echo(format_table(result))


@eval_app.command("answers")
@guarded
def answers(
    corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus)"),
    index: str = typer.Option(None, "--index", help="index directory (default: .index)"),
    gold: str = typer.Option(None, "--gold", help="gold file (default: eval/gold/answers.jsonl)"),
    format: str = typer.Option("table", "--format", "-f", help="table | json"),
    failures: bool = typer.Option(False, "--failures", help="also list the questions answered wrongly"),
    baselines: bool = typer.Option(True, "--baselines/--no-baselines", help="score vector-only and lexical-only too"),
):
    """Accuracy per category, latency, and two retrieval-only baselines on the same questions."""
    from pathlib import Path

    from eval.answers_eval import GOLD, format_table, run
    check_format(format, ("json", "table"))
    result = run(settings_from(corpus, index), Path(gold) if gold else GOLD, baselines=baselines)
    if format == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
        return
    typer.echo(format_table(result))
    if failures:
        for f in result["failures"]:
            typer.echo(f"- {f['id']} {f['routes']}: {' / '.join(f['questions'])}")


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
