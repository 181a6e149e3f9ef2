"""`report-assistant eval understand`: how well questions are understood, before any tool runs.

What it measures
- intent accuracy and abstain rate, k-fold over the exemplars (data/intents.jsonl: each fold's
  exemplars are classified by the others), on the dev set (data/intent_dev.jsonl, written for
  this, never gold) and on the gold sets where a category maps to an intent:
  budget→budget, validation→validation, audit→audit_count|audit_topic,
  passages→passages (organization when the item's route is organization); unanswerable and
  dialogue items are not counted. A gold question is correct when the predicted intent is one
  the category allows; an abstention counts as a miss.
- the confusion table (gold label × predicted intent),
- slot precision/recall per extractor over assistant/understand/corpus/*.jsonl (skipped when none),
- classify latency p50 with e5 and with n-grams, and the load time of the classifier.

Mentions come from what the assistant reads (extract_all with the report's catalog, plus the
scope and answer-type extractors): they give the slot priors, and their programme/department
names are masked before comparing, in questions and, at --fit, in the exemplars
(data/intents_masked.json, whose texts data/intents.npy embeds).

`--fit` chooses, per method (e5, ngram), the n-gram mixing weight (e5 only), the scale of
the slot priors, the abstain threshold and the margin. The rule: over the k-fold samples and the dev set together,
maximise accuracy where an abstention counts as a miss unless the gold intent is
out_of_scope (abstaining on an out-of-scope question is a right answer); among equal
accuracies prefer fewer confident errors (wrong and not abstained), then the prior scale
nearest the table's own (slot_priors.json "scale"), the smaller n-gram weight, the smaller
threshold, the smaller margin. The slot-prior scale is fitted over (0, .25, .5, .75, 1, 1.5)
when the extractors give mentions; the n-gram weight (e5 only) over (0, .1, .2, .3, .5). The result goes to
assistant/understand/data/intent_params.json with the fingerprint of the exemplars.

The n-gram-first shortcut (e5 only): the smallest n-gram gap at which, over the same samples, the
n-gram decision agrees with e5's own decision in ≥ 99% of ≥ 30 samples (fit_shortcut); a question
whose n-gram decision clears it is not embedded for its intent. The table reports the share decided
so and the accuracy of e5 alone against the cascade.

`--snapshot FILE` writes every gold question's interpretation (intent, scores, mentions) as
JSON lines; `--diff A B` prints the questions whose interpretation (intent, abstention or
mentions) differs between two snapshots — two commits compared.
"""
from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from assistant.understand import intent as im
from assistant.understand.normalize import utterance
from assistant.understand.types import Mention, Utterance

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = Path(__file__).resolve().parent / "gold"
DEV = im.DATA / "intent_dev.jsonl"
CORPUS_DIR = ROOT / "assistant" / "understand" / "corpus"
K = 5
SHORTCUT_AGREE = 0.99       # the n-gram-first shortcut must agree with e5's decision this often …
SHORTCUT_SUPPORT = 30       # … over at least this many fit samples
NGRAM_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5)
PRIOR_SCALES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
CATEGORY_INTENTS = {"budget": ("budget",), "validation": ("validation",), "audit": ("audit_count", "audit_topic"),
                    "passages": ("passages",), "organization": ("organization",)}
Extract = Callable[[Utterance], Sequence[Mention]]


# -- data -------------------------------------------------------------------------------------
def gold_paths(gold_dir: Path = GOLD_DIR) -> list[Path]:
    """The gold and held-out answer sets, then any fresh set (eval/fresh*.jsonl, eval/fresh*/*.jsonl)."""
    paths = sorted(gold_dir.glob("answers*.jsonl"))
    ev = gold_dir.parent
    paths += sorted(ev.glob("fresh*.jsonl")) + sorted(ev.glob("fresh*/*.jsonl"))
    return paths


def read_jsonl(path: Path) -> list[dict]:
    out = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{i}: invalid JSON ({e.msg})") from None
            if not isinstance(d, dict):
                raise ValueError(f"{path}:{i}: expected an object")
            out.append(d)
    return out


