"""Each target on its own interval, with a per-device deadline and a global concurrency
limit, so one dead device never delays the others. Targets can be replaced while running.

Devices start at a deterministic offset inside their interval (``jitter``, ``seed``) so
that polls spread out. A poll that takes longer than its interval is an *overrun*: it is
counted (``poll_overruns_total``) and logged, and the missed slots are skipped: polls of
one device never pile up. Each device's request timeout adapts to its observed latency
within ``[min_timeout, target.timeout]`` (:func:`collector.timing.adaptive_timeout`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from agent.poller import PollResult
from collector.health import PollCounters, is_timeout
from collector.parse import health_samples
from collector.timing import LATENCY_WINDOW, adaptive_timeout, jitter_offset, overran
from core.clock import Clock, SystemClock
from core.types import Target

log = logging.getLogger(__name__)

PollFn = Callable[[Target], Awaitable[PollResult]]
Sink = Callable[[PollResult], None]


def poll_deadline(target: Target) -> float:
    """How long one poll of ``target`` may take: its interval, but never less than one
    request's full timeout with retries (and a second to spare)."""
    return max(target.interval, target.timeout * (target.retries + 1) + 1.0)


class Scheduler:
    def __init__(
        self,
        poll: PollFn,
        sink: Sink,
        concurrency: int = 32,
        clock: Clock | None = None,
        jitter: float = 0.1,
        seed: int = 0,
        min_timeout: float = 0.5,
        adaptive: bool = True,
    ) -> None:
        self._poll = poll
        self._sink = sink
        self._sem = asyncio.Semaphore(concurrency)
        self._clock = clock or SystemClock()
        self.jitter = jitter
        self.seed = seed
        self.min_timeout = min_timeout
        self.adaptive = adaptive
        self.counters = PollCounters()
        self._latency: dict[str, deque[float]] = {}
        self._timed_out: dict[str, bool] = {}
        self._targets: dict[str, Target] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._running = False
        self.on_removed: Callable[[str], None] | None = None

    @property
    def targets(self) -> list[Target]:
        return list(self._targets.values())

    def set_targets(self, targets: Iterable[Target]) -> None:
        """Replace the target list; unchanged targets keep their schedule."""
        new = {t.device: t for t in targets}
        for device, old in list(self._targets.items()):
            if new.get(device) != old:
                self._cancel(device)
                del self._targets[device]
                self.counters.forget(device)
                self._latency.pop(device, None)
                self._timed_out.pop(device, None)
                if self.on_removed:
                    self.on_removed(device)
        for device, target in new.items():
            if device not in self._targets:
                self._targets[device] = target
                if self._running:
                    self._start(target)

    def _start(self, target: Target) -> None:
        self._tasks[target.device] = asyncio.create_task(
            self._loop(target), name=f"poll {target.device}"
        )

    def _cancel(self, device: str) -> None:
        task = self._tasks.pop(device, None)
        if task is not None:
            task.cancel()

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; then cancel every poll in flight."""
        self._running = True
        for target in self._targets.values():
            self._start(target)
        try:
            await stop.wait()
        finally:
            self._running = False
            tasks = list(self._tasks.values())
            for device in list(self._tasks):
                self._cancel(device)
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def timeout_for(self, target: Target) -> float:
        """The request timeout to use for ``target`` now (adaptive, within bounds)."""
        if not self.adaptive:
            return target.timeout
        return adaptive_timeout(
            list(self._latency.get(target.device, ())),
            self.min_timeout,
            target.timeout,
            timed_out=self._timed_out.get(target.device, False),
        )

    async def _loop(self, target: Target) -> None:
        loop = asyncio.get_running_loop()
        offset = jitter_offset(target.device, target.interval, self.jitter, self.seed)
        next_at = loop.time() + offset
        await asyncio.sleep(offset)
        while True:
            started = loop.time()
            result = await self.poll_once(target, started_at=started)
            try:
                self._sink(result)
            except Exception:  # a broken sink must not stop polling
                log.exception("sink failed for %s", target.device)
            next_at += target.interval
            now = loop.time()
            if next_at < now:  # overran: skip the missed slots, do not burst
                next_at = now
            await asyncio.sleep(next_at - now)

    async def poll_once(self, target: Target, started_at: float | None = None) -> PollResult:
        loop = asyncio.get_running_loop()
        async with self._sem:
            start = loop.time()
            timeout = self.timeout_for(target)
            effective = (
                target
                if timeout == target.timeout
                else dataclasses.replace(target, timeout=timeout)
            )
            deadline = poll_deadline(effective)
            try:
                result = await asyncio.wait_for(self._poll(effective), deadline)
                result = dataclasses.replace(result, target=target)
            except TimeoutError:
                result = self._failed(target, start, f"poll took longer than {deadline:.1f}s")
            except Exception as exc:  # the poller should not raise; if it does, say so
                log.exception("poll of %s failed", target.device)
                result = self._failed(target, start, f"poll failed: {exc}")
        finished = loop.time()
        self._learn(target.device, result)
        late = overran(started_at if started_at is not None else start, finished, target.interval)
        if late:
            log.warning(
                "poll of %s took %.2fs, longer than its %.2fs interval: next poll skips ahead",
                target.device,
                finished - (started_at if started_at is not None else start),
                target.interval,
            )
        extra = self.counters.observe(
            target.device, result.ok, result.error, late, self._clock.now()
        )
        return dataclasses.replace(result, samples=[*result.samples, *extra])

    def _failed(self, target: Target, start: float, reason: str) -> PollResult:
        took = asyncio.get_running_loop().time() - start
        samples = health_samples(target.device, False, took, self._clock.now(), reason)
        return PollResult(target, samples, False, error=reason)

    def _learn(self, device: str, result: PollResult) -> None:
        self._timed_out[device] = not result.ok and is_timeout(result.error)
        if result.latency is not None:
            window = self._latency.setdefault(device, deque(maxlen=LATENCY_WINDOW))
            window.append(result.latency)
