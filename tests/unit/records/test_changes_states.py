"""The change state machine, every allowed and refused move with its reason (tables)."""

from __future__ import annotations

import itertools

import pytest

from core.types import Role
from records.changes.states import Action, Facts, State, allowed_actions, decide

S, A = State, Action
DUTY, SUP, ADMIN, RO = Role.DUTY, Role.SUPERVISOR, Role.ADMIN, Role.READONLY

# (from, action, to) with the person who may do it: approvals by a supervisor who did not
# request the change, the rest by its requester on duty; emergency/approved as noted
ALLOWED = [
    (S.DRAFT, A.SUBMIT, S.SUBMITTED, {}),
    (S.SUBMITTED, A.APPROVE, S.APPROVED, {}),
    (S.SUBMITTED, A.REJECT, S.REJECTED, {}),
    (S.APPROVED, A.START, S.IN_PROGRESS, {"approved": True}),
    (S.DRAFT, A.START, S.IN_PROGRESS, {"emergency": True}),
    (S.IN_PROGRESS, A.APPROVE, S.IN_PROGRESS, {"emergency": True}),
    (S.IN_PROGRESS, A.IMPLEMENT, S.IMPLEMENTED, {}),
    (S.IMPLEMENTED, A.APPROVE, S.IMPLEMENTED, {"emergency": True}),
    (S.IMPLEMENTED, A.VERIFY, S.VERIFIED, {"approved": True}),
    (S.DRAFT, A.CANCEL, S.CANCELLED, {}),
    (S.SUBMITTED, A.CANCEL, S.CANCELLED, {}),
    (S.APPROVED, A.CANCEL, S.CANCELLED, {"approved": True}),
    (S.VERIFIED, A.CLOSE, S.CLOSED, {"approved": True}),
    (S.REJECTED, A.CLOSE, S.CLOSED, {}),
    (S.CANCELLED, A.CLOSE, S.CLOSED, {}),
]


def _facts(state: State, action: Action, **kw: bool) -> Facts:
    approver = action in (A.APPROVE, A.REJECT)
    return Facts(state=state, role=SUP if approver else DUTY, is_requester=not approver, **kw)


@pytest.mark.parametrize(
    ("state", "action", "to", "kw"), ALLOWED, ids=[f"{s}-{a}" for s, a, _, _ in ALLOWED]
)
def test_allowed(state: State, action: Action, to: State, kw: dict[str, bool]) -> None:
    decision = decide(action, _facts(state, action, **kw))
    assert decision.ok and decision.to is to and decision.reason == ""


_ALLOWED_PAIRS = {(s, a) for s, a, _, _ in ALLOWED}
REFUSED_BY_STATE = [
    (s, a, "changes.err.closed" if s is S.CLOSED else "changes.err.bad_state")
    for s, a in itertools.product(State, Action)
    if (s, a) not in _ALLOWED_PAIRS
]


@pytest.mark.parametrize(
    ("state", "action", "reason"),
    REFUSED_BY_STATE,
    ids=[f"{s}-{a}" for s, a, _ in REFUSED_BY_STATE],
)
def test_refused_from_state(state: State, action: Action, reason: str) -> None:
    for emergency in (False, True):
        decision = decide(action, _facts(state, action, emergency=emergency, approved=True))
        assert not decision.ok and decision.to is None
        assert decision.reason == reason


CONDITIONS = [
    ("duty-approves", S.SUBMITTED, A.APPROVE, Facts(S.SUBMITTED, DUTY, False),
     "changes.err.approver_role"),
    ("duty-rejects", S.SUBMITTED, A.REJECT, Facts(S.SUBMITTED, DUTY, False),
     "changes.err.approver_role"),
    ("own-change-approve", S.SUBMITTED, A.APPROVE, Facts(S.SUBMITTED, SUP, True),
     "changes.err.own_change"),
    ("own-change-admin", S.SUBMITTED, A.APPROVE, Facts(S.SUBMITTED, ADMIN, True),
     "changes.err.own_change"),
    ("own-change-reject", S.SUBMITTED, A.REJECT, Facts(S.SUBMITTED, SUP, True),
     "changes.err.own_change"),
    ("global-not-announced", S.SUBMITTED, A.APPROVE,
     Facts(S.SUBMITTED, SUP, False, global_impact=True), "changes.err.not_announced"),
    ("readonly-submits", S.DRAFT, A.SUBMIT, Facts(S.DRAFT, RO, True), "changes.err.readonly"),
    ("readonly-approves", S.SUBMITTED, A.APPROVE, Facts(S.SUBMITTED, RO, False),
     "changes.err.readonly"),
    ("other-submits", S.DRAFT, A.SUBMIT, Facts(S.DRAFT, SUP, False),
     "changes.err.not_requester"),
    ("duty-cancels-other", S.SUBMITTED, A.CANCEL, Facts(S.SUBMITTED, DUTY, False),
     "changes.err.not_requester"),
    ("normal-starts-from-draft", S.DRAFT, A.START, Facts(S.DRAFT, DUTY, True),
     "changes.err.bad_state"),
    ("normal-approved-after-fact", S.IMPLEMENTED, A.APPROVE,
     Facts(S.IMPLEMENTED, SUP, False), "changes.err.bad_state"),
    ("emergency-approved-twice", S.IMPLEMENTED, A.APPROVE,
     Facts(S.IMPLEMENTED, SUP, False, emergency=True, approved=True),
     "changes.err.already_approved"),
    ("emergency-own-after-fact", S.IN_PROGRESS, A.APPROVE,
     Facts(S.IN_PROGRESS, SUP, True, emergency=True), "changes.err.own_change"),
    ("verify-unapproved-emergency", S.IMPLEMENTED, A.VERIFY,
     Facts(S.IMPLEMENTED, DUTY, True, emergency=True), "changes.err.awaiting_approval"),
    ("closed-by-admin", S.CLOSED, A.CLOSE, Facts(S.CLOSED, ADMIN, False), "changes.err.closed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("state", "action", "facts", "reason"),
    [c[1:] for c in CONDITIONS],
    ids=[c[0] for c in CONDITIONS],
)
def test_refused_by_condition(state: State, action: Action, facts: Facts, reason: str) -> None:
    assert facts.state is state
    assert decide(action, facts).reason == reason


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (Facts(S.DRAFT, DUTY, True), [A.SUBMIT, A.CANCEL]),
        (Facts(S.DRAFT, DUTY, True, emergency=True), [A.SUBMIT, A.START, A.CANCEL]),
        (Facts(S.SUBMITTED, SUP, False), [A.APPROVE, A.REJECT, A.CANCEL]),
        (Facts(S.SUBMITTED, DUTY, False), []),
        (Facts(S.SUBMITTED, RO, False), []),
        (Facts(S.IMPLEMENTED, SUP, False, emergency=True), [A.APPROVE]),
        (Facts(S.CLOSED, ADMIN, False), []),
    ],
    ids=[
        "draft",
        "emergency-draft",
        "supervisor",
        "other-duty",
        "readonly",
        "after-fact",
        "closed",
    ],
)
def test_allowed_actions(facts: Facts, expected: list[Action]) -> None:
    assert allowed_actions(facts) == expected