def gold_questions(paths: Iterable[Path]) -> list[dict]:
    """Every question of the gold files: {set, id, turn, question, label} (label None = not counted)."""
    out = []
    for path in paths:
        for n, item in enumerate(read_jsonl(path)):
            turns = item.get("turns") or [item]
            for t, turn in enumerate(turns):
                q = turn.get("question")
                if not isinstance(q, str):
                    continue
                out.append({"set": path.stem, "id": str(item.get("id", n)), "turn": t, "question": q,
                            "label": gold_label(item, turn)})
    return out


def gold_label(item: dict, turn: dict) -> str | None:
    cat = item.get("category")
    if cat == "passages" and (turn.get("route") or item.get("route")) == "organization":
        return "organization"
    return cat if cat in CATEGORY_INTENTS else None


def _dev(path: Path) -> list[im.Exemplar]:
    out = []
    for i, d in enumerate(read_jsonl(path), 1):
        if d.get("intent") not in im.INTENTS or not isinstance(d.get("text"), str):
            raise ValueError(f"{path}:{i}: expected {{\"intent\": one of {', '.join(im.INTENTS)}, \"text\": ...}}")
        out.append(im.Exemplar(d["intent"], d["text"], i))
    return out


def service_extractor(corpus_dir: Path | None = None, embed=None) -> Extract | None:
    """The mentions the assistant reads (Assistant._read): extract_all with the report's catalog, plus the
    scope and answer-type extractors; memoised per text. None when the extract package is missing."""
    try:
        from assistant.entities import Catalog
        from assistant.understand.answer_type import answer_types
        from assistant.understand.extract import ExtractContext, extract_all
        from assistant.understand.scope import scope_mentions
        from index.parser import parse_corpus
        from index.tables import budget_frame
    except ImportError as e:
        log.warning("extractors unavailable (%s): intents are scored without slot priors", e)
        return None
    corpus_dir = Path(corpus_dir) if corpus_dir else ROOT / "corpus"
    corpus = parse_corpus(corpus_dir)
    ctx = ExtractContext(Catalog.from_frame(budget_frame(corpus), Catalog.load_aliases(corpus_dir)), embed=embed)
    memo: dict[str, tuple[Mention, ...]] = {}

    def read(utt: Utterance) -> tuple[Mention, ...]:
        if utt.text not in memo:
            found = tuple(extract_all(utt, ctx))
            names = tuple(m.span for m in found if m.kind == "entity" and m.value.kind == "program")
            memo[utt.text] = found + tuple(scope_mentions(utt, names)) + tuple(answer_types(utt))
        return memo[utt.text]
    return read


def default_extractor() -> Extract | None:
    """extract_all from assistant.understand.extract when it is there and runs without a context."""
    try:
        from assistant.understand.extract import extract_all  # type: ignore[attr-defined]
    except ImportError:
        return None
    probe = utterance("청년수당 지출률이 50% 미만인 사업은?")
    try:
        extract_all(probe, None)
    except Exception as e:  # noqa: BLE001 - an extractor that needs a context is not used here
        log.warning("extract_all(utt, None) failed (%s: %s): intents are scored without slot priors", type(e).__name__, e)
        return None
    return lambda utt: tuple(extract_all(utt, None))


# -- scoring samples --------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    gold: str                        # intent label (exemplar/dev) or category label (gold)
    ngram: dict
    e5: dict | None
    bonus: dict                      # {intent: bonus} of the prior table at scale 1


def _sample(clf: im.IntentClassifier, utt: Utterance, gold: str, mentions, vector) -> Sample:
    e5 = clf.e5_scores(utt, vector) if clf.matrix is not None else None
    return Sample(gold, clf.ngram_scores(utt), e5, clf.priors.bonus(mentions, 1.0))


def folds(exemplars: Sequence[im.Exemplar], k: int = K) -> list[int]:
    """Stratified: the i-th exemplar of each intent (file order) goes to fold i mod k."""
    seen: Counter = Counter()
    out = []
    for e in exemplars:
        out.append(seen[e.intent] % k)
        seen[e.intent] += 1
    return out


