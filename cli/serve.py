"""`report-assistant serve`: the API and the web page under uvicorn."""
from __future__ import annotations

import ipaddress
import os

import typer

from .common import fail, guarded, settings_from

WORKER_HEALTHCHECK_S = 60


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    @app.command("serve")
    @guarded
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (loopback by default)"),
        port: int = typer.Option(8000, "--port", help="TCP port"),
        workers: int = typer.Option(1, "--workers", help="worker processes; each loads the tables and the index"),
        corpus: str = typer.Option(None, "--corpus", help="corpus directory (default: ./corpus)"),
        index: str = typer.Option(None, "--index", help="index directory (default: ./.index)"),
        access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="log every request"),
        log_level: str = typer.Option("info", "--log-level", help="critical | error | warning | info | debug"),
        sessions: str = typer.Option(None, "--sessions", help="session store: memory | sqlite:///PATH.db | "
                                     "redis://HOST:PORT/DB (default: REPORT_ASSISTANT_SESSIONS, else "
                                     "sessions.db in REPORT_ASSISTANT_DATA, shared by the workers)"),
        header_timeout: float = typer.Option(10.0, "--header-timeout", help="seconds for a request's line and "
                                             "headers to arrive (also closes new connections that send nothing); "
                                             "else 408 and close"),
        body_timeout: float = typer.Option(30.0, "--body-timeout", help="seconds for a request body to arrive "
                                           "after its headers; else the connection is closed"),
        keep_alive: int = typer.Option(5, "--timeout-keep-alive", help="seconds an idle keep-alive connection "
                                       "stays open"),
        max_connections: int = typer.Option(2048, "--max-connections", help="open connections per worker (lowered "
                                            "to the file-descriptor limit minus 64); at the cap the oldest idle "
                                            "connection is closed for a new one"),
        limit_concurrency: int = typer.Option(128, "--limit-concurrency", help="requests in progress per worker; "
                                              "more get 503 with Retry-After at once (/health excepted)"),
        http: str = typer.Option("auto", "--http", help="auto | httptools | h11"),
    ):
        """Serve the chat page at http://HOST:PORT/ and the JSON API (docs at /docs).

        Slow or idle clients cannot hold the server: see --header-timeout, --body-timeout,
        --timeout-keep-alive, --max-connections and --limit-concurrency (docs/reliability.md)."""
        import uvicorn

        from api.protocol import Limits, guarded_protocol

        if not 1 <= workers <= 64:
            fail(f"--workers must be between 1 and 64, got {workers}", 2)
        if not 0 <= port <= 65535:
            fail(f"--port must be between 0 and 65535, got {port}", 2)
        if log_level not in ("critical", "error", "warning", "info", "debug", "trace"):
            fail(f"unknown --log-level '{log_level}'. Use one of: critical, error, warning, info, debug", 2)
        if header_timeout <= 0 or body_timeout <= 0 or keep_alive < 1:
            fail("--header-timeout and --body-timeout must be > 0 and --timeout-keep-alive >= 1", 2)
        if max_connections < 8 or limit_concurrency < 1:
            fail("--max-connections must be >= 8 and --limit-concurrency >= 1", 2)
        if http not in ("auto", "httptools", "h11"):
            fail(f"unknown --http '{http}'. Use one of: auto, httptools, h11", 2)
        settings = settings_from(corpus, index, sessions=sessions)
        check_sessions(settings, workers)
        if not _is_loopback(host):
            typer.echo(f"warning: listening on {host}: the service has no authentication; "
                       "anyone who can reach this address can use it", err=True)
        from api.app import create_app, load_assistant
        # Check before uvicorn starts, so a missing or stale index stops us with one clear line.
        if workers == 1:
            assistant = load_assistant_or_fail(load_assistant, settings)   # loaded once, served by this process
        else:
            check_index(settings)                                          # cheap: each worker loads its own
        shown = f"[{host}]" if ":" in host else host
        typer.echo(f"serving http://{shown}:{port}/  (API docs: http://{shown}:{port}/docs, "
                   f"{workers} worker{'s' if workers > 1 else ''})", err=True)
        limits = Limits(header_timeout_s=header_timeout, body_timeout_s=body_timeout, max_connections=max_connections)
        common = dict(host=host, port=port, access_log=access_log, log_level=log_level,
                      timeout_graceful_shutdown=5, timeout_keep_alive=keep_alive,
                      http=guarded_protocol(limits, http))
        if workers == 1:
            uvicorn.run(create_app(settings, assistant, max_inflight=limit_concurrency), **common)
            return
        # the workers build their settings from the environment: pass the resolved ones through it
        from api.app import INFLIGHT_ENV
        os.environ["REPORT_ASSISTANT_CORPUS"] = str(settings.corpus_dir)
        os.environ["REPORT_ASSISTANT_INDEX"] = str(settings.index_dir)
        os.environ["REPORT_ASSISTANT_EMBED_MODEL"] = settings.embed_model
        os.environ["REPORT_ASSISTANT_DATA"] = str(settings.data_dir.resolve())
        if settings.sessions:
            os.environ["REPORT_ASSISTANT_SESSIONS"] = settings.sessions
        os.environ[INFLIGHT_ENV] = str(limit_concurrency)
        # a worker loading the model can hold the GIL for seconds: give the supervisor's ping more time
        # than uvicorn's default 5 s, or it kills and restarts workers that are only busy starting up
        import inspect
        if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
            common["timeout_worker_healthcheck"] = WORKER_HEALTHCHECK_S
        uvicorn.run("api.app:app_from_env", factory=True, workers=workers, **common)


def load_assistant_or_fail(load, settings):
    from api.app import StartupError
    try:
        return load(settings)
    except StartupError as e:
        fail(str(e))


def check_sessions(settings, workers: int) -> None:
    """Open the session store once before serving, so a bad REPORT_ASSISTANT_SESSIONS stops us with one line."""
    from assistant.sessions import open_store
    from index.errors import ReportError
    spec = (settings.sessions or "").strip()
    if spec == "memory" and workers > 1:
        typer.echo("warning: --sessions memory keeps each worker's sessions apart: follow-up questions "
                   "may reach a worker that has not seen the conversation; use the default SQLite store", err=True)
    try:
        store = open_store(settings.sessions, data_dir=settings.data_dir)
        store.close()
    except ReportError as e:
        fail(f"cannot start: {e}")


def check_index(settings) -> None:
    """Fail with one line when the index is missing or stale (reads the index metadata, loads no model)."""
    from index.errors import ReportError
    from index.store import index_status
    try:
        status = index_status(settings)
    except ReportError as e:
        fail(f"cannot start: {e}")
    if status.get("state") == "corrupt":
        fail(f"cannot start: {status.get('message')}")
    if status.get("stale"):
        fail(f"cannot start: index at {settings.index_dir} is stale: {status.get('stale_reason')}. "
             "Fix: run `report-assistant index build`")
