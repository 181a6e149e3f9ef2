"""Bad input gets a clear error or a finding naming file and line — never a
traceback, never a silently dropped row."""
from __future__ import annotations

import json
import shutil

import pytest

from index.errors import ReportError
from index.parser import parse_corpus
from index.validate import validate


def _corpus_with(tmp_path, text: bytes | str, manifest=None):
    f = tmp_path / "r.txt"
    f.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    m = manifest or {"documents": [{"id": "d", "title": "t", "file": "r.txt", "kind": "work_report", "as_of": "2018"}]}
    (tmp_path / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    return tmp_path


def test_empty_file(tmp_path):
    with pytest.raises(ReportError, match=r"r\.txt: report file is empty"):
        parse_corpus(_corpus_with(tmp_path, ""))


def test_binary_file(tmp_path):
    with pytest.raises(ReportError, match="binary") as e:
        parse_corpus(_corpus_with(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00"))
    assert "Fix:" in str(e.value)


def test_invalid_utf8_names_line(tmp_path):
    with pytest.raises(ReportError, match=r"r\.txt:3: report file is not valid UTF-8"):
        parse_corpus(_corpus_with(tmp_path, b"a\nb\n\xff\xfe c"))


def test_not_a_report(tmp_path):
    with pytest.raises(ReportError, match="does not look like a work report"):
        parse_corpus(_corpus_with(tmp_path, "hello\nworld\n"))


def test_missing_manifest_and_bad_manifest(tmp_path):
    with pytest.raises(ReportError, match="manifest not found"):
        parse_corpus(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportError, match="not valid JSON"):
        parse_corpus(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"documents": [
        {"id": "x", "title": "t", "file": "../etc/passwd", "kind": "work_report", "as_of": "1"}]}), encoding="utf-8")
    with pytest.raises(ReportError, match="plain file name"):
        parse_corpus(tmp_path)


def test_missing_cell_is_a_finding(tmp_path, synthetic_dir):
    d = tmp_path / "c"
    shutil.copytree(synthetic_dir, d)
    f = d / "synthetic-report.txt"
    lines = f.read_text(encoding="utf-8").split("\n")
    no = next(i for i, l in enumerate(lines) if l.startswith("해변 정화 민관협력 지원 ") and i > 300)
    cells = lines[no].split(" ")
    del cells[-3]                                   # drop the 지출 rate cell
    lines[no] = " ".join(cells)
    f.write_text("\n".join(lines), encoding="utf-8")
    c = parse_corpus(d)
    bad = [x for x in validate(c) if x.kind == "row_unparsed"]
    assert len(bad) == 1 and bad[0].lines == (no + 1,)
    assert f"synthetic-report.txt:{no + 1}:" in bad[0].message
    assert c.rows_seen == len([r for r in c.budget]) + 1     # seen vs parsed: nothing silently dropped


def test_truncated_report(tmp_path, synthetic_dir):
    d = tmp_path / "t"
    shutil.copytree(synthetic_dir, d)
    f = d / "synthetic-report.txt"
    text = f.read_text(encoding="utf-8")
    f.write_text(text[: text.index("별 첨 1")], encoding="utf-8")
    (d / "manifest.json").write_text(json.dumps({"documents": [json.loads((d / "manifest.json").read_text())["documents"][0]]}),
                                     encoding="utf-8")
    c = parse_corpus(d)
    assert not [r for r in c.budget if r.source == "appendix"]
    assert [r for r in c.budget if r.source == "body"]     # what is there still parses


@pytest.mark.parametrize("body, status", [
    (b'{"question": "\\ud800 x"}', 422),                                  # a JSON-escaped lone surrogate
    (b'{"question": "ok", "session_id": "\\udfff"}', 422),
    (b'{"question": ' + b"[" * 40_000 + b"}", 400),                       # nested too deeply for the parser
    (b'{"question": "\x00\x00"}', 400),                                   # raw NUL inside a JSON string
    (b"\xff\xfe{}", 400),                                                 # not UTF-8
])
def test_api_hostile_bodies_get_json_errors(corpus, findings, body, status):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from index.settings import Settings
    from test_api import FakeAssistant
    client = TestClient(create_app(Settings(), FakeAssistant(corpus, findings)), raise_server_exceptions=False)
    r = client.post("/ask", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert set(r.json()["error"]) == {"code", "message"} and "Traceback" not in r.text
    r.content.decode("utf-8")                                              # the answer is valid UTF-8
    assert client.get("/health").status_code == 200
