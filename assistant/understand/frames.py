"""Frames: named rules that turn mentions into a typed query.

    frame = budget_frame(mentions, utt, total_row=...)
    frame.query      -> BudgetQuery(...)   (or None with frame.clarify / frame.not_found)
    frame.rules      -> ("targets", "metrics", "conditions", "order:argmin")
    frame.leftovers  -> mentions no rule consumed

Every comparison, order, aggregate, metric, derived and exclusion mention must
be consumed by a rule. A left-over condition never widens the query: the frame
asks (clarify) instead. A reading the user did not spell out (a bare number, a
default metric) is stated in `assumptions`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..audit import AuditQuery
from ..budget import AMOUNT, METRICS, RATE, BudgetQuery, Condition, is_metric
from .types import Comparison, Mention, Utterance

MUST_CONSUME = ("comparison", "order", "aggregate", "metric", "derived", "exclusion")
STRICT = ("comparison", "exclusion", "derived", "quantity")   # dropping these would widen or change the figure


def _figure(m: Mention) -> bool:
    """A number with a budget unit that no comparison took ('100%로 잡힌'): not understood."""
    q = m.value
    bare_unit = re.fullmatch(r"\s*(억\s?원|억|천\s?원|만\s?원|원|%|퍼센트|프로)\s*", m.text or "")
    return m.kind == "quantity" and getattr(q, "unit", "") in ("%", "천원") and not bare_unit
AMOUNT_OF_RATE = {"spent_rate": "spent", "committed_rate": "committed", "forecast_rate": "forecast"}
RATE_OF_AMOUNT = {v: k for k, v in AMOUNT_OF_RATE.items()}
# which of several metrics a ranking or comparison is about: the most specific one ('예산 중 아직 안 쓴 돈이
#제일 큰' ranks the unspent amount, not the budget it is part of)
REMAINDERS = ("expected_lapse", "unspent", "pending")     # what is left of a budget: a programme 'has' one above 0
SPECIFICITY = ("expected_lapse", "pending", "unspent", "committed_rate", "committed", "forecast_rate", "forecast",
               "spent_rate", "spent", "budget")
AGG_RANK = {"sum": 0, "mean": 1, "count": 2, "list": 3}
OPS_KO = {"<": "미만", "<=": "이하", ">": "초과", ">=": "이상", "==": "", "!=": "이 아닌"}


@dataclass(frozen=True)
class Frame:
    intent: str
    query: BudgetQuery | AuditQuery | None = None
    targets: tuple[str, ...] = ()                # names the query is about (programmes, departments, totals)
    rules: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    leftovers: tuple[Mention, ...] = ()
    clarify: tuple[str, ...] = ()                # candidates to choose from
    clarify_reason: str = ""
    not_found: str = ""                          # why there is nothing to answer
    metrics_explicit: bool = False
    metrics: tuple[str, ...] = ()                # the measures read (a difference as one), also without a query
    redirect: str = ""                           # the question belongs to another intent (say which)


@dataclass
class _Work:
    """The frame being built: which mentions each rule consumed."""
    mentions: tuple[Mention, ...]
    used: set = field(default_factory=set)
    rules: list = field(default_factory=list)
    assumptions: list = field(default_factory=list)

    def take(self, m: Mention) -> None:
        self.used.add(id(m))

    def of(self, kind: str) -> list[Mention]:
        return [m for m in self.mentions if m.kind == kind]

    def leftovers(self) -> tuple[Mention, ...]:
        return tuple(m for m in self.mentions if (m.kind in MUST_CONSUME or _figure(m)) and id(m) not in self.used)


_LEFT_OUT_BEFORE = re.compile(r"(?:excluding|except(?: for)?|without|other than|not counting|leaving out)(?: the)?\s?$")
_LEFT_OUT_AFTER = re.compile(r"^\s?(?:은|는|을|를|이|가|rows?|lines?)?\s?(?:빼고|빼면|뺀|제외|말고|excluded|aside)")


def _scopes(w: _Work, left_out: list[tuple[int, int]] = (), text: str = "") -> set[str]:
    """Scope names; '기본경비' inside '기본경비 빼고' (a left-out span), or right by such a cue
    ('excluding basic expenses'), asks for no admin rows."""
    out = set()
    for m in w.of("scope"):
        w.take(m)
        if m.value.name == "admin" and (any(a <= m.span[0] and m.span[1] <= b for a, b in left_out)
                                        or _LEFT_OUT_BEFORE.search(text[max(0, m.span[0] - 24):m.span[0]])
                                        or _LEFT_OUT_AFTER.match(text[m.span[1]:m.span[1] + 12])):
            w.rules.append("scope:admin_left_out")
            continue
        out.add(m.value.name)
    return out


def _metric_for(c: Comparison, metrics: list[str], before: list[str], w: _Work, text: str) -> tuple[str, float] | None:
    """The metric and value a comparison applies to, stating any reading of a bare number."""
    q = c.quantity
    if c.metric and "-" in c.metric and is_metric(c.metric):
        return c.metric, q.value          # one measure against another ('예상액이 예산현액보다 적은'): their difference
    named = c.metric if c.metric in METRICS else None
    if q.unit == "%":
        m = named or next((x for x in reversed(before) if METRICS[x][2] == RATE), None) \
            or next((x for x in metrics if METRICS[x][2] == RATE), None)
        if m is None:
            amount = named or next((x for x in reversed(before) if x in RATE_OF_AMOUNT), None)
            m = RATE_OF_AMOUNT.get(amount or "", "spent_rate")
            if amount is None:
                w.assumptions.append(f"'{text}'을 지출 집행률 기준으로 읽었습니다")
        if METRICS[m][2] != RATE:
            m = RATE_OF_AMOUNT.get(m, "spent_rate")
        return m, q.value
    if q.unit == "천원":
        m = named if named and METRICS[named][2] == AMOUNT else None
        m = m or next((x for x in reversed(before) if METRICS[x][2] == AMOUNT), None) \
            or next((x for x in metrics if METRICS[x][2] == AMOUNT), None) \
            or next((AMOUNT_OF_RATE[x] for x in list(reversed(before)) + metrics if x in AMOUNT_OF_RATE), None)
        if m is None:
            m = "budget"
            w.assumptions.append(f"'{text}'을 예산현액 기준으로 읽었습니다")
        return m, q.value
    if q.unit == "":
        m = named or (before[-1] if before else (metrics[0] if metrics else None))
        if m is None:
            return None
        if METRICS[m][2] == RATE:
            value = q.value * 100 if 0 < q.value <= 1 else q.value
            w.assumptions.append(f"'{text}'을 {METRICS[m][0]} {value:g}%로 읽었습니다")
            return m, value
        w.assumptions.append(f"'{text}'을 {METRICS[m][0]} {q.value:g}천원으로 읽었습니다 (표의 단위)")
        return m, q.value
    return None          # counts ('3개 이상') are not a figure of a budget row


def _conditions(w: _Work, metrics: list[str], metric_mentions: list[Mention]) -> tuple[list[Condition], str]:
    out: list[Condition] = []
    for m in w.of("comparison"):
        before = [x.value.name for x in metric_mentions if x.span[0] < m.span[0]]
        got = _metric_for(m.value, metrics, before, w, m.text)
        if got is None:
            continue
        metric, value = got
        w.take(m)
        out.append(Condition(metric, m.value.op, value))
        # '전액을 지출한(지출률 100%)': the same quantity restated beside the condition is that condition
        for x in w.of("quantity"):
            if x.value.unit == m.value.quantity.unit and x.value.value == m.value.quantity.value \
                    and abs(x.span[0] - m.span[1]) <= RESTATE_GAP:
                w.take(x)
    # contradictions: a lower bound above an upper bound on one metric
    for a in out:
        for b in out:
            lo = a.value if a.op in (">", ">=") else None
            hi = b.value if b.op in ("<", "<=") else None
            if a.metric == b.metric and lo is not None and hi is not None and (lo > hi or (lo == hi and "=" not in a.op + b.op)):
                return out, f"'{a.describe()}'와 '{b.describe()}'는 함께 성립할 수 없습니다"
    return out, ""


def _exclusions(w: _Work, metrics: list[str]) -> list[Condition]:
    out = []
    for m in w.of("exclusion"):
        if m.value.condition is None:
            continue                     # a named exclusion: _excluded_names
        got = _metric_for(m.value.condition, metrics, [], w, m.text)
        if got is None:
            continue
        w.take(m)
        out.append(Condition(got[0], m.value.condition.op, got[1]))
        # the condition inside an exclusion is the exclusion's, not a filter
        for c in w.of("comparison"):
            if c.span[0] >= m.span[0] and c.span[1] <= m.span[1]:
                w.take(c)
    return out


def _excluded_names(w: _Work, row_names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Programmes left out by name. Admin and subtotal rows ('기본경비 빼고') are never among
    the programme rows a query counts: leaving them out is the default, said as a reading."""
    names, rows = [], []
    for m in w.of("exclusion"):
        if m.value.condition is None:
            w.take(m)
            for n in m.value.names:
                if n not in names + rows:
                    (rows if n in row_names else names).append(n)
    if names:
        w.rules.append("exclusions:names")
        w.assumptions.append(", ".join(names) + " 제외하고 계산했습니다")
    if rows:
        w.rules.append("exclusions:admin_rows")
        w.assumptions.append("기본경비·합계 행은 빼고 세부사업만 계산했습니다")
    return tuple(names)


