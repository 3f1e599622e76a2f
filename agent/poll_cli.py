"""``roomwatch poll HOST[:PORT]``: poll one device once and print what roomwatch reads from
it (metric, instance, value, unit) — the check a person runs before adding a device to
the ledger. A failure is one line naming the cause and the fix, with a non-zero exit."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import click

from core.errors import ConfigError
from core.types import SnmpCredentials

SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_DESCR = "1.3.6.1.2.1.1.1.0"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of output: what roomwatch would record for this device."""

    metric: str
    instance: str
    value: float | int | None
    unit: str
    text: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"metric": self.metric, "instance": self.instance, "value": self.value,
                "unit": self.unit, "text": self.text}  # fmt: skip


def parse_host_port(text: str, default_port: int = 161) -> tuple[str, int]:
    """``host``, ``host:port``, ``[v6]`` or ``[v6]:port`` -> (host, port)."""
    raw = text.strip()
    if not raw:
        raise ConfigError("poll: give a HOST or HOST:PORT, e.g. 192.0.2.10:161")
    host, port_text = raw, ""
    if raw.startswith("["):
        host, sep, rest = raw[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ConfigError(f"poll: bad address {text!r}: write IPv6 as [addr]:port")
        port_text = rest[1:]
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
    if not host:
        raise ConfigError(f"poll: bad address {text!r}: the host is empty")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"poll: bad port in {text!r}: use 1-65535")
    return host, int(port_text)


def render_table(rows: list[Row]) -> str:
    """Aligned columns metric / instance / value / unit; strings shown as text."""
    lines = [("metric", "instance", "value", "unit")]
    for r in rows:
        shown = r.text if r.value is None and r.text is not None else _fmt(r.value)
        if r.value is not None and r.text:
            shown = f"{shown} ({r.text})"
        lines.append((r.metric, r.instance or "-", shown, r.unit))
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    return "\n".join(
        f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip()
        for a, b, c, d in lines
    )


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "?"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}" if isinstance(value, float) else str(value)


async def read_device(
    host: str, port: int, creds: SnmpCredentials, profile_name: str, timeout: float,
    retries: int, backend: str = "auto",
) -> tuple[str, list[Row]]:  # fmt: skip
    """Poll once: the profile used and the rows (counters raw: rates need two polls)."""
    from agent.snmp import SnmpSession
    from collector.parse import decode_text, parse
    from collector.profiles import detect_profile, get_profile, load_profiles

    profiles = load_profiles()
    profile = None if profile_name == "auto" else get_profile(profile_name, profiles)
    session = SnmpSession(host, port, creds, timeout=timeout, retries=retries, backend=backend)
    try:
        if profile is None:
            ident = await session.get([SYS_OBJECT_ID, SYS_DESCR])
            found = detect_profile(
                profiles, decode_text(ident[SYS_OBJECT_ID]), decode_text(ident[SYS_DESCR])
            )
            profile = found or profiles["system"]
        values = await session.get(profile.scalar_oids()) if profile.scalars else {}
        for root in profile.walk_roots():
            values.update(await session.walk(root))
    finally:
        session.close()
    parsed = parse(profile, f"{host}:{port}", values, datetime.now(UTC))
    rows = [Row(s.metric, s.instance, s.value, s.unit, s.text) for s in parsed.samples]
    rows += [
        Row(c.metric, c.instance, c.raw, f"{c.unit} (counter, raw)".strip())
        for c in parsed.counters
    ]
    rows.sort(key=lambda r: (r.metric, _natural(r.instance)))
    return profile.name, rows


def _natural(instance: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in instance.split("."))


def credentials_from(
    version: str, community: str | None, user: str | None, auth_protocol: str | None,
    auth_key: str | None, priv_protocol: str | None, priv_key: str | None,
) -> SnmpCredentials:  # fmt: skip
    """The options as credentials; v3 options with v1/v2c (or a community with v3) are an
    error rather than silently ignored."""
    v3_given = any(x for x in (user, auth_protocol, auth_key, priv_protocol, priv_key))
    if version == "3":
        if community:
            raise ConfigError("poll: --community is for v1/v2c; SNMPv3 uses --user and keys")
        if not user:
            raise ConfigError("poll: SNMPv3 needs --user (and --auth-key/--priv-key as set up)")
        return SnmpCredentials(
            "3", user=user, auth_protocol=auth_protocol or ("SHA" if auth_key else ""),
            auth_key=auth_key or "", priv_protocol=priv_protocol or ("AES" if priv_key else ""),
            priv_key=priv_key or "",
        )  # fmt: skip
    if v3_given:
        raise ConfigError("poll: --user and keys are SNMPv3 options: add --snmp-version 3")
    return SnmpCredentials(version, community or "public")


@click.command("poll")
@click.argument("address", metavar="HOST[:PORT]")
@click.option("--snmp-version", type=click.Choice(["1", "2c", "3"]), default="2c",
              show_default=True)  # fmt: skip
@click.option("--community", default=None, help="v1/v2c community (default: public).")
@click.option("--user", default=None, help="SNMPv3 user.")
@click.option("--auth-protocol", default=None,
              help="MD5, SHA, SHA224, SHA256, SHA384, SHA512 (default SHA).")  # fmt: skip
@click.option("--auth-key", default=None, help="SNMPv3 auth pass phrase (8+ characters).")
@click.option("--priv-protocol", default=None,
              help="DES, 3DES, AES, AES192, AES256 (default AES).")  # fmt: skip
@click.option("--priv-key", default=None, help="SNMPv3 privacy pass phrase (8+ characters).")
@click.option("--profile", "profile_name", default="auto", show_default=True,
              help="Device profile name, or auto (detect by sysObjectID/sysDescr).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--timeout", type=click.FloatRange(0.05, 60), default=2.0, show_default=True,
              help="Seconds to wait for each answer.")  # fmt: skip
@click.option("--retries", type=click.IntRange(0, 10), default=1, show_default=True)
@click.option("--backend", type=click.Choice(["auto", "fast", "pysnmp"]), default="auto",
              hidden=True)  # fmt: skip
def poll(
    address: str, snmp_version: str, community: str | None, user: str | None,
    auth_protocol: str | None, auth_key: str | None, priv_protocol: str | None,
    priv_key: str | None, profile_name: str, as_json: bool, timeout: float, retries: int,
    backend: str,
) -> None:  # fmt: skip
    """Poll one device once and print what roomwatch reads from it.

    轮询一台设备一次，显示 roomwatch 读取到的指标（指标、实例、数值、单位）。
    """
    host, port = parse_host_port(address)
    creds = credentials_from(
        snmp_version, community, user, auth_protocol, auth_key, priv_protocol, priv_key
    )
    name, rows = asyncio.run(
        read_device(host, port, creds, profile_name, timeout, retries, backend)
    )
    if as_json:
        doc = {"device": f"{host}:{port}", "profile": name, "readings": [r.as_json() for r in rows]}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    click.echo(f"# {host}:{port} profile {name}: {len(rows)} readings 条读数")
    click.echo(render_table(rows))
