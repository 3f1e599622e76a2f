"""The agent process: scheduler + poller + uplink + /metrics + target refresh."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from collections.abc import Awaitable, Callable

from agent.metrics import AgentState, MetricsServer, RoomwatchCollector
from agent.poller import Poller, PollResult
from agent.scheduler import Scheduler
from agent.snmp import quiet_late_datagrams
from agent.targets import load_targets_file
from agent.traps import TrapReceiver, trap_users_from
from agent.uplink import Uplink, fetch_targets
from collector.profiles import Profile, get_profile, load_profiles
from collector.traps import TrapEvent
from core.config import Settings
from core.errors import ProfileError
from core.types import Target

log = logging.getLogger(__name__)
SHUTDOWN_SECONDS = 5.0  # longest a stop waits for polls in flight and for the last push

StopEvent = asyncio.Event | threading.Event


async def _wait(stop: StopEvent, seconds: float) -> bool:
    """Sleep up to ``seconds``; True as soon as ``stop`` is set."""
    if isinstance(stop, asyncio.Event):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        return stop.is_set()
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not stop.is_set() and loop.time() < end:
        await asyncio.sleep(min(0.2, max(0.0, end - loop.time())))
    return stop.is_set()


async def _every(stop: StopEvent, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
    while not await _wait(stop, seconds):
        try:
            await job()
        except Exception:
            log.exception("periodic job failed")


async def run_agent(
    settings: Settings, stop_event: StopEvent, targets: list[Target] | None = None
) -> None:
    """Run until ``stop_event`` is set (asyncio.Event, or threading.Event from another thread).

    Targets: ``targets`` when given, else ``agent.targets_file``, else fetched from the
    server every ``targets_refresh_seconds`` (the last good list is kept on failure).
    """
    cfg = settings.agent
    profiles = load_profiles()
    # a standalone targets file is checked before anything starts: a mistake in it stops the
    # agent with one line; targets from the server are checked per device by the poller
    # (an unknown profile there is that device's poll error, not the agent's end)
    initial = targets
    if initial is None and cfg.targets_file:
        initial = load_targets_file(cfg.targets_file)
        check_profiles(initial, profiles, cfg.targets_file)
    from_server = initial is None
    state = AgentState()
    quiet_late_datagrams(asyncio.get_running_loop())
    # a long-running poller allocates many short-lived objects: move what exists now (code,
    # profiles, settings) out of the collector's way and collect young objects less often
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    poller = Poller(profiles)
    uplink = Uplink(
        cfg.server_url,
        cfg.token,
        cfg.name,
        cfg.spool_dir,
        memory_queue_samples=cfg.memory_queue_samples,
        dead_letter_after=cfg.dead_letter_after,
    )
    state.spool_batches = uplink.pending_batches
    state.spool_health = uplink.health
    metrics = MetricsServer(RoomwatchCollector(state, cfg.name), cfg.metrics_host, cfg.metrics_port)
    log.info("agent %s: metrics on http://%s:%s/metrics", cfg.name, metrics.host, metrics.port)

    def sink(result: PollResult) -> None:
        state.record(result)
        uplink.add(result.samples)  # on disk now: a kill loses at most the polls in flight

    def removed(device: str) -> None:
        poller.forget(device)
        state.forget(device)

    scheduler = Scheduler(poller.poll, sink, cfg.concurrency)
    scheduler.on_removed = removed
    background: set[asyncio.Task[None]] = set()

    async def push_events() -> None:
        report = await asyncio.to_thread(uplink.push_events)
        if report.sent:
            state.last_push = uplink.last_success

    def on_trap(event: TrapEvent) -> None:
        """Called on the loop for every trap: to the server at once (spooled on failure)."""
        state.record_event(event)
        uplink.add_events([event])
        task = asyncio.create_task(push_events())
        background.add(task)
        task.add_done_callback(background.discard)

    traps: TrapReceiver | None = None
    if cfg.trap_port:
        traps = TrapReceiver(
            cfg.trap_host,
            cfg.trap_port,
            cfg.trap_communities,
            on_trap,
            lambda: scheduler.targets,
            trap_users_from(cfg.trap_users),  # v3 users, when configured
        ).start()

    async def refresh() -> None:
        try:
            fresh = await asyncio.to_thread(fetch_targets, cfg.server_url, cfg.token)
        except Exception as exc:  # unreachable, bad payload: keep polling
            log.warning(
                "cannot fetch targets from %s: %s (keeping %d)",
                cfg.server_url,
                exc,
                len(scheduler.targets),
            )
            return
        scheduler.set_targets(fresh)

    async def push() -> None:
        report = await asyncio.to_thread(uplink.push)
        if report.sent:
            state.last_push = uplink.last_success
        if uplink.pending_event_batches():  # replay events spooled while the server was away
            await push_events()

    if initial is not None:
        scheduler.set_targets(initial)
    else:
        await refresh()

    inner_stop = asyncio.Event()
    jobs = [
        asyncio.create_task(scheduler.run(inner_stop)),
        asyncio.create_task(_every(stop_event, cfg.push_interval_seconds, push)),
    ]
    if from_server:
        jobs.append(asyncio.create_task(_every(stop_event, cfg.targets_refresh_seconds, refresh)))
    try:
        if isinstance(stop_event, asyncio.Event):
            await stop_event.wait()
        else:
            await _wait_forever(stop_event)
    finally:
        inner_stop.set()
        if traps is not None:
            traps.stop()
        for job in jobs[1:]:
            job.cancel()
        # a stop never hangs: polls in flight get a few seconds, then the last samples are
        # sent with a short timeout or stay in the spool on disk (nothing is lost)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*jobs, *background, return_exceptions=True), SHUTDOWN_SECONDS
            )
        uplink.timeout = min(uplink.timeout, SHUTDOWN_SECONDS / 2)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.to_thread(uplink.push), SHUTDOWN_SECONDS)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.to_thread(uplink.push_events), SHUTDOWN_SECONDS)
        metrics.stop()
        poller.close()


def check_profiles(targets: list[Target], profiles: dict[str, Profile], where: str) -> None:
    """Raise a one-line ProfileError naming the file, the device and the known profiles."""
    for target in targets:
        if target.kind == "snmp" and target.profile != "auto":
            try:
                get_profile(target.profile, profiles)
            except ProfileError as exc:
                raise ProfileError(f"{where}: device {target.device!r}: {exc}") from None


async def _wait_forever(stop: threading.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(0.2)
