"""pandas tables built from the parsed records (never from text)."""
from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from .parser import Corpus

BUDGET_COLUMNS = ["doc", "source", "section", "department", "program", "program_raw", "level", "citizen", "parent",
                  "budget", "committed", "spent", "forecast",
                  "committed_rate", "spent_rate", "forecast_rate",
                  "committed_rate_printed", "spent_rate_printed", "forecast_rate_printed",
                  "unspent", "expected_lapse", "pending", "line_start", "line_end", "repaired", "note"]
AUDIT_COLUMNS = ["doc", "id", "no", "category", "departments", "requirement", "status", "status_printed",
                 "action", "plan", "line_start", "line_end"]


def budget_frame(corpus: Corpus) -> pd.DataFrame:
    rows = []
    for r in corpus.budget:
        d = r.to_dict()
        d["unspent"] = r.budget - r.spent
        d["expected_lapse"] = r.budget - r.forecast
        d["pending"] = r.committed - r.spent
        rows.append(d)
    df = pd.DataFrame(rows, columns=BUDGET_COLUMNS)
    for c in ("budget", "committed", "spent", "forecast", "unspent", "expected_lapse", "pending", "line_start", "line_end"):
        df[c] = df[c].astype("int64")
    for c in ("committed_rate", "spent_rate", "forecast_rate"):
        df[c] = df[c].astype("float64")
    for c in ("committed_rate_printed", "spent_rate_printed", "forecast_rate_printed"):
        df[c] = df[c].astype("Int64")
    df["citizen"] = df["citizen"].astype(bool)
    return df


def audit_frame(corpus: Corpus) -> pd.DataFrame:
    return pd.DataFrame([i.to_dict() for i in corpus.audit], columns=AUDIT_COLUMNS)


def sections_frame(corpus: Corpus) -> pd.DataFrame:
    return pd.DataFrame([asdict(s) for s in corpus.sections])


def org_frame(corpus: Corpus) -> pd.DataFrame:
    rows = [asdict(o) for o in corpus.org]
    fn = {(f.doc, f.department): f for f in corpus.functions}
    for r in rows:
        f = fn.get((r["doc"], r["department"]))
        r["duties"] = list(f.duties) if f else []
        r["budget_million"] = f.budget_million if f else None
    return pd.DataFrame(rows)


def findings_frame(findings) -> pd.DataFrame:
    return pd.DataFrame([f.to_dict() for f in findings])
