"""Does a reworded answer claim only what the deterministic answer and its result rows say?

    problems = check_rewording(answer_text, data, reworded)     # [] when the rewording may be shown

Checked, sentence by sentence (the names and figures come from the result, never from constants):
- every figure is one of the result's (answer text, `value`, row cells);
- every figure said of a name is one of that name's: its row's cells, or what the deterministic
  answer says of it (a figure belongs to the nearest name before it in its sentence; with
  각각/respectively, the k-th figure to the k-th name);
- every comparison (A가 B보다 더 높다, A is lower than B) and superlative (가장 높은, the highest)
  agrees with the rows on the metric the sentence names (else the query's first metric);
- every sentence carries a name or a figure of the result, or repeats the deterministic answer's
  words, or is a known framing sentence ("다음과 같습니다").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = re.compile(r"(?<![A-Za-z0-9.])\d[\d,]*(?:\.\d+)?")
_SENTENCE = re.compile(r"(?<=[.!?。])\s+|\n+|(?<=다\.)|(?<=요\.)")
RESPECTIVELY = re.compile(r"각각|respectively", re.I)
THAN = re.compile(r"보다|\bthan\b", re.I)
MORE = re.compile(r"더\s*(?:높|많|크|길)|(?:높|많|크)(?:습니다|아요|다|고|은|게)|\b(?:higher|more|larger|greater|bigger)\b", re.I)
LESS = re.compile(r"더\s*(?:낮|적|작|짧)|(?:낮|적|작)(?:습니다|아요|다|고|은|게)|\b(?:lower|less|smaller|fewer)\b", re.I)
MOST = re.compile(r"가장\s*(?:높|많|크)|최고|최대|\b(?:highest|largest|most|biggest)\b", re.I)
LEAST = re.compile(r"가장\s*(?:낮|적|작)|최저|최소|\b(?:lowest|smallest|least|fewest)\b", re.I)
COMPARATIVE = re.compile(r"보다|\bthan\b|더\s|더(?=높|낮|많|적|크|작)", re.I)
# metric words → result columns (rates before amounts: '지출률' is not '지출')
METRIC_WORDS = [
    (r"원인행위\s*율|committed[ _]rate", "committed_rate"),
    (r"집행\s*예상\s*률|forecast[ _]rate", "forecast_rate"),
    (r"지출\s*률|집행\s*률|spent[ _]rate|execution rate|spending rate", "spent_rate"),
    (r"집행\s*예상|forecast", "forecast"),
    (r"원인행위|committed", "committed"),
    (r"불용|lapse", "expected_lapse"),
    (r"미집행|unspent", "unspent"),
    (r"지출|spent|spending", "spent"),
    (r"예산|budget", "budget"),
]
FRAMING = re.compile(
    r"^(?:요약하면|정리하면|보고서에 따르면|참고로|결론적으로)?\s*,?\s*(?:다음과 같습니다|아래와 같습니다|이상입니다"
    r"|.{0,16}(?:참고하세요|참고해 주세요|확인하세요|확인해 주세요)|.{0,16}단위입니다|.{0,12}기준입니다)$"
    r"|^(?:in summary|here is the answer|see the citations(?: below)?|figures are in .{0,20})$", re.I)
COVERAGE = 0.6            # share of a name- and figure-free sentence's character pairs the answer must contain


def numbers_in(text: str) -> list[str]:
    return [n.replace(",", "").rstrip(".") for n in _NUM.findall(text)]


def _norm_number(v) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:g}"
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pairs(text: str) -> set[str]:
    t = re.sub(r"[^\w]", "", text.lower())
    return {t[i:i + 2] for i in range(len(t) - 1)}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


@dataclass
class Result:
    """What the deterministic answer knows: names → their rows' cells, the allowed figures."""
    columns: list[str]
    rows: dict[str, dict]            # name → {column: value}
    figures: set[str]
    said: dict[str, set[str]]        # name → figures the deterministic answer attributes to it
    answer: str
    metric: str | None

    @classmethod
    def of(cls, answer: str, data: dict) -> "Result":
        columns = [str(c) for c in (data.get("columns") or [])]
        rows: dict[str, dict] = {}
        figures = set(numbers_in(answer)) | set(numbers_in(str(data.get("value", ""))))
        for rec in data.get("rows") or []:
            if not isinstance(rec, (list, tuple)) or len(rec) != len(columns):
                continue
            row = dict(zip(columns, rec))
            for v in rec:
                n = _norm_number(v)
                if n is not None:
                    figures.add(n)
            for c in ("program", "name", "id"):
                name = row.get(c)
                if not isinstance(name, str) or len(name) < 2:
                    continue
                if c == "program" or name not in rows:     # a name's own row beats a row it only owns
                    rows[name] = row
        metrics = (data.get("query") or {}).get("metrics") or []
        metric = metrics[0] if metrics and metrics[0] in columns else None
        r = cls(columns, rows, figures, {}, answer, metric)
        for sent in sentences(answer):
            for name, num in r.attribute(sent):
                if name is not None:
                    r.said.setdefault(name, set()).add(num)
        return r

    # -- reading a sentence ------------------------------------------------------------
    def names_in(self, sent: str) -> list[tuple[int, int, str]]:
        """(start, end, name) of the result's names in the sentence, longest first, no overlaps."""
        found: list[tuple[int, int, str]] = []
        for name in sorted(self.rows, key=len, reverse=True):
            pattern = r"\s*".join(re.escape(ch) for ch in _squash(name))
            for m in re.finditer(pattern, sent):
                if not any(a < m.end() and m.start() < b for a, b, _ in found):
                    found.append((m.start(), m.end(), name))
        return sorted(found)

    def _masked(self, sent: str, names) -> str:
        out = list(sent)
        for a, b, _ in names:
            out[a:b] = " " * (b - a)
        return "".join(out)

    def attribute(self, sent: str) -> list[tuple[str | None, str]]:
        """(name or None, figure) for each figure of the sentence."""
        names = self.names_in(sent)
        masked = self._masked(sent, names)
        nums = [(m.start(), m.group().replace(",", "").rstrip(".")) for m in _NUM.finditer(masked)]
        if not names:
            return [(None, n) for _, n in nums]
        if RESPECTIVELY.search(sent) and len(nums) % len(names) == 0:
            per = len(nums) // len(names)
            return [(names[i // per][2], n) for i, (_, n) in enumerate(nums)]
        out = []
        for pos, n in nums:
            before = [x for x in names if x[1] <= pos]
            out.append(((before[-1] if before else names[0])[2], n))
        return out

    def metric_of(self, sent: str) -> str | None:
        for pattern, col in METRIC_WORDS:
            if re.search(pattern, sent, re.I) and col in self.columns:
                return col
        return self.metric

    def value(self, name: str, metric: str):
        v = self.rows.get(name, {}).get(metric)
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _name_figures(r: Result, name: str) -> set[str]:
    row = r.rows.get(name, {})
    own = {n for n in (_norm_number(v) for v in row.values()) if n is not None}
    return own | r.said.get(name, set())


def _comparison_problem(r: Result, sent: str) -> str | None:
    more, less = MORE.search(sent) is not None, LESS.search(sent) is not None
    most, least = MOST.search(sent) is not None, LEAST.search(sent) is not None
    names = r.names_in(sent)
    if not names or not (more or less or most or least):
        return None
    metric = r.metric_of(sent)
    if most or least:
        if metric is None:
            return f"superlative without a metric the result has: {sent[:80]!r}"
        values = [r.value(n, metric) for n in r.rows]
        values = [v for v in values if v is not None]
        subject = names[0][2]
        v = r.value(subject, metric)
        if v is None or not values:
            return f"superlative about {subject!r} that the rows cannot support"
        if (most and v != max(values)) or (least and v != min(values)):
            return f"{subject!r} is not the {'highest' if most else 'lowest'} on {metric}"
        return None
    if not COMPARATIVE.search(sent) or more == less:
        return None
    than = THAN.search(sent)
    if than and len(names) >= 2:
        if than.group().lower() == "than":
            obj = next((x for x in names if x[0] > than.start()), names[-1])
        else:
            obj = next((x for x in reversed(names) if x[1] <= than.start()), names[-1])
        subj = next(x for x in names if x is not obj)
    elif len(names) == 1 and len(r.rows) == 2:
        subj = names[0]
        obj = (0, 0, next(n for n in r.rows if n != subj[2]))
    else:
        return f"comparison the result cannot check: {sent[:80]!r}"
    if metric is None:
        return f"comparison without a metric the result has: {sent[:80]!r}"
    a, b = r.value(subj[2], metric), r.value(obj[2], metric)
    if a is None or b is None:
        return f"comparison of {subj[2]!r} and {obj[2]!r} on {metric} that the rows cannot support"
    if (more and not a > b) or (less and not a < b):
        return f"reversed comparison: {subj[2]!r} {metric} {a} vs {obj[2]!r} {b}"
    return None


def check_rewording(answer: str, data: dict, reworded: str) -> list[str]:
    """Problems that make the rewording unsafe to show ([] when every claim is the result's)."""
    r = Result.of(answer, data or {})
    problems: list[str] = []
    answer_pairs = _pairs(answer + " " + " ".join(r.rows))
    for sent in sentences(reworded):
        claims = r.attribute(sent)
        for name, num in claims:
            if num not in r.figures:
                problems.append(f"figure {num} is not in the result")
            elif name is not None and num not in _name_figures(r, name):
                problems.append(f"figure {num} is not {name}'s")
        comp = _comparison_problem(r, sent)
        if comp:
            problems.append(comp)
        if claims or r.names_in(sent):
            continue
        bare = sent.strip(" .!?。")
        if FRAMING.match(bare):
            continue
        pairs = _pairs(bare)
        if pairs and len(pairs & answer_pairs) / len(pairs) >= COVERAGE:
            continue
        problems.append(f"sentence with nothing from the result: {sent[:80]!r}")
    return problems
