"""Time extract_all over every extractor corpus (no embedder).

    .venv/bin/python -m assistant.understand.extract.timing [--corpus-dir corpus] [--runs 7]

Prints the best of N runs, per question, as wall time and as this process's CPU
time (on a shared machine the CPU figure is the one that does not depend on the
neighbours), for extract_all with the report's catalog, without a catalog, and
for the Catalog calls alone."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ..normalize import utterance
from . import KINDS, ExtractContext, extract_all

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus-dir", type=Path, default=Path("corpus"), help="the report's corpus folder")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    from index.parser import parse_corpus
    from index.tables import budget_frame

    from ...entities import Catalog
    cat = Catalog.from_frame(budget_frame(parse_corpus(args.corpus_dir)), Catalog.load_aliases(args.corpus_dir))
    texts = [json.loads(line)["text"] for n in KINDS
             for line in (CORPUS / f"{n}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    utts = [utterance(t) for t in texts]
    with_cat, without = ExtractContext(cat), ExtractContext()

    def best(f) -> tuple[float, float]:
        wall, cpu = [], []
        for _ in range(max(1, args.runs)):
            w, c = time.perf_counter(), time.process_time()
            f()
            wall.append((time.perf_counter() - w) / len(utts) * 1000)
            cpu.append((time.process_time() - c) / len(utts) * 1000)
        return min(wall), min(cpu)

    best(lambda: [extract_all(u, with_cat) for u in utts])          # warm-up: seed files, compiled patterns
    rows = {"extract_all": best(lambda: [extract_all(u, with_cat) for u in utts]),
            "without catalog": best(lambda: [extract_all(u, without) for u in utts]),
            "Catalog calls alone": best(lambda: [(cat.find_programs(u.text), cat.find_departments(u.text),
                                                  cat.find_totals(u.text)) for u in utts])}
    print(f"{len(utts)} questions, best of {args.runs} runs, ms per question:")
    for name, (wall, cpu) in rows.items():
        print(f"  {name:20s} wall {wall:.3f}   cpu {cpu:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
