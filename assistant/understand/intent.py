"""Intent by nearest exemplars (as semantic-router does), with slot priors and a fitted abstain.

    clf = IntentClassifier.load(embed=query_embedder())     # e5 vectors from the cache; None → n-grams
    r = clf.classify(utterance("지출률 꼴찌 사업은?"), mentions)
    r.intent, r.scores[:2], r.abstained, r.method            # 'budget', (('budget', .91), ('passages', .86)), False, 'e5'

A clear n-gram decision (its gap to the second intent at least the fitted `shortcut`) is taken
without embedding the question ("ngram-first"); the fit chose the gap at which n-grams agree with
e5 on held-out exemplars.

Score of an intent = mean of the top-3 cosine similarities of the question to
that intent's exemplars (data/intents.jsonl). With an embedder the cosine is
e5's, mixed with the character n-gram cosine (ngrams.py) by a fitted weight;
without one it is the n-gram cosine alone. Programme and department names
(entity mentions) are masked to one placeholder word on both sides before
comparing (data/intents_masked.json holds the exemplars' masked texts), so a
name says nothing about what is asked about it. Slot priors (data/slot_priors.json)
add a small bonus per mention kind. The classifier abstains (intent "abstain")
when the top score is below a threshold or the gap to the second is below a
margin; both, and the n-gram weight, are fitted by `report-assistant eval
understand --fit` and stored in data/intent_params.json (see eval/understand_eval.py
for the rule). Exemplars are never gold or held-out questions (tests/test_intent.py).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .ngrams import NgramIndex
from .normalize import utterance
from .types import Mention, Utterance
from .vectors import exemplar_matrix, fingerprint

log = logging.getLogger(__name__)
DATA = Path(__file__).resolve().parent / "data"
DEFAULT = DATA / "intents.jsonl"
PRIORS = DATA / "slot_priors.json"
PARAMS = DATA / "intent_params.json"
MASKED = DATA / "intents_masked.json"     # exemplar texts with their names masked (written by `eval understand --fit`)
INTENTS = ("budget", "audit_count", "audit_topic", "validation", "organization", "passages", "out_of_scope")
ABSTAIN = "abstain"
TOP_K = 3
MAX_EMBED_CHARS = 512          # e5-small reads 512 tokens at most; a longer question is cut before embedding
# the attribute of a mention's value that names its sub-kind in the prior table ('answer_type:place')
SUBKEY = {"answer_type": "kind", "entity": "kind", "aggregate": "op", "quantity": "unit", "derived": "kind",
          "reference": "kind", "scope": "name"}
Embed = Callable[[Sequence[str]], np.ndarray]
# names are masked before comparing (a programme's name says what it is about, not what is asked about it):
# programme and department names, and name-like spans the catalog does not know, become one placeholder word
MASK = {"program": "사업", "department": "담당관"}


def masked_text(utt: Utterance, mentions: Sequence[Mention]) -> str:
    """utt.text with the spans of programme/department names replaced by MASK's placeholder."""
    spans = sorted({m.span for m in mentions if m.kind in ("entity", "unknown_name")
                    and getattr(m.value, "kind", None) in MASK}, key=lambda sp: (sp[0], -sp[1]))
    kinds = {m.span: m.value.kind for m in mentions if m.kind in ("entity", "unknown_name")
             and getattr(m.value, "kind", None) in MASK}
    merged: list[list] = []
    for a, b in spans:
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b, kinds[(a, b)]])
    text = utt.text
    for a, b, kind in reversed(merged):
        if 0 <= a < b <= len(text):
            text = text[:a] + MASK[kind] + text[b:]
    return text


@dataclass(frozen=True)
class Exemplar:
    intent: str
    text: str
    line: int = 0


@dataclass(frozen=True)
class IntentResult:
    intent: str
    scores: tuple[tuple[str, float], ...]
    abstained: bool
    method: str          # "e5" | "ngram"

    def to_dict(self) -> dict:
        return {"intent": self.intent, "scores": [[k, round(v, 4)] for k, v in self.scores],
                "abstained": self.abstained, "method": self.method}


