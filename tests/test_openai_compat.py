"""The OpenAI-compatible API (/v1) driven by the official `openai` client, and the history replay.

Most tests use a small fake assistant that remembers the questions of each session, so the
replay of earlier user turns is visible in the answer; one test uses the real assistant
(tables only, no index) for a real follow-up, and one talks to a real uvicorn over loopback.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings as hsettings, strategies as st

from api.app import create_app
from api.openai_compat import MODEL_ID, estimate_tokens, pieces, read_messages, OpenAIError
from assistant.answer import Answer, Citation
from assistant.footnotes import footnotes
from assistant.history import MAX_REPLAYED_TURNS, answer_with_history, replay_window
from index.settings import Settings

ERROR_KEYS = {"message", "type", "param", "code"}


class DialogueFake:
    """Answers '<question> | after: <earlier questions of this session>' with three citations
    (two of them the same span)."""

    def __init__(self):
        self.sessions: dict[str, list[str]] = {}
        self.calls: list[tuple[str, str | None]] = []

    def ask(self, question, session_id=None):
        self.calls.append((question, session_id))
        if not question.strip():
            return Answer(question=question, answer="빈 질문", route="not_found",
                          error={"code": "empty", "message": "empty question"}, session_id=session_id)
        if question == "boom":
            return Answer(question=question, answer="내부 오류", route="not_found",
                          error={"code": "internal", "message": "KeyError: secret detail"}, session_id=session_id)
        if question == "raise":
            raise RuntimeError("secret detail")
        before = list(self.sessions.get(session_id, [])) if session_id else []
        if session_id:
            self.sessions[session_id] = before + [question]
        cites = [Citation("doc-a", "s", 10, 12, "q"), Citation("doc-a", "s", 10, 12, "q"),
                 Citation("doc-b", "s", 5, 5, "q")]
        return Answer(question=question, answer=f"{question} | after: {' / '.join(before) or '-'}", route="budget",
                      data={"value": len(before)}, citations=cites, confidence=1.0, session_id=session_id)


@pytest.fixture()
def fake():
    return DialogueFake()


@pytest.fixture()
def app(fake, tmp_path):
    return create_app(Settings(index_dir=tmp_path / "none"), fake)


@pytest.fixture()
def http(app):
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture()
def client(http):
    """The official client over the ASGI app (TestClient is an httpx.Client)."""
    return openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=http, max_retries=0)


def user(text):
    return {"role": "user", "content": text}


# ---------------------------------------------------------------- plain, streamed, follow-up

def test_plain_completion(client, fake):
    resp = client.chat.completions.create(model=MODEL_ID, messages=[user("청년수당 예산은?")])
    assert resp.object == "chat.completion" and resp.model == MODEL_ID and resp.id.startswith("chatcmpl-")
    choice = resp.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    # the answer text, then one footnote per distinct (doc, lines) span
    assert choice.message.content == ("청년수당 예산은? | after: -\n\n"
                                      "[1] doc-a, lines 10–12\n[2] doc-b, line 5")
    u = resp.usage
    assert u.prompt_tokens > 0 and u.completion_tokens > 0 and u.total_tokens == u.prompt_tokens + u.completion_tokens
    extra = resp.model_extra["report_assistant"]
    assert extra["answer"]["route"] == "budget" and len(extra["answer"]["citations"]) == 3
    assert extra["answer"]["session_id"] is None
    assert extra["history"] == {"earlier_user_turns": 0, "replayed": 0, "dropped": 0,
                                "max_replayed": MAX_REPLAYED_TURNS}
    assert fake.calls == [("청년수당 예산은?", None)]      # no earlier turns: no session at all


def test_streamed_completion_matches_plain(client, http):
    messages = [user("첫 질문"), {"role": "assistant", "content": "…"}, user("둘째 질문")]
    plain = client.chat.completions.create(model=MODEL_ID, messages=messages)
    stream = client.chat.completions.create(model=MODEL_ID, messages=messages, stream=True,
                                            stream_options={"include_usage": True})
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" and c.model == MODEL_ID for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    finish = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finish) == 1 and finish[0].choices[0].finish_reason == "stop"
    assert finish[0].model_extra["report_assistant"]["answer"]["answer"] == "둘째 질문 | after: 첫 질문"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == plain.usage.total_tokens
    # on the wire: server-sent events ending with [DONE]
    raw = http.post("/v1/chat/completions", json={"model": MODEL_ID, "messages": messages, "stream": True})
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/event-stream")
    events = [e for e in raw.text.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"
    assert "usage" not in json.loads(events[0][6:])       # no usage unless include_usage


def test_follow_up_through_history(client, fake):
    messages = [{"role": "system", "content": "You are helpful."}, user("청년수당 예산은?"),
                {"role": "assistant", "content": "210.1억원 [1]"},
                {"role": "user", "content": [{"type": "text", "text": "그 사업"}, {"type": "text", "text": "집행률은?"}]},
                {"role": "assistant", "content": None, "tool_calls": []}, user("부서는?")]
    resp = client.chat.completions.create(model=MODEL_ID, messages=messages)
    assert resp.choices[0].message.content.startswith("부서는? | after: 청년수당 예산은? / 그 사업\n집행률은?\n\n")
    sessions = {sid for _, sid in fake.calls}
    assert len(sessions) == 1 and re.fullmatch(r"replay-[0-9a-f]{32}", sessions.pop())
    assert [q for q, _ in fake.calls] == ["청년수당 예산은?", "그 사업\n집행률은?", "부서는?"]
    again = client.chat.completions.create(model=MODEL_ID, messages=messages)
    assert again.choices[0].message.content == resp.choices[0].message.content     # deterministic
    assert len({sid for _, sid in fake.calls}) == 2                                # a fresh private session


def test_long_history_is_bounded(client, fake):
    messages = []
    for i in range(100):
        messages += [user(f"q{i}"), {"role": "assistant", "content": f"a{i}"}]
    messages.append(user("last"))
    resp = client.chat.completions.create(model=MODEL_ID, messages=messages)
    history = resp.model_extra["report_assistant"]["history"]
    assert history == {"earlier_user_turns": 100, "replayed": MAX_REPLAYED_TURNS,
                       "dropped": 100 - MAX_REPLAYED_TURNS, "max_replayed": MAX_REPLAYED_TURNS}
    assert [q for q, _ in fake.calls] == [f"q{i}" for i in range(80, 100)] + ["last"]
    assert resp.choices[0].message.content.startswith("last | after: q80 / q81")


def test_models(client):
    assert [m.id for m in client.models.list().data] == [MODEL_ID]
    assert client.models.retrieve(MODEL_ID).id == MODEL_ID
    with pytest.raises(openai.NotFoundError) as e:
        client.models.retrieve("gpt-4o")
    assert e.value.code == "model_not_found"


# ---------------------------------------------------------------- bad requests through the client

@pytest.mark.parametrize("kwargs, error, status, code", [
    ({"model": "gpt-4o", "messages": [user("q")]}, openai.NotFoundError, 404, "model_not_found"),
    ({"model": MODEL_ID, "messages": []}, openai.BadRequestError, 400, "empty_array"),
    ({"model": MODEL_ID, "messages": [{"role": "system", "content": "hi"}]}, openai.BadRequestError, 400,
     "no_user_message"),
    ({"model": MODEL_ID, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "이 그림의 예산은?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]},
     openai.BadRequestError, 400, "unsupported_content"),
    ({"model": MODEL_ID, "messages": [user("q")], "n": 2}, openai.BadRequestError, 400, "invalid_type"),
    ({"model": MODEL_ID, "messages": [user("q")], "response_format": {"type": "json_object"}},
     openai.BadRequestError, 400, "unsupported_parameter"),
    ({"model": MODEL_ID, "messages": [user("   ")]}, openai.BadRequestError, 400, "empty"),
])
def test_bad_requests_with_the_client(client, kwargs, error, status, code):
    with pytest.raises(error) as e:
        client.chat.completions.create(**kwargs)
    assert e.value.status_code == status and e.value.code == code
    assert set(e.value.body) == ERROR_KEYS and e.value.body["type"] == "invalid_request_error"


def test_sampling_parameters_are_accepted(client):
    resp = client.chat.completions.create(model=MODEL_ID, messages=[user("q")], temperature=0.0, top_p=1,
                                          max_tokens=5, seed=1, user="eval", stop=["\n"], n=1)
    assert resp.choices[0].message.content.startswith("q | after: -")


# ---------------------------------------------------------------- bad requests on the wire

def _post(http, body: bytes | str, content_type="application/json"):
    return http.post("/v1/chat/completions", content=body, headers={"content-type": content_type})


def _doc(**kw):
    return json.dumps({"model": MODEL_ID, "messages": [user("q")], **kw})


@pytest.mark.parametrize("body, param, code", [
    ("{bad json", None, "invalid_json"),
    ("", None, "missing_required_parameter"),
    ("[1, 2]", None, "invalid_type"),
    ('{"messages": [{"role": "user", "content": "q"}]}', "model", "missing_required_parameter"),
    ('{"model": 3, "messages": [{"role": "user", "content": "q"}]}', "model", "invalid_type"),
    (json.dumps({"model": MODEL_ID, "messages": "q"}), "messages", "invalid_type"),
    (json.dumps({"model": MODEL_ID, "messages": ["q"]}), "messages[0]", "invalid_type"),
    (json.dumps({"model": MODEL_ID, "messages": [{"role": "king", "content": "q"}]}), "messages[0].role",
     "invalid_value"),
    (json.dumps({"model": MODEL_ID, "messages": [{"content": "q"}]}), "messages[0].role", "invalid_value"),
    (json.dumps({"model": MODEL_ID, "messages": [{"role": "user"}]}), "messages[0].content",
     "missing_required_parameter"),
    (json.dumps({"model": MODEL_ID, "messages": [{"role": "user", "content": None}]}), "messages[0].content",
     "invalid_value"),
    (json.dumps({"model": MODEL_ID, "messages": [{"role": "user", "content": 42}]}), "messages[0].content",
     "invalid_type"),
    (json.dumps({"model": MODEL_ID, "messages": [{"role": "user", "content": ["q"]}]}), "messages[0].content[0]",
     "invalid_type"),
    (json.dumps({"model": MODEL_ID, "messages": [{"role": "user", "content": [{"type": "text"}]}]}),
     "messages[0].content[0].text", "invalid_type"),
    (json.dumps({"model": MODEL_ID, "messages": [{"role": "user", "content": [{"type": "input_audio"}]}]}),
     "messages[0].content[0]", "unsupported_content"),
    (_doc(stream="yes"), "stream", "invalid_type"),
    (_doc(stream_options={"include_usage": "yes"}), "stream_options.include_usage", "invalid_type"),
    (_doc(temperature=9), "temperature", "invalid_type"),
    (_doc(code="__import__('os')"), "code", "unknown_parameter"),
    (json.dumps({"model": MODEL_ID, "messages": [user("q" * 2_001)]}), "messages[0].content", "too_long"),
    (json.dumps({"model": MODEL_ID, "messages": [user("q")] * 1_001}), "messages", "invalid_type"),
])
def test_bad_requests_on_the_wire(http, body, param, code):
    r = _post(http, body)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert set(err) == ERROR_KEYS and err["type"] == "invalid_request_error"
    assert (err["param"], err["code"]) == (param, code), err
    assert "Traceback" not in err["message"] and err["message"]


def test_wrong_content_type_and_binary(http):
    r = _post(http, "model=report-assistant", content_type="text/plain")
    assert r.status_code == 400 and set(r.json()["error"]) == ERROR_KEYS
    r = _post(http, b"\xff\xfe\x00binary")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"


def test_lone_surrogate_is_replaced_not_a_crash(http, fake):
    # json.dumps writes the lone surrogate as the escape "\ud800", which JSON allows
    r = _post(http, json.dumps({"model": MODEL_ID, "messages": [user("예산\ud800은?")]}))
    assert r.status_code == 200 and fake.calls[-1][0] == "예산\ufffd은?"
    r = _post(http, json.dumps({"model": "\ud800", "messages": [user("q")]}))
    assert r.status_code == 400 and r.json()["error"]["param"] == "model"


def test_other_v1_paths_and_methods(http):
    r = http.post("/v1/embeddings", json={"input": "x"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_url"
    r = http.get("/v1/chat/completions")
    assert r.status_code == 405 and set(r.json()["error"]) == ERROR_KEYS and r.headers["allow"] == "POST"
    for path in ("/v1/models", f"/v1/models/{MODEL_ID}"):
        r = http.put(path, json={})
        assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert http.post("/ask", json={"question": "q"}).status_code == 200     # the app's own API is untouched


def test_assistant_errors_are_server_errors_without_details(http):
    for question in ("boom", "raise"):
        r = _post(http, json.dumps({"model": MODEL_ID, "messages": [user(question)]}))
        assert r.status_code == 500
        err = r.json()["error"]
        assert err["type"] == "server_error" and "secret" not in err["message"]


def test_not_loaded_is_503_in_openai_shape(tmp_path):
    app = create_app(Settings(index_dir=tmp_path / "none"), None)      # no lifespan run: no assistant
    r = TestClient(app).post("/v1/chat/completions", json={"model": MODEL_ID, "messages": [user("q")]})
    assert r.status_code == 503 and r.json()["error"]["type"] == "server_error"
    assert set(r.json()["error"]) == ERROR_KEYS


def test_routes_stay_out_of_the_app_openapi_document(http):
    # documented in docs/clients.md and by OpenAI's reference; the app's document keeps its own error shape
    assert not [p for p in http.get("/openapi.json").json()["paths"] if p.startswith("/v1")]


# ---------------------------------------------------------------- a real server and the real assistant

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_streaming_over_a_real_socket(app):
    import uvicorn
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0,
                               http_client=httpx.Client(timeout=10))
        deltas = [c.choices[0].delta.content for c in client.chat.completions.create(
            model=MODEL_ID, messages=[user("첫"), user("둘")], stream=True) if c.choices]
        assert "".join(d or "" for d in deltas).startswith("둘 | after: 첫") and len(deltas) > 3
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def tables_assistant(tmp_path_factory):
    """The real assistant over the real corpus, tables only (no search index)."""
    from assistant.service import Assistant
    from conftest import CORPUS
    return Assistant.from_settings(Settings(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("noindex"),
                                            embed_model="hash"), with_index=False)


@pytest.mark.slow
def test_real_follow_up_through_history(tables_assistant, tmp_path):
    app = create_app(Settings(index_dir=tmp_path / "none"), tables_assistant)
    client = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=TestClient(app),
                           max_retries=0)
    # the programme and its figures come from the parsed table, not from this test
    frame = tables_assistant.budget
    programs = frame[(frame["source"] == "appendix") & (frame["level"] == "program")]
    top = programs.sort_values("budget", ascending=False, kind="stable").iloc[0]
    question = f"{top['program']} 예산은?"
    first = client.chat.completions.create(model=MODEL_ID, messages=[user(question)])
    contract = first.model_extra["report_assistant"]["answer"]
    assert contract["route"] == "budget", contract["answer"]
    assert f"{int(top['budget']):,}" in first.choices[0].message.content
    assert re.search(r"\n\n\[1\] [\w.-]+, lines? \d+", first.choices[0].message.content)
    follow = client.chat.completions.create(model=MODEL_ID, messages=[
        user(question), {"role": "assistant", "content": first.choices[0].message.content},
        user("그 사업 지출 집행률은?")])
    text = follow.choices[0].message.content
    assert top["program"] in text and f"{top['spent_rate']}%" in text
    alone = client.chat.completions.create(model=MODEL_ID, messages=[user("그 사업 지출 집행률은?")])
    assert top["program"] not in alone.choices[0].message.content     # without the history: no '그 사업'


# ---------------------------------------------------------------- pure pieces

def test_replay_window():
    w = replay_window([f"q{i}" for i in range(25)])
    assert w.turns == tuple(f"q{i}" for i in range(5, 25)) and (w.user_turns, w.dropped) == (25, 5)
    assert replay_window([]).turns == () and replay_window(["a"], max_turns=0).dropped == 1
    with pytest.raises(ValueError):
        replay_window(["a"], max_turns=-1)


def test_answer_with_history_without_turns_uses_no_session(fake):
    ans = answer_with_history(fake, [], "q")
    assert fake.calls == [("q", None)] and ans.session_id is None and fake.sessions == {}


def test_footnotes_dedupe_and_cap():
    cites = [{"doc": "d", "line_start": i, "line_end": i + 1} for i in range(25)] + [{"doc": "d", "line_start": 0,
                                                                                     "line_end": 1}]
    notes = footnotes(cites, limit=20)
    assert notes[0] == "[1] d, lines 0–1" and notes[19].startswith("[20] ") and notes[20].startswith("… 5 more")
    assert footnotes([]) == []


def test_read_messages_keeps_user_turns_only():
    convo = read_messages([{"role": "developer", "content": "x"}, user("a"), {"role": "tool", "content": "t"},
                           {"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]}, user("b")])
    assert convo.earlier == ("a",) and convo.question == "b"
    with pytest.raises(OpenAIError):
        read_messages([{"role": "user", "content": [{"type": "refusal", "refusal": "no"}]}])


@hsettings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_pieces_rejoin_and_tokens(text):
    assert "".join(pieces(text)) == text
    assert estimate_tokens(text) >= (1 if text.strip() else 0)