def kfold_samples(exemplars, matrix, priors, extract: Extract | None, k: int = K,
                  masked: Sequence[str] | None = None) -> list[Sample]:
    """`matrix` holds the vectors of the texts compared (the masked ones when `masked` is given)."""
    fold_of = folds(exemplars, k)
    utts = [utterance(e.text) for e in exemplars]
    mentions = [tuple(extract(u)) if extract else () for u in utts]
    views = [utterance(t) for t in masked] if masked is not None else utts
    out = []
    for f in range(k):
        train = [i for i, x in enumerate(fold_of) if x != f]
        test = [i for i, x in enumerate(fold_of) if x == f]
        clf = im.IntentClassifier([exemplars[i] for i in train], masked=[masked[i] for i in train] if masked else None,
                                  matrix=matrix[train] if matrix is not None else None, priors=priors)
        for i in test:
            out.append(_sample(clf, views[i], exemplars[i].intent, mentions[i],
                               matrix[i] if matrix is not None else None))
    return out


def views_of(clf: im.IntentClassifier, texts: Sequence[str], extract: Extract | None):
    """(mentions, the utterance as compared) per text: names masked as classify masks them."""
    out = []
    for t in texts:
        u = utterance(t)
        ms = tuple(extract(u)) if extract else ()
        out.append((ms, clf.view(u, ms)))
    return out


def samples_for(clf: im.IntentClassifier, views, labels: Sequence[str], vectors: np.ndarray | None) -> list[Sample]:
    return [_sample(clf, v, g, ms, vectors[i] if vectors is not None else None)
            for i, ((ms, v), g) in enumerate(zip(views, labels))]


def ranked(s: Sample, method: str, w: float, scale: float) -> list[tuple[str, float]]:
    if method == "e5":
        base = {k: (1 - w) * s.e5[k] + w * s.ngram[k] for k in s.ngram}
    else:
        base = dict(s.ngram)
    tot = {k: v + scale * s.bonus.get(k, 0.0) for k, v in base.items()}
    return sorted(tot.items(), key=lambda kv: (-kv[1], im.INTENTS.index(kv[0])))


def _allowed(gold: str) -> tuple[str, ...]:
    return CATEGORY_INTENTS.get(gold, (gold,))


def _arrays(samples: Sequence[Sample], method: str, w: float, scale: float):
    s1, s2, ok, oos, pred = [], [], [], [], []
    for s in samples:
        r = ranked(s, method, w, scale)
        s1.append(r[0][1])
        s2.append(r[1][1] if len(r) > 1 else 0.0)
        pred.append(r[0][0])
        ok.append(r[0][0] in _allowed(s.gold))
        oos.append(s.gold == "out_of_scope")
    return np.array(s1), np.array(s2), np.array(ok), np.array(oos), pred


def fit_method(samples: Sequence[Sample], method: str, default_scale: float = 1.0) -> dict:
    weights = NGRAM_WEIGHTS if method == "e5" else (0.0,)
    scales = PRIOR_SCALES if any(s.bonus for s in samples) else (default_scale,)
    best = None
    for w, ps in ((w, ps) for w in weights for ps in scales):
        s1, s2, ok, oos, _ = _arrays(samples, method, w, ps)
        gaps = s1 - s2
        thresholds = np.unique(np.concatenate([[0.0], np.quantile(s1, np.linspace(0, 0.6, 61))]))
        margins = np.unique(np.concatenate([[0.0], np.quantile(gaps, np.linspace(0, 0.6, 61))]))
        for t in thresholds:
            for m in margins:
                abst = (s1 < t) | (gaps < m) | (s1 <= 0)
                correct = np.where(abst, oos, ok)
                acc = float(correct.mean())
                wrong = int((~abst & ~ok).sum())
                key = (-acc, wrong, abs(ps - default_scale), w, float(t), float(m))
                if best is None or key < best[0]:
                    best = (key, {"threshold": round(float(t), 5), "margin": round(float(m), 5), "ngram_weight": w,
                                  "prior_scale": ps,
                                  "accuracy": round(acc, 4), "abstain_rate": round(float(abst.mean()), 4),
                                  "confident_errors": wrong, "samples": len(samples)})
    return best[1]


def _decision(s: Sample, method: str, p: im.Params, default_scale: float = 1.0) -> tuple[str, float]:
    """(intent or abstain, top − second) as IntentClassifier.decide takes it."""
    scale = p.prior_scale if p.prior_scale is not None else default_scale
    r = ranked(s, method, p.ngram_weight, scale)
    s1, s2 = r[0][1], (r[1][1] if len(r) > 1 else 0.0)
    return (im.ABSTAIN if (s1 <= 0 or s1 < p.threshold or (s1 - s2) < p.margin) else r[0][0]), s1 - s2


