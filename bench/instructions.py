"""``make bench-instructions``: instructions per varbind of the agent's polling pipeline,
counted by valgrind's callgrind. Unlike CPU seconds this does not move with what else the
machine is doing (the same code gives the same count to within a fraction of a percent),
so it is the figure to compare two versions of the hot path with. Peers are not counted
(snmp_exporter is Go, which valgrind runs badly): ``make bench-snmp`` compares with them.

The fleet (snmpsim) runs outside valgrind; only the rounds are counted: the poller process
starts with instrumentation off and ``callgrind_control`` turns it on around them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = int(os.environ.get("ROOMWATCH_BENCH_ROUNDS", "5"))


def _wait(path: Path, proc: subprocess.Popen[bytes] | None = None, deadline: float = 600) -> None:
    """Until ``path`` exists: the two processes say where they are through files (no other
    channel); ``proc``, when given, is the other side, which must not have exited."""
    end = time.monotonic() + deadline
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the polling process exited ({proc.returncode})")
        if time.monotonic() > end:
            raise RuntimeError(f"no {path.name} within {deadline}s")
        time.sleep(0.1)


def child(work: Path, rounds: int) -> None:
    """Runs under valgrind: the fleet, a warmed-up pipeline, then ``rounds`` counted rounds."""
    from bench import snmp_fleet as sf

    with sf.fleet(work) as devs:
        counted = sf._count_varbinds()
        pipeline = sf.Pipeline(devs, counted)
        pipeline.round()
        (work / "ready").touch()
        _wait(work / "go")
        n = sum(pipeline.round()[0] for _ in range(rounds))
        (work / "done.tmp").write_text(str(n))
        (work / "done.tmp").rename(work / "done")
        _wait(work / "exit")
        pipeline.close()
        counted.undo()


def run() -> list[str]:
    valgrind, control = shutil.which("valgrind"), shutil.which("callgrind_control")
    if valgrind is None or control is None:
        return ["instructions: valgrind is not installed (apt-get install valgrind)"]
    with tempfile.TemporaryDirectory(prefix="roomwatch-callgrind-") as name:
        work = Path(name)
        log = work / "callgrind.log"
        proc = subprocess.Popen(
            [valgrind, "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={work / 'callgrind.out'}", sys.executable, "-m",
             "bench.instructions", "--child", str(work), str(ROUNDS)],
            stdout=subprocess.DEVNULL, stderr=log.open("wb"),
        )  # fmt: skip
        try:
            _wait(work / "ready", proc)
            subprocess.run([control, "-i", "on", str(proc.pid)], check=True, capture_output=True)
            (work / "go").touch()
            _wait(work / "done", proc)
            subprocess.run([control, "-i", "off", str(proc.pid)], check=True, capture_output=True)
            varbinds = int((work / "done").read_text())
            (work / "exit").touch()
            proc.wait(120)
        finally:
            if proc.poll() is None:
                proc.kill()
        m = re.search(r"Collected : (\d+)", log.read_text())
        if m is None or not varbinds:
            return ["instructions: callgrind said nothing (see its log)"]
        count = int(m.group(1))
    return [
        f"instructions: roomwatch pipeline (if-mib/ups-mib profiles), {ROUNDS} rounds of the "
        f"fleet under callgrind: {varbinds} varbinds, {count:,} instructions, "
        f"{count / varbinds:,.0f} instructions per varbind"
    ]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        print("\n".join(run()))
