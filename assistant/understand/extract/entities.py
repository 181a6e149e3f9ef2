"""Programme, department and total names, with spans: an adapter over
assistant.entities.Catalog (its matching is kept: letter pairs weighted by
rarity, partial names, aliases; an ambiguous alias gives one Entity mention
per programme it may mean, all with via='ambiguous').

`unknown_name`: a span that looks like a programme or unit name (words before
사업/센터/지원/프로그램/담당관 …) that matched nothing in the catalog —
'청년 월세 지원 사업', '그린뉴딜 사업'. Its value is an Entity with
via='unknown' and score 0."""
from __future__ import annotations

from dataclasses import replace

import re
from functools import lru_cache
from typing import Sequence

from index.text import name_key

from ...entities import DEPT_WORD, PARTIAL_MIN, bigrams

from ..types import Entity, Mention, Utterance
from .common import covered, load_json, mention

KIND, UNKNOWN = "entity", "unknown_name"
_HEADS_PROGRAM = r"사업|센터|지원|프로그램|프로젝트|위원회|재단|공간|플랫폼|축제|캠페인|행사|학교|포럼|박람회|시설|기금|수당"
_HEADS_ORG = r"담당관|본부|팀"
GENERIC_HEADS = ("사업", "지원")
SHORT_NAME_LETTERS = 3      # a one-word name before its head ('동북권 센터') has at least this many letters
_HEAD = re.compile(rf"([가-힣a-z0-9]*?)({_HEADS_PROGRAM}|{_HEADS_ORG})(?:은|는|이|가|을|를|의|에|에서|도|만|과|와|랑|이랑|이나|으로|로|이야|이에요|예요|인가|인데)?")
_EN_HEAD = re.compile(r"(program|programme|project|center|centre|initiative|scheme|division|conference|festival|"
                      r"forum|platform|fund|campaign|academy|school)s?")
_WORD = re.compile(r"[가-힣a-z0-9-]+")
MAX_WORD = 40
_BAD_END = re.compile(r"(?:은|는|이|가|을|를|의|에|도|로|와|과|랑|된|한|인|던|할|될|쓴|큰|난|적|별|들|중|만|요|고|서|며|게)$")
_EN_STOP = {"the", "a", "an", "which", "what", "that", "this", "all", "each", "every", "any", "its", "budget", "of", "for",
            "in", "is", "was", "did", "does", "how", "much", "many", "with", "and", "or", "to", "by", "spending", "spent",
            "largest", "biggest", "smallest", "lowest", "highest", "most", "least", "top", "bottom", "citizen",
            "participation", "youth", "other", "their", "those", "these", "about", "per"}


@lru_cache(maxsize=8192)
def _key_char(c: str) -> str:
    return name_key(c)


def _key_map(text: str) -> tuple[str, list[int]]:
    """name_key of the text with each key letter's index in the text."""
    key, where = [], []
    for i, c in enumerate(text):
        k = _key_char(c)
        if k:
            key.append(k)
            where.append(i)
    return "".join(key), where


def _span(where: list[int], s: int, e: int) -> tuple[int, int]:
    return (where[s], where[e - 1] + 1)


def _cluster(key: str, grams: Sequence[str]) -> tuple[int, int] | None:
    """The densest run of the key letters the matched letter pairs cover (gaps of one letter allowed)."""
    cover = [False] * len(key)
    for g in grams:
        for m in re.finditer(re.escape(g), key) if g else ():
            for i in range(m.start(), m.end()):
                cover[i] = True
    best, run_start, last, hits, best_hits = None, None, -10, 0, 0
    for i, c in enumerate(cover + [False, False]):
        if c:
            if run_start is None or i - last > 2:
                if run_start is not None and hits > best_hits:
                    best, best_hits = (run_start, last + 1), hits
                run_start, hits = i, 0
            hits += 1
            last = i
    if run_start is not None and hits > best_hits:
        best = (run_start, last + 1)
    return best


def _trim(key: str, c: tuple[int, int], name: str) -> tuple[int, int]:
    """A run that ends by repeating one of the name's letter pairs more often than the
    name has it ('…시민참여예산 예산은'): the repeat is the question's own word, not the name's."""
    s, e = c
    while e - s >= 4:
        g = key[e - 2:e]
        if key[s:e - 2].count(g) >= max(name.count(g), 1):
            e -= 2
        else:
            break
    return s, e


