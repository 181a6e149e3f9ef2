"""Programme and department names: found in a question with spacing ignored,
partial names, small typos and aliases. Built from the parsed report plus the
alias file beside the corpus; nothing here knows this corpus by name."""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import ReportError
from index.text import name_key

ORG_SUFFIXES = ("담당관", "본부", "국", "실", "과", "팀", "센터")
ALIASES_FILE = "aliases.json"
GENERIC_WORD = "사업"
PARTIAL_MIN = 0.85             # resolve_partial: share of a shortened name's letter pairs a programme must hold
SEGMENT_THRESHOLD = 0.45       # the budget format's word for 'programme', never distinguishing
_PAREN = re.compile(r"\(([^()]*)\)")
_EN_ORG_WORD = r"(?:division|department|office|team|bureau|unit|section)s?"
_EN_ORG_HEAD = re.compile(rf"\s{_EN_ORG_WORD}$")
DEPT_WORD = re.compile(r"(?<![가-힣])([가-힣]{2,8}?)(?:과(?=에서|의|은|는|이|가|에|\s?소관|\s?사업|\s?예산|쪽|$|[^가-힣\s])"
                        r"|팀|부서)")
_JOINERS = re.compile(r"(?:이랑|랑|하고|와|과)(?=\s)|,|\bvs\.?\b|\band\b| 및 ")


