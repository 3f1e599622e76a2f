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
from collector.engine_ids import (
    SNMP_ENGINE_ID_OID,
    EngineIdRegistry,
    duplicate_sample,
    engine_id_hex,
)
from collector.parse import (
    SYS_DESCR_OID,
    SYS_OBJECT_ID_OID,
    decode_text,
    health_samples,
    parse_rows,
)
from collector.profiles import Profile, detect_profile
from collector.rates import RateTracker
from core.clock import Clock, SystemClock
from core.types import Sample, Target

log = logging.getLogger(__name__)
# a walk asks for the rows its root had last time (+1 to see the end in the same answer),
# between the poller's max_repetitions and this; tooBig lowers the device's ceiling
ADAPTIVE_MAX_REPETITIONS = 128


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
    """Polls targets; keeps what must outlive one poll: counter state, detected profiles,
    one SNMP session per device (its socket, and what it learnt: bulk off, the largest
    max-repetitions the agent takes) and the row count of each walked column."""

    def __init__(
        self, profiles: dict[str, Profile], clock: Clock | None = None, max_repetitions: int = 25
    ) -> None:
        self.profiles = profiles
        self.clock = clock or SystemClock()
        self.max_repetitions = max_repetitions
        self._rates = RateTracker()
        self._detected: dict[tuple[str, str, int], str] = {}
        self._engine: Any = None  # created in the event loop that polls
        self._sessions: dict[str, tuple[tuple[Any, ...], SnmpSession]] = {}
        self._rows: dict[tuple[str, str], int] = {}
        self._engine_ids = EngineIdRegistry()
        self._plans: dict[tuple[str, bool], tuple[Profile, list[str], list[str]]] = {}

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
        session = self._session(target)
        v3 = target.credentials.version == "3"
        try:
            profile = await self._profile_for(target, session)
            oids, roots = self._plan(profile, v3)
            asked = time.monotonic()
            values = await session.get(oids) if oids else {}
            latency = (time.monotonic() - asked) / max(1, -(-len(oids) // 40)) if oids else None
            engine_id = values.pop(SNMP_ENGINE_ID_OID, None) if v3 else None
            # each column's rows stay in their own dict (index -> value): parse takes them
            # as they are, without merging some 400 OIDs into one dict and sorting them
            columns = await self._walk(target.device, session, roots) if roots else {}
            fallback = profile.fallback_roots_of(columns)  # no ifXTable: the 32-bit columns
            if fallback:
                columns.update(await self._walk(target.device, session, fallback))
        except SnmpError as exc:  # one plain kind per cause: timeout, refused, auth_failure...
            self._drop_session(target.device)  # start afresh next time (v3 engine, socket)
            return self._down(target, started, exc.reason)
        parsed = parse_rows(profile, target.device, values, ts, columns=columns)
        samples = parsed.samples
        samples += self._rates.update_rows(target.device, ts, parsed.counters, parsed.uptime_ticks)
        problems = parsed.problems
        if v3:
            problems += self._check_engine_id(target.device, engine_id, ts, samples)
        samples += health_samples(target.device, True, time.monotonic() - started, ts)
        return PollResult(
            target, samples, True, profile=profile.name, problems=tuple(problems), latency=latency
        )

    def _plan(self, profile: Profile, v3: bool) -> tuple[list[str], list[str]]:
        """The scalar OIDs to GET (and snmpEngineID for v3) and the columns to walk."""
        plan = self._plans.get((profile.name, v3))
        if plan is None or plan[0] is not profile:
            oids = profile.scalar_oids() + ([SNMP_ENGINE_ID_OID] if v3 else [])
            plan = self._plans[(profile.name, v3)] = (profile, oids, profile.walk_roots())
        return plan[1], plan[2]

    async def _walk(
        self, device: str, session: SnmpSession, roots: list[str]
    ) -> dict[str, dict[str, Any]]:
        """The columns' rows (index -> value), each column asked for the rows it had last
        time (+1 to see its end in the same answer)."""
        known = [n for n in (self._rows.get((device, root)) for root in roots) if n is not None]
        reps = self.max_repetitions
        if known:
            reps = max(reps, min(max(known) + 1, ADAPTIVE_MAX_REPETITIONS))
        reps = min(reps, session.max_repetitions)
        bulk = session.bulk
        columns = await session.walk_columns(roots, reps)
        if bulk and not session.bulk and reps > self.max_repetitions:
            # GETBULK went unanswered at more than the configured size, GETNEXT answered:
            # the larger answer was likely dropped (MTU, firewall). Blame the size first:
            # back to bulk at the configured size; bulk goes off only if that fails too.
            session.bulk = True
            session.max_repetitions = self.max_repetitions
            log.info("%s: GETBULK of %d unanswered: max-repetitions back to %d",
                     device, reps, self.max_repetitions)  # fmt: skip
        for root in roots:
            self._rows[(device, root)] = len(columns.get(root, ()))
        return columns

    def _check_engine_id(
        self, device: str, value: object, ts: Any, samples: list[Sample]
    ) -> list[str]:
        """Record the device's snmpEngineID; a duplicate becomes its error (and the other
        device's, on that one's next poll)."""
        others = self._engine_ids.record(device, value)
        hexid = engine_id_hex(value)
        if hexid is None:
            return []
        sample = duplicate_sample(device, others, hexid, ts)
        samples.append(sample)
        if others:
            log.warning("device %s: %s", device, sample.text)
            return [sample.text or ""]
        return []

    def _session(self, target: Target) -> SnmpSession:
        """The device's session, reused while its address and credentials stay the same
        (the timeout may change every poll: it adapts to the device's latency)."""
        if self._engine is None:
            self._engine = new_engine()
        key = (target.address, target.port, target.credentials, target.retries)
        held = self._sessions.get(target.device)
        if held is not None and held[0] == key:
            held[1].set_timeout(target.timeout)
            return held[1]
        self._drop_session(target.device)
        session = SnmpSession(
            target.address,
            target.port,
            target.credentials,
            target.timeout,
            target.retries,
            engine=self._engine,
            max_repetitions=max(self.max_repetitions, ADAPTIVE_MAX_REPETITIONS),
        )
        self._sessions[target.device] = (key, session)
        return session

    def _drop_session(self, device: str) -> None:
        held = self._sessions.pop(device, None)
        if held is not None:
            held[1].close()

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
        """Drop counter state, detection and the session of a device (its target changed
        or went away)."""
        self._rates.forget(device)
        for key in [k for k in self._detected if k[0] == device]:
            del self._detected[key]
        for walked in [k for k in self._rows if k[0] == device]:
            del self._rows[walked]
        self._engine_ids.forget(device)
        self._drop_session(device)

    def close(self) -> None:
        """Release the sessions' sockets and the SNMP engine; call from the loop that polled
        if it still runs."""
        for device in list(self._sessions):
            self._drop_session(device)
        if self._engine is not None:
            with contextlib.suppress(RuntimeError):  # its event loop is already closed
                self._engine.close_dispatcher()
            self._engine = None
