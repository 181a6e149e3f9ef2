"""The facts table: label–value lines and operators printed beside a name, parsed with their lines."""
from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from index.facts import build_facts, facts_of_line, normalise_label, select
from index.records import Section


def _one(facts, **kw):
    got = [f for f in facts if all(getattr(f, k) == v for k, v in kw.items())]
    assert len(got) == 1, (kw, got)
    return got[0]


def test_real_corpus_facts(corpus):
    f = corpus.facts
    lines = corpus.lines[corpus.documents[0].file]
    place = _one(f, key="place", program="서울혁신파크 운영")
    assert place.label == "위치" and place.value.startswith("은평구 통일로 684")
    assert "위 치" in lines[place.line_start - 1]            # cited line is the printed one
    op = _one(f, subject="서울혁신센터", key="operator")
    assert op.value == "(사)한국마이크로크레딧신나는조합컨소시엄" and op.source == "beside_name"
    assert _one(f, subject="서울혁신센터", key="opened").value == "’15.4월"
    village = [x for x in f if x.label == "수탁기관" and "마을" in x.value]
    assert village and village[0].value == "사단법인 마을"
    period = _one(f, line_start=village[0].line_start, key="period")
    assert period.value == "’15. 8. 23. ~ ’18. 8. 22." and period.source == "nested"
    npo = _one(f, subject="서울시 NPO지원센터", key="operator")
    assert npo.value == "사단법인 시민"
    assert _one(f, subject="서울시 NPO지원센터", key="period").value == "’16.11월~’19.11월"
    yonsei = [x for x in f if x.key == "operator" and "연세대학교" in x.value]
    assert yonsei[0].value == "학교법인 연세대학교"
    # budget blocks and the audit response carry no facts
    audit_doc = corpus.documents[1]
    assert not [x for x in f if x.doc == audit_doc.id]
    assert not [x for x in f if "단위" in x.label]


def test_synthetic_facts(synthetic):
    f = synthetic.facts
    assert _one(f, key="place").value == "테스트구 누리로 12 일대"
    op = _one(f, label="수탁기관", source="label")
    assert op.value == "사단법인 누리마당" and op.program == "누리 플랫폼 운영 추진"
    assert _one(f, line_start=op.line_start, key="period").value == "’19. 1. 1. ~ ’21. 12. 31."
    beside = _one(f, subject="누리 창의센터", key="operator")
    assert beside.value == "사단법인 별빛나눔"
    assert _one(f, subject="누리 창의센터", key="period").value == "’19.3월~’22.2월"
    text = synthetic.lines["synthetic-report.txt"]
    assert "누리마당" in text[op.line_start - 1]


def test_normalise_label():
    assert normalise_label("위 치") == "위치"
    assert normalise_label("○ 업 체 명") == "업체명"
    assert normalise_label("기 운영 3개소") == "기 운영 3개소"


def test_select(corpus):
    ops = select(corpus.facts, label="operator")
    assert ops and all(x.key == "operator" for x in ops)
    assert select(corpus.facts, label="위 치") == select(corpus.facts, label="place")
    assert [x.subject for x in select(corpus.facts, program="서울혁신센터")] == ["서울혁신센터", "서울혁신센터"]
    assert select(corpus.facts, program="없는 사업") == []


@pytest.mark.parametrize("line", ["", "   ", "○", "○ :", "○ 위 치 :", ":::::", "(((", "○ 이름(사단법인", "\x00\x01",
                                  "가" * 5000 + " : " + "나" * 5000, "※ 예산집행 현황 (단위 : 천원)"])
def test_bad_lines_give_no_junk(line):
    out = facts_of_line(line, doc="d", section="s", program="p", start=1, end=1)
    assert all(f.value.strip() and f.label.strip() for f in out)
    assert not [f for f in out if "단위" in f.label]


