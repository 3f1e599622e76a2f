"""Sweep an address range for SNMP devices and identify each one that answers.

Every address is tried with each community in turn (first answer wins), with bounded
concurrency; an address that does not answer costs one timeout per community. Nothing
here writes to the ledger: candidates are printed or written as an import snippet.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from agent.snmp import SnmpError, SnmpSession
from collector.discovery import IDENT_OIDS, IDENTITY_GET, IDENTITY_WALK, Candidate, identify
from collector.parse import Raw
from collector.profiles import Profile
from core.types import SnmpCredentials

MAX_INVENTORY_ROWS = 500  # a chassis full of line cards is enough to find the serials


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int
    found: int
    address: str


ProgressFn = Callable[[Progress], None]


async def probe(
    address: str,
    port: int,
    credentials: Sequence[SnmpCredentials],
    profiles: Mapping[str, Profile],
    timeout: float = 1.0,
    retries: int = 0,
) -> Candidate | None:
    """Identify the device at ``address:port`` with the first credentials it answers."""
    for cred in credentials:
        session = SnmpSession(address, port, cred, timeout, retries)
        try:
            values: dict[str, Raw] = dict(await session.get(IDENTITY_GET))
            if not any(values.get(oid) is not None for oid in IDENTITY_GET):
                continue
            for column in IDENTITY_WALK:
                with contextlib.suppress(SnmpError):  # no ENTITY-MIB: fine
                    values.update(await session.walk(column, max_rows=MAX_INVENTORY_ROWS))
            with contextlib.suppress(SnmpError):
                values.update(await session.get([o for oids in IDENT_OIDS.values() for o in oids]))
        except SnmpError:
            continue
        finally:
            session.close()
        return identify(address, port, cred.version, cred.community, values, profiles)
    return None


async def sweep(
    addresses: Sequence[str],
    port: int,
    credentials: Sequence[SnmpCredentials],
    profiles: Mapping[str, Profile],
    concurrency: int = 64,
    timeout: float = 1.0,
    retries: int = 0,
    progress: ProgressFn | None = None,
) -> list[Candidate]:
    """Probe every address; candidates in address order."""
    sem = asyncio.Semaphore(max(1, concurrency))
    found: dict[str, Candidate] = {}
    done = 0

    async def one(address: str) -> None:
        nonlocal done
        async with sem:
            candidate = await probe(address, port, credentials, profiles, timeout, retries)
        done += 1
        if candidate is not None:
            found[address] = candidate
        if progress is not None:
            progress(Progress(done, len(addresses), len(found), address))

    await asyncio.gather(*(one(a) for a in addresses))
    return [found[a] for a in addresses if a in found]
