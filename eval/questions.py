"""Many distinct questions made from the parsed report, for the load test (no names as constants).

    table, passages = distinct_questions(parse_corpus(settings.corpus_dir))
"""
from __future__ import annotations

import random

TABLE_TEMPLATES = ("{p} 예산은 얼마예요?", "{p} 지출률은 몇 %예요?", "{p} 지출액은 얼마예요?", "{p} 원인행위 금액 알려줘")
DEPARTMENT_TEMPLATES = ("{d} 사업 예산 규모랑 지출률 알려주세요", "{d} 전체 사업 지출률이 몇 %예요?")
AUDIT_TEMPLATES = ("{d} 감사 지적사항은 몇 건이에요?", "{d} 지적사항 가운데 아직 추진중인 건 몇 건이에요?")
STATUS_TEMPLATES = ("감사 지적사항 중에 {s}된 건 몇 건이에요?",)
PASSAGE_TEMPLATES = ("{t} 추진실적은 어때요?", "{t} 향후계획은 뭐예요?", "{t} 사업개요 알려주세요", "{t}의 목표는 뭐예요?")


def distinct_questions(corpus, seed: int = 0) -> tuple[list[str], list[str]]:
    """(table questions, passage questions), each list distinct and shuffled with `seed`."""
    from index.tables import audit_frame, budget_frame
    b = budget_frame(corpus)
    app = b[b["source"] == "appendix"]
    programs = sorted({str(p) for p in app[app["level"] == "program"]["program"] if p})
    departments = sorted({str(d) for d in app[app["level"] == "department"]["program"] if d})
    table = [t.format(p=p) for p in programs for t in TABLE_TEMPLATES]
    table += [t.format(d=d) for d in departments for t in DEPARTMENT_TEMPLATES]
    a = audit_frame(corpus)
    audit_depts = sorted({d for ds in a["departments"] for d in ds if d})
    table += [t.format(d=d) for d in audit_depts for t in AUDIT_TEMPLATES]
    table += [t.format(s=s) for s in sorted({str(s) for s in a["status"] if s}) for t in STATUS_TEMPLATES]
    body = b[b["source"] == "body"]
    titles = sorted({str(s).split(" > ")[-1] for s in body["section"] if s})
    passages = [t.format(t=title) for title in titles for t in PASSAGE_TEMPLATES]
    rng = random.Random(seed)
    table, passages = list(dict.fromkeys(table)), list(dict.fromkeys(passages))
    rng.shuffle(table)
    rng.shuffle(passages)
    return table, passages
