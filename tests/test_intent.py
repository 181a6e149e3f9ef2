"""Intent by nearest exemplars: data hygiene, the n-gram fallback, slot priors, the fitted
abstain, the e5 path (fake embedder), bad input, and `eval understand`'s fit/snapshot/diff."""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from assistant.understand import intent as im
from assistant.understand.ngrams import NgramIndex, ngrams, squash
from assistant.understand.normalize import utterance
from assistant.understand.types import Metric, Mention, Status
from eval import understand_eval as ue

ROOT = Path(__file__).resolve().parents[1]


def _sq(s: str) -> str:
    return re.sub(r"\s+", "", s).lower()


def _all_gold_questions() -> set[str]:
    paths = list((ROOT / "eval" / "gold").glob("*.jsonl")) + list((ROOT / "eval").glob("fresh*.jsonl")) + \
        list((ROOT / "eval").glob("fresh*/*.jsonl"))
    out = set()
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            for t in d.get("turns") or [d]:
                q = t.get("question") or t.get("query")
                if isinstance(q, str):
                    out.add(_sq(q))
    return out


# -- the data files ----------------------------------------------------------------------
def test_no_exemplar_or_dev_question_is_a_gold_heldout_or_fresh_question():
    gold = _all_gold_questions()
    assert len(gold) > 250          # the gold and held-out sets were read
    for path in (im.DEFAULT, ue.DEV):
        for e in ue._dev(path):
            assert _sq(e.text) not in gold, f"{path.name}:{e.line} copies an evaluation question: {e.text}"


def test_exemplar_file_has_every_intent_with_40_to_80_exemplars_and_no_duplicates():
    ex = im.load_exemplars()
    counts = Counter(e.intent for e in ex)
    assert set(counts) == set(im.INTENTS)
    assert all(40 <= n <= 80 for n in counts.values()), counts
    keys = [_sq(e.text) for e in ex]
    assert len(keys) == len(set(keys))
    dev = {_sq(e.text) for e in ue._dev(ue.DEV)}
    assert not dev & set(keys), "a dev question is also an exemplar"
    assert any(re.search("[a-z]", e.text) and not re.search("[가-힣]", e.text) for e in ex)   # English too


def test_cached_vectors_and_fitted_params_match_the_exemplars():
    """Editing intents.jsonl without `eval understand --fit` (which rewrites both) fails here."""
    from assistant.understand.vectors import fingerprint
    ex = im.load_exemplars()
    masked = im.load_masked(ex)
    assert masked is not None, "intents_masked.json is stale or missing: run `report-assistant eval understand --fit`"
    meta = json.loads((im.DATA / "intents.json").read_text(encoding="utf-8"))
    assert meta["fingerprint"] == fingerprint(list(masked), meta["model"])
    assert np.load(im.DATA / "intents.npy").shape[0] == len(ex)
    params = json.loads(im.PARAMS.read_text(encoding="utf-8"))
    assert params["exemplars"] == im.exemplar_fingerprint(ex)
    fitted = im.load_params()
    assert {"ngram", "e5"} <= set(fitted) and all(p.fitted for p in fitted.values())


def test_slot_prior_table_names_only_known_intents():
    pri = im.load_priors()
    assert pri.table["metric"]["budget"] > 0
    assert pri.table["status"]["audit_count"] > 0


