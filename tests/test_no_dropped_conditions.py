"""The invariant: no answer carries a figure computed with a condition the understanding did not use.

Every question of every gold, held-out and fresh set is asked; a budget answer
must have consumed each comparison, exclusion and derived-measure mention
(otherwise the assistant must ask, not answer)."""
import json
from pathlib import Path

import pytest

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold"
STRICT = {"comparison", "exclusion", "derived"}


def questions():
    out = []
    for path in sorted(GOLD.glob("*.jsonl")):
        if path.name == "retrieval.jsonl":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                out += [t["question"] for t in item.get("turns", [])] or [item["question"]]
    return out


@pytest.mark.slow
def test_no_budget_answer_leaves_a_condition_unused(assistant):
    bad = []
    for q in questions():
        ans = assistant.ask(q)
        it = ans.data.get("interpretation", {}) if isinstance(ans.data, dict) else {}
        left = [m for m in it.get("leftovers", []) if m["kind"] in STRICT]
        if ans.route == "budget" and left:
            bad.append((q, [m["text"] for m in left]))
    assert not bad, bad[:10]