def _dangling_letter_cut(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A name span that ends one letter into the next word ('…시민참여예산 지|출률': the bigram '산지'
    of '예산지원' met '예산 지출률') ends before that word: its letter belongs to the word."""
    a, b = span
    if b >= len(text) or b - a < 3 or not (_hangul(text[b - 1]) and _hangul(text[b])) or text[b - 2] != " ":
        return span
    return (a, b - 2)


def _hangul(ch: str) -> bool:
    return "가" <= ch <= "힣"


def catalog_mentions(utt: Utterance, catalog) -> list[Mention]:
    text = utt.text
    if not text:
        return []
    key, where = _key_map(text)
    out: list[Mention] = []
    found = catalog.find_programs(text)
    both = [m.name for m in found if m.via == "ambiguous"]
    for m in found:
        span = None
        if m.via == "ambiguous" and len(both) > 1:
            # '<이름> 운영이랑 조성사업': each sibling at the words only it has, so both stay
            others = set().union(*(set(bigrams(name_key(o))) for o in both if o != m.name))
            own = sorted(set(bigrams(name_key(m.name))) - others)
            c = _cluster(key, own) if own else None
            if c:
                out.append(mention(utt, KIND, Entity(m.name, m.kind, "name", round(m.score, 3)), _span(where, *c),
                                   "catalog:alias+own", m.score))
                continue
        if m.via in ("alias", "ambiguous"):
            for alias, targets in catalog.program_aliases.items():
                if m.name in targets:
                    ak = name_key(alias)
                    pos = key.find(ak) if ak else -1
                    if pos >= 0:
                        span = _span(where, pos, pos + len(ak))
                        break
        c = _cluster(key, sorted(m.claimed) if m.via in ("name", "partial", "word") else bigrams(name_key(m.name)))
        if c:
            c = _trim(key, c, name_key(m.name))
        named = _dangling_letter_cut(text, _span(where, *c)) if c else None
        if span is None:
            span = named
        elif named and named[0] <= span[0] and span[1] <= named[1]:
            span = named             # '<alias> 운영': the alias inside the full name
        if span and m.via == "name" and m.score < 1 and m.kind == "program":
            # '계획형 시민참여예산': the words matched are held whole by two or three names — which is asked
            k = name_key(text[span[0]:span[1]])
            holders = [p for p in getattr(catalog, "programs", ()) if len(k) >= 4 and k in name_key(p)]
            if m.name in holders and 2 <= len(holders) <= PARTIAL_MAX_AMBIGUOUS:
                out += [mention(utt, KIND, Entity(h, "program", "ambiguous", round(m.score, 3)), span,
                                "catalog:name+shared", m.score) for h in holders]
                continue
        if span:
            out.append(mention(utt, KIND, Entity(m.name, m.kind, m.via, round(m.score, 3)), span, f"catalog:{m.via}",
                               m.score))
    for d, pos in catalog.find_departments(text):
        span = None
        for form in (name_key(d), name_key(catalog.short_form(d))):
            p = key.find(form, pos)
            if p == pos or (p >= 0 and span is None):
                span = _span(where, p, p + len(form))
                break
        if span is None:         # '청년과에서': the start of the department's name and an organisation word
            for dm in DEPT_WORD.finditer(text):
                if catalog.short_form(d).startswith(dm.group(1)):
                    span = dm.span()
                    break
        if span is None:
            for alias, target in catalog.department_aliases.items():
                if target == d and alias in text:
                    i = text.index(alias)
                    span = (i, i + len(alias))
                    break
        if span is None:         # 'conflict mediation office' for the alias '… division', '갈등조정담담관'
            span = catalog.english_department_span(text, d) or catalog.typo_department_span(text, d)
        if span:
            out.append(mention(utt, KIND, Entity(d, "department"), span, "catalog:department"))
    for t in catalog.find_totals(text):
        k = name_key(t)
        forms = (k, k[:-3] + "계", k[:-3]) if k.endswith("(계)") else (k,)     # 'X 전체': the base named
        for form in forms:
            p = key.find(form)
            if p >= 0:
                out.append(mention(utt, KIND, Entity(t, "total"), _span(where, p, p + len(form)), "catalog:total"))
                break
    return out


def _is_stop(word: str) -> bool:
    data = load_json("entity_words.json")
    return word in set(data["stopwords"]) or bool(re.fullmatch(data["non_name"], word))


def _name_like(utt: Utterance, word: str, span: tuple[int, int]) -> bool:
    if not word or _is_stop(word) or _BAD_END.search(word) or re.fullmatch(r"\d+", word):
        return False
    if utt.morphs:        # with morphemes: nouns, foreign words and numbers only
        inner = [m for m in utt.morphs if span[0] <= m.start < span[1]]
        if inner and not all(m.tag[0] in "NS" or m.tag in ("XSN", "XPN", "XR") for m in inner):
            return False
    return True


def _capitalised(raw: str, phrase: str) -> bool:
    """Whether an English phrase may be a name: where the writer capitalises
    (some word after the first is capitalised), a name has a capital letter
    ('Seoul NPO Support Center', not 'line-item programmes'). A question
    written all in lower case gives no sign: every phrase may be a name."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", raw)
    if not any(w[0].isupper() for w in words[1:]):
        return True
    rx = r"\s+".join(re.escape(w) for w in phrase.split())
    m = re.search(rx, raw, flags=re.IGNORECASE)
    return m is None or any(c.isupper() for c in m.group(0))