@pytest.mark.parametrize("line, message", [
    ('{"intent": "budget", "text": "x"', "invalid JSON"),
    ('{"intent": "weather", "text": "비 와?"}', "unknown intent"),
    ('{"intent": "budget", "text": "  "}', "non-empty string"),
    ('{"intent": "budget", "text": "예산", "extra": 1}', "unknown field"),
    ('["budget", "예산"]', "expected an object"),
])
def test_bad_exemplar_lines_name_file_line_and_fix(tmp_path, line, message):
    p = tmp_path / "intents.jsonl"
    p.write_text('{"intent": "budget", "text": "예산은 얼마"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message) as e:
        im.load_exemplars(p)
    assert f"{p}:2" in str(e.value) or f"{p}" in str(e.value)


def test_missing_intent_and_missing_or_binary_file(tmp_path):
    p = tmp_path / "one.jsonl"
    p.write_text('{"intent": "budget", "text": "예산은 얼마"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="no exemplar for intent"):
        im.load_exemplars(p)
    with pytest.raises(ValueError, match="missing"):
        im.load_exemplars(tmp_path / "nope.jsonl")
    b = tmp_path / "bin.jsonl"
    b.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="UTF-8"):
        im.load_exemplars(b)


def test_bad_priors_and_params_files(tmp_path):
    p = tmp_path / "priors.json"
    p.write_text('{"priors": {"metric": {"weather": 0.1}}}', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown intent"):
        im.load_priors(p)
    p.write_text('{"priors": {"metric": {"budget": "a lot"}}}', encoding="utf-8")
    with pytest.raises(ValueError, match="number"):
        im.load_priors(p)
    q = tmp_path / "params.json"
    q.write_text('{"methods": {"e5": {"margin": 0.1}}}', encoding="utf-8")
    with pytest.raises(ValueError, match="eval understand --fit"):
        im.load_params(q)
    assert im.load_params(tmp_path / "absent.json") == {}


# -- n-grams -----------------------------------------------------------------------------
def test_ngrams_are_spacing_and_case_insensitive():
    idx = NgramIndex.fit(["청년수당 예산은 얼마", "감사 지적 몇 건", "Spending Rate"])
    s = idx.similarities("청년수당예산은얼마")
    assert s.argmax() == 0 and s[0] == pytest.approx(1.0, abs=1e-5)
    assert idx.similarities("spending rate")[2] == pytest.approx(1.0, abs=1e-5)
    assert (idx.similarities("zzzz") == 0).all()
    assert (idx.similarities("") == 0).all()
    assert 0 < idx.similarities("청년수당 몇 명")[0] < 1          # partial overlap, not a full match
    assert ngrams("가") == Counter({"가": 1}) and squash(" a B\tc ") == "abc"


def test_ngram_similarity_of_huge_and_binary_input_is_bounded_and_fast():
    idx = NgramIndex.fit(["청년수당 예산은 얼마", "감사 지적 몇 건"])
    t0 = time.perf_counter()
    s = idx.similarities("예산 " * 5000 + "\x00\x01\ufffd")
    assert time.perf_counter() - t0 < 1.0
    assert np.isfinite(s).all() and (s >= 0).all() and (s <= 1.0001).all()


# -- the classifier on a small synthetic exemplar set -----------------------------------
TOY = [("budget", "예산 얼마"), ("budget", "지출률 가장 낮은 사업"), ("budget", "집행률 순위"),
       ("audit_count", "지적사항 몇 건"), ("audit_count", "완료된 지적 개수"), ("audit_count", "추진중 지적 목록"),
       ("audit_topic", "지적에 대한 조치 결과"), ("audit_topic", "그 지적 어떻게 처리했어"), ("audit_topic", "향후계획은"),
       ("validation", "본문 별첨 불일치"), ("validation", "소계 합계 안 맞아"), ("validation", "숫자 검증"),
       ("organization", "정원 현원 몇 명"), ("organization", "담당 업무"), ("organization", "직원 수"),
       ("passages", "위치 어디야"), ("passages", "누가 운영해"), ("passages", "언제 열려"),
       ("out_of_scope", "안녕하세요"), ("out_of_scope", "날씨 어때"), ("out_of_scope", "농담 해줘")]


def _toy(params=None, embed=None, priors=None) -> im.IntentClassifier:
    ex = [im.Exemplar(i, t, n) for n, (i, t) in enumerate(TOY, 1)]
    return im.IntentClassifier(ex, embed=embed, priors=priors or im.load_priors(), params=params or {}, cache=None)


def test_ngram_classify_returns_ranked_scores_for_every_intent():
    r = _toy().classify(utterance("지적사항은 몇 건이에요"))
    assert r.method == "ngram" and r.intent == "audit_count" and not r.abstained
    assert [k for k, _ in r.scores][0] == "audit_count"
    assert set(k for k, _ in r.scores) == set(im.INTENTS)
    vals = [v for _, v in r.scores]
    assert vals == sorted(vals, reverse=True)
    assert _toy().classify(utterance("안녕하세요!")).intent == "out_of_scope"


def test_scores_are_the_mean_of_the_top3_similarities():
    clf = _toy()
    u = utterance("지출률 순위")
    sims = clf.ngram.similarities(u.squashed)
    rows = [i for i, (k, _) in enumerate(TOY) if k == "budget"]
    assert dict(clf.scores(u))["budget"] == pytest.approx(float(np.sort(sims[rows])[-3:].mean()) +
                                                          0.0, abs=1e-6)


def test_slot_priors_add_per_mention_kind_once():
    pri = im.SlotPriors(table={"metric": {"budget": 0.2}, "status": {"audit_count": 0.3},
                               "answer_type:place": {"passages": 0.1}}, scale={"ngram": 1.0})
    clf = _toy(priors=pri)
    u = utterance("숫자 검증")                                  # a validation exemplar
    base = dict(clf.scores(u))
    m = Mention("metric", Metric("spent_rate"), (0, 2), "숫자")
    with_metric = dict(clf.scores(u, (m, m)))                  # twice: counted once
    assert with_metric["budget"] == pytest.approx(base["budget"] + 0.2, abs=1e-6)
    assert with_metric["validation"] == pytest.approx(base["validation"], abs=1e-6)
    st = Mention("status", Status("완료"), (0, 2), "숫자")
    assert dict(clf.scores(u, (st,)))["audit_count"] == pytest.approx(base["audit_count"] + 0.3, abs=1e-6)
    from assistant.understand.types import AnswerType
    at = Mention("answer_type", AnswerType("place"), (0, 2), "숫자")
    assert pri.keys_of([at]) == {"answer_type", "answer_type:place"}
    fitted = {"ngram": im.Params(prior_scale=0.0, fitted=True)}
    assert dict(_toy(params=fitted, priors=pri).scores(u, (m,)))["budget"] == pytest.approx(base["budget"], abs=1e-6)


def test_abstains_below_threshold_or_margin():
    u = utterance("예산 얼마")
    top = _toy().classify(u)
    assert not top.abstained
    s1, s2 = top.scores[0][1], top.scores[1][1]
    high = _toy(params={"ngram": im.Params(threshold=s1 + 0.01, fitted=True)}).classify(u)
    assert high.abstained and high.intent == im.ABSTAIN and high.scores == top.scores
    wide = _toy(params={"ngram": im.Params(margin=(s1 - s2) + 0.01, fitted=True)}).classify(u)
    assert wide.abstained
    ok = _toy(params={"ngram": im.Params(threshold=s1 - 0.01, margin=(s1 - s2) - 0.01, fitted=True)}).classify(u)
    assert not ok.abstained and ok.intent == "budget"


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b", "\x00\x01\x02", "?" * 10_000, "SELECT * FROM t; --",
                                 "__import__('os').system('ls')", "가" * 10_000])