def test_build_facts_on_odd_input():
    assert build_facts("d", [], []) == []
    sec = [Section("d", "X > p", "program", "p", "1", 1, 3, program="p"),
           Section("d", "X > p > 사업개요", "block", "p", "", 1, 3, block="사업개요", program="p")]
    lines = ["○ 위 치 : 가나구 다라로 1", "○ 면 적 :", "○ 규 모 : 3개동"]
    f = build_facts("d", lines, sec)
    assert [(x.label, x.value, x.line_start) for x in f] == [("위치", "가나구 다라로 1", 1), ("규모", "3개동", 3)]


def test_cli_tables_facts():
    from cli.main import app
    r = CliRunner().invoke(app, ["tables", "facts", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert any(x["label"] == "위치" and x["line_start"] > 0 for x in rows)
    r = CliRunner().invoke(app, ["tables", "facts", "--format", "csv"])
    assert r.exit_code == 0 and r.output.splitlines()[0].startswith("doc,section,program,subject,label,key,value")


def test_api_facts(corpus, findings):
    from api.app import create_app
    from index.settings import Settings
    from test_api import FakeAssistant
    c = TestClient(create_app(Settings(), FakeAssistant(corpus, findings)), raise_server_exceptions=False)
    r = c.get("/facts", params={"label": "수탁기관"})
    assert r.status_code == 200
    body = r.json()
    vi = body["columns"].index("value")
    assert body["count"] >= 3 and any("연세대학교" in row[vi] for row in body["rows"])
    r = c.get("/facts", params={"program": "서울혁신센터", "label": "operator"})
    assert r.json()["count"] == 1
    r = c.get("/facts", params={"format": "csv"})
    assert r.status_code == 200 and "text/csv" in r.headers["content-type"]
    assert next(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))[:3] == ["doc", "section", "program"]
    r = c.get("/facts", params={"program": "없는 사업"})
    assert r.status_code == 422 and "program" in r.json()["error"]["message"]
    assert c.get("/facts", params={"label": "x" * 500}).status_code == 422


# ---------------------------------------------------------------- answering from the table
def _ask(corpus, q, programs=()):
    from assistant.facts_answer import answer_fact
    from assistant.understand.answer_type import answer_type
    from assistant.understand.normalize import utterance
    u = utterance(q)
    return answer_fact(q, u, answer_type(u), list(programs), corpus.facts, corpus.quote)


def test_answer_operator_place_period(corpus):
    a = _ask(corpus, "서울혁신센터는 어디가 맡아서 운영해?")
    assert a.route == "passages" and "(사)한국마이크로크레딧신나는조합컨소시엄" in a.answer
    assert a.citations[0].line_start == _one(corpus.facts, subject="서울혁신센터", key="operator").line_start
    assert "수탁" in a.citations[0].quote
    a = _ask(corpus, "청년허브 위탁기간은 언제까지야?")
    assert "’18. 1월 ∼ ’20. 12월" in a.answer and "연세대학교" not in a.answer
    a = _ask(corpus, "혁신파크 주소 알려줘")
    assert "은평구 통일로 684" in a.answer


def test_answer_facility_named_beside_its_operator(corpus):
    a = _ask(corpus, "동북권 NPO지원센터는 어느 법인이 맡았어?")
    assert "강북풀뿌리활동가포럼" in a.answer and "사단법인 시민" not in a.answer


def test_answer_event_date(synthetic):
    a = _ask(synthetic, "누리 창의센터 위탁기간은?")
    assert "’19.3월~’22.2월" in a.answer


def test_missing_label_is_said_not_guessed(synthetic):
    a = _ask(synthetic, "누리 창의센터 위치가 어디야?")
    assert a is None or "적혀 있지 않습니다" in a.answer
    a = _ask(synthetic, "누리 창의센터 개소는 언제야?")
    assert a is not None and "적혀 있지 않습니다" in a.answer and a.data["missing"] == ["opened"]
    assert "사단법인 별빛나눔" in a.answer          # what the report does give


def test_no_label_or_no_subject_is_none(corpus):
    assert _ask(corpus, "청년수당은 한 달에 얼마야?") is None            # no label asked
    assert _ask(corpus, "수탁기관이 어디야?") is None                    # no subject named
    assert _ask(corpus, "") is None and _ask(corpus, "\x00\x01") is None
    from assistant.facts_answer import answer_fact
    from assistant.understand.normalize import utterance
    assert answer_fact("위치?", utterance("위치?"), None, [], [], corpus.quote) is None


def test_english_framing(corpus):
    a = _ask(corpus, "Where exactly is the 서울혁신파크 site located?")
    assert a.answer.startswith("According to the report") and "location" in a.answer


def test_a_programme_named_as_the_appendix_prints_it_finds_the_bodys_facts(corpus):
    """The appendix and the body space a title differently: the appendix's name still finds the
    body's facts, and a different programme's name does not."""
    from assistant.facts_answer import subject_score
    from index.tables import budget_frame
    names = list(dict.fromkeys(budget_frame(corpus)["program"]))
    checked = 0
    for f in corpus.facts:
        if f.key != "operator" or f.subject != f.program:
            continue
        for n in names:
            if n != f.program and n.replace(" ", "") != f.program.replace(" ", "") \
                    and subject_score(f.program, set(), [n]) >= 0.9:
                a = _ask(corpus, "Who is the operator?", [n])
                assert a is not None and f.value in a.answer, (n, f.program, a and a.answer)
                checked += 1
    assert checked >= 1
    assert subject_score("서울시 청년허브 운영", set(), ["청년 활동 지원 센터 운영"]) < 0.6


def test_a_programmes_printed_budget_line_leads_when_its_label_is_asked(assistant, corpus):
    import uuid
    f = next(f for f in corpus.facts if f.key == "budget" and f.label == "사업예산" and "총" in f.value)
    a = assistant.ask(f"{f.program} {f.label} 얼마예요?", uuid.uuid4().hex)
    assert a.route == "budget" and f.value in a.answer and "별첨1(2018년 예산현액)" in a.answer, a.answer
    assert a.citations[0].line_start == f.line_start
    whole = assistant.ask(f"{f.program} 전체 {f.label}은 어느 정도야?", uuid.uuid4().hex)   # a generic word names nothing more
    assert f.value in whole.answer, whole.answer
    plain = assistant.ask(f"{f.program} 예산현액 얼마예요?", uuid.uuid4().hex)
    assert plain.route == "budget" and f.value not in plain.answer          # the table's column asked: the row only


def test_a_label_word_made_of_a_names_letters_does_not_ask_the_printed_line(assistant, corpus):
    import uuid
    import re
    f = next(f for f in corpus.facts if f.key == "budget" and f.label == "사업예산" and "총" in f.value
             and "사업" in f.program)
    name = re.match(r".*?사업", f.program).group(0)          # the title up to its '사업': '<…>사업 예산' asks the table
    a = assistant.ask(f"{name} 예산 얼마야", uuid.uuid4().hex)
    assert a.route == "budget" and f.value not in a.answer, a.answer


def test_a_label_asked_of_each_of_two_subjects_answers_both(assistant):
    import uuid
    ops = {f.subject: f.value for f in assistant._facts if f.key == "operator" and "NPO지원센터" in f.subject}
    assert len(ops) >= 2
    a = assistant.ask("서울시 NPO지원센터와 동북권 NPO지원센터는 각각 누가 맡고 있어?", uuid.uuid4().hex)
    assert all(v in a.answer for v in ops.values()), a.answer
    # one subject asked: one answer line
    one = assistant.ask("동북권 NPO지원센터 수탁기관은?", uuid.uuid4().hex)
    assert sum(v in one.answer for v in ops.values()) == 1, one.answer


def test_an_english_how_much_beside_who_asks_the_amount_too(corpus):
    f, op = next((x, y) for x in corpus.facts for y in corpus.facts
                 if x.key == "budget" and y.key == "operator" and x.subject == y.subject)
    a = _ask(corpus, f"Which organisation handled the {f.subject}, and what did it cost?")
    assert a is not None and f.value in a.answer and op.value in a.answer, a and a.answer
    from assistant.facts_answer import asked_keys
    from assistant.understand.normalize import utterance
    assert "budget" not in asked_keys(utterance("How many costumes were made?"), None)     # a word holding 'cost'
