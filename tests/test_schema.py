"""The OpenAPI document matches the server: schemathesis, every check, over the ASGI app
(a fake assistant over the real parsed corpus, so no index is needed)."""
from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from index.parser import parse_corpus
from index.settings import Settings
from index.validate import validate
from test_api import FakeAssistant

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"

pytestmark = pytest.mark.slow


def _app():
    corpus = parse_corpus(CORPUS_DIR)
    return create_app(Settings(), FakeAssistant(corpus, validate(corpus)))


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_matches_its_schema(case):
    case.call_and_validate()


def test_error_bodies_are_documented_as_the_error_model():
    doc = APP.openapi()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, resp in op["responses"].items():
                if status.startswith(("4", "5")):
                    ref = resp["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorResponse"), (path, method, status)
    for path in ("/budget", "/audit"):
        assert "text/csv" in doc["paths"][path]["get"]["responses"]["200"]["content"]
