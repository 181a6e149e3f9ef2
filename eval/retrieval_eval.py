"""Retrieval quality and speed on eval/gold/retrieval.jsonl.

Each gold line is ``{"id", "lang", "question", "spans": [[start, end], ...]}``;
a returned chunk is a hit when its [line_start, line_end] overlaps any span.
Prints hit@1, hit@5 and MRR@10 for lexical, vector and hybrid side by side
(overall and per language), the build time and warm query p50/p95, an
ablation without the hand-made glossary (index.lexical GLOSSARY and SYNONYMS)
and hybrid quality over a grid of fusion weights (how the defaults in
index.hybrid.default_weights were chosen).

    python -m eval.retrieval_eval [--corpus DIR] [--index DIR] [--model NAME] [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

GOLD = Path(__file__).resolve().parent / "gold" / "retrieval.jsonl"
MODES = ("lexical", "vector", "hybrid")
DEPTH = 10


def load_gold(path: Path = GOLD) -> list[dict]:
    out = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            item["spans"] = [(int(a), int(b)) for a, b in item["spans"]]
            item["question"], item.setdefault("lang", "?")
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}:{i}: bad gold line ({type(e).__name__}: {e})") from None
        out.append(item)
    return out


def first_hit_rank(hits, spans) -> int | None:
    """1-based rank of the first hit overlapping a gold span, None if none."""
    for r, h in enumerate(hits, 1):
        if any(h.line_start <= b and a <= h.line_end for a, b in spans):
            return r
    return None


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    i = min(len(v) - 1, max(0, int(round(p / 100 * (len(v) - 1)))))
    return v[i]


def score(ranks: list[int | None]) -> dict:
    n = len(ranks) or 1
    return {"n": len(ranks),
            "hit@1": sum(1 for r in ranks if r == 1) / n,
            "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
            "mrr@10": sum(1 / r for r in ranks if r is not None and r <= DEPTH) / n}


def evaluate(index, gold: list[dict], modes=MODES) -> dict:
    """Search every question in every mode (one pass per mode, query cache cleared)."""
    out: dict = {"modes": {}, "langs": sorted({g["lang"] for g in gold})}
    embedder = getattr(index.vector, "embedder", None)
    index.search(gold[0]["question"], k=DEPTH, mode="lexical")      # warm-up (Kiwi, BM25)
    for mode in modes:
        if mode != "lexical" and index.vector is None:
            continue
        if embedder is not None:
            embedder.clear_cache()
            index.search("warm-up 워밍업", k=DEPTH, mode=mode)
            embedder.clear_cache()
        ranks, lat, per_item = [], [], {}
        for g in gold:
            t = time.perf_counter()
            hits = index.search(g["question"], k=DEPTH, mode=mode)
            lat.append((time.perf_counter() - t) * 1000)
            r = first_hit_rank(hits, g["spans"])
            ranks.append(r)
            per_item[g["id"]] = r
        by_lang = {lang: score([per_item[g["id"]] for g in gold if g["lang"] == lang]) for lang in out["langs"]}
        out["modes"][mode] = {"all": score(ranks), "by_lang": by_lang,
                              "p50_ms": statistics.median(lat), "p95_ms": percentile(lat, 95),
                              "misses@5": [g["id"] for g in gold if per_item[g["id"]] is None or per_item[g["id"]] > 5],
                              "ranks": per_item}
    return out


WEIGHT_GRID = ((1.0, 0.0), (1.0, 0.1), (1.0, 0.25), (1.0, 0.35), (1.0, 0.5), (1.0, 0.75), (1.0, 1.0), (0.75, 1.0),
               (0.5, 1.0))


def _quality(index, gold: list[dict], mode: str) -> dict:
    """Scores only (no timing; the query-vector cache is kept warm)."""
    per_item = {g["id"]: first_hit_rank(index.search(g["question"], k=DEPTH, mode=mode), g["spans"]) for g in gold}
    langs = sorted({g["lang"] for g in gold})
    return {"all": score(list(per_item.values())),
            "by_lang": {lang: score([per_item[g["id"]] for g in gold if g["lang"] == lang]) for lang in langs}}


def ablation(index, gold: list[dict]) -> dict:
    """Lexical and hybrid without the hand-made English→Korean glossary and synonyms."""
    tok = index.lexical.tokenizer
    saved = tok.expand
    tok.expand = False
    try:
        return {m: _quality(index, gold, m) for m in ("lexical", "hybrid") if m == "lexical" or index.vector is not None}
    finally:
        tok.expand = saved


def weight_sweep(index, gold: list[dict], grid=WEIGHT_GRID) -> list[dict]:
    """Hybrid quality for each (lexical, vector) fusion weight pair."""
    if index.vector is None:
        return []
    saved = index.weights
    out = []
    try:
        for w in grid:
            index.weights = (float(w[0]), float(w[1]))
            out.append({"weights": list(w), **_quality(index, gold, "hybrid")})
    finally:
        index.weights = saved
    return out


def run(settings, gold_path: Path | None = None, *, build: bool = True, progress=None, sweep: bool = True) -> dict:
    """Build (if needed), load, evaluate. Returns a dict for ``format_table``."""
    from index.store import build_index, index_status, load_index
    gold = load_gold(gold_path or GOLD)
    t = time.perf_counter()
    info = build_index(settings, progress=progress) if build else None
    build_wall = time.perf_counter() - t
    status = index_status(settings)
    t = time.perf_counter()
    index = load_index(settings)
    load_s = time.perf_counter() - t
    result = evaluate(index, gold)
    result["ablation_no_glossary"] = ablation(index, gold)
    result["weight_sweep"] = weight_sweep(index, gold) if sweep else []
    result.update({
        "gold": str(gold_path or GOLD), "questions": len(gold), "model": status["model"],
        "chunks": status["chunks"], "index_dir": status["index_dir"],
        "build_seconds": status["build_seconds"], "build_skipped": bool(info and info.skipped),
        "build_wall_seconds": round(build_wall, 3), "load_seconds": round(load_s, 3),
        "weights": list(index.weights),
    })
    return result


def format_table(result: dict) -> str:
    modes = [m for m in MODES if m in result["modes"]]
    w = 10
    lines = [f"retrieval eval: {result['questions']} questions, {result['chunks']} chunks, model {result['model']}, "
             f"fusion weights lexical/vector = {result['weights'][0]:g}/{result['weights'][1]:g}",
             f"{'':<18}" + "".join(f"{m:>{w}}" for m in modes)]

    def row(label, get, fmt="{:.3f}"):
        lines.append(f"{label:<18}" + "".join(f"{fmt.format(get(m)):>{w}}" for m in modes))

    for metric in ("hit@1", "hit@5", "mrr@10"):
        row(metric, lambda m, k=metric: result["modes"][m]["all"][k])
    for lang in result["langs"]:
        n = result["modes"][modes[0]]["by_lang"][lang]["n"]
        for metric in ("hit@1", "hit@5", "mrr@10"):
            row(f"  {lang} {metric} (n={n})" if metric == "hit@1" else f"  {lang} {metric}",
                lambda m, k=metric, l=lang: result["modes"][m]["by_lang"][l][k])
    row("query p50 ms", lambda m: result["modes"][m]["p50_ms"], "{:.1f}")
    row("query p95 ms", lambda m: result["modes"][m]["p95_ms"], "{:.1f}")
    built = f"{result['build_seconds']:.1f} s" if result.get("build_seconds") is not None else "?"
    lines.append(f"index build {built}" + (" (earlier build; this run found it up to date)" if result.get("build_skipped") else "")
                 + f", load {result['load_seconds']:.1f} s")
    abl = result.get("ablation_no_glossary") or {}
    if abl:
        lines.append("without the hand-made glossary and synonyms (lexicon GLOSSARY/SYNONYMS off):")
        for m, q in abl.items():
            parts = [f"hit@1 {q['all']['hit@1']:.3f}", f"hit@5 {q['all']['hit@5']:.3f}", f"mrr@10 {q['all']['mrr@10']:.3f}"]
            parts += [f"{lang} hit@5 {v['hit@5']:.3f}" for lang, v in q["by_lang"].items()]
            lines.append(f"  {m:<8} " + ", ".join(parts))
    sweep = result.get("weight_sweep") or []
    if sweep:
        lines.append("hybrid by fusion weights (lexical/vector):")
        for r in sweep:
            q = r["all"]
            langs = ", ".join(f"{lang} hit@1 {v['hit@1']:.3f} hit@5 {v['hit@5']:.3f}" for lang, v in r["by_lang"].items())
            lines.append(f"  {r['weights'][0]:g}/{r['weights'][1]:g}: hit@1 {q['hit@1']:.3f}, hit@5 {q['hit@5']:.3f}, "
                         f"mrr@10 {q['mrr@10']:.3f} ({langs})")
    for m in modes:
        miss = result["modes"][m]["misses@5"]
        shown = ", ".join(miss[:15]) + (f", … ({len(miss) - 15} more)" if len(miss) > 15 else "")
        lines.append(f"misses@5 {m}: {shown if miss else '-'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from index.errors import ReportError
    from index.settings import Settings
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus")
    ap.add_argument("--index")
    ap.add_argument("--model")
    ap.add_argument("--gold")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    settings = Settings.from_env(corpus_dir=a.corpus, index_dir=a.index, embed_model=a.model)
    try:
        result = run(settings, Path(a.gold) if a.gold else None)
    except ReportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if a.json:
        print(json.dumps({k: v for k, v in result.items()}, ensure_ascii=False, indent=1))
    else:
        print(format_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