@dataclass(frozen=True)
class Params:
    threshold: float = 0.0       # abstain when the top score is below it
    margin: float = 0.0          # … or when top − second is below it
    ngram_weight: float = 0.0    # e5 only: score = (1 − w)·e5 + w·n-gram
    prior_scale: float | None = None   # multiplier of the slot-prior table (None: the table's own 'scale')
    shortcut: float | None = None      # e5 only: an n-gram decision with a gap ≥ this is taken without embedding
    fitted: bool = False


@dataclass(frozen=True)
class SlotPriors:
    table: dict = field(default_factory=dict)      # key -> {intent: bonus}
    scale: dict = field(default_factory=dict)      # method -> multiplier

    def keys_of(self, mentions: Sequence[Mention]) -> set[str]:
        keys = set()
        for m in mentions:
            keys.add(m.kind)
            attr = SUBKEY.get(m.kind)
            sub = getattr(m.value, attr, None) if attr else None
            if isinstance(sub, str) and sub:
                keys.add(f"{m.kind}:{sub}")
        return keys

    def bonus(self, mentions: Sequence[Mention], scale: float = 1.0) -> dict[str, float]:
        """Per intent: the table's bonuses of the question's mention keys, times `scale`."""
        out: dict[str, float] = {}
        s = float(scale)
        for key in self.keys_of(mentions):
            for intent, b in self.table.get(key, {}).items():
                out[intent] = out.get(intent, 0.0) + s * float(b)
        return out


# -- loading data files ----------------------------------------------------------------
def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: exemplar file missing; restore it from the repository") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 ({e.reason} at byte {e.start}); save it as UTF-8") from None
    rows = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{i}: invalid JSON ({e.msg}); one object per line like "
                             '{"intent": "budget", "text": "..."}') from None
        if not isinstance(d, dict):
            raise ValueError(f"{path}:{i}: expected an object, got {type(d).__name__}")
        rows.append((i, d))
    return rows


def load_exemplars(path: Path = DEFAULT) -> tuple[Exemplar, ...]:
    out = []
    for i, d in _read_jsonl(Path(path)):
        intent, text = d.get("intent"), d.get("text")
        if intent not in INTENTS:
            raise ValueError(f"{path}:{i}: unknown intent {intent!r}; use one of {', '.join(INTENTS)}")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{path}:{i}: 'text' must be a non-empty string, got {text!r}")
        extra = set(d) - {"intent", "text"}
        if extra:
            raise ValueError(f"{path}:{i}: unknown field(s) {sorted(extra)}; only 'intent' and 'text' are read")
        out.append(Exemplar(intent, text.strip(), i))
    missing = [k for k in INTENTS if not any(e.intent == k for e in out)]
    if missing:
        raise ValueError(f"{path}: no exemplar for intent(s) {missing}; add at least {TOP_K} lines each")
    return tuple(out)


def load_priors(path: Path = PRIORS) -> SlotPriors:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: slot-prior file missing; restore it from the repository") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}: invalid JSON ({e.msg}); repair the syntax") from None
    table = raw.get("priors", {}) if isinstance(raw, dict) else None
    if not isinstance(table, dict):
        raise ValueError(f"{path}: 'priors' must be an object of mention kind -> {{intent: bonus}}")
    for key, row in table.items():
        if not isinstance(row, dict):
            raise ValueError(f"{path}: prior {key!r} must map intents to numbers, got {row!r}")
        for intent, b in row.items():
            if intent not in INTENTS:
                raise ValueError(f"{path}: prior {key!r} names unknown intent {intent!r}; use one of {', '.join(INTENTS)}")
            if not isinstance(b, (int, float)) or isinstance(b, bool) or not -1 <= b <= 1:
                raise ValueError(f"{path}: prior {key!r} → {intent!r} must be a number in [-1, 1], got {b!r}")
    scale = raw.get("scale", {})
    if not isinstance(scale, dict) or not all(isinstance(v, (int, float)) for v in scale.values()):
        raise ValueError(f"{path}: 'scale' must map a method (e5, ngram) to a number")
    return SlotPriors(table=table, scale=scale)


