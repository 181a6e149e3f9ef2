"""Handlers: one per intent, picked from a registry; none calls another.

    outcome = HANDLERS[intent](ctx, request)
    outcome.answer, outcome.state, outcome.redirect

A handler reads its request (utterance, frame, mentions, the dialogue state) and
the tools in the context, and returns an Answer with the next DialogueState.
When a handler finds the question belongs elsewhere (a passage that is an audit
finding), it says so with `redirect` and the service runs that handler,
tracing the hand-over in the interpretation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from . import audit_answer, budget_answer, fmt, followups, organization, validation_answer
from .answer import Answer, Citation
from .audit import AuditQuery
from .budget import BudgetQuery
from .dialogue import DialogueState
from .findings import month_days
from .outcome import unanswered
from .understand.answer_type import answer_types
from .understand.frames import Frame
from .understand.types import Mention, Utterance
from .understand.normalize import utterance

AUDIT_PRIOR = -0.12      # a question without audit words leans to the work report's own text


@dataclass
class Request:
    question: str
    utt: Utterance
    lang: str
    mentions: tuple[Mention, ...]
    frame: Frame
    state: DialogueState
    intent: str
    redirect_from: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def programs(self) -> list[str]:
        return [m.value.name for m in self.mentions if m.kind == "entity" and m.value.kind in ("program", "admin")]

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys(m.value.name for m in self.mentions if m.kind == "entity"
                                  and m.value.kind == "department"))


@dataclass(frozen=True)
class Outcome:
    answer: Answer
    state: DialogueState
    redirect: str = ""                 # another intent to hand the request to
    redirect_extra: tuple = ()
    rules: tuple[str, ...] = ()        # named rules the handler applied (shown in the interpretation)


def not_found(req: Request, reason: str, hits=None) -> Outcome:
    ans = Answer(req.question, reason, "not_found", {"hits": [h.to_dict() for h in (hits or [])[:3]]},
                 "답할 근거가 보고서에 없음", [], 0.0)
    return Outcome(ans, req.state.after(route="not_found", question=req.question))


def no_such_programme(ctx, req: Request, name: str = "") -> Outcome:
    close = ctx.catalog.closest(req.question)
    if req.lang == "ko":
        head = f"보고서에서 '{name}'에 해당하는 사업을 찾지 못했습니다." if name else "보고서에서 해당 사업을 찾지 못했습니다."
        return not_found(req, head + " 가까운 이름: " + ", ".join(close) + ".")
    return not_found(req, "No such programme in the report. Closest: " + ", ".join(close))


MAX_KEPT_STATEMENTS = 4  # statements of a text answer kept for the next turn to narrow within
# the unit of the finding asked ('그거 담당 부서 어디야?', 'which division') — not '<기관> 소관만 보면?'
UNIT_ASKED = (r"(?:부서|소관|담당|담당관)\S{0,4}(?:어디|어느|누구|뭐|무슨|알려)|(?:어느|어떤|무슨)(?:부서|담당관|과|팀)"
              r"|소관부서|담당부서|division|department")
REFUSAL_REASONS = ("year_after_report", "only_planned", "no_average", "no_breakdown", "only_submitted")     # findings' refusals that stand
SHORT_TURN = 16          # squashed characters: a turn this short leans on the last one for what it leaves out
FOLLOWUP_FACT_KINDS = {"count", "date", "period", "place", "org", "amount", "rate", "area", "person"}
FALLBACK_PAIRS = 8.0      # letter-pair weight a finding must share with a question that had no audit word


def absent_words(ctx, req: Request) -> list[str]:
    """What the question asks about that the reports hold nowhere: asks they never
    answer (contact numbers, opening hours, a person's name; any language) and, in
    Korean, nouns absent from the reports besides the names the question matched."""
    finder = getattr(ctx, "passages", None)
    if finder is None:
        return []
    out = list(finder.refused_asks(req.question))
    if req.lang == "ko":
        names = " ".join(m.text for m in req.mentions if m.kind in ("entity", "unknown_name"))
        out += [t for t in finder.unknown_terms(finder.respell(req.question)) if t not in out and t not in names
                and not in_scope_words(req, t)]
    return out


def in_scope_words(req: Request, term: str) -> bool:
    """The term is part of a scope word of the question ('행감 답변에', '별첨 기준'): it names the
    document or the part of it to look in, never a fact the reports lack."""
    return any(m.kind == "scope" and term in m.text.replace(" ", "") for m in req.mentions)


def not_in_reports(req: Request, words: list[str]) -> Outcome:
    if req.lang == "ko":
        return not_found(req, f"보고서에서 이 질문에 답하는 내용을 찾지 못했습니다. (보고서에 없는 말: {', '.join(words[:3])})")
    return not_found(req, f"The reports do not say (nothing in them on: {', '.join(words[:3])}).")


def clarify(req: Request, candidates: tuple[str, ...], reason: str, state: DialogueState) -> Outcome:
    if candidates:
        text = ("어느 사업을 말씀하시는지 골라 주세요: " + " / ".join(candidates)) if req.lang == "ko" else \
               ("Which one do you mean: " + " / ".join(candidates))
    elif reason == "no_target":
        text = ("어느 사업(또는 부서)의 수치를 말씀하시는지, 아니면 가장 높은/낮은 것을 찾으시는지 알려 주세요."
                if req.lang == "ko" else "Which programme or department do you mean — or do you want the highest/lowest?")
    else:
        text = reason + (" 조건을 다시 적어 주세요." if req.lang == "ko" else " Please restate the condition.")
    ans = Answer(req.question, text, "clarify", {"candidates": list(candidates), "reason": reason},
                 "질문을 하나의 조회로 정할 수 없음", [], 0.5)
    return Outcome(ans, state)


# -- budget ------------------------------------------------------------------------------
def handle_budget(ctx, req: Request) -> Outcome:
    frame, state = req.frame, req.state
    finder = getattr(ctx, "passages", None)
    if frame.not_found:
        unit = any(m.kind == "unknown_name" and m.value.kind == "department" for m in req.mentions)
        if finder is not None and not unit and len(frame.not_found.replace(" ", "")) >= 4 \
                and finder.present(frame.not_found.replace(" ", "")) and req.lang == "ko":
            # a name the report prints that is no row of the tables ('서울혁신센터'): its text answers
            # (not another organisation unit: '<다른> 본부 예산' stays not found)
            return Outcome(Answer(req.question, "", "passages"), state, redirect="passages")
        return no_such_programme(ctx, req, frame.not_found)
    refused = finder.refused_asks(req.question) if finder is not None else []
    if refused:                              # 'your prediction', a phone number: never a table figure
        return not_in_reports(req, refused)
    if not frame.metrics_explicit and (frame.query is None or frame.query.operation == "lookup"):
        absent = absent_words(ctx, req)      # '<센터> 직원 평균 연봉': no measure of the tables, and not in the reports
        if absent:
            return not_in_reports(req, absent)
    if frame.query is None:
        last_q = state.budget_query or BudgetQuery(metrics=tuple(dict.fromkeys(
            m.value.name for m in req.mentions if m.kind == "metric")) or ("budget",))
        nxt = state.after(route="clarify", candidates=frame.clarify, budget_query=last_q, question=req.question,
                          group=frame.clarify or state.group)
        return clarify(req, frame.clarify, frame.clarify_reason, nxt)
    bq: BudgetQuery = frame.query
    if bq.operation in ("lookup", "compare") and not bq.names and not bq.departments:
        return no_such_programme(ctx, req)
    res = ctx.budget_tool.run(bq)
    if bq.operation == "lookup" and res.rows.empty:
        return no_such_programme(ctx, req)
    text = budget_answer.render(res, req.lang, ctx.body_programs,
                                quote_body=re.search(r"본문|body", req.utt.squashed) is not None)
    printed = _printed_budget(ctx, req, bq, res)
    if printed is not None:
        # '<사업> 총 사업비/사업예산': the body prints the programme's own budget line (several
        # years, a total) beside the appendix's one-year row — both, the printed line first
        text = printed.answer + "\n" + ("별첨1(2018년 예산현액): " if req.lang == "ko" else "Appendix 1 (2018): ") + text
    if frame.assumptions:
        text += "\n(" + "; ".join(frame.assumptions) + ")"
    cites = budget_answer.citations_of(res.rows, ctx.quote)
    if printed is not None:
        cites = list(printed.citations) + cites
    if any(x.startswith("※ 본문") or x.startswith("Note: the body") for x in text.split("\n")):
        for name in res.rows["program"].tolist():
            b = ctx.body_programs.get(name)
            if b is not None:
                cites.append(Citation(b["doc"], b["section"], int(b["line_start"]), int(b["line_end"]),
                                      ctx.quote(b["doc"], int(b["line_start"]), int(b["line_end"]))))
    data = budget_answer.data_of(res.rows)
    data["query"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in bq.__dict__.items()
                     if k not in ("conditions", "exclusions")}
    data["query"]["conditions"] = [c.__dict__ for c in bq.conditions]
    data["query"]["exclusions"] = [c.__dict__ for c in bq.exclusions]
    if res.value:
        data["value"] = res.value
    rows = tuple(res.rows["program"])
    if bq.operation in ("lookup", "compare", "sum", "mean", "share") and (bq.names or bq.departments):
        named = tuple(bq.names) + tuple(bq.departments)       # '그 사업' / '거기' = what was named
        programs = tuple(n for n in bq.names if n not in ctx.catalog.departments)
        departments = tuple(bq.departments) + tuple(n for n in bq.names if n in ctx.catalog.departments)
    else:
        named = rows if 0 < len(rows) <= 10 else ()           # '그 사업' after a superlative = its result
        programs = tuple(n for n in named if n not in ctx.catalog.departments)
        departments = tuple(n for n in named if n in ctx.catalog.departments)
    nxt = state.after(route="budget", budget_query=bq, candidates=(), question=req.question,
                      result_names=rows[:followups.MAX_KEPT_ROWS], entity_history=state.with_named(named),
                      metric_history=state.metric_history + tuple(bq.metrics[:1]),
                      programs=programs if named else state.programs,
                      departments=departments if named else state.departments)
    return Outcome(Answer(req.question, text, "budget", data, res.method, cites, 0.0), nxt)


def _printed_budget(ctx, req: Request, bq, res) -> Answer | None:
    """The programme's printed '사업예산 : 총 …' (or 용역비/사업비) line, when the question names
    that label and one programme's row was looked up; None otherwise."""
    if bq.operation != "lookup" or len(res.rows) != 1 or not hasattr(ctx, "facts_answer"):
        return None
    from .facts_answer import asked_keys
    from .understand.normalize import utterance
    # the label asked in the question's own words: a name's letters ('…투자사업' + '예산') ask nothing
    text = req.utt.text
    for m in sorted((m for m in req.mentions if m.kind == "entity"), key=lambda m: -m.span[0]):
        text = text[:m.span[0]] + " " + text[m.span[1]:]
    if "budget" not in asked_keys(utterance(text), None):
        return None
    got = ctx.facts_answer(req, [str(res.rows["program"].iloc[0])])
    if got is None or (got.data or {}).get("missing"):
        return None
    facts = [f for f in got.data.get("facts", []) if f.get("key") == "budget"]
    if not facts:
        return None
    lines = {f["line_start"] for f in facts}
    if req.lang == "ko":
        text = "\n".join(f"{f['subject']}의 {f['label']}: {f['value']} ({f['line_start']}행)" for f in facts)
    else:
        text = "\n".join(f"{f['subject']} — {f['label']} (quoted in Korean): {f['value']} (report line {f['line_start']})"
                         for f in facts)
    return replace(got, answer=text, citations=[c for c in got.citations if c.line_start in lines])


# -- audit -----------------------------------------------------------------------------
def _audit_render(ctx, req: Request, res, state: DialogueState, method: str = "") -> Outcome:
    broader = None
    if res.query.statuses and res.query.operation == "count":
        broader = ctx.audit_tool.run(replace(res.query, statuses=())).counts
    text = audit_answer.render(res, req.lang, broader)
    if "by:department" in req.frame.rules and res.query.operation == "count":
        text = _by_department(res.items, req.lang) + "\n" + text
    ids = tuple(res.items["id"])
    programs = tuple(req.programs) or state.programs       # '그 사업' after a finding about a programme
    nxt = state.after(route="audit", audit_query=res.query, audit_items=ids, question=req.question, programs=programs)
    return Outcome(Answer(req.question, text, "audit", audit_answer.data_of(res), method or res.method,
                          audit_answer.citations(res, ctx.quote), 0.0), nxt)


def _by_department(items, lang: str) -> str:
    counts: dict[str, int] = {}
    for ds in items["departments"]:
        for d in ds:
            counts[d] = counts.get(d, 0) + 1
    ordered = sorted(counts.items(), key=lambda x: -x[1])
    body = ", ".join(f"{d} {n}건" if lang == "ko" else f"{d} {n}" for d, n in ordered)
    return ("부서별(공동 소관은 각 부서에 한 번씩): " if lang == "ko" else "By department (joint findings counted for each): ") + body


def _audit_rows(ctx, req: Request, aq: AuditQuery, rows, head: str, how: str) -> Outcome:
    """Some findings of the scope (picked by their actions' dates), rendered under a line that says how."""
    res = ctx.audit_tool.run(aq)
    res.items = rows
    res.counts = {"total": len(rows), "by_status": audit_answer.summary_counts(rows), "by_category": {}}
    out = _audit_render(ctx, req, res, req.state, res.method + how)
    out.answer.answer = head + "\n" + out.answer.answer
    return out


def handle_audit_count(ctx, req: Request) -> Outcome:
    frame = req.frame
    if frame.clarify_reason and frame.query is None:
        return clarify(req, (), frame.clarify_reason, req.state)
    aq: AuditQuery = frame.query if isinstance(frame.query, AuditQuery) else AuditQuery("count")
    multi = audit_answer.min_departments(req.utt.squashed)
    if multi:
        aq = replace(aq, min_departments=multi)
    which = audit_answer.asks_by_date(req.utt.squashed)
    if which and aq.operation != "detail":
        # '자료제출 요구 중 제일 늦게 낸 건?': the findings of the scope ordered by the dates their actions print
        pool = ctx.audit_tool.filter(aq)
        rows, when = audit_answer.by_date(pool, which)
        if len(rows):
            word = ("가장 늦게" if which == "latest" else "가장 먼저") if req.lang == "ko" else which
            head = (f"{len(pool)}건 중 {word} 제출된 것은 {when} 제출분입니다:" if req.lang == "ko"
                    else f"Of {len(pool)}, the {which} submission is dated {when}:")
            return _audit_rows(ctx, req, aq, rows, head, f" · 추진내용의 날짜 순({which})")
    on = month_days(req.question) if re.search(audit_answer.SUBMIT, req.utt.squashed.lower()) else set()
    if on and aq.operation != "detail":
        # '자료제출 요구 중 11월 15일에 제출된 건?': the findings of the scope whose action prints that date
        pool = ctx.audit_tool.filter(aq)
        rows = pool[[bool(month_days(str(a)) & on) for a in pool["action"]]]
        if len(rows):
            when = ", ".join(f"{m}.{d}." for m, d in sorted(on))
            head = (f"{len(pool)}건 중 {when} 제출분은 {len(rows)}건입니다:" if req.lang == "ko"
                    else f"Of {len(pool)}, {len(rows)} dated {when}:")
            return _audit_rows(ctx, req, aq, rows, head, " · 추진내용의 날짜로 좁힘")
    topic = req.extra.get("topic")
    if topic and aq.operation != "detail":
        # '그거 관련해서 자료제출 요구도 있었어요?': findings of this scope about the same subject
        pool = ctx.audit_tool.filter(aq)
        text = topic if req.extra.get("topic_only") else f"{req.question} {topic}"
        scored = ctx.audit_tool.rank(text, pool)
        best = scored[0][1] if scored else 0.0
        ranked = [(i, v) for i, v in scored if v >= audit_answer.DETAIL_THRESHOLD * 0.6 and v >= 0.5 * best]
        if ranked:
            res = ctx.audit_tool.run(aq)
            ids = [str(ctx.audit.iloc[i]["id"]) for i, _ in ranked[:5]]
            res.items = ctx.audit[ctx.audit["id"].isin(ids)]
            res.counts = {"total": len(res.items), "by_status": audit_answer.summary_counts(res.items), "by_category": {}}
            return _audit_render(ctx, req, res, req.state, res.method + " · 직전 질문의 주제로 좁힘")
    return _audit_render(ctx, req, ctx.audit_tool.run(aq), req.state)


def handle_audit_detail(ctx, req: Request) -> Outcome:
    """One finding by id (a redirect from passages or a follow-up on the last finding)."""
    item_id = req.extra.get("item_id") or req.state.audit_item
    if not item_id:
        return handle_audit_count(ctx, req)
    if re.search(UNIT_ASKED, req.utt.squashed) and req.redirect_from == "followup":
        item = ctx.audit[ctx.audit["id"] == item_id].iloc[0]
        ds = ", ".join(item["departments"])
        cites = audit_answer.citations(ctx.audit_tool.run(AuditQuery("detail", item_id=item_id)), ctx.quote)
        text = f"{fmt.josa(item['id'], '은', '는')} {ds} 소관입니다." if req.lang == "ko" else f"[{item['id']}] belongs to {ds}."
        return Outcome(Answer(req.question, text, "audit", {"id": item["id"], "departments": list(item["departments"])},
                              "직전 지적사항의 소관 부서", cites, 0.0),
                       req.state.after(route="audit", question=req.question,
                                       departments=tuple(item["departments"])))     # '그 부서 …' next
    at = req.extra.get("answer_type")
    if at is None and "followup:finding_subject" in req.extra.get("intent_method", "") and req.state.question:
        # '청년허브는?': the last turn's ask (the fact it asked, not its 'how'), of this subject
        at = next((m.value for m in answer_types(utterance(req.state.question))
                   if m.value.kind in FOLLOWUP_FACT_KINDS), None)
    finder = ctx.findings_finder() if req.redirect_from == "followup" and at is not None \
        and at.kind in FOLLOWUP_FACT_KINDS else None
    if finder is not None:
        # '그때 최종 대상자로 뽑힌 인원은요?': a fact of the finding just discussed — its statement, not the whole finding
        ans = finder.answer_within(req.question, req.state.question, item_id, at, req.lang)
        if ans is not None:
            return Outcome(ans, req.state.after(route="audit", question=req.question, audit_items=(item_id,)))
    res = ctx.audit_tool.run(AuditQuery("detail", item_id=item_id))
    method = req.extra.get("method", "")
    return _audit_render(ctx, req, res, req.state, method)


def handle_audit_topic(ctx, req: Request) -> Outcome:
    finder = ctx.findings_finder()
    if finder is not None:
        ans = finder.answer(req.question, req.utt, req.extra.get("answer_type"), req.lang,
                            departments=tuple(req.departments), within=tuple(req.extra.get("within", ())))
        if ans is not None and ans.route == "not_found" and req.extra.get("topic_fallback") == "detail" \
                and not (isinstance(ans.data, dict) and ans.data.get("reason") in REFUSAL_REASONS):
            ans = None                # a passage already named a finding: that one is the answer
        if ans is not None and ans.route == "audit" and "slots:audit_year" in req.extra.get("intent_method", "") \
                and isinstance(ans.data, dict) and not ans.data.get("type_held", True):
            # a table figure of another year than the tables': the audit text was its only other
            # source, and the finding found prints no such figure
            text = ("물으신 해의 그 값은 보고서에 없습니다. 예산 표는 다른 해의 것이고, 가장 가까운 감사 지적사항"
                    f"({ans.data.get('id')})의 조치 내용에도 그 값이 없습니다." if req.lang == "ko" else
                    "The reports do not give that figure for the year asked: the budget tables are of another year, "
                    f"and the closest audit finding ({ans.data.get('id')}) does not print it.")
            return not_found(req, text)
        if ans is not None:
            ids = tuple(x for x in [ans.data.get("id")] if x) if isinstance(ans.data, dict) else ()
            nxt = req.state.after(route=ans.route, question=req.question, audit_items=ids or req.state.audit_items,
                                  programs=tuple(req.programs) or req.state.programs)   # '그 사업 예산은?' next
            return Outcome(ans, nxt)
    if req.extra.get("topic_fallback") == "detail" and req.extra.get("item_id"):
        return handle_audit_detail(ctx, req)
    # no search index: the finding whose words the question shares most
    ranked = ctx.audit_tool.rank(req.question)
    if ranked and ranked[0][1] >= audit_answer.DETAIL_THRESHOLD * 0.6:
        item_id = str(ctx.audit.iloc[ranked[0][0]]["id"])
        return handle_audit_detail(ctx, replace(req, extra={**req.extra, "item_id": item_id}))
    return handle_audit_count(ctx, req)


# -- validation ----------------------------------------------------------------------------
def handle_validation(ctx, req: Request) -> Outcome:
    state = req.state
    finder = getattr(ctx, "passages", None)
    refused = finder.refused_asks(req.question) if finder is not None else []
    if refused:                              # '내년 집행률 몇 % 될 거 같아?': a prediction, not a check
        return not_in_reports(req, refused)
    kinds = validation_answer.kinds_for(req.utt.squashed) or state.validation_kinds
    programs = req.programs or list(state.validation_names if not req.programs and state.route == "validation" else [])
    depts = req.departments
    qnums = {n for n in re.findall(r"\d[\d,]*\.\d+|\d{1,3}(?:,\d{3})+", req.utt.text)}
    if qnums and not any(ctx.known_figure(n) for n in qnums):
        kinds = ()          # figures the findings do not know: the text itself disagrees — show passages
    if not kinds:
        return Outcome(Answer(req.question, "", "passages"), state, redirect="passages",
                       redirect_extra=(("route", "validation"), ("max_units", 3)))
    found = validation_answer.select(ctx.findings, kinds, programs if "breakdown_mismatch" not in kinds else [])
    if "breakdown_mismatch" in kinds:
        found = validation_answer.closest(found, req.utt.squashed)       # the figure the question names
    if not found and programs and "body_appendix_mismatch" in kinds:
        found = validation_answer.select(ctx.findings, ("body_split_rows",), programs)
    context = ctx.validation_context(kinds, depts)
    sums, other = [], []
    if kinds[0] == "department_sum_mismatch" and hasattr(ctx, "sum_checks"):
        # 'do the departments add up to the subtotal?': the sums of the column asked are shown,
        # equal or not; a mismatch in another column is a note, not the answer
        fields = tuple(dict.fromkeys(m.value.name for m in req.mentions if m.kind == "metric"
                                     and m.value.name in validation_answer.SUM_FIELDS))
        if fields:
            other = [f for f in found if f.severity != "info" and f.figures.get("field") not in fields]
            found = [f for f in found if f not in other]
        sums = validation_answer.sum_lines(ctx.sum_checks, fields or ("budget",), depts)
    text = validation_answer.render(found, kinds, context, req.lang, sums=sums, other=other)
    cites = validation_answer.citations(found + other, ctx.quote)
    method = f"검증 규칙 {', '.join(kinds)} 의 결과 {len(found)}건 (report-assistant validate)"
    nxt = state.after(route="validation", validation_kinds=kinds, validation_names=tuple(programs), question=req.question)
    return Outcome(Answer(req.question, text, "validation", {"findings": [f.to_dict() for f in found]}, method, cites,
                          0.0), nxt)


# -- organisation ---------------------------------------------------------------------------
def _owner_of_programmes(ctx, req: Request) -> Outcome | None:
    """'청년수당은 어느 과 소관이야?', '그거 담당 부서는?': the department a programme's
    appendix row sits under, cited."""
    unit_word = re.compile(r"과|부서|담당관|소관|division|department|office")     # not '누가 운영해' (an operator)
    asks_unit = any(m.kind == "answer_type" and m.value.kind == "org" and unit_word.search(m.text)
                    for m in req.mentions) or any(m.kind == "scope" and m.value.name == "department" for m in req.mentions)
    names = list(req.programs)
    if not names and any(m.kind == "reference" for m in req.mentions):
        names = list(req.state.programs)
    if not asks_unit or not names or req.departments:
        return None
    df = ctx.budget_tool.df
    rows = df[(df["source"] == "appendix") & df["program"].isin(names) & (df["department"] != "")]
    if rows.empty:
        return None
    if req.lang == "ko":
        text = "\n".join(f"{r.program}: {r.department} 소관입니다 (별첨1 {int(r.line_start)}행)." for r in rows.itertuples())
    else:
        text = "\n".join(f"{r.program}: under {r.department} (appendix line {int(r.line_start)})." for r in rows.itertuples())
    nxt = req.state.after(route="organization", question=req.question, programs=tuple(rows["program"]),
                          departments=tuple(dict.fromkeys(rows["department"])))
    return Outcome(Answer(req.question, text, "organization", {"rows": budget_answer.data_of(rows)},
                          "별첨1 세부사업 표에서 사업이 속한 담당관을 조회", budget_answer.citations_of(rows, ctx.quote), 0.0), nxt)


def handle_organization(ctx, req: Request) -> Outcome:
    absent = [w for w in absent_words(ctx, req) if w not in organization.VACANCY_WORDS]   # 정원 − 현원 is computed
    if absent:          # '<부서> 직원 평균 근속연수': the tables hold staff numbers only
        return not_in_reports(req, absent)
    owner = _owner_of_programmes(ctx, req)
    if owner is not None:
        return owner
    orders = [m.value for m in req.mentions if m.kind == "order"]
    superl = orders[0].direction if orders else None
    depts = req.departments
    if not depts and any(m.kind == "reference" for m in req.mentions):
        depts = list(req.state.departments)           # '거기 정원은?' after a department's answer
    elif not depts and req.state.route == "organization" and superl is None and len(req.utt.squashed) <= SHORT_TURN \
            and not re.search(organization.EVERY_UNIT, req.utt.squashed.lower()):
        depts = list(req.state.departments)           # '현원은?' after '<부서> 정원 몇 명이야?': the same department
    leans = req.state.route == "organization" and (any(m.kind == "reference" for m in req.mentions)
                                                   or not re.search(r"정원|현원|quota|current", req.utt.squashed.lower()))
    last = re.sub(r"\s+", "", req.state.question or "").lower() if leans else ""
    sq = req.utt.squashed
    if req.lang == "en" and getattr(ctx, "passages", None) is not None and not re.search(r"[가-힣]{2}", sq):
        # an English duty ('who handles … human rights violations') is matched on the report's Korean words
        sq += re.sub(r"\s+", "", ctx.passages.korean_keywords(req.question))
    out = organization.answer(ctx.corpus, sq, depts, superl, req.lang, last=last)
    if out is None:
        return Outcome(Answer(req.question, "", "passages"), req.state, redirect="passages",
                       redirect_extra=(("route", "organization"),))
    text, data, cites = out
    nxt = req.state.after(route="organization", question=req.question,
                          departments=tuple(depts) or req.state.departments)
    return Outcome(Answer(req.question, text, "organization", data, "일반현황의 조직표·부서별 주요기능 표에서 조회", cites, 0.0), nxt)


# -- passages ---------------------------------------------------------------------------------
def handle_passages(ctx, req: Request) -> Outcome:
    route = req.extra.get("route", "passages")
    max_units = req.extra.get("max_units", 2)
    if ctx.index is None:
        return not_found(req, "본문 검색 색인이 없습니다. 먼저 'report-assistant index build'를 실행하세요.")
    state = req.state
    names = req.programs
    uses_reference = any(m.kind == "reference" for m in req.mentions)
    if not names and state.programs and (uses_reference or (state.turns and len(req.utt.squashed) <= 16)):
        names = list(state.programs)
    aliases = [a for a, t in ctx.catalog.program_aliases.items() if any(n in t for n in names)]
    entity = " ".join(names + aliases)
    context = (entity + " " + " ".join(ctx.program_sections(names))).strip() if names else ""
    facility = ctx.english_subject(req.utt) if req.lang == "en" and not names else ""
    if not facility and req.lang == "en" and not names and uses_reference and state.question:
        facility = ctx.english_subject(utterance(state.question))    # '…, and when did it open?': the last one
    if facility:            # 'Who operates the Seoul … Center': the facility's Korean name, read by meaning
        entity = context = facility
    if route == "passages" and not req.departments and re.search(organization.UNIT_ASK, req.utt.squashed.lower()):
        owner = organization.duty_owner(ctx.corpus, req.utt.squashed.lower())
        if owner is not None:          # '…은 어디 소관이야?': a duty line of the functions table names its unit
            return Outcome(Answer(req.question, "", "organization"), state, redirect="organization")
    subject = dict(state.extra).get("fact_subject", "") if "followup:fact_subject" in req.extra.get("intent_method", "") \
        or (req.extra.get("continues") and not names) else ""
    facts = ctx.facts_answer(req, names + [x for x in (facility, subject) if x])
    if facts is not None:
        said = [f.get("subject", "") for f in facts.data.get("facts", [])] if isinstance(facts.data, dict) else []
        extra = tuple((k, v) for k, v in state.extra if k != "fact_subject") + \
            ((("fact_subject", said[0]),) if said and said[0] else ())
        nxt = state.after(route=facts.route, question=req.question, programs=tuple(names) or state.programs,
                          extra=extra)
        return Outcome(facts, nxt)
    finder = ctx.passages
    question = finder.respell(req.question) if req.lang == "ko" else req.question     # '아카대미' → the report's spelling
    within = _within_last_statements(ctx, req, question, names)
    if within is not None:
        return within
    unknown = []
    if route in ("passages", "organization") and req.lang == "ko":
        # asks the reports never answer are read as typed ('센터장 이름' must not be mended away)
        unknown = finder.refused_asks(req.question) or [
            t for t in finder.unknown_terms(question) if not in_scope_words(req, t)] or (
            finder.unanswerable_focus(question, entity) if req.programs else [])
    elif route in ("passages", "organization"):
        unknown = finder.refused_asks(req.question)
    if state.route == "passages" and state.question and req.lang == "ko" and not req.programs \
            and (uses_reference or len(req.utt.squashed) <= SHORT_TURN) and not finder.turn_nouns(question):
        # '그 다음엔 어떻게 한대?': a turn naming nothing of its own goes on from the last question
        question = f"{state.question} {question}"
    query = f"{question} {context}".strip()
    if req.lang == "en":
        query = f"{query} {finder.korean_keywords(req.question)}"
    hits = list(ctx.index.search(query, k=8))
    if names:
        titles = set(ctx.program_sections(names))
        seen = {(h.doc, h.line_start) for h in hits}
        hits += [c for c in getattr(ctx.index, "chunks", [])
                 if c.kind == "program_block" and titles & set(c.section.split(" > ")) and (c.doc, c.line_start) not in seen]
    atypes = [m.value for m in req.mentions if m.kind == "answer_type"]
    ext = finder.answer(question, hits, context, max_units=max_units, lang=req.lang,
                        relative=0.5 if route == "validation" else 0.8,
                        prior={"audit_item": AUDIT_PRIOR} if route == "passages" else None, entity=entity,
                        answer_types=atypes or None, utt=req.utt)
    if ext is not None and getattr(ext, "note", "") and not unknown:
        # no statement holds what was asked: say what the report gives instead, as a refusal
        return not_found(req, ext.text, hits)
    if ext is None and not unknown and route == "passages" and req.lang == "ko":
        # nothing in the report's text: a finding of the audit document may hold it ('…뭘로 바꿨어')
        finder_f = ctx.findings_finder()
        found = finder_f.answer(req.question, req.utt, req.extra.get("answer_type"), req.lang,
                                min_pairs=FALLBACK_PAIRS) if finder_f is not None else None
        if found is not None and (found.route == "audit" or (
                isinstance(found.data, dict) and found.data.get("reason") in REFUSAL_REASONS)):
            ids = tuple(x for x in [found.data.get("id")] if x) if isinstance(found.data, dict) else ()
            return Outcome(found, state.after(route="audit", question=req.question, audit_items=ids or state.audit_items))
    if ext is None or unknown:
        extra = f" (보고서에 없는 말: {', '.join(unknown[:3])})" if unknown else ""
        return not_found(req, ("보고서에서 이 질문에 답하는 내용을 찾지 못했습니다." + extra) if req.lang == "ko"
                         else "The reports do not say.", hits)
    reason, note = unanswered(req.question, [u.text for u in ([ext.best] if ext.best else []) + ext.units], req.lang)
    if reason:
        # '…최종 확정됐어?' over '… 개최 예정', '사유별로 몇 명씩' over a total: not in the reports; quoted
        return not_found(req, f"{note}\n{ext.text}", hits)
    owned = organization.function_at(ctx.corpus, ext.best.doc, ext.best.line_start, ext.best.text) \
        if ext.best is not None and (route == "organization" or re.search(organization.UNIT_ASK, req.utt.squashed.lower())) \
        else None
    if owned is not None:
        # the statement found is a duty line of the functions table: its department is the answer
        text, data, cites = organization.duty_answer(ctx.corpus, *owned, req.lang)
        return Outcome(Answer(req.question, text, "organization", data,
                              "하이브리드 검색으로 찾은 부서별 주요기능 표의 업무 줄", cites, 0.0),
                       state.after(route="organization", question=req.question, departments=(owned[0].department,)))
    item = ctx.audit_item_at(ext.best) if route == "passages" and ext.best is not None else None
    if item is not None:
        # the best passage is a finding: findings by topic choose the finding and the statement
        # that answers; the passage's finding is the fallback
        return Outcome(Answer(req.question, "", "audit"), state, redirect="audit_topic",
                       redirect_extra=(("item_id", item), ("topic_fallback", "detail"),
                                       ("method", "하이브리드 검색으로 찾은 지적사항의 요구·추진상황·추진내용·향후계획")))
    method = f"하이브리드 검색(어휘 BM25 + 벡터, RRF) 상위 {len(hits)}개 청크에서 질문과 겹치는 형태소·숫자로 문장 선택"
    carried = tuple(req.programs) or (ctx.programs_of_section(finder.program_of(ext.best)) if ext.best else ()) \
        or state.programs
    nxt = state.after(route="passages", question=req.question, programs=carried,
                      extra=_with_statements(state.extra, ext.citations))
    return Outcome(Answer(req.question, ext.text, route, {"hits": [h.to_dict() for h in hits[:5]]}, method,
                          ext.citations, round(min(ext.score, 1.0), 2)), nxt)


@dataclass(frozen=True)
class _Span:
    """A statement of an earlier answer, in the shape of a search hit."""
    doc: str
    line_start: int
    line_end: int
    section: str = ""
    kind: str = "passage"


def _with_statements(extra: tuple, citations) -> tuple:
    """The state's extras with the statements of this text answer (doc, lines, section): the next turn
    may narrow within them ('그중 1등급은?')."""
    spans = [[c.doc, c.line_start, c.line_end, c.section] for c in citations[:MAX_KEPT_STATEMENTS]]
    return tuple((k, v) for k, v in extra if k not in ("statements", "fact_subject")) + \
        ((("statements", spans),) if spans else ())


def _within_last_statements(ctx, req: Request, question: str, names) -> Outcome | None:
    """'그중 1등급은?' / '거기서 여성은 몇 명?' right after a text answer: the statements just quoted are
    searched first, the last question as context; the turn is answered from them only when one of them
    holds what the turn adds (its own words, the type it asks) — else the search runs as usual."""
    state = req.state
    spans = dict(state.extra).get("statements") if state.route == "passages" else None
    if not spans or req.programs or req.lang != "ko":
        return None                    # (a programme carried from the last turn is what the statements are about)
    refs = {m.value.kind for m in req.mentions if m.kind == "reference"}
    if not (refs & {"among", "it"} or len(req.utt.squashed) <= SHORT_TURN):
        return None
    docs = {d.id: d for d in ctx.corpus.documents}
    try:
        hits = [_Span(str(d), int(a), int(b), str(sec)) for d, a, b, sec in spans]
    except (TypeError, ValueError):
        return None                    # a damaged stored state: searched as a new question
    if not all(h.doc in docs and docs[h.doc].line_start <= h.line_start <= h.line_end <= docs[h.doc].line_end
               for h in hits):
        return None
    atypes = [m.value for m in req.mentions if m.kind == "answer_type"]
    ext = ctx.passages.answer(question, hits, state.question, max_units=1, lang=req.lang,
                              answer_types=atypes, utt=req.utt)      # typed choice: tables read as '구분 N건'
    if ext is None or getattr(ext, "note", ""):
        return None
    own = ctx.passages.turn_nouns(question)
    if own and not any(ctx.passages.holds_nouns(u, own) for u in ext.units):
        return None                    # '그 사업들 <실태평가>는 언제?': what the turn adds is in none of them
    nxt = state.after(route="passages", question=req.question, extra=state.extra)
    return Outcome(Answer(req.question, ext.text, "passages", {"hits": []},
                          "직전 답의 문장 안에서 이번 질문의 말·유형으로 문장 선택", ext.citations,
                          round(min(ext.score, 1.0), 2)), nxt, rules=("followup:within_statements",))


HANDLERS: dict[str, Callable[[Any, Request], Outcome]] = {
    "budget": handle_budget,
    "audit_count": handle_audit_count,
    "audit_topic": handle_audit_topic,
    "audit_detail": handle_audit_detail,
    "validation": handle_validation,
    "organization": handle_organization,
    "passages": handle_passages,
}
