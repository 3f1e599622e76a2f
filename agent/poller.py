"""Poll one target with its profile -> samples, including device health. Never raises
for a device's fault: a dead or odd device gives ``device_up 0`` with the reason."""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from agent.host_probe import probe_host
from agent.snmp import SnmpError, SnmpSession, new_engine
from collector.parse import SYS_DESCR_OID, SYS_OBJECT_ID_OID, decode_text, health_samples, parse
from collector.profiles import Profile, detect_profile
from collector.rates import RateTracker
from core.clock import Clock, SystemClock
from core.types import Sample, Target

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollResult:
    target: Target
    samples: list[Sample]
    ok: bool
    error: str | None = None
    profile: str | None = None
    problems: tuple[str, ...] = ()
    latency: float | None = None  # seconds for one request (the scalar GET), when measured


class Poller:
    """Polls targets; keeps what must outlive one poll (counter state, detected profiles)."""

    def __init__(
        self, profiles: dict[str, Profile], clock: Clock | None = None, max_repetitions: int = 25
    ) -> None:
        self.profiles = profiles
        self.clock = clock or SystemClock()
        self.max_repetitions = max_repetitions
        self._rates = RateTracker()
        self._detected: dict[tuple[str, str, int], str] = {}
        self._engine: Any = None  # created in the event loop that polls

    async def poll(self, target: Target) -> PollResult:
        started = time.monotonic()
        ts = self.clock.now()
        if target.kind == "host":
            try:
                samples = probe_host(target.device, ts)
            except Exception as exc:  # psutil oddities must not stop the loop
                log.warning("host probe %s failed: %s", target.device, exc)
                return self._down(target, started, f"host probe failed: {exc}")
            samples += health_samples(target.device, True, time.monotonic() - started, ts)
            return PollResult(target, samples, True, profile="host")
        if target.kind != "snmp":
            return self._down(target, started, f"unknown target kind {target.kind!r}")
        if target.profile != "auto" and target.profile not in self.profiles:
            return self._down(
                target,
                started,
                f"unknown profile {target.profile!r}: use one "
                f"of {', '.join(sorted(self.profiles))} or 'auto'",
            )
        if self._engine is None:
            self._engine = new_engine()
        session = SnmpSession(
            target.address,
            target.port,
            target.credentials,
            target.timeout,
            target.retries,
            engine=self._engine,
        )
        try:
            profile = await self._profile_for(target, session)
            oids = profile.scalar_oids()
            asked = time.monotonic()
            values = await session.get(oids) if oids else {}
            latency = (time.monotonic() - asked) / max(1, -(-len(oids) // 40)) if oids else None
            for root in profile.walk_roots():
                values.update(await session.walk(root, self.max_repetitions))
            for root in profile.fallback_roots(values):  # no ifXTable: the 32-bit columns
                values.update(await session.walk(root, self.max_repetitions))
        except SnmpError as exc:  # one plain kind per cause: timeout, refused, auth_failure...
            return self._down(target, started, exc.reason)
        parsed = parse(profile, target.device, values, ts)
        samples = list(parsed.samples)
        samples += self._rates.update(parsed.counters, parsed.uptime_ticks)
        samples += health_samples(target.device, True, time.monotonic() - started, ts)
        return PollResult(
            target, samples, True, profile=profile.name, problems=parsed.problems, latency=latency
        )

    def _down(self, target: Target, started: float, reason: str) -> PollResult:
        now = self.clock.now()
        samples = health_samples(target.device, False, time.monotonic() - started, now, reason)
        return PollResult(target, samples, False, error=reason)

    async def _profile_for(self, target: Target, session: SnmpSession) -> Profile:
        if target.profile != "auto":
            return self.profiles[target.profile]
        key = (target.device, target.address, target.port)
        name = self._detected.get(key)
        if name is None:
            ident = await session.get([SYS_OBJECT_ID_OID, SYS_DESCR_OID])
            found = detect_profile(
                self.profiles,
                decode_text(ident.get(SYS_OBJECT_ID_OID)),
                decode_text(ident.get(SYS_DESCR_OID)),
            )
            name = found.name if found else "system"
            self._detected[key] = name
            log.info("device %s detected as profile %s", target.device, name)
        return self.profiles[name]

    def forget(self, device: str) -> None:
        """Drop counter state and detection for a device (its target changed or went away)."""
        self._rates.forget(device)
        for key in [k for k in self._detected if k[0] == device]:
            del self._detected[key]

    def close(self) -> None:
        """Release the SNMP engine's sockets; call from the loop that polled if it still runs."""
        if self._engine is not None:
            with contextlib.suppress(RuntimeError):  # its event loop is already closed
                self._engine.close_dispatcher()
            self._engine = None
