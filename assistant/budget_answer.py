"""Budget results in words: names as printed, amounts in 천원 (+억원), rates
with one decimal, every tied item, the appendix figure first."""
from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from . import fmt
from .answer import Citation
from .budget import AMOUNT, METRICS, RATE_PARTS, BudgetResult

TABLE_COLUMNS = ["program", "department", "level", "source", "budget", "committed", "spent", "forecast",
                 "committed_rate", "spent_rate", "forecast_rate", "unspent", "expected_lapse", "pending", "line_start",
                 "line_end"]
MAX_LISTED = 60
SUMMARY = ["budget", "spent", "spent_rate"]      # always shown with a looked-up row
RATE_OF = {"committed": "committed_rate", "forecast": "forecast_rate"}   # an amount looked up shows its rate too


def value_text(metric: str, v, lang: str) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "없음" if lang == "ko" else "n/a"
    if METRICS[metric][2] == AMOUNT:
        return fmt.amount(float(v) if isinstance(v, float) and not float(v).is_integer() else int(v), lang)
    if "-" in metric:                      # a difference of two rates is in percentage points
        return f"{float(v):.1f}%p"
    return fmt.rate(float(v))


def label(metric: str, lang: str) -> str:
    return METRICS[metric][0] if lang == "ko" else METRICS[metric][1]


def row_text(r, metrics, lang: str, basis: bool = False) -> str:
    """One row in words; with `basis`, a rate also shows the amounts it is computed from."""
    who = r["program"]
    if r["level"] in ("program", "sub-item") and r["department"]:
        who += f"({r['department']})"
    parts = []
    for m in metrics:
        text = f"{label(m, lang)} {value_text(m, r[m], lang)}"
        if "-" in m:
            a, b = m.split("-", 1)
            text += f" ({label(a, lang)} {value_text(a, r[a], lang)}, {label(b, lang)} {value_text(b, r[b], lang)})"
        elif basis and m in RATE_PARTS and RATE_PARTS[m] not in metrics:
            part = RATE_PARTS[m]
            text += f" ({label(part, lang)} {value_text(part, r[part], lang)} / {label('budget', lang)} " \
                    f"{value_text('budget', r['budget'], lang)})"
        parts.append(text)
    return f"{who}: {', '.join(parts)}"


def _plain(v):
    if isinstance(v, float) and v != v:
        return None
    return v.item() if hasattr(v, "item") else v


def data_of(rows: pd.DataFrame) -> dict:
    cols = [c for c in TABLE_COLUMNS if c in rows.columns]
    values = rows[cols].head(200).to_numpy(dtype=object).tolist()
    return {"columns": cols, "rows": [[_plain(v) for v in rec] for rec in values]}


def citations_of(rows: pd.DataFrame, quote) -> list[Citation]:
    head = rows.head(MAX_LISTED)
    return [Citation(doc, section, int(a), int(b), quote(doc, int(a), int(b)))
            for doc, section, a, b in zip(head["doc"].tolist(), head["section"].tolist(),
                                          head["line_start"].tolist(), head["line_end"].tolist())]


