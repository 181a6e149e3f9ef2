"""Follow-ups without a server-side session: replay the earlier user turns.

A stateless client (the OpenAI chat API, an MCP host) sends the whole conversation
each time. The dialogue state is rebuilt by asking the earlier user turns again,
in order, in a fresh private session, and then the new question:

    ans = answer_with_history(assistant, ["<사업> 예산은?"], "그 사업 집행률은?")

The same turns always give the same state, on any worker. Only the last
`MAX_REPLAYED_TURNS` earlier turns are replayed (`replay_window` says how many
were dropped), so a 100-turn history costs at most that many `ask` calls.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any, Protocol

from .answer import Answer

MAX_REPLAYED_TURNS = 20


class Asks(Protocol):
    def ask(self, question: str, session_id: str | None = None) -> Answer: ...


@dataclass(frozen=True)
class ReplayWindow:
    turns: tuple[str, ...]      # the earlier user turns that are replayed, oldest first
    user_turns: int             # earlier user turns received
    dropped: int                # the oldest ones not replayed

    def to_dict(self) -> dict[str, Any]:
        return {"earlier_user_turns": self.user_turns, "replayed": len(self.turns), "dropped": self.dropped,
                "max_replayed": MAX_REPLAYED_TURNS}


def replay_window(earlier: list[str] | tuple[str, ...], max_turns: int = MAX_REPLAYED_TURNS) -> ReplayWindow:
    """The last `max_turns` earlier turns (oldest first) and how many older ones are dropped."""
    if max_turns < 0:
        raise ValueError(f"max_turns must be >= 0, got {max_turns}")
    earlier = tuple(earlier)
    kept = earlier[len(earlier) - max_turns:] if max_turns else ()
    return ReplayWindow(turns=kept, user_turns=len(earlier), dropped=len(earlier) - len(kept))


def answer_with_history(assistant: Asks, earlier: list[str] | tuple[str, ...], question: str, *,
                        max_turns: int = MAX_REPLAYED_TURNS) -> Answer:
    """Answer `question` as the next turn after `earlier` (user turns, oldest first).

    With no earlier turns this is `assistant.ask(question)` with no session. Otherwise
    the window of earlier turns is asked in a new private session (uuid4); their
    answers are discarded (a turn that fails, e.g. an empty one, leaves the state
    as it was). The returned answer carries `session_id=None`: the private session
    is never meant to be reused.
    """
    window = replay_window(earlier, max_turns)
    if not window.turns:
        return replace(assistant.ask(question, session_id=None), session_id=None)
    sid = f"replay-{uuid.uuid4().hex}"
    for turn in window.turns:
        assistant.ask(turn, session_id=sid)
    return replace(assistant.ask(question, session_id=sid), session_id=None)
