"""Login throttling: short, growing waits after failed logins, per account and per address.

An account may fail ``account_free`` times in a row; after that each further attempt must
wait 1 s, 2 s, 4 s... (capped at ``max_seconds``) after the latest failure. An address may
fail ``address_free`` times within ``window`` (over all the names it tries) before the same
growing wait applies to everything it sends. A successful login ends an account's run of
failures; failures older than ``window`` are forgotten.

During a wait every attempt is refused, a correct password too (otherwise the wait would
only slow down the attacker's wrong guesses, not the right one), but the wait is short: an
attacker can slow a duty person down by at most ``max_seconds``, never lock them out.
A refused attempt is not a failure: it neither checks the password nor lengthens the wait.

The failures are counted from the audit journal, which already holds one ``login.failed``
entry (name, address, time) per failure and one ``login`` entry per success. So every server
process sharing the database sees the same count, no second table can disagree with the
journal, and the work per attempt is bounded: the queries read at most a few rows beyond the
point where the wait reaches its cap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import AuditEntry

FAILED = "login.failed"
SUCCEEDED = "login"


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    account_free: int = 5  # failures in a row before an account waits
    address_free: int = 20  # failures within the window before an address waits
    base_seconds: float = 1.0  # the first wait; it doubles with every further failure
    max_seconds: float = 60.0
    window: timedelta = timedelta(minutes=15)

    def delay(self, failures: int, free: int) -> float:
        """Seconds to wait after the latest of ``failures`` (0 while within ``free``)."""
        if failures < free:
            return 0.0
        doublings = min(failures - free, self.steps)
        return float(min(self.base_seconds * 2**doublings, self.max_seconds))

    @property
    def steps(self) -> int:
        """Doublings from the first wait to the cap: more failures change nothing."""
        return max(0, math.ceil(math.log2(self.max_seconds / self.base_seconds)))


DEFAULT_POLICY = LoginPolicy()


def seconds_to_wait(
    s: Session, username: str, address: str, now: datetime, policy: LoginPolicy = DEFAULT_POLICY
) -> int:
    """Whole seconds before ``username`` may try again from ``address`` (0: try now)."""
    since = now - policy.window
    waits = [0.0]
    recent = _account_history(s, username, since, policy.account_free + policy.steps + 1)
    run = _leading_failures(recent)
    if run:
        waits.append(_remaining(recent[0][1], policy.delay(run, policy.account_free), now))
    failures = _address_failures(s, address, since, policy.address_free + policy.steps + 1)
    if failures:
        delay = policy.delay(len(failures), policy.address_free)
        waits.append(_remaining(failures[0], delay, now))
    return math.ceil(max(waits))


def _remaining(last_failure: datetime, delay: float, now: datetime) -> float:
    return (last_failure + timedelta(seconds=delay) - now).total_seconds()


def _leading_failures(history: list[tuple[str, datetime]]) -> int:
    """How many failures precede (newest first) the latest success."""
    run = 0
    for action, _ts in history:
        if action != FAILED:
            break
        run += 1
    return run


def _account_history(
    s: Session, username: str, since: datetime, limit: int
) -> list[tuple[str, datetime]]:
    rows = s.execute(
        select(AuditEntry.action, AuditEntry.ts)
        .where(
            AuditEntry.actor == username,
            AuditEntry.action.in_((FAILED, SUCCEEDED)),
            AuditEntry.ts >= since,
        )
        .order_by(AuditEntry.ts.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return [(action, ts) for action, ts in rows]


def _address_failures(s: Session, address: str, since: datetime, limit: int) -> list[datetime]:
    rows = s.scalars(
        select(AuditEntry.ts)
        .where(AuditEntry.address == address, AuditEntry.action == FAILED, AuditEntry.ts >= since)
        .order_by(AuditEntry.ts.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(rows)