def test_bad_input_never_raises(raw):
    clf = _toy()
    r = clf.classify(utterance(raw))
    assert r.intent in im.INTENTS + (im.ABSTAIN,)
    assert all(np.isfinite(v) for _, v in r.scores)
    if not utterance(raw).squashed:
        assert r.abstained and r.intent == im.ABSTAIN


# -- the e5 path, with a deterministic fake embedder -------------------------------------
def _fake_embed(texts):
    """Character bigrams hashed (crc32: the same in every process) into 256 dims: similar texts, similar vectors."""
    import zlib
    out = np.zeros((len(texts), 256), dtype=np.float32)
    for i, t in enumerate(texts):
        s = "".join(t.split())
        for a in range(max(len(s) - 1, 1)):
            out[i, zlib.crc32(s[a:a + 2].encode()) % 256] += 1.0
    return out


def test_e5_method_mixes_ngrams_by_the_fitted_weight_and_cuts_long_input():
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return _fake_embed(texts)
    clf = _toy(embed=embed, params={"e5": im.Params(ngram_weight=0.0, fitted=True)})
    assert clf.method == "e5"
    u = utterance("지적사항 몇 건이야")
    r = clf.classify(u)
    assert r.method == "e5" and r.intent == "audit_count"
    e5 = clf.e5_scores(u)
    ng = clf.ngram_scores(u)
    mixed = _toy(embed=embed, params={"e5": im.Params(ngram_weight=0.5, fitted=True)})
    assert dict(mixed.scores(u))["budget"] == pytest.approx(0.5 * e5["budget"] + 0.5 * ng["budget"], abs=1e-5)
    clf.classify(utterance("가" * 10_000))
    assert len(calls[-1][0]) == im.MAX_EMBED_CHARS
    assert clf.classify(utterance("지적"), method="ngram").method == "ngram"
    zero = _toy(embed=lambda t: np.zeros((len(t), 256), dtype=np.float32))
    assert all(np.isfinite(v) for _, v in zero.classify(utterance("예산 얼마")).scores)


