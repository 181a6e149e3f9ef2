"""Metric words: seeds first, then one-letter typos, then similarity to metric
exemplars with an injected embedder.

    '집행률' -> Metric('spent_rate')  source 'seed:집행률'
    '지츨률' -> Metric('spent_rate')  source 'typo:지출률'
    '돈이 얼마나 내려왔나' -> Metric('budget') source 'similar:0.91'  (only with an embedder)

Spans inside `taken` (entity names: '시민참여예산' is a programme, not the
metric '예산') are skipped. An amount word followed by 률/율/비율/rate/ratio
is read as its rate ('원인행위 기준 집행률' is one committed_rate)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from ..types import Mention, Metric, Utterance
from .common import compile_words, covered, load_json, longest_first, mention, strip_particle

KIND = "metric"
FILE = "metric_words.json"
_WORD = re.compile(r"[가-힣]+|[a-z]+")
_FINAL_PARTICLES = set("이가은는을를의에도만로와과랑들별당중된한할될됐인")   # endings no typo is blamed on


@lru_cache(maxsize=1)
def _vocab():
    data = load_json(FILE)
    rules: list[tuple[str, re.Pattern, str | None]] = []
    for metric, words in data["seeds"].items():      # one alternation per metric, longest phrase first
        rules.append((metric, compile_words(words), None))
    for metric, pats in data.get("patterns", {}).items():
        for p in pats:
            try:
                rules.append((metric, re.compile(p["re"]), p["label"]))
            except (re.error, KeyError, TypeError) as e:
                raise RuntimeError(f"{FILE}: pattern {p!r} of '{metric}' is not a {{label, re}} with a valid regular "
                                   f"expression ({e})") from None
    # one-letter typos: seeds of three Hangul letters or more, keyed by their one-deletion forms
    typo_index: dict[str, set[str]] = {}
    typo_metric: dict[str, str] = {}
    for metric, words in data["seeds"].items():
        for w in words:
            k = w
            if len(k) >= 3 and re.fullmatch(r"[가-힣]+", k):      # one-word seeds: a word is compared with a word
                typo_metric.setdefault(k, metric)
                for d in _deletions(k) | {k}:
                    typo_index.setdefault(d, set()).add(k)
    suffix = re.compile(data["rate_suffix"])
    return rules, typo_index, typo_metric, data["rate_of"], suffix


@lru_cache(maxsize=1)
def _seed_words() -> tuple[tuple[str, str], ...]:
    """(metric, word) for every Hangul word of every seed ('연말 집행예상액' -> '연말', '집행예상액')."""
    data = load_json(FILE)
    return tuple((metric, part) for metric, words in data["seeds"].items() for w in words for part in w.split()
                 if re.fullmatch(r"[가-힣]+", part))


def _deletions(w: str) -> set[str]:
    return {w[:i] + w[i + 1:] for i in range(len(w))}


def _jamo(c: str) -> tuple[int, int, int] | None:
    code = ord(c) - 0xAC00
    return (code // 588, code % 588 // 28, code % 28) if 0 <= code < 11172 else None


def near_letters(x: str, y: str) -> bool:
    """Two Hangul syllables a typo confuses share two of initial, vowel, final
    ('츨'/'출', '헌'/'현', '율'/'률'); '급'/'출' share none."""
    jx, jy = _jamo(x), _jamo(y)
    if jx is None or jy is None:
        return True
    return sum(p == q for p, q in zip(jx, jy)) >= 2


def edit1(a: str, b: str) -> bool:
    """Levenshtein distance of a and b is exactly 1 (a substituted syllable must be a near one)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [(x, y) for x, y in zip(a, b) if x != y]
        return len(diff) == 1 and near_letters(*diff[0])
    if len(a) > len(b):
        a, b = b, a
    for i in range(len(b)):
        if b[:i] + b[i + 1:] == a:
            return True
    return False


def seeds(utt: Utterance, taken: Sequence[tuple[int, int]] = ()) -> list[Mention]:
    rules, _, _, rate_of, suffix = _vocab()
    text = utt.text
    found = []
    for metric, rx, word in rules:
        for m in rx.finditer(text):
            if m.end() > m.start() and not covered(m.span(), taken):
                found.append(mention(utt, KIND, Metric(metric), m.span(), f"seed:{word or m.group(0)}"))
    found = longest_first(found)
    out = []
    for m in found:                      # an amount followed by '률/비율/rate' is its rate
        if _modifies_other_thing(text, m.span):
            continue
        rate = rate_of.get(m.value.name)
        if rate:
            s = suffix.match(text, m.span[1])
            if s and s.end() > m.span[1]:
                m = mention(utt, KIND, Metric(rate), (m.span[0], s.end()), m.source + "+rate")
        out.append(m)
    return longest_first(out)


