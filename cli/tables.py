"""`report-assistant tables …` and `report-assistant validate`."""
from __future__ import annotations

import typer

from .common import check_format, guarded, print_records, records, settings_from

TABLE_VIEW = {
    "budget": ["source", "department", "program", "level", "budget", "committed", "spent", "forecast",
               "spent_rate", "line_start"],
    "audit": ["id", "category", "departments", "status", "status_printed", "line_start", "line_end"],
    "sections": ["path", "kind", "department", "line_start", "line_end"],
    "org": ["department", "quota", "current", "budget_million"],
    "facts": ["subject", "label", "key", "value", "line_start"],
}


def register(app: typer.Typer) -> None:
    @app.command("tables")
    @guarded
    def tables(
        name: str = typer.Argument(..., help="budget | audit | sections | org | facts"),
        format: str = typer.Option("table", "--format", "-f", help="json | csv | table"),
        corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus)"),
    ):
        """Print a parsed table of the reports."""
        from index import tables as T
        from index.facts import facts_frame
        from index.parser import parse_corpus
        check_format(format)
        builders = {"budget": T.budget_frame, "audit": T.audit_frame, "sections": T.sections_frame, "org": T.org_frame,
                    "facts": facts_frame}
        if name not in builders:
            from .common import fail
            fail(f"unknown table '{name}'. Use one of: {', '.join(builders)}", 2)
        c = parse_corpus(settings_from(corpus).corpus_dir)
        rows = records(builders[name](c))
        print_records(rows, format, title=name, columns=TABLE_VIEW[name] if format == "table" else None)

    @app.command("validate")
    @guarded
    def validate(
        format: str = typer.Option("table", "--format", "-f", help="json | table"),
        corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus)"),
    ):
        """List every place where the reports disagree with themselves."""
        from index.parser import parse_corpus
        from index.validate import validate as run
        check_format(format, ("json", "table"))
        c = parse_corpus(settings_from(corpus).corpus_dir)
        rows = [f.to_dict() for f in run(c)]
        print_records(rows, format, title="validation findings",
                      columns=["severity", "kind", "message", "lines"] if format == "table" else None)
