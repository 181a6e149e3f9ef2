"""The answers eval table: every category a gold set holds gets a row, and judging follows the README rules."""
from eval.answers_eval import facts_ok, format_table, judge


def _result(per):
    return {"assistant": per, "baselines": {}, "latency": {"table": [10.0], "passages": [20.0]},
            "startup_s": 1.0, "questions": sum(v[1] for v in per.values())}


def test_every_category_present_gets_a_row_and_absent_ones_none():
    text = format_table(_result({"budget": [3, 4], "organization": [1, 2], "custom": [1, 1]}))
    rows = [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows == ["category", "budget", "organization", "custom", "overall"]
    assert "| overall | 71.4% (5/7) |" in text


def test_facts_ok_ignores_whitespace_and_takes_any_alternative():
    assert facts_ok("예산은 21,010,000 천원", ["21, 010, 000|210.1억"])
    assert not facts_ok("예산은 21,010,000 천원", ["21,010,000"], ["천 원"])


def test_refusal_of_an_answerable_question_fails_even_without_must():
    item = {"category": "passages", "question": "q", "route": "passages", "must": []}
    assert not judge(item, [{"route": "not_found", "answer": "없습니다"}])
    assert judge(item, [{"route": "passages", "answer": "있습니다"}])
