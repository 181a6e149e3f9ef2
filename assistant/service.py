"""The assistant: one question in, one Answer out (never an exception).

    assistant = Assistant.from_settings(Settings.from_env())
    assistant.ask("지출 기준 집행률이 가장 낮은 사업은?").to_dict()
"""
from __future__ import annotations

import copy
import re
import threading
import time
import unicodedata
from dataclasses import replace

from index.errors import ReportError
from index.parser import Corpus, parse_corpus
from index.settings import Settings
from index.tables import audit_frame, budget_frame
from index.validate import validate

from . import audit_answer, budget_answer, fmt, lexicon as L, organization, validation_answer
from .answer import Answer, Citation
from .audit import AuditQuery, AuditTool
from .budget import BudgetQuery, BudgetTool
from .entities import Catalog, Match
from .passages import PassageFinder
from .router import Plan, detect_lang, find_metrics, metrics_of, parse_budget, squash
from .session import LRUCache, SessionState, SessionStore

MAX_QUESTION_CHARS = 2_000
CACHE_SIZE = 4_096       # first questions of a session (no context), answered once
AUDIT_PRIOR = -0.12      # a question without audit words leans to the work report's own text
PRONOUN = (r"^(그|그럼|그러면|그중|그 중|그거|그것|이 사업|해당|둘 중|둘중|거기|and |what about|how about)|그 사업|그사업|그거|그것"
           r"|그중|둘 ?중|거기|\bit\b|\bthat\b|\bthose\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def clean_question(question) -> str:
    if not isinstance(question, str):
        raise ReportError("question must be text", value=type(question).__name__, fix="send a string", code="bad_input")
    q = unicodedata.normalize("NFC", question).strip()
    if not q:
        raise ReportError("empty question", fix="ask something, e.g. '지출 기준 집행률이 가장 낮은 사업은?'", code="empty")
    if len(q) > MAX_QUESTION_CHARS:
        raise ReportError(f"question too long ({len(q):,} characters, limit {MAX_QUESTION_CHARS:,})",
                          fix="ask a shorter question", code="too_long")
    if len(_CONTROL.findall(q)) > max(2, len(q) // 20):
        raise ReportError("question contains binary or control characters", fix="send plain text", code="bad_input")
    return _CONTROL.sub(" ", q)


class Assistant:
    def __init__(self, settings: Settings, corpus: Corpus, *, index=None, sessions: SessionStore | None = None,
                 tokenize=None, aliases: dict | None = None, rephrase=None):
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
        self.sessions = sessions or SessionStore()
        self._cache = LRUCache(CACHE_SIZE)
        self._tokenize = tokenize
        self._ready = threading.Event()
        self._load_error: BaseException | None = None
        self._set_index(index)
        totals = self.budget[(self.budget["source"] == "appendix") & (self.budget["level"] == "total")]
        self.total_row = str(totals.iloc[0]["program"]) if len(totals) else ""
        self.body = self.budget[self.budget["source"] == "body"]
        self.body_programs = budget_answer.body_index(self.body)
        self.budget_years = {d.as_of[:4] for d in corpus.documents if d.kind == "work_report"}
        self._corpus_text = "\n".join("\n".join(lines) for lines in corpus.lines.values())
        self.audit_years = set(re.findall(r"(?:19|20)\d\d", " ".join(d.title for d in corpus.documents
                                                                     if d.kind == "audit_response")))

    def _set_index(self, index) -> None:
        self._index = index
        self._finder = PassageFinder(self.corpus, self._tokenize or _tokenizer_of(index), pos=_pos_of(index))
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
        rephrase = None
        if settings.llm:
            from .lc import CheckedRephraser, make_chat_model
            rephrase = CheckedRephraser(make_chat_model(settings.llm))
        if not with_index:
            return cls(settings, corpus, rephrase=rephrase)
        from index.store import index_status, load_index
        if background:
            status = index_status(settings)
            if status["stale"]:
                from index.errors import IndexMissing
                raise IndexMissing(f"index at {status['index_dir']} is stale: {status['stale_reason']}",
                                   fix="run: report-assistant index build")
            assistant = cls(settings, corpus, rephrase=rephrase)
            assistant._load_in_background(lambda: load_index(settings, corpus=corpus))
            return assistant
        return cls(settings, corpus, index=load_index(settings, corpus=corpus), rephrase=rephrase)

    # -- public -------------------------------------------------------------
    def ask(self, question, session_id: str | None = None) -> Answer:
        t0 = time.perf_counter()
        shown = question if isinstance(question, str) else repr(question)
        try:
            q = clean_question(question)
            state = self.sessions.get(session_id)
            fresh = state.turns == 0
            hit = self._cache.get(q) if fresh else None
            if hit is not None:
                # the same first question answers the same way: reuse the answer and the state it leaves
                ans = Answer.from_dict(hit[0])
                state = copy.deepcopy(hit[1])
            else:
                ans = self._answer(q, state)
                if self.rephrase is not None:
                    ans = self.rephrase(ans)
                state.question = q
                state.turns += 1
                if fresh and ans.error is None:
                    self._cache.put(q, (ans.to_dict(), copy.deepcopy(state)))
            self.sessions.put(session_id, state)
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

    # -- routing --------------------------------------------------------------
    def _answer(self, q: str, state: SessionState) -> Answer:
        lang = detect_lang(q)
        sq = squash(q)
        if re.search(L.OPINION_WORDS, q.lower()):
            return self._not_found(q, lang, "보고서는 사실과 수치만 담고 있어 의견이나 평가는 답할 수 없습니다."
                                   if lang == "ko" else "The reports state facts and figures, not opinions.")
        programs = self.catalog.find_programs(q)
        depts = [d for d, _ in self.catalog.find_departments(q)]
        # a department's short form inside a named programme ('인권' in '서울인권 컨퍼런스') is not the department
        depts = [d for d in depts if not any(self.catalog.short_form(d) in p.name and d not in q.replace(" ", "")
                                             for p in programs)]
        totals = self.catalog.find_totals(q)
        pronoun = re.search(PRONOUN, q.lower()) is not None
        if not programs and state.group:
            picked = self.catalog.disambiguate(state.group, re.sub(r"\s", "", q))
            if len(picked) == 1 and re.search("|".join(re.escape(w) for w in self._own_words(picked[0], state.group)), q):
                programs = [Match(picked[0], "program", 1.0, "session")]
        if any(m.via == "ambiguous" for m in programs):
            state.group = [m.name for m in programs if m.via == "ambiguous"]
        if pronoun and not programs and len(state.programs) > 1:
            # '거기 운영 예산은?' after a name that stood for several programmes
            picked = self.catalog.disambiguate(state.programs, re.sub(r"\s", "", q))
            if len(picked) == 1:
                programs = [Match(picked[0], "program", 1.0, "session")]
        from .router import mask
        metrics = find_metrics(mask(q, [p.name for p in programs]))
        if metrics and all(m == "spent" for m, _ in metrics) and re.search(L.EVENT_COUNT, sq) \
                and L.WEAK_SPENT.search(sq) and not re.search(r"지출|집행", sq):
            metrics = []          # '몇 번 나갔어요?' counts events, not money
        years = set(re.findall(r"((?:19|20)\d\d)\s*년?", q)) | {"20" + y for y in re.findall(r"[’'‘](\d\d)\s*년", q)}

        short = len(sq) <= 16
        no_target = not programs and not depts and not totals
        if programs and all(m.via != "session" for m in programs):
            state.programs = [m.name for m in programs]     # '그 사업' later refers to these
        if re.search(L.VALIDATION_WORDS, sq):
            return self._validation(q, sq, lang, programs, depts, state)
        if state.route == "validation" and no_target and short and state.validation is not None:
            kinds, names = state.validation
            return self._validation(q, sq, lang, [Match(n, "program", 1.0, "session") for n in names], depts, state,
                                    kinds=kinds)
        is_audit = re.search(L.AUDIT_WORDS, sq) is not None
        audit_follow = state.route == "audit" and not metrics and (
            (no_target and (pronoun or short or bool(audit_answer.statuses_in(sq))))
            or re.search(r"그중|그 중|among them", q) is not None)
        if is_audit or audit_follow:
            if years - self.audit_years - self.budget_years:
                return self._not_found(q, lang, f"보고서의 감사 결과는 {', '.join(sorted(self.audit_years))}년 "
                                                f"행정사무감사분뿐입니다.")
            return self._audit(q, sq, lang, depts, state, pronoun or audit_follow)
        if state.candidates and not programs:
            picked = self.catalog.disambiguate(state.candidates, re.sub(r"\s", "", q))
            if len(picked) == 1 and picked != state.candidates:
                programs = [Match(picked[0], "program", 1.0, "session")]
                no_target = False
        places = self._unknown_places(q)
        if places:
            return self._not_found(q, lang, f"보고서는 서울시 자료만 담고 있어 '{places[0]}' 자료는 없습니다."
                                   if lang == "ko" else f"The reports cover Seoul only, not {places[0]}.")
        unknown_units = self.catalog.unknown_org_units(q)
        if unknown_units and not depts and not programs:
            return self._not_found(q, lang, f"보고서에 '{unknown_units[0]}'{fmt.josa(unknown_units[0], '은', '는')[len(unknown_units[0]):]} 없습니다. 이 보고서의 부서: "
                                            f"{', '.join(self.catalog.departments)}.")
        if re.search(L.SHARE_WORDS, sq) and re.search(L.OUTSIDE_BASE, sq):
            return self._not_found(q, lang, "보고서에는 서울시 전체 예산 같은 바깥 기준값이 없어 비중을 계산할 수 없습니다.")
        org_like = re.search(L.ORG_WORDS, sq) is not None and not metrics
        if org_like:
            ans = self._organization(q, sq, lang, depts)
            if ans is not None:
                return ans
        group_count = re.search(L.COUNT_WORDS, sq) and (depts or re.search(L.CITIZEN_WORDS, sq)) and not programs \
            and re.search(L.PROGRAM_WORDS + "|" + L.CITIZEN_WORDS, sq)
        budget_like = bool(metrics) or bool(group_count) \
            or (bool(totals) and re.search(r"얼마|" + L.MAX_WORDS + "|" + L.MIN_WORDS, sq) is not None)
        last_budget = state.route in ("budget", "clarify") and state.budget_query is not None
        follow_budget = last_budget and (
            (metrics and (pronoun or (no_target and short)))
            or bool(L.RANK_RE.search(sq)) or (state.candidates and programs)
            or (not no_target and short and not metrics and not re.search(r"몇|어디|누가|언제|무엇|뭐", sq))
            or re.search(r"그중|그 중|둘 ?중", q) is not None)
        if budget_like or follow_budget:
            if years - self.budget_years:
                return self._not_found(q, lang, f"보고서의 예산 수치는 {', '.join(sorted(self.budget_years))}년"
                                                f"(6.30 기준 집행, 연말 예상)뿐입니다." if lang == "ko" else
                                       f"The report only has {', '.join(sorted(self.budget_years))} budget figures.")
            if re.search(r"최종집행|실제최종|12월말", sq):
                return self._not_found(q, lang, "보고서에는 6월 30일 기준 집행액과 연말 집행예상액만 있고 최종 집행액은 없습니다.")
            return self._budget(q, sq, lang, programs, depts, totals, state, pronoun or bool(follow_budget))
        if years - self.budget_years - self.audit_years:
            return self._not_found(q, lang, f"보고서는 {', '.join(sorted(self.budget_years | self.audit_years))}년 자료만 담고 있습니다.")
        return self._passages(q, lang, programs, state, pronoun or (no_target and state.turns > 0 and short),
                              route="organization" if org_like else "passages")

    # -- routes ----------------------------------------------------------------
    def _budget(self, q, sq, lang, programs, depts, totals, state: SessionState, pronoun: bool) -> Answer:
        if pronoun and not programs and not depts and not totals and state.programs and state.route != "budget":
            programs = [Match(n, "program", 1.0, "session") for n in state.programs]
        plan = parse_budget(q, self.catalog, programs, depts, totals, self.total_row, lang)
        last = state.budget_query
        if last is not None and state.route in ("budget", "clarify"):
            plan = self._follow_up(plan, q, sq, lang, programs, depts, totals, state, pronoun)
        if plan.route == "clarify":
            state.route, state.candidates = "clarify", plan.candidates
            state.budget_query = plan.budget or state.budget_query or BudgetQuery(
                metrics=tuple(m for m, _ in find_metrics(q)) or ("budget",))
            text = ("어느 사업을 말씀하시는지 골라 주세요: " + " / ".join(plan.candidates)) if lang == "ko" else \
                   ("Which one do you mean: " + " / ".join(plan.candidates))
            return Answer(q, text, "clarify", {"candidates": plan.candidates}, "이름이 여러 사업에 해당함", [], 0.5)
        if plan.route == "not_found":
            close = self.catalog.closest(q)
            return self._not_found(q, lang, "보고서에서 해당 사업을 찾지 못했습니다. 가까운 이름: " + ", ".join(close) + "."
                                   if lang == "ko" else "No such programme in the report. Closest: " + ", ".join(close))
        if plan.route != "budget" or plan.budget is None:
            return self._passages(q, lang, programs, state, pronoun)
        bq = plan.budget
        if bq.operation in ("lookup", "compare") and not bq.names and not bq.departments:
            close = self.catalog.closest(q)
            return self._not_found(q, lang, "보고서에서 해당 사업을 찾지 못했습니다. 가까운 이름: " + ", ".join(close) + "."
                                   if lang == "ko" else "No such programme in the report. Closest: " + ", ".join(close))
        res = self.budget_tool.run(bq)
        if bq.operation == "lookup" and res.rows.empty:
            close = self.catalog.closest(q)
            return self._not_found(q, lang, "보고서에서 해당 사업을 찾지 못했습니다. 가까운 이름: " + ", ".join(close) + ".")
        text = budget_answer.render(res, lang, self.body_programs)
        cites = budget_answer.citations_of(res.rows, self.corpus.quote)
        if any(x.startswith("※ 본문") or x.startswith("Note: the body") for x in text.split("\n")):
            for name in res.rows["program"].tolist():
                b = self.body_programs.get(name)
                if b is not None:
                    cites.append(Citation(b["doc"], b["section"], int(b["line_start"]), int(b["line_end"]),
                                          self.corpus.quote(b["doc"], int(b["line_start"]), int(b["line_end"]))))
        data = budget_answer.data_of(res.rows)
        data["query"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in bq.__dict__.items()
                         if k != "conditions"}
        data["query"]["conditions"] = [c.__dict__ for c in bq.conditions]
        if res.value:
            data["value"] = res.value
        state.route, state.budget_query, state.candidates = "budget", bq, []
        state.result_names = list(res.rows["program"])
        named = list(bq.names) + list(bq.departments)
        if named:
            state.entity_history = (state.entity_history + [named])[-4:]
            state.programs = [n for n in bq.names if n in self.catalog.programs] or state.programs
        elif len(res.rows) == 1:
            state.programs = list(res.rows["program"])
        return Answer(q, text, "budget", data, res.method, cites, 0.95 if plan.metrics_explicit else 0.8)

    def _follow_up(self, plan: Plan, q, sq, lang, programs, depts, totals, state: SessionState, pronoun) -> Plan:
        last: BudgetQuery = state.budget_query
        new_metrics = tuple(metrics_of(q))
        has_target = bool(programs or depts or totals)
        rank = L.RANK_RE.search(sq)
        if rank and not has_target and last.operation in ("argmin", "argmax", "rank", "bottom_k", "top_k"):
            from .router import _k_of
            n = _k_of(rank.group(1)) or 2
            asc = last.operation in ("argmin", "bottom_k") or (last.operation == "rank" and last.ascending)
            return Plan("budget", lang, replace(last, operation="rank", rank=n, ascending=asc), metrics_explicit=True)
        if re.search(r"그중|그 중|among them|of them|of those", q) and not has_target:
            b = plan.budget or last
            conds = tuple(last.conditions) + tuple(c for c in (b.conditions if plan.budget else ()) if c not in last.conditions)
            op = b.operation if b.operation not in ("lookup",) else "list_where"
            return Plan("budget", lang, replace(last, operation=op, conditions=conds,
                                                metrics=b.metrics if new_metrics else last.metrics), metrics_explicit=True)
        if re.search(r"둘 ?중|두 ?곳 ?중|두 ?사업|which of the two|둘 다", q) and not has_target and len(state.entity_history) >= 2:
            a, b = state.entity_history[-2], state.entity_history[-1]
            names = [n for n in a + b if n not in self.catalog.departments]
            dps = [n for n in a + b if n in self.catalog.departments]
            return Plan("budget", lang, BudgetQuery(metrics=new_metrics or last.metrics, operation="compare",
                                                    names=tuple(names), departments=tuple(dps),
                                                    level="department" if dps and not names else "program"),
                        metrics_explicit=True)
        if not has_target and (pronoun or new_metrics):
            targets = state.programs or state.result_names
            if state.candidates:
                return plan
            if targets and (plan.budget is None or plan.budget.operation in ("lookup",) or not plan.budget.names):
                dps = [t for t in targets if t in self.catalog.departments]
                names = [t for t in targets if t not in self.catalog.departments]
                return Plan("budget", lang, BudgetQuery(metrics=new_metrics or last.metrics,
                                                        operation="lookup" if len(targets) == 1 else "compare",
                                                        names=tuple(names), departments=tuple(dps),
                                                        level="department" if dps and not names else "program"),
                            metrics_explicit=True)
        if has_target and re.search(L.SUM_WORDS + r"|까지", sq) and state.programs and plan.budget is not None \
                and not (set(state.programs) & {m.name for m in programs}):
            # '조성사업 예산까지 합치면?' — the last programme(s) plus the new one
            names = tuple(dict.fromkeys(list(state.programs) + [m.name for m in programs]))
            return Plan("budget", lang, BudgetQuery(metrics=new_metrics or last.metrics, operation="sum", names=names),
                        metrics_explicit=True)
        if has_target and not new_metrics and plan.budget is not None and plan.budget.operation == "lookup":
            # '그럼 <another department>은?' — the same question about another target
            return Plan("budget", lang, replace(plan.budget, metrics=last.metrics), metrics_explicit=True)
        return plan

    def _audit(self, q, sq, lang, depts, state: SessionState, pronoun: bool) -> Answer:
        context = ""
        if pronoun and state.audit_item:
            if re.search(r"부서|소관|담당|division|department", sq):
                item = self.audit[self.audit["id"] == state.audit_item].iloc[0]
                ds = ", ".join(item["departments"])
                cites = audit_answer.citations(self.audit_tool.run(AuditQuery("detail", item_id=state.audit_item)),
                                               self.corpus.quote)
                return Answer(q, f"{fmt.josa(item['id'], '은', '는')} {ds} 소관입니다." if lang == "ko" else f"[{item['id']}] belongs to {ds}.",
                              "audit", {"id": item["id"], "departments": list(item["departments"])},
                              "직전 지적사항의 소관 부서", cites, 0.9)
            if not re.search(L.COUNT_WORDS + "|자료제출|건의|시정", sq):
                aq = AuditQuery("detail", item_id=state.audit_item)
                return self._audit_answer(q, aq, lang, state)
            item = self.audit[self.audit["id"] == state.audit_item].iloc[0]
            context = item["requirement"][:60]
        if pronoun and state.audit_query is not None and re.search(r"그중|그 중|among", q):
            last: AuditQuery = state.audit_query
            statuses = audit_answer.statuses_in(sq) or last.statuses
            res = self.audit_tool.run(replace(last, operation="count", statuses=statuses))
            ranked = self.audit_tool.rank(q, res.items) if len(res.items) else []
            best = ranked[0][1] if ranked else 0.0
            if best >= audit_answer.DETAIL_THRESHOLD * 0.5:
                # '그 중 청년프로젝트 투자사업 관련된 건 몇 개?': the earlier findings about that
                keep = [str(self.audit.iloc[i]["id"]) for i, v in ranked if v >= 0.5 * best]
                res.items = res.items[res.items["id"].isin(keep)]
                res.counts = {"total": len(res.items), "by_status": audit_answer.summary_counts(res.items),
                              "by_category": {}}
            return self._audit_render(q, res, lang, state)
        if pronoun and not context and state.question:
            context = state.question
        aq = audit_answer.parse_audit(q, sq, self.audit_tool, depts, context)
        if context and aq.operation != "detail":
            # '그거 관련해서 자료제출 요구도 있었어요?': findings of that category about the same thing
            pool = self.audit_tool.filter(aq)
            ranked = [(i, s) for i, s in self.audit_tool.rank(f"{q} {context}", pool) if s >= audit_answer.DETAIL_THRESHOLD * 0.6]
            if ranked:
                ids = [str(self.audit.iloc[i]["id"]) for i, _ in ranked[:5]]
                res = self.audit_tool.run(aq)
                res.items = self.audit[self.audit["id"].isin(ids)]
                res.counts = {"total": len(res.items), "by_status": audit_answer.summary_counts(res.items),
                              "by_category": {}}
                return self._audit_render(q, res, lang, state)
        return self._audit_answer(q, aq, lang, state)

    def _audit_answer(self, q, aq: AuditQuery, lang, state) -> Answer:
        return self._audit_render(q, self.audit_tool.run(aq), lang, state)

    def _audit_render(self, q, res, lang, state) -> Answer:
        broader = None
        if res.query.statuses and res.query.operation == "count":
            broader = self.audit_tool.run(replace(res.query, statuses=())).counts
        text = audit_answer.render(res, lang, broader)
        state.route, state.audit_query = "audit", res.query
        state.audit_items = list(res.items["id"])
        state.audit_item = state.audit_items[0] if len(state.audit_items) == 1 else ""
        return Answer(q, text, "audit", audit_answer.data_of(res), res.method,
                      audit_answer.citations(res, self.corpus.quote), 0.9)

    def _validation(self, q, sq, lang, programs, depts, state: SessionState, kinds=None) -> Answer:
        kinds = kinds or validation_answer.kinds_for(sq)
        qnums = {n for n in re.findall(r"\d[\d,]*\.\d+|\d{1,3}(?:,\d{3})+", q)}
        if qnums and not any(self._known_figure(n) for n in qnums):
            # figures the findings do not know: the text itself disagrees — show the passages
            kinds = ()
        names = [p.name for p in programs] + depts
        found = validation_answer.select(self.findings, kinds, [p.name for p in programs])
        context = self._validation_context(kinds, depts)
        if not kinds:
            return self._passages(q, lang, programs, SessionState(), False, route="validation", max_units=3)
        if not found and programs and "body_appendix_mismatch" in kinds:
            found = validation_answer.select(self.findings, ("body_split_rows",), [p.name for p in programs])
        state.route, state.validation = "validation", (kinds, [p.name for p in programs])
        text = validation_answer.render(found, kinds, context, lang)
        if not found and not context.get(kinds[0]):
            ext = self._extract(q, names)
            if ext is not None:
                text += "\n관련 본문: " + ext.text
        cites = validation_answer.citations(found, self.corpus.quote)
        method = f"검증 규칙 {', '.join(kinds)} 의 결과 {len(found)}건 (report-assistant validate)"
        return Answer(q, text, "validation", {"findings": [f.to_dict() for f in found]}, method, cites, 0.9)

    def _own_words(self, name: str, group: list[str]) -> list[str]:
        """Words of a name that the other names of its group do not have ('조성사업')."""
        others = set(w for o in group if o != name for w in o.split())
        return [w for w in name.split() if w not in others and len(w) >= 2] or [name]

    def _unknown_places(self, q: str) -> list[str]:
        """City or province names ('부산시') that the reports never mention."""
        out = []
        for m in re.finditer(r"(?<![가-힣])([가-힣]{2,3}시)(?![가-힣])", q):
            word = m.group(1)
            if word not in self._corpus_text and word[:-1] not in self._corpus_text:
                out.append(word)
        return out

    def _known_figure(self, text: str) -> bool:
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
        return any(text in f.message for f in self.findings)

    def _validation_context(self, kinds, depts) -> dict:
        ctx: dict[str, list[str]] = {}
        summ = [s for s in self.corpus.audit_summary if s.category == "계"]
        if summ:
            s = summ[0]
            ctx["audit_count_mismatch"] = [f"총괄표 {s.total}건 = 파싱된 항목 {len(self.audit)}건; " +
                                           ", ".join(f"{k} {v}건" for k, v in s.counts.items())]
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
        ctx["function_budget_mismatch"] = lines
        return ctx

    def _organization(self, q, sq, lang, depts) -> Answer | None:
        superl = "max" if re.search(L.MAX_WORDS, sq) else ("min" if re.search(L.MIN_WORDS, sq) else None)
        out = organization.answer(self.corpus, sq, depts, superl, lang)
        if out is None:
            return None
        text, data, cites = out
        return Answer(q, text, "organization", data, "일반현황의 조직표·부서별 주요기능 표에서 조회", cites, 0.9)

    def _extract(self, q, names):
        if self.index is None:
            return None
        hits = self.index.search(q + " " + " ".join(names), k=5)
        return self.passages.answer(q, hits, " ".join(names))

    def _passages(self, q, lang, programs, state: SessionState, pronoun: bool, route: str = "passages",
                  max_units: int = 2) -> Answer:
        if self.index is None:
            return self._not_found(q, lang, "본문 검색 색인이 없습니다. 먼저 'report-assistant index build'를 실행하세요.")
        names = [p.name for p in programs]
        context = ""
        if pronoun and not names and state.programs:
            names = list(state.programs)
        if names:
            context = " ".join(names + [a for a, t in self.catalog.program_aliases.items() if any(n in t for n in names)])
            context += " " + " ".join(self._program_sections(names))
        entity = " ".join(names + [a for a, t in self.catalog.program_aliases.items() if any(n in t for n in names)])
        unknown = (self.passages.unknown_terms(q) or (self.passages.unanswerable_focus(q, entity) if programs else [])) \
            if route != "validation" and lang == "ko" else []
        query = f"{q} {context}".strip()
        if lang == "en":
            query = f"{query} {self.passages.korean_keywords(q)}"
        hits = list(self.index.search(query, k=8))
        if names:
            # the named programme's own blocks are always candidates
            titles = set(self._program_sections(names))
            seen = {(h.doc, h.line_start) for h in hits}
            hits += [c for c in getattr(self.index, "chunks", [])
                     if c.kind == "program_block" and titles & set(c.section.split(" > "))
                     and (c.doc, c.line_start) not in seen]
        ext = self.passages.answer(q, hits, context, max_units=max_units, lang=lang,
                                   relative=0.5 if route == "validation" else 0.8,
                                   prior={"audit_item": AUDIT_PRIOR} if route == "passages" else None,
                                   entity=entity)
        if ext is None or unknown:
            extra = f" (보고서에 없는 말: {', '.join(unknown[:3])})" if unknown else ""
            return self._not_found(q, lang, ("보고서에서 이 질문에 답하는 내용을 찾지 못했습니다." + extra)
                                   if lang == "ko" else "The reports do not say.", hits)
        item = self._audit_item_at(ext.best) if route == "passages" and ext.best is not None else None
        if item is not None:
            # the passage is an audit finding: answer with its status, action and plan
            ans = self._audit_answer(q, AuditQuery("detail", item_id=item), lang, state)
            ans.method = "하이브리드 검색으로 찾은 지적사항의 요구·추진상황·추진내용·향후계획"
            return ans
        state.route = "passages"
        if programs:
            state.programs = names
        method = f"하이브리드 검색(어휘 BM25 + 벡터, RRF) 상위 {len(hits)}개 청크에서 질문과 겹치는 형태소·숫자로 문장 선택"
        return Answer(q, ext.text, route, {"hits": [h.to_dict() for h in hits[:5]]}, method, ext.citations,
                      round(min(ext.score, 1.0), 2))

    def _audit_item_at(self, unit) -> str | None:
        hit = self.audit[(self.audit["doc"] == unit.doc) & (self.audit["line_start"] <= unit.line_start)
                         & (self.audit["line_end"] >= unit.line_start)]
        return str(hit.iloc[0]["id"]) if len(hit) == 1 else None

    def _program_sections(self, names: list[str]) -> list[str]:
        out = []
        for n in names:
            rows = self.body[(self.body["parent"] == n) | (self.body["program"] == n)]
            for sec in rows["section"]:
                out.append(sec.split(" > ")[-1])
        return list(dict.fromkeys(out))

    def _not_found(self, q, lang, reason: str, hits=None) -> Answer:
        return Answer(q, reason, "not_found", {"hits": [h.to_dict() for h in (hits or [])[:3]]},
                      "답할 근거가 보고서에 없음", [], 0.0)


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


def _pos_of(index):
    """Kiwi's tagger from the index's tokenizer, when there is one."""
    tok = getattr(getattr(index, "lexical", None), "tokenizer", None)
    kiwi = getattr(tok, "kiwi", None)
    return kiwi.tokenize if kiwi is not None else None
