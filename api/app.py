"""The FastAPI app factory.

    app = create_app(settings)               # the lifespan loads Assistant.from_settings(settings) once
    app = create_app(settings, assistant)    # an assistant built elsewhere (tests, the CLI)

`app_from_env` is the factory uvicorn's workers call (`uvicorn.run("api.app:app_from_env", factory=True)`).
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Iterable

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from index.errors import ReportError
from index.settings import Settings

from .errors import BodyLimitMiddleware, InflightLimitMiddleware, install_handlers
from .models import MAX_BODY_BYTES
from .openai_compat import include as include_openai
from .routes import router

log = logging.getLogger("report_assistant.api")

STATIC = Path(__file__).resolve().parent / "static"
SWAGGER = STATIC / "vendor" / "swagger-ui"
VERSION = "0.1.0"
MAX_INFLIGHT = 128        # requests in progress per worker before 503 (serve --limit-concurrency)
INFLIGHT_ENV = "REPORT_ASSISTANT_MAX_INFLIGHT"   # how `serve --workers N` hands --limit-concurrency to its workers
# The page makes no request outside its own origin; the browser enforces it.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DESCRIPTION = """서울시 보고서(서울혁신기획관 2018 주요업무보고, 2017 행정사무감사 처리결과)에 대한 질의응답.

표 질문은 예산·감사 표에서 정확한 수치로, 서술 질문은 구절 검색으로 답하고, 모든 답에 인용(문서·줄 번호)을 붙입니다.
오류는 모두 `{"error": {"code", "message"}}` 형식입니다."""


class StartupError(RuntimeError):
    """The assistant could not be loaded: the message says why and what to run."""


def load_assistant(settings: Settings) -> Any:
    """Assistant.from_settings, with a ReportError (index missing or stale, bad corpus) turned into one line."""
    from assistant.service import Assistant
    try:
        return Assistant.from_settings(settings)
    except ReportError as e:
        raise StartupError(f"cannot start: {e}") from None


def create_app(settings: Settings | None = None, assistant: Any = None, *,
               cors_origins: Iterable[str] | None = None, max_body_bytes: int = MAX_BODY_BYTES,
               max_inflight: int = MAX_INFLIGHT) -> FastAPI:
    """Build the app. With `assistant=None` the lifespan loads one from `settings` at start-up
    (and start-up fails with a clear message when the index is missing or stale).
    More than `max_inflight` requests in progress get 503 at once."""
    settings = settings if settings is not None else Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.assistant is None:
            try:
                app.state.assistant = await run_in_threadpool(load_assistant, settings)
            except StartupError as e:
                log.error("%s", e)     # one clear line before uvicorn's own report
                raise
        yield

    vendored_docs = (SWAGGER / "swagger-ui-bundle.js").exists()
    app = FastAPI(title="report-assistant", version=VERSION, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None if vendored_docs else "/docs", redoc_url=None)
    app.state.settings = settings
    app.state.assistant = assistant
    install_handlers(app)
    from .schema import install_openapi
    install_openapi(app)
    app.include_router(router)
    include_openai(app)     # /v1/chat/completions, /v1/models (OpenAI-compatible)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_page(app)
    if vendored_docs:
        _add_docs(app)

    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(InflightLimitMiddleware, limit=max_inflight)
    origins = list(cors_origins if cors_origins is not None else getattr(settings, "cors_origins", None) or ())
    if origins:  # CORS is off unless configured
        from starlette.middleware.cors import CORSMiddleware
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"], max_age=600)
    return app


def _add_page(app: FastAPI) -> None:
    page = (STATIC / "index.html").read_bytes()
    headers = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}

    @app.get("/", include_in_schema=False)
    def index_page() -> Response:
        return HTMLResponse(page, headers=headers)


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the vendored copy (no CDN). Without it FastAPI's default /docs is used."""
    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="report-assistant API",
                                   swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="data:,",
                                   swagger_ui_parameters={"validatorUrl": None})


def app_from_env() -> FastAPI:
    """uvicorn factory for multi-worker serving: settings from the environment, assistant loaded per worker."""
    import os
    raw = os.environ.get(INFLIGHT_ENV, "")
    return create_app(Settings.from_env(), max_inflight=int(raw) if raw.isdigit() and int(raw) > 0 else MAX_INFLIGHT)
