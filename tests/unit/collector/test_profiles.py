from __future__ import annotations

from pathlib import Path

import pytest

from collector.profiles import detect_profile, get_profile, load_profile_file, load_profiles
from core.errors import ProfileError
from core.types import MetricKind

GOOD_BASE = """\
name: base
title: {zh: 基础, en: Base}
scalars:
  - {name: sys_descr, oid: 1.3.6.1.2.1.1.1.0, kind: info}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_installed_profiles_load_and_resolve_extends() -> None:
    profiles = load_profiles()
    assert {"system", "ups-mib", "if-mib", "env-sensor", "pdu"} <= set(profiles)
    ups = profiles["ups-mib"]
    names = ups.metric_names()
    assert names[:3] == ["sys_descr", "sys_object_id", "sys_uptime_seconds"]  # from system
    for metric in [
        "ups_output_source",
        "ups_battery_status",
        "ups_battery_charge_percent",
        "ups_battery_runtime_minutes",
        "ups_battery_temperature_celsius",
        "ups_input_voltage_volts",
        "ups_output_voltage_volts",
        "ups_output_load_percent",
    ]:
        assert metric in names
    source = next(m for m in ups.scalars if m.name == "ups_output_source")
    assert source.kind is MetricKind.ENUM and source.values[3] == "normal"
    assert source.values[5] == "battery"
    assert {
        "if_in_octets",
        "if_out_octets",
        "if_oper_status",
        "if_admin_status",
        "if_speed_mbps",
    } <= set(profiles["if-mib"].metric_names())
    assert {"env_temperature_celsius", "env_humidity_percent"} <= set(
        profiles["env-sensor"].metric_names()
    )
    assert get_profile("if-mib").name == "if-mib"


@pytest.mark.parametrize(
    ("sys_object_id", "sys_descr", "expected"),
    [
        ("1.3.6.1.4.1.318.1.3.27", "", "ups-mib"),
        ("1.3.6.1.4.1.318.1.3.4.6", "", "pdu"),  # longer prefix beats APC's UPS arc
        (".1.3.6.1.4.1.25506.11.1.239", "", "if-mib"),
        ("1.3.6.1.4.1.3854.1", "", "env-sensor"),
        ("1.3.6.1.4.1.99999.1", "Some Online UPS", "ups-mib"),
        ("1.3.6.1.4.1.99999.1", "a toaster", None),
        (None, None, None),
        ("1.3.6.1.4.1.3181", "", None),  # not under 1.3.6.1.4.1.318
    ],
    ids=[
        "apc-ups",
        "apc-pdu",
        "h3c-leading-dot",
        "akcp",
        "descr-regex",
        "unknown",
        "none",
        "prefix-boundary",
    ],
)
def test_detect(sys_object_id: str | None, sys_descr: str | None, expected: str | None) -> None:
    found = detect_profile(load_profiles(), sys_object_id, sys_descr)
    assert (found.name if found else None) == expected


BROKEN = [
    ("bad-yaml", "name: x\ntitle: {zh: a, en: b\n", "not valid YAML"),
    ("not-mapping", "- just\n- a list\n", "must be a mapping"),
    (
        "unknown-field",
        GOOD_BASE.replace("name: base", "name: unknown-field") + "colour: red\n",
        "field 'colour': remove it",
    ),
    (
        "missing-oid",
        "name: missing-oid\ntitle: {zh: a, en: b}\nscalars:\n  - {name: x}\n",
        "field 'scalars.0.oid': add it",
    ),
    (
        "bad-oid",
        "name: bad-oid\ntitle: {zh: a, en: b}\nscalars:\n  - {name: x, oid: sysDescr}\n",
        "not a numeric OID",
    ),
    (
        "bad-kind",
        "name: bad-kind\ntitle: {zh: a, en: b}\nscalars:\n"
        "  - {name: x, oid: 1.3.6.1, kind: histogram}\n",
        "scalars.0.kind",
    ),
    (
        "bad-name",
        "name: bad-name\ntitle: {zh: a, en: b}\nscalars:\n  - {name: X-Y, oid: 1.3.6.1}\n",
        "lower_snake_case",
    ),
    (
        "bad-regex",
        "name: bad-regex\ntitle: {zh: a, en: b}\ndetect: {sys_descr: ['(']}\n",
        "bad regular expression",
    ),
    ("other-name", GOOD_BASE, "differs from the file name"),
]


@pytest.mark.parametrize(("stem", "text", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_profile_file_names_file_field_and_fix(
    tmp_path: Path, stem: str, text: str, message: str
) -> None:
    path = write(tmp_path, stem, text)
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_extends_unknown_profile(tmp_path: Path) -> None:
    write(tmp_path, "base", GOOD_BASE)
    write(tmp_path, "child", "name: child\ntitle: {zh: a, en: b}\nextends: [nope]\n")
    with pytest.raises(ProfileError, match="unknown profile 'nope'"):
        load_profiles(tmp_path)


def test_extends_loop(tmp_path: Path) -> None:
    write(tmp_path, "a", "name: a\ntitle: {zh: a, en: a}\nextends: [b]\n")
    write(tmp_path, "b", "name: b\ntitle: {zh: b, en: b}\nextends: [a]\n")
    with pytest.raises(ProfileError, match="loops"):
        load_profiles(tmp_path)


def test_duplicate_metric_after_extends(tmp_path: Path) -> None:
    write(tmp_path, "base", GOOD_BASE)
    write(
        tmp_path,
        "child",
        "name: child\ntitle: {zh: a, en: b}\nextends: [base]\nscalars:\n"
        "  - {name: sys_descr, oid: 1.3.6.1.2.1.1.1.0, kind: info}\n",
    )
    with pytest.raises(ProfileError, match="declared twice"):
        load_profiles(tmp_path)


def test_unknown_profile_name() -> None:
    with pytest.raises(ProfileError, match="unknown profile 'nope'"):
        get_profile("nope")


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="not found"):
        load_profiles(tmp_path / "absent")
