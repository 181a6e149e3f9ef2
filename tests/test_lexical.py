"""Kiwi tokenizer and BM25 lexical index."""
from __future__ import annotations

import pytest

from index.chunks import build_chunks
from index.lexical import (KiwiTokenizer, Lexicon, LexicalIndex, is_particles_only, names_from_corpus,
                           normalize_query_text)


@pytest.fixture(scope="module")
def kiwi():
    from kiwipiepy import Kiwi
    return Kiwi()


@pytest.fixture(scope="module")
def tok(kiwi, corpus):
    return KiwiTokenizer(kiwi, Lexicon.from_names(names_from_corpus(corpus), kiwi))


@pytest.fixture(scope="module")
def chunks(corpus):
    return build_chunks(corpus)


@pytest.fixture(scope="module")
def lex(tok, chunks):
    return LexicalIndex.build([c.index_text for c in chunks], tok)


def test_content_morphemes_only(tok):
    assert tok.tokenize("청년수당은 한 달에 얼마 주나요") == ["청년", "수당", "달", "얼마", "주"]
    assert tok.tokenize("청년수당은") == tok.tokenize("청년수당") == ["청년", "수당"]
    assert tok.tokenize("UNDP랑은 MOU를") == ["undp", "mou"]


def test_numbers_and_units(tok):
    assert tok.tokenize("21,010,000천원") == tok.tokenize("21010000천원") == ["21010000", "천원"]
    assert tok.tokenize("매월 50만원") == ["매월", "50", "만원"]
    assert "억원" in tok.tokenize("1,234억원") and "1234" in tok.tokenize("1,234억원")
    assert normalize_query_text("1,234\u30005,678") == "1234 5678"


def test_particles_and_punctuation_give_no_tokens(tok):
    for q in ("은는이가", "을 를", "...!!!", "에서 으로 부터", ""):
        assert is_particles_only(q), q
    assert tok.tokenize("은는이가") == [] and tok.tokenize("?!") == []
    assert not is_particles_only("청년")


def test_user_words_match_whole_and_in_parts(tok):
    assert tok.tokenize("청년정책담당관") == ["청년정책담당관", "청년", "정책", "담당관"]
    t = tok.tokenize("청년활동지원사업 강화")
    assert t[0] == "청년활동지원사업" and {"청년활동", "청년", "활동", "지원", "사업", "강화"} <= set(t)
    assert tok.lexicon.parts["서울혁신파크운영"] == ["서울혁신파크", "서울", "혁신", "파크", "운영"]


def test_lexicon_built_from_names_only(kiwi):
    lex = Lexicon.from_names(["청년 인생설계 학교", "누리기획과"], kiwi)
    assert lex.words == ["청년인생설계학교", "청년", "인생설계", "학교", "누리기획과"]
    assert lex.parts["청년인생설계학교"][:2] == ["청년", "인생설계"]


def test_query_expansion(tok):
    assert "매월" in tok.query_tokens("한 달에 얼마")            # 달 -> 매월
    assert {"청년", "수당"} <= set(tok.query_tokens("monthly youth allowance"))
    plain = KiwiTokenizer(tok.kiwi, tok.lexicon, expand=False)
    assert "매월" not in plain.query_tokens("한 달에 얼마")


def test_acceptance_passage_first(lex, chunks):
    res = lex.search("청년수당은 한 달에 얼마 주나요", k=5)
    assert res.reason == ""
    assert chunks[res[0][0]].chunk_id == "work-report-2018:program_block:916-936"
    assert [s for _, s in res] == sorted((s for _, s in res), reverse=True)


def test_empty_and_unknown_queries_have_reasons(lex):
    r = lex.search("은는이가", k=5)
    assert list(r) == [] and "no searchable words" in r.reason
    r = lex.search("quantumchromodynamics", k=5)
    assert list(r) == [] and "no word of the query" in r.reason


def test_mask_restricts_results(lex, chunks):
    import numpy as np
    mask = np.array([c.kind == "audit_item" for c in chunks])
    res = lex.search("청년수당", k=10, mask=mask)
    assert res and all(chunks[i].kind == "audit_item" for i, _ in res)


def test_number_query_finds_budget_rows(lex, chunks):
    ids = [chunks[i].chunk_id for i, _ in lex.search("예산 21,010,000천원", k=2)]
    assert set(ids) == {"work-report-2018:budget_row:1577-1577", "work-report-2018:budget_row:944-944"}


def test_save_load_roundtrip(lex, tmp_path, kiwi):
    lex.save(tmp_path)
    assert (tmp_path / "bm25" / "params.index.json").exists() and (tmp_path / "lexicon.json").exists()
    again = LexicalIndex.load(tmp_path, kiwi)
    q = "무중력지대는 몇 군데 있어요?"
    a, b = again.search(q, 5), lex.search(q, 5)
    assert [i for i, _ in a] == [i for i, _ in b]
    assert [s for _, s in a] == pytest.approx([s for _, s in b])
    assert again.params()["k1"] == 0.9 and again.params()["b"] == 0.4
