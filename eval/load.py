"""A bounded loopback load generator for POST /ask.

    python -m eval.load --url http://127.0.0.1:8000 --clients 16 --seconds 10

N concurrent clients (httpx.AsyncClient) ask a mix of questions, mostly table questions
(budget, audit) and some passage questions, for T seconds, then print throughput,
p50/p95/p99 latency and errors as a markdown table. Only loopback hosts are accepted:
this is for measuring your own server, never anyone else's.

By default the questions are distinct: hundreds made from the parsed report (eval/questions.py),
each asked once before any is repeated, so a server-side cache cannot answer them all.
Rows are reported apart for a question's first ask in the run ("first", uncached unless
the server saw it before this run) and its repeats ("repeat", possibly cached).
`--questions fixed` uses the small fixed lists below instead.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_CLIENTS = 256
MAX_SECONDS = 600

# Questions from eval/gold/answers.jsonl that the assistant answers from the tables (budget, audit)
# or from passages; the mix is weighted by --table-share.
TABLE_QUESTIONS = [
    "집행률이 가장 낮은 사업은?",
    "청년수당 예산은 몇 억원이에요?",
    "서울혁신파크 조성사업은 6월 말까지 실제로 얼마 썼고, 지출률은 몇 %예요?",
    "공유서울 확산 사업 원인행위 금액 좀 알려주세요",
    "NPO지원센터 확대 운영 사업 지출액이랑 지출률 알려줘",
    "(가칭)청년드림센터 조성 예산은 얼마고 집행은 좀 됐나요?",
    "청년정책담당관 사업예산 규모랑 지출률 알려주세요",
    "갈등조정담당관 전체 사업 지출률이 몇 %예요?",
    "작년 행정사무감사에서 우리 기획관이 지적받은 게 총 몇 건이에요?",
    "감사 지적사항 중에 조치 완료된 건 몇 건이에요?",
    "아직 추진 중인 감사 지적사항은 몇 건 남았어요?",
    "민관협력담당관 지적사항 가운데 아직 추진중인 건 몇 건이에요?",
    "인권교육 이수율이 35%밖에 안 된다는 지적에 대한 조치는?",
    "건의사항 처리 현황 좀 정리해 주세요",
]
PASSAGE_QUESTIONS = [
    "청년청에는 몇 개 청년단체가 입주해 있어요?",
    "갈등경보제에서 분석한 민원은 몇 건이에요?",
    "올해 인권침해 상담하고 조사는 몇 건 했어요?",
    "서울혁신센터는 누가 수탁해서 운영해요?",
]


@dataclass
class Sample:
    kind: str           # table | passages (what was asked)
    ms: float
    status: int         # HTTP status; 0 = transport error
    route: str = ""
    answer_error: str = ""
    repeat: bool = False    # this question text was asked before in this run


class Pool:
    """Questions handed out in turn: every one once before any repeats (shared by the clients)."""

    def __init__(self, questions: list[str]):
        if not questions:
            raise ValueError("no questions to ask")
        self.questions = questions
        self.next = 0

    def take(self) -> tuple[str, bool]:
        i = self.next
        self.next += 1
        return self.questions[i % len(self.questions)], i >= len(self.questions)


def question_pools(mode: str, corpus_dir=None, seed: int = 0) -> tuple[Pool, Pool]:
    if mode == "fixed":
        return Pool(list(TABLE_QUESTIONS)), Pool(list(PASSAGE_QUESTIONS))
    from index.parser import parse_corpus
    from index.settings import Settings

    from .questions import distinct_questions
    settings = Settings.from_env(corpus_dir=corpus_dir)
    table, passages = distinct_questions(parse_corpus(settings.corpus_dir), seed)
    return Pool(table), Pool(passages)


def loopback_url(url: str) -> str:
    """The URL without a trailing slash, or ValueError unless its host is loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--url must look like http://127.0.0.1:8000, got {url!r}")
    host = parts.hostname
    ok = host == "localhost"
    if not ok:
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = False
    if not ok:
        raise ValueError(f"refusing to load-test {host!r}: only loopback hosts (127.0.0.1, ::1, localhost) "
                         "are allowed")
    return url.rstrip("/")


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_ms:
        return 0.0
    rank = max(1, min(len(sorted_ms), int(-(-p * len(sorted_ms) // 100))))
    return sorted_ms[rank - 1]


def summarize(samples: list[Sample], seconds: float) -> list[dict]:
    rows = []
    groups = (("table", lambda s: s.kind == "table"), ("passages", lambda s: s.kind == "passages"),
              ("table, first ask", lambda s: s.kind == "table" and not s.repeat),
              ("table, repeat", lambda s: s.kind == "table" and s.repeat),
              ("passages, first ask", lambda s: s.kind == "passages" and not s.repeat),
              ("passages, repeat", lambda s: s.kind == "passages" and s.repeat),
              ("all", lambda s: True))
    for name, pick in groups:
        group = [s for s in samples if pick(s)]
        if not group and ("first" in name or "repeat" in name):
            continue
        ok = sorted(s.ms for s in group if s.status == 200)
        rows.append({
            "questions": name,
            "requests": len(group),
            "answered": len(ok),
            "per_second": len(ok) / seconds if seconds else 0.0,
            "p50_ms": percentile(ok, 50), "p95_ms": percentile(ok, 95), "p99_ms": percentile(ok, 99),
            "errors": sum(1 for s in group if s.status != 200),
            "answer_errors": sum(1 for s in group if s.status == 200 and s.answer_error),
        })
    return rows


def markdown(rows: list[dict], header: str = "") -> str:
    out = [header] if header else []
    out += ["| questions | requests | answered/s | p50 ms | p95 ms | p99 ms | errors | answers with error |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['questions']} | {r['requests']:,} | {r['per_second']:,.1f} | {r['p50_ms']:.1f} | "
                   f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | {r['answer_errors']} |")
    return "\n".join(out)


async def _client(http, url: str, stop_at: float, record_from: float, rng: random.Random, table_share: float,
                  samples: list[Sample], failures: dict, pools: tuple[Pool, Pool]) -> None:
    session = uuid.uuid4().hex
    while True:
        now = time.perf_counter()
        if now >= stop_at:
            return
        kind = "table" if rng.random() < table_share else "passages"
        question, repeat = (pools[0] if kind == "table" else pools[1]).take()
        t0 = time.perf_counter()
        status, route, answer_error = 0, "", ""
        try:
            r = await http.post(f"{url}/ask", json={"question": question, "session_id": session})
            status = r.status_code
            body = r.json()
            if status == 200:
                route = body.get("route", "")
                answer_error = ((body.get("error") or {}).get("code") or "") if isinstance(body, dict) else ""
            else:
                message = (body.get("error") or {}).get("message", "") if isinstance(body, dict) else ""
                key = f"HTTP {status}: {message[:80]}"
                failures[key] = failures.get(key, 0) + 1
        except Exception as e:  # transport errors are counted, never raised
            key = f"{type(e).__name__}: {str(e)[:80]}"
            failures[key] = failures.get(key, 0) + 1
        ms = (time.perf_counter() - t0) * 1000
        if t0 >= record_from and time.perf_counter() <= stop_at:
            samples.append(Sample(kind, ms, status, route, answer_error, repeat))


async def run(url: str, clients: int, seconds: float, warmup: float = 1.0, table_share: float = 0.85,
              seed: int = 0, timeout: float = 30.0, pools: tuple[Pool, Pool] | None = None
              ) -> tuple[list[Sample], dict, float]:
    """Each simulated client has its own AsyncClient with one keep-alive connection, like a browser tab
    (one shared pool of N connections makes httpcore's request assignment cost grow with N²)."""
    import httpx
    pools = pools or question_pools("fixed")
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    https = [httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False) for _ in range(clients)]
    try:
        r = await https[0].get(f"{url}/health")
        if r.status_code != 200:
            raise RuntimeError(f"{url}/health answered {r.status_code}; is the server up?")
        samples: list[Sample] = []
        failures: dict = {}
        start = time.perf_counter()
        record_from = start + warmup
        stop_at = record_from + seconds
        await asyncio.gather(*(_client(http, url, stop_at, record_from, random.Random(seed + i), table_share,
                                       samples, failures, pools) for i, http in enumerate(https)))
        return samples, failures, seconds
    finally:
        for http in https:
            await http.aclose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000", help="server URL (loopback only)")
    ap.add_argument("--clients", type=int, default=16, help=f"concurrent clients (1–{MAX_CLIENTS})")
    ap.add_argument("--seconds", type=float, default=10, help=f"measured seconds (1–{MAX_SECONDS})")
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring (0–30)")
    ap.add_argument("--table-share", type=float, default=0.85, help="share of table questions (0–1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--questions", choices=("distinct", "fixed"), default="distinct",
                    help="distinct: hundreds made from the parsed report (default); fixed: the 18 listed in eval/load.py")
    ap.add_argument("--corpus", default=None, help="corpus directory for --questions distinct (default: ./corpus)")
    ap.add_argument("--label", default="", help="a line printed above the table (e.g. '2 workers')")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the rows as JSON to this file")
    a = ap.parse_args(argv)
    try:
        url = loopback_url(a.url)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    problems = []
    if not 1 <= a.clients <= MAX_CLIENTS:
        problems.append(f"--clients must be between 1 and {MAX_CLIENTS}, got {a.clients}")
    if not 1 <= a.seconds <= MAX_SECONDS:
        problems.append(f"--seconds must be between 1 and {MAX_SECONDS}, got {a.seconds}")
    if not 0 <= a.warmup <= 30:
        problems.append(f"--warmup must be between 0 and 30, got {a.warmup}")
    if not 0 <= a.table_share <= 1:
        problems.append(f"--table-share must be between 0 and 1, got {a.table_share}")
    if problems:
        print("error: " + "; ".join(problems), file=sys.stderr)
        return 2
    try:
        pools = question_pools(a.questions, a.corpus, a.seed)
    except Exception as e:
        print(f"error: cannot make the questions: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    try:
        samples, failures, seconds = asyncio.run(run(url, a.clients, a.seconds, a.warmup, a.table_share, a.seed,
                                                     pools=pools))
    except Exception as e:
        print(f"error: cannot load-test {url}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    rows = summarize(samples, seconds)
    routes: dict[str, int] = {}
    for s in samples:
        if s.status == 200:
            routes[s.route] = routes.get(s.route, 0) + 1
    header = (f"{a.label + ': ' if a.label else ''}{a.clients} clients × {a.seconds:g} s against {url} "
              f"({a.questions} questions: {len(pools[0].questions)} table, {len(pools[1].questions)} passage; "
              f"{a.table_share:.0%} table questions; routes seen: "
              + ", ".join(f"{k or '?'} {v}" for k, v in sorted(routes.items(), key=lambda kv: -kv[1])) + ")\n")
    print(markdown(rows, header))
    if failures:
        print("\nerrors:")
        for k, v in sorted(failures.items(), key=lambda kv: -kv[1])[:10]:
            print(f"- {k} ×{v}")
    if a.json_out:
        with open(a.json_out, "w", encoding="utf-8") as f:
            json.dump({"url": url, "clients": a.clients, "seconds": a.seconds, "questions": a.questions,
                       "rows": rows, "routes": routes,
                       "failures": failures}, f, ensure_ascii=False, indent=1)
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())