def test_ngram_first_shortcut_skips_the_embedding_only_when_the_ngram_gap_clears_it():
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return _fake_embed(texts)
    u = utterance("지적사항 몇 건이야")
    plain = _toy(embed=embed, params={"e5": im.Params(fitted=True), "ngram": im.Params(fitted=True)})
    ng = plain.classify(u, method="ngram")
    gap = ng.scores[0][1] - ng.scores[1][1]
    below = _toy(embed=embed, params={"e5": im.Params(shortcut=gap - 1e-4, fitted=True), "ngram": im.Params(fitted=True)})
    calls.clear()
    r = below.classify(u)
    assert r.method == "ngram-first" and r.intent == ng.intent and r.scores == ng.scores and calls == []
    above = _toy(embed=embed, params={"e5": im.Params(shortcut=gap + 1e-4, fitted=True), "ngram": im.Params(fitted=True)})
    calls.clear()
    r = above.classify(u)
    assert r.method == "e5" and len(calls) == 1
    calls.clear()
    assert below.classify(u, shortcut=False).method == "e5" and len(calls) == 1
    # an n-gram abstention is never a shortcut, however wide its gap
    shy = _toy(embed=embed, params={"e5": im.Params(shortcut=0.0, fitted=True),
                                    "ngram": im.Params(threshold=2.0, fitted=True)})
    calls.clear()
    assert shy.classify(u).method == "e5"


def _both(gold, ngram_top, ngram_gap, e5_top):
    ng = {k: 0.0 for k in im.INTENTS}
    e5 = {k: 0.0 for k in im.INTENTS}
    ng[ngram_top] = 0.3 + ngram_gap
    ng[next(k for k in im.INTENTS if k != ngram_top)] = 0.3
    e5[e5_top] = 0.9
    e5[next(k for k in im.INTENTS if k != e5_top)] = 0.8
    return ue.Sample(gold, ng, e5, {})


def test_fit_shortcut_takes_the_smallest_gap_where_ngrams_agree_with_e5():
    p = im.Params(fitted=True)
    agree = [_both("budget", "budget", 0.2, "budget") for _ in range(40)]
    # below a gap of 0.1, n-grams disagree with e5 in half the samples
    mixed = [_both("budget", "passages" if i % 2 else "budget", 0.05, "budget") for i in range(40)]
    cut = ue.fit_shortcut(agree + mixed, p, p, {})
    assert cut is not None and 0.05 < cut["shortcut"] <= 0.2 and cut["shortcut_agreement"] == 1.0
    assert cut["shortcut_share"] == pytest.approx(0.5)
    assert ue.fit_shortcut(agree[:10] + mixed, p, p, {}) is None      # too few agreeing samples to trust
    c = ue.cascade(agree + mixed, {"e5": im.Params(shortcut=cut["shortcut"], fitted=True), "ngram": p}, {})
    assert c["taken"] == pytest.approx(0.5) and c["agreement"] == 1.0 and c["accuracy_cascade"] == c["accuracy_e5"]
    assert ue.cascade(agree, {"e5": p, "ngram": p}, {}) is None        # no shortcut fitted: nothing to report


def test_load_with_another_exemplar_file_never_touches_the_shipped_cache(tmp_path):
    p = tmp_path / "ex.jsonl"
    p.write_text("".join(json.dumps({"intent": i, "text": t}, ensure_ascii=False) + "\n" for i, t in TOY),
                 encoding="utf-8")
    before = (im.DATA / "intents.npy").stat().st_mtime_ns
    clf = im.IntentClassifier.load(embed=_fake_embed, path=p, params_path=tmp_path / "none.json")
    assert clf.classify(utterance("본문 별첨 불일치")).intent == "validation"
    assert (im.DATA / "intents.npy").stat().st_mtime_ns == before