def _one_edit(a: str, b: str) -> bool:
    """a and b differ by exactly one substitution, insertion or deletion."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def bigrams(key: str) -> list[str]:
    return [key[i:i + 2] for i in range(len(key) - 1)] if len(key) > 1 else [key]


@dataclass(frozen=True)
class Match:
    name: str            # canonical name as printed (appendix)
    kind: str            # program | department | total | admin
    score: float
    via: str = "name"    # name | alias
    claimed: frozenset = frozenset()


@dataclass
class Catalog:
    """Names the assistant can resolve, with IDF weights over their bigrams."""
    programs: list[str]
    departments: list[str]
    totals: list[str] = field(default_factory=list)     # 합계, 사업예산(계), 기본경비 …
    admin: list[str] = field(default_factory=list)
    program_aliases: dict[str, list[str]] = field(default_factory=dict)
    department_aliases: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)       # programme -> its department (appendix)

    def __post_init__(self):
        names = self.programs + self.admin
        df = Counter()
        self._grams = {}
        self._variants: dict[str, list[set[str]]] = {}
        for n in names:
            g = set(bigrams(name_key(n)))
            self._grams[n] = g
            df.update(g)
            bare = _PAREN.sub("", n)
            self._variants[n] = [g] + ([set(bigrams(name_key(bare)))] if bare != n and len(name_key(bare)) >= 4 else [])
        total = max(len(names), 1)
        # category tags printed after many names ('…(시민참여)'): a scope word, never a name of its own
        tags = Counter(name_key(t) for n in names for t in _PAREN.findall(n))
        self.tags = tuple(t for t, c in tags.items() if c >= 3 and len(t) >= 2)
        self._idf = {g: math.log((total + 1) / (c + 0.5)) for g, c in df.items()}
        self._dept_short = {}
        for d in self.departments:
            short = d
            for suf in ORG_SUFFIXES:
                if d.endswith(suf) and len(d) > len(suf) + 1:
                    short = d[: -len(suf)]
                    break
            self._dept_short[d] = short

    @classmethod
    def from_frame(cls, budget, aliases: dict | None = None) -> "Catalog":
        app = budget[budget["source"] == "appendix"]
        programs = list(dict.fromkeys(app.loc[app["level"] == "program", "program"]))
        body_only = [p for p in dict.fromkeys(budget.loc[(budget["source"] == "body") & (budget["parent"] == ""), "program"])]
        depts = list(dict.fromkeys(app.loc[app["level"] == "department", "program"]))
        totals = list(dict.fromkeys(app.loc[app["level"].isin(["total", "subtotal"]), "program"]))
        admin = list(dict.fromkeys(app.loc[app["level"] == "admin", "program"]))
        aliases = aliases or {}
        progs = {k: ([v] if isinstance(v, str) else list(v)) for k, v in aliases.get("programs", {}).items()}
        known = set(programs) | set(body_only)
        for alias, targets in progs.items():
            bad = [t for t in targets if t not in known]
            if bad:
                raise ReportError(f"alias '{alias}' points to unknown programme(s) {bad}", file=ALIASES_FILE,
                                  fix="use names exactly as printed in the appendix (report-assistant tables budget)")
        depa = {k: v for k, v in aliases.get("departments", {}).items()}
        for alias, target in depa.items():
            if target not in depts:
                raise ReportError(f"alias '{alias}' points to unknown department '{target}'", file=ALIASES_FILE,
                                  fix=f"use one of {', '.join(depts)}")
        owners = {p: d for p, d in zip(app.loc[app["level"] == "program", "program"],
                                       app.loc[app["level"] == "program", "department"]) if d}
        return cls(programs + body_only, depts, totals, admin, progs, depa, owners)

    @staticmethod
    def load_aliases(corpus_dir: Path) -> dict:
        path = Path(corpus_dir) / ALIASES_FILE
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ReportError(f"alias file is not valid JSON: {e}", file=str(path), fix="repair the JSON syntax") from None
        if not isinstance(data, dict):
            raise ReportError("alias file must be a JSON object", file=str(path),
                              fix='write {"programs": {alias: name}, "departments": {alias: name}}')
        return data

    def short_form(self, department: str) -> str:
        """'<name>담당관' → '<name>' (the name without its organisation suffix)."""
        return self._dept_short.get(department, department)

    # -- departments -------------------------------------------------------
    def find_departments(self, question: str) -> list[tuple[str, int]]:
        """Departments named in the question (full name, spaced name, short
        form as a word, or an alias), with their position."""
        q = question.lower()
        qk = name_key(question)
        found: dict[str, int] = {}
        for d in self.departments:
            pos = qk.find(name_key(d))
            if pos >= 0:
                found[d] = pos
                continue
            short = self._dept_short[d]
            m = re.search(rf"(?<![가-힣]){re.escape(short)}(?=(?:\s|$|[^가-힣]|은|는|이|가|의|쪽|부서|과는|에서|도|만|에))", question)
            if m and short != d:
                found[d] = len(name_key(question[: m.start()]))
        for alias, d in sorted(self.department_aliases.items(), key=lambda x: -len(x[0])):
            if alias in q and d not in found:
                found[d] = len(name_key(q[: q.index(alias)]))
        # an English alias with another organisation word ('conflict mediation office' for '… division'),
        # or the name with one letter wrong
        for d in self.departments:
            span = None if d in found else (self.english_department_span(q, d) or self.typo_department_span(question, d))
            if span:
                found[d] = len(name_key(q[: span[0]]))
        # '<start of a department's name>과/팀/부서' ('청년과에서', '지역공동체팀'): the one department whose
        # short form starts so; 과 only before a particle or 소관/사업/예산, so '청년과 관련' stays a conjunction
        for m in DEPT_WORD.finditer(question):
            stem = m.group(1)
            hits = [d for d in self.departments if self._dept_short[d].startswith(stem)]
            if len(hits) == 1 and hits[0] not in found:
                found[hits[0]] = len(name_key(question[: m.start()]))
        return sorted(found.items(), key=lambda x: x[1])

    def typo_department_span(self, text: str, department: str) -> tuple[int, int] | None:
        """A word one letter off the department's full name ('갈등조정담담관'), particles aside."""
        if len(department) < 5:
            return None
        for m in re.finditer(r"[가-힣]{4,}", text):
            word = re.sub(r"(?:은|는|이|가|의|에서|에|도|만|과|와|랑|이랑)$", "", m.group(0))
            if word != department and abs(len(word) - len(department)) <= 1 and _one_edit(word, department):
                return (m.start(), m.start() + len(word))
        return None

    def english_department_span(self, text: str, department: str) -> tuple[int, int] | None:
        """Where ``text`` names the department by an English alias with any organisation
        word at its end ('conflict mediation office' for the alias 'conflict mediation division')."""
        low = text.lower()
        for alias, d in self.department_aliases.items():
            core = _EN_ORG_HEAD.sub("", alias).strip()
            if d == department and core != alias and len(core) >= 4:
                m = re.search(rf"(?<![a-z]){re.escape(core)}\s+{_EN_ORG_WORD}(?![a-z])", low)
                if m:
                    return m.span()
        return None

    def unknown_org_units(self, question: str) -> list[str]:
        """Words that look like an organisation unit (…본부, …담당관, …국) but
        are not one of the report's departments."""
        out = []
        for m in re.finditer(r"[가-힣]{2,}(?:담당관|본부|국|실)(?![가-힣])", question):
            word = m.group(0)
            if any(name_key(word) in name_key(d) or name_key(d) in name_key(word) for d in self.departments):
                continue
            if name_key(word) in {name_key(t) for t in self.totals}:
                continue
            out.append(word)
        return out

    # -- programmes --------------------------------------------------------
    def _score(self, name: str, qgrams: set[str]) -> tuple[float, frozenset]:
        """Weighted share of the name's letter pairs found in the question; a
        parenthetical ('(가칭)…', '…(시민참여)') may be left out."""
        best = (0.0, frozenset())
        variants = self._variants.get(name)
        if variants is None:
            bare = _PAREN.sub("", name)
            variants = [set(bigrams(name_key(v))) for v in ((name, bare) if bare != name else (name,))]
        for grams in variants:
            total = sum(self._idf.get(g, 1.0) for g in grams) or 1.0
            hit = grams & qgrams
            score = sum(self._idf.get(g, 1.0) for g in hit) / total
            if score > best[0]:
                best = (score, frozenset(hit))
        return best

    def score_all(self, question: str, pool: list[str] | None = None) -> list[tuple[str, float, frozenset]]:
        qgrams = set(bigrams(name_key(question)))
        out = [(n, *self._score(n, qgrams)) for n in (pool or self.programs + self.admin)]
        return sorted(out, key=lambda x: -x[1])

    def find_programs(self, question: str, threshold: float = 0.6) -> list[Match]:
        """Programmes named in the question, best first. Several may be named
        ('A하고 B 비교'); a name already explained by a better match is skipped."""
        qk = name_key(question)
        qlow = question.lower()
        matches: list[Match] = []
        claimed: set[str] = set()
        for alias, targets in sorted(self.program_aliases.items(), key=lambda x: -len(x[0])):
            ak = name_key(alias)
            if ak and (ak in qk or alias.lower() in qlow):
                rest = qk.replace(ak, " " * len(ak))
                chosen = self.disambiguate(targets, rest) if len(targets) > 1 else targets
                via = "alias" if len(chosen) == 1 else "ambiguous"
                for t in chosen:
                    if t not in {m.name for m in matches}:
                        matches.append(Match(t, "program", 0.99, via, frozenset(bigrams(ak))))
                claimed |= set(bigrams(ak))
                qk = rest
                qlow = qlow.replace(alias.lower(), " " * len(alias))
        ranked = self.score_all(qk)
        for name, score, hit in ranked:
            if score < threshold:
                break
            if any(m.name == name for m in matches):
                continue
            if name in self.admin and _PAREN.sub("", name_key(name)) not in qk:
                continue        # '기본경비(<department>)' needs its '기본경비', not just the department
            strong = {g for g in hit if self._idf.get(g, 1.0) >= 0.8} or set(hit)
            fresh = strong - claimed
            if matches and len(fresh) < 0.5 * len(strong):
                continue
            matches.append(Match(name, "admin" if name in self.admin else "program", score, "name", frozenset(hit)))
            claimed |= strong
        if len(matches) < 2:
            matches = self._by_segments(question, matches, threshold)
        return matches

    def _by_segments(self, question: str, matches: list[Match], threshold: float) -> list[Match]:
        """'A랑 B 중에 …': when the whole question yields one name, each part
        joined by 랑/하고/와/과/, may name its own."""
        parts = [p for p in _JOINERS.split(question) if len(name_key(p)) >= 3]
        if len(parts) < 2:
            return matches
        found: dict[int, Match] = {}
        for _ in range(2):      # a tied part is read again without the names the other parts took
            for i, part in enumerate(parts):
                if i in found:
                    continue
                others = {m.name for j, m in found.items() if j != i}
                top = [x for x in self.score_all(name_key(part), self.programs) if x[0] not in others][:2]
                # a part names one programme: a lower bar, but clearly above the runner-up
                if top and top[0][1] >= SEGMENT_THRESHOLD and (len(top) < 2 or top[0][1] - top[1][1] >= 0.1):
                    found[i] = Match(top[0][0], "program", top[0][1], "name", top[0][2])
                    continue
                partial = self.resolve_partial(part, exclude=tuple(others))[:2]   # a shortened name as the part
                if partial and partial[0][1] >= PARTIAL_MIN and (len(partial) < 2 or partial[0][1] - partial[1][1] >= 0.1):
                    found[i] = Match(partial[0][0], "program", partial[0][1], "partial",
                                     frozenset(bigrams(name_key(part))))
            if not found:
                break
        if len(found) == 1 and len(parts) >= 2:
            # '<이름> 운영이랑 조성사업': a part that holds what tells a sibling of the found
            # name apart (the sibling shares most of its letter pairs with it)
            (i0, m0), = found.items()
            base = self._grams.get(m0.name, set())
            generic = set(bigrams(GENERIC_WORD))
            for i, part in enumerate(parts):
                if i == i0:
                    continue
                pg = set(bigrams(name_key(part)))
                for cand in self.programs:
                    g = self._grams.get(cand, set())
                    own = g - base - generic
                    if cand == m0.name or not own or len(g & base) < 0.5 * len(g):
                        continue
                    w_own = sum(self._idf.get(x, 1.0) for x in own)
                    if sum(self._idf.get(x, 1.0) for x in own & pg) >= 0.8 * w_own:
                        found[i] = Match(cand, "program", 0.9, "name", frozenset(own & pg))
                        break
        found = [found[i] for i in sorted(found)]
        names = list(dict.fromkeys(m.name for m in found))
        if len(names) >= 2:
            return [next(m for m in found if m.name == n) for n in names]
        return matches

    def disambiguate(self, targets: list[str], rest: str) -> list[str]:
        """Of the names an ambiguous alias stands for, those the rest of the
        question points to by a word only they have (e.g. '운영' vs '조성');
        all of them when nothing tells them apart."""
        qgrams = set(bigrams(rest)) - set(bigrams(GENERIC_WORD))
        hits = []
        for t in targets:
            others = set().union(*(self._grams.get(o, set()) for o in targets if o != t))
            own = (self._grams.get(t) or set(bigrams(name_key(t)))) - others - set(bigrams(GENERIC_WORD))
            hits.append((t, len(own & qgrams)))
        picked = [t for t, n in hits if n > 0]
        return picked or list(targets)

    def resolve_partial(self, phrase: str, *, exclude: tuple[str, ...] = ()) -> list[tuple[str, float]]:
        """Programmes ranked by how much of ``phrase`` (a name-like span that no
        name matched, e.g. a shortened or reordered name) they contain: the
        IDF-weighted share of the phrase's letter pairs, taken word by word
        (the user's spaces are word ends), found in the name, with the name's
        own coverage as a small tie-breaker (shorter, closer names first).
        A word of the phrase none of whose pairs is in the name scores zero."""
        if any(name_key(phrase).startswith(t) for t in self.tags):
            return []          # '<tag>예산 사업': the rows carrying the tag, not one programme
        words = [name_key(w) for w in re.split(r"\s+", phrase) if name_key(w)]
        # '…지원사업': the generic word is no part of what tells programmes apart, nor is its junction
        words = [w[: -len(GENERIC_WORD)] if w.endswith(GENERIC_WORD) and len(w) > len(GENERIC_WORD) else w
                 for w in words]
        generic = set(bigrams(GENERIC_WORD))
        grams = [[g for g in bigrams(w) if g not in generic] for w in words if len(w) >= 2]
        grams = [g for g in grams if g]
        if not grams or sum(len(g) for g in grams) < 2:
            return []
        out = []
        for name in self.programs:
            if name in exclude:
                continue
            own = self._grams.get(name) or set(bigrams(name_key(name)))
            if any(not (set(g) & own) for g in grams):
                continue
            flat = [x for g in grams for x in g]
            weight = sum(self._idf.get(x, 1.0) for x in flat) or 1.0
            precision = sum(self._idf.get(x, 1.0) for x in flat if x in own) / weight
            recall = self._score(name, set(flat))[0]
            out.append((name, round(0.85 * precision + 0.15 * recall, 4)))
        return sorted(out, key=lambda x: -x[1])

    def closest(self, question: str, n: int = 3) -> list[str]:
        return [name for name, _, _ in self.score_all(question)[:n]]

    def find_totals(self, question: str) -> list[str]:
        """Subtotal rows named in the question ('사업예산(계)', '기본경비'); the
        grand-total label is an ordinary word ('합계') and is not matched here."""
        qk = name_key(question)
        out = []
        for t in self.totals:
            k = name_key(t)
            if len(k) <= 2:
                continue
            if k.endswith("(계)"):
                base = k[: -len("(계)")]
                # 'X(계)', 'X계', or the base X with a word for the whole ('X 전체에서', 'X 기준으로')
                # or, X written as one word of its own, 'X만' or a measure of it then a word for the whole
                # ('사업예산만 놓고 보면', '사업예산 원인행위 총액'; '청년 사업 예산 합계' sums programmes)
                if k in qk or base + "계" in qk or re.search(re.escape(base) + r"(?:의)?(?:전체|총액|총계|전부|기준)", qk) \
                        or re.search(r"(?<![가-힣])" + re.escape(base) + r"(?:만(?![가-힣]?원)|\s[가-힣]{2,6}\s?"
                                     r"(?:전체|총액|총계|전부|합계))", question.lower()):
                    out.append(t)
            elif k in qk:
                out.append(t)
        return out
