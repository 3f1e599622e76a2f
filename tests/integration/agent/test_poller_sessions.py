"""The poller keeps one SNMP session per device: its socket is reused (no descriptor per
poll), what it learnt survives (bulk off, a lowered max-repetitions ceiling), a changed
target or a failed poll starts afresh, and each column is asked for the rows it had."""

from __future__ import annotations

import dataclasses
import os

import pytest

from agent import poller as poller_mod
from agent.poller import Poller
from agent.simroom import SimRoom
from agent.snmp import SnmpSession
from collector.profiles import load_profiles
from core.types import SnmpCredentials, Target
from tests.fixtures.aio import run_async

pytestmark = pytest.mark.snmp


def switch(room: SimRoom) -> Target:
    return next(t for t in room.targets(interval=1) if t.device == "switch-1")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@run_async
async def test_one_session_per_device_and_no_descriptor_leak(sim_room: SimRoom) -> None:
    poller = Poller(load_profiles())
    target = switch(sim_room)
    try:
        assert (await poller.poll(target)).ok
        session = poller._sessions[target.device][1]
        before = open_fds()
        for timeout in (2.0, 1.5, 3.0):  # the adaptive timeout changes: same session
            result = await poller.poll(dataclasses.replace(target, timeout=timeout))
            assert result.ok, result.error
            assert poller._sessions[target.device][1] is session
            assert session.timeout == timeout
        assert open_fds() == before
        changed = dataclasses.replace(target, credentials=SnmpCredentials("2c", "other"))
        assert not (await poller.poll(changed)).ok  # wrong community: a timeout
        assert target.device not in poller._sessions  # failed: dropped, rebuilt next time
        assert (await poller.poll(target)).ok
        assert poller._sessions[target.device][1] is not session
        poller.forget(target.device)
        assert target.device not in poller._sessions
    finally:
        poller.close()
    assert poller._sessions == {}


@run_async
async def test_columns_asked_for_their_rows_and_learnt_limits_kept(
    sim_room: SimRoom, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[tuple[str, ...], int | None]] = []
    walked: list[int | None] = []
    columns, walk = SnmpSession.walk_columns, SnmpSession.walk

    async def spy_columns(
        self: SnmpSession, roots: list[str], reps: int | None = None, *a: object
    ) -> object:
        asked.append((tuple(roots), reps))
        return await columns(self, roots, reps)

    async def spy_walk(self: SnmpSession, root: str, reps: int | None = None, *a: object) -> object:
        walked.append(reps)
        return await walk(self, root, reps, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(SnmpSession, "walk_columns", spy_columns)
    monkeypatch.setattr(SnmpSession, "walk", spy_walk)
    poller = Poller(load_profiles(), max_repetitions=10)
    target = switch(sim_room)
    try:
        assert (await poller.poll(target)).ok
        assert asked and {reps for _, reps in asked} == {10}  # nothing known: the configured
        assert walked == []  # v2c: every column in the same GETBULKs, no walk of one column
        asked.clear()
        assert (await poller.poll(target)).ok
        rows = {root: n for (device, root), n in poller._rows.items()}
        for roots, reps in asked:  # 24 ports: 25 rows asked, to see every column's end
            most = max(rows[root] for root in roots)
            assert reps == max(10, min(most + 1, poller_mod.ADAPTIVE_MAX_REPETITIONS)) == 25
        session = poller._sessions[target.device][1]
        session.max_repetitions = 4  # as if the agent had answered tooBig
        session.bulk = False  # ... and mishandled GETBULK
        asked.clear()
        assert (await poller.poll(target)).ok
        assert walked and max(reps or 0 for reps in walked) == 4  # column by column, GETNEXT
        assert poller._sessions[target.device][1].bulk is False
    finally:
        poller.close()


class FakeSession:
    """A session whose GETBULK goes unanswered above ``drops_above`` (GETNEXT answers)."""

    def __init__(self, drops_above: int) -> None:
        self.bulk, self.max_repetitions, self.drops_above = True, 128, drops_above

    async def walk_columns(self, roots: list[str], reps: int) -> dict[str, dict[str, int]]:
        if self.bulk and reps > self.drops_above:
            self.bulk = False  # what SnmpSession does when only GETNEXT answers
        return {root: {str(i): i for i in range(1, 49)} for root in roots}


@pytest.mark.parametrize(
    ("drops_above", "bulk_after", "ceiling_after"),
    [(1000, True, 128), (25, True, 10), (5, False, 128)],
    ids=["never-drops", "drops-large-answers", "drops-even-small"],
)
@run_async
async def test_a_dropped_large_bulk_lowers_the_size_before_turning_bulk_off(
    drops_above: int, bulk_after: bool, ceiling_after: int
) -> None:
    poller = Poller(load_profiles(), max_repetitions=10)
    session = FakeSession(drops_above)
    for _ in range(3):  # learn 48 rows, then ask for 49, then settle
        await poller._walk("d", session, ["1.3.6.1.2.1.2.2.1.8"])  # type: ignore[arg-type]
    assert (session.bulk, session.max_repetitions) == (bulk_after, ceiling_after)