def _metrics(w: _Work, entity_spans: list[tuple[int, int]]) -> tuple[list[str], list[Mention]]:
    kept = []
    for m in w.of("metric"):
        if any(a <= m.span[0] and m.span[1] <= b for a, b in entity_spans):
            w.take(m)          # a word inside a programme's name is not a metric
            continue
        kept.append(m)
    names: list[str] = []
    for m in kept:
        if m.value.name not in names:
            names.append(m.value.name)
    return names, kept


def _word_at(text: str, span: tuple[int, int]) -> str:
    """The whole Hangul word a span sits in ('<태그>' → '<태그>예산')."""
    a, b = span
    while a > 0 and "가" <= text[a - 1] <= "힣":
        a -= 1
    while b < len(text) and "가" <= text[b] <= "힣":
        b += 1
    return text[a:b]


def budget_frame(mentions: tuple[Mention, ...], utt: Utterance, *, total_row: str = "",
                 admin_names: tuple[str, ...] = (), names_with=None, names_like=None) -> Frame:
    """``names_like(word)``: the programme names holding a word's letters in order (a shortened
    name: '<A…B>' for '<A지원B>'). ``names_with(word)``: the programme names holding a word (for a tag word that is also part
    of several names: '<태그>예산 집행 얼마나 됐어?' asks which of them)."""
    w = _Work(tuple(mentions))
    row_names = tuple(e.value.name for e in w.of("entity") if e.value.kind in ("admin", "total"))
    excluded = _excluded_names(w, row_names)
    excl_spans = [m.span for m in w.of("exclusion") if m.value.condition is None]
    ents = w.of("entity")
    for e in ents:
        w.take(e)
    # a programme left out by name is not a target, nor is '기본경비' inside '기본경비 포함' (a scope's own word)
    excl_spans += [m.span for m in w.of("scope") if m.value.name == "include_admin"]
    ents = [e for e in ents if not any(a <= e.span[0] and e.span[1] <= b for a, b in excl_spans)]
    entity_spans = [e.span for e in ents]
    programs = [e.value for e in ents if e.value.kind in ("program", "admin")]
    depts = list(dict.fromkeys(e.value.name for e in ents if e.value.kind == "department"))
    totals = list(dict.fromkeys(e.value.name for e in ents if e.value.kind == "total"))
    names = list(dict.fromkeys(p.name for p in programs))
    if names_with is not None and len(depts) in (1, 2) and not programs:
        held = _department_word_as_name(utt.text, [e for e in ents if e.value.kind == "department"], names_with)
        if held is not None:
            word, holders = held
            if len(holders) >= 2:
                # '<다른 부서 말> <부서 약칭> 사업 예산': programmes holding the short name, in the other department
                w.rules.append("targets:department_word_in_names")
                return Frame("budget", None, rules=tuple(w.rules), clarify=holders, clarify_reason="ambiguous",
                             metrics_explicit=True)
            names, depts = list(holders), []
            w.assumptions.append(f"'{word}' 사업을 '{holders[0]}'(으)로 읽었습니다" if utt.lang == "ko"
                                 else f"read '{word}' as '{holders[0]}'")
    ambiguous = [p.name for p in programs if p.via == "ambiguous"]
    for e in ents:
        if e.value.via in ("partial", "meaning"):
            w.assumptions.append(f"read '{e.text}' as '{e.value.name}'" if utt.lang == "en"
                                 else f"'{e.text}'을(를) '{e.value.name}'(으)로 읽었습니다")
    scopes = _scopes(w, [m.span for m in w.of("exclusion") if m.value.condition is None], utt.text)
    if "admin" in scopes and depts and admin_names:
        # '<부서> 기본경비': that department's admin row, not every row the word matched
        own = [a for a in admin_names if any(d in a for d in depts)]
        if own:
            names = [n for n in names if n not in admin_names] + own
            totals = [t for t in totals if t not in ("기본경비",) and not any(t in a for a in own)]
            depts = []
            w.rules.append("targets:department_admin")
    metrics, metric_mentions = _metrics(w, entity_spans)
    explicit = bool(metrics)
    for m in metric_mentions:
        w.take(m)
    w.rules.append("metrics" if metrics else "metrics:none")

    # derived measures: a difference replaces its two sides by one metric
    share = False
    for d in w.of("derived"):
        if d.value.kind == "difference":
            sides = [x for x in d.value.metrics if x in METRICS] or metrics[:2]
            if len(sides) == 2 and sides[0] != sides[1] and METRICS[sides[0]][2] == METRICS[sides[1]][2]:
                diff = f"{sides[0]}-{sides[1]}"
                metrics = [diff] + [x for x in metrics if x not in sides]
                w.take(d)
                w.rules.append("derived:difference")
            elif len(names) + len(depts) >= 2:
                w.take(d)                 # '둘의 차이' between two targets: a comparison shows the difference
                w.rules.append("derived:compare")
        elif d.value.kind == "share":
            share = True
            w.take(d)
            w.rules.append("derived:share")
            if not metrics or METRICS[metrics[0]][2] != AMOUNT:
                metrics = [x for x in metrics if METRICS[x][2] == AMOUNT] or ["budget"]
    exclusions = _exclusions(w, metrics)
    conditions, contradiction = _conditions(w, metrics, metric_mentions)
    if contradiction:
        return Frame("budget", None, rules=tuple(w.rules + ["conditions:contradiction"]),
                     clarify_reason=contradiction, leftovers=w.leftovers())
    if conditions:
        w.rules.append("conditions")
    if exclusions:
        w.rules.append("exclusions")

    level = "program"
    if "admin" in scopes or (totals and any(t in admin_names for t in totals)):
        level = "admin"
    source = "body" if "body" in scopes else "appendix"
    citizen = True if "citizen" in scopes else None
    for m in w.of("scope"):
        if m.value.name == "citizen" and re.match(r"\S{0,4}\s?(?:\S{1,3}\s)?(?:빼고|빼면|뺀|제외|말고|아닌|외의|except|excluding|other than)",
                                                 utt.text[m.span[1]:m.span[1] + 14]):
            citizen = False          # '<태그> 사업들 빼고': every programme without the tag
    orders = w.of("order")
    aggs = sorted(w.of("aggregate"), key=lambda a: AGG_RANK.get(a.value.op, 9))
    agg = aggs[0].value if aggs else None
    for a in aggs:               # '몇 개고 다 합치면 얼마?': the sum also reports the count
        if a.value.op in ("count", "list") or a is aggs[0]:
            w.take(a)
    dept_scope = "department" in scopes or (agg is not None and agg.by == "department")
    if dept_scope and not depts and level != "admin" and (orders or (agg and agg.by == "department")):
        level = "department"

    def q(**kw) -> BudgetQuery:
        base = dict(metrics=tuple(metrics or ("budget",)), source=source, citizen=citizen,
                    conditions=tuple(dict.fromkeys(conditions)), exclusions=tuple(exclusions), level=level,
                    exclude_names=excluded)
        base.update(kw)
        return BudgetQuery(**base)

    def done(query: BudgetQuery | None, targets=(), **kw) -> Frame:
        left = w.leftovers()
        strict = [m for m in left if m.kind in STRICT]
        if strict and query is not None:
            return Frame("budget", None, rules=tuple(w.rules), leftovers=left, metrics_explicit=explicit,
                         clarify_reason="다음 조건을 어떻게 적용할지 알 수 없습니다: " + ", ".join(f"'{m.text}'" for m in strict))
        notes = [f"'{m.text}'는 이 질문에 적용하지 않았습니다" for m in left if m.kind not in STRICT]
        return Frame("budget", query, tuple(targets), tuple(w.rules), tuple(w.assumptions + notes), left,
                     metrics_explicit=explicit, metrics=tuple(query.metrics) if query else tuple(metrics), **kw)

    # an ambiguous alias with nothing else to go on: ask
    if len(set(ambiguous)) > 1 and len(set(ambiguous)) == len(names) and not orders \
            and not (agg and agg.op in ("sum",)) and len(set(names)) > 1:
        w.rules.append("targets:ambiguous")
        return Frame("budget", None, rules=tuple(w.rules), clarify=tuple(dict.fromkeys(ambiguous)),
                     clarify_reason="ambiguous", metrics_explicit=explicit)

    if share and (names or depts or totals or conditions or citizen):
        for o in orders:
            w.take(o)
        w.rules.append("operation:share")
        if names and (depts or totals):
            # '<부서> 예산 중 <사업>이 차지하는 비중': the part of that department (or subtotal), not of the bureau
            w.rules.append("share:of_named_whole")
            return done(q(operation="share", names=tuple(names), share_of=tuple(depts or totals)), names)
        if depts and totals and not names:
            # '<부서> 예산이 사업예산(계)에서 차지하는 비중': the department's row against that subtotal
            w.rules.append("share:of_named_whole")
            return done(q(operation="share", names=tuple(depts), share_of=tuple(totals), level="department"), depts)
        if names or totals:
            return done(q(operation="share", names=tuple(names + totals)), names + totals)
        if depts:
            return done(q(operation="share", names=tuple(depts), level="department"), depts)
        return done(q(operation="share", names=()), ())

    scope_spans = [m.span for m in w.mentions if m.kind == "scope" and m.value.name == "citizen"]
    # '시민참여예산 사업 중': the words a citizen scope explains are not an unknown name
    unknown = [m for m in w.mentions if m.kind == "unknown_name"
               and not any(a < m.span[1] and m.span[0] < b for a, b in scope_spans)]
    holders = _word_holders(unknown[0].text, names_with) if unknown and names_with is not None else ()
    if holders:
        # '<말> 사업 예산': no one programme is called that, but several names hold the word whole
        w.rules.append("targets:word_in_several_names")
        return Frame("budget", None, rules=tuple(w.rules), clarify=holders, clarify_reason="ambiguous",
                     metrics_explicit=explicit)
    if unknown and not ents and not orders:
        w.rules.append("targets:unknown")
        return Frame("budget", None, rules=tuple(w.rules), not_found=unknown[0].text, metrics_explicit=explicit,
                     metrics=tuple(metrics))
    if orders and names and not depts and not totals and not (agg and agg.op == "list"):
        w.rules.append("order:named_programme")
        for x in orders:
            w.take(x)
        return Frame("budget", None, tuple(names), tuple(w.rules), redirect="passages", metrics=tuple(metrics),
                     metrics_explicit=explicit)
    if orders:
        o = orders[0].value
        for x in orders:
            w.take(x)
        metrics = sorted(metrics, key=lambda x: SPECIFICITY.index(x) if x in SPECIFICITY else -1)
        # '지출 0원인 사업 중 예산이 제일 큰': the metric a condition used is not what is ranked
        # when another one is named
        ranked = [x for x in metrics if not any(c.metric == x for c in conditions)]
        if ranked and len(ranked) < len(metrics):
            metrics = ranked + [x for x in metrics if x not in ranked]
        if not metrics:
            rate_words = any(x in utt.squashed for x in ("높", "낮", "high", "low", "률", "율", "rate"))
            metrics = ["spent_rate"] if rate_words else ["budget"]
            w.assumptions.append(f"지표가 없어 {METRICS[metrics[0]][0]} 기준으로 골랐습니다")
        scope = dict(departments=tuple(depts), names=())
        asc = o.direction == "min"
        if o.all:
            w.rules.append("order:sort")
            return done(q(operation="sort", ascending=asc, k=1, **scope))
        if o.k and o.k > 1:
            w.rules.append("order:top_k")
            return done(q(operation="bottom_k" if asc else "top_k", k=min(o.k, 100), **scope))
        if o.rank and o.rank > 1:
            w.rules.append("order:rank")
            return done(q(operation="rank", rank=min(o.rank, 100), ascending=asc, **scope))
        w.rules.append("order:" + ("argmin" if asc else "argmax"))
        return done(q(operation="argmin" if asc else "argmax", **scope))

    program_scope = bool(conditions or exclusions or excluded or citizen or "program" in scopes
                         or any(a.value.op in ("count", "mean", "list") for a in aggs))
    if names or totals or (depts and not program_scope):
        targets = list(names) + list(totals)
        if "include_admin" in scopes and not depts and not names and not totals and total_row:
            w.rules.append("targets:total_with_admin")
            return done(q(operation="lookup", names=(total_row,), level="total"), [total_row])
        if "include_admin" in scopes and depts:
            admins = [a for a in admin_names if any(d in a for d in depts)]
            w.rules.append("targets:include_admin")
            return done(q(operation="sum", names=tuple(admins), departments=tuple(depts), level="department"),
                        depts + admins)
        n = len(targets) + len(depts)
        if n >= 2 and agg is not None and agg.op == "sum":
            op = "sum"
        elif n >= 2:
            op = "compare"
        elif agg is not None and agg.op == "mean" and n == 1 and depts:
            return done(q(operation="mean", departments=tuple(depts)), depts)
        else:
            op = "lookup"
        w.rules.append(f"targets:{op}")
        return done(q(operation=op, names=tuple(targets), departments=tuple(depts),
                      level="department" if depts and not targets else level), targets + depts)
    scope = dict(departments=tuple(depts))
    if "include_admin" in scopes and not depts and total_row:
        w.rules.append("targets:total_with_admin")
        return done(q(operation="lookup", names=(total_row,), level="total"), [total_row])
    whole = any(x in utt.squashed for x in ("전체", "총", "기획관", "total", "whole", "bureau", "overall"))
    if agg is not None and agg.op == "sum" and whole and not depts and "program" not in scopes and total_row \
            and not (conditions or exclusions or excluded or citizen):
        # '전체 예산에서 아직 안 나간 돈 총액': the bureau's total row, not a sum over programmes
        w.rules.append("targets:total")
        return done(q(operation="lookup", names=(total_row,), level="total"), [total_row])
    if agg is not None:
        w.rules.append(f"aggregate:{agg.op}")
        if agg.by == "department" and not depts:
            return done(q(operation="sort", level="department", ascending=False))
        op = {"sum": "sum", "mean": "mean", "count": "count_where", "list": "list_where"}[agg.op]
        remainder = [x for x in metrics if x in REMAINDERS]
        if op in ("count_where", "list_where") and remainder and not conditions:
            # '연말에도 다 못 쓸 걸로 예상되는 사업 몇 개': the programmes that have such a remainder at all
            conditions = [Condition(remainder[0], ">", 0)]
            w.rules.append("conditions:remainder_above_zero")
            w.assumptions.append(f"'{METRICS[remainder[0]][0]}이(가) 있는 사업'을 {METRICS[remainder[0]][0]} 0원 초과로 "
                                 "읽었습니다" if utt.lang == "ko" else f"read as {remainder[0]} above 0")
        return done(q(operation=op, **scope), depts)
    if citizen and names_with is not None and not (conditions or exclusions or depts or excluded or aggs or orders) \
            and "program" not in scopes:
        # one figure asked of a word that is the tag and also part of several programme names
        word = next((_word_at(utt.text, m.span) for m in w.of("scope") if m.value.name == "citizen"), "")
        holders = tuple(names_with(word)) if len(word) > 4 else ()
        if len(holders) >= 2:
            w.rules.append("targets:ambiguous_tag_word")
            return Frame("budget", None, rules=tuple(w.rules), clarify=holders, clarify_reason="ambiguous",
                         metrics_explicit=explicit)
    if conditions or exclusions or citizen or depts or excluded:
        w.rules.append("scope:list")
        return done(q(operation="list_where", **scope), depts)
    if dept_scope and metrics:
        w.rules.append("scope:departments")
        return done(q(operation="sort", level="department"))
    if unknown:
        w.rules.append("targets:unknown")
        return Frame("budget", None, rules=tuple(w.rules), not_found=unknown[0].text, metrics_explicit=explicit,
                     metrics=tuple(metrics))
    if metrics and any(x in utt.squashed for x in ("전체", "총", "total", "overall", "whole")):
        w.rules.append("targets:total")
        return done(q(operation="lookup", names=(total_row,), level="total"), [total_row])
    if names_like is not None and not strict_leftovers(w):
        # '<약칭> 예산': a shortened name whose letters, in order, are in several programme names
        holders = _abbreviated(utt.text, names_like)
        if len(holders) >= 2:
            w.rules.append("targets:ambiguous_short_name")
            return Frame("budget", None, rules=tuple(w.rules), clarify=holders, clarify_reason="ambiguous",
                         metrics_explicit=explicit)
    w.rules.append("targets:none")
    strict = [m for m in w.leftovers() if m.kind in STRICT]
    reason = ("다음 조건을 어떻게 적용할지 알 수 없습니다: " + ", ".join(f"'{m.text}'" for m in strict)) if strict else "no_target"
    return Frame("budget", None, rules=tuple(w.rules), clarify_reason=reason, metrics_explicit=explicit,
                 leftovers=w.leftovers(), metrics=tuple(metrics))


