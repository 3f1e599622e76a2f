"""The change state machine as a pure function over a few facts (R6.2).

draft → submitted → approved | rejected → in_progress → implemented → verified → closed,
plus cancelled (before work starts) and the emergency path: an emergency change starts
from draft, is implemented first and approved after the fact by a supervisor. Rejected
and cancelled changes are closed to freeze them. The approver is a supervisor or admin
and never the requester.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.types import Role


class State(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    VERIFIED = "verified"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class Action(enum.StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    START = "start"
    IMPLEMENT = "implement"
    VERIFY = "verify"
    CANCEL = "cancel"
    CLOSE = "close"


APPROVERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
ACTORS = frozenset({Role.DUTY, Role.SUPERVISOR, Role.ADMIN})

# the plain moves: (from, action) → to; the conditions come in :func:`decide`
MOVES: dict[tuple[State, Action], State] = {
    (State.DRAFT, Action.SUBMIT): State.SUBMITTED,
    (State.SUBMITTED, Action.APPROVE): State.APPROVED,
    (State.SUBMITTED, Action.REJECT): State.REJECTED,
    (State.APPROVED, Action.START): State.IN_PROGRESS,
    (State.DRAFT, Action.START): State.IN_PROGRESS,  # emergency only
    (State.IN_PROGRESS, Action.APPROVE): State.IN_PROGRESS,  # emergency, after the fact
    (State.IN_PROGRESS, Action.IMPLEMENT): State.IMPLEMENTED,
    (State.IMPLEMENTED, Action.APPROVE): State.IMPLEMENTED,  # emergency, after the fact
    (State.IMPLEMENTED, Action.VERIFY): State.VERIFIED,
    (State.DRAFT, Action.CANCEL): State.CANCELLED,
    (State.SUBMITTED, Action.CANCEL): State.CANCELLED,
    (State.APPROVED, Action.CANCEL): State.CANCELLED,
    (State.VERIFIED, Action.CLOSE): State.CLOSED,
    (State.REJECTED, Action.CLOSE): State.CLOSED,
    (State.CANCELLED, Action.CLOSE): State.CLOSED,
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the decision depends on: the change as it stands and who asks."""

    state: State
    role: Role
    is_requester: bool
    emergency: bool = False
    approved: bool = False
    global_impact: bool = False
    announced: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed (``to`` set, ``reason`` empty) or refused with a message id."""

    to: State | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.to is not None


def _refuse(reason: str) -> Decision:
    return Decision(None, reason)


def decide(action: Action, f: Facts) -> Decision:
    """May ``action`` happen now, and to which state; if not, why (a message id)."""
    if f.state is State.CLOSED:
        return _refuse("changes.err.closed")
    if f.role not in ACTORS:
        return _refuse("changes.err.readonly")
    to = MOVES.get((f.state, action))
    if to is None:
        return _refuse("changes.err.bad_state")
    if action in (Action.APPROVE, Action.REJECT):
        if f.role not in APPROVERS:
            return _refuse("changes.err.approver_role")
        if f.is_requester:
            return _refuse("changes.err.own_change")
        if f.state in (State.IN_PROGRESS, State.IMPLEMENTED):
            if not f.emergency:
                return _refuse("changes.err.bad_state")
            if f.approved:
                return _refuse("changes.err.already_approved")
        elif action is Action.APPROVE and f.global_impact and not f.announced:
            return _refuse("changes.err.not_announced")
    elif action is Action.SUBMIT and not f.is_requester:
        return _refuse("changes.err.not_requester")
    elif action is Action.START and f.state is State.DRAFT and not f.emergency:
        return _refuse("changes.err.bad_state")
    elif action is Action.CANCEL and not (f.is_requester or f.role in APPROVERS):
        return _refuse("changes.err.not_requester")
    elif action is Action.VERIFY and not f.approved:
        return _refuse("changes.err.awaiting_approval")
    return Decision(to)


def allowed_actions(f: Facts) -> list[Action]:
    """The actions this person may take on this change now (for the page's buttons)."""
    return [a for a in Action if decide(a, f).ok]
