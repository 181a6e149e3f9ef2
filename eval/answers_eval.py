"""Score the assistant on eval/gold/answers.jsonl.

A question counts as correct when every `must` fact is in the answer text
(whitespace removed, case ignored; 'a|b' = either) and, for unanswerable ones,
the route is not_found; an answerable one must not be answered not_found.
Baselines on the same questions: the top passage of vector-only and of
lexical-only retrieval (what a retrieval chain gives without an LLM)."""
from __future__ import annotations

import json
import re
import time
import uuid
from collections import defaultdict
from pathlib import Path

GOLD = Path(__file__).resolve().parent / "gold" / "answers.jsonl"
CATEGORIES = ("budget", "audit", "validation", "passages", "organization", "dialogue", "unanswerable")


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s).lower()


def facts_ok(text: str, must: list[str], must_not: list[str] = ()) -> bool:
    t = _norm(text)
    for fact in must:
        if not any(_norm(alt) in t for alt in fact.split("|")):
            return False
    return not any(_norm(x) in t for x in must_not if x)


def load_gold(path: Path = GOLD) -> list[dict]:
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{i}: invalid JSON ({e})") from None
    return out


def _turns(item: dict) -> list[dict]:
    return item["turns"] if "turns" in item else [item]


def judge(item: dict, answers: list) -> bool:
    unans = item.get("category") == "unanswerable"
    for turn, ans in zip(_turns(item), answers):
        route = ans["route"] if isinstance(ans, dict) else "passages"
        text = ans["answer"] if isinstance(ans, dict) else ans
        if unans:
            if route != "not_found" or not facts_ok(text, [], item.get("must_not", [])):
                return False
            continue
        if route == "not_found" and turn.get("route") != "not_found":
            return False
        if turn.get("route") == "clarify" and route != "clarify":
            return False
        if not facts_ok(text, turn.get("must", []), turn.get("must_not", [])):
            return False
    return True


def run_assistant(assistant, gold: list[dict]) -> tuple[dict, list, list]:
    per = defaultdict(lambda: [0, 0])
    latency = {"table": [], "passages": []}
    failures = []
    refusals = {"false_refusals": 0, "answerable_turns": 0, "missed_refusals": 0, "unanswerable": 0}
    for item in gold:
        sid = f"eval-{uuid.uuid4().hex[:8]}"
        answers = []
        for turn in _turns(item):
            a = assistant.ask(turn["question"], session_id=sid).to_dict()
            answers.append(a)
            bucket = "passages" if a["route"] in ("passages", "not_found") else "table"
            latency[bucket].append(a["elapsed_ms"])
        count_refusals(item, answers, refusals)
        ok = judge(item, answers)
        cat = item.get("category", "passages")
        per[cat][0] += ok
        per[cat][1] += 1
        if not ok:
            failures.append({"id": item["id"], "questions": [t["question"] for t in _turns(item)],
                             "must": [t.get("must") for t in _turns(item)],
                             "routes": [a["route"] for a in answers], "answers": [a["answer"][:300] for a in answers]})
    latency["refusals"] = refusals
    return dict(per), failures, latency


def count_refusals(item: dict, answers: list, tally: dict) -> None:
    """'not in the reports' exactness: a turn whose fact the report holds refused (false refusal),
    and an unanswerable question answered (missed refusal)."""
    if item.get("category") == "unanswerable":
        tally["unanswerable"] += 1
        tally["missed_refusals"] += any(a["route"] != "not_found" for a in answers)
        return
    for turn, a in zip(_turns(item), answers):
        if turn.get("route") == "not_found":
            continue
        tally["answerable_turns"] += 1
        tally["false_refusals"] += a["route"] == "not_found"


def run_baseline(index, gold: list[dict], mode: str) -> dict:
    per = defaultdict(lambda: [0, 0])
    for item in gold:
        answers = []
        for turn in _turns(item):
            hits = index.search(turn["question"], k=1, mode=mode)
            answers.append({"route": "passages" if hits else "not_found", "answer": hits[0].text if hits else ""})
        cat = item.get("category", "passages")
        per[cat][0] += judge(item, answers)
        per[cat][1] += 1
    return dict(per)


def pct(x: list[int]) -> str:
    return f"{x[0] / x[1]:.1%} ({x[0]}/{x[1]})" if x[1] else "-"


def overall(per: dict) -> list[int]:
    return [sum(v[0] for v in per.values()), sum(v[1] for v in per.values())]


def p(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def format_table(result: dict) -> str:
    cols = ["assistant"] + [b for b in ("vector-only top passage", "lexical-only top passage") if b in result["baselines"]]
    lines = ["| category | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    seen = set(result["assistant"]) | {c for per in result["baselines"].values() for c in per}
    cats = [c for c in CATEGORIES if c in seen] + sorted(seen - set(CATEGORIES))
    for cat in cats + ["overall"]:
        cells = [pct(result["assistant"].get(cat, [0, 0]) if cat != "overall" else overall(result["assistant"]))]
        for b in cols[1:]:
            per = result["baselines"][b]
            cells.append(pct(per.get(cat, [0, 0]) if cat != "overall" else overall(per)))
        lines.append(f"| {cat} | " + " | ".join(cells) + " |")
    lat = result["latency"]
    lines.append("")
    lines.append(f"Latency (warm, in-process): table routes p50 {p(lat['table'], .5):.1f} ms / p95 {p(lat['table'], .95):.1f} ms; "
                 f"passages p50 {p(lat['passages'], .5):.1f} ms / p95 {p(lat['passages'], .95):.1f} ms; "
                 f"start-up {result['startup_s']:.1f} s; {result['questions']} questions.")
    r = lat.get("refusals")
    if r:
        lines.append(f"Not-in-the-reports exactness: {r['false_refusals']} false refusals of {r['answerable_turns']} "
                     f"answerable turns; {r['missed_refusals']} of {r['unanswerable']} unanswerable questions answered.")
    return "\n".join(lines)


def run(settings, gold_path: Path = GOLD, baselines: bool = True) -> dict:
    from assistant.service import Assistant
    t0 = time.perf_counter()
    assistant = Assistant.from_settings(settings)
    startup = time.perf_counter() - t0
    gold = load_gold(gold_path)
    for warm in ("예산이 가장 큰 사업은?", "감사 지적사항은 몇 건?", "청년 공간은 몇 곳?"):   # warm-up, not gold
        assistant.ask(warm)
    per, failures, latency = run_assistant(assistant, gold)
    result = {"assistant": per, "failures": failures, "latency": latency, "startup_s": startup,
              "questions": sum(len(_turns(i)) for i in gold), "baselines": {}}
    if baselines and assistant.index is not None:
        result["baselines"]["vector-only top passage"] = run_baseline(assistant.index, gold, "vector")
        result["baselines"]["lexical-only top passage"] = run_baseline(assistant.index, gold, "lexical")
    return result
