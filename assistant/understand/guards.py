"""Guards: what the reports cannot answer, decided before any tool runs.

    guard = Guards.from_corpus(corpus, catalog)
    guard.check(utt, mentions, intent) -> Refusal | None

Each guard is a small named function; the years, places and unit names they
compare against come from the parsed report, never from code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .types import Mention, Utterance

ASK_WORDS = {"날짜", "금액", "기간", "장소", "위치", "인원", "예산", "비율", "이름", "주소", "시간", "일정", "횟수", "규모"}
_CITY = re.compile(r"(?<![가-힣])([가-힣]{2,3}(?:시|도|군))(?![가-힣])")
_FINAL = re.compile(r"최종\s?집행|실제\s?최종|12월\s?말\s?(기준)?\s?(집행|실적)|결산|final (spending|figures?)|year-end actual"
                    r"|final\b.{0,30}\b(?:spending|spent|expenditure|outturn|figures?)|actual (?:year-end|december|full-year)"
                    r"|(?:december|year-end)\s(?:\d{4}\s)?actual")
_OUTSIDE = re.compile(r"서울시\s?전체|시\s?전체\s?예산|서울시의\s?전체|전국|타\s?시도|다른\s?시|citywide|entire city|whole city")


def _particle_at(utt: Utterance, pos: int) -> bool:
    """The letter at ``pos`` is a particle or an ending by the morphemes (none known: False)."""
    for mo in utt.morphs or ():
        if mo.start <= pos < mo.end:
            return mo.tag.startswith(("J", "E"))
    return False


@dataclass(frozen=True)
class Refusal:
    guard: str
    reason_ko: str
    reason_en: str

    def text(self, lang: str) -> str:
        return self.reason_ko if lang == "ko" else self.reason_en


@dataclass
class Guards:
    budget_years: frozenset[int]
    audit_years: frozenset[int]
    corpus_text: str
    departments: tuple[str, ...]
    audit_told_years: frozenset[int] = frozenset()    # years whose figures the audit text prints

    @classmethod
    def from_corpus(cls, corpus, catalog) -> "Guards":
        budget_years = {int(d.as_of[:4]) for d in corpus.documents if d.kind == "work_report" and d.as_of}
        audit_years = {int(y) for d in corpus.documents if d.kind == "audit_response"
                       for y in re.findall(r"(?:19|20)\d\d", d.title)}
        text = "\n".join("\n".join(lines) for lines in corpus.lines.values())
        # years the audit document's text reports figures of ('’16년 22개동'): a finding may answer them
        told: set[int] = set()
        for d in corpus.documents:
            if d.kind != "audit_response":
                continue
            body = "\n".join(corpus.lines[d.file][d.line_start - 1:d.line_end])
            told |= {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)\s?년", body)}
            told |= {2000 + int(y) for y in re.findall(r"[’'‘](\d\d)\s?년", body)}
        return cls(frozenset(budget_years), frozenset(audit_years), text, tuple(catalog.departments),
                   frozenset(told - budget_years))

    # -- the guards -------------------------------------------------------------------
    def years(self, utt: Utterance, mentions, intent: str) -> Refusal | None:
        asked = {m.value.value for m in mentions if m.kind == "year" and m.value.value and m.value.value > 1900}
        if not asked:
            return None
        known = self.budget_years | self.audit_years
        if intent == "budget":
            known = self.budget_years
        elif intent in ("audit_topic", "passages"):
            # the text routes: a year whose figures the audit text prints may be answered there
            # (and is refused there when nothing about it is found); counting findings is of the audit's year
            known = self.audit_years | self.budget_years | self.audit_told_years
        elif intent == "audit_count":
            known = self.audit_years | self.budget_years
        other = sorted(asked - known)
        if not other:
            return None
        have = ", ".join(str(y) for y in sorted(known))
        return Refusal("years", f"보고서는 {have}년 자료만 담고 있어 {other[0]}년 수치는 없습니다.",
                       f"The reports only cover {have}; there is nothing for {other[0]}.")

    def final_figures(self, utt: Utterance, mentions, intent: str) -> Refusal | None:
        if intent == "budget" and _FINAL.search(utt.text):
            return Refusal("final_figures", "보고서에는 6월 30일 기준 집행액과 연말 집행예상액만 있고 최종 집행액은 없습니다.",
                           "The report has spending as of 30 June and a year-end forecast, not final figures.")
        return None

    def places(self, utt: Utterance, mentions, intent: str) -> Refusal | None:
        taken = [x.span for x in mentions if x.kind not in ("answer_type",)]
        for m in _CITY.finditer(utt.text):
            word = m.group(1)
            if any(a < m.end(1) and m.start(1) < b for a, b in taken):
                continue            # '절반도 안 되는' is a comparison, not a province
            if word.endswith("도") and word[:-1] in ASK_WORDS:
                continue            # '날짜도', '금액도': a question word and the particle 도
            if word[-1] in "도시" and _particle_at(utt, m.end(1) - 1):
                continue            # '숫자도', '실적도': the last letter is a particle (Kiwi: J…), no place
            if word not in self.corpus_text and word[:-1] not in self.corpus_text:
                return Refusal("places", f"보고서는 서울시 자료만 담고 있어 '{word}' 자료는 없습니다.",
                               f"The reports cover Seoul only, not {word}.")
        return None

    def outside_base(self, utt: Utterance, mentions, intent: str) -> Refusal | None:
        share = any(m.kind == "derived" and m.value.kind == "share" for m in mentions)
        if share and _OUTSIDE.search(utt.text):
            return Refusal("outside_base", "보고서에는 서울시 전체 예산 같은 바깥 기준값이 없어 비중을 계산할 수 없습니다.",
                           "The report has no outside total (such as the city's whole budget) to compute that share.")
        return None

    def out_of_scope(self, utt: Utterance, mentions, intent: str) -> Refusal | None:
        if intent == "out_of_scope":
            return Refusal("out_of_scope", "보고서는 사실과 수치만 담고 있어 의견·평가나 보고서 밖의 일은 답할 수 없습니다.",
                           "The reports state facts and figures; they hold no opinions and nothing outside them.")
        return None

    CHAIN = ("out_of_scope", "years", "final_figures", "places", "outside_base")

    def check(self, utt: Utterance, mentions: tuple[Mention, ...], intent: str) -> Refusal | None:
        for name in self.CHAIN:       # every guard refuses on its own evidence; the order only picks the message
            r = getattr(self, name)(utt, mentions, intent)
            if r is not None:
                return r
        return None