# words before an English noun phrase that make it the kind of thing counted or chosen
_COUNTED_KIND = re.compile(r"(?:how many|number of|count of|which|what|all|any|every|each)\s+$", re.I)


def unknown_names(utt: Utterance, taken: Sequence[tuple[int, int]],
                  soft: Sequence[tuple[int, int]] = ()) -> list[Mention]:
    """``soft``: spans (departments) an English name may contain ('human rights' in a conference's name)."""
    text = utt.text
    words = [(w.group(0), w.span()) for w in _WORD.finditer(text)]
    out = []
    for idx, (word, wspan) in enumerate(words):
        if len(word) > MAX_WORD:
            continue
        h = _HEAD.fullmatch(word)
        if not h:
            continue
        prefix, head = h.group(1), h.group(2)
        org = re.fullmatch(_HEADS_ORG, head) is not None
        names: list[str] = []
        start = wspan[0]
        if prefix:
            if not _name_like(utt, prefix, (wspan[0], wspan[0] + len(prefix))):
                continue
            names.append(prefix)
        j = idx - 1            # name words before the head word, right to left, each followed by one space
        while len(names) < 4 and j >= 0:
            pw, ps = words[j]
            if ps[1] + 1 != start or text[ps[1]] != " " or len(pw) > MAX_WORD or not _name_like(utt, pw, ps):
                break
            names.insert(0, pw)
            start = ps[0]
            j -= 1
        letters = sum(len(n) for n in names)
        if not names or (len(names) < 2 and letters < SHORT_NAME_LETTERS) or (org and letters < 2):
            continue
        # '동북권 센터': kept only if it resolves to one programme, and only before a facility's head
        # ('자치구 사업' is any programme of the districts, not one)
        short = len(names) < 2 and letters < 4
        if short and head in GENERIC_HEADS:
            continue
        span = (start, wspan[0] + len(prefix) + len(head))
        if covered(span, taken) or any(a < span[1] and span[0] < b for a, b in taken) \
                or any(o.span[0] <= span[0] and span[1] <= o.span[1] for o in out):
            continue          # a span that shares letters with a known name is that name, not an unknown one
        out = [o for o in out if not (span[0] <= o.span[0] and o.span[1] <= span[1])]
        out.append(mention(utt, UNKNOWN, Entity(text[span[0]:span[1]], "department" if org else "program", "unknown", 0.0),
                           span, f"rule:name+{head}" + (":short" if short else ""), 0.5))
    for idx, (word, wspan) in enumerate(words):
        if not _EN_HEAD.fullmatch(word) or idx == 0:
            continue
        names, start, j = [], wspan[0], idx - 1
        while len(names) < 4 and j >= 0:
            pw, ps = words[j]
            if ps[1] + 1 != start or not re.fullmatch(r"[a-z0-9-]+", pw) or pw in _EN_STOP:
                break
            names.insert(0, pw)
            start = ps[0]
            j -= 1
        if not names:
            continue
        span = (start, wspan[0] + len(_EN_HEAD.fullmatch(word).group(1)))
        if not _capitalised(utt.raw, text[span[0]:span[1]]):
            continue
        if _COUNTED_KIND.search(text[:span[0]]):
            continue          # 'how many line-item programmes …': the kind counted or chosen, not a name
        hard = [t for t in taken if t not in soft or not (span[0] <= t[0] and t[1] <= span[1])
                or t[1] - t[0] >= span[1] - span[0]]
        if not covered(span, hard):
            kind = "department" if word.startswith("division") else "program"
            out.append(mention(utt, UNKNOWN, Entity(text[span[0]:span[1]], kind, "unknown", 0.0), span,
                               f"rule:name+{word}", 0.5))
    return out


