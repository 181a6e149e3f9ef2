"""The OpenAPI document as the server behaves: every error is `ErrorResponse` (FastAPI would
document its own 422 body), the CSV responses of routes with format=csv are listed, and filters that accept only
the report's own values (departments, categories, chunk kinds, sort columns) carry those values
as enums, read from the loaded assistant when the document is first asked for."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


def _values(assistant) -> dict[tuple[str, str], list[str]]:
    """(path, query parameter) → the values the server accepts."""
    out: dict[tuple[str, str], list[str]] = {}
    if assistant is None:
        return out
    budget, audit = getattr(assistant, "budget", None), getattr(assistant, "audit", None)
    if budget is not None:
        out[("/budget", "department")] = sorted({str(v) for v in budget["department"] if v})
        cols = [str(c) for c in budget.columns]
        out[("/budget", "sort")] = cols + ["-" + c for c in cols]
    if audit is not None:
        out[("/audit", "category")] = sorted({str(v) for v in audit["category"] if v})
        out[("/audit", "department")] = sorted({d for ds in audit["departments"] for d in ds if d})
    facts = getattr(getattr(assistant, "corpus", None), "facts", None)
    if facts:
        out[("/facts", "program")] = sorted({str(v) for f in facts for v in (f.program, f.subject) if v})
    findings = getattr(assistant, "findings", None)
    if findings is not None:
        out[("/validation", "severity")] = sorted({f.severity for f in findings})
    index = getattr(assistant, "_index", None) if hasattr(assistant, "_index") else getattr(assistant, "index", None)
    valid = getattr(index, "valid_values", None)
    if valid is not None:
        for f in ("kind", "department", "status", "doc"):
            try:
                out[("/search", f)] = [str(v) for v in valid(f)]
            except Exception:  # noqa: BLE001 - an index without that filter: leave it a free string
                continue
    return out


def _enum(param: dict, values: list[str]) -> None:
    schema = param.get("schema", {})
    choice = {"type": "string", "enum": values + [""]}      # blank means "no filter"
    if "anyOf" in schema:
        schema["anyOf"] = [choice if s.get("type") == "string" else s for s in schema["anyOf"]]
    else:
        schema.update(choice)
        schema.pop("maxLength", None)
    param["schema"] = schema


def _has_csv(op: dict) -> bool:
    """An operation with a `format` query parameter that offers csv."""
    for param in op.get("parameters", []):
        if param.get("name") == "format" and "csv" in str(param.get("schema", {})):
            return True
    return False


def fix_document(doc: dict[str, Any], values: dict[tuple[str, str], list[str]]) -> dict[str, Any]:
    for path, ops in doc.get("paths", {}).items():
        for op in ops.values():
            for status, resp in op.get("responses", {}).items():
                if status.startswith(("4", "5")):
                    resp["content"] = {"application/json": {"schema": dict(ERROR_REF)}}
            if _has_csv(op) and "200" in op.get("responses", {}):
                op["responses"]["200"].setdefault("content", {})["text/csv"] = {
                    "schema": {"type": "string"}, "description": "format=csv: the same rows as CSV (UTF-8 with BOM)"}
            for param in op.get("parameters", []):
                key = (path, param.get("name"))
                if param.get("in") == "query" and key in values and values[key]:
                    _enum(param, values[key])
    schemas = doc.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return doc


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        assistant = getattr(app.state, "assistant", None)
        doc = fix_document(doc, _values(assistant))
        if assistant is not None:       # before the assistant loads, the enums are unknown: do not cache
            app.openapi_schema = doc
        return doc
    app.openapi = openapi
