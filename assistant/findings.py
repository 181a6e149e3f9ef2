"""Findings by topic: what the bureau did about one audit finding.

    finder = FindingFinder(audit_frame, index, embed=None, tokenize=kiwi_tokens, quote=corpus.quote)
    finder.answer("민간전문가 운영 실태조사는 언제 했어?", utt, AnswerType("date"), "ko")
      -> Answer(route="audit", answer="<the statement of 추진내용/향후계획 that answers>\n— 지적사항 A34 …")

The finding is found by hybrid search over the audit items (requirement,
action and plan; `index.search(q, k, kind="audit_item")`) fused with the
audit tool's letter-pair ranking (and, when an embedder is injected, meaning).
Within it, the statements of 추진내용 and 향후계획 are scored by the answer type
asked for (a number, a date, a place, an organisation, yes/no), the words they
share with the question and (optionally) e5 similarity; the best one or two
lead, then the finding's id, status (printed and normalised), department and
citation. A question with no topic (a count or a filter by status, category or
department) → None: the count route answers it. A topic that matches no
finding → not_found naming the closest findings.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable


from .answer import Answer, Citation
from .audit import AuditTool
from .passages import (MAX_QUESTION_CHARS, PassageFinder, _dot, _unit, _year_note, after_its_date, arithmetic,
                       change_asked, change_shown, clean_statement, holds_type, matchable, type_pattern, years_asked, years_named)
from .outcome import unanswered
from .understand.answer_type import answer_type as extract_answer_type
from .understand.types import AnswerType, Utterance

# words that only say "an audit finding" or filter findings: no topic of their own
AUDIT_WORDS = {"감사", "행감", "행정사무감사", "지적", "지적사항", "지적받", "처리", "결과", "상태", "상황", "건", "완료", "추진",
               "추진중", "검토", "검토중", "미반영", "반영", "시정", "요구", "요구사항", "건의", "건의사항", "기타", "자료", "제출",
               "자료제출", "현황", "부서", "소관", "행정", "사무", "기획관", "혁신기획관", "서울혁신기획관", "우리", "남",
               "같이", "걸리", "걸려", "세", "두", "네", "개", "어떤", "무슨", "하나", "항목", "들어오", "내다", "내", "관련", "작년", "올해", "몇", "총", "전체", "내용", "조치", "대응", "어떻",
               "되", "하", "있", "없", "받", "나", "좀", "정리", "알리", "주", "문제", "지금", "아직", "다", "끝나", "남",
               "finding", "findings", "audit", "status", "completed", "complete", "review", "under", "progress", "bureau",
               "division", "how", "many", "what", "which", "did", "the", "of", "about", "do", "is", "still", "there"}
COUNT_WORDS = r"몇건|몇개(?!로)|건수|총몇|전체몇|몇가지|howmany|상태별|처리현황"
STATUS_WORDS = r"추진중|완료된|완료한|검토중|미반영|안끝난|아직안|다처리|다냈|stillinprogress|underreview|completed"
FOUND_MIN = 5.4                  # letter-pair weight a topic must share with a finding (audit_answer.DETAIL_THRESHOLD × 0.6)
OTHERS_RATIO = 0.8               # other findings scoring this close to the best are listed
W_SEARCH, W_PAIRS, W_EMBED = 0.5, 1.0, 0.4
EN_LEAD_MIN = 0.75      # an English-only question: the fused score a finding needs to answer it
W_SEARCH_EN, W_PAIRS_EN = 1.0, 0.5      # an English question: meaning (vectors) leads, glossary words help
REQUIREMENT_WEIGHT = 0.35
EMBED_TOP = 8
EMBED_CHARS = 300
STATEMENT_OPEN = ("◦", "○", "□", "-", "－", "*", "※", "▸", "•")


_MONTH_DAY = re.compile(r"(?<![\d.])(?:[’'‘]?\d{2}\s*\.\s*|\d{4}\s*\.\s*)?(1[0-2]|0?[1-9])\s*\.\s*([12]\d|3[01]|0?[1-9])(?![\d,]|\s*(?:억|%|㎡|배|만|천|백|명|개|건|원|시간|년|kg))"
                        r"|(1[0-2]|0?[1-9])\s*월\s*([12]\d|3[01]|0?[1-9])\s*일")
# a data request answered only by its submission ('자료 제출 완료 (2017.11.10.)'), and a question about that submission
_SUBMITTED = re.compile(r"자료\s?제출\s?완료")
_ASKS_SUBMISSION = re.compile(r"제출|냈|보냈|완료|처리|상태|상황|언제|날짜|며칠|submit|status|when|done|complete")
DATE_MATCH, DATE_OTHER = 0.3, -0.3     # a statement as of the date asked / as of another date
SECOND_RATIO = 0.75                    # a second statement leads only when it scores this close


# the status of a finding asked ('처리 상태가 뭐로 돼 있어', '완료됐어?', 'what is its status')
STATUS_ASKED = re.compile(r"(?:처리|추진|진행|조치)?\s?(?:상태|상황)(?:가|는|은|이)?\s?(?:뭐|무엇|어떻게|어때|어떤|완료)"
                          r"|완료(?:됐|되었|했|된)(?:어|나|니|는지|습니까|나요|어요|거야)|끝났(?:어|나|니|는지|나요)"
                          r"|\bstatus\b|is it (?:done|complete|finished)")


def month_days(text: str) -> set[tuple[int, int]]:
    """The (month, day) dates a text gives: '6.30', '’18.6.30.', '6월 30일'."""
    out = set()
    for m in _MONTH_DAY.finditer(text or ""):
        mo, d = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        out.add((int(mo), int(d)))
    return out


@dataclass(frozen=True)
class Statement:
    part: str            # 추진내용 | 향후계획
    text: str            # cleaned, wrapped lines joined


def _statement_line(st: Statement, lang: str) -> str:
    """'추진내용: …' / '향후계획: …' (English: 'action: …' / 'plan: …')."""
    if lang == "ko":
        return f"{'추진내용' if st.part == '추진내용' else '향후계획'}: {st.text}"
    return f"{'action' if st.part == '추진내용' else 'plan'}: {st.text}"


def statements_of(text: str, part: str) -> list[Statement]:
    """A line opening with a bullet starts a statement; other lines are wrapped continuations."""
    out: list[list[str]] = []
    for line in (text or "").splitlines():
        s = line.strip()
        if not s:
            continue
        if not out or s.startswith(STATEMENT_OPEN):
            out.append([s])
        else:
            out[-1].append(s)
    return [Statement(part, clean_statement(" ".join(x))) for x in out if clean_statement(" ".join(x))]


class FindingFinder:
    def __init__(self, audit_frame, index=None, *, embed=None, tokenize: Callable[[str], list[str]] | None = None,
                 quote: Callable[[str, int, int], str] | None = None, tool: AuditTool | None = None,
                 as_of: dict[str, int] | None = None):
        """``as_of``: each document's year (passages.as_of_years); a year after it is answered only by
        a statement that names it."""
        self.df = audit_frame
        self.as_of = as_of or {}
        self.index = index
        self.embed = embed
        self.tool = tool or AuditTool(audit_frame)
        self.quote = quote
        tok = tokenize or getattr(getattr(getattr(index, "lexical", None), "tokenizer", None), "tokenize", None)
        self.tokenize = tok or (lambda t: re.findall(r"[가-힣]{2,}|[a-z]{3,}|\d[\d,.]*", t.lower()))
        self._rows = {str(r["id"]): r for _, r in audit_frame.iterrows()}
        self._ids = [str(x) for x in audit_frame["id"]]
        self._pos = {str(r["id"]): i for i, (_, r) in enumerate(audit_frame.iterrows())}
        self._statements = {i: statements_of(r["action"], "추진내용") + statements_of(r["plan"], "향후계획")
                            for i, r in self._rows.items()}
        df = Counter(t for sts in self._statements.values() for st in sts for t in set(self.tokenize(matchable(st.text))))
        n = sum(len(v) for v in self._statements.values()) or 1
        self._idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self._default_idf = math.log(n + 1)
        self._vectors: dict[str, object] = {}

    # ------------------------------------------------------------------ topic
    def topic_terms(self, question: str, departments=()) -> list[str]:
        dept_toks = {t for d in departments for t in self.tokenize(d)} | set(departments)
        return [t for t in dict.fromkeys(self.tokenize(question))
                if t not in AUDIT_WORDS and t not in dept_toks and not t.isdigit() and len(t) >= 2]

    def rank(self, question: str, departments=(), within=(), *, meaning_query: str = "") -> list[tuple[str, float, float]]:
        """(id, fused score, letter-pair weight), best first; ``within``: only these findings.
        ``meaning_query``: an English question — its words share no letters with the Korean
        findings, so the index's vectors (multilingual e5) rank them, the glossary's Korean
        words in ``question`` helping less."""
        pairs = {self._ids[i]: s for i, s in self.tool.rank(question)}
        if within:
            pairs = {i: s for i, s in pairs.items() if i in within}
        search: dict[str, int] = {}
        if self.index is not None:
            try:
                hits = self.index.search(meaning_query, k=10, kind="audit_item", mode="vector") if meaning_query \
                    else self.index.search(question, k=10, kind="audit_item")
            except Exception:          # a broken or absent index (or one without vectors): the letter pairs still rank
                hits = []
            for r, h in enumerate(hits):
                aid = getattr(h, "audit_id", "")
                if aid and aid not in search and (not within or aid in within):
                    search[aid] = r
        top = max(pairs.values(), default=0.0) or 1.0
        sims: dict[str, float] = {}
        if self.embed is not None:
            qv = self._embed_query(question)
            # meaning for the findings the words or the search already put forward
            ids = list(dict.fromkeys([i for i, _ in sorted(pairs.items(), key=lambda x: -x[1])[:EMBED_TOP]]
                                     + list(search)[:EMBED_TOP]))
            vecs = self._embed_texts([self._finding_text(i) for i in ids])
            raw = {i: _dot(qv, v) for i, v in zip(ids, vecs)}
            lo, hi = (min(raw.values()), max(raw.values())) if raw else (0.0, 0.0)
            sims = {i: (v - lo) / (hi - lo) if hi > lo else 0.0 for i, v in raw.items()}
        out = []
        for aid in self._rows:
            if within and aid not in within:
                continue
            wp, ws = (W_PAIRS_EN, W_SEARCH_EN) if meaning_query else (W_PAIRS, W_SEARCH)
            s = wp * pairs.get(aid, 0.0) / top + ws * (1.0 / (1 + search[aid]) if aid in search else 0.0) \
                + W_EMBED * sims.get(aid, 0.0)
            if departments and not any(d in self._rows[aid]["departments"] for d in departments):
                s *= 0.7
            out.append((aid, s, pairs.get(aid, 0.0)))
        return sorted(out, key=lambda x: -x[1])

    def _finding_text(self, aid: str) -> str:
        r = self._rows[aid]
        return f"{r['requirement']} {r['action']}"[:EMBED_CHARS]

    # ------------------------------------------------------------------ statements
    def _embed_query(self, text: str):
        e = self.embed
        return _unit(e.embed_query(text) if hasattr(e, "embed_query") else e([text])[0])

    def _embed_texts(self, texts: list[str]) -> list:
        e = self.embed
        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            vecs = e.embed_documents(todo) if hasattr(e, "embed_documents") else e(todo)
            for t, v in zip(todo, vecs):
                self._vectors[t] = _unit(v)
        return [self._vectors[t] for t in texts]

    def choose(self, question: str, aid: str, at: AnswerType, k: int = 2) -> list[tuple[float, Statement]]:
        """The statements of a finding that answer the question, best first."""
        sts = self._statements.get(aid, [])
        if not sts:
            return []
        q = set(self.tokenize(question)) - AUDIT_WORDS
        qnums = {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", question)}
        # words the requirement already holds only say which finding; the others say what is asked
        req = set(self.tokenize(str(self._rows[aid]["requirement"])))
        # a word most of this finding's statements hold says which finding, not which statement:
        # it weighs 1/k when k statements hold it ('<주제어>' in five of them, '우수' in one)
        st_toks = [set(self.tokenize(matchable(st.text))) for st in sts]
        local = Counter(t for toks in st_toks for t in toks & q)
        w = {t: self._idf.get(t, self._default_idf) * (REQUIREMENT_WEIGHT if t in req else 1.0) / max(1, local[t])
             for t in q}
        weight = sum(w.values()) or 1.0
        sims = [0.0] * len(sts)
        if self.embed is not None:
            qv = self._embed_query(question)
            sims = [_dot(qv, v) for v in self._embed_texts([s.text for s in sts])]
            lo, hi = min(sims), max(sims)
            sims = [(x - lo) / (hi - lo) if hi > lo else 0.0 for x in sims]
        qdates = month_days(question)
        change = change_asked(question)
        scored = []
        for i, st in enumerate(sts):
            toks = st_toks[i]
            s = sum(w[t] for t in q & toks) / weight
            if type_pattern(at) is not None and holds_type(st.text, at):
                s += 0.35
            if change and change_shown(question, st.text):
                s += 0.35              # '얼마나 줄었어': the statement with the 'A ⇒ B' of what is named
            if at.kind == "yesno" and re.search(r"불가|미반영|반영|완료|보고|제출|어려|곤란|않|없", st.text):
                s += 0.3
            if at.kind == "how" and st.part == "추진내용":
                s += 0.2 if i == 0 else 0.1
            if qnums and qnums & {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", st.text)}:
                s += 0.1
            s += W_EMBED * sims[i]
            if qdates:                 # '6.30 현원 기준': the statement as of that date, not another
                sd = month_days(st.text)
                s += DATE_MATCH if sd & qdates else (DATE_OTHER if sd else 0.0)
            scored.append((s, st))
        scored.sort(key=lambda x: -x[0])
        return [x for j, x in enumerate(scored[:k]) if j == 0 or x[0] >= SECOND_RATIO * scored[0][0]]

    # ------------------------------------------------------------------ answer
    def answer(self, question: str, utt: Utterance | None, answer_type: AnswerType | None, lang: str = "ko",
               departments=(), *, min_pairs: float = 0.0, within=()) -> Answer | None:
        """``min_pairs``: the letter-pair weight the topic must share with a finding
        (FOUND_MIN when 0); a caller with no audit word in the question asks for more.
        ``within``: the findings to choose among ('그중 <주제>는 어떻게 했어?' after a list)."""
        if not question or not question.strip():
            return None
        question = question[:MAX_QUESTION_CHARS]
        if lang == "en":
            question_ko = f"{question} {PassageFinder.korean_keywords(question)}"
        else:
            question_ko = question
        sq = re.sub(r"\s+", "", question).lower()
        # an English question with no Korean word in it: meaning ranks the findings (a Korean word it
        # quotes, '(<용어>)', shares letters with them and leads instead)
        english_only = lang == "en" and not re.search(r"[가-힣]{2}", question)
        at = answer_type or (extract_answer_type(utt) if utt is not None else AnswerType("what"))
        topic = self.topic_terms(question_ko, departments)
        counting = re.search(COUNT_WORDS, sq) is not None and at.kind in ("count", "what") \
            and (at.counter in (None, "건", "개"))
        filtering = re.search(STATUS_WORDS, sq) is not None
        if not topic:
            return None                       # a count or filter: the count route
        # the topic alone must name a finding: words like '지적사항' match every one of them
        topic_pairs = max((s for i, s in self.tool.rank(" ".join(topic)) if not within or self._ids[i] in within),
                          default=0.0)
        if min_pairs and topic_pairs < min_pairs:
            return None
        if english_only and not filtering:
            # English words share no letters with the findings: the router already read a topic
            # (not a count of findings), and meaning ranks them — a clear leader answers
            ranked = self.rank(question_ko, departments, within, meaning_query=question)
            if ranked and ranked[0][1] >= EN_LEAD_MIN:
                best_id, best, _ = ranked[0]
                others = [x for x in ranked[1:4] if x[1] >= OTHERS_RATIO * best]
                lead = self.choose(question_ko, best_id, at, k=2)
                return self._refusal(question, best_id, lead, lang) or self._render(question, best_id, lead, at,
                                                                                      others, lang)
            return self._not_found(question, ranked[:3], lang) if ranked else None
        if topic_pairs < FOUND_MIN:
            if counting or filtering or at.kind in ("what", "yesno"):
                return None
            ranked = self.rank(question_ko, departments, within, meaning_query=question if english_only else "")
            return self._not_found(question, ranked[:3], lang) if ranked else None
        if (counting or filtering) and topic_pairs < 2 * FOUND_MIN:
            return None                       # '<부서> 자료제출 몇 건?' counts, it names no finding
        ranked = self.rank(question_ko, departments, within, meaning_query=question if english_only else "")
        if not ranked:
            return None
        best_id, best, pairs = ranked[0]
        others = [x for x in ranked[1:4] if x[1] >= OTHERS_RATIO * best and x[2] >= FOUND_MIN]
        lead = self.choose(question_ko, best_id, at, k=2)
        return self._refusal(question, best_id, lead, lang) or self._render(question, best_id, lead, at, others, lang)

    def answer_within(self, question: str, context: str, aid: str, answer_type: AnswerType, lang: str = "ko") -> Answer | None:
        """A follow-up on one finding ('그때 최종 대상자로 뽑힌 인원은요?' after its 2차 모집 question): that
        finding's statements chosen by the turn's type, its words and, as context, the last question's."""
        if aid not in self._statements or not question.strip():
            return None
        q = f"{context} {question[:MAX_QUESTION_CHARS]}".strip()
        if lang == "en":
            q = f"{q} {PassageFinder.korean_keywords(q)}"
        lead = self.choose(q, aid, answer_type, k=2)
        if not lead:
            return None
        return self._refusal(question, aid, lead, lang) or self._render(question, aid, lead, answer_type, [], lang)

    def _refusal(self, question: str, aid: str, lead, lang: str) -> Answer | None:
        """What the finding cannot answer, said with its closest statements: a year after the
        report's date, what the chosen statements do not hold (outcome.unanswered), or the content
        of a data request printed only as submitted."""
        return self._later_year(question, aid, lead, lang) or self._unanswered(question, aid, lead, lang) \
            or self._only_submitted(question, aid, lang)

    def _only_submitted(self, question: str, aid: str, lang: str) -> Answer | None:
        """A data request whose every statement is '자료 제출 완료 (date)': the report holds that the data
        went to the council, not the data. A question about its content ('7979 접수 건수', '징계 수위')
        is not in the reports; one about the submission (whether, when, its status) is answered."""
        sts = self._statements.get(aid, [])
        if not sts or not all(_SUBMITTED.match(st.text) for st in sts) or _ASKS_SUBMISSION.search(question.lower()):
            return None
        text = (f"보고서에는 이 자료를 제출했다는 기록({sts[0].text})만 있고 자료의 내용은 없습니다." if lang == "ko"
                else f"The report only records that this data was submitted ({sts[0].text}); its content is not in it.")
        req = ("  요구사항: " if lang == "ko" else "  requirement: ") + str(self._rows[aid]["requirement"]).replace("\n", " ")[:110]
        return self._refused(question, aid, [text], lang, {"reason": "only_submitted"},
                             "자료제출 요구 지적사항: 제출 기록만 있음", after=[req])

    def _unanswered(self, question: str, aid: str, lead, lang: str) -> Answer | None:
        """'국토부가 최종 승인했어?' over '… 변경요청 예정', '참여자 평균 연령은?' over statements with no
        average: what the chosen statements cannot answer is not in the reports; they are quoted."""
        reason, note = unanswered(question, [st.text for _, st in lead], lang) if lead else ("", "")
        if not reason:
            return None
        return self._refused(question, aid, [note] + [_statement_line(st, lang) for _, st in lead], lang,
                             {"reason": reason}, f"감사 지적사항의 고른 문장이 물은 것을 담지 않음 ({reason})")

    def _later_year(self, question: str, aid: str, lead, lang: str) -> Answer | None:
        """A year after the report's date asked ('2019년에 실제로 받은 인원') of a finding none of
        whose statements names it: not in the reports. The closest statements are given as context."""
        r = self._rows[aid]
        asked = years_asked(question, self.as_of.get(str(r["doc"])))
        texts = [st.text for st in self._statements.get(aid, [])] + [str(r["requirement"])]
        if not asked or not all(after_its_date(t, asked, self.as_of.get(str(r["doc"]))) for t in texts):
            return None
        own = set().union(*(years_named(t) for t in texts))
        return self._refused(question, aid, [_year_note(asked, own, lang)] + [st.text for _, st in lead], lang,
                             {"reason": "year_after_report", "years": sorted(asked)},
                             "감사 지적사항의 문장 중 물은 해(보고서 기준일 이후)를 적은 것이 없음")

    def _refused(self, question: str, aid: str, lines: list[str], lang: str, data: dict, method: str,
                 after: list[str] = ()) -> Answer:
        """A refusal naming the finding it read: the lines, its head, then ``after``; cited."""
        text = "\n".join(list(lines) + [self._head(self._rows[aid], lang)] + list(after))
        return Answer(question, text, "not_found", {"id": aid, **data}, method,
                      [c for c in [self._cite(aid)] if c is not None], 0.0)

    def _head(self, r, lang: str) -> str:
        depts = ", ".join(r["departments"])
        printed = f" (표기: {r['status_printed']})" if r["status_printed"] != r["status"] else ""
        if lang == "ko":
            return f"— 지적사항 {r['id']} ({r['category']}) · {depts} · 추진상황: {r['status']}{printed}"
        return f"— finding {r['id']} ({r['category']}) · {depts} · status: {r['status']}{printed}"

    def _render(self, question, aid, lead, at: AnswerType, others, lang) -> Answer:
        r = self._rows[aid]
        lead_texts = [st.text for _, st in lead]
        note = ""
        held = any(holds_type(t, at) for t in lead_texts)
        if at.kind == "amount" and not held:
            # '얼마였어' asks any quantity: a share the statement prints answers it ('존치의견 약 56%')
            held = any(holds_type(t, AnswerType("rate")) for t in lead_texts)
        if type_pattern(at) is not None and lead_texts and not held:
            note = ("이 지적사항의 조치 내용에는 물으신 값이 나와 있지 않습니다. 보고서가 적은 내용:" if lang == "ko"
                    else "The bureau's answer does not give that figure. What it says:")
        calc = arithmetic(question, lead_texts[0]) if lead_texts else ""
        lines = []
        if lang == "en":
            lines.append(f"On audit finding {r['id']} the bureau reports (quoted in Korean):")
        if note:
            lines.append(note)
        if STATUS_ASKED.search(question.lower()):
            # '처리 상태가 뭐로 돼 있어?': the status answers first, the statements after it
            printed = f" (표기: {r['status_printed']})" if r["status_printed"] != r["status"] else ""
            lines.append(f"추진상황: {r['status']}{printed}" if lang == "ko" else f"status: {r['status']}{printed}")
        lines += [_statement_line(st, lang) for _, st in lead]
        if calc:
            lines.append(calc)
        lines.append(self._head(r, lang))
        req = str(r["requirement"]).replace("\n", " ")
        lines.append(("  요구사항: " if lang == "ko" else "  requirement: ") + (req[:110] + ("…" if len(req) > 110 else "")))
        rest = [st for st in self._statements.get(aid, []) if st.text not in lead_texts]
        qdates = month_days(question)
        shown = [st for st in rest if not (qdates and month_days(st.text) and not month_days(st.text) & qdates)]
        if shown:
            # the rest of the action, except figures as of another date than the one asked
            # ('6.30 기준'): those stay behind the citation (and in data)
            lines.append(("  그 밖의 내용: " if lang == "ko" else "  also: ") + " / ".join(
                f"{st.text}" for st in shown)[:700])
        if others:
            lines.append(("다른 관련 지적사항: " if lang == "ko" else "Other related findings: ") + "; ".join(
                f"{o} {str(self._rows[o]['requirement']).replace(chr(10), ' ')[:40]}… ({self._rows[o]['status']})"
                for o, _, _ in others))
        cites = [self._cite(aid)] + [self._cite(o) for o, _, _ in others]
        data = {"id": aid, "status": r["status"], "status_printed": r["status_printed"],
                "departments": list(r["departments"]), "category": r["category"],
                "statements": [{"part": st.part, "text": st.text, "score": round(s, 3)} for s, st in lead],
                "others": [o for o, _, _ in others], "type_held": held or type_pattern(at) is None,
                "rest": [{"part": st.part, "text": st.text} for st in rest]}
        method = ("감사 지적사항 하이브리드 검색(요구사항·추진내용·향후계획) + 글자쌍 순위로 지적사항 선택, "
                  f"답 유형({at.kind}{'/' + at.counter if at.counter else ''})·겹치는 낱말"
                  + ("·의미 유사도" if self.embed is not None else "") + "로 문장 선택")
        return Answer(question, "\n".join(lines), "audit", data, method, [c for c in cites if c is not None], 0.85)

    def _cite(self, aid: str) -> Citation | None:
        r = self._rows[aid]
        s, e = int(r["line_start"]), int(r["line_end"])
        q = self.quote(r["doc"], s, e) if self.quote else ""
        return Citation(r["doc"], f"감사 {aid} {r['category']}", s, e, q)

    def _not_found(self, question: str, closest, lang: str) -> Answer:
        names = "; ".join(f"{aid} {str(self._rows[aid]['requirement']).replace(chr(10), ' ')[:50]}…"
                          for aid, _, _ in closest)
        text = (f"그 주제의 감사 지적사항을 찾지 못했습니다. 가장 가까운 지적사항: {names}" if lang == "ko"
                else f"No audit finding on that topic. The closest: {names}")
        return Answer(question, text, "not_found", {"closest": [aid for aid, _, _ in closest]},
                      "감사 지적사항 검색: 주제와 겹치는 지적사항 없음", [], 0.0)
