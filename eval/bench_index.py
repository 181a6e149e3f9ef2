"""Index scale benchmark: the corpus replicated ×N as distinct documents.

    python -m eval.bench_index --copies 1 10 100 [--model NAME] [--max-embed-seconds 900]

For each N a temporary corpus holds N copies of every report file, each copy
with its own document ids (``work-report-2018-c007`` …), so chunk ids, filters
and citations stay distinct. Reports build time (with its parts), index size,
and warm lexical / hybrid query p50 over the gold questions. Embedding is
skipped (lexical-only build, said in the table) when the ×1 embedding rate
predicts more than ``--max-embed-seconds`` (default 900: ×10 gets vectors,
×100 with the fallback model on 2 cores does not).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from eval.retrieval_eval import GOLD, load_gold


def replicate(corpus_dir: Path, out: Path, copies: int) -> Path:
    """Write ``copies`` copies of the corpus into ``out`` with distinct ids and files."""
    manifest = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    docs = []
    out.mkdir(parents=True, exist_ok=True)
    for i in range(1, copies + 1):
        for d in manifest["documents"]:
            stem, dot, ext = d["file"].rpartition(".")
            name = f"{stem}-c{i:03d}.{ext}" if dot else f"{d['file']}-c{i:03d}"
            if not (out / name).exists():
                shutil.copyfile(corpus_dir / d["file"], out / name)
            docs.append({**d, "id": f"{d['id']}-c{i:03d}", "file": name, "title": f"{d['title']} (사본 {i})"})
    (out / "manifest.json").write_text(json.dumps({"documents": docs}, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def _p50(index, questions: list[str], mode: str) -> float:
    emb = getattr(index.vector, "embedder", None)
    index.search("워밍업 질문", k=5, mode=mode)
    if emb is not None:
        emb.clear_cache()
    lat = []
    for q in questions:
        t = time.perf_counter()
        index.search(q, k=5, mode=mode)
        lat.append((time.perf_counter() - t) * 1000)
    return statistics.median(lat)


def bench(corpus_dir: Path, copies: list[int], model: str, max_embed_seconds: float, n_queries: int,
          workdir: Path, log=print) -> list[dict]:
    from index.settings import Settings
    from index.store import build_index, load_index
    questions = [g["question"] for g in load_gold(GOLD)][:n_queries]
    rows: list[dict] = []
    rate = None                     # chunks embedded per second, measured at the first size
    for n in copies:
        cdir = replicate(corpus_dir, workdir / f"corpus-x{n}", n)
        settings = Settings(corpus_dir=cdir, index_dir=workdir / f"index-x{n}", embed_model=model)
        vectors = True
        est = None
        if rate is not None and rows:
            est = rows[0]["chunks"] * n / rows[0]["copies"] / rate
            vectors = est <= max_embed_seconds
        log(f"×{n}: building ({'with' if vectors else 'without'} vectors"
            + (f", embedding estimated {est:.0f} s" if est is not None else "") + ") …")
        t = time.perf_counter()
        info = build_index(settings, force=True, vectors=vectors)
        wall = time.perf_counter() - t
        if vectors and info.timings.get("embed"):
            rate = rate or info.chunks / info.timings["embed"]
        t = time.perf_counter()
        index = load_index(settings)
        load_s = time.perf_counter() - t
        row = {"copies": n, "documents": len(info.documents), "chunks": info.chunks, "vectors": vectors,
               "embed_estimate_s": round(est, 1) if est is not None else None,
               "build_s": round(wall, 1), "parse_s": info.timings.get("parse"), "tokenize_s": info.timings.get("lexical"),
               "embed_s": info.timings.get("embed"), "size_mb": round(info.size_bytes / 1e6, 1),
               "load_s": round(load_s, 1), "lexical_p50_ms": round(_p50(index, questions, "lexical"), 2),
               "hybrid_p50_ms": round(_p50(index, questions, "hybrid"), 2) if vectors else None}
        rows.append(row)
        log(format_table(rows[-1:], header=False))
        del index
    return rows


def format_table(rows: list[dict], header: bool = True) -> str:
    cols = [("copies", "×"), ("documents", "docs"), ("chunks", "chunks"), ("vectors", "vectors"),
            ("build_s", "build s"), ("parse_s", "parse s"), ("tokenize_s", "tokenise s"), ("embed_s", "embed s"),
            ("size_mb", "size MB"), ("load_s", "load s"), ("lexical_p50_ms", "lex p50 ms"),
            ("hybrid_p50_ms", "hyb p50 ms")]
    fmt = lambda v: "-" if v is None else ("yes" if v is True else "no" if v is False else
                                           f"{v:.2f}" if isinstance(v, float) else str(v))
    widths = [max(len(h), *(len(fmt(r[c])) for r in rows)) for c, h in cols]
    lines = []
    if header:
        lines.append("  ".join(h.rjust(w) for (_, h), w in zip(cols, widths)))
    for r in rows:
        lines.append("  ".join(fmt(r[c]).rjust(w) for (c, _), w in zip(cols, widths)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from index.settings import Settings
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--corpus", help="corpus to replicate (default: ./corpus)")
    ap.add_argument("--model", help="embedding model (default: settings)")
    ap.add_argument("--max-embed-seconds", type=float, default=900.0)
    ap.add_argument("--queries", type=int, default=90, help="gold questions timed per mode")
    ap.add_argument("--keep", help="work directory to keep (default: a temporary one, removed)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    s = Settings.from_env(corpus_dir=a.corpus, embed_model=a.model)
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="ra-bench-"))
    try:
        rows = bench(Path(s.corpus_dir), sorted(a.copies), s.embed_model, a.max_embed_seconds, a.queries, work,
                     log=lambda m: print(m, file=sys.stderr, flush=True))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    if a.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        print(format_table(rows))
        base = rows[0]
        for r in rows[1:]:
            lex = r["lexical_p50_ms"] / base["lexical_p50_ms"] if base["lexical_p50_ms"] else float("nan")
            print(f"×{r['copies']} vs ×{base['copies']}: lexical query p50 {lex:.1f}×"
                  + (f", hybrid {r['hybrid_p50_ms'] / base['hybrid_p50_ms']:.1f}×" if r["hybrid_p50_ms"] and base["hybrid_p50_ms"] else "")
                  + ("" if r["vectors"] else f" (lexical-only build: embedding estimated {r['embed_estimate_s']:.0f} s "
                                             f"> {a.max_embed_seconds:.0f} s)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
