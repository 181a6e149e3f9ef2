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


def test_refusal_exactness_counts_false_and_missed_refusals():
    from eval.answers_eval import count_refusals
    tally = {"false_refusals": 0, "answerable_turns": 0, "missed_refusals": 0, "unanswerable": 0}
    count_refusals({"category": "passages", "route": "passages"}, [{"route": "not_found"}], tally)
    count_refusals({"category": "budget", "route": "budget"}, [{"route": "budget"}], tally)
    count_refusals({"category": "unanswerable", "route": "not_found"}, [{"route": "passages"}], tally)
    count_refusals({"category": "unanswerable", "route": "not_found"}, [{"route": "not_found"}], tally)
    count_refusals({"category": "dialogue", "turns": [{"route": "budget"}, {"route": "not_found"}]},
                   [{"route": "budget"}, {"route": "not_found"}], tally)
    assert tally == {"false_refusals": 1, "answerable_turns": 3, "missed_refusals": 1, "unanswerable": 2}
    result = _result({"budget": [1, 1]})
    result["latency"]["refusals"] = tally
    assert "1 false refusals of 3 answerable turns; 1 of 2 unanswerable questions answered" in format_table(result)
