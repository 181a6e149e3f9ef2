"""The budget tool: a typed query computed with pandas over typed columns.

No eval/exec and no model-written code: each metric is a column, each
operation a small function picked from a table."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from index.errors import ReportError
from index.records import rate

from . import fmt

AMOUNT, RATE = "amount", "rate"
class _Metrics(dict):
    """The metric table; 'a-b' names the difference of two metrics (computed per row by the tool)."""

    def __missing__(self, key):
        if isinstance(key, str) and "-" in key:
            a, b = key.split("-", 1)
            if a in self and b in self and self[a][2] == self[b][2]:
                return (f"{self[a][0]} − {self[b][0]}", f"{self[a][1]} minus {self[b][1]}", self[a][2])
        raise KeyError(key)


def is_metric(name: str) -> bool:
    try:
        METRICS[name]
        return True
    except KeyError:
        return False


def parts_of(name: str) -> tuple[str, ...]:
    """The stored columns a metric needs: itself, or the two sides of a difference."""
    return tuple(name.split("-", 1)) if "-" in name else (name,)


METRICS: dict[str, tuple[str, str, str]] = _Metrics({
    # name: (Korean label, English label, kind)
    "budget": ("예산현액", "budget", AMOUNT),
    "committed": ("원인행위액", "committed amount", AMOUNT),
    "spent": ("지출액", "spent", AMOUNT),
    "forecast": ("연말 집행예상액", "year-end forecast", AMOUNT),
    "committed_rate": ("원인행위 집행률", "commitment rate", RATE),
    "spent_rate": ("지출 집행률", "spending rate", RATE),
    "forecast_rate": ("연말 집행예상률", "year-end forecast rate", RATE),
    "unspent": ("미지출액", "unspent", AMOUNT),
    "pending": ("원인행위 후 미지출액", "committed but not yet spent", AMOUNT),
    "expected_lapse": ("불용 예상액", "expected lapse", AMOUNT),
})
FORMULA = {
    "committed_rate": "원인행위 / 예산현액 × 100", "spent_rate": "지출 / 예산현액 × 100",
    "forecast_rate": "집행예상액 / 예산현액 × 100", "unspent": "예산현액 − 지출",
    "expected_lapse": "예산현액 − 집행예상액", "pending": "원인행위 − 지출",
}
RATE_PARTS = {"committed_rate": "committed", "spent_rate": "spent", "forecast_rate": "forecast"}
OPERATIONS = ("lookup", "argmax", "argmin", "top_k", "bottom_k", "rank", "sum", "mean",
              "count_where", "list_where", "by_department", "compare", "share", "sort")
LEVELS = ("program", "department", "admin", "total", "subtotal", "sub-item")
OPS: dict[str, Callable[[pd.Series, float], pd.Series]] = {
    "<": lambda s, v: s < v, "<=": lambda s, v: s <= v, ">": lambda s, v: s > v,
    ">=": lambda s, v: s >= v, "==": lambda s, v: s == v, "!=": lambda s, v: s != v,
}
OP_KO = {"<": "미만", "<=": "이하", ">": "초과", ">=": "이상", "==": "인", "!=": "이 아닌"}
LEVEL_KO = {"program": "세부사업", "department": "부서", "admin": "부서별 기본경비", "total": "합계",
            "subtotal": "소계", "sub-item": "본문 세부항목"}
SOURCE_KO = {"appendix": "별첨1", "body": "본문 예산집행 현황", "overview": "일반현황 예산표"}


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    value: float

    def describe(self) -> str:
        if "-" in self.metric and self.value == 0 and self.op in ("<", ">", "<=", ">="):
            a, b = (METRICS[x][0] for x in parts_of(self.metric))     # '연말 집행예상액이 예산현액보다 적은'
            low, high = ("낮은", "높은") if METRICS[parts_of(self.metric)[0]][2] == RATE else ("적은", "많은")
            return f"{a}이(가) {b}보다 {low if self.op.startswith('<') else high}" + ("(같은 것 포함)" if "=" in self.op else "")
        kind = METRICS[self.metric][2]
        v = f"{self.value:g}%" if kind == RATE else fmt.amount(self.value)
        return f"{METRICS[self.metric][0]} {v} {OP_KO[self.op]}"


@dataclass(frozen=True)
class BudgetQuery:
    metrics: tuple[str, ...] = ("budget",)
    operation: str = "lookup"
    k: int = 1
    rank: int = 1
    names: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    level: str = "program"
    source: str = "appendix"
    citizen: bool | None = None
    conditions: tuple[Condition, ...] = ()
    ascending: bool = False            # for rank and sort: count from the lowest value
    exclusions: tuple[Condition, ...] = ()   # rows matching any of these are left out
    exclude_names: tuple[str, ...] = ()      # programmes left out by name
    share_of: tuple[str, ...] = ()           # the rows a share is of ('<부서> 예산 중 …'); the total row when empty

    def __post_init__(self):
        bad = [m for m in self.metrics if not is_metric(m)]
        if bad or not self.metrics:
            raise ReportError(f"unknown metric {bad}", fix=f"use one of {', '.join(METRICS)}", code="bad_query")
        if self.operation not in OPERATIONS:
            raise ReportError(f"unknown operation '{self.operation}'", fix=f"use one of {', '.join(OPERATIONS)}",
                              code="bad_query")
        if self.level not in LEVELS:
            raise ReportError(f"unknown level '{self.level}'", fix=f"use one of {', '.join(LEVELS)}", code="bad_query")
        if self.source not in SOURCE_KO:
            raise ReportError(f"unknown source '{self.source}'", fix="use appendix, body or overview", code="bad_query")
        if not 1 <= self.k <= 100 or not 1 <= self.rank <= 100:
            raise ReportError("k and rank must be between 1 and 100", value=(self.k, self.rank), code="bad_query")
        for c in self.conditions + self.exclusions:
            if not is_metric(c.metric) or c.op not in OPS:
                raise ReportError("bad condition", value=c, fix="metric from METRICS, op one of < <= > >= == !=",
                                  code="bad_query")


@dataclass
class BudgetResult:
    query: BudgetQuery
    rows: pd.DataFrame                 # the rows the answer is about (with metric columns)
    value: dict = field(default_factory=dict)    # aggregates: {"sum": {...}, "count": n, "difference": …}
    scope_size: int = 0
    method: str = ""
    tied: int = 0
    scope_total: float | None = None       # the ranked metric summed over the whole scope (amounts)


def _metric_series(df: pd.DataFrame, metric: str) -> pd.Series:
    if metric not in df.columns and "-" in metric:
        a, b = parts_of(metric)
        return (df[a].astype("float64") - df[b].astype("float64")).round(1)
    return df[metric].astype("float64")


def with_derived(df: pd.DataFrame, metrics) -> pd.DataFrame:
    """The frame with a column for every difference metric asked for."""
    extra = {m: _metric_series(df, m) for m in metrics if "-" in m and m not in df.columns}
    return df.assign(**extra) if extra else df


class BudgetTool:
    """Computes BudgetQuery over the budget DataFrame built by index.tables."""

    def __init__(self, frame: pd.DataFrame):
        self.df = frame
        # the selections every query starts from, made once
        self._source = {src: frame[frame["source"] == src] for src in frame["source"].unique()}
        self._level = {(src, lvl): part[part["level"] == lvl]
                       for src, part in self._source.items() for lvl in part["level"].unique()}

    # -- scope ---------------------------------------------------------------
    def scope(self, q: BudgetQuery) -> pd.DataFrame:
        df = self._source.get(q.source, self.df.iloc[0:0])
        if q.names and q.operation in ("lookup", "compare", "sum", "mean", "share"):
            keep = df[df["program"].isin(q.names)]
            if q.departments:
                keep = pd.concat([keep, df[(df["level"] == "department") & df["program"].isin(q.departments)]])
            if keep.empty and q.source == "appendix":   # a body-only row (a sub-item)
                keep = self.df[(self.df["source"] == "body") & self.df["program"].isin(q.names)]
            order = {n: i for i, n in enumerate(list(q.names) + list(q.departments))}
            return keep.assign(_o=keep["program"].map(order)).sort_values("_o").drop(columns="_o")
        if q.departments and q.level == "department":
            return df[(df["level"] == "department") & df["program"].isin(q.departments)]
        df = self._level.get((q.source, q.level), df.iloc[0:0])
        if q.departments and q.level in ("program", "admin", "sub-item"):
            df = df[df["department"].isin(q.departments)]
        if q.citizen is not None:
            df = df[df["citizen"] == q.citizen]
        for c in q.conditions:
            df = df[OPS[c.op](_metric_series(df, c.metric), c.value)]
        for c in q.exclusions:
            df = df[~OPS[c.op](_metric_series(df, c.metric), c.value)]
        if q.exclude_names:
            df = df[~df["program"].isin(q.exclude_names)]
        return df

    def describe_scope(self, q: BudgetQuery) -> str:
        parts = [SOURCE_KO[q.source]]
        if q.departments:
            parts.append("·".join(q.departments))
        if q.citizen:
            parts.append("시민참여")
        elif q.citizen is False:
            parts.append("시민참여 아닌")
        parts.append(LEVEL_KO[q.level])
        text = " ".join(parts)
        if q.conditions:
            text += " 중 " + ", ".join(c.describe() for c in q.conditions)
        if q.exclusions or q.exclude_names:
            text += " (" + ", ".join([c.describe() for c in q.exclusions] + list(q.exclude_names)) + " 제외)"
        return text

    # -- operations ----------------------------------------------------------
    def run(self, q: BudgetQuery) -> BudgetResult:
        rows = with_derived(self.scope(q), tuple(q.metrics) + tuple(c.metric for c in q.conditions + q.exclusions))
        m = q.metrics[0]
        label = METRICS[m][0]
        formula = f"{label} = {FORMULA[m]}, " if m in FORMULA else ""
        scope_txt = self.describe_scope(q)
        n = len(rows)
        if q.operation in ("argmax", "argmin", "top_k", "bottom_k", "rank"):
            res = self._ranked(q, rows, m, formula, scope_txt, n)
            if METRICS[m][2] == AMOUNT and len(rows):
                res.scope_total = float(rows[m].sum())
            return res
        res = self._other(q, rows, m, label, formula, scope_txt, n)
        if q.operation in ("lookup", "compare") and q.names and q.conditions and len(rows):
            # '<사업> 예산 다 쓴 거야?': a condition on a named row is a yes/no check of that row
            derived = with_derived(rows, tuple(c.metric for c in q.conditions))
            ok = pd.Series(True, index=derived.index)
            for c in q.conditions:
                ok &= OPS[c.op](_metric_series(derived, c.metric), c.value)
            res.value["checks"] = [(str(r), bool(v)) for r, v in zip(derived["program"], ok)]
            res.value["check_text"] = ", ".join(c.describe() for c in q.conditions)
        return res

    def _ranked(self, q: BudgetQuery, rows: pd.DataFrame, m: str, formula: str, scope_txt: str, n: int) -> BudgetResult:
        label = METRICS[m][0]
        rows = rows[rows[m].notna()]
        asc = q.operation in ("argmin", "bottom_k")
        if q.operation in ("argmax", "argmin"):
            if rows.empty:
                return BudgetResult(q, rows, {}, n, f"{formula}{scope_txt}: 해당 행 없음")
            best = rows[m].min() if q.operation == "argmin" else rows[m].max()
            out = rows[rows[m] == best]
            word = "최솟값" if q.operation == "argmin" else "최댓값"
            tie = f", 동률 {len(out)}개" if len(out) > 1 else ""
            return BudgetResult(q, out, {}, n, f"{formula}{scope_txt} {n}개 중 {word}{tie}", len(out))
        if q.operation == "rank":
            direction = q.ascending
            values = sorted(rows[m].unique(), reverse=not direction)
            if q.rank > len(values):
                return BudgetResult(q, rows.iloc[0:0], {}, n, f"{scope_txt}: {q.rank}번째 값 없음")
            v = values[q.rank - 1]
            out = rows[rows[m] == v]
            order = "낮은" if direction else "높은"
            tie = f", 동률 {len(out)}개" if len(out) > 1 else ""
            return BudgetResult(q, out, {}, n, f"{formula}{scope_txt} {n}개를 {label} {order} 순으로 정렬한 "
                                               f"{q.rank}번째 값(같은 값은 한 순위){tie}", len(out))
        ordered = rows.sort_values([m, "line_start"], ascending=[asc, True])
        if ordered.empty:
            return BudgetResult(q, ordered, {}, n, f"{scope_txt}: 해당 행 없음")
        cut = ordered.iloc[min(q.k, len(ordered)) - 1][m]
        head = ordered.iloc[: q.k]
        extra = ordered.iloc[q.k:]
        extra = extra[extra[m] == cut]
        out = pd.concat([head, extra])
        word = "작은" if asc else "큰"
        tie = f" (경계 동률 {len(extra)}개 포함)" if len(extra) else ""
        return BudgetResult(q, out, {}, n, f"{formula}{scope_txt} {n}개 중 {label} {word} 순 상위 {q.k}개{tie}")
    def _other(self, q: BudgetQuery, rows: pd.DataFrame, m: str, label: str, formula: str, scope_txt: str,
               n: int) -> BudgetResult:
        if q.operation in ("count_where", "list_where"):
            return BudgetResult(q, rows, {"count": n}, n, f"{scope_txt}: {n}개")
        if q.operation in ("sum", "mean"):
            agg = self._aggregate(rows, q.metrics, q.operation)
            word = "합계" if q.operation == "sum" else "평균"
            rates = [x for x in q.metrics if METRICS[x][2] == RATE]
            note = " (비율은 금액 합계로 다시 계산)" if rates else ""
            return BudgetResult(q, rows, {q.operation: agg, "count": n}, n,
                                f"{scope_txt} {n}개의 {', '.join(METRICS[x][0] for x in q.metrics)} {word}{note}")
        if q.operation == "compare":
            value = {}
            if len(rows) >= 2:
                a, b = rows.iloc[0], rows.iloc[1]
                value = {"difference": float(a[m] - b[m]), "higher": a["program"] if a[m] >= b[m] else b["program"]}
            return BudgetResult(q, rows, value, n, f"{formula}{len(rows)}개 항목의 {label} 비교 ({SOURCE_KO[q.source]})")
        if q.operation == "share":
            return self._share(q, rows, m, label)
        if q.operation == "sort":
            ordered = rows[rows[m].notna()].sort_values([m, "line_start"], ascending=[q.ascending, True])
            order = "낮은" if q.ascending else "높은"
            return BudgetResult(q, ordered, {}, n, f"{formula}{scope_txt} {n}개 전부를 {label} {order} 순으로 정렬")
        if q.operation == "by_department":
            return BudgetResult(q, rows, {}, n, f"{scope_txt} 부서별 {label}")
        return BudgetResult(q, rows, {}, n, f"{formula}{SOURCE_KO[q.source]}에서 이름으로 찾은 {n}개 행")

    def _share(self, q: BudgetQuery, rows: pd.DataFrame, m: str, label: str) -> BudgetResult:
        """The named rows' part of the whole scope ('전체 중 몇 %'): part / whole × 100."""
        whole_q = BudgetQuery(metrics=(m,), operation="list_where", level=q.level if not q.names else "program",
                              source=q.source, citizen=q.citizen)
        whole = self.scope(whole_q)
        total = self._level.get((q.source, "total"), self.df.iloc[0:0])
        if q.share_of:
            src = self._source.get(q.source, self.df.iloc[0:0])
            whole = src[src["program"].isin(q.share_of)]       # a department's or a subtotal's row
        elif len(total) == 1:
            whole = total            # the bureau's whole budget as printed (합계, with 기본경비)
        if METRICS[m][2] != AMOUNT or rows.empty:
            return BudgetResult(q, rows, {}, len(rows), f"{label}: 비중은 금액 지표로만 계산합니다")
        part, total_v = float(rows[m].sum()), float(whole[m].sum())
        share = rate(int(part), int(total_v)) if total_v else None
        basis = f"{whole.iloc[0]['program']}({int(whole.iloc[0]['line_start'])}행)" if len(whole) == 1 else \
            f"{self.describe_scope(whole_q)} {len(whole)}개의 합계"
        return BudgetResult(q, rows, {"share": share, "part": part, "whole": total_v, "whole_count": len(whole)},
                            len(rows), f"비중 = {label} / {basis} {label} × 100")

    @staticmethod
    def _aggregate(rows: pd.DataFrame, metrics, op: str) -> dict:
        out = {}
        for x in metrics:
            if "-" in x:
                a, b = parts_of(x)
                sides = BudgetTool._aggregate(rows, (a, b), op)
                out[x] = None if sides[a] is None or sides[b] is None else round(sides[a] - sides[b], 1)
            elif METRICS[x][2] == RATE:
                part, whole = rows[RATE_PARTS[x]].sum(), rows["budget"].sum()
                out[x] = rate(int(part), int(whole))
            else:
                total = float(rows[x].sum())
                out[x] = total if op == "sum" else (round(total / len(rows), 1) if len(rows) else None)
        return out