def _correct(pred: str, gold: str) -> bool:
    return pred == im.ABSTAIN and gold == "out_of_scope" or pred != im.ABSTAIN and pred in _allowed(gold)


def fit_shortcut(samples: Sequence[Sample], ngram: im.Params, e5: im.Params, scales: dict) -> dict | None:
    """The n-gram-first gap: the smallest n-gram gap (top − second) such that, over the samples whose
    n-gram decision is not an abstention and has at least that gap, the n-gram decision equals e5's own
    in at least SHORTCUT_AGREE of them, with at least SHORTCUT_SUPPORT such samples. None when no gap qualifies
    (every question is then embedded)."""
    rows = []
    for s in samples:
        if s.e5 is None:
            return None
        n, gap = _decision(s, "ngram", ngram, scales.get("ngram", 1.0))
        e, _ = _decision(s, "e5", e5, scales.get("e5", 1.0))
        if n != im.ABSTAIN:
            rows.append((gap, n == e))
    if not rows:
        return None
    gaps = np.array([g for g, _ in rows])
    agree = np.array([a for _, a in rows])
    for g in np.unique(gaps):         # each sample's own gap: the stored value selects exactly these samples
        sel = gaps >= g
        if sel.sum() < SHORTCUT_SUPPORT:
            break
        if agree[sel].mean() >= SHORTCUT_AGREE:
            return {"shortcut": float(g), "shortcut_share": round(float(sel.sum()) / len(samples), 4),
                    "shortcut_agreement": round(float(agree[sel].mean()), 4)}
    return None


def cascade(samples: Sequence[Sample], params: dict, scales: dict) -> dict | None:
    """What the n-gram-first shortcut does to these samples: share taken without e5, its agreement
    with e5's decision, and accuracy of e5 alone vs the cascade."""
    e5p, ngp = params.get("e5"), params.get("ngram")
    if e5p is None or ngp is None or e5p.shortcut is None or not samples or any(s.e5 is None for s in samples):
        return None
    taken = agree = acc_e5 = acc_c = 0
    for s in samples:
        e, _ = _decision(s, "e5", e5p, scales.get("e5", 1.0))
        n, gap = _decision(s, "ngram", ngp, scales.get("ngram", 1.0))
        first = n != im.ABSTAIN and gap >= e5p.shortcut
        taken += first
        agree += first and n == e
        acc_e5 += _correct(e, s.gold)
        acc_c += _correct(n if first else e, s.gold)
    k = len(samples)
    return {"n": k, "taken": taken / k, "agreement": agree / taken if taken else 1.0,
            "accuracy_e5": acc_e5 / k, "accuracy_cascade": acc_c / k}


def evaluate(samples: Sequence[Sample], method: str, p: im.Params, default_scale: float = 1.0) -> dict:
    """Accuracy (abstain = miss unless out_of_scope), abstain rate, confusion."""
    scale = p.prior_scale if p.prior_scale is not None else default_scale
    n = correct = abst = 0
    confusion: dict = defaultdict(Counter)
    for s in samples:
        r = ranked(s, method, p.ngram_weight, scale)
        s1, top = r[0][1], r[0][0]
        s2 = r[1][1] if len(r) > 1 else 0.0
        a = s1 <= 0 or s1 < p.threshold or (s1 - s2) < p.margin
        pred = im.ABSTAIN if a else top
        n += 1
        abst += a
        correct += (a and s.gold == "out_of_scope") or (not a and top in _allowed(s.gold))
        confusion[s.gold][pred] += 1
    return {"n": n, "accuracy": correct / n if n else 0.0, "abstain_rate": abst / n if n else 0.0,
            "confusion": {g: dict(c) for g, c in confusion.items()}}


# -- slots ------------------------------------------------------------------------------------
def _value_dict(v):
    if hasattr(v, "__dict__"):
        return {k: _value_dict(x) for k, x in v.__dict__.items()}
    return v


def _match_value(expect, found) -> bool:
    if isinstance(expect, dict):
        return isinstance(found, dict) and all(k in found and _match_value(x, found[k]) for k, x in expect.items())
    if isinstance(expect, (int, float)) and not isinstance(expect, bool) and isinstance(found, (int, float)):
        return abs(float(expect) - float(found)) <= 1e-6 * max(1.0, abs(float(expect)))
    if isinstance(expect, list) and isinstance(found, (list, tuple)):
        return len(expect) == len(found) and all(_match_value(a, b) for a, b in zip(expect, found))
    return expect == found