_PARTICLE_TAIL = re.compile(r"(?:은|는|이|가|을|를|의|도|에|에서|랑|이랑|하고)$")
RESTATE_GAP = 12          # letters between a condition and a quantity that restates it
MAX_SHORT_NAME_HOLDERS = 4
MAX_WORD_HOLDERS = 6       # more names than this holding a word: it is a theme, not a shortened name


_QUALIFIER_TAIL = re.compile(r"(?:쪽|분야|관련|부서|파트|팀)$")


def _department_word_as_name(text: str, dept_mentions, names_with):
    """'<A> 쪽 <B> 사업': the department word B followed by '사업' with another word A before it,
    where programme names hold B and A is in their name or their department → (B, those names)."""
    if len(dept_mentions) == 2:
        # '<부서 A> <부서 B의 약칭> 사업': B's word inside A's programme names, A named in full before it
        first, m = sorted(dept_mentions, key=lambda x: x.span[0])
        word = re.sub(r"\s+", "", m.text)
        if first.value.name == m.value.name or word == m.value.name or len(word) < 2 \
                or not re.match(r"\s*(?:관련\s*)?사업", text[m.span[1]:]):
            return None
        holders = tuple(names_with(word, qualifier=first.value.name))
        return (word, holders) if holders else None
    if len(dept_mentions) != 1:
        return None
    m = dept_mentions[0]
    word = re.sub(r"\s+", "", m.text)
    if len(word) < 2 or word == m.value.name:
        return None
    before = [_QUALIFIER_TAIL.sub("", x) for x in text[:m.span[0]].split()[-2:]]
    quals = [q for q in before if len(q) >= 2]
    if quals and not re.match(r"\s*(?:관련\s*)?사업", text[m.span[1]:]):
        return None
    if not quals:
        # '<부서 약칭> (사업) 예산' alone: the department, or the programmes of other departments
        # whose names hold the word — when several do, which is asked
        outside = tuple(h for h in names_with(word) if h not in names_with(word, qualifier=m.value.name))
        return (word, (m.value.name,) + outside) if len(outside) >= 2 else None
    holders = tuple(h for h in names_with(word, qualifier=quals[-1]))
    return (word, holders) if holders else None


