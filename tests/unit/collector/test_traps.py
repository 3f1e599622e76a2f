from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.traps import (
    SNMP_TRAP_ADDRESS,
    SNMP_TRAP_COMMUNITY,
    SNMP_TRAP_OID,
    event_to_json,
    make_event,
    resolve_device,
    trap_name,
)
from core.types import Target

TARGETS = [
    Target("ups-1", "snmp", "10.0.0.5", 161),
    Target("sw-a", "snmp", "10.0.0.9", 161),
    Target("sw-b", "snmp", "10.0.0.9", 1161),  # two agents behind one address
    Target("demo-host", "host", "10.0.0.7"),
]

RESOLVE = [
    # id, source address, source port, v1 agent address, expected device
    ("by-source-address", "10.0.0.5", 40000, None, "ups-1"),
    ("v1-agent-address-wins", "10.9.9.9", 162, "10.0.0.5", "ups-1"),
    ("v1-agent-0.0.0.0-ignored", "10.0.0.5", 40000, "0.0.0.0", "ups-1"),
    ("shared-address-by-port", "10.0.0.9", 1161, None, "sw-b"),
    ("shared-address-other-port", "10.0.0.9", 40000, None, None),
    ("unknown-source", "10.0.0.77", 40000, None, None),
    ("host-targets-never-match", "10.0.0.7", 40000, None, None),
    ("agent-address-unknown-falls-back", "10.0.0.5", 1, "10.1.1.1", "ups-1"),
]


@pytest.mark.parametrize(
    ("case", "address", "port", "agent", "expected"), RESOLVE, ids=[r[0] for r in RESOLVE]
)
def test_resolve_device(
    case: str, address: str, port: int, agent: str | None, expected: str | None
) -> None:
    assert resolve_device(TARGETS, address, port, agent) == expected


@pytest.mark.parametrize(
    ("oid", "name"),
    [
        ("1.3.6.1.2.1.33.2.0.1", "upsTrapOnBattery"),
        (".1.3.6.1.6.3.1.1.5.3", "linkDown"),
        ("1.3.6.1.4.1.318.0.5", "apcUpsOnBattery"),
        ("1.3.6.1.4.1.99999.0.1", "1.3.6.1.4.1.99999.0.1"),
    ],
    ids=["ups-on-battery", "link-down-leading-dot", "apc", "unknown-keeps-oid"],
)
def test_trap_name(oid: str, name: str) -> None:
    assert trap_name(oid) == name


def test_make_event_and_payload() -> None:
    ts = datetime(2026, 11, 21, 8, 0, 1, 250000, tzinfo=UTC)
    event = make_event(
        TARGETS,
        "10.9.9.9",
        50000,
        [
            ("1.3.6.1.2.1.1.3.0", 123),
            (SNMP_TRAP_OID, "1.3.6.1.6.3.1.1.5.3"),
            ("1.3.6.1.2.1.2.2.1.1.24", 24),
            (SNMP_TRAP_ADDRESS, "10.0.0.5"),
            (SNMP_TRAP_COMMUNITY, "s3cret"),
        ],
        ts,
    )
    assert event_to_json(event) == {
        "device": "ups-1",
        "address": "10.9.9.9",
        "trap_oid": "1.3.6.1.6.3.1.1.5.3",
        "name": "linkDown",
        "varbinds": {
            "1.3.6.1.2.1.1.3.0": "123",
            "1.3.6.1.2.1.2.2.1.1.24": "24",
            SNMP_TRAP_ADDRESS: "10.0.0.5",
        },
        "ts": "2026-11-21T08:00:01.250Z",
    }


def test_event_without_trap_oid_is_still_an_event() -> None:
    event = make_event([], "10.0.0.1", 1, [("1.3.6.1.2.1.1.3.0", "5")], datetime.now(UTC))
    assert (event.device, event.trap_oid, event.name) == (None, "", "")
