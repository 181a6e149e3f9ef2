"""`report-assistant ask` through the real console entry, index built once (hash embedder)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]


def run_cli(args, stdin: bytes = b"", env_settings=None, timeout=300):
    cmd = [sys.executable, "-c", "from cli.main import main; main()", *args]
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if env_settings is not None:
        env["REPORT_ASSISTANT_CORPUS"] = str(env_settings.corpus_dir)
        env["REPORT_ASSISTANT_INDEX"] = str(env_settings.index_dir)
        env["REPORT_ASSISTANT_EMBED_MODEL"] = env_settings.embed_model
    return subprocess.run(cmd, input=stdin, capture_output=True, cwd=ROOT, env=env, timeout=timeout)


def test_jsonl_one_response_per_line_in_order(real_index_settings):
    lines = [
        "지출 기준 집행률이 가장 낮은 사업은?".encode(),
        b"",
        b"\xff\xfe not utf-8",
        b'{"question": "\xec\xb2\xad\xeb\x85\x84\xec\x88\x98\xeb\x8b\xb9 \xec\x98\x88\xec\x82\xb0 \xec\x96\xbc\xeb\xa7\x88\xec\x98\x88\xec\x9a\x94?", "session_id": "s1"}',
        '{"question": "그 사업 지출액은?", "session_id": "s1"}'.encode(),
        b'{"question": 5}',
        b"{not json",
        "'; DROP TABLE budget; --".encode(),
    ]
    p = run_cli(["ask", "--jsonl"], b"\n".join(lines) + b"\n", real_index_settings)
    assert p.returncode == 0, p.stderr.decode()
    out = [json.loads(x) for x in p.stdout.decode().splitlines()]
    assert len(out) == len(lines)
    assert out[0]["route"] == "budget" and "서울인권 컨퍼런스" in out[0]["answer"] and out[0]["citations"]
    assert out[1]["error"]["code"] == "empty"
    assert out[2]["error"]["code"] == "bad_encoding"
    assert "21,010,000" in out[3]["answer"] and out[3]["session_id"] == "s1"
    assert "6,276,500" in out[4]["answer"]
    assert out[5]["error"]["code"] == "bad_json" and out[6]["error"]["code"] == "bad_json"
    assert out[7]["error"] is None
    assert b"Traceback" not in p.stderr


def test_ask_text_and_errors(real_index_settings, tmp_path):
    p = run_cli(["ask", "청년정책담당관 현원이 몇 명이에요?"], env_settings=real_index_settings)
    assert p.returncode == 0 and "14명" in p.stdout.decode()
    p = run_cli(["ask", ""], env_settings=real_index_settings)
    assert p.returncode == 2 and "empty question" in p.stderr.decode()
    p = run_cli(["ask", "예산?", "--index", str(tmp_path / "nowhere")])
    err = p.stderr.decode()
    assert p.returncode == 1 and "report-assistant index build" in err and "Traceback" not in err


def test_chat_session_follow_up_and_exit(real_index_settings):
    p = run_cli(["chat"], "청년수당 예산 얼마예요?\n그 사업 지출액은?\n\n/exit\n".encode(), real_index_settings)
    out = p.stdout.decode()
    assert p.returncode == 0, p.stderr.decode()
    assert "21,010,000" in out and "6,276,500" in out and "Traceback" not in out + p.stderr.decode()


def test_chat_ends_on_eof(real_index_settings):
    p = run_cli(["chat"], b"", real_index_settings)
    assert p.returncode == 0


HOSTILE = [
    b'{"question": "\\ud800 x"}',                                   # a JSON-escaped lone surrogate
    b'{"question": "\\udc80\\ud800", "session_id": "\\udfff"}',
    '{"question": "\\ud83d\\ude00 청년수당 예산 얼마예요?"}'.encode(),    # a valid surrogate pair (emoji)
    b'{"q":' * 8_000 + b"1" + b"}" * 8_000,                            # 40 KB nested JSON → RecursionError
    b"[" * 40_000,
    b'{"question": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
    "가".encode() * 350_000,                                           # a 1 MB line
    b"\x00\x00\x00",
    "청년수당\x00 예산".encode(),
    b"\xff\xfe\xed\xa0\x80 bad bytes",                                 # invalid UTF-8 (and an encoded surrogate)
    b'{"question": "ok", "session_id": ["a"]}',
    b'{"question": "ok", "extra": 1}',
    b"   ",
]


def _check_batch(p, n_lines):
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")[-2000:]
    assert b"Traceback" not in p.stderr
    text = p.stdout.decode("utf-8")               # strict: the output is valid UTF-8
    out = [json.loads(x) for x in text.splitlines()]
    assert len(out) == n_lines
    return out


@pytest.mark.slow
def test_jsonl_hostile_lines_never_stop_the_batch(real_index_settings):
    lines = HOSTILE + ["지출 기준 집행률이 가장 낮은 사업은?".encode()]
    p = run_cli(["ask", "--jsonl"], b"\n".join(lines), real_index_settings)   # no newline after the last line
    out = _check_batch(p, len(lines))
    codes = [(o.get("error") or {}).get("code") for o in out]
    assert codes[3] == codes[5] == "bad_json" and "nested too deeply" in out[3]["error"]["message"]
    assert codes[4] == "too_long"                 # not JSON: a 40,000-character question
    assert codes[6] == "too_long" and "1,050,000 bytes" in out[6]["error"]["message"]
    assert codes[9] == "bad_encoding" and codes[10] == "bad_session" and codes[11] == "bad_json"
    assert "21,010,000" in out[2]["answer"]
    assert out[-1]["route"] == "budget" and out[-1]["citations"]
    assert all("\ufffd" not in o["answer"] or o["error"] for o in out)


@pytest.mark.slow
def test_search_jsonl_hostile_lines(real_index_settings):
    lines = HOSTILE + ['{"query": "청년수당 매월", "k": 2}'.encode()]
    p = run_cli(["search", "--jsonl"], b"\n".join(lines) + b"\n", real_index_settings)
    out = _check_batch(p, len(lines))
    assert [o["line"] for o in out] == list(range(1, len(lines) + 1))
    assert "nested too deeply" in out[3]["error"] and "longer than" in out[6]["error"]
    assert "UTF-8" in out[9]["error"]
    assert len(out[-1]["hits"]) == 2


@pytest.mark.slow
def test_lone_surrogates_typed_on_the_command_line(real_index_settings):
    p = run_cli(["ask", b"\xed\xa0\x80 \xff".decode("utf-8", "surrogateescape")], env_settings=real_index_settings)
    err = p.stderr.decode()
    assert p.returncode == 2 and "not valid UTF-8" in err and "Traceback" not in err
    p = run_cli(["chat"], b"\xff\xfe bad\n\xec\xb2\xad\xeb\x85\x84\xec\x88\x98\xeb\x8b\xb9 \xec\x98\x88\xec\x82\xb0?\n/exit\n",
                real_index_settings)
    out = p.stdout.decode()
    assert p.returncode == 0 and "UTF-8" in out and "21,010,000" in out and "Traceback" not in out + p.stderr.decode()