def test_shipped_classifier_loads_fast_with_ngrams():
    t0 = time.perf_counter()
    clf = im.IntentClassifier.load()
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0              # measured ~0.1-0.2 s; generous for a loaded CI machine
    r = clf.classify(utterance("감사 지적사항 중에 아직 안 끝난 거 몇 건?"))
    assert r.method == "ngram" and r.intent in ("audit_count", im.ABSTAIN)


# -- eval understand ---------------------------------------------------------------------
def _sample(gold, top, s1, s2):
    scores = {k: 0.0 for k in im.INTENTS}
    other = next(k for k in im.INTENTS if k != top)
    scores[top], scores[other] = s1, s2
    return ue.Sample(gold, scores, None, {})


def test_fit_abstains_exactly_where_it_turns_out_of_scope_errors_into_right_answers():
    samples = [_sample("budget", "budget", 0.6, 0.2) for _ in range(8)] + \
              [_sample("out_of_scope", "budget", 0.2, 0.15) for _ in range(4)] + \
              [_sample("passages", "budget", 0.25, 0.2)]          # wrong either way: abstaining costs nothing
    fit = ue.fit_method(samples, "ngram")
    assert 0.25 < fit["threshold"] <= 0.6 or fit["margin"] > 0.05
    assert fit["accuracy"] == pytest.approx(12 / 13, abs=1e-4)
    p = im.Params(threshold=fit["threshold"], margin=fit["margin"], fitted=True)
    ev = ue.evaluate(samples, "ngram", p)
    assert ev["accuracy"] == pytest.approx(12 / 13, abs=1e-4)
    assert ev["confusion"]["out_of_scope"] == {im.ABSTAIN: 4}


def test_gold_labels_follow_the_category_and_organization_route():
    assert ue.gold_label({"category": "passages", "route": "organization"}, {}) == "organization"
    assert ue.gold_label({"category": "passages", "route": "passages"}, {}) == "passages"
    assert ue.gold_label({"category": "unanswerable"}, {}) is None
    assert ue.gold_label({"category": "dialogue"}, {}) is None
    assert ue._allowed("audit") == ("audit_count", "audit_topic")


def test_folds_are_stratified_and_cover_everything():
    ex = [im.Exemplar(i, f"{i}{n}") for i in ("budget", "passages") for n in range(7)]
    f = ue.folds(ex, 5)
    assert len(f) == len(ex) and set(f) == set(range(5))
    assert Counter(x for x, e in zip(f, ex) if e.intent == "budget") == Counter({0: 2, 1: 2, 2: 1, 3: 1, 4: 1})


def test_slot_eval_precision_and_recall(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "metrics.jsonl").write_text(
        '{"text": "지출률 알려줘", "expect": [{"kind": "metric", "value": {"name": "spent_rate"}}]}\n'
        '{"text": "예산 알려줘", "expect": [{"kind": "metric", "value": {"name": "budget"}}]}\n'
        '{"text": "안녕", "expect": []}\n', encoding="utf-8")
    (d / "answer_type.jsonl").write_text('{"text": "어디야", "expect": {"kind": "place"}}\n', encoding="utf-8")
    from assistant.understand.types import AnswerType

    def extract(utt):
        if "지출률" in utt.text:
            return [Mention("metric", Metric("spent_rate"), (0, 3), "지출률")]
        if "안녕" in utt.text:
            return [Mention("metric", Metric("budget"), (0, 2), "안녕")]      # a false positive
        if "어디" in utt.text:
            return [Mention("answer_type", AnswerType("place"), (0, 2), "어디")]
        return []
    r = ue.slot_eval(extract, d)
    assert r["metrics"]["matched"] == 1 and r["metrics"]["found"] == 2 and r["metrics"]["expected"] == 2
    assert r["metrics"]["precision"] == 0.5 and r["metrics"]["recall"] == 0.5
    assert r["answer_type"]["precision"] == 1.0 and r["answer_type"]["recall"] == 1.0
    assert ue.slot_eval(extract, tmp_path / "empty") == {}