def _expected(line: dict, stem: str) -> list[dict]:
    e = line.get("expect", [])
    if isinstance(e, dict):          # one expected value of the file's own kind: {"kind": "place"} for answer_type
        return [{"kind": stem, "value": e}]
    return [x for x in e if isinstance(x, dict)] if isinstance(e, list) else []


def _declared_kinds() -> dict:
    """The mention kinds each extractor emits, as the extract package declares them (KINDS)."""
    try:
        from assistant.understand.extract import KINDS
        return dict(KINDS)
    except ImportError:
        return {}


def _split_eval(lines: list[dict]) -> dict:
    """Lines whose parts the splitter gives exactly: as precision and recall over the lines
    (a split where none is due, or none where one is, counts against both)."""
    from assistant.understand.split import split_question
    ok = sum(split_question(ln["text"], ln.get("lang", "ko")) == ln["parts"] for ln in lines)
    n = len(lines)
    return {"lines": n, "expected": n, "found": n, "matched": ok, "precision": ok / n if n else 1.0,
            "recall": ok / n if n else 1.0, "errors": 0, "kinds": ["split"]}


def slot_eval(extract: Extract, corpus_dir: Path = CORPUS_DIR) -> dict:
    """Per corpus file (one extractor): precision = matched / found mentions of the file's kinds,
    recall = matched / expected. A found mention matches an expected one of the same kind whose
    'value' (a subset of the mention's value fields) and 'text' (when given) agree."""
    out = {}
    for path in sorted(Path(corpus_dir).glob("*.jsonl")):
        lines = read_jsonl(path)
        stem = path.stem
        if lines and all("parts" in ln for ln in lines):
            out[stem] = _split_eval(lines)        # the question splitter: parts, not mentions
            continue
        kinds = set(_declared_kinds().get(stem, ())) or \
            {x["kind"] for ln in lines for x in _expected(ln, stem) if "kind" in x} or {stem}
        tp = found_n = exp_n = 0
        errors = 0
        for ln in lines:
            text = ln.get("text")
            if not isinstance(text, str):
                continue
            expected = _expected(ln, stem)
            try:
                found = [m for m in extract(utterance(text)) if m.kind in kinds]
            except Exception:  # noqa: BLE001 - an extractor error is counted, not raised
                errors += 1
                found = []
            used = set()
            for x in expected:
                for j, m in enumerate(found):
                    if j in used or m.kind != x.get("kind"):
                        continue
                    if "value" in x and not _match_value(x["value"], _value_dict(m.value)):
                        continue
                    if "text" in x and x["text"].replace(" ", "") != m.text.replace(" ", ""):
                        continue
                    used.add(j)
                    tp += 1
                    break
            found_n += len(found)
            exp_n += len(expected)
        out[stem] = {"lines": len(lines), "expected": exp_n, "found": found_n, "matched": tp, "errors": errors,
                     "precision": tp / found_n if found_n else (1.0 if not exp_n else 0.0),
                     "recall": tp / exp_n if exp_n else 1.0, "kinds": sorted(kinds)}
    return out


def module_extractor() -> Extract:
    """Every extractor that runs on an Utterance alone: extract_all when it needs no context, else the
    extractor modules of assistant/understand/extract/ (their `extract(utt)`) and the answer-type and
    scope extractors. Entity extraction needs the catalog and is left to extract_all."""
    import importlib
    import pkgutil
    fns: list[Extract] = []
    ea = default_extractor()
    if ea is not None:
        return ea
    try:
        pkg = importlib.import_module("assistant.understand.extract")
        for info in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"assistant.understand.extract.{info.name}")
            if callable(getattr(mod, "extract", None)):
                fns.append(mod.extract)
    except ImportError:
        pass
    for modname, fn in (("assistant.understand.answer_type", "answer_types"), ("assistant.understand.scope", "scope_mentions")):
        try:
            fns.append(getattr(importlib.import_module(modname), fn))
        except (ImportError, AttributeError):
            pass

    def run_all(utt: Utterance) -> tuple[Mention, ...]:
        out = []
        for f in fns:
            try:
                out.extend(f(utt))
            except TypeError:      # an extractor that needs a context
                continue
        return tuple(out)
    return run_all