# what a spending verb's clause may describe: money, or the rows that hold it ('다 쓴 사업', '안 나간 돈')
_MONEY_OR_ROW = re.compile(r"(?:돈|금액|예산|액|비용|사업|세부사업|곳|데|부서|담당관|과|항목|거|것|게|건|프로그램|분|부분|규모|비율|률|율)")


_SPENDING_CLAUSE = re.compile(r"(?:나간|쓴|집행된|지출된|집행한|지출한|사용한)$")     # a spending verb's adnominal form


def _modifies_other_thing(text: str, span: tuple[int, int]) -> bool:
    """A spending word in a relative clause ('아직 안 나간 ___') that describes a noun neither money nor a
    row of the tables ('…안 나간 특수임무유공자회', '안 나간 입주단체': tenants that did not move out)."""
    words = text[span[0]:span[1]].split()
    if not words or not _SPENDING_CLAUSE.search(words[-1]):
        return False                     # '나간 돈', '남은 예산', '연말까지는': no clause left open
    nxt = re.match(r"\s+([가-힣]+)", text[span[1]:])
    return bool(nxt) and not _MONEY_OR_ROW.match(nxt.group(1))


def typos(utt: Utterance, taken: Sequence[tuple[int, int]] = ()) -> list[Mention]:
    """Words (≥ 3 letters) one edit away from a seed word, the first letter right
    and no particle blamed for the difference ('사업이' is not '사업비')."""
    _, index, metric_of, rate_of, suffix = _vocab()
    longest = max(map(len, metric_of), default=0)
    out = []
    for w in _WORD.finditer(utt.text):
        word = w.group(0)
        if len(word) < 3 or not re.match(r"[가-힣]", word) or covered(w.span(), taken):
            continue
        best = None
        for n in range(min(len(word), longest + 1), 2, -1):
            p = word[:n]
            if p in metric_of:
                break                    # the word is a seed word (with a particle)
            tails = {m for m, s in _seed_words() if len(s) > len(p) and s.endswith(p)}
            if tails:
                # the word is the end of a longer seed word ('예상액' of '집행예상액'): that seed cut short,
                # no typo of another — its metric when only one metric's seed words end so
                if len(tails) == 1:
                    out.append(mention(utt, KIND, Metric(tails.pop()), (w.start(), w.start() + n), f"tail:{p}", 0.85))
                break
            for key in {p} | _deletions(p):
                for seed in index.get(key, ()):
                    if seed == p or seed[0] != p[0] or seed.startswith(p) or not edit1(seed, p):
                        continue
                    if p[-1] in _FINAL_PARTICLES and (p[:-1] == seed or p[:-1] == seed[:-1]):
                        continue         # the seed with a particle, or its last letter read as one
                    if best is None or len(seed) > len(best[0]):
                        best = (seed, n)
            if best:
                break
        if best:
            seed, n = best
            out.append(mention(utt, KIND, Metric(metric_of[seed]), (w.start(), w.start() + n), f"typo:{seed}", 0.9))
    return out


class Similar:
    """Content words compared with metric exemplars in one embedding call."""

    def __init__(self, embed: Callable, *, threshold: float | None = None, margin: float | None = None, data_dir=None):
        from ..vectors import DATA, exemplar_matrix
        data = load_json(FILE)
        self.embed = embed
        self.labels = [m for m, xs in data["exemplars"].items() for _ in xs]
        texts = [x for xs in data["exemplars"].values() for x in xs]
        neg = list(data["non_metric"])
        self.matrix = exemplar_matrix("metric_exemplars", texts + neg, embed, data_dir=data_dir or DATA)
        self.n_pos = len(texts)
        self.threshold = data["similar_threshold"] if threshold is None else threshold
        self.margin = data.get("similar_margin", 0.0) if margin is None else margin
        self.stop = set(data["stopwords"])

    def candidates(self, utt: Utterance, taken: Sequence[tuple[int, int]]) -> list[tuple[str, tuple[int, int]]]:
        words = []
        for w in re.finditer(r"[가-힣a-z]+", utt.text):
            core = strip_particle(w.group(0))
            if len(core) < 2 or core in self.stop or w.group(0) in self.stop or covered(w.span(), taken):
                words.append(None)
                continue
            words.append((core, (w.start(), w.start() + len(core))))
        out = [x for x in words if x]
        for a, b in zip(words, words[1:]):          # two-word phrases: '배정된 돈'
            if a and b:
                out.append((utt.text[a[1][0]:b[1][1]], (a[1][0], b[1][1])))
        return out[:12]

    def scores(self, utt: Utterance, taken: Sequence[tuple[int, int]] = ()) -> list[tuple[str, float, tuple[int, int], str, float]]:
        """(metric, similarity, span, phrase, margin to the best other metric) per candidate, best first."""
        cands = self.candidates(utt, taken)
        if not cands or self.matrix is None:
            return []
        vecs = np.asarray(self.embed(["query: " + c for c, _ in cands]), dtype=np.float32)
        vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
        sims = vecs @ self.matrix.T.astype(np.float32)
        out = []
        for (phrase, span), row in zip(cands, sims):
            pos, neg = row[: self.n_pos], row[self.n_pos:]
            i = int(np.argmax(pos))
            if len(neg) and float(neg.max()) >= float(pos[i]):
                continue
            others = [float(v) for v, lab in zip(pos, self.labels) if lab != self.labels[i]]
            out.append((self.labels[i], float(pos[i]), span, phrase, float(pos[i]) - max(others, default=0.0)))
        return sorted(out, key=lambda x: -x[1])

    def __call__(self, utt: Utterance, taken: Sequence[tuple[int, int]] = ()) -> list[Mention]:
        best = [s for s in self.scores(utt, taken) if s[1] >= self.threshold and s[4] >= self.margin][:1]
        return [mention(utt, KIND, Metric(label), span, f"similar:{sim:.2f}", sim) for label, sim, span, _, _ in best]


