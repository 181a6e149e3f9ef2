"""Follow-ups across worker processes: `serve --workers 2`, 20 three-turn dialogues, each request on a
fresh connection (so the turns land on either worker), every answer the same as the same dialogue
answered in-process. Passes once Assistant.ask keeps its sessions in assistant.sessions (SQLite by default)."""
from __future__ import annotations

import itertools
import uuid

import httpx
import pytest

from test_slow_clients import start_server, stop

pytestmark = pytest.mark.slow


def dialogues(corpus, n: int = 20) -> list[list[str]]:
    """Three-turn dialogues over pairs of the report's departments (names from the parsed tables)."""
    from assistant.fmt import josa
    from index.tables import budget_frame
    b = budget_frame(corpus)
    depts = sorted({str(d) for d in b[(b.source == "appendix") & (b.level == "department")]["program"] if d})
    assert len(depts) >= 3
    out = []
    for a, c in itertools.islice(itertools.cycle(list(itertools.permutations(depts, 2))), n):
        out.append([f"{a} 사업 예산은 얼마예요?", f"그럼 {josa(c, '은', '는')}?", "둘 중에 지출률은 어디가 더 높아요?"])
    return out


def test_follow_ups_across_two_workers(real_index_settings, corpus, tmp_path):
    from assistant.service import Assistant
    local = Assistant.from_settings(real_index_settings)
    convs = dialogues(corpus)
    expected = []
    for turns in convs:
        sid = uuid.uuid4().hex
        expected.append([local.ask(q, session_id=sid).to_dict() for q in turns])
    proc, url = start_server(real_index_settings, tmp_path, "--workers", "2")
    wrong = []
    try:
        for turns, want in zip(convs, expected):
            sid = uuid.uuid4().hex
            for q, w in zip(turns, want):
                with httpx.Client(timeout=60, headers={"Connection": "close"}) as http:   # a fresh connection
                    r = http.post(f"{url}/ask", json={"question": q, "session_id": sid})
                assert r.status_code == 200, r.text
                got = r.json()
                if (got["route"], got["answer"]) != (w["route"], w["answer"]):
                    wrong.append((q, got["answer"][:120], w["answer"][:120]))
    finally:
        stop(proc)
    assert not wrong, f"{len(wrong)} of {3 * len(convs)} answers differ from in-process: {wrong[:3]}"
