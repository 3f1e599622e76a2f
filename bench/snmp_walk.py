"""Walk a 24-port switch's IF-MIB (ifTable + ifXTable) from the simulated room:
roomwatch's pysnmp adapter (one process, GETBULK) against net-snmp's ``snmpbulkwalk``
(the peer every operator checks a device with). Same agent, same tables, same run."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

from agent.simroom import SimRoom
from agent.snmp import SnmpSession
from bench.stats import report, timed_runs
from core.types import SnmpCredentials

TABLES = ["1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1"]
RUNS = 15


async def _cancel_pending() -> None:
    me = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not me]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def run() -> list[str]:
    lines = []
    with SimRoom() as room:
        loop = asyncio.new_event_loop()
        session = SnmpSession("127.0.0.1", room.port, SnmpCredentials("2c", "switch-1"), timeout=3)

        async def walk_all() -> int:
            n = 0
            for t in TABLES:
                n += len(await session.walk(t, max_repetitions=25))
            return n

        count = loop.run_until_complete(walk_all())
        ours = timed_runs(lambda: loop.run_until_complete(walk_all()), RUNS)
        session.close()
        loop.run_until_complete(_cancel_pending())  # pysnmp's dispatcher timers, quietly
        loop.close()
        peer_bin = shutil.which("snmpbulkwalk")
        if peer_bin is None:
            return [f"snmp_walk: roomwatch only ({count} varbinds); snmpbulkwalk not installed"]

        def peer() -> None:
            for t in TABLES:
                subprocess.run(
                    [peer_bin, "-v2c", "-c", "switch-1", "-Cr25", "-On", "-Oq",
                     f"127.0.0.1:{room.port}", t],
                    check=True, capture_output=True,
                )  # fmt: skip

        theirs = timed_runs(peer, RUNS)
        lines.append(
            report(f"snmp_walk IF-MIB ({count} varbinds)", ours, theirs, "net-snmp snmpbulkwalk")
        )
    return lines
