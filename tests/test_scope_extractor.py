"""The scope extractor's example corpus is its test."""
import json
from pathlib import Path

import pytest

from assistant.understand.normalize import utterance
from assistant.understand.scope import scope_mentions

CORPUS = Path(__file__).resolve().parents[1] / "assistant" / "understand" / "corpus" / "scope.jsonl"
LINES = [json.loads(x) for x in CORPUS.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.mark.parametrize("item", LINES, ids=[x["text"][:20] for x in LINES])
def test_scope_corpus(item):
    got = sorted(m.value.name for m in scope_mentions(utterance(item["text"])))
    want = sorted(e["value"]["name"] for e in item["expect"])
    assert set(want) <= set(got), (item["text"], got)
    if not want:
        assert not got, (item["text"], got)


@pytest.mark.parametrize("text", ["", " ", "\u200b", "x" * 5000, "%%%%"])
def test_bad_input(text):
    assert isinstance(scope_mentions(utterance(text)), list)


def test_citizen_word_inside_a_programme_name_is_the_name():
    utt = utterance("구단위 계획형 시민참여예산 예산은?")
    name = (0, len("구단위 계획형 시민참여예산"))
    assert "citizen" in {m.value.name for m in scope_mentions(utt)}
    assert "citizen" not in {m.value.name for m in scope_mentions(utt, (name,))}
