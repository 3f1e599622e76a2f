"""Duplicate SNMPv3 engine IDs across targets: pure, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from collector.engine_ids import (
    DUPLICATE_METRIC,
    EngineIdRegistry,
    duplicate_engine_ids,
    duplicate_sample,
    engine_id_hex,
)

A = bytes.fromhex("80001f8880aabbccdd")
B = bytes.fromhex("80001f8880eeff0011")
TS = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], {}),
        ([("a", A), ("b", B)], {}),
        ([("a", A), ("b", A)], {"a": ("b",), "b": ("a",)}),
        ([("a", A), ("b", A), ("c", A)], {"a": ("b", "c"), "b": ("a", "c"), "c": ("a", "b")}),
        ([("a", A), ("b", A), ("c", B)], {"a": ("b",), "b": ("a",)}),
        ([("a", A), ("b", A), ("b", B)], {}),  # b changed its ID: the latest counts
        ([("a", A), ("b", A.hex())], {"a": ("b",), "b": ("a",)}),  # bytes and hex agree
        ([("a", A), ("b", "0x" + A.hex().upper())], {"a": ("b",), "b": ("a",)}),
        ([("a", None), ("b", None)], {}),  # no ID is never a duplicate
        ([("a", b""), ("b", b"")], {}),
        ([("a", b"\x00" * 8), ("b", b"\x00" * 8)], {}),  # all zeros: not an ID
        ([("a", b"abcd"), ("b", b"abcd")], {}),  # under 5 octets
        ([("a", b"x" * 33), ("b", b"x" * 33)], {}),  # over 32 octets
        ([("a", 12345), ("b", 12345)], {}),  # wrong type
        ([("a", "zz-not-hex"), ("b", "zz-not-hex")], {}),
        ([("a", A), ("b", A), ("b", None)], {}),  # b lost its ID
    ],
    ids=["none", "distinct", "pair", "three", "pair-and-other", "changed", "hex-text",
         "hex-0x-upper", "absent", "empty", "zeros", "short", "long", "int", "not-hex",
         "lost"],
)  # fmt: skip
def test_duplicate_engine_ids(
    pairs: list[tuple[str, object]], expected: dict[str, tuple[str, ...]]
) -> None:
    assert duplicate_engine_ids(pairs) == expected
    registry = EngineIdRegistry()  # the incremental form agrees, once every device is in
    for device, value in pairs:
        registry.record(device, value)
    latest = dict(pairs)
    final = {d: registry.record(d, latest[d]) for d in sorted(latest)}
    assert {d: o for d, o in final.items() if o} == expected


def test_registry_forget_clears_the_duplicate() -> None:
    registry = EngineIdRegistry()
    registry.record("a", A)
    assert registry.record("b", A) == ("a",)
    registry.forget("a")
    assert registry.record("b", A) == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(A, A.hex()), (bytearray(A), A.hex()), ("80:00:1f:88:80:aa:bb:cc:dd", A.hex()),
     (None, None), (b"\x01\x02", None), (3.5, None)],
    ids=["bytes", "bytearray", "colons", "none", "short", "float"],
)  # fmt: skip
def test_engine_id_hex(value: object, expected: str | None) -> None:
    assert engine_id_hex(value) == expected


def test_duplicate_sample_names_the_other_devices() -> None:
    shared = duplicate_sample("a", ("b", "c"), A.hex(), TS)
    assert (shared.metric, shared.value) == (DUPLICATE_METRIC, 1.0)
    assert "b, c" in (shared.text or "") and A.hex() in (shared.text or "")
    assert "引擎 ID 重复" in (shared.text or "")
    unique = duplicate_sample("a", (), A.hex(), TS)
    assert (unique.value, unique.text) == (0.0, None)
