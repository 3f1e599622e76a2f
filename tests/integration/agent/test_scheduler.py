from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from agent.poller import Poller, PollResult
from agent.scheduler import Scheduler, poll_deadline
from agent.simroom import SimRoom
from collector.profiles import load_profiles
from core.types import Target
from tests.fixtures.aio import run_async

pytestmark = pytest.mark.snmp
INTERVAL = 0.4


class Recorder:
    """Collects poll results and signals when every live device was polled ``want`` times."""

    def __init__(self, live: set[str], want: int) -> None:
        self.live = live
        self.want = want
        self.polls: dict[str, list[tuple[float, bool]]] = {}
        self.enough = asyncio.Event()

    def __call__(self, result: PollResult) -> None:
        self.polls.setdefault(result.target.device, []).append((time.monotonic(), result.ok))
        if all(len(self.polls.get(d, [])) >= self.want for d in self.live):
            self.enough.set()


@run_async
async def test_dead_device_does_not_delay_the_others(
    sim_room: SimRoom, silent_udp_port: int
) -> None:
    live = sim_room.targets(interval=INTERVAL, timeout=0.5, retries=0)
    # the dead one takes 3 x its own interval to time out on every poll
    dead = Target(
        "ghost",
        "snmp",
        "127.0.0.1",
        silent_udp_port,
        "system",
        interval=INTERVAL,
        timeout=1.2,
        retries=0,
    )
    poller = Poller(load_profiles())
    recorder = Recorder({t.device for t in live}, want=5)
    scheduler = Scheduler(poller.poll, recorder, concurrency=8)
    scheduler.set_targets([dead, *live])
    stop = asyncio.Event()
    started = time.monotonic()
    runner = asyncio.create_task(scheduler.run(stop))
    try:
        await asyncio.wait_for(recorder.enough.wait(), timeout=15)
    finally:
        stop.set()
        await runner
        poller.close()
    elapsed = time.monotonic() - started
    # five polls each, at the interval: ~4 intervals plus polling time, not the dead 1.2 s
    assert elapsed < 4 * INTERVAL + 1.5, elapsed
    for t in live:
        times = [ts for ts, ok in recorder.polls[t.device]]
        assert all(ok for _, ok in recorder.polls[t.device]), t.device
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert max(gaps) < INTERVAL + 0.35, (t.device, gaps)
    ghost = recorder.polls.get("ghost", [])
    assert len(ghost) <= 2 and not any(ok for _, ok in ghost)


@run_async
async def test_targets_replaced_at_run_time(sim_room: SimRoom) -> None:
    ups, env = (
        next(t for t in sim_room.targets(interval=0.2) if t.device == d) for d in ("ups-1", "env-1")
    )
    poller = Poller(load_profiles())
    first = Recorder({"ups-1"}, want=2)
    removed: list[str] = []
    scheduler = Scheduler(poller.poll, first, concurrency=4)
    scheduler.on_removed = removed.append
    scheduler.set_targets([ups])
    stop = asyncio.Event()
    runner = asyncio.create_task(scheduler.run(stop))
    try:
        await asyncio.wait_for(first.enough.wait(), timeout=10)
        second = Recorder({"env-1"}, want=2)
        scheduler._sink = second
        scheduler.set_targets([env])
        await asyncio.wait_for(second.enough.wait(), timeout=10)
    finally:
        stop.set()
        await runner
        poller.close()
    assert removed == ["ups-1"]
    assert "ups-1" not in second.polls
    assert [t.device for t in scheduler.targets] == ["env-1"]


@run_async
async def test_poll_over_deadline_becomes_device_down() -> None:
    async def slow(target: Target) -> PollResult:
        await asyncio.sleep(10)
        raise AssertionError("not reached")

    target = Target("slow", "snmp", interval=0.1, timeout=0.1, retries=0)
    assert poll_deadline(target) == pytest.approx(1.1)
    result = await Scheduler(slow, lambda r: None).poll_once(target)
    assert not result.ok and "longer than" in (result.error or "")
    assert [s.value for s in result.samples if s.metric == "device_up"] == [0.0]