def render(res: BudgetResult, lang: str, body_rows, quote_body: bool = False) -> str:
    """`body_rows`: the body's programme rows by appendix name (see body_index); ``quote_body``: the
    question named the body table, so its other figure is quoted, not only its difference."""
    checks = res.value.get("checks") if isinstance(res.value, dict) else None
    if checks:
        lead = [(f"{'네' if ok else '아니요'} — {fmt.josa(name, '은', '는')} '{res.value['check_text']}' 조건에 "
                 f"{'맞습니다' if ok else '맞지 않습니다'}." if lang == "ko" else
                 f"{'Yes' if ok else 'No'} — {name} {'meets' if ok else 'does not meet'} '{res.value['check_text']}'.")
                for name, ok in checks]
        rest = dict(res.value)
        rest.pop("checks")
        return "\n".join(lead + [render(replace(res, value=rest), lang, body_rows, quote_body)])
    q, rows = res.query, res.rows
    recs = rows.head(MAX_LISTED).to_dict("records")
    metrics = list(q.metrics)
    m = metrics[0]
    ko = lang == "ko"
    if rows.empty and q.operation not in ("count_where", "sum", "mean"):
        return ("조건에 맞는 항목이 없습니다." if ko else "No rows match.") + f" ({res.method})"
    if q.operation == "share":
        v = res.value
        if v.get("share") is None:
            return res.method
        names = ", ".join(r["program"] for r in recs)
        return (f"{names}의 {label(m, lang)} {value_text(m, v['part'], lang)}은 전체 "
                f"{value_text(m, v['whole'], lang)}의 {fmt.rate(v['share'])}입니다. ({res.method})"
                if ko else f"{names}: {label(m, lang)} {value_text(m, v['part'], lang)} is {fmt.rate(v['share'])} of the "
                           + ("bureau's total" if v["whole_count"] == 1 else f"{v['whole_count']} items' total")
                           + f" {value_text(m, v['whole'], lang)} ({res.method}).")
    if q.operation == "sort":
        head = (f"{label(m, lang)} {'낮은' if q.ascending else '높은'} 순 전체 {len(rows)}개입니다." if ko
                else f"All {len(rows)} by {label(m, lang)}, {'lowest' if q.ascending else 'highest'} first:")
        return "\n".join([head] + [f"{i}. {row_text(r, metrics, lang, basis=True)}" for i, r in enumerate(recs, 1)])
    if q.operation in ("argmax", "argmin", "rank", "top_k", "bottom_k"):
        if q.operation in ("argmax", "argmin", "rank"):
            if q.operation == "rank":
                head = (f"{label(m, lang)} 기준 {q.rank}번째로 {'낮은' if q.ascending else '높은'} 항목은 {len(rows)}개입니다."
                        if ko else f"{len(rows)} item(s) rank #{q.rank} by {label(m, lang)}.")
            elif len(rows) > 1:
                word = "가장 낮은" if q.operation == "argmin" else "가장 높은"
                if METRICS[m][2] == AMOUNT:
                    word = "가장 작은" if q.operation == "argmin" else "가장 큰"
                head = (f"{fmt.josa(label(m, lang), '이', '가')} {word} 항목은 {len(rows)}개(동률)입니다: "
                        f"{value_text(m, recs[0][m], lang)}."
                        if ko else f"{len(rows)} items tie for the {'lowest' if q.operation == 'argmin' else 'highest'} "
                                   f"{label(m, lang)} ({value_text(m, recs[0][m], lang)}).")
            else:
                word = ("가장 낮은" if q.operation == "argmin" else "가장 높은") if METRICS[m][2] != AMOUNT else \
                       ("가장 작은" if q.operation == "argmin" else "가장 큰")
                head = (f"{fmt.josa(label(m, lang), '이', '가')} {word} 항목은 {recs[0]['program']}입니다."
                        if ko else f"The {'lowest' if q.operation == 'argmin' else 'highest'} {label(m, lang)}: "
                                   f"{recs[0]['program']}.")
        else:
            head = (f"{label(m, lang)} {'작은' if q.operation == 'bottom_k' else '큰'} 순 {q.k}개"
                    + (f"(경계 동률 포함 {len(rows)}개)" if len(rows) > q.k else "") + "입니다."
                    if ko else f"Top {q.k} by {label(m, lang)}:")
        lines = [f"{i}. {row_text(r, metrics, lang, basis=True)}" for i, r in enumerate(recs, 1)]
        tail = ""
        if METRICS[m][2] == AMOUNT and res.scope_total is not None:
            tail = (f"(비교 대상 {res.scope_size}개의 {label(m, lang)} 합계 {value_text(m, res.scope_total, lang)})" if ko
                    else f"(all {res.scope_size} compared: {label(m, lang)} total {value_text(m, res.scope_total, lang)})")
        return "\n".join([head] + lines + ([tail] if tail else []))
    if q.operation in ("count_where", "list_where"):
        n = len(rows)
        unit = "programs" if q.level == "program" else "items"
        head = (f"{res.method.split(':')[0]}: 모두 {fmt.count(n)}입니다." if ko else f"{n} {unit} match.")
        lines = [f"- {row_text(r, _show_metrics(q), lang)}" for r in recs]
        if n > MAX_LISTED:
            lines.append(f"… 외 {n - MAX_LISTED}개" if ko else f"… and {n - MAX_LISTED} more")
        tail = _scope_total(res, lang) if n else ""
        return "\n".join([head] + lines + ([tail] if tail else []))
    if q.operation in ("sum", "mean"):
        agg = res.value.get(q.operation, {})
        word = ("합계" if q.operation == "sum" else "평균") if ko else ("total" if q.operation == "sum" else "average")
        vals = ", ".join(f"{label(x, lang)} {value_text(x, agg.get(x), lang)}" for x in metrics)
        head = (f"{_scope_name(res)} {fmt.count(len(rows))}의 {word}: {vals}." if ko
                else f"{word.capitalize()} over {len(rows)} item(s): {vals}.")
        lines = [f"- {row_text(r, metrics, lang)}" for r in recs]
        return "\n".join([head] + lines)
    if q.operation == "compare" and len(rows) >= 2:
        lines = [f"- {row_text(r, metrics, lang, basis=True)}" for r in recs]
        diff = res.value.get("difference")
        a, b = recs[0], recs[1]
        hi, lo = (a, b) if a[m] >= b[m] else (b, a)
        if ko:
            more, less = ("높", "낮") if METRICS[m][2] != AMOUNT else ("많", "적")
            tail = (f"{fmt.josa(label(m, lang), '은', '는')} {fmt.josa(hi['program'], '이', '가')} 더 {more}고 "
                    f"{fmt.josa(lo['program'], '이', '가')} 더 {less}습니다")
            if diff is not None:
                d = abs(diff)
                tail += f" (차이 {fmt.amount(int(d)) if METRICS[m][2] == AMOUNT else f'{d:.1f}%p'})."
        else:
            tail = f"{hi['program']} is higher on {label(m, lang)}"
            if diff is not None:
                d = abs(diff)
                tail += f" (difference {fmt.amount(int(d), lang) if METRICS[m][2] == AMOUNT else f'{d:.1f} points'})."
        return "\n".join(lines + [tail] + _disagreements(recs, metrics, body_rows, lang, quote_body))
    # lookup: what was asked, then the budget, spending and rate it stands on
    rates = [RATE_OF.get(x) for x in metrics if RATE_OF.get(x) and RATE_OF[x] not in metrics]
    shown = metrics + rates + [x for x in SUMMARY if x not in metrics + rates
                               and not (x == "spent_rate" and len(metrics) > 2)]
    lines = [row_text(r, shown, lang, basis=True) for r in recs]
    text = lines[0] + "." if len(lines) == 1 else "\n".join(f"- {x}" for x in lines)
    return "\n".join([text] + _disagreements(recs, metrics, body_rows, lang, quote_body))


