"""Each SNMP failure, produced by a real agent configured for it, comes out as its own
kind with a one-line message — through both backends."""

from __future__ import annotations

import socket
import time

import pytest

from agent.snmp import SnmpSession
from agent.snmp_errors import (
    SnmpAuthFailure,
    SnmpError,
    SnmpNoSuchInstance,
    SnmpNoSuchObject,
    SnmpNotInTimeWindow,
    SnmpPrivacyFailure,
    SnmpRefused,
    SnmpTimeout,
    SnmpUnknownUser,
)
from core.types import SnmpCredentials
from tests.fixtures.aio import run_async
from tests.fixtures.snmpd import Snmpd, credentials_for

pytestmark = pytest.mark.snmp
BACKENDS = ["fast", "pysnmp"]
SYS_NAME = "1.3.6.1.2.1.1.5.0"


async def _get_error(
    port: int, creds: SnmpCredentials, backend: str, timeout: float = 0.4
) -> SnmpError:
    s = SnmpSession("127.0.0.1", port, creds, timeout=timeout, retries=0, backend=backend)
    try:
        with pytest.raises(SnmpError) as info:
            await s.get([SYS_NAME])
    finally:
        s.close()
    err = info.value
    assert "\n" not in str(err) and len(str(err)) < 300  # one line, readable
    return err


def _closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when this returns


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_timeout_on_a_silent_port(silent_udp_port: int, backend: str) -> None:
    started = time.monotonic()
    err = await _get_error(silent_udp_port, SnmpCredentials("2c", "public"), backend, 0.3)
    assert type(err) is SnmpTimeout and err.kind == "timeout"
    assert "no answer" in str(err)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_refused_when_nothing_listens(backend: str) -> None:
    err = await _get_error(_closed_udp_port(), SnmpCredentials("2c", "public"), backend)
    assert type(err) is SnmpRefused and err.kind == "refused"


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_wrong_community_is_a_timeout(snmpd: Snmpd, backend: str) -> None:
    # v1/v2c agents say nothing to a wrong community: a timeout, not a refusal
    err = await _get_error(snmpd.port, SnmpCredentials("2c", "wrong"), backend)
    assert type(err) is SnmpTimeout


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_wrong_auth_key(snmpd: Snmpd, backend: str) -> None:
    creds = credentials_for("authsha", auth_key="not-the-key")
    err = await _get_error(snmpd.port, creds, backend)
    assert type(err) is SnmpAuthFailure and err.kind == "auth_failure"


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_wrong_auth_protocol(snmpd: Snmpd, backend: str) -> None:
    creds = credentials_for("authsha", auth_protocol="MD5")
    err = await _get_error(snmpd.port, creds, backend)
    assert type(err) is SnmpAuthFailure


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_unknown_user(snmpd: Snmpd, backend: str) -> None:
    err = await _get_error(snmpd.port, credentials_for("nobody"), backend)
    assert type(err) is SnmpUnknownUser and err.kind == "unknown_user"


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_wrong_privacy_key(snmpd: Snmpd, backend: str) -> None:
    creds = credentials_for("privshaaes", priv_key="not-the-priv-key")
    err = await _get_error(snmpd.port, creds, backend)
    assert type(err) is SnmpPrivacyFailure and err.kind == "privacy_failure"


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_not_in_time_window(snmpd_boots_latched: Snmpd, backend: str) -> None:
    err = await _get_error(snmpd_boots_latched.port, credentials_for("authsha"), backend)
    assert type(err) is SnmpNotInTimeWindow and err.kind == "not_in_time_window"


@pytest.mark.parametrize("backend", BACKENDS)
@run_async
async def test_no_such_object_and_instance_when_strict(snmpd: Snmpd, backend: str) -> None:
    s = SnmpSession("127.0.0.1", snmpd.port, SnmpCredentials("2c", "public"), backend=backend)
    try:
        with pytest.raises(SnmpNoSuchObject) as obj:
            await s.get(["1.3.6.1.2.1.1.99.0"], strict=True)
        with pytest.raises(SnmpNoSuchInstance) as inst:
            await s.get(["1.3.6.1.2.1.1.5.1"], strict=True)
        relaxed = await s.get(["1.3.6.1.2.1.1.99.0", "1.3.6.1.2.1.1.5.1", SYS_NAME])
    finally:
        s.close()
    assert obj.value.kind == "no_such_object" and "1.3.6.1.2.1.1.99.0" in str(obj.value)
    assert inst.value.kind == "no_such_instance"
    assert relaxed == {"1.3.6.1.2.1.1.99.0": None, "1.3.6.1.2.1.1.5.1": None,
                       SYS_NAME: b"roomwatch-snmpd"}  # fmt: skip


@pytest.mark.parametrize(
    ("creds", "match"),
    [
        (SnmpCredentials("3", user=""), "needs a user"),
        (
            SnmpCredentials("3", user="u", auth_protocol="SHA999", auth_key="12345678"),
            "auth protocol",
        ),
        (SnmpCredentials("3", user="u", auth_key="short"), "at least 8"),
        (SnmpCredentials("3", user="u", priv_key="12345678"), "needs an auth key"),
        (SnmpCredentials("4"), "not supported"),
    ],
    ids=["no-user", "bad-auth-protocol", "short-key", "priv-without-auth", "version-4"],
)
def test_config_errors_before_any_packet(creds: SnmpCredentials, match: str) -> None:
    with pytest.raises(SnmpError, match=match) as info:
        SnmpSession("127.0.0.1", 161, creds)
    assert info.value.kind == "config"
