"""The audit tool: filter the findings by status, category, department and
keyword; counts by status; one finding with its requirement, status, action
and plan."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from index.errors import ReportError
from index.records import STATUSES
from index.text import name_key

from .entities import bigrams


@dataclass(frozen=True)
class AuditQuery:
    operation: str = "list"                 # count | list | detail
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    keyword: str = ""
    item_id: str = ""
    min_departments: int = 0                # findings naming at least this many departments

    def __post_init__(self):
        if self.operation not in ("count", "list", "detail"):
            raise ReportError(f"unknown audit operation '{self.operation}'", fix="use count, list or detail",
                              code="bad_query")
        bad = [s for s in self.statuses if s not in STATUSES]
        if bad:
            raise ReportError(f"unknown status {bad}", fix=f"use one of {', '.join(STATUSES)}", code="bad_query")


@dataclass
class AuditResult:
    query: AuditQuery
    items: pd.DataFrame
    counts: dict
    method: str


class AuditTool:
    def __init__(self, frame: pd.DataFrame):
        self.df = frame
        self.categories = list(dict.fromkeys(frame["category"]))
        texts = [name_key(r) for r in frame["requirement"]]
        full = [name_key(f"{r} {a} {p}") for r, a, p in zip(frame["requirement"], frame["action"], frame["plan"])]
        self._req = [set(bigrams(t)) for t in texts]
        self._full = [set(bigrams(t)) for t in full]
        df = Counter(g for s in self._full for g in s)
        n = len(full) or 1
        self._idf = {g: math.log((n + 1) / (c + 0.5)) for g, c in df.items()}

    def category_of(self, word: str) -> str | None:
        k = name_key(word)
        for c in self.categories:
            if name_key(c)[:2] == k[:2]:
                return c
        return None

    def rank(self, text: str, pool: pd.DataFrame | None = None) -> list[tuple[int, float]]:
        """Findings ranked by the weight of the question's letter pairs they share
        (requirement counts double: that is what a question quotes)."""
        q = set(bigrams(name_key(text)))
        idx = list(range(len(self.df))) if pool is None else [self.df.index.get_loc(i) for i in pool.index]
        scores = []
        for i in idx:
            s = sum(self._idf.get(g, 0.0) for g in q & self._full[i]) + \
                sum(self._idf.get(g, 0.0) for g in q & self._req[i])
            scores.append((i, s))
        return sorted(scores, key=lambda x: -x[1])

    def filter(self, q: AuditQuery) -> pd.DataFrame:
        df = self.df
        if q.item_id:
            return df[df["id"] == q.item_id]
        if q.statuses:
            df = df[df["status"].isin(q.statuses)]
        if q.categories:
            df = df[df["category"].isin(q.categories)]
        if q.departments:
            df = df[df["departments"].apply(lambda ds: any(d in ds for d in q.departments))]
        if q.min_departments:
            df = df[df["departments"].apply(len) >= q.min_departments]
        return df

    def run(self, q: AuditQuery) -> AuditResult:
        items = self.filter(q)
        counts = {"total": len(items), "by_status": {s: int((items["status"] == s).sum()) for s in STATUSES},
                  "by_category": {c: int((items["category"] == c).sum()) for c in self.categories}}
        scope = []
        if q.categories:
            scope.append("·".join(q.categories))
        if q.departments:
            scope.append("·".join(q.departments))
        if q.statuses:
            scope.append("·".join(q.statuses))
        if q.min_departments:
            scope.append(f"{q.min_departments}개 이상 부서 공동")
        desc = " / ".join(scope) or "전체"
        method = f"감사 지적사항 76건 중 필터({desc}) → {len(items)}건; 상태는 '□ 추진상황' 표기를 완료/추진중/검토중/미반영으로 정규화(추진완료=완료)"
        if q.item_id:
            method = f"지적사항 {q.item_id} (요구사항·추진상황·추진내용·향후계획)"
        return AuditResult(q, items, counts, method.replace("76건", f"{len(self.df)}건"))
