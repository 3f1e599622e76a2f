"""The agent's own host through psutil: CPU, memory, disks, load, uptime."""

from __future__ import annotations

import contextlib
import os
import time
from datetime import datetime

import psutil

from core.types import Sample

# Pseudo and read-only image filesystems say nothing about the room's capacity.
_SKIP_FSTYPES = {"squashfs", "tmpfs", "devtmpfs", "overlay", "proc", "sysfs", "iso9660"}


def probe_host(device: str, ts: datetime) -> list[Sample]:
    """One reading of the local host; a metric psutil cannot read is left out."""
    out = [
        Sample(device, "host_cpu_percent", "", psutil.cpu_percent(interval=None), ts, "%"),
        Sample(device, "host_memory_used_percent", "", psutil.virtual_memory().percent, ts, "%"),
        Sample(
            device, "host_uptime_seconds", "", round(time.time() - psutil.boot_time(), 3), ts, "s"
        ),
    ]
    with contextlib.suppress(OSError):  # no load average on this platform
        out.append(Sample(device, "host_load1", "", os.getloadavg()[0], ts))
    seen: set[str] = set()
    for part in psutil.disk_partitions(all=False):
        if part.fstype in _SKIP_FSTYPES or part.mountpoint in seen:
            continue
        seen.add(part.mountpoint)
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError:
            continue
        out.append(
            Sample(device, "host_disk_used_percent", part.mountpoint, usage.percent, ts, "%")
        )
    if not seen:  # containers often list no partitions: report the root at least
        out.append(
            Sample(device, "host_disk_used_percent", "/", psutil.disk_usage("/").percent, ts, "%")
        )
    return out
