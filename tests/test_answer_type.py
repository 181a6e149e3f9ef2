"""The answer-type extractor against its example corpus, plus odd input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.understand.answer_type import answer_type, answer_types
from assistant.understand.normalize import utterance

CORPUS = Path(__file__).resolve().parents[1] / "assistant" / "understand" / "corpus" / "answer_type.jsonl"
EXAMPLES = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_corpus_is_wellformed():
    assert len(EXAMPLES) >= 40
    kinds = {e["expect"]["kind"] for e in EXAMPLES}
    assert {"place", "org", "date", "period", "count", "amount", "rate", "how", "yesno", "what"} <= kinds


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e["text"][:20] or "empty" for e in EXAMPLES])
def test_example(ex):
    at = answer_type(utterance(ex["text"]))
    assert at.kind == ex["expect"]["kind"], (ex["text"], at)
    if "counter" in ex["expect"]:
        assert at.counter == ex["expect"]["counter"], (ex["text"], at)


def test_two_asks_in_reading_order():
    ms = answer_types(utterance("한 달에 얼마씩 주고 최대 몇 개월까지 받아?"))
    assert [m.value.kind for m in ms] == ["amount", "period"]
    assert all(m.kind == "answer_type" and m.text for m in ms)


def test_spans_point_into_text():
    u = utterance("설명회  참가자는   몇 명이었어?")
    (m,) = answer_types(u)
    assert u.text[m.span[0]:m.span[1]] == m.text and m.text.replace(" ", "") == "몇명"


@pytest.mark.parametrize("raw", ["\x00\x01", "몇" * 10000, "어디" * 3000 + "?", "\u200b\u200b", "😀 언제?"])
def test_hostile_input(raw):
    at = answer_type(utterance(raw))
    assert at.kind in ("place", "org", "date", "period", "count", "amount", "rate", "person", "yesno", "how", "what")


@pytest.mark.parametrize("text, how", [
    ("센터 이전 문제는 어떻게 해결했대요?", True),
    ("미집행이 생기자 모집 방식을 어떻게 고쳤어?", True),
    ("공모 절차를 어떻게 줄였나요", True),
    ("이거 어떻게 읽어?", True),
    ("지적 받고 나서 무엇을 고쳤나요?", True),
    ("그 뒤로 뭘 고쳤대?", True),
    ("뭐가 제일 많아?", False),             # a subject, not what was done
    ("어떻게 된 거야?", False),              # a light verb: the rules' (here no action is named)
    ("예산은 어떻게 돼요?", False),           # a label before a light verb asks for the label
])
def test_how_with_an_action_verb_is_read_on_morphemes(text, how):
    from kiwi_shared import tokenizer
    ms = answer_types(utterance(text, tokenizer().kiwi.tokenize))
    assert any(m.value.kind == "how" for m in ms) is how, (text, ms)
    if how:
        assert any(m.source == "morph:how" for m in ms)