# -- snapshots --------------------------------------------------------------------------------
def snapshot(clf: im.IntentClassifier, questions: list[dict], extract: Extract | None, path: Path) -> int:
    with open(path, "w", encoding="utf-8") as f:
        for q in questions:
            u = utterance(q["question"])
            mentions = tuple(extract(u)) if extract else ()
            r = clf.classify(u, mentions)
            f.write(json.dumps({"set": q["set"], "id": q["id"], "turn": q["turn"], "question": q["question"],
                                "intent": r.intent, "abstained": r.abstained, "method": r.method,
                                "scores": [[k, round(v, 4)] for k, v in r.scores],
                                "mentions": [m.to_dict() for m in mentions]}, ensure_ascii=False, default=str) + "\n")
    return len(questions)


def _mention_key(m: dict) -> str:
    return json.dumps({"kind": m.get("kind"), "text": m.get("text"), "value": m.get("value")}, sort_keys=True,
                      ensure_ascii=False, default=str)


def diff(a: Path, b: Path) -> list[dict]:
    """Questions whose intent, abstention or mentions differ; plus questions only in one snapshot."""
    def load(p):
        return {(d["set"], d["id"], d["turn"]): d for d in read_jsonl(p)}
    A, B = load(a), load(b)
    out = []
    for key in sorted(set(A) | set(B), key=lambda k: (k[0], k[1], k[2])):
        x, y = A.get(key), B.get(key)
        if x is None or y is None:
            out.append({"key": list(key), "question": (x or y)["question"], "change": "only in " + ("B" if x is None else "A")})
            continue
        changes = []
        if (x["intent"], x["abstained"]) != (y["intent"], y["abstained"]):
            changes.append(f"intent {x['intent']} → {y['intent']}")
        mx = {_mention_key(m) for m in x.get("mentions", [])}
        my = {_mention_key(m) for m in y.get("mentions", [])}
        if mx != my:
            gone = sorted(json.loads(k)["kind"] + ":" + str(json.loads(k)["text"]) for k in mx - my)
            new = sorted(json.loads(k)["kind"] + ":" + str(json.loads(k)["text"]) for k in my - mx)
            changes.append(("mentions " + (f"−{gone} " if gone else "") + (f"+{new}" if new else "")).strip())
        if changes:
            out.append({"key": list(key), "question": y["question"], "change": "; ".join(changes)})
    return out


# -- the run ----------------------------------------------------------------------------------
def _p50(xs: list[float]) -> float:
    return float(np.median(xs)) if xs else 0.0