def load_params(path: Path = PARAMS) -> dict[str, Params]:
    """Fitted parameters per method; missing file → never abstain (with a warning naming the fix)."""
    path = Path(path)
    if not path.exists():
        log.warning("%s missing: the intent classifier will not abstain; run `report-assistant eval understand --fit`",
                    path)
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        out = {}
        for method, p in raw.get("methods", {}).items():
            out[method] = Params(threshold=float(p["threshold"]), margin=float(p["margin"]),
                                 ngram_weight=float(p.get("ngram_weight", 0.0)),
                                 prior_scale=float(p["prior_scale"]) if p.get("prior_scale") is not None else None,
                                 shortcut=float(p["shortcut"]) if p.get("shortcut") is not None else None,
                                 fitted=True)
        return out
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"{path}: unreadable fitted parameters ({type(e).__name__}: {e}); "
                         "rerun `report-assistant eval understand --fit`") from None


def load_masked(exemplars: Sequence[Exemplar], path: Path = MASKED) -> tuple[str, ...] | None:
    """The exemplars' masked texts when the file was written for these exemplars, else None (texts as written)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        texts = raw["texts"]
        ok = raw.get("exemplars") == exemplar_fingerprint(exemplars) and len(texts) == len(exemplars) \
            and all(isinstance(t, str) and t for t in texts)
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("%s unreadable (%s): exemplars are compared unmasked; rerun `report-assistant eval understand --fit`",
                    path, e)
        return None
    if not ok:
        log.warning("%s was written for other exemplars: compared unmasked; rerun `report-assistant eval understand --fit`",
                    path)
        return None
    return tuple(texts)


def exemplar_fingerprint(exemplars: Sequence[Exemplar]) -> str:
    return fingerprint([f"{e.intent}\t{e.text}" for e in exemplars], "intents")


# -- the classifier --------------------------------------------------------------------
class IntentClassifier:
    def __init__(self, exemplars: Sequence[Exemplar], *, embed: Embed | None = None,
                 matrix: np.ndarray | None = None, priors: SlotPriors | None = None,
                 params: dict[str, Params] | None = None, cache: str | None = "intents",
                 masked: Sequence[str] | None = None):
        if not exemplars:
            raise ValueError("IntentClassifier needs exemplars")
        if masked is not None and len(masked) != len(exemplars):
            raise ValueError(f"{len(masked)} masked texts for {len(exemplars)} exemplars")
        self.exemplars = tuple(exemplars)
        self.mask = masked is not None      # questions are masked too (their entity mentions) when exemplars are
        self.texts = tuple(masked) if masked is not None else tuple(e.text for e in self.exemplars)
        self.embed = embed
        self.matrix = matrix           # (n, d) L2-normalised e5 vectors of the exemplars, or None
        if embed is not None and self.matrix is None:
            texts = list(self.texts)
            if cache:       # data/<cache>.npy + .json, recomputed when the texts or the model changed
                self.matrix = exemplar_matrix(cache, texts, embed)
            else:
                m = np.asarray(embed(texts), dtype=np.float32)
                self.matrix = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
        self.ngram = NgramIndex.fit(list(self.texts))
        self.priors = priors or SlotPriors()
        self.params = params or {}
        self.intents = tuple(k for k in INTENTS if any(e.intent == k for e in self.exemplars))
        labels = np.array([e.intent for e in self.exemplars])
        self._rows = {k: np.flatnonzero(labels == k) for k in self.intents}

    @classmethod
    def load(cls, *, embed: Embed | None = None, path: Path = DEFAULT, priors_path: Path = PRIORS,
             params_path: Path = PARAMS) -> "IntentClassifier":
        exemplars = load_exemplars(path)
        params = load_params(params_path)
        # only the shipped exemplar file has a vector cache (data/intents.npy) and masked texts;
        # another file's vectors stay in memory and its texts are compared as written
        shipped = Path(path).resolve() == DEFAULT
        masked = load_masked(exemplars) if shipped else None
        clf = cls(exemplars, embed=embed, priors=load_priors(priors_path), params=params,
                  cache="intents" if shipped else None, masked=masked)
        if params:
            try:
                fp = json.loads(Path(params_path).read_text(encoding="utf-8")).get("exemplars")
            except (OSError, ValueError):
                fp = None
            if fp and fp != exemplar_fingerprint(exemplars):
                log.warning("%s was fitted on other exemplars than %s: rerun `report-assistant eval understand --fit`",
                            params_path, path)
        return clf

    @property
    def method(self) -> str:
        return "e5" if self.matrix is not None and self.embed is not None else "ngram"

    # similarities -------------------------------------------------------------------
    def _per_intent(self, sims: np.ndarray) -> dict[str, float]:
        out = {}
        for k, rows in self._rows.items():
            s = sims[rows]
            top = np.sort(s)[-TOP_K:] if len(s) > TOP_K else s
            out[k] = float(top.mean()) if len(top) else 0.0
        return out

    def ngram_scores(self, utt: Utterance) -> dict[str, float]:
        return self._per_intent(self.ngram.similarities(utt.squashed or utt.text))

    def e5_scores(self, utt: Utterance, vector: np.ndarray | None = None) -> dict[str, float] | None:
        if self.matrix is None or (vector is None and self.embed is None):
            return None
        if vector is None:
            v = np.asarray(self.embed([utt.text[:MAX_EMBED_CHARS]]), dtype=np.float32).reshape(-1)
        else:
            v = np.asarray(vector, dtype=np.float32).reshape(-1)
        n = float(np.linalg.norm(v))
        if n == 0 or not np.isfinite(n):
            return {k: 0.0 for k in self.intents}
        return self._per_intent(self.matrix @ (v / n))

    def scores(self, utt: Utterance, mentions: Sequence[Mention] = (), *, method: str | None = None,
               vector: np.ndarray | None = None) -> tuple[tuple[str, float], ...]:
        """Intent scores, best first, priors included (no abstain decision)."""
        method = method or self.method
        ng = self.ngram_scores(utt)
        if method == "e5":
            e5 = self.e5_scores(utt, vector)
            if e5 is None:
                raise ValueError("method 'e5' needs an embedder: IntentClassifier.load(embed=query_embedder())")
            w = self.params.get("e5", Params()).ngram_weight
            base = {k: (1 - w) * e5[k] + w * ng[k] for k in self.intents}
        else:
            base = ng
        bonus = self.priors.bonus(mentions, self.prior_scale(method))
        total = {k: base[k] + bonus.get(k, 0.0) for k in self.intents}
        return tuple(sorted(total.items(), key=lambda kv: (-kv[1], INTENTS.index(kv[0]))))

    def prior_scale(self, method: str) -> float:
        p = self.params.get(method)
        if p is not None and p.prior_scale is not None:
            return p.prior_scale
        return float(self.priors.scale.get(method, 1.0))

    def decide(self, scores: tuple[tuple[str, float], ...], method: str) -> IntentResult:
        p = self.params.get(method, Params())
        top, s1 = scores[0]
        s2 = scores[1][1] if len(scores) > 1 else 0.0
        abstain = s1 <= 0.0 or s1 < p.threshold or (s1 - s2) < p.margin
        return IntentResult(ABSTAIN if abstain else top, scores, abstain, method)

    def classify(self, utt: Utterance, mentions: tuple[Mention, ...] = (), *, method: str | None = None,
                 shortcut: bool = True) -> IntentResult:
        """The intent of `utt`. With e5 and a fitted `shortcut`, a clear n-gram decision is taken as it is
        (method "ngram-first"): the fit chose the gap at which n-grams agree with e5's own decision on
        held-out exemplars (eval/understand_eval.py, fit_shortcut), and embedding is most of a table answer's time."""
        method = method or self.method
        if not (utt.squashed or utt.text).strip():
            zero = tuple((k, 0.0) for k in self.intents)
            return IntentResult(ABSTAIN, zero, True, method)
        view = self.view(utt, mentions)
        cut = self.params.get("e5", Params()).shortcut if method == "e5" and shortcut else None
        if cut is not None:
            first = self.decide(self.scores(view, mentions, method="ngram"), "ngram")
            if not first.abstained and first.scores[0][1] - first.scores[1][1] >= cut:
                return replace(first, method="ngram-first")
        return self.decide(self.scores(view, mentions, method=method), method)

    def view(self, utt: Utterance, mentions: Sequence[Mention]) -> Utterance:
        """The utterance as the exemplars are compared: names masked when the exemplars' are."""
        if not self.mask or not mentions:
            return utt
        text = masked_text(utt, mentions)
        return utt if text == utt.text else utterance(text)
