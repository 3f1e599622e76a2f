"""Each target on its own interval, with a per-device deadline and a global concurrency
limit, so one dead device never delays the others. Targets can be replaced while running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from agent.poller import PollResult
from collector.parse import health_samples
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
        self, poll: PollFn, sink: Sink, concurrency: int = 32, clock: Clock | None = None
    ) -> None:
        self._poll = poll
        self._sink = sink
        self._sem = asyncio.Semaphore(concurrency)
        self._clock = clock or SystemClock()
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

    async def _loop(self, target: Target) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            result = await self.poll_once(target)
            try:
                self._sink(result)
            except Exception:  # a broken sink must not stop polling
                log.exception("sink failed for %s", target.device)
            next_at += target.interval
            now = loop.time()
            if next_at < now:  # overran: skip the missed slots, do not burst
                next_at = now
            await asyncio.sleep(next_at - now)

    async def poll_once(self, target: Target) -> PollResult:
        async with self._sem:
            start = asyncio.get_running_loop().time()
            deadline = poll_deadline(target)
            try:
                return await asyncio.wait_for(self._poll(target), deadline)
            except TimeoutError:
                reason = f"poll took longer than {deadline:.1f}s"
            except Exception as exc:  # the poller should not raise; if it does, say so
                log.exception("poll of %s failed", target.device)
                reason = f"poll failed: {exc}"
            took = asyncio.get_running_loop().time() - start
            samples = health_samples(target.device, False, took, self._clock.now(), reason)
            return PollResult(target, samples, False, error=reason)
