"""The dialogue state is immutable, versioned and survives a store round trip."""
import dataclasses

import pytest

from assistant.audit import AuditQuery
from assistant.budget import BudgetQuery, Condition
from assistant.dialogue import VERSION, DialogueState


def test_round_trip_keeps_every_field():
    s = DialogueState().after(
        route="budget", question="q", programs=["가"], departments=("부",),
        budget_query=BudgetQuery(metrics=("spent_rate", "budget-forecast"), operation="top_k", k=3,
                                 conditions=(Condition("spent_rate", "<", 50.0),),
                                 exclusions=(Condition("spent", "==", 0.0),)),
        entity_history=[("가",), ("나", "다")], audit_query=AuditQuery("count", ("완료",)), audit_items=("A01",))
    d = s.to_dict()
    assert d["version"] == VERSION
    assert DialogueState.from_dict(d) == s
    assert s.audit_item == "A01" and s.turns == 1


def test_state_cannot_be_mutated():
    s = DialogueState()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.route = "budget"          # type: ignore[misc]
    t = s.after(route="audit")
    assert s.route == "" and t.route == "audit"


@pytest.mark.parametrize("stored", [None, {}, {"version": VERSION + 1, "route": "budget"}, [1, 2], "x",
                                    {"version": VERSION, "budget_query": {"metrics": ["nonsense"]}},
                                    {"version": VERSION, "entity_history": 5}])
def test_damaged_or_foreign_state_is_a_new_session(stored):
    assert DialogueState.from_dict(stored) == DialogueState()


def test_entity_history_keeps_the_last_four():
    s = DialogueState()
    for i in range(6):
        s = s.after(entity_history=s.with_named((f"n{i}",)))
    assert s.entity_history == (("n2",), ("n3",), ("n4",), ("n5",))
