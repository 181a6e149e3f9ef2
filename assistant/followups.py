"""Follow-up rules: pure functions from (this turn's frame, the dialogue state) to a new frame.

    frame, rule = resolve_budget(frame, mentions, state, catalog)

Each rule is named, reads the immutable state and returns a frame or None; the
first rule that applies wins and its name goes into the interpretation. An
unknown name in the question never inherits the previous target.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from index.text import name_key

from .budget import BudgetQuery
from .dialogue import DialogueState
from .fmt import josa
from .understand.frames import Frame
from .understand.types import Entity, Mention

RANKED = ("argmin", "argmax", "rank", "bottom_k", "top_k", "sort")


def _refs(mentions, kind: str) -> bool:
    return any(m.kind == "reference" and m.value.kind == kind for m in mentions)


def _metrics(mentions) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.value.name for m in mentions if m.kind == "metric"))


def _budget_query(frame: Frame) -> BudgetQuery | None:
    return frame.query if isinstance(frame.query, BudgetQuery) else None


def _has_target(frame: Frame, mentions) -> bool:
    return bool(frame.targets) or any(m.kind == "entity" for m in mentions)


def _lookup(targets: tuple[str, ...], metrics: tuple[str, ...], departments: set[str]) -> BudgetQuery:
    dps = tuple(t for t in targets if t in departments)
    names = tuple(t for t in targets if t not in departments)
    return BudgetQuery(metrics=metrics, operation="lookup" if len(targets) == 1 else "compare", names=names,
                       departments=dps, level="department" if dps and not names else "program")


_ORDINALS = {"첫": 1, "한": 1, "1": 1, "두": 2, "둘": 2, "2": 2, "세": 3, "셋": 3, "3": 3, "네": 4, "넷": 4, "4": 4,
             "다섯": 5, "5": 5, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_ORDINAL = re.compile(r"^(?:그\s?중\s?)?(첫|한|두|둘|세|셋|네|넷|다섯|[1-5])\s?(?:번째|번|째)|"
                      r"^(?:the\s)?(first|second|third|fourth|fifth)\b|^(마지막|맨\s?끝|last)")


def ordinal_pick(text: str, offered) -> str | None:
    """'첫 번째', '2번 거', 'the second one', '마지막' — one of the names just offered, by its place
    in the list; None when the text is no such answer or the place is not in the list."""
    m = _ORDINAL.match(text.strip().lower())
    if m is None or not offered:
        return None
    k = len(offered) if m.group(3) else _ORDINALS[m.group(1) or m.group(2)]
    return offered[k - 1] if 1 <= k <= len(offered) else None


_NOT_THIS = re.compile(r"말고|빼고|아니고|아닌거|아닌것|아닌쪽|제외하고|아니라|rather than|not the")


def not_the_one_named(offered: list, squashed: str, catalog) -> list:
    """'<동북권> 말고 원래 있던 거요': of the names offered, the ones left when those named before the
    negation are taken out — a pick only when one is left ([] otherwise)."""
    neg = _NOT_THIS.search(squashed.lower())
    if neg is None or not neg.start():
        return []
    excluded = set(catalog.disambiguate(offered, squashed[:neg.start()]))
    rest = [o for o in offered if o not in excluded]
    return rest if excluded and len(rest) == 1 else []


def pick_candidate(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'운영 쪽이요' or '두 번째' after a clarify that listed several programmes."""
    offered = state.candidates or state.group
    if not offered or frame.targets and not set(frame.targets) & set(offered):
        return None
    by_place = ordinal_pick(squashed, offered) if state.candidates else None
    picked = [by_place] if by_place else \
        not_the_one_named(list(offered), squashed, catalog) or \
        [t for t in frame.targets if t in offered] or catalog.disambiguate(list(offered), squashed)
    if len(picked) != 1:
        return None
    last = state.budget_query or BudgetQuery()
    metrics = _metrics(mentions) or last.metrics
    q = replace(last, names=(picked[0],), departments=(), metrics=metrics,
                operation=last.operation if last.operation in ("lookup",) else "lookup")
    frame = replace(frame, query=q, targets=(picked[0],), clarify=(), clarify_reason="", not_found="")
    if by_place:          # '첫 번째' named a place in the list, not a ranking: its reading notes go
        frame = replace(frame, assumptions=())
    return frame


