"""Rule tick over 100,000 series: the built-in pack plus generated rules (pure engine).

Series: 2,000 devices × 50 (UPS, PDU, switch, sensor and host metrics of the pack, plus
generated gauges each covered by a generated rule). Every tick moves 1 % of the values
across their thresholds; states are fed back in as the service does.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from core.types import Sample
from rules.catalog import load_catalog
from rules.engine import DeviceInfo, evaluate
from rules.loader import load_rules
from rules.spec import Level, Op, RuleSpec, Severity

DEVICES = 2000
PER_DEVICE = 50
GENERATED_RULES = 40
TICKS = 7


def _series(rng: random.Random, t: datetime) -> dict[tuple[str, str, str], Sample]:
    out: dict[tuple[str, str, str], Sample] = {}
    fixed = [("device_up", "", 1.0), ("poll_duration_seconds", "", 0.2),
             ("ups_output_load_percent", "1", 40.0), ("env_temperature_celsius", "in", 22.0),
             ("env_humidity_percent", "in", 45.0), ("host_cpu_percent", "", 20.0),
             ("if_oper_status", "g1", 1.0), ("if_admin_status", "g1", 1.0),
             ("ups_output_source", "", 3.0), ("host_disk_used_percent", "/", 50.0)]  # fmt: skip
    for d in range(DEVICES):
        dev = f"dev{d}"
        for metric, inst, value in fixed:
            out[(dev, metric, inst)] = Sample(dev, metric, inst, value, t)
        for g in range(PER_DEVICE - len(fixed)):
            metric = f"gen_metric_{g % GENERATED_RULES}"
            inst = str(g)
            out[(dev, metric, inst)] = Sample(dev, metric, inst, rng.uniform(0, 50), t)
    return out


def run() -> list[str]:
    rng = random.Random(7)
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    rules = load_rules([], builtin=True, catalog=load_catalog())
    rules += [
        RuleSpec(f"gen_{i}", "生成", "generated", f"gen_metric_{i}", Op.GT,
                 (Level(Severity.CRITICAL, 95.0), Level(Severity.WARNING, 90.0)), clear=85.0)
        for i in range(GENERATED_RULES)
    ]  # fmt: skip
    kinds = ["ups", "pdu", "switch", "sensor", "server"]
    devices = {f"dev{d}": DeviceInfo(f"dev{d}", kinds[d % 5], room="A") for d in range(DEVICES)}
    latest = _series(rng, t0)
    keys = list(latest)
    states: dict = {}
    times = []
    transitions = 0
    for tick in range(TICKS):
        now = t0 + timedelta(seconds=30 * tick)
        for key in rng.sample(keys, len(keys) // 100):  # 1 % move, some across thresholds
            old = latest[key]
            value = rng.uniform(0, 100) if old.value is not None else None
            latest[key] = Sample(old.device, old.metric, old.instance, value, now)
        for key, old in list(latest.items()):
            if old.ts != now:
                latest[key] = Sample(old.device, old.metric, old.instance, old.value, now)
        started = time.perf_counter()
        result = evaluate(rules, latest, states, now, devices)
        times.append(time.perf_counter() - started)
        states = result.states
        transitions += len(result.transitions)
    median = statistics.median(times[1:])
    return [
        f"rules tick: {len(latest):,} series, {len(rules)} rules "
        f"({len(rules) - GENERATED_RULES} built-in): median {median * 1000:.0f} ms "
        f"({len(latest) / median:,.0f} series/s; {TICKS - 1} ticks after warm-up, "
        f"{transitions} transitions; target < 1000 ms)"
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
