"""``make bench``: every benchmark prints roomwatch's figure beside a peer's from the same run."""

from __future__ import annotations

import sys

from bench import ingest, snmp_walk


def main() -> int:
    print("roomwatch benchmarks (medians; machines are shared and noisy: read the ratios)")
    for mod in (snmp_walk, ingest):
        for line in mod.run():
            print("  " + line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