PARTIAL_MARGIN = 0.1    # ahead of the runner-up by this much, or the reading is ambiguous
PARTIAL_MAX_AMBIGUOUS = 3


@lru_cache(maxsize=1)
def name_glossary() -> dict[str, str]:
    """English word -> the Korean word of a programme name it glosses (data/name_glossary.json)."""
    return dict(load_json("name_glossary.json")["words"])


def _english_to_korean(phrase: str, catalog) -> str:
    """English words of a name through the domain glossary ('seoul npo support center' → '서울 npo 지원 센터');
    a word some programme's name prints ('npo') stays itself; then the domain glossary, then the glossary
    of name words (data/name_glossary.json); any other English word is dropped."""
    from index.lexical import GLOSSARY
    words = phrase.split()
    if not any(re.fullmatch(r"[a-z-]+", w) for w in words):
        return phrase
    printed = " ".join(name_key(p) for p in catalog.programs)
    out = []
    for w in words:
        if not re.fullmatch(r"[a-z-]+", w) or re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", printed):
            out.append(w)                # ('npo', 'undp': a Latin word the names print stays itself)
        elif w in GLOSSARY:
            out.append(GLOSSARY[w].split()[0])
        elif w in name_glossary():
            out.append(name_glossary()[w])
    return " ".join(out)


def resolve_unknown(utt: Utterance, m: Mention, catalog, exclude: tuple[str, ...] = ()) -> list[Mention]:
    """A name-like span no name matched, read as the programme that holds
    nearly all of it ('학자금 이자지원' → '서울시 대학생 학자금 대출이자 지원'):
    one entity with via='partial' when one programme is clearly ahead, one
    entity per candidate with via='ambiguous' when two or three tie, else
    the unknown name as it was."""
    if m.value.kind != "program" or catalog is None or not hasattr(catalog, "resolve_partial"):
        return [m]
    ranked = catalog.resolve_partial(_english_to_korean(m.text, catalog), exclude=exclude)
    if not ranked or ranked[0][1] < PARTIAL_MIN:
        return [m]
    top = ranked[0][1]
    close = [(n, s) for n, s in ranked if top - s < PARTIAL_MARGIN and s >= PARTIAL_MIN]
    if len(close) == 1:
        return [mention(utt, KIND, Entity(close[0][0], "program", "partial", close[0][1]), m.span,
                        "catalog:partial", close[0][1])]
    if len(close) <= PARTIAL_MAX_AMBIGUOUS:
        return [mention(utt, KIND, Entity(n, "program", "ambiguous", s), m.span, "catalog:partial", s)
                for n, s in close]
    return [m]


_EN_SKIP = {"the", "a", "an", "what", "which", "how", "is", "was", "are", "were", "did", "does", "do", "of", "for", "in",
            "to", "by", "and", "or", "with", "much", "many", "its", "their", "this", "that", "has", "have", "about"}
MEANING_MIN, MEANING_MARGIN = 0.86, 0.015      # e5 cosine of an English name to a programme name, and its lead


class NameMeaning:
    """English name phrases against the catalog's programme names by multilingual e5 meaning
    ('library night opening programme' → '<도서관 야간개방 사업>'); names embedded once."""

    def __init__(self, names, embed, threshold: float = MEANING_MIN, margin: float = MEANING_MARGIN):
        self.names, self.embed, self.threshold, self.margin = list(names), embed, threshold, margin
        self._m = None

    def best(self, phrase: str) -> tuple[str, float] | None:
        import numpy as np
        if not phrase or not self.names:
            return None
        if self._m is None:
            m = np.asarray(self.embed(self.names), dtype=np.float32)
            self._m = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
        v = np.asarray(self.embed([phrase]), dtype=np.float32)[0]
        sims = self._m @ (v / max(float(np.linalg.norm(v)), 1e-9))
        order = np.argsort(-sims)
        top = float(sims[order[0]])
        second = float(sims[order[1]]) if len(order) > 1 else 0.0
        if top < self.threshold or top - second < self.margin:
            return None
        return self.names[int(order[0])], top


