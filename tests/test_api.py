"""Every route of the HTTP API, and every error, with FastAPI's TestClient.

The routes are tested against a small fake assistant built from the real parsed corpus
(real tables, real findings, canned answers) so these tests stay fast and do not need an index.
"""
from __future__ import annotations

import csv
import io
import re
import time
import uuid
from dataclasses import fields
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import STATIC, StartupError, create_app
from api.deps import get_assistant
from api.models import MAX_BODY_BYTES, MAX_K, MAX_QUESTION_CHARS, AnswerOut, CitationOut
from assistant.answer import Answer, Citation
from index.errors import ReportError
from index.settings import Settings

LOWEST = "집행률이 가장 낮은 사업은?"


# ---------------------------------------------------------------- a fake assistant

class FakeHit:
    def __init__(self, **kw):
        self.kw = kw

    def to_dict(self):
        return dict(self.kw)


class FakeIndex:
    """Substring search over the audit items: enough to exercise /search."""

    def __init__(self, corpus):
        self.items = corpus.audit
        self.calls = []

    def valid_values(self, field):
        """Like HybridIndex.valid_values: what each filter accepts."""
        return {"kind": ["audit_item"], "doc": sorted({i.doc for i in self.items}),
                "status": sorted({i.status for i in self.items}),
                "department": sorted({d for i in self.items for d in i.departments})}[field]

    def search(self, query, k=5, mode="hybrid", kind=None, department=None, status=None, doc=None):
        self.calls.append({"query": query, "k": k, "mode": mode, "kind": kind, "department": department})
        for name, value in (("kind", kind), ("department", department), ("status", status), ("doc", doc)):
            if value is not None and value not in self.valid_values(name):
                raise ReportError(f"unknown {name}", value=value, fix=f"use one of: {', '.join(self.valid_values(name))}")
        hits = []
        for item in self.items:
            if department and department not in item.departments:
                continue
            text = f"{item.requirement}\n{item.action}"
            if any(w in text for w in query.split()):
                hits.append(FakeHit(chunk_id=f"{item.doc}:{item.id}", doc=item.doc, kind="audit_item",
                                    section=f"감사 {item.id}", department=item.departments[0] if item.departments else "",
                                    program=None, audit_id=item.id, status=item.status,
                                    line_start=item.line_start, line_end=item.line_end, text=text,
                                    score=1.0 / (len(hits) + 1), lexical_rank=len(hits) + 1, vector_rank=None))
        return hits[:k]


