"""Question → the right tool with its slots. Rules over the question's words
(spacing ignored), the report's own names and the format's vocabulary."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.text import name_key

from . import lexicon as L
from .budget import METRICS, RATE, BudgetQuery, Condition
from .entities import Catalog, Match


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text.lower())


def detect_lang(text: str) -> str:
    hangul = len(re.findall(r"[가-힣]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "en" if latin > 3 * hangul and latin >= 3 else "ko"


@dataclass
class Plan:
    route: str                                   # budget | audit | validation | passages | organization | clarify | not_found
    lang: str = "ko"
    budget: BudgetQuery | None = None
    candidates: list[str] = field(default_factory=list)   # clarify: names to choose from
    reason: str = ""                                      # not_found / clarify message
    programs: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    metrics_explicit: bool = False


def find_metrics(text: str) -> list[tuple[str, int]]:
    """Metrics named in the text, as (metric, position), first mention first."""
    s = squash(text)
    found: dict[str, int] = {}
    for metric, rx in L.METRIC_RES:
        for m in rx.finditer(s):
            if metric not in found or m.start() < found[metric]:
                found[metric] = m.start()
            s = s[: m.start()] + " " * (m.end() - m.start()) + s[m.end():]
    return sorted(found.items(), key=lambda x: x[1])


def metrics_of(text: str) -> list[str]:
    """Metrics of a question in order; '연말 예상 집행액이랑 집행률' reads the bare
    집행률 as the rate of the same forecast."""
    metrics = [m for m, _ in find_metrics(text)]
    if "forecast" in metrics and "spent_rate" in metrics and not re.search(r"지출|spent|spending", squash(text)):
        metrics = ["forecast_rate" if m == "spent_rate" else m for m in metrics]
    return list(dict.fromkeys(metrics))


def _k_of(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return L.NUM_WORDS.get(word)


def find_conditions(text: str, metrics: list[str]) -> list[Condition]:
    s = squash(text)
    out = []
    for m in L.COND_RE.finditer(s):
        num, unit, opword = m.group(1), m.group(2) or "", m.group(3)
        op = next((o for o, words in L.OP_WORDS.items() if any(opword.startswith(w) for w in words)), None)
        if op is None:
            continue
        value = float(num.replace(",", ""))
        if unit in ("%", "퍼센트", "percent"):
            before = [x for x, p in find_metrics(s[: m.start()])]
            metric = _rate_of(before[-1]) if before else next((x for x in metrics if METRICS[x][2] == RATE), "spent_rate")
        elif unit in L.UNIT_TO_THOUSAND:
            value *= L.UNIT_TO_THOUSAND[unit]
            before = [x for x, p in find_metrics(s[: m.start()]) if METRICS[x][2] != RATE]
            metric = before[-1] if before else next((x for x in metrics if METRICS[x][2] != RATE), "budget")
        else:
            continue
        out.append(Condition(metric, op, value))
    for m in L.COND_EN_RE.finditer(s):
        before = [x for x, p in find_metrics(s[: m.start()])]
        metric = _rate_of(before[-1]) if before else next((x for x in metrics if METRICS[x][2] == RATE), "spent_rate")
        out.append(Condition(metric, L.EN_OPS[m.group(1)], float(m.group(2).replace(",", ""))))
    if re.search(L.ZERO_SPEND, s):
        out.append(Condition("spent", "==", 0))
    elif re.search(L.SOME_SPEND, s):
        out.append(Condition("spent", ">", 0))
    unique = []
    for c in out:        # '0원인' and '한 푼도' say the same thing once
        if c not in unique and not (c.metric == "spent" and c.value == 0 and c.op == "==" and
                                    any(u.metric == "spent" and u.value == 0 for u in unique)):
            unique.append(c)
    return unique


def _rate_of(metric: str) -> str:
    """The rate a percentage refers to after an amount word ('forecast … 95%' → forecast_rate)."""
    if METRICS[metric][2] == RATE:
        return metric
    return {"committed": "committed_rate", "forecast": "forecast_rate", "spent": "spent_rate"}.get(metric, "spent_rate")


def mask(text: str, names: list[str]) -> str:
    """The question (spacing removed) with the named programmes blanked out, so
    '시민참여예산' in a name is not read as the metric '예산'. A name written
    partly ('동단위 계획형 시민참여예산은' for '… 지원 (시민참여)') is blanked
    where it overlaps the question by four letters or more."""
    s = name_key(text)
    for n in names:
        k = name_key(n)
        best = _longest_common(s, k)
        if best and best[1] - best[0] >= 4:
            s = s[: best[0]] + " " * (best[1] - best[0]) + s[best[1]:]
    return s


def _longest_common(a: str, b: str) -> tuple[int, int] | None:
    """Span in `a` of the longest substring shared with `b`."""
    best, span = 0, None
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1] and a[i - 1] != " ":
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best, span = cur[j], (i - cur[j], i)
        prev = cur
    return span


def parse_budget(question: str, catalog: Catalog, programs: list[Match], depts: list[str],
                 totals: list[str], total_row: str, lang: str) -> Plan:
    names = [m.name for m in programs]
    rest = mask(question, names + list(totals))
    sq = squash(rest)
    metrics = metrics_of(rest)
    explicit = bool(metrics)
    conditions = find_conditions(rest, metrics)
    has = lambda pattern: re.search(pattern, sq) is not None  # noqa: E731
    superl_max, superl_min = has(L.MAX_WORDS), has(L.MIN_WORDS)
    rank_m = L.RANK_RE.search(sq)
    k_m = L.K_RE.search(sq)
    citizen = True if has(L.CITIZEN_WORDS) else None
    source = "body" if has(L.BODY_WORDS) else "appendix"
    admin_words = "기본경비" in sq or "basicexpense" in sq
    level = "program"
    if admin_words or any(name_key(t) == "기본경비" for t in totals):
        level = "admin"
    elif (has(L.DEPT_SCOPE) and not depts and (superl_max or superl_min or rank_m)):
        level = "department"

    def q(**kw) -> Plan:
        base = dict(metrics=tuple(metrics or ("budget",)), source=source, citizen=citizen,
                    conditions=tuple(conditions), level=level)
        base.update(kw)
        return Plan("budget", lang, BudgetQuery(**base), programs=names, departments=depts, metrics_explicit=explicit)

    ranked = sorted(metrics, key=L.METRIC_PRIORITY.index) if metrics else []
    # an ambiguous alias with nothing else to go on: ask
    if programs and all(m.via == "ambiguous" for m in programs) and not has(L.COMPARE_WORDS) \
            and not has(L.SUM_WORDS) and len(names) > 1:
        return Plan("clarify", lang, candidates=names, reason="ambiguous")
    # superlatives, ranks, top-k
    if superl_max or superl_min or rank_m or (k_m and has(L.ORDER_WORDS)):
        if not ranked:
            word = re.search(r"(크|큰|작|많|적|높|낮|larg|small|high|low|big|most|least)", sq)
            ranked = ["spent_rate"] if word and word.group(1) in ("높", "낮", "high", "low") else ["budget"]
        metric_order = ranked + [m for m in metrics if m not in ranked]
        scope = dict(metrics=tuple(metric_order), departments=tuple(depts))
        if rank_m:
            n = _k_of(rank_m.group(1)) or 1
            return q(operation="rank", rank=n, ascending=superl_min or bool(re.search("낮|작|적|low|small", sq)), **scope)
        if k_m and has(L.ORDER_WORDS + "|" + L.MAX_WORDS + "|" + L.MIN_WORDS):
            n = _k_of(k_m.group(1) or k_m.group(2)) or 1
            if n > 1:
                return q(operation="bottom_k" if superl_min else "top_k", k=n, **scope)
        return q(operation="argmin" if superl_min and not superl_max else "argmax", **scope)
    # explicit names: lookup, compare, sum
    if names or (depts and not _program_scope(sq, conditions)) or totals or has(L.TOTAL_WORDS):
        targets = list(names) + list(totals)
        dept_targets = list(depts)
        if re.search(L.INCLUDE_ADMIN, squash(question)) and depts:
            admins = [a for a in catalog.admin if any(d in a for d in depts)]
            return q(operation="sum", names=tuple(admins), departments=tuple(depts), level="department",
                     metrics=tuple(metrics or ("budget",)))
        if not targets and not dept_targets:
            targets = [total_row]
        op = "lookup"
        if len(targets) + len(dept_targets) >= 2 and has(L.SUM_WORDS):
            op = "sum"
        elif len(targets) + len(dept_targets) >= 2 and (has(L.COMPARE_WORDS) or len(targets) + len(dept_targets) == 2):
            op = "compare"
        return q(operation=op, names=tuple(targets), departments=tuple(dept_targets),
                 metrics=tuple(ranked if op == "compare" and ranked else (metrics or ("budget",))),
                 level="department" if dept_targets and not targets else level)
    # groups: counts, lists, sums, means over a scope
    scope = dict(departments=tuple(depts))
    if has(L.MEAN_WORDS):
        return q(operation="mean", **scope)
    if has(L.SUM_WORDS):
        return q(operation="sum", **scope)
    if has(L.COUNT_WORDS):
        return q(operation="count_where", **scope)
    if conditions or citizen or depts:
        return q(operation="list_where", **scope)
    if explicit and has(L.TOTAL_WORDS):
        return q(operation="lookup", names=(total_row,), level="total")
    if explicit:
        return Plan("not_found", lang, reason="no_target")
    return Plan("passages", lang)


def _program_scope(sq: str, conditions) -> bool:
    return bool(re.search(L.PROGRAM_SCOPE, sq) or conditions or re.search(L.COUNT_WORDS + "|" + L.MEAN_WORDS, sq)
                or re.search(L.CITIZEN_WORDS, sq))
