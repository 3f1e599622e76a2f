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
    demo = {"ups-1", "pdu-1", "switch-1", "env-1"}  # the demo room: keep the test light
    live = [
        t for t in sim_room.targets(interval=INTERVAL, timeout=0.5, retries=0) if t.device in demo
    ]
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


class FakeDevice:
    """A poll function with a chosen duration and latency; records what it was asked."""

    def __init__(self, duration: float, latency: float | None = 0.01, ok: bool = True) -> None:
        self.duration = duration
        self.latency = latency
        self.ok = ok
        self.timeouts: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def __call__(self, target: Target) -> PollResult:
        self.timeouts.append(target.timeout)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.duration)
        finally:
            self.in_flight -= 1
        error = None if self.ok else "timeout: no answer within 1s x 1"
        return PollResult(target, [], self.ok, error=error, latency=self.latency)


def counter(result: PollResult, metric: str) -> float | None:
    return next((s.value for s in result.samples if s.metric == metric), None)


@run_async
async def test_overrun_is_counted_and_never_stacked() -> None:
    device = FakeDevice(duration=0.25)  # interval 0.1: every poll overruns
    results: list[PollResult] = []
    done = asyncio.Event()

    def sink(result: PollResult) -> None:
        results.append(result)
        if len(results) >= 3:
            done.set()

    scheduler = Scheduler(device, sink, jitter=0)
    scheduler.set_targets([Target("slow", "snmp", interval=0.1, timeout=1.0)])
    stop = asyncio.Event()
    runner = asyncio.create_task(scheduler.run(stop))
    await asyncio.wait_for(done.wait(), 10)
    stop.set()
    await runner
    assert device.max_in_flight == 1  # polls of one device never overlap
    assert [counter(r, "poll_overruns_total") for r in results[:3]] == [1.0, 2.0, 3.0]
    assert all(counter(r, "poll_errors_total") == 0.0 for r in results)


@run_async
async def test_timeout_adapts_to_latency_within_bounds() -> None:
    fast = FakeDevice(duration=0, latency=0.02)
    scheduler = Scheduler(fast, lambda r: None, min_timeout=0.3)
    target = Target("fast", "snmp", interval=1, timeout=2.0)
    for _ in range(3):
        await scheduler.poll_once(target)
    assert fast.timeouts == [2.0, 0.3, 0.3]  # no history: configured; then the floor
    slow = FakeDevice(duration=0, latency=0.4)
    scheduler = Scheduler(slow, lambda r: None, min_timeout=0.3)
    await scheduler.poll_once(target)
    await scheduler.poll_once(target)
    assert slow.timeouts == [2.0, 1.6]  # 4 x its slowest answer
    dead = FakeDevice(duration=0, latency=0.01, ok=False)
    scheduler = Scheduler(dead, lambda r: None, min_timeout=0.3)
    first = await scheduler.poll_once(target)
    await scheduler.poll_once(target)
    assert dead.timeouts == [2.0, 2.0]  # after a timeout: the configured one again
    assert counter(first, "poll_timeouts_total") == 1.0
    fixed = FakeDevice(duration=0, latency=0.01)
    scheduler = Scheduler(fixed, lambda r: None, adaptive=False)
    await scheduler.poll_once(target)
    await scheduler.poll_once(target)
    assert fixed.timeouts == [2.0, 2.0]


@run_async
async def test_jittered_start_is_deterministic_and_concurrency_bounded() -> None:
    device = FakeDevice(duration=0.05)
    first_poll: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    start = loop.time()
    names = [f"d{i}" for i in range(12)]
    all_seen = asyncio.Event()

    def sink(result: PollResult) -> None:
        first_poll.setdefault(result.target.device, loop.time() - start)
        if len(first_poll) == len(names):
            all_seen.set()

    scheduler = Scheduler(device, sink, concurrency=3, jitter=1.0, seed=42)
    scheduler.set_targets([Target(n, "snmp", interval=0.5) for n in names])
    stop = asyncio.Event()
    runner = asyncio.create_task(scheduler.run(stop))
    await asyncio.wait_for(all_seen.wait(), 10)
    stop.set()
    await runner
    assert device.max_in_flight <= 3
    from collector.timing import jitter_offset

    order = sorted(names, key=lambda n: jitter_offset(n, 0.5, 1.0, 42))
    assert order[0] == min(first_poll, key=first_poll.__getitem__)  # earliest offset first
    assert max(first_poll.values()) > 0.2  # spread over the interval, not all at once
