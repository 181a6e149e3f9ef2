"""One letter off: words the texts lack, mended to the texts' spelling, nothing else touched."""
import uuid

import pytest

from assistant.understand.respell import Speller, near_letters

NAMES = ["해오름 도서관 야간개방 지원", "별빛공원 놀이터 안전점검", "가람과"]
REPORT = ["사업은 예산이 운영이 지원은 서울형 계획형 사업의 지출률", "해오름 도서관 야간개방 지원 사업"]


@pytest.fixture(scope="module")
def sp():
    return Speller(NAMES, known=REPORT, min_len=4)


def test_near_letters_share_two_parts():
    assert "계" in set(near_letters("게")) and "데" in set(near_letters("대")) and "장" in set(near_letters("쟝"))
    assert "출" not in set(near_letters("급"))
    assert list(near_letters("a")) == []


@pytest.mark.parametrize("typed,meant", [("별빛공원 놀이터 안전점겸 몇 번 했어?", "안전점검"),
                                         ("해오름 도서곤 예산은?", None),            # 3 letters: below min_len
                                         ("야간개반지원 예산은?", "야간개방지원")])
def test_a_name_one_letter_off_is_mended(sp, typed, meant):
    out, fixes = sp.respell(typed)
    if meant is None:
        assert fixes == () and out == typed
    else:
        assert meant in out and len(fixes) == 1 and fixes[0][1] == meant


@pytest.mark.parametrize("q", ["사업은 예산이 얼마예요?", "운영이 잘 되나요", "서울형 계획형 사업의 지출률",
                               "", "   ", "\x00\x01", "abc def", "가" * 5000, "😀😀😀"])
def test_words_the_texts_hold_and_bad_input_are_left_alone(sp, q):
    out, fixes = sp.respell(q)
    assert out == q and fixes == ()


def test_a_word_with_two_typos_is_not_guessed(sp):
    assert sp.respell("별빛곤윈 놀이터 예산")[1] == ()
    assert sp.near("별빛곤원") == "별빛공원" and sp.near("별빛곤윈") == ""


def test_the_assistant_reads_a_programme_name_typed_one_letter_off(assistant):
    df = assistant.budget_tool.df
    rows = df[(df["source"] == "appendix") & (df["level"] == "program")]
    assistant._respell("워밍업 질문")
    sp = assistant._speller
    checked = 0
    for name in rows["program"]:
        words = [w for w in name.split() if len(w) >= 5 and all("가" <= c <= "힣" for c in w)]
        if not words:
            continue
        w = words[0]
        i = len(w) // 2
        typo_word = next((w[:i] + c + w[i + 1:] for c in near_letters(w[i]) if not sp.holds(w[:i] + c + w[i + 1:])), None)
        if typo_word is None:
            continue
        a = assistant.ask(f"{name.replace(w, typo_word)} 예산 얼마야?", uuid.uuid4().hex)
        row = rows[rows["program"] == name].iloc[0]
        assert a.route == "budget" and f"{int(row['budget']):,}" in a.answer, a.answer
        assert f"respell:{typo_word}->{w}" in a.data["interpretation"]["rules"], a.data["interpretation"]["rules"]
        checked += 1
        if checked == 3:
            break
    assert checked == 3
