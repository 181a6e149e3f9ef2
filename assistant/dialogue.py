"""Dialogue state: immutable, one value per session, swapped after an answer.

    state = DialogueState()                          # a new session
    state2 = state.after(route="budget", budget_query=q, programs=("…",))
    DialogueState.from_dict(state2.to_dict()) == state2

Nothing mutates a state: a turn computes the next one (`after`) and the
service stores it only when the turn succeeded, so a failed turn keeps the
old state. `to_dict`/`from_dict` give the versioned JSON a SessionStore keeps.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from .audit import AuditQuery
from .budget import BudgetQuery, Condition

VERSION = 1


def _budget_to(q: BudgetQuery | None) -> dict | None:
    if q is None:
        return None
    d = {f.name: getattr(q, f.name) for f in fields(q)}
    d["conditions"] = [c.__dict__ for c in q.conditions]
    d["exclusions"] = [c.__dict__ for c in getattr(q, "exclusions", ())]
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


def _budget_from(d: dict | None) -> BudgetQuery | None:
    if not d:
        return None
    known = {f.name for f in fields(BudgetQuery)}
    kw = {k: v for k, v in d.items() if k in known}
    for k in ("conditions", "exclusions"):
        if k in kw:
            kw[k] = tuple(Condition(**c) for c in kw[k])
    for k, v in list(kw.items()):
        if isinstance(v, list):
            kw[k] = tuple(v)
    return BudgetQuery(**kw)


def _audit_to(q: AuditQuery | None) -> dict | None:
    if q is None:
        return None
    return {f.name: (list(getattr(q, f.name)) if isinstance(getattr(q, f.name), tuple) else getattr(q, f.name))
            for f in fields(q)}


def _audit_from(d: dict | None) -> AuditQuery | None:
    if not d:
        return None
    known = {f.name for f in fields(AuditQuery)}
    return AuditQuery(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items() if k in known})


@dataclass(frozen=True)
class DialogueState:
    turns: int = 0
    route: str = ""                                  # route of the last answer
    question: str = ""                               # the last question
    budget_query: BudgetQuery | None = None
    result_names: tuple[str, ...] = ()               # rows of the last budget answer
    programs: tuple[str, ...] = ()                   # the programmes '그 사업' refers to
    departments: tuple[str, ...] = ()                # the departments '거기' refers to
    entity_history: tuple[tuple[str, ...], ...] = ()  # targets named per turn, newest last (≤ 4)
    metric_history: tuple[str, ...] = ()             # the measure asked per budget turn, newest last (≤ 4)
    candidates: tuple[str, ...] = ()                 # names offered by a clarify answer
    group: tuple[str, ...] = ()                      # the names an ambiguous alias stood for
    audit_query: AuditQuery | None = None
    audit_items: tuple[str, ...] = ()
    validation_kinds: tuple[str, ...] = ()
    validation_names: tuple[str, ...] = ()
    extra: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def audit_item(self) -> str:
        return self.audit_items[0] if len(self.audit_items) == 1 else ""

    @property
    def targets(self) -> tuple[str, ...]:
        return self.programs + tuple(d for d in self.departments if d not in self.programs)

    def after(self, **changes) -> "DialogueState":
        """The next state: `changes` applied, tuples kept tuples, turn counted."""
        for k, v in list(changes.items()):
            if isinstance(v, list):
                changes[k] = tuple(v)
        if "entity_history" in changes:
            changes["entity_history"] = tuple(tuple(x) for x in changes["entity_history"])[-4:]
        if "metric_history" in changes:
            changes["metric_history"] = tuple(changes["metric_history"])[-4:]
        return replace(self, turns=self.turns + 1, **changes)

    def with_named(self, names: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """The entity history with this turn's named targets appended."""
        if not names:
            return self.entity_history
        return (self.entity_history + (tuple(names),))[-4:]

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"version": VERSION}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "budget_query":
                v = _budget_to(v)
            elif f.name == "audit_query":
                v = _audit_to(v)
            elif f.name == "entity_history":
                v = [list(x) for x in v]
            elif f.name == "extra":
                v = [[k, x] for k, x in v]
            elif isinstance(v, tuple):
                v = list(v)
            d[f.name] = v
        return d

    @classmethod
    def from_dict(cls, d: dict | None) -> "DialogueState":
        """A stored state; anything of another version or malformed is a new session."""
        if not isinstance(d, dict) or d.get("version") != VERSION:
            return cls()
        try:
            kw: dict[str, Any] = {}
            for f in fields(cls):
                if f.name not in d:
                    continue
                v = d[f.name]
                if f.name == "budget_query":
                    v = _budget_from(v)
                elif f.name == "audit_query":
                    v = _audit_from(v)
                elif f.name == "entity_history":
                    v = tuple(tuple(str(n) for n in x) for x in v)
                elif f.name == "extra":
                    v = tuple((str(k), x) for k, x in v)
                elif isinstance(v, list):
                    v = tuple(str(x) for x in v)
                kw[f.name] = v
            return cls(**kw)
        except Exception:  # noqa: BLE001 - a damaged stored state must not break the conversation
            return cls()