def run(*, fit: bool = False, use_e5: bool = True, k: int = K, params_path: Path = im.PARAMS,
        exemplars_path: Path = im.DEFAULT, dev_path: Path = DEV, gold: Sequence[Path] | None = None,
        corpus_dir: Path = CORPUS_DIR, embed=None, extract: Extract | None | str = "default",
        snapshot_path: Path | None = None, corpus_path: Path | None = None) -> dict:
    from assistant.understand.vectors import exemplar_matrix, query_embedder
    embed = embed if embed is not None else (query_embedder() if use_e5 else None)
    if extract == "default":       # what the assistant reads, else every extractor that needs no context
        extract = service_extractor(corpus_path, embed) or module_extractor()
    exemplars = im.load_exemplars(exemplars_path)
    priors = im.load_priors()
    dev = _dev(dev_path) if Path(dev_path).exists() else []
    shipped = Path(exemplars_path).resolve() == im.DEFAULT
    if fit and extract is not None and shipped:
        masked = tuple(im.masked_text(utterance(e.text), extract(utterance(e.text))) for e in exemplars)
        im.MASKED.write_text(json.dumps({"_doc": "exemplar texts with programme/department names masked "
                                                 "(assistant.understand.intent.masked_text); written by "
                                                 "`report-assistant eval understand --fit`",
                                         "exemplars": im.exemplar_fingerprint(exemplars), "texts": list(masked)},
                                        ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    masked = im.load_masked(exemplars) if shipped else None
    texts = list(masked) if masked is not None else [e.text for e in exemplars]
    matrix = exemplar_matrix("intents", texts, embed) if embed is not None else None
    methods = ["ngram"] + (["e5"] if matrix is not None else [])

    full = im.IntentClassifier(exemplars, embed=embed, matrix=matrix, priors=priors, masked=masked)
    kf = kfold_samples(exemplars, matrix, priors, extract, k, masked)
    dev_views = views_of(full, [d.text for d in dev], extract)
    dev_vectors = exemplar_matrix("intent_dev", [v.text for _, v in dev_views], embed) if (embed is not None and dev) else None
    dv = samples_for(full, dev_views, [d.intent for d in dev], dev_vectors)
    result: dict = {"exemplars": len(exemplars), "dev": len(dev), "k": k, "methods": methods,
                    "extractor": extract is not None, "masked": masked is not None,
                    "extractor_name": getattr(extract, "__qualname__", "") if extract else ""}

    if fit:
        fitted = {m: fit_method(kf + dv, m, float(priors.scale.get(m, 1.0))) for m in methods}
        if "e5" in fitted:
            fp = {m: im.Params(threshold=v["threshold"], margin=v["margin"], ngram_weight=v["ngram_weight"],
                               prior_scale=v["prior_scale"]) for m, v in fitted.items()}
            cut = fit_shortcut(kf + dv, fp["ngram"], fp["e5"], {m: float(priors.scale.get(m, 1.0)) for m in methods})
            fitted["e5"].update(cut or {"shortcut": None})
        old = {}
        if Path(params_path).exists():
            try:
                old = json.loads(Path(params_path).read_text(encoding="utf-8")).get("methods", {})
            except ValueError:
                old = {}
        for m, p in old.items():        # a method not measured this time keeps its fitted values
            fitted.setdefault(m, p)
        doc = {"_doc": "Fitted by `report-assistant eval understand --fit` (eval/understand_eval.py): "
                       "maximise accuracy over k-fold exemplars + dev set, abstain = miss unless out_of_scope; "
                       "ties: fewer confident errors, prior scale nearest slot_priors.json's, smaller n-gram weight, "
                       "smaller threshold, smaller margin.",
               "exemplars": im.exemplar_fingerprint(exemplars), "k": k, "dev": len(dev),
               "slot_priors": extract is not None, "methods": fitted}
        Path(params_path).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        result["fitted"] = fitted
    params = im.load_params(params_path)
    full = im.IntentClassifier(exemplars, embed=embed, matrix=matrix, priors=priors, params=params, masked=masked)

    result["kfold"] = {m: evaluate(kf, m, params.get(m, im.Params()), float(priors.scale.get(m, 1.0))) for m in methods}
    result["dev_set"] = {m: evaluate(dv, m, params.get(m, im.Params()), float(priors.scale.get(m, 1.0))) for m in methods} if dv else {}
    result["params"] = {m: params[m].__dict__ for m in params}
    scales = {m: float(priors.scale.get(m, 1.0)) for m in methods}

    questions = gold_questions(gold if gold is not None else gold_paths())
    counted = [q for q in questions if q["label"]]
    gviews = views_of(full, [q["question"] for q in counted], extract)
    gvec = None
    if embed is not None and counted:
        gvec = np.asarray(embed([v.text[:im.MAX_EMBED_CHARS] for _, v in gviews]), dtype=np.float32)
    gs = samples_for(full, gviews, [q["label"] for q in counted], gvec)
    result["gold"] = {}
    for m in methods:
        per_set = {}
        for name in sorted({q["set"] for q in counted}):
            sub = [s for s, q in zip(gs, counted) if q["set"] == name]
            per_set[name] = evaluate(sub, m, params.get(m, im.Params()), float(priors.scale.get(m, 1.0)))
        per_set["all"] = evaluate(gs, m, params.get(m, im.Params()), float(priors.scale.get(m, 1.0)))
        result["gold"][m] = per_set
    result["cascade"] = {name: c for name, c in (("k-fold + dev", cascade(kf + dv, params, scales)),
                                                 ("gold", cascade(gs, params, scales))) if c}

    # latency: classify one question end to end (embedding included), and load time
    lat: dict = {}
    sample_qs = [(q["question"], ms) for q, (ms, _) in zip(counted[:60], gviews)] or \
        [(e.text, ()) for e in exemplars[:60]]
    for m in methods:
        times = []
        for q, ms in sample_qs:
            u = utterance(q)
            t0 = time.perf_counter()
            full.classify(u, ms, method=m)        # mentions given: extraction is not timed here
            times.append((time.perf_counter() - t0) * 1000)
        lat[m] = _p50(times)
    t0 = time.perf_counter()
    im.IntentClassifier.load(embed=embed, path=exemplars_path, params_path=params_path)
    lat["load_s"] = time.perf_counter() - t0
    result["latency_ms"] = lat

    result["slots"] = slot_eval(extract or module_extractor(), corpus_dir) if Path(corpus_dir).exists() else {}
    if snapshot_path:
        result["snapshot"] = {"path": str(snapshot_path),
                              "questions": snapshot(full, questions, extract, Path(snapshot_path))}
    return result


def _confusion_table(conf: dict) -> list[str]:
    cols = list(im.INTENTS) + [im.ABSTAIN]
    short = {"audit_count": "a_count", "audit_topic": "a_topic", "organization": "org", "out_of_scope": "oos",
             "validation": "valid", "passages": "pass"}
    lines = ["| gold \\ predicted | " + " | ".join(short.get(c, c) for c in cols) + " |",
             "|---|" + "---:|" * len(cols)]
    for g in list(CATEGORY_INTENTS) + [i for i in im.INTENTS if i not in CATEGORY_INTENTS]:
        if g in conf:
            lines.append(f"| {g} | " + " | ".join(str(conf[g].get(c, 0) or "") for c in cols) + " |")
    return lines


def format_table(r: dict) -> str:
    out = [f"Exemplars {r['exemplars']}, dev {r['dev']}, k={r['k']}; slot priors from extractors: "
           f"{'yes' if r['extractor'] else 'no'}", "",
           "| set | method | n | accuracy | abstain |", "|---|---|---:|---:|---:|"]
    for m in r["methods"]:
        out.append(f"| k-fold exemplars | {m} | {r['kfold'][m]['n']} | {r['kfold'][m]['accuracy']:.1%} | "
                   f"{r['kfold'][m]['abstain_rate']:.1%} |")
        if r["dev_set"]:
            d = r["dev_set"][m]
            out.append(f"| dev | {m} | {d['n']} | {d['accuracy']:.1%} | {d['abstain_rate']:.1%} |")
        for name, g in r["gold"].get(m, {}).items():
            out.append(f"| gold {name} | {m} | {g['n']} | {g['accuracy']:.1%} | {g['abstain_rate']:.1%} |")
    for m in r["methods"]:
        p = r["params"].get(m)
        if p:
            out.append(f"\n{m}: threshold {p['threshold']:.4f}, margin {p['margin']:.4f}, n-gram weight {p['ngram_weight']}, "
                       f"prior scale {p['prior_scale']}")
        else:
            out.append(f"\n{m}: not fitted (run with --fit): no abstention")
    for name, c in r.get("cascade", {}).items():
        out.append(f"n-gram-first ({name}, gap ≥ {r['params']['e5']['shortcut']:.4f}): {c['taken']:.1%} of {c['n']} "
                   f"decided without e5, agreeing with e5 in {c['agreement']:.1%}; accuracy e5 {c['accuracy_e5']:.1%}, "
                   f"cascade {c['accuracy_cascade']:.1%}")
    best = r["methods"][-1]
    if r["gold"].get(best):
        out += ["", f"Confusion, all gold sets ({best}):"] + _confusion_table(r["gold"][best]["all"]["confusion"])
    lat = r["latency_ms"]
    out.append("\nclassify p50: " + ", ".join(f"{m} {lat[m]:.1f} ms" for m in r["methods"]) +
               f"; load {lat['load_s'] * 1000:.0f} ms (exemplar vectors from the cache)")
    if r["slots"]:
        out += ["", "| extractor corpus | lines | expected | found | precision | recall |", "|---|---:|---:|---:|---:|---:|"]
        for name, s in r["slots"].items():
            out.append(f"| {name} | {s['lines']} | {s['expected']} | {s['found']} | {s['precision']:.1%} | "
                       f"{s['recall']:.1%} |" + (f" ({s['errors']} errors)" if s["errors"] else ""))
    else:
        out.append("\nslots: no extractor corpora (assistant/understand/corpus/*.jsonl)")
    if "snapshot" in r:
        out.append(f"\nsnapshot: {r['snapshot']['questions']} questions → {r['snapshot']['path']}")
    return "\n".join(out)
