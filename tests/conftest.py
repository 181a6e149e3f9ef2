from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus():
    from index.parser import parse_corpus
    return parse_corpus(CORPUS)


@pytest.fixture(scope="session")
def findings(corpus):
    from index.validate import validate
    return validate(corpus)


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory):
    from synthetic import write_synthetic_corpus
    return write_synthetic_corpus(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="session")
def synthetic(synthetic_dir):
    from index.parser import parse_corpus
    return parse_corpus(synthetic_dir)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test reads the user's settings or writes outside tmp."""
    for k in ("REPORT_ASSISTANT_CORPUS", "REPORT_ASSISTANT_INDEX", "REPORT_ASSISTANT_EMBED_MODEL", "REPORT_ASSISTANT_STATEMENT_VECTORS",
              "REPORT_ASSISTANT_CHROMA_URL", "REPORT_ASSISTANT_LLM", "REPORT_ASSISTANT_DEBUG",
              "REPORT_ASSISTANT_SESSIONS", "REPORT_ASSISTANT_DATA", "REPORT_ASSISTANT_MAX_INFLIGHT"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def real_index_settings(tmp_path_factory):
    """The real corpus indexed once per session with the deterministic hash embedder."""
    from index.settings import Settings
    from index.store import build_index
    s = Settings(corpus_dir=CORPUS, index_dir=tmp_path_factory.mktemp("real-idx") / "index", embed_model="hash")
    build_index(s)
    return s


@pytest.fixture(scope="session")
def assistant(real_index_settings):
    from assistant.service import Assistant
    return Assistant.from_settings(real_index_settings)
