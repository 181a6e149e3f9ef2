"""A second report in the same format with other names and numbers: the parser
must know no names, counts or line numbers of the real corpus."""
from __future__ import annotations

from collections import Counter

import synthetic as S


def test_every_row_round_trips(synthetic):
    app = {r.program: r for r in synthetic.budget if r.source == "appendix" and r.level == "program"}
    expected = {p.name: (d, p) for d, ps in S.PROGS.items() for p in ps}
    assert set(app) == set(expected)
    for name, (dept, p) in expected.items():
        r = app[name]
        assert (r.department, r.budget, r.committed, r.spent, r.forecast) == (dept, p.budget, p.committed, p.spent, p.forecast)
    body = {r.program: r for r in synthetic.budget if r.source == "body"}
    assert set(body) == set(expected)
    for name, (dept, p) in expected.items():
        r = body[name]
        assert r.department == dept and r.level == "program" and r.parent == name
        assert r.budget == S.BODY_BUDGET_OVERRIDE.get(name, p.budget)
        assert (r.committed, r.spent, r.forecast) == (p.committed, p.spent, p.forecast)


def test_hierarchy_and_extra_department(synthetic):
    app = [r for r in synthetic.budget if r.source == "appendix"]
    assert Counter(r.level for r in app) == {"total": 1, "subtotal": 3, "department": 7, "program": 9, "admin": 7}
    assert [o.department for o in synthetic.org][:-1] == S.DEPTS
    assert synthetic.departments == S.DEPTS
    assert [r.citizen for r in app if r.level == "program"].count(True) == 1


def test_wrapped_and_artifacts(synthetic):
    body = {r.program: r for r in synthetic.budget if r.source == "body"}
    four = body["청소년 진로탐색 바우처 지급"]
    assert four.program_raw == "청소년\n진로탐색\n바우처\n지급" and four.line_end - four.line_start == 6
    assert any("two cells glued" in x for x in body["누리 플랫폼 운영"].repaired)
    assert body["누리 플랫폼 운영"].program_raw == "누리 플랫폼\n운영"
    assert any("period for comma: '45.600'" in x for x in body["공공 갈등 사전진단"].repaired)
    app = {r.program: r for r in synthetic.budget if r.source == "appendix"}
    assert any("misplaced separator: '1234,567'" in x for x in app["마을 공유부엌 운영지원"].repaired)
    assert any("ideographic space" in x for x in app["인권 지킴이 양성"].repaired)


def test_audit_round_trip(synthetic):
    got = [(i.category, list(i.departments), i.status_printed, i.requirement) for i in synthetic.audit]
    want = [(c, d, st, " ".join(req)) for c, req, d, st in S.AUDIT]
    assert got == want
    assert [i.status for i in synthetic.audit] == ["추진중", "완료", "검토중", "완료"]


def test_synthetic_findings(synthetic):
    from index.validate import validate
    f = validate(synthetic)
    kinds = Counter(x.kind for x in f)
    mism = [x for x in f if x.kind == "body_appendix_mismatch"]
    assert [(x.subject, x.figures["field"], x.figures["body"]) for x in mism] == [("누리 플랫폼 운영", "budget", 4_000_000)]
    dept = [x for x in f if x.kind == "department_sum_mismatch"]
    assert [(x.subject, x.figures["field"], x.figures["difference"]) for x in dept] == [("산들마을과", "spent", 1)]
    assert kinds["staff_mismatch"] == 1 and kinds["audit_count_mismatch"] == 0 and kinds["row_unparsed"] == 0
    assert kinds["function_budget_mismatch"] == 0


def test_two_corpora_stay_apart(corpus, synthetic):
    assert {r.doc for r in synthetic.budget} == {"synth-report"}
    assert not {r.program for r in synthetic.budget} & {r.program for r in corpus.budget if r.level == "program"}