class FakeAssistant:
    """Same attributes as assistant.service.Assistant; `ask` answers from the real budget table."""

    def __init__(self, corpus, findings, with_index=True):
        from index.tables import audit_frame, budget_frame
        self.settings = Settings()
        self.corpus = corpus
        self.budget = budget_frame(corpus)
        self.audit = audit_frame(corpus)
        self.findings = findings
        self.index = FakeIndex(corpus) if with_index else None
        self.asked: list[tuple[str, str | None]] = []

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        t0 = time.perf_counter()
        self.asked.append((question, session_id))
        session_id = session_id or uuid.uuid4().hex
        if "집행률" in question and "낮" in question:
            b = self.budget
            progs = b[(b.source == "appendix") & (b.level == "program")]
            low = progs[progs.spent_rate == progs.spent_rate.min()]
            cols = ["department", "program", "budget", "spent", "spent_rate"]
            cites = [Citation(r.doc, r.section, int(r.line_start), int(r.line_end),
                              self.corpus.quote(r.doc, int(r.line_start), int(r.line_end)),
                              self.corpus.doc(r.doc).file) for r in low.itertuples()]
            names = ", ".join(low.program)
            return Answer(question, f"집행률이 가장 낮은 사업은 {len(low)}개로 모두 0.0%입니다: {names}", "budget",
                          data={"columns": cols, "rows": low[cols].values.tolist(), "value": 0.0},
                          method="별첨1 사업 행의 spent_rate 최솟값", citations=cites, confidence=0.95,
                          elapsed_ms=(time.perf_counter() - t0) * 1000, session_id=session_id)
        if question == "boom":
            raise RuntimeError("secret internal detail /etc/passwd")
        if question == "bug":   # what Assistant.ask returns when it caught a bug
            return Answer(question, "내부 오류로 답하지 못했습니다.", "not_found", session_id=session_id,
                          error={"code": "internal", "message": "KeyError: 'secret /srv/path'"})
        if "\x01" in question:
            return Answer(question, "질문을 처리할 수 없습니다", "not_found", session_id=session_id,
                          error={"code": "bad_input", "message": "question contains binary or control characters"})
        if question in ("flood", "busy"):    # what Assistant.ask returns when the session store refuses the turn
            code = {"flood": "too_many_sessions", "busy": "session_busy"}[question]
            return Answer(question, "질문을 처리할 수 없습니다", "not_found", session_id=session_id,
                          error={"code": code, "message": f"{code} (test)"})
        if question == "모호":
            return Answer(question, "어느 사업을 말씀하시나요?", "clarify", session_id=session_id,
                          error={"code": "bad_query", "message": "unknown metric"})
        return Answer(question, "관련 구절을 찾지 못했습니다.", "not_found", session_id=session_id,
                      elapsed_ms=(time.perf_counter() - t0) * 1000)

    def health(self) -> dict:
        return {"corpus_hash": self.corpus.hash, "index_hash": "fake", "embed_model": "fake",
                "counts": {"budget_rows": len(self.budget), "audit_items": len(self.audit),
                           "findings": len(self.findings)}}


@pytest.fixture(scope="module")
def fake(corpus, findings):
    return FakeAssistant(corpus, findings)


@pytest.fixture(scope="module")
def client(fake):
    return TestClient(create_app(Settings(), fake), raise_server_exceptions=False)