def test_snapshot_and_diff(tmp_path):
    qs = [{"set": "g", "id": "x1", "turn": 0, "question": "지적사항 몇 건", "label": "audit"},
          {"set": "g", "id": "x2", "turn": 0, "question": "예산 얼마", "label": "budget"}]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert ue.snapshot(_toy(), qs, None, a) == 2
    line = json.loads(a.read_text(encoding="utf-8").splitlines()[0])
    assert {"intent", "scores", "mentions", "abstained", "question"} <= set(line)

    def extract(utt):
        return [Mention("metric", Metric("budget"), (0, 2), "예산")] if "예산" in utt.text else []
    ue.snapshot(_toy(params={"ngram": im.Params(threshold=0.99, fitted=True)}), qs[:1] + qs[1:], extract, b)
    changes = ue.diff(a, b)
    assert {c["key"][1] for c in changes} == {"x1", "x2"}
    assert any("mentions" in c["change"] for c in changes if c["key"][1] == "x2")
    assert any("intent audit_count → abstain" in c["change"] for c in changes)
    assert ue.diff(a, a) == []


def test_cli_diff_and_argument_errors(tmp_path):
    from typer.testing import CliRunner

    from cli.main import app
    a = tmp_path / "a.jsonl"
    ue.snapshot(_toy(), [{"set": "g", "id": "x", "turn": 0, "question": "예산 얼마", "label": "budget"}], None, a)
    r = CliRunner().invoke(app, ["eval", "understand", "--diff", str(a), str(a)])
    assert r.exit_code == 0 and "0 question(s) changed" in r.output
    r = CliRunner().invoke(app, ["eval", "understand", "--diff", str(a), str(tmp_path / "missing.jsonl")])
    assert r.exit_code == 2 and "no snapshot file" in r.output and "Traceback" not in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["eval", "understand", "--diff", str(a), str(bad)])
    assert r.exit_code == 2 and "bad.jsonl:1" in r.output
    r = CliRunner().invoke(app, ["eval", "understand", "--k", "1"])
    assert r.exit_code == 2 and "--k" in r.output
    r = CliRunner().invoke(app, ["eval", "understand", "--format", "xml"])
    assert r.exit_code == 2


# -- names masked before comparing -------------------------------------------------------
def _ent(utt, text, kind, name="x", mkind="entity"):
    from assistant.understand.types import Entity
    a = utt.text.index(text)
    return Mention(mkind, Entity(name, kind), (a, a + len(text)), text)


def test_masked_text_replaces_programme_and_department_names_only():
    u = utterance("청년수당 예산이랑 인권담당관 기본경비는?")
    ms = (_ent(u, "청년수당", "program"), _ent(u, "청년수당", "program", "other"),      # an ambiguous alias: one span
          _ent(u, "인권담당관", "department"), _ent(u, "기본경비", "admin"))
    assert im.masked_text(u, ms) == "사업 예산이랑 담당관 기본경비는?"
    v = utterance("청년 월세 지원 사업 예산은?")
    assert im.masked_text(v, (_ent(v, "청년 월세 지원 사업", "program", mkind="unknown_name"),)) == "사업 예산은?"
    w = utterance("혁신파크 조성사업 예산")
    overlapping = (_ent(w, "혁신파크", "program"), _ent(w, "혁신파크 조성사업", "program"))
    assert im.masked_text(w, overlapping) == "사업 예산"
    assert im.masked_text(w, ()) == w.text


def test_classifier_masks_questions_only_when_its_exemplars_are_masked(tmp_path):
    ex = [im.Exemplar(i, t, n) for n, (i, t) in enumerate(TOY, 1)]
    masked = [t.replace("사업", "사업") for _, t in TOY]
    clf = im.IntentClassifier(ex, masked=masked, priors=im.load_priors(), cache=None)
    u = utterance("청년수당 예산 얼마")
    m = (_ent(u, "청년수당", "program"),)
    assert clf.view(u, m).text == "사업 예산 얼마" and clf.view(u, ()).text == u.text
    plain = _toy()
    assert plain.view(u, m) is u
    with pytest.raises(ValueError, match="masked texts"):
        im.IntentClassifier(ex, masked=masked[:3], cache=None)
    stale = tmp_path / "masked.json"
    stale.write_text(json.dumps({"exemplars": "other", "texts": masked}), encoding="utf-8")
    assert im.load_masked(ex, stale) is None
    stale.write_text("{broken", encoding="utf-8")
    assert im.load_masked(ex, stale) is None
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"exemplars": im.exemplar_fingerprint(ex), "texts": masked}), encoding="utf-8")
    assert im.load_masked(ex, good) == tuple(masked)
