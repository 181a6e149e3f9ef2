"""A settled outcome asked, and statements that only plan it; an average asked of statements that print none.

    outcome_asked("국토부가 최종 승인했어?")          -> True
    only_planned(["… 지구계획 변경요청 예정(SH공사→국토부)"]) -> True

A question asking whether something was decided, approved, confirmed or chosen — or what it was
decided to be ('주제가 뭐로 정해졌어?') — is answered by a statement saying it happened. When the
statements that answer it only say it is planned ('선정할 예정', '변경요청 예정'), the report
does not hold the outcome: the answer says so and quotes the plan, instead of presenting the plan
as the result.
"""
from __future__ import annotations

import re

_DECIDING = "결정|확정|승인|인가|선정|채택|합의|통과|타결"      # the nouns of settling something
# a settled outcome: the noun of deciding (or its verb) followed by a past or passive ending
_OUTCOME = re.compile(
    rf"(?:{_DECIDING}|결론|정해|정하)"
    r"\s?(?:이|가|은|는)?\s?(?:됐|되었|됬|났|나왔|했|하였|졌|된\s?(?:거|건|것)|됨|난\s?(?:거|건|것)|한\s?(?:거|건|것))"
    r"|\b(?:was|were|has been|have been|got)\b.{0,60}\b(?:approved|decided|confirmed|finali[sz]ed|selected|chosen)\b"
    r"|\bdid\b.{0,40}\b(?:approve|decide|confirm|finali[sz]e|select|choose)\b")
# a statement that plans: '…할 예정', '…요청 예정', '…검토 중', '…추진 계획'
_PLANNED = re.compile(r"예정|계획(?!서)|(?:검토|협의|추진|진행)\s?중|할\s?것|하기로")
# a statement that reports the outcome itself ('…로 결정', '확정(’18.3.)', '승인 완료', '선정됨'), or what was
# done instead ('…하지 못하도록 2018년 사업 진행')
_SETTLED = re.compile(rf"(?:{_DECIDING})(?!\s?(?:할|하여야|해야|을|를|예정|요청|신청|여부|절차|방안|기준|위원))"
                      r"|(?:진행|실시|시행|개최)(?!\s?(?:중|할|하여야|해야|예정|계획|방안))(?=[\s(.,·]|$)"
                      r"|완료|마쳤|끝났|되었음|됐음|하였음")


# an average asked of the text: the text answers it only where it prints one (the tables' means are computed
# on the budget route; a statement never averages by itself — '만19세~29세' is no average age)
_AVERAGE_ASKED = re.compile(r"평균|\baverage\b|\bmean\b")
_AVERAGE_PRINTED = re.compile(r"평균|average|mean")


def unprinted_average(question: str, statements: list[str]) -> bool:
    """An average is asked, and none of the statements prints one."""
    return bool(_AVERAGE_ASKED.search((question or "")[:1000].lower())) and bool(statements) \
        and not any(_AVERAGE_PRINTED.search(t.lower()) for t in statements if t)


def average_note(lang: str) -> str:
    if lang == "ko":
        return "보고서에 물으신 평균은 나와 있지 않습니다. 관련해 보고서가 적은 내용:"
    return "The reports do not give that average. What they say:"


# a breakdown asked ('사유별로 몇 명씩', '지점별 인원'): the statement must print the thing it is broken down by
_BREAKDOWN = re.compile(r"([가-힣]{2,})별(?=로|[^가-힣]|$)")


def unprinted_breakdown(question: str, statements: list[str]) -> str:
    """The dimension of a breakdown asked that none of the statements names ('' when none is asked or
    one names it): '탈락자 사유별 인원' over a statement with no '사유' is no such breakdown."""
    flat = [re.sub(r"\s+", "", t) for t in statements if t]
    for m in _BREAKDOWN.finditer(re.sub(r"\s+", " ", (question or "")[:1000])):
        word = m.group(1)
        # a numbered dimension is printed by its numbers: '차수별' by '1차 … 2차', '단계별' by '1단계'
        forms = {word} | ({word[:-1]} if word.endswith("수") and len(word) == 2 else set())
        if flat and not any(f in t and not re.fullmatch(r"\d+", f) or re.search(r"\d\s?" + re.escape(f), t)
                            for f in forms for t in flat):
            return word
    return ""


def breakdown_note(word: str, lang: str) -> str:
    if lang == "ko":
        return f"보고서에 {word}별 내역은 나와 있지 않습니다. 관련해 보고서가 적은 내용:"
    return f"The reports give no breakdown by {word}. What they say:"


def outcome_asked(question: str) -> bool:
    """The question asks a settled outcome: whether it was decided/approved/chosen, or what it was
    decided to be."""
    return bool(_OUTCOME.search((question or "")[:1000].lower()))


def only_planned(statements: list[str]) -> bool:
    """The statement that answers best (the first) plans, and none of them reports a settled
    outcome (an empty list plans nothing)."""
    texts = [t for t in statements if t and t.strip()]
    return bool(texts) and bool(_PLANNED.search(texts[0])) and not any(_SETTLED.search(t) for t in texts)


def planned_note(lang: str) -> str:
    if lang == "ko":
        return "보고서에는 그 결과가 나와 있지 않습니다. 적혀 있는 것은 계획(예정)입니다:"
    return "The reports do not give that outcome. What they give is the plan:"


def unanswered(question: str, statements: list[str], lang: str) -> tuple[str, str]:
    """(reason, note) when the statements chosen for a question cannot answer what it asks — a
    breakdown whose dimension they do not print, an average they do not print, a settled outcome
    they only plan; ("", "") when they may answer it."""
    by = unprinted_breakdown(question, statements) if lang == "ko" else ""
    if by:
        return "no_breakdown", breakdown_note(by, lang)
    if unprinted_average(question, statements):
        return "no_average", average_note(lang)
    if outcome_asked(question) and only_planned(statements):
        return "only_planned", planned_note(lang)
    return "", ""
