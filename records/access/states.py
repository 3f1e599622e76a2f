"""The life of one registration: requested → approved|rejected → inside → left.

Staff enter on registration (they start inside); construction workers under an approved
work application start approved; everybody else waits for the room's head to decide
(非机房人员和外单位人员进入机房经信息中心负责人批准后, 履行登记手续方可进入).
"""

from __future__ import annotations

import enum

from records.errors import RecordError


class State(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    INSIDE = "inside"
    LEFT = "left"


class Action(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ENTER = "enter"
    LEAVE = "leave"


TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.REQUESTED, Action.APPROVE): State.APPROVED,
    (State.REQUESTED, Action.REJECT): State.REJECTED,
    (State.APPROVED, Action.ENTER): State.INSIDE,
    (State.INSIDE, Action.LEAVE): State.LEFT,
}

CLOSED = frozenset({State.REJECTED, State.LEFT})
"""Terminal states: the registration is signed and frozen."""


def next_state(state: State | str, action: Action | str) -> State:
    """The state after ``action``; a move the table does not allow is refused."""
    new = TRANSITIONS.get((State(state), Action(action)))
    if new is None:
        raise RecordError("access.bad_transition", state=str(state), action=str(action))
    return new


def initial_state(*, staff: bool, approved_work: bool) -> State:
    """Where a new registration starts."""
    if staff:
        return State.INSIDE
    return State.APPROVED if approved_work else State.REQUESTED
