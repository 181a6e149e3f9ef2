"""Two questions in one: the split's example corpus is its test, and the whole
assistant answers each part with the state the part before it left."""
import json
import uuid
from pathlib import Path

import pytest

from assistant.understand.split import split_question

CORPUS = Path(__file__).resolve().parents[1] / "assistant" / "understand" / "corpus" / "split.jsonl"
LINES = [json.loads(x) for x in CORPUS.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.mark.parametrize("item", LINES, ids=[x["text"][:24] for x in LINES])
def test_split_corpus(item):
    assert split_question(item["text"], item["lang"]) == item["parts"]


@pytest.mark.parametrize("text", ["", " ", "?", "? ? ?", "고 " * 500, "x" * 10_000, "얼마고 " * 50])
def test_bad_input(text):
    parts = split_question(text)
    assert isinstance(parts, list) and 1 <= len(parts) <= 3


def test_both_parts_answered_and_the_second_leans_on_the_first(assistant):
    a = assistant.ask("청년수당 예산은 얼마고 지출률은 몇 퍼센트야?", session_id=uuid.uuid4().hex).to_dict()
    df = assistant.budget_tool.df
    row = df[(df["source"] == "appendix") & (df["program"] == assistant.catalog.program_aliases["청년수당"][0])].iloc[0]
    assert a["route"] == "budget" and len(a["data"]["parts"]) == 2
    assert f"{int(row['budget']):,}" in a["answer"] and f"{row['spent'] / row['budget'] * 100:.1f}%" in a["answer"]
    assert a["data"]["interpretation"]["rules"][0] == "split:2"
