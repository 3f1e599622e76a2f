"""``roomwatch discover RANGE``: find SNMP devices in a range and print them as candidates
for the ledger (or write an import snippet with ``--output``). Nothing is added by itself:
a person reviews the list and imports it."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from agent.discovery import Progress, sweep
from collector.discovery import MAX_HOSTS, Candidate, parse_range, to_csv, to_yaml
from collector.profiles import load_profiles
from core.errors import ConfigError
from core.types import SnmpCredentials


def _progress(p: Progress) -> None:
    if sys.stderr.isatty() or p.done == p.total:
        end = "\n" if p.done == p.total else "\r"
        click.echo(f"扫描 scanned {p.done}/{p.total}, 发现 found {p.found}", err=True, nl=False)
        click.echo(end, err=True, nl=False)


def _table(candidates: list[Candidate]) -> str:
    head = ("address", "port", "name", "profile", "vendor", "model", "serial")
    rows = [head] + [
        (c.address, str(c.port), c.name, c.profile, c.vendor, c.model, c.serial) for c in candidates
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows)


@click.command("discover")
@click.argument("address_range", metavar="RANGE")
@click.option("--community", "communities", multiple=True, help="v1/v2c community to try "
              "(repeat for several; default: public).")  # fmt: skip
@click.option("--snmp-version", type=click.Choice(["1", "2c"]), default="2c", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=161, show_default=True)
@click.option("--concurrency", type=click.IntRange(1, 1024), default=64, show_default=True)
@click.option("--timeout", type=click.FloatRange(0.05, 30), default=1.0, show_default=True)
@click.option("--retries", type=click.IntRange(0, 5), default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print candidates as JSON.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a ledger import snippet: .csv or .yaml.")  # fmt: skip
@click.option("--max-hosts", type=click.IntRange(1, 65536), default=MAX_HOSTS, hidden=True)
def discover(
    address_range: str,
    communities: tuple[str, ...],
    snmp_version: str,
    port: int,
    concurrency: int,
    timeout: float,
    retries: int,
    as_json: bool,
    output: Path | None,
    max_hosts: int,
) -> None:
    """Sweep RANGE (10.0.0.0/24, 10.0.0.5-10.0.0.20 or one address) for SNMP devices."""
    addresses = parse_range(address_range, max_hosts)
    if output is not None and output.suffix.lower() not in (".csv", ".yaml", ".yml"):
        raise ConfigError(f"--output {output}: use a .csv or .yaml file name")
    creds = [SnmpCredentials(snmp_version, c) for c in (communities or ("public",))]
    candidates = asyncio.run(
        sweep(addresses, port, creds, load_profiles(), concurrency, timeout, retries, _progress)
    )
    if as_json:
        click.echo(json.dumps([asdict(c) for c in candidates], ensure_ascii=False, indent=2))
    elif candidates:
        click.echo(_table(candidates))
    else:
        click.echo("没有设备应答 no device answered", err=True)
    if output is not None:
        text = to_csv(candidates) if output.suffix.lower() == ".csv" else to_yaml(candidates)
        output.write_text(text, encoding="utf-8")
        click.echo(f"已写入 wrote {len(candidates)} candidate(s) to {output}", err=True)