def strict_leftovers(w) -> bool:
    return any(m.kind in STRICT for m in w.leftovers())


def _word_holders(text: str, names_with) -> tuple[str, ...]:
    """The programme names holding an unknown name's word whole ('<말> 사업' → the names with '<말>'),
    when two to MAX_WORD_HOLDERS do; else ()."""
    word = re.sub(r"\s*(?:관련\s*)?(?:사업|사업들)?\s*$", "", _PARTICLE_TAIL.sub("", text.strip()))
    if len(re.sub(r"\s+", "", word)) < 3:
        return ()
    holders = tuple(names_with(word))
    return holders if 2 <= len(holders) <= MAX_WORD_HOLDERS else ()


def _abbreviated(text: str, names_like) -> tuple[str, ...]:
    """The programme names one word of the question shortens (two to four of them), else ()."""
    for word in re.findall(r"[가-힣A-Za-z0-9]{4,}", text):
        for w in dict.fromkeys((word, _PARTICLE_TAIL.sub("", word))):
            if len(w) < 4:
                continue
            holders = tuple(names_like(w))
            if 2 <= len(holders) <= MAX_SHORT_NAME_HOLDERS:
                return holders
    return ()


def audit_frame(mentions: tuple[Mention, ...], utt: Utterance, *, statuses: tuple[str, ...],
                categories: tuple[str, ...]) -> Frame:
    """Counting and listing audit findings: statuses, categories, departments, by department."""
    w = _Work(tuple(mentions))
    st: list[str] = []
    for m in w.of("status"):
        w.take(m)
        if m.value.negated:
            st += [s for s in statuses if s != m.value.value and s not in st]
        elif m.value.value in statuses and m.value.value not in st:
            st.append(m.value.value)
    cats: list[str] = []
    inclusive = False
    for m in w.of("category"):
        w.take(m)
        inclusive = inclusive or m.value.inclusive
        if m.value.value in categories and m.value.value not in cats:
            cats.append(m.value.value)
    if inclusive and cats:
        w.rules.append("category:inclusive")
        cats = list(categories)            # '자료 요구까지 합쳐서': every category
    depts = tuple(dict.fromkeys(e.value.name for e in w.of("entity") if e.value.kind == "department"))
    for e in w.of("entity"):
        w.take(e)
    aggs = w.of("aggregate")
    for a in aggs:
        w.take(a)
    by_dept = any(a.value.by == "department" for a in aggs) or any(
        m.value.name == "department" for m in w.of("scope"))
    for m in w.of("scope"):
        w.take(m)
    op = "list" if any(a.value.op == "list" for a in aggs) and not any(a.value.op == "count" for a in aggs) else "count"
    if by_dept:
        op = "count"
        w.rules.append("group:department")
    w.rules.append(f"audit:{op}")
    left = tuple(m for m in w.leftovers() if m.kind in ("comparison", "exclusion", "derived"))
    query = AuditQuery(op, tuple(st), tuple(cats), depts)
    rules = tuple(w.rules) + (("by:department",) if by_dept else ())
    reason = "" if by_dept or not left else \
        "다음 조건을 어떻게 적용할지 알 수 없습니다: " + ", ".join(f"'{m.text}'" for m in left)
    return Frame("audit", query, depts, rules, tuple(w.assumptions), left, clarify_reason=reason,
                 metrics_explicit=bool(st or cats) and not by_dept)
