"""`report-assistant mcp`: the assistant as a Model Context Protocol server over stdio."""
from __future__ import annotations

import logging
import sys

import typer

from .common import fail, guarded, settings_from

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def register(app: typer.Typer) -> None:
    @app.command("mcp")
    @guarded
    def mcp(
        corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus)"),
        index: str = typer.Option(None, "--index", help="index directory (default: ./.index)"),
        log_level: str = typer.Option("warning", "--log-level", help="stderr log level: " + " | ".join(LOG_LEVELS)),
    ):
        """Serve tools (ask, budget_query, audit_query, report_search) and report lines over stdio (MCP).

        An MCP client starts it (see docs/clients.md). Stdout carries only protocol messages; logs go to stderr."""
        if log_level not in LOG_LEVELS:
            fail(f"unknown --log-level '{log_level}'. Use one of: {', '.join(LOG_LEVELS)}", 2)
        logging.basicConfig(stream=sys.stderr, level=log_level.upper(),
                            format="report-assistant mcp: %(levelname)s %(name)s: %(message)s")
        from assistant.mcp_server import preload, serve_stdio
        from assistant.service import Assistant
        specs = preload()   # before the index loads in its thread, which would hold the import locks for seconds
        # tables answer at once; the search index loads in a thread (a missing or stale one fails here)
        assistant = Assistant.from_settings(settings_from(corpus, index), background=True)
        logging.getLogger("report_assistant.mcp").info("ready; serving MCP on stdio")
        serve_stdio(assistant, specs)
