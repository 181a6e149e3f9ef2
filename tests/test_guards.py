"""Guards refuse on their own evidence: years, places, final figures, outside totals, opinions."""
import pytest

from assistant.entities import Catalog
from assistant.understand.extract import ExtractContext, extract_all
from assistant.understand.guards import Guards
from assistant.understand.normalize import utterance


@pytest.fixture(scope="module")
def guards(corpus):
    from index.tables import budget_frame
    return Guards.from_corpus(corpus, Catalog.from_frame(budget_frame(corpus), {}))


@pytest.fixture(scope="module")
def ctx(corpus):
    from index.tables import budget_frame
    return ExtractContext(Catalog.from_frame(budget_frame(corpus), {}))


def check(guards, ctx, text, intent="budget"):
    utt = utterance(text)
    return guards.check(utt, extract_all(utt, ctx), intent)


def test_years_come_from_the_documents(guards):
    assert 2018 in guards.budget_years and 2017 in guards.audit_years


@pytest.mark.parametrize("text,guard", [("2016년 청년수당 예산은?", "years"), ("부산시 청년 예산은?", "places"),
                                        ("청년수당 최종 집행액은?", "final_figures"),
                                        ("서울시 전체 예산 중 혁신파크 비중은?", "outside_base")])
def test_refusals(guards, ctx, text, guard):
    r = check(guards, ctx, text)
    assert r is not None and r.guard == guard and r.text("ko") and r.text("en")


@pytest.mark.parametrize("text", ["지출률이 절반도 안 되는 사업은 몇 개?", "2018년 청년수당 예산은?", "서울시 혁신파크 예산은?",
                                  "혁신파크 예산이 전체 중 몇 %야?"])
def test_no_false_refusal(guards, ctx, text):
    assert check(guards, ctx, text) is None


def test_opinions_are_out_of_scope(guards, ctx):
    assert check(guards, ctx, "청년수당 좋은 정책이라고 생각해?", intent="out_of_scope").guard == "out_of_scope"