def next_rank(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'그럼 두 번째로 낮은 건?' after a superlative: the next rank, same direction and scope."""
    last = state.budget_query
    orders = [m for m in mentions if m.kind == "order"]
    if last is None or last.operation not in RANKED or not orders or _has_target(frame, mentions):
        return None
    o = orders[0].value
    if o.rank <= 1 and not o.k:
        return None
    asc = last.operation in ("argmin", "bottom_k") or (last.operation in ("rank", "sort") and last.ascending)
    if any(m.kind == "order" and m.text for m in mentions) and o.direction in ("max", "min") and \
            any(w in squashed for w in ("높", "낮", "많", "적", "크", "작", "high", "low")):
        asc = o.direction == "min"
    metrics = _metrics(mentions) or last.metrics
    if o.k and o.k > 1:
        q = replace(last, operation="bottom_k" if asc else "top_k", k=o.k, metrics=metrics)
    else:
        q = replace(last, operation="rank", rank=o.rank, ascending=asc, metrics=metrics)
    return replace(frame, query=q, clarify=(), clarify_reason="", not_found="")


# on the squashed text (no spaces)
_DROP = re.compile(r"빼고|빼면|뺀|제외|말고|except|otherthan|excluding|apartfrom")
_NEXT = re.compile(r"(?:그|바로)다음|다음(?:으로|번|순위)|next(?:one|lowest|highest|largest|smallest|best|worst|\?|$)")


def excluding_last(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'그거 빼고 그다음으로 낮은 건?' after a superlative: the same ranking without the rows
    it answered with."""
    last = state.budget_query
    if last is None or last.operation not in RANKED or not state.result_names or _has_target(frame, mentions):
        return None
    refers = any(m.kind == "reference" for m in mentions)
    if not ((_DROP.search(squashed) and refers) or _NEXT.search(squashed)):
        return None
    if last.operation in ("top_k", "bottom_k", "sort") or len(state.result_names) > 10:
        return None                 # a list was answered: 'the next' is its next rank (next_rank)
    orders = [m.value for m in mentions if m.kind == "order"]
    op = last.operation
    if orders and orders[0].direction in ("max", "min") and last.operation in ("argmin", "argmax"):
        op = "argmin" if orders[0].direction == "min" else "argmax"
    metrics = _metrics(mentions) or last.metrics
    out = tuple(dict.fromkeys(last.exclude_names + tuple(state.result_names)))
    q = replace(last, operation=op, metrics=metrics, exclude_names=out)
    return replace(frame, query=q, clarify=(), clarify_reason="", not_found="")


_TWO_OF = re.compile(r"차이|차액|격차|빼면|difference|gap")


def two_measures(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'둘 차이는?' after two measures of one target ('예산은?', '연말 집행예상액은?'): their difference."""
    if not _refs(mentions, "both") or _has_target(frame, mentions) or len(state.metric_history) < 2:
        return None
    a, b = state.metric_history[-2], state.metric_history[-1]
    hist = state.entity_history[-2:]
    if a == b or "-" in a or "-" in b or len(hist) == 2 and hist[0] != hist[1]:
        return None                 # two targets: which_of_two compares them
    targets = state.programs or state.departments
    if len(targets) != 1:
        return None
    if any(m.kind == "aggregate" and m.value.op == "sum" for m in mentions) or not _TWO_OF.search(squashed):
        return None                 # the sum of two measures of one row means nothing in the table
    a, b = sorted((a, b), key=lambda m: MAGNITUDE.index(m) if m in MAGNITUDE else len(MAGNITUDE))
    q = _lookup(tuple(targets), (f"{a}-{b}",), set(catalog.departments))
    return replace(frame, query=q, targets=tuple(targets), clarify=(), clarify_reason="", not_found="")


# amounts in the order they usually stand in a row (a difference is read larger minus smaller)
MAGNITUDE = ("budget", "forecast", "committed", "spent", "unspent", "expected_lapse", "pending")


def among_them(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'그중에 아직 한 푼도 안 쓴 건?': the last scope, narrowed."""
    last = state.budget_query
    if last is None or not _refs(mentions, "among") or _has_target(frame, mentions):
        return None
    if last.operation == "lookup" and len(last.names) + len(last.departments) == 1:
        return None          # '그중 지금까지 지출한 건?' after one row: a part of that row (same_target)
    new = _budget_query(frame)
    conds = tuple(last.conditions) + tuple(c for c in (new.conditions if new else ()) if c not in last.conditions)
    excl = tuple(last.exclusions) + tuple(c for c in (new.exclusions if new else ()) if c not in last.exclusions)
    op = new.operation if new is not None and new.operation not in ("lookup",) else "list_where"
    metrics = new.metrics if new is not None and _metrics(mentions) else last.metrics
    names_out = tuple(dict.fromkeys(last.exclude_names + (new.exclude_names if new else ())))
    base = replace(last, operation=op, conditions=conds, exclusions=excl, exclude_names=names_out, metrics=metrics,
                   k=new.k if new else last.k, rank=new.rank if new else last.rank,
                   ascending=new.ascending if new else last.ascending)
    if last.names and op not in ("lookup", "compare", "sum", "mean", "share"):
        base = replace(base, names=())
    return replace(frame, query=base, clarify=(), clarify_reason="", not_found="")


def which_of_two(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'둘 중에 지출률은 어디가 더 높아요?': compare the last two targets named."""
    if not _refs(mentions, "both") or _has_target(frame, mentions):
        return None
    if state.entity_history and len(state.entity_history[-1]) == 2:
        targets = tuple(state.entity_history[-1])        # the last answer listed exactly two rows
    elif len(state.entity_history) >= 2:
        a, b = state.entity_history[-2], state.entity_history[-1]
        targets = tuple(dict.fromkeys(a + b))
    else:
        return None
    last = state.budget_query
    metrics = _metrics(mentions) or (last.metrics if last else ("budget",))
    q = _lookup(targets, metrics, set(catalog.departments))
    total = any(m.kind == "aggregate" and m.value.op == "sum" for m in mentions)      # '둘 합치면?'
    return replace(frame, query=replace(q, operation="sum" if total else "compare"), targets=targets, clarify=(),
                   clarify_reason="", not_found="")


def within_target(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'그 부서 사업 중에서 예산 제일 큰 건?': a ranking, count or list inside the department just named."""
    q = _budget_query(frame)
    if q is None or q.operation in ("lookup", "compare") or not _refs(mentions, "it") or _has_target(frame, mentions):
        return None
    depts = tuple(d for d in state.departments if d in catalog.departments)
    if len(depts) != 1 or state.programs and not set(state.programs) <= set(depts):
        return None
    return replace(frame, query=replace(q, departments=depts, level="program" if q.level == "department" else q.level),
                   clarify=(), clarify_reason="", not_found="")


# the unit a programme belongs to, asked by a word for it (squashed text)
# the unit something belongs to: '맡은 부서', '주관 부서', '소관 담당관' (squashed text; one list for
# programmes and findings alike)
UNIT_OF = re.compile(r"(?:맡은|맡고있는|담당|담당한|소관|주관|관할|해당)(?:하는)?(?:부서|담당관|과|곳)")
_DEPT_OF = re.compile(UNIT_OF.pattern + r"|(?:그|해당|이)부서|부서전체|부서전반"
                      r"|(?:its|that|the|whose|which|owning|responsible)(?:department|office|division)")


def department_of_last(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'그 사업 소관 부서 전체로 보면 예상액은?' after one programme (or several of one department):
    the department they belong to, on this turn's measure."""
    q = _budget_query(frame)
    if q is None or not _DEPT_OF.search(squashed.lower()):
        return None
    if any(t in catalog.departments for t in frame.targets) or any(m.kind == "entity" for m in mentions):
        return None
    if state.route == "audit" and state.audit_item and len(state.departments) == 1:
        owners = set(state.departments)          # '그 지적 맡은 부서 예산은?': the finding's department
        what = f"지적사항 {state.audit_item}"
    elif state.programs and state.route != "audit":
        owners = {getattr(catalog, "owners", {}).get(p) for p in state.programs}
        what = f"'{state.programs[0]}'" if len(state.programs) == 1 else "앞 사업들"
    else:
        return None
    if len(owners) != 1 or None in owners:
        return None
    dept = owners.pop()
    last = state.budget_query
    metrics = _metrics(mentions) or (last.metrics if last is not None else ("budget",))
    if q.operation in RANKED + ("list_where", "count"):
        nq = replace(q, departments=(dept,), level="program", metrics=q.metrics or metrics)
    else:
        nq = BudgetQuery(metrics=metrics, operation="lookup", departments=(dept,), level="department")
    owner = josa(dept, "으로", "로")
    note = f"{what}의 소관 부서 {owner} 읽었습니다"
    return replace(frame, query=nq, targets=(dept,), assumptions=frame.assumptions + (note,),
                   clarify=(), clarify_reason="", not_found="")


_WHOLE = re.compile(r"전체|전부|모든|통틀|다합|overall|wholebureau|acrossthebureau|allprogram")


def rerank_in_department(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'예산현액 기준으로 제일 큰 건?' right after a ranking or list inside one department: the new
    ranking keeps that department (an elided scope), unless the turn says the whole bureau."""
    q, last = _budget_query(frame), state.budget_query
    if q is None or last is None or q.operation not in RANKED or last.operation not in RANKED + ("list_where", "count"):
        return None
    if _has_target(frame, mentions) or q.departments or q.names or q.conditions or _WHOLE.search(squashed):
        return None
    if any(m.kind == "scope" and m.value.name in ("department", "citizen", "body", "admin") for m in mentions):
        return None
    depts = tuple(d for d in last.departments if d in catalog.departments)
    if len(depts) != 1 or last.level != "program":
        return None
    note = f"앞 질문의 범위대로 '{depts[0]}' 세부사업 중에서 골랐습니다"
    return replace(frame, query=replace(q, departments=depts, level="program"), assumptions=frame.assumptions + (note,),
                   clarify=(), clarify_reason="", not_found="")


MAX_KEPT_ROWS = 60       # rows of a budget answer the state keeps (handlers.handle_budget): a list that long may be cut


def same_target(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'그 사업의 지출액은?' / '거기 지금까지 쓴 돈은?': the last target(s), a new measure."""
    if _has_target(frame, mentions) or any(m.kind == "unknown_name" for m in mentions):
        return None
    if not (_refs(mentions, "it") or _refs(mentions, "among") or _refs(mentions, "other")) and not frame.metrics_explicit \
            and not _metrics(mentions):
        return None
    sums = any(m.kind == "aggregate" and m.value.op == "sum" for m in mentions)
    rows = state.result_names if sums and len(state.result_names) < MAX_KEPT_ROWS else state.result_names[:2]
    targets = state.programs or state.departments or rows
    if not targets:
        return None
    if len(targets) > 1 and not sums:
        picked = catalog.disambiguate(list(targets), squashed)     # '거기 운영 예산은?' after a name for two
        if len(picked) == 1:
            targets = tuple(picked)
    new_metrics = frame.metrics if frame.metrics_explicit and frame.metrics else _metrics(mentions)
    if not (_refs(mentions, "it") or new_metrics or _refs(mentions, "other")):
        return None
    frame_q = _budget_query(frame)
    if frame_q is not None and frame_q.operation not in ("lookup",) and not _refs(mentions, "it"):
        return None          # a new superlative or count stands on its own
    last = state.budget_query
    metrics = new_metrics or (last.metrics if last else ("budget",))
    summed = len(targets) > 1 and sums
    q = _lookup(tuple(targets if summed else targets[:6]), metrics, set(catalog.departments))
    if summed:
        q = replace(q, operation="sum")      # '그 사업들 예산현액 다 합치면?': one total over all of them
    if frame_q is not None and frame_q.conditions:
        q = replace(q, conditions=frame_q.conditions)       # '거기 다 쓴 거야?': a check of the same target
    return replace(frame, query=q, targets=tuple(targets), clarify=(), clarify_reason="", not_found="")


def add_target(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'조성사업 예산까지 합치면?': the last programme(s) plus the new one, summed."""
    adds = "까지" in squashed or any(m.kind == "aggregate" and m.value.op == "sum" for m in mentions)
    if not adds or not state.programs:
        return None
    new = tuple(n for n in frame.targets if n not in catalog.departments)
    if not new and state.group:
        # '운영 예산까지 합치면?': the group's other name the question points to by its own word —
        # none when no word tells the group apart ('지금까지 쓴 돈' adds nothing)
        group = list(dict.fromkeys(state.group))
        picked = catalog.disambiguate(group, squashed)
        new = tuple(g for g in picked if g not in state.programs)[:1] if len(picked) < len(group) else ()
    if not new or set(state.programs) & set(new):
        return None
    names = tuple(dict.fromkeys(state.programs + new))
    last = state.budget_query
    metrics = _metrics(mentions) or (last.metrics if last else ("budget",))
    return replace(frame, query=BudgetQuery(metrics=metrics, operation="sum", names=names), targets=names)


def compare_with_last(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'<다른 사업>이랑 비교하면 얼마나 차이나?': the last programme (or department) against the new one,
    on the last measure."""
    if not re.search(r"비교|차이|대비|보다", squashed) or not (state.programs or state.departments):
        return None
    last = state.budget_query
    metrics = _metrics(mentions) or (last.metrics[:1] if last and last.metrics else ("budget",))
    if state.programs:
        new = tuple(n for n in frame.targets if n not in catalog.departments and n not in state.programs)
        if len(new) != 1:
            return None
        names = tuple(dict.fromkeys(state.programs[:1] + new))
        return replace(frame, query=BudgetQuery(metrics=metrics, operation="compare", names=names), targets=names,
                       clarify=(), clarify_reason="", not_found="")
    # '<부서 B>보다 높아 낮아?' after a department's figure: the two departments on the last measure
    new = tuple(n for n in frame.targets if n in catalog.departments and n not in state.departments)
    if len(new) != 1 or len(state.departments) != 1:
        return None
    depts = state.departments + new
    q = BudgetQuery(metrics=metrics, operation="compare", departments=depts, level="department")
    return replace(frame, query=q, targets=depts, clarify=(), clarify_reason="", not_found="")


def same_measure(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'그럼 <다른 부서>는?': the same question about another target."""
    q = _budget_query(frame)
    last = state.budget_query
    if q is None or last is None or _metrics(mentions) or q.operation != "lookup" or not frame.targets:
        return None
    return replace(frame, query=replace(q, metrics=last.metrics))


def with_admin_of_last(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'거기 기본경비까지 합치면?': the department just discussed plus its own 기본경비 row,
    not the bureau's total (which '기본경비까지' alone would mean)."""
    q = _budget_query(frame)
    if q is None or "targets:total_with_admin" not in frame.rules or len(state.departments) != 1 \
            or not any(m.kind == "reference" for m in mentions):
        return None
    dept = state.departments[0]
    admins = tuple(a for a in getattr(catalog, "admin", []) if dept in a)
    if not admins:
        return None
    last = state.budget_query
    metrics = _metrics(mentions) or (last.metrics if last is not None else q.metrics)
    q = replace(q, operation="sum", names=admins, departments=(dept,), level="department", metrics=metrics)
    rules = tuple(r for r in frame.rules if r != "targets:total_with_admin") + ("targets:include_admin",)
    return replace(frame, query=q, targets=(dept,) + admins, rules=rules, clarify=(), clarify_reason="", not_found="")


def admin_of_last(frame, mentions, state: DialogueState, catalog, squashed: str):
    """'그 부서 기본경비는 얼마야?': the 기본경비 row of the one department just discussed (after any
    route: its staff, its programmes), not the bureau's 기본경비 total nor another department's row."""
    if len(state.departments) != 1 or not _refs(mentions, "it") or frame.query is None \
            or not any(m.kind == "scope" and m.value.name == "admin" for m in mentions):
        return None
    dept = state.departments[0]
    admins = tuple(a for a in getattr(catalog, "admin", []) if dept in a)
    if len(admins) != 1:
        return None
    q = _lookup(admins, _metrics(mentions) or ("budget",), set(catalog.departments))
    return replace(frame, query=q, targets=admins, clarify=(), clarify_reason="", not_found="")


BUDGET_RULES: tuple[tuple[str, Callable], ...] = (
    ("with_admin_of_last", with_admin_of_last), ("admin_of_last", admin_of_last),
    ("department_of_last", department_of_last),
    ("add_target", add_target), ("compare_with_last", compare_with_last), ("pick_candidate", pick_candidate), ("excluding_last", excluding_last),
    ("next_rank", next_rank), ("two_measures", two_measures), ("within_target", within_target),
    ("rerank_in_department", rerank_in_department),
    ("among_them", among_them), ("which_of_two", which_of_two), ("same_target", same_target),
    ("same_measure", same_measure),
)


def resolve_budget(frame: Frame, mentions: tuple[Mention, ...], state: DialogueState, catalog,
                   squashed: str, siblings: tuple[str, ...] = ()) -> tuple[Frame, str]:
    if state.turns == 0:
        return frame, ""
    if siblings and not state.candidates and not state.group:
        state = replace(state, group=tuple(state.programs) + tuple(siblings))
    for name, rule in BUDGET_RULES:
        if state.route not in ("budget", "clarify") and name not in ("same_target", "which_of_two", "pick_candidate",
                                                                     "add_target", "two_measures", "admin_of_last",
                                                                     "department_of_last"):
            continue
        out = rule(frame, mentions, state, catalog, squashed)
        if out is not None:
            return replace(out, rules=out.rules + (f"followup:{name}",)), name
    return frame, ""


TEXT_ROUTES = ("passages", "audit", "organization")
# a turn that is one numbered term and a particle: '2차는?', '3등급은요?', '2단계도?'
_NUMBERED_TURN = re.compile(r"(?:그럼|그러면|그리고|그리고요|and)?\s*(\d{1,4})\s*([가-힣]{1,3}?)"
                            r"(?:은|는|도|은요|는요|의\s?경우는?|이면|면|요)?\s*[?？.!]*")


def restate_sibling(question: str, state: DialogueState) -> str | None:
    """'2차는?' after '<사업> 1차 모집 때 몇 명 뽑혔어?': the last question again with its numbered term
    ('1차') renumbered. Only after a text answer (a budget turn has its own follow-ups), only when the turn
    is that term alone and the last question holds the same counter with another number."""
    if not state.turns or state.route not in TEXT_ROUTES or not state.question:
        return None
    m = _NUMBERED_TURN.fullmatch(question.strip())
    if m is None:
        return None
    number, counter = m.group(1), m.group(2)
    last = state.question
    hits = list(re.finditer(r"(?<!\d)(\d{1,4})\s?" + re.escape(counter), last))
    if len(hits) != 1 or hits[0].group(1) == number:
        return None
    x = hits[0]
    return last[:x.start(1)] + number + last[x.end(1):]


def wants_budget_followup(mentions: tuple[Mention, ...], state: DialogueState, short: bool) -> bool:
    """Does a turn without its own intent signal continue a budget conversation?"""
    if state.route not in ("budget", "clarify") or state.budget_query is None:
        return False
    if any(m.kind == "unknown_name" for m in mentions) and not any(m.kind == "entity" for m in mentions):
        return True          # '그린뉴딜 사업 예산은?': the budget handler says there is no such programme
    kinds = {m.kind for m in mentions}
    if state.candidates and "entity" in kinds:
        return True
    if kinds & {"status", "category"}:
        return False
    if "metric" in kinds or "order" in kinds and any(m.kind == "order" and m.value.rank > 1 for m in mentions):
        return True
    refs = {m.value.kind for m in mentions if m.kind == "reference"}
    if refs & {"among", "both"}:
        return True
    if "entity" in kinds and short:
        return True
    if "entity" in kinds and any(m.kind == "derived" or (m.kind == "scope" and m.value.name == "validation"
                                                        and re.search(r"차이|비교", m.text)) for m in mentions):
        return True          # '<다른 사업>이랑 비교하면 얼마나 차이나?': the last figure against another programme
    return bool(refs) and short


# a word of the turn: Hangul, Latin or digits, the particles after it cut
_TURN_WORD = re.compile(r"[가-힣A-Za-z0-9]{2,}")
_TRAILING_PARTICLE = re.compile(r"(?:은|는|이|가|을|를|도|만|쪽은|쪽|의|로|으로|요|이요)$")


def sibling_by_word(text: str, mentions: tuple[Mention, ...], state: DialogueState, catalog) -> Mention | None:
    """'동북권은?' right after a figure of '서울시 NPO지원센터 확대 운영': a short turn naming no programme
    whose one word only one other programme's name holds — a sibling of the last one (the two names
    share a word) — names that programme. None when the word is in several names, or in the last one."""
    if state.route not in ("budget", "clarify") or not state.programs or state.budget_query is None:
        return None
    if any(m.kind in ("entity", "unknown_name", "metric", "order", "aggregate", "comparison") for m in mentions):
        return None
    last_keys = [name_key(p) for p in state.programs]
    found: list[tuple[str, tuple[int, int]]] = []
    for m in _TURN_WORD.finditer(text):
        word = _TRAILING_PARTICLE.sub("", m.group(0))
        key = name_key(word)
        if len(key) < 2 or any(key in k for k in last_keys):
            continue
        holders = [p for p in getattr(catalog, "programs", ()) if key in name_key(p)]
        if len(holders) != 1:
            continue
        words_of = set(re.findall(r"[가-힣A-Za-z]{2,}", holders[0]))
        if not any(w in p for w in words_of if w != word for p in state.programs):
            continue
        found.append((holders[0], (m.start(), m.start() + len(word))))
    if len(found) != 1:
        return None
    name, (s, e) = found[0]
    return Mention("entity", Entity(name, "program", "word", 0.8), (s, e), text[s:e], 0.8, "followup:sibling_by_word")
