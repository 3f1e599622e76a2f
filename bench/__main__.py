"""``make bench`` (all) or ``python -m bench NAME...``: every benchmark prints roomwatch's
figure beside a peer's from the same run.

Each benchmark is a module ``bench/<name>.py`` with ``run() -> list[str]``; SUITES maps the
names ``make bench-<suite>`` uses to modules.
"""

from __future__ import annotations

import importlib
import sys

SUITES: dict[str, list[str]] = {
    "quick": ["snmp_walk", "ingest"],
    "snmp": ["snmp_walk", "snmp_fleet"],
    "rules": ["rules_tick", "alarm_latency"],
    "records": ["journal"],
    "instructions": ["instructions"],  # not in `make bench`: valgrind, and no peer figure
}


def _modules(names: list[str]) -> list[str]:
    if not names:
        names = ["quick", "snmp", "rules", "records"]
    out: list[str] = []
    for name in names:
        for mod in SUITES.get(name, [name]):
            if mod not in out:
                out.append(mod)
    return out


def main(argv: list[str]) -> int:
    print("roomwatch benchmarks (medians; machines are shared and noisy: read the ratios)")
    for name in _modules(argv):
        try:
            mod = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"  {name}: not written yet")
                continue
            raise
        for line in mod.run():
            print("  " + line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