def err(r, status: int, code: str | None = None) -> str:
    """Assert an error response: the status, JSON {"error": {"code", "message"}}, no stack trace."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]["message"]


# ---------------------------------------------------------------- POST /ask

def test_ask_returns_the_answer_contract(client, fake):
    r = client.post("/ask", json={"question": LOWEST, "session_id": "s-1"})
    assert r.status_code == 200, r.text
    a = r.json()
    assert set(a) == {f.name for f in fields(Answer)}
    assert a["route"] == "budget" and a["session_id"] == "s-1" and a["error"] is None
    assert a["data"]["columns"][:2] == ["department", "program"]
    programs = {row[1] for row in a["data"]["rows"]}
    assert {"(가칭)청년드림센터 조성", "서울인권 컨퍼런스"} <= programs and len(programs) == 6
    c = a["citations"][0]
    assert set(c) == {f.name for f in fields(Citation)} and c["line_start"] <= c["line_end"] and c["quote"]
    assert fake.asked[-1] == (LOWEST, "s-1")


def test_answer_model_matches_the_dataclass():
    assert set(AnswerOut.model_fields) == {f.name for f in fields(Answer)}
    assert set(CitationOut.model_fields) == {f.name for f in fields(Citation)}


def test_ask_strips_the_question_and_passes_no_session(client, fake):
    r = client.post("/ask", json={"question": "  서울혁신파크는?  "})
    assert r.status_code == 200
    assert fake.asked[-1] == ("서울혁신파크는?", None)
    assert r.json()["session_id"]  # the assistant gave one


def test_ask_keeps_nan_out_of_json(corpus, findings):
    class NaNAssistant(FakeAssistant):
        def ask(self, question, session_id=None):
            return Answer(question, "x", "budget", data={"columns": ["rate"], "rows": [[float("nan")], [1.5]]})
    c = TestClient(create_app(Settings(), NaNAssistant(corpus, findings)))
    r = c.post("/ask", json={"question": "q"})
    assert r.status_code == 200 and r.json()["data"]["rows"] == [[None], [1.5]]


@pytest.mark.parametrize("body, status, code", [
    (b'{"question": ', 400, "malformed_json"),
    (b"{'question': 'x'}", 400, "malformed_json"),
    (b'{"question": 123}', 422, "invalid_request"),
    (b'{"question": ["a"]}', 422, "invalid_request"),
    (b'{"question": null}', 422, "invalid_request"),
    (b'{"question": ""}', 422, "invalid_request"),
    (b'{"question": "   \\n "}', 422, "invalid_request"),
    (b'{}', 422, "invalid_request"),
    (b'[]', 422, "invalid_request"),
    (b'"question"', 422, "invalid_request"),
    (b'{"question": "x", "k": 3}', 422, "invalid_request"),
    (b'{"question": "x", "session_id": 5}', 422, "invalid_request"),
    (b'{"question": "x", "session_id": "../../etc"}', 422, "invalid_request"),
    (b"", 422, "invalid_request"),
])
def test_ask_bad_bodies(client, body, status, code):
    err(client.post("/ask", content=body, headers={"Content-Type": "application/json"}), status, code)


def test_ask_messages_name_the_field_and_the_fix(client):
    assert "question" in err(client.post("/ask", json={"question": 5}), 422)
    assert "unknown field" in err(client.post("/ask", json={"question": "x", "extra": 1}), 422)
    assert "not valid JSON" in err(client.post("/ask", content=b"{", headers={"Content-Type": "application/json"}), 400)


def test_ask_question_length_limit(client):
    ok = client.post("/ask", json={"question": "가" * MAX_QUESTION_CHARS})
    assert ok.status_code == 200
    msg = err(client.post("/ask", json={"question": "가" * (MAX_QUESTION_CHARS + 1)}), 422, "invalid_request")
    assert "2000" in msg and "2,001" in msg


def test_ask_body_size_limit(client):
    big = b'{"question": "' + b"x" * (1 << 20) + b'"}'
    msg = err(client.post("/ask", content=big, headers={"Content-Type": "application/json"}), 413, "body_too_large")
    assert f"{MAX_BODY_BYTES:,}" in msg
    # without Content-Length (chunked): read up to the limit, then refused
    chunks = iter([b'{"question": "', b"x" * (1 << 20), b'"}'])
    err(client.post("/ask", content=chunks, headers={"Content-Type": "application/json"}), 413, "body_too_large")
    # a small chunked body still works
    r = client.post("/ask", content=iter([b'{"question": ', "\"서울\"}".encode()]),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["question"] == "서울"


def test_ask_wrong_content_type_and_method(client):
    err(client.post("/ask", content="question=x", headers={"Content-Type": "text/plain"}), 422)
    err(client.get("/ask"), 405, "method_not_allowed")


def test_internal_errors_are_json_without_details(client):
    msg = err(client.post("/ask", json={"question": "boom"}), 500, "internal")
    assert "secret" not in msg and "passwd" not in msg
    msg = err(client.post("/ask", json={"question": "bug"}), 500, "internal")
    assert "secret" not in msg and "KeyError" not in msg


def test_answer_errors(client):
    assert "question" in err(client.post("/ask", json={"question": "a\x01\x01\x01b"}), 422, "invalid_request")
    assert "question" in err(client.post("/ask", json={"question": "a\ufffd b"}), 422, "invalid_request")
    r = client.post("/ask", json={"question": "모호"})   # the assistant's own trouble: still an answer
    assert r.status_code == 200 and r.json()["error"]["code"] == "bad_query" and r.json()["route"] == "clarify"


def test_unknown_routes(client):
    assert "/nope" in err(client.get("/nope"), 404, "not_found")
    err(client.post("/search"), 405, "method_not_allowed")
    err(client.get("/static/nope.js"), 404, "not_found")


# ---------------------------------------------------------------- GET /search

def test_search(client, fake):
    r = client.get("/search", params={"q": "청년 프로젝트", "k": 3, "mode": "lexical", "department": "청년정책담당관"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["k"] == 3 and body["mode"] == "lexical"
    assert 1 <= body["count"] == len(body["hits"]) <= 3
    assert fake.index.calls[-1] == {"query": "청년 프로젝트", "k": 3, "mode": "lexical", "kind": None,
                                    "department": "청년정책담당관"}
    hit = body["hits"][0]
    assert {"chunk_id", "doc", "line_start", "line_end", "text", "score"} <= set(hit)


def test_search_defaults(client, fake):
    r = client.get("/search", params={"q": "기부금품"})
    assert r.status_code == 200
    assert fake.index.calls[-1]["k"] == 5 and fake.index.calls[-1]["mode"] == "hybrid"


@pytest.mark.parametrize("params, field", [
    ({"q": "x", "k": 10 ** 9}, "k"),
    ({"q": "x", "k": MAX_K + 1}, "k"),
    ({"q": "x", "k": 0}, "k"),
    ({"q": "x", "k": "many"}, "k"),
    ({"q": "x", "mode": "magic"}, "mode"),
    ({"q": ""}, "q"),
    ({"q": "   "}, "q"),
    ({}, "q"),
    ({"q": "x" * 501}, "q"),
    ({"q": "x", "department": "x" * 201}, "department"),
])
def test_search_bad_params(client, params, field):
    assert field in err(client.get("/search", params=params), 422)


def test_search_unknown_filter_value(client):
    assert "audit_item" in err(client.get("/search", params={"q": "x", "kind": "poem"}), 422, "unknown_value")


def test_search_k_limit_message(client):
    msg = err(client.get("/search", params={"q": "x", "k": 10 ** 9}), 422)
    assert "50" in msg and "1000000000" in msg


def test_search_without_index(corpus, findings):
    c = TestClient(create_app(Settings(), FakeAssistant(corpus, findings, with_index=False)))
    assert "index build" in err(c.get("/search", params={"q": "x"}), 503, "index_unavailable")


# ---------------------------------------------------------------- GET /budget

def test_budget_all_rows(client, fake):
    body = client.get("/budget").json()
    assert body["count"] == len(fake.budget) == len(body["rows"])
    assert body["columns"] == list(fake.budget.columns)


def test_budget_filters_and_sort(client, fake):
    r = client.get("/budget", params={"source": "appendix", "level": "program", "sort": "spent_rate"})
    body = r.json()
    i = body["columns"].index("spent_rate")
    rates = [row[i] for row in body["rows"]]
    assert rates == sorted(rates) and rates[:6] == [0.0] * 6 and rates[6] > 0
    names = [row[body["columns"].index("program")] for row in body["rows"][:6]]
    assert "지하보도 공유공간 조성(시민참여)" in names
    assert body["filters"] == {"source": "appendix", "level": "program", "sort": "spent_rate"}
    desc = client.get("/budget", params={"source": "appendix", "level": "program", "sort": "-budget"}).json()
    j = desc["columns"].index("budget")
    assert [row[j] for row in desc["rows"]] == sorted((row[j] for row in desc["rows"]), reverse=True)


def test_budget_department_and_citizen(client, fake):
    body = client.get("/budget", params={"department": "인권담당관", "source": "appendix"}).json()
    d = body["columns"].index("department")
    assert body["count"] > 5 and {row[d] for row in body["rows"]} == {"인권담당관"}
    cit = client.get("/budget", params={"citizen": "true", "source": "appendix"}).json()
    c = cit["columns"].index("citizen")
    b = fake.budget
    assert cit["count"] == int(((b.source == "appendix") & b.citizen).sum()) >= 9
    assert all(row[c] is True for row in cit["rows"])


def test_budget_json_is_plain(client):
    body = client.get("/budget", params={"source": "appendix"}).json()
    row = dict(zip(body["columns"], body["rows"][0]))
    assert isinstance(row["budget"], int) and isinstance(row["citizen"], bool) and isinstance(row["repaired"], list)


def test_budget_csv(client, fake):
    r = client.get("/budget", params={"format": "csv", "source": "appendix", "level": "department"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 6 and rows[0]["department"] == "사회혁신담당관" and rows[0]["budget"] == "21985422"


@pytest.mark.parametrize("params, field", [
    ({"level": "everything"}, "level"),
    ({"source": "../etc"}, "source"),
    ({"format": "xlsx"}, "format"),
    ({"sort": "salary"}, "sort"),
    ({"sort": "-"}, "sort"),
    ({"department": "없는과"}, "department"),
    ({"citizen": "maybe"}, "citizen"),
])
def test_budget_bad_params(client, params, field):
    assert field in err(client.get("/budget", params=params), 422)


# ---------------------------------------------------------------- GET /audit

def test_audit_all(client):
    body = client.get("/audit").json()
    assert body["count"] == body["total"] == 76 == len(body["rows"])
    assert body["counts"] == {"완료": 50, "추진중": 25, "검토중": 1, "미반영": 0}
    assert sum(body["by_category"].values()) == 76


def test_audit_filters(client):
    body = client.get("/audit", params={"status": "추진중", "department": "청년정책담당관"}).json()
    s, d = body["columns"].index("status"), body["columns"].index("departments")
    assert body["count"] > 0 and body["total"] == 76
    assert all(row[s] == "추진중" and "청년정책담당관" in row[d] for row in body["rows"])
    cat = client.get("/audit", params={"category": "건의사항"}).json()
    assert cat["count"] == 9
    q = client.get("/audit", params={"q": "기부금품"}).json()
    assert 0 < q["count"] < 76
    csv_r = client.get("/audit", params={"format": "csv", "status": "검토중"})
    assert len(list(csv.DictReader(io.StringIO(csv_r.content.decode("utf-8-sig"))))) == 1


@pytest.mark.parametrize("params, field", [
    ({"status": "done"}, "status"),
    ({"category": "없는구분"}, "category"),
    ({"department": "없는과"}, "department"),
    ({"q": "x" * 501}, "q"),
])
def test_audit_bad_params(client, params, field):
    assert field in err(client.get("/audit", params=params), 422)


# ---------------------------------------------------------------- GET /validation

def test_validation(client, findings):
    body = client.get("/validation").json()
    assert body["count"] == len(findings) == len(body["findings"])
    assert sum(body["by_severity"].values()) == len(findings)
    f = body["findings"][0]
    assert {"doc", "kind", "severity", "message", "subject", "figures", "lines"} == set(f)
    errors = client.get("/validation", params={"severity": "error"}).json()
    assert errors["count"] == body["by_severity"]["error"]
    assert "severity" in err(client.get("/validation", params={"severity": "fatal"}), 422)


# ---------------------------------------------------------------- documents

def test_documents(client, corpus):
    body = client.get("/documents").json()
    assert body["count"] == 2
    assert [d["id"] for d in body["documents"]] == [d.id for d in corpus.documents]
    assert body["documents"][1]["line_start"] == corpus.documents[1].line_start


def test_document_info(client, corpus):
    d = client.get("/documents/audit-2017").json()
    assert d["id"] == "audit-2017" and d["line_start"] == corpus.documents[1].line_start
    err(client.get("/documents/nope"), 404, "not_found")
    err(client.get("/documents/..%2F..%2Fetc%2Fpasswd"), 404, "not_found")
    err(client.get("/documents/.hidden"), 404, "not_found")


def test_document_lines_with_context(client, corpus):
    r = client.get("/documents/work-report-2018/lines", params={"start": 224, "end": 225, "context": 3})
    body = r.json()
    assert r.status_code == 200, r.text
    assert (body["start"], body["end"], body["context_start"], body["context_end"]) == (224, 225, 221, 228)
    assert [l["no"] for l in body["lines"]] == list(range(221, 229))
    cited = [l for l in body["lines"] if l["cited"]]
    assert [l["no"] for l in cited] == [224, 225]
    assert "\n".join(l["text"] for l in cited) == corpus.quote("work-report-2018", 224, 225)


def test_document_lines_single_line_and_context_clamped(client, corpus):
    d = corpus.documents[1]
    body = client.get(f"/documents/{d.id}/lines", params={"start": d.line_start, "context": 20}).json()
    assert body["context_start"] == d.line_start and body["end"] == d.line_start
    end = client.get(f"/documents/{d.id}/lines", params={"start": d.line_end, "context": 5}).json()
    assert end["context_end"] == d.line_end


@pytest.mark.parametrize("path", [
    "/documents/nope/lines?start=1",
    "/documents/..%2F..%2Fetc%2Fpasswd/lines?start=1",
    "/documents/%2Fetc%2Fpasswd/lines?start=1",
    "/documents/..%5C..%5Cwin.ini/lines?start=1",
    "/documents/.%2E/lines?start=1",
    "/documents/../../etc/passwd/lines?start=1",
    "/documents//etc/passwd/lines?start=1",
    "/documents/%00/lines?start=1",
    "/documents/work-report-2018/nope",
])
def test_document_bad_ids(client, path):
    """Ids are looked up in memory, never used as paths: every odd id is a plain 404."""
    err(client.get(path), 404, "not_found")


def test_document_unknown_id_lists_the_known(client):
    assert "work-report-2018" in err(client.get("/documents/nope/lines", params={"start": 1}), 404)


@pytest.mark.parametrize("params, code", [
    ({"start": 20, "end": 10}, "bad_range"),
    ({"start": 1, "end": 99_999}, "out_of_range"),
    ({"start": 1663}, "out_of_range"),
    ({"start": 1, "end": 600}, "range_too_long"),
    ({"start": 0}, "invalid_request"),
    ({"start": -5}, "invalid_request"),
    ({"start": "abc"}, "invalid_request"),
    ({"start": 10 ** 12}, "invalid_request"),
    ({}, "invalid_request"),
    ({"start": 1, "context": 21}, "invalid_request"),
])
def test_document_bad_ranges(client, params, code):
    err(client.get("/documents/work-report-2018/lines", params=params), 422, code)


def test_audit_document_rejects_work_report_lines(client):
    assert "1663" in err(client.get("/documents/audit-2017/lines", params={"start": 100}), 422, "out_of_range")


# ---------------------------------------------------------------- health, page, docs

def test_health(client, corpus):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["corpus_hash"] == corpus.hash and body["counts"]["audit_items"] == 76


def test_page(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    html = r.text
    assert 'lang="ko"' in html and "예산" in html and "감사" in html
    assert 'role="tab"' in html and 'aria-selected="true"' in html
    for asset in ("/static/app.js", "/static/app.css", "/static/vendor/chart.umd.min.js"):
        assert asset in html
        assert client.get(asset).status_code == 200


def test_page_makes_no_external_requests():
    """No CDN, no web font, no remote URL in anything the page loads."""
    for name in ("index.html", "app.js", "app.css"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), name
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", text), name
        assert "@import" not in text and "fetch(\"http" not in text and "fetch('http" not in text
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    assert '"Noto Sans KR"' in css and "NanumGothic" in css and "Malgun Gothic" in css and "sans-serif" in css
    chart = (STATIC / "vendor" / "chart.umd.min.js").read_text(encoding="utf-8")
    assert "sourceMappingURL" not in chart
    assert (STATIC / "vendor" / "chart.js.LICENSE.md").exists()


def test_docs_are_served_locally(client):
    r = client.get("/docs")
    assert r.status_code == 200 and "cdn.jsdelivr" not in r.text and "/static/vendor/swagger-ui/" in r.text
    spec = client.get("/openapi.json").json()
    for path in ("/ask", "/search", "/budget", "/audit", "/validation", "/documents", "/documents/{doc}",
                 "/documents/{doc}/lines",
                 "/health"):
        assert path in spec["paths"], path
    assert spec["components"]["schemas"]["AskRequest"]["additionalProperties"] is False


# ---------------------------------------------------------------- app wiring

def test_dependency_override(corpus, findings, fake):
    other = FakeAssistant(corpus, findings)
    app = create_app(Settings(), fake)
    app.dependency_overrides[get_assistant] = lambda: other
    TestClient(app).post("/ask", json={"question": "재정의"})
    assert other.asked[-1][0] == "재정의" and all(q != "재정의" for q, _ in fake.asked)


def test_without_lifespan_the_assistant_is_missing():
    c = TestClient(create_app(Settings(), None))   # no `with`: the lifespan never ran
    err(c.get("/health"), 503, "not_ready")


def test_lifespan_loads_once(monkeypatch, corpus, findings):
    import api.app as app_module
    loaded = []

    def load(settings):
        loaded.append(settings)
        return FakeAssistant(corpus, findings)
    monkeypatch.setattr(app_module, "load_assistant", load)
    settings = Settings(index_dir=Path("/nonexistent"))
    with TestClient(create_app(settings)) as c:
        assert c.get("/health").status_code == 200
        assert c.get("/audit").json()["total"] == 76
    assert loaded == [settings]


def test_lifespan_fails_clearly_when_the_index_is_missing(tmp_path):
    pytest.importorskip("assistant.service", reason="assistant.service not written yet")
    app = create_app(Settings(index_dir=tmp_path / "no-index"))
    with pytest.raises(StartupError) as e:
        with TestClient(app):
            pass
    assert "index" in str(e.value) and "build" in str(e.value)


def test_cors_is_off_unless_configured(fake):
    plain = TestClient(create_app(Settings(), fake))
    r = plain.get("/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    pre = plain.options("/ask", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers
    on = TestClient(create_app(Settings(), fake, cors_origins=["http://localhost:3000"]))
    r = on.get("/health", headers={"Origin": "http://localhost:3000"})
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"
    r = on.get("/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_still_up_after_bad_input(client):
    client.post("/ask", content=b"\xff\xfe\x00garbage", headers={"Content-Type": "application/json"})
    client.post("/ask", content=b"x" * (2 << 20), headers={"Content-Type": "application/json"})
    client.get("/search", params={"q": "x", "k": 10 ** 9})
    client.get("/documents/..%2F..%2F/lines", params={"start": -1})
    client.post("/ask", json={"question": "boom"})
    assert client.get("/health").json()["status"] == "ok"
    assert client.post("/ask", json={"question": LOWEST}).status_code == 200


# ---------------------------------------------------------------- `report-assistant serve`

def _cli(*args):
    from typer.testing import CliRunner

    from cli.main import app
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_refuses_to_start_without_an_index(tmp_path, workers):
    r = _cli("serve", "--index", str(tmp_path / "none"), "--port", "0", "--workers", workers)
    assert r.exit_code == 1
    assert "cannot start" in r.output and "index build" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("args, text", [
    (["--workers", "0"], "--workers"),
    (["--port", "70000"], "--port"),
    (["--log-level", "loud"], "--log-level"),
])
def test_serve_bad_options(args, text):
    r = _cli("serve", *args)
    assert r.exit_code == 2 and text in r.output


# ---------------------------------------------------------------- eval/load.py

@pytest.mark.parametrize("url", ["http://example.com", "http://10.0.0.1:8000", "http://192.168.1.2",
                                 "http://[2001:db8::1]:80", "ftp://127.0.0.1", "127.0.0.1:8000",
                                 "http://localhost.evil.com"])
def test_load_refuses_non_loopback(url, capsys):
    from eval.load import loopback_url, main
    with pytest.raises(ValueError):
        loopback_url(url)
    assert main(["--url", url, "--seconds", "1"]) == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:1/", "http://[::1]:8000",
                                 "http://127.0.0.2"])
def test_load_accepts_loopback(url):
    from eval.load import loopback_url
    assert loopback_url(url) == url.rstrip("/")


def test_load_bounds(capsys):
    from eval.load import main
    assert main(["--clients", "100000"]) == 2
    assert main(["--seconds", "100000"]) == 2
    assert "--clients" in capsys.readouterr().err


def test_load_percentiles_and_table():
    from eval.load import Sample, markdown, percentile, summarize
    assert percentile([], 99) == 0
    xs = [float(i) for i in range(1, 101)]
    assert (percentile(xs, 50), percentile(xs, 95), percentile(xs, 99), percentile(xs, 100)) == (50, 95, 99, 100)
    samples = [Sample("table", 10.0, 200, "budget")] * 8 + [Sample("passages", 30.0, 200, "passages"),
                                                            Sample("table", 5.0, 0)]
    rows = summarize(samples, 2.0)
    by = {r["questions"]: r for r in rows}
    table, passages, every = by["table"], by["passages"], by["all"]
    assert by["table, first ask"]["requests"] == 9 and "table, repeat" not in by
    assert (table["requests"], table["answered"], table["errors"], table["per_second"]) == (9, 8, 1, 4.0)
    assert passages["p99_ms"] == 30.0 and every["requests"] == 10
    text = markdown(rows)
    assert text.splitlines()[0].startswith("| questions |") and "| table | 9 |" in text


def test_load_against_a_live_server(fake):
    """The generator end to end: a real uvicorn on a free loopback port, 4 clients, 1 second."""
    import asyncio
    import socket
    import threading

    import uvicorn

    from eval.load import run, summarize
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(), fake), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        samples, failures, seconds = asyncio.run(run(f"http://127.0.0.1:{port}", 4, 1.0, warmup=0.2))
    finally:
        server.should_exit = True
        thread.join(10)
    rows = {r["questions"]: r for r in summarize(samples, seconds)}
    assert not failures and rows["all"]["requests"] > 4 and rows["all"]["errors"] == 0
    assert rows["table, repeat"]["requests"] > 0          # 14 fixed table questions, more requests than that


def test_load_distinct_questions_come_from_the_report(corpus):
    from eval.load import Pool, question_pools
    from eval.questions import distinct_questions
    table, passages = distinct_questions(corpus)
    assert len(table) == len(set(table)) >= 200 and len(passages) == len(set(passages)) >= 50
    programs = {r.program for r in corpus.budget if r.source == "appendix" and r.level == "program"}
    assert all(any(p in q for p in programs) for q in table[:20] if "예산은 얼마" in q)
    pool = Pool(["a", "b"])
    assert [pool.take() for _ in range(3)] == [("a", False), ("b", False), ("a", True)]
    t, p = question_pools("distinct")
    assert t.questions == table and p.questions == passages
    with pytest.raises(ValueError):
        Pool([])


def test_session_store_refusals(client):
    r = client.post("/ask", json={"question": "flood", "session_id": "new-1"})
    err(r, 429, "too_many_sessions")
    assert r.headers["retry-after"]
    r = client.post("/ask", json={"question": "busy", "session_id": "s"})
    err(r, 409, "session_busy")


def test_csv_cells_cannot_run_as_formulas(client):
    from api.models import csv_cell
    assert [csv_cell(v) for v in ("=1+1", "+x", "-y", "@SUM(A1)", "\tz", "\rz", "ok", -5, 1.5, None)] == \
        ["'=1+1", "'+x", "'-y", "'@SUM(A1)", "'\tz", "'\rz", "ok", -5, 1.5, None]
    for path in ("/audit?format=csv", "/budget?format=csv"):
        text = client.get(path).text.lstrip("\ufeff")
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        risky = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"-?[\d.]+", c)]
        assert not risky, risky[:3]
    text = client.get("/audit?format=csv").text
    assert "'-" in text or "'=" in text or "'+" in text or "'@" in text   # the report has such cells: they were quoted