# A remainder that is expected, not counted: '남을 것 같은', '미집행 예상', '연말까지 안 쓰고 남길',
# '(예산현액 대비) 연말 집행예상액이 … 모자라는' — budget minus the year-end forecast.
_REMAIN = re.compile(r"남(?:을|길|겠|기|는|아)|미집행|미지출|안\s?쓰고|못\s?쓰고|모자라|모자랄|부족할|불용"
                     r"|(?<![a-z])(?:left over|leftover|remain(?:ing)?|unspent|unused)(?![a-z])")
_EXPECTED_AFTER = re.compile(r"^\S{0,3}\s?(?:것|거|걸)\s?(?:같|(?:으로|로)\s?(?:예상|보이|보여|보인|전망))|^\S{0,3}(?:\s\S{1,4}){0,2}\s?예상|^\S{0,2}\s?전망|^\S{0,4}겠"
                             r"|^\s?(?:by|at)\s(?:the\s)?year[- ]?end|^\s?(?:is|are)\s(?:expected|projected|forecast)")
_EXPECTED_BEFORE = re.compile(r"(?:연말|예상|expected|projected|forecast|year[- ]?end)\S{0,6}\s?(?:\S+\s?){0,2}$")
_BASIS = ("forecast", "budget")          # measures an expected remainder is computed from


def _expected_remainders(utt: Utterance, found: list[Mention]) -> list[Mention]:
    text = utt.text
    out = []
    for r in _REMAIN.finditer(text):
        after, before = text[r.end():r.end() + 14], text[max(0, r.start() - 16):r.start()]
        verb = r.group(0) not in ("미집행", "미지출", "불용", "unspent", "unused")      # '남을', '모자라는'
        forecast_before = verb and any(m.value.name == "forecast" and 0 <= r.start() - m.span[1] <= 12 for m in found)
        year_end_before = verb and re.search(r"연말|year[- ]?end", before) is not None      # '연말에 얼마 남아?'
        if _EXPECTED_AFTER.search(after) or forecast_before or year_end_before or (
                _EXPECTED_BEFORE.search(before) and r.group(0) in ("미집행", "미지출", "불용", "unspent", "unused")):
            out.append(mention(utt, KIND, Metric("expected_lapse"), r.span(), "compose:expected_remainder", 0.9))
    return out


def extract(utt: Utterance, taken: Sequence[tuple[int, int]] = (), similar: Similar | None = None) -> list[Mention]:
    found = seeds(utt, taken)
    for t in typos(utt, taken):        # a typo reading wins only where it is longer ('예산헌액' over '예산')
        if all(t.span[1] - t.span[0] > m.span[1] - m.span[0] for m in found if m.span[0] < t.span[1] and t.span[0] < m.span[1]):
            found.append(t)
    lapse = [m for m in _expected_remainders(utt, found) if not covered(m.span, taken)]
    if lapse and not any(m.value.name == "expected_lapse" for m in found):
        # the remainder replaces an 'unspent' reading of the same words, and the measures it is
        # computed from ('연말 집행예상액 기준으로 … 남을 것 같은') are its basis, not other asks
        ls = lapse[0].span
        found = [m for m in found if not (m.span[0] < ls[1] and ls[0] < m.span[1]) and m.value.name not in _BASIS
                 and m.value.name != "unspent"
                 and not (m.value.name == "spent_rate" and 0 <= ls[0] - m.span[1] <= 3)] + lapse[:1]   # '못 쓰고 남을'

    if not found and similar is not None:
        found = similar(utt, taken)
    return longest_first(found)
