"""Passages: statements chosen by answer type, arithmetic over one statement, the not-in-the-reports gate."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from assistant.passages import PassageFinder, arithmetic, clean_statement, holds_type, type_pattern, units_of
from assistant.understand.types import AnswerType


@pytest.fixture(scope="module")
def kiwi_tok():
    from kiwi_shared import tokenizer
    return tokenizer()


@pytest.fixture(scope="module")
def synth_finder(synthetic, kiwi_tok):
    return PassageFinder(synthetic, kiwi_tok.tokenize, pos=kiwi_tok.kiwi.tokenize)


@dataclass
class H:
    doc: str
    line_start: int
    line_end: int
    section: str = ""
    kind: str = "program_block"


@pytest.mark.parametrize("kind,counter,text,ok", [
    ("count", "명", "참여자 1,200명 모집", True),
    ("count", "명", "참여 기관 12개", False),
    ("count", "개소", "쉼터 5곳 조성", True),
    ("count", "회", "설명회 3번 개최", True),
    ("date", None, "’19. 9월 개최 예정", True),
    ("date", None, "예산 300백만원", False),
    ("period", None, "’15. 8. 23. ~ ’18. 8. 22.", True),
    ("amount", None, "사업당 30백만원 지원", True),
    ("amount", None, "참여자 30명", False),
    ("rate", None, "이수율 90%로 상승", True),
    ("org", None, "(사)한국갈등학회 수행", True),
    ("place", None, "은평구 통일로 684 일대", True),
    ("place", None, "5개소(중랑, 성북, 구로)", True),
    ("place", None, "자치구 활동 실시", False),
    ("place", None, "주민 공익활동 지원, 임대료 변동 없음", False),      # nouns of activity/change, not a 동
    ("place", None, "마포구 망원동 리모델링", True),
    ("place", None, "강북 우이동 일원", True),
])
def test_type_patterns(kind, counter, text, ok):
    assert holds_type(text, AnswerType(kind, counter)) is ok


def test_no_constraint_for_how_and_what():
    assert type_pattern(AnswerType("how")) is None and holds_type("아무 문장", AnswerType("what"))


def test_arithmetic_change_within_one_statement():
    out = arithmetic("신청기간이 얼마나 늘었어?", "학자금대출 신용회복 지원(신청기간 1개월→3개월로 확대)")
    assert "3개월 − 1개월 = 2개월" in out and "늘었습니다" in out
    out = arithmetic("얼마나 줄었어?", "장기연임위원(’17년 47명 ⇒ ’18년 36명)")
    assert "= 11명 줄었습니다" in out


def test_arithmetic_sum_of_two_figures():
    assert "4,119명 + 3,200명 = 7,319명" in arithmetic("1차랑 2차 합치면 몇 명이야?", "1차:4,119명, 2차:3,200명 선정")


def test_arithmetic_only_when_asked_and_only_same_units():
    assert arithmetic("몇 명이야?", "1차:4,119명, 2차:3,200명") == ""
    assert arithmetic("얼마나 늘었어?", "예산 30백만원, 참여 12명") == ""       # no 'A → B' in the statement
    assert arithmetic("얼마나 늘었어?", "3개 → 5명") == ""                      # units differ: no sum across kinds
    assert arithmetic("합치면?", "1개, 2개, 3개") == ""                          # three figures: not 'two of one statement'


def test_arithmetic_never_sums_year_marks():
    # the two 년 figures of '(’17년) → (’18년)' are dates: summing them is a wrong figure
    st = "대상자확대 : 5,000명(’17년) → 7,000명(’18년) ※1차:4,119명, 2차:3,200명선정완료"
    assert arithmetic("올해 상반기랑 하반기 뽑힌 사람 더하면 몇 명?", st) == ""    # four 명 figures, none labelled
    assert arithmetic("두 해 합치면?", "2017년 12개, 2018년 20개 운영").startswith("계산: 12개 + 20개 = 32개")
    assert arithmetic("합치면?", "’17년, ’18년 두 해 운영") == ""


def test_arithmetic_sum_of_the_labels_named():
    st = "대상자확대 : 5,000명(’17년) → 7,000명(’18년) ※1차:4,119명, 2차:3,200명선정완료"
    assert "4,119명 + 3,200명 = 7,319명" in arithmetic("1차·2차 선정 인원 합치면 몇 명이야?", st)
    st2 = "서울내 491개소(동 주민센터 288개소/ 기타 203개소)에 설치 완료"
    assert "288개소 + 203개소 = 491개소" in arithmetic("주민센터랑 기타 다 합하면?", st2)


def test_arithmetic_change_of_the_label_asked():
    st = "3개 위원회 초과 중복 참여 위원(’17년 6명 ⇒ ’18년 1명), 장기연임위원(’17년 47명 ⇒ ’18년 36명)"
    assert "47명 = 11명 줄었습니다" in arithmetic("장기연임 위원은 얼마나 줄었어?", st)
    assert "6명 = 5명 줄었습니다" in arithmetic("중복 참여한 위원 몇 명 줄었어?", st)
    assert arithmetic("얼마나 줄었어?", st) == ""          # two changes, none named: no guess


def test_arithmetic_change_with_the_period_beside_the_arrow():
    st = "시민 제안 전년 대비 24%증가(’17. 상반기 1,194건 → ’18. 상반기 1,486건)"
    assert "1,486건 − 1,194건 = 292건 늘었습니다" in arithmetic("작년 상반기보다 몇 건 늘었어?", st)


def test_clean_statement():
    assert clean_statement("○ 마을 공유부엌  운영 － 주 3회 개방") == "마을 공유부엌 운영 · 주 3회 개방"
    assert clean_statement("※ 예산 포함") == "예산 포함"


def test_gate_on_morphemes_and_partial_matches(synth_finder):
    f = synth_finder
    assert f.unknown_terms("공유부엌 다음 일정 날짜는 언제까지야?") == []
    assert f.unknown_terms("부엌 운영은 언제 해?") == []                 # '부엌' inside '공유부엌'
    assert f.unknown_terms("창의공간 조성사업비는?") == []                # known parts
    assert "부산" in f.unknown_terms("부산 해변 정화 사업은?")            # another city
    assert "연락처" in f.unknown_terms("누리 플랫폼 전화번호 알려줘")       # no number printed anywhere
    assert "운영 시간" in f.unknown_terms("공유부엌 운영시간은?")
    assert "사람 이름" in f.unknown_terms("누리기획과 과장 이름이 뭐야?")


def test_gate_a_time_relation_is_no_missing_fact(synth_finder):
    f = synth_finder
    # '사이', '무렵' right after a year or month place the fact in time
    assert f.unknown_terms("공유부엌 운영은 2017년과 2018년 사이 몇 회 늘었어?") == []
    assert f.unknown_terms("누리 플랫폼 실적은 3월 무렵 몇 건이었어?") == []
    # the head of a longer noun after a year is still a thing asked: absent, it is refused
    assert "겨울" in f.unknown_terms("2019년 겨울 축제 참가자는 몇 명이야?")


def test_typed_answer_holds_the_type_and_names_the_programme(synthetic, synth_finder):
    lines = synthetic.lines["synthetic-report.txt"]
    sec = next(s for s in synthetic.sections if s.kind == "program" and s.program.startswith("누리 플랫폼 운영"))
    hits = [H("synth-report", sec.line_start, sec.line_end)]
    ext = synth_finder.answer("누리 플랫폼 실적은 몇 건이야?", hits, answer_types=[AnswerType("count", "건")])
    assert ext is not None and "10건" in ext.text and ext.text.startswith(f"[{sec.program}]")
    assert not ext.note and ext.citations[0].line_start >= sec.line_start
    assert "○" not in ext.text
    ext = synth_finder.answer("누리 플랫폼 실적은 몇 퍼센트야?", hits, entity="누리 플랫폼 운영",
                              answer_types=[AnswerType("rate")])
    assert ext is not None and ext.note.startswith("보고서에 물으신 비율")
    en = synth_finder.answer("누리 플랫폼 실적 how many", hits, lang="en", answer_types=[AnswerType("count")])
    assert en is None or en.text.startswith("According to the report")
    assert len(lines) > sec.line_end


def test_embed_feature_is_injected_and_cached(synthetic, kiwi_tok):
    calls = {"q": 0, "d": 0}

    class Fake:
        def embed_query(self, t):
            calls["q"] += 1
            return [1.0, 0.0]

        def embed_documents(self, ts):
            calls["d"] += len(ts)
            return [[1.0, 0.0] if "하반기" in t else [0.0, 1.0] for t in ts]

    f = PassageFinder(synthetic, kiwi_tok.tokenize, pos=kiwi_tok.kiwi.tokenize, embed=Fake())
    sec = next(s for s in synthetic.sections if s.kind == "program" and s.program.startswith("누리 플랫폼 운영"))
    hits = [H("synth-report", sec.line_start, sec.line_end)]
    a = f.answer("누리 플랫폼 추진 계획", hits, answer_types=[])
    n = calls["d"]
    b = f.answer("누리 플랫폼 추진 계획", hits, answer_types=[])
    assert n > 0 and calls["d"] == n and calls["q"] == 2        # statement vectors cached, query embedded each time
    assert a is not None and b is not None and "하반기" in a.text


@pytest.mark.parametrize("q", ["", " ", "\x00\x01", "가" * 50000, "？？？"])
def test_bad_questions(synth_finder, q):
    assert isinstance(synth_finder.unknown_terms(q), list)
    assert synth_finder.answer(q, [], answer_types=[]) is None


def test_gate_refuses_opinions(synth_finder):
    assert "의견" in synth_finder.unknown_terms("공유부엌 사업이 효과가 있다고 보세요?")
    assert "의견" not in synth_finder.unknown_terms("공유부엌 사업 효과는?")


def test_a_table_printed_in_a_statement_reads_as_pairs():
    from assistant.passages import read_table
    got = read_table("○ 점검 실시 구 분 대상 상급 하급 건 수 12 5 7 ※ 하급 사업 재점검")
    assert "(대상 12건, 상급 5건, 하급 7건)" in got and got.startswith("○ 점검 실시") and got.endswith("재점검")
    for text in ("예산 5,000 집행 3,000", "구분 상담 조사 건수 154 89 20", "청년 3 명 4 5 6", "", "가 나 다"):
        assert read_table(text) == text                      # nothing a table cannot be read from is changed


def test_a_typed_statement_far_weaker_than_the_best_does_not_answer(assistant):
    import uuid
    ans = assistant.ask("인권현장 바닥동판은 이번에 어느 곳에 놓았어?", uuid.uuid4().hex)
    assert ans.route == "passages" and "영빈관" in ans.answer
    ans = assistant.ask("혁신파크에 입주 단체가 몇 개나 돼?", uuid.uuid4().hex)
    assert ans.route == "passages" and "240" in ans.answer      # a compound of the title ('서울혁신파크') counts


def test_a_deadline_is_answered_by_a_date():
    at = AnswerType("period", counter="까지")
    assert holds_type("시행 규칙 제정(’18.12월)", at)
    assert not holds_type("시행 규칙 제정(’18.12월)", AnswerType("period"))
    assert holds_type("청와대 영빈관앞, 총 46개소", AnswerType("place"))


def test_a_word_glued_to_a_bracketed_count_is_set_apart():
    from assistant.passages import matchable
    assert matchable("평가완료 (우수(2): 가람, 나래)") == "평가완료 (우수 (2): 가람, 나래)"
    assert matchable("위 치 : 가람구(舊 부지)") == "위치 : 가람구(舊 부지)"          # only a count is set apart


def test_a_term_inside_a_compound_token_and_a_place_in_its_district():
    from assistant.passages import _holds
    toks = frozenset({"가람혁신파크", "가람", "혁신", "파크", "해오름구", "개포동"})
    assert _holds(toks, "혁신파크")                     # three letters or more inside a longer token
    assert _holds(toks, "해오름구") and not _holds(toks, "해오")    # two letters: only a district's own name
    assert _holds(frozenset({"강북구"}), "강북") and not _holds(frozenset({"강북권역"}), "강북")
    assert not _holds(frozenset({"사업비"}), "사업")       # two letters inside a compound: no


def test_a_table_statement_answers_with_the_row_asked(synth_finder):
    from assistant.passages import Unit
    lines = synth_finder.corpus.lines
    f = next(iter(lines))
    doc = synth_finder.corpus.documents[0]
    fake = ["○ 권역별 공간 조성 (5개소)", "대 상 소재지 조성완료", "가람공간(1) 북구 가동 리모델링 (1월말)",
            "나래공간(2) 남구 나동 신축 (5월말)", "다온공간(3) 서구 다동 신축 (11월말)"]
    saved = list(lines[f])
    try:
        lines[f][:len(fake)] = fake
        u = Unit(doc.id, 1, len(fake), " ".join(fake))
        out = synth_finder._rows_asked(u, {"서구"})
        assert out.startswith("○ 권역별") and "다동" in out and "가동" not in out and "나동" not in out
        assert synth_finder._rows_asked(u, {"없는말"}) == u.text            # no row holds it: the whole statement
        assert synth_finder._rows_asked(u, set()) == u.text
    finally:
        lines[f][:] = saved


def test_a_verb_the_reports_never_use_is_not_required_of_the_statement(assistant):
    import uuid
    # '어디 생겼어': the place is asked; '생기' is how it is put, no statement needs it
    a = assistant.ask("청년교류공간은 어디 생겼던 거야?", uuid.uuid4().hex)
    assert a.route == "passages" and "망원동" in a.answer, a.answer
    assert assistant.passages._idle_verbs("청년교류공간 어디 생겼어?") == {"생기"}
    assert "늘" not in assistant.passages._idle_verbs("청년공간 몇 곳으로 늘어?")       # a synonym maps it


def test_the_noun_a_question_word_heads_names_the_answer_kind():
    from assistant.passages import _wh_heads
    assert _wh_heads("청년교류공간 어디 동네에 있어?") == {"동네"}
    assert _wh_heads("어느 기관이 맡았어?") == {"기관"}
    assert _wh_heads("무슨 단체들이야") == {"단체들"}
    assert _wh_heads("청년수당 예산은?") == set()


def test_a_typed_question_whose_head_noun_no_statement_prints_is_answered(assistant):
    import uuid
    a = assistant.ask("청년교류공간은 어느 동네에 만들어졌어?", uuid.uuid4().hex)
    assert a.route == "passages" and "망원동" in a.answer, a.answer


def test_english_glossary_words_meet_any_form_and_latin_words_the_report_prints_count():
    from assistant.passages import glossary_words
    assert "체결" in glossary_words("Who signs the agreement?") and "체결" in glossary_words("when was it signed")
    assert glossary_words("nothing here") == []


def test_an_english_question_on_an_acronym_the_report_prints(assistant):
    import uuid
    a = assistant.ask("When was the MOU with UNDP signed?", uuid.uuid4().hex)
    assert a.route == "passages" and "UNDP" in a.answer and "5.1" in a.answer, a.answer
    # a trailing bare question word asks it of the part before, not of nothing
    b = assistant.ask("What did Seoul sign with UNDP, and when?", uuid.uuid4().hex)
    assert b.route == "passages" and "The reports do not say" not in b.answer and "5.1" in b.answer, b.answer


def test_asked_who_runs_it_a_statement_naming_who_hosts_it_answers(assistant, corpus):
    # '어떤 기관이 운영하나요?' over a statement that prints '(<기관> 주관)': the running verb is how 'who' is put
    import re
    import uuid
    prog = next(r for r in corpus.budget if r.source == "appendix" and r.level == "program" and "인생설계" in r.program)
    lines = next(iter(corpus.lines.values()))
    named = [i for i, l in enumerate(lines) if prog.program.replace(" ", "") in l.replace(" ", "")]
    host = next(m.group(1) for i in named for l in lines[i:i + 3] for m in [re.search(r"\(([^()]+?)\s*주관\)", l)] if m)
    sid = uuid.uuid4().hex
    assistant.ask(f"{prog.program} 집행률 알려줘", sid)
    a = assistant.ask("그 프로그램은 어떤 기관이 운영하나요?", sid)
    assert a.route == "passages" and host in a.answer, a.answer


def test_a_compound_kept_whole_in_the_report_holds_the_parts_asked():
    from assistant.passages import _in_compounds
    toks = frozenset({"공구대여소", "설치", "완료"})
    assert _in_compounds(toks, ["공구", "대여", "소", "몇"]) == {"공구", "대여", "소"}
    assert _in_compounds(toks, ["공구", "설치"]) == set()          # not side by side in one token
    assert _in_compounds(toks, ["20", "17"]) == set()              # digits never join


def test_years_named_reads_full_and_short_years_not_amounts():
    from assistant.passages import years_named
    assert years_named("2018년 상담(154건) 실시(’18. 6.30. 기준)") == {2018}
    assert years_named("’17. 상반기 1,194건 → ’18. 상반기 1,486건") == {2017, 2018}
    assert years_named("예산 2,017천원, 3.2~3.13. 접수") == set()


def test_an_address_asked_needs_a_street_and_number_or_a_web_address():
    rx = type_pattern(AnswerType("place", "주소"))
    assert re.search(rx, "위치 : 은평구 통일로 684 일대") and re.search(rx, "공유허브(sharehub.kr) 개편")
    assert not re.search(rx, "무중력지대 대방동·G밸리(지역기반 청년활동지원)")
    assert re.search(type_pattern(AnswerType("place")), "무중력지대 대방동·G밸리")      # a place, not an address


def test_gate_the_kind_of_address_asked_is_no_missing_fact(synth_finder):
    f = synth_finder
    # '<웹사이트> 주소': which kind of address; the address type then decides (a web address, a street and number)
    assert f.unknown_terms("누리 플랫폼 웹사이트 주소 알려줘") == []
    assert f.unknown_terms("공유부엌 블로그 링크 있어?") == []
    assert "블로그" in f.unknown_terms("공유부엌 블로그 운영해?")              # the same noun, not before an address word
    assert "연락처" in f.unknown_terms("누리 플랫폼 이메일 주소 알려줘")        # contacts are still refused


def test_next_year_asked_is_the_year_after_the_report():
    from assistant.passages import years_asked
    assert years_asked("내년 대상자는 몇 명으로 늘린대?", 2018) == {2019}
    assert years_asked("2017년이랑 내년 비교하면?", 2018) == {2017, 2019}
    assert years_asked("올해 대상자는?", 2018) == set()
    assert years_asked("내년 대상자는?", None) == set()


def test_a_year_printed_before_a_name_is_an_edition_of_it(assistant, corpus):
    # '’19년 <이름> 사업선정' in a programme block: statements of that block about <이름> are of that edition
    f = assistant.passages
    lines = corpus.lines[corpus.doc("work-report-2018").file]
    no, name = next((i, m.group(2)) for i, l in enumerate(lines, 1)
                    for m in [re.search(r"[’'](\d\d)년\s?([가-힣]{4,})", l)] if m and int(m.group(1)) > 18)
    block = next((a, b) for doc, a, b, _ in f._program_spans if doc == "work-report-2018" and a <= no <= b)
    other = next(i for i in range(block[0], block[1] + 1) if i != no and lines[i - 1].strip().startswith("○"))
    unit = next(u for u in units_of(lines, other, other, "work-report-2018"))
    year = 2000 + int(re.search(r"[’'](\d\d)년", lines[no - 1]).group(1))
    assert f._edition_of(unit, {year}, f"내년 {name} 접수는 몇 건이야?")
    assert not f._edition_of(unit, {year}, "내년 전혀다른이름 접수는 몇 건이야?")
    assert not f._edition_of(unit, {year + 5}, f"{year + 5}년 {name} 접수는 몇 건이야?")


def test_an_english_question_searches_the_korean_words_it_quotes(synth_finder):
    terms = synth_finder.query_terms("How many sessions did the shared kitchen (공유부엌) hold?", "en")
    assert any("부엌" in t for t in terms), terms


def test_the_year_note_of_an_undated_statement_names_no_empty_year():
    from assistant.passages import _year_note
    assert "for :" not in _year_note({2017}, set(), "en") and "2017" in _year_note({2017}, set(), "en")
    assert "년의 것입니다" not in _year_note({2017}, set(), "ko")
    assert "2016" in _year_note({2017}, {2016}, "ko")


def test_a_number_quoted_as_a_name_must_be_in_the_statement():
    from assistant.passages import identifiers
    assert identifiers("신고전화 7979 접수 건수는?") == ["7979"]
    assert identifiers("2018 공론화 사업 180건 접수") == []          # a year, and a figure with its unit
    assert identifiers("예산 5103,640 맞아?") == []                   # a misprinted amount is no name
    assert identifiers("") == []


def test_a_quoted_number_no_statement_holds_is_not_answered_from_another(assistant):
    import uuid
    # the report prints the number only in a data request: the counselling statement is no answer
    a = assistant.ask("성희롱 신고전화 7979로 들어온 상담은 몇 건이었어?", uuid.uuid4().hex)
    assert a.route == "not_found", a.answer