def _english_name_phrases(utt: Utterance):
    """(phrase, span) for each English head word ('programme', 'center' …) with the words before it."""
    words = [(w.group(0), w.span()) for w in re.finditer(r"[a-z0-9'’-]+", utt.text)]
    for idx, (word, wspan) in enumerate(words):
        if not _EN_HEAD.fullmatch(word) or idx == 0:
            continue
        names, start, j = [], wspan[0], idx - 1
        while len(names) < 5 and j >= 0:
            pw, ps = words[j]
            if utt.text[ps[1]:start].strip() or pw in _EN_SKIP:
                break
            names.insert(0, pw.rstrip("'’s") if pw.endswith(("'", "’", "'s", "’s")) else pw)
            start = ps[0]
            j -= 1
        before = utt.text[:start].rstrip()
        if len(names) >= 2 and not (before and "가" <= before[-1] <= "힣"):
            # two words at least, and not the English tail of a Korean name ('민주주의 서울 online platform')
            yield " ".join(names + [word]), (start, wspan[1])


def by_meaning(utt: Utterance, out: list[Mention], meaning) -> list[Mention]:
    """An English question that named no programme: its name phrases read by meaning, as a stated reading."""
    if meaning is None or utt.lang != "en" or any(m.kind == KIND and m.value.kind == "program" for m in out):
        return out
    for phrase, span in _english_name_phrases(utt):
        raw = re.search(re.escape(utt.text[span[0]:span[1]]), utt.raw, re.I)
        got = meaning.best(raw.group(0) if raw else phrase)       # the writer's casing: e5 reads it
        if got is None:
            continue
        name, score = got
        out = [m for m in out if not (span[0] <= m.span[0] and m.span[1] <= span[1])]    # the words it explains
        out.append(mention(utt, KIND, Entity(name, "program", "meaning", round(score, 3)), span,
                           f"meaning:{score:.2f}", score))
        break
    return out


def _clip_at_commas(utt: Utterance, m: Mention) -> Mention:
    """A name span never crosses a comma of a list ('A, B, C'): the part that holds most of the name."""
    text = utt.text[m.span[0]:m.span[1]]
    if "," not in text or "," in m.value.name:
        return m
    key = set(bigrams(name_key(m.value.name))) if m.value.via != "unknown" else set()
    best, start = None, m.span[0]
    for part in re.split(r"(,\s*)", text):
        if part and not re.fullmatch(r",\s*", part):
            score = len(set(bigrams(name_key(part))) & key) if key else len(part)
            if best is None or score > best[0]:
                best = (score, start, start + len(part))
        start += len(part)
    if best is None:
        return m
    span = (best[1], best[2])
    value = m.value if m.value.via != "unknown" else Entity(utt.text[span[0]:span[1]], m.value.kind, "unknown", 0.0)
    return replace(m, span=span, text=utt.text[span[0]:span[1]], value=value)


def extract(utt: Utterance, catalog, meaning=None) -> list[Mention]:
    found = [_clip_at_commas(utt, m) for m in (catalog_mentions(utt, catalog) if catalog is not None else [])]
    out = list(found)
    depts = [m.span for m in found if m.value.kind == "department"]
    for u in (_clip_at_commas(utt, x) for x in unknown_names(utt, [m.span for m in found], soft=depts)):
        taken = tuple(x.value.name for x in out if x.kind == KIND and x.value.via != "ambiguous")
        got = resolve_unknown(utt, u, catalog, exclude=taken)
        if u.source.endswith(":short") and not (got[0].kind == KIND and got[0].value.via == "partial"):
            continue            # a one-word three-letter name that no single programme holds is no name
        if got[0].kind == KIND:     # a department word inside the resolved name is part of that name
            out = [x for x in out if not (x.kind == KIND and x.value.kind == "department"
                                          and u.span[0] <= x.span[0] and x.span[1] <= u.span[1])]
        out += got
    return by_meaning(utt, out, meaning)