def _show_metrics(q) -> list[str]:
    ms = list(q.metrics)
    for c in q.conditions:
        if c.metric not in ms:
            ms.append(c.metric)
    return ms


def _scope_name(res: BudgetResult) -> str:
    name = res.method.split(" 중 ")[0].split("의 ")[0] if res.method else ""
    return re.sub(r"\s\d+개$", "", name)        # the count is printed by the caller


def _scope_total(res: BudgetResult, lang: str) -> str:
    rows = res.rows
    if rows.empty or res.query.operation not in ("count_where", "list_where", "argmax", "argmin", "top_k", "bottom_k"):
        return ""
    if res.query.operation in ("argmax", "argmin", "top_k", "bottom_k"):
        return ""
    b, s = int(rows["budget"].sum()), int(rows["spent"].sum())
    from index.records import rate
    return (f"(해당 {len(rows)}개 합계: 예산현액 {fmt.amount(b)}, 지출액 {fmt.amount(s)}, 지출 집행률 {fmt.rate(rate(s, b))})"
            if lang == "ko" else f"(these {len(rows)} together: budget {fmt.amount(b, lang)}, spent {fmt.amount(s, lang)}, "
                                 f"spending rate {fmt.rate(rate(s, b))})")


def body_index(body: pd.DataFrame) -> dict:
    """The body's programme rows by the appendix programme they print (one each)."""
    rows = body[body["level"] == "program"]
    counts = rows["parent"].value_counts()
    return {r["parent"]: r for r in rows.to_dict("records") if counts.get(r["parent"], 0) == 1}


def _disagreement(r: dict, b: dict, m: str, lang: str, quote_body: bool = False) -> str:
    """The body's other figure as a difference from the answer (the figure itself is the
    validation route's to quote: printed here beside the answer it reads as a second answer)."""
    try:
        diff = float(b[m]) - float(r[m])
    except (TypeError, ValueError):
        diff = None
    if quote_body:
        return (f"※ 본문 표({int(b['line_start'])}행)에는 {r['program']}의 {fmt.josa(label(m, 'ko'), '이', '가')} "
                f"{value_text(m, b[m], 'ko')}로 적혀 있습니다. 위 답은 별첨1({int(r['line_start'])}행) 기준입니다."
                if lang == "ko" else
                f"Note: the body table (line {int(b['line_start'])}) prints {value_text(m, b[m], lang)} for "
                f"{label(m, lang)}; the answer uses the appendix (line {int(r['line_start'])}).")
    if diff is None or pd.isna(diff):
        return (f"※ 본문 표({int(b['line_start'])}행)는 {r['program']}의 {label(m, 'ko')}을(를) 다르게 적었습니다. "
                f"위 답은 별첨1({int(r['line_start'])}행) 기준입니다." if lang == "ko" else
                f"Note: the body table (line {int(b['line_start'])}) prints another {label(m, lang)}; "
                f"the answer uses the appendix (line {int(r['line_start'])}).")
    more = diff > 0
    gap = value_text(m, abs(diff), lang)
    if lang == "ko":
        return (f"※ 본문 표({int(b['line_start'])}행)에는 {r['program']}의 {fmt.josa(label(m, 'ko'), '이', '가')} 별첨1보다 {gap} "
                f"{'많게' if more else '적게'} 적혀 있습니다. 위 답은 별첨1({int(r['line_start'])}행) 기준입니다 "
                f"(두 값은 'report-assistant validate'에서 확인).")
    return (f"Note: the body table (line {int(b['line_start'])}) prints {label(m, lang)} {gap} "
            f"{'higher' if more else 'lower'} than the appendix; the answer uses the appendix (line {int(r['line_start'])}).")


def _disagreements(recs: list[dict], metrics, body: dict, lang: str, quote_body: bool = False) -> list[str]:
    """When the body prints another figure for the same programme, say so."""
    out = []
    for r in recs:
        if r["source"] != "appendix" or r["level"] != "program":
            continue
        b = body.get(r["program"])
        if b is None:
            continue
        for m in metrics:
            if m in b and b[m] != r[m] and not (pd.isna(b[m]) and pd.isna(r[m])):
                out.append(_disagreement(r, b, m, lang, quote_body))
    return out
