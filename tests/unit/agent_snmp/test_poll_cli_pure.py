"""The pure parts of ``roomwatch poll``: address parsing, credentials, the table."""

from __future__ import annotations

import pytest

from agent.poll_cli import Row, credentials_from, parse_host_port, render_table
from core.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "want"),
    [("10.0.0.1", ("10.0.0.1", 161)), ("10.0.0.1:1161", ("10.0.0.1", 1161)),
     ("[::1]", ("::1", 161)), ("[::1]:162", ("::1", 162)), ("::1", ("::1", 161)),
     ("ups-1.room", ("ups-1.room", 161))],
    ids=["v4", "v4-port", "v6", "v6-port", "v6-bare", "name"],
)  # fmt: skip
def test_parse_host_port(text: str, want: tuple[str, int]) -> None:
    assert parse_host_port(text) == want


@pytest.mark.parametrize(
    "text",
    ["", ":161", "10.0.0.1:0", "10.0.0.1:70000", "10.0.0.1:x", "[::1", "[::1]x"],
    ids=["empty", "no-host", "port-0", "port-high", "port-letters", "v6-open", "v6-junk"],
)
def test_parse_host_port_rejects(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_host_port(text)


def test_credentials_v3_defaults_protocols() -> None:
    c = credentials_from("3", None, "u", None, "authkey12", None, "privkey12")
    assert (c.version, c.user, c.auth_protocol, c.priv_protocol) == ("3", "u", "SHA", "AES")
    plain = credentials_from("2c", None, None, None, None, None, None)
    assert (plain.version, plain.community) == ("2c", "public")


@pytest.mark.parametrize(
    ("args", "match"),
    [(("2c", None, "u", None, None, None, None), "SNMPv3 options"),
     (("3", "public", "u", None, None, None, None), "--community is for"),
     (("3", None, None, None, None, None, None), "needs --user")],
    ids=["user-on-v2c", "community-on-v3", "v3-no-user"],
)  # fmt: skip
def test_credentials_mismatch(args: tuple, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=match):
        credentials_from(*args)


def test_render_table_aligns_and_shows_text() -> None:
    rows = [Row("ups_battery_status", "", 2.0, "", "normal"),
            Row("sys_name", "", None, "", "ups-1"),
            Row("if_in_octets", "Gi1/0/1", 123456789.0, "octets (counter, raw)"),
            Row("ups_load", "1", 41.5, "%"), Row("odd", "x", None, "")]  # fmt: skip
    lines = render_table(rows).splitlines()
    assert lines[0].split() == ["metric", "instance", "value", "unit"]
    assert lines[1].split() == ["ups_battery_status", "-", "2", "(normal)"]
    assert lines[2].split() == ["sys_name", "-", "ups-1"]
    assert lines[3].split() == [
        "if_in_octets",
        "Gi1/0/1",
        "123456789",
        "octets",
        "(counter,",
        "raw)",
    ]
    assert lines[4].split() == ["ups_load", "1", "41.5", "%"]
    assert lines[5].split() == ["odd", "x", "?"]
    assert len({line.index(line.split()[2]) for line in lines[1:4]}) == 1  # one value column
