"""Typed slot extractors: each a small pure module with its example corpus
(assistant/understand/corpus/<extractor>.jsonl, run by tests/test_extractors.py).

    ctx = ExtractContext(catalog)                 # embed=query_embedder() for the similarity step
    mentions = extract_all(utterance(question), ctx)

Order: entities first (a programme name hides the metric word inside it), then
years, quantities, metrics, comparisons (which take the metric before them),
exclusions (which wrap a comparison), order, aggregates, derived measures,
audit statuses and categories, references. A mention one extractor folded
into another is not repeated: a quantity inside a comparison, order, year or
exclusion; a comparison inside an exclusion; a metric inside a comparison
('다 쓴'); any mention inside a catalog name; an unknown name inside a
reference ('that gap-year programme'). Within one kind a longer span
wins. An amount word whose comparison is a percentage becomes its rate
('지출이 50% 미만' -> metric spent_rate)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Callable

from ..types import Mention, Metric, Utterance
from . import aggregate, audit_slots, compare, derived, entities, exclusion, metrics, numbers, order, references, years
from .common import inside, load_json, longest_first, mention

EXTRACTORS = ("entities", "years", "numbers", "metrics", "compare", "exclusion", "order", "aggregate", "derived",
              "audit_slots", "references")
# the mention kinds each extractor emits (a corpus file checks exactly these)
KINDS = {"entities": ("entity", "unknown_name"), "years": ("year",), "numbers": ("quantity",), "metrics": ("metric",),
         "compare": ("comparison",), "exclusion": ("exclusion",), "order": ("order",), "aggregate": ("aggregate",),
         "derived": ("derived",), "audit_slots": ("status", "category"), "references": ("reference",)}


@dataclass(frozen=True)
class ExtractContext:
    catalog: Any = None                 # assistant.entities.Catalog (None: no entity mentions)
    embed: Callable | None = None       # query embedder (assistant.understand.vectors.query_embedder()) or None
    meaning: Any = None                 # entities.NameMeaning: English names by e5 meaning (None: off)
    similar_threshold: float | None = None   # None: the fitted value in data/metric_words.json

    @cached_property
    def similar(self) -> metrics.Similar | None:
        return metrics.Similar(self.embed, threshold=self.similar_threshold) if self.embed is not None else None


MAX_CHARS = 2_000      # as assistant.service.MAX_QUESTION_CHARS: text beyond it is not read


def extract_all(utt: Utterance, ctx: ExtractContext | None = None) -> tuple[Mention, ...]:
    ctx = ctx or ExtractContext()
    if not utt.text:
        return ()
    if len(utt.text) > MAX_CHARS:
        utt = replace(utt, text=utt.text[:MAX_CHARS], morphs=tuple(m for m in utt.morphs if m.end <= MAX_CHARS))
    ents = _glossed(utt, entities.extract(utt, ctx.catalog, ctx.meaning))
    names = [m.span for m in ents if m.kind == "entity"]

    def free(ms):
        return [m for m in ms if not any(inside(m.span, s) for s in names)]

    yrs = free(years.extract(utt))
    qs = [q for q in free(numbers.extract(utt)) if not any(inside(q.span, y.span) for y in yrs)]
    mets = metrics.extract(utt, names, ctx.similar)
    comps = longest_first(free(compare.extract(utt, qs, mets)))
    excl = exclusion.extract(utt, comps, ents)
    comps = [c for c in comps if not any(inside(c.span, x.span) for x in excl)]
    mets = _rates(utt, mets, comps + [x for x in excl])
    wraps = [m.span for m in comps + excl]
    mets = [m for m in mets if not any(inside(m.span, w) for w in wraps)]
    ords = free(order.extract(utt))
    aggs = free(aggregate.extract(utt))
    ders = free(derived.extract(utt, mets))
    audit = free(audit_slots.extract(utt))
    inclusive = [m.span for m in audit if m.kind == "category" and m.value.inclusive]
    aggs = [a for a in aggs if not any(inside(a.span, s) for s in inclusive)]
    refs = free(references.extract(utt))
    # a name-like span inside a reference describes what is pointed back to ('that gap-year programme')
    ents = [e for e in ents if not (e.kind == "unknown_name" and any(inside(e.span, r.span) for r in refs))]
    wraps += [m.span for m in ords] + [m.span for m in yrs]
    qs = [q for q in qs if not any(inside(q.span, w) for w in wraps)]
    out = longest_first(ents + yrs + qs + mets + comps + excl + ords + aggs + ders + audit + refs)
    return tuple(out)


_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*(?:\s+[A-Za-z0-9'\-]+)*\s*$")


def _glossed(utt: Utterance, ents: list[Mention]) -> list[Mention]:
    """'the NPO Support Center expansion programme (서울시 NPO지원센터 확대 운영)': the English words
    before a bracketed exact name gloss that name — a reading of them as another programme goes."""
    out = list(ents)
    for e in ents:
        if e.kind != "entity" or e.value.via != "name" or e.span[0] == 0:
            continue
        head = utt.text[:e.span[0]]
        if not head.rstrip().endswith(("(", "（")):
            continue
        run = _LATIN_RUN.search(head.rstrip()[:-1].rstrip())
        if run is None:
            continue
        a, b = run.start(), len(head.rstrip()) - 1
        out = [m for m in out if m is e or not (a <= m.span[0] and m.span[1] <= b
                                                 and (m.kind == "unknown_name" or m.value.via != "name"))]
    return out


def _rates(utt: Utterance, mets: list[Mention], comps: list[Mention]) -> list[Mention]:
    """An amount word a percentage comparison refers to is read as its rate."""
    rate_of = load_json("metric_words.json")["rate_of"]
    out = []
    for m in mets:
        for c in comps:
            cond = getattr(c.value, "condition", c.value)
            if cond is None:
                continue
            near = (m.span[1] <= c.span[0] and c.span[0] - m.span[1] <= compare.WINDOW) or 0 <= m.span[0] - c.span[1] <= 4
            if cond.quantity.unit == "%" and cond.metric and rate_of.get(m.value.name) == cond.metric and near:
                m = mention(utt, "metric", Metric(cond.metric), m.span, m.source + "+%", m.score)
                break
        out.append(m)
    return out


__all__ = ["ExtractContext", "extract_all", "EXTRACTORS", "KINDS"]
