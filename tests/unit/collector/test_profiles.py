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
        (".1.3.6.1.4.1.25506.11.1.239", "", "h3c-switch"),  # vendor profile extends IF-MIB
        ("1.3.6.1.4.1.25506.1.999", "", "if-mib"),  # other H3C arcs: IF-MIB only
        ("1.3.6.1.4.1.2011.2.23.631", "", "huawei-switch"),
        ("1.3.6.1.4.1.318.1.3.2.12", "", "apc-ups"),
        ("1.3.6.1.4.1.705.1", "", "eaton-xups"),
        ("1.3.6.1.4.1.8072.3.2.10", "", "net-snmp-host"),
        ("1.3.6.1.4.1.99999.7", "Liebert PEX precision air conditioner", "liebert-crac"),
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
        "h3c-other",
        "huawei",
        "apc-smart-ups",
        "mge-eaton",
        "net-snmp",
        "crac-descr",
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
    (
        "inspect-info",
        "name: inspect-info\ntitle: {zh: a, en: b}\nscalars:\n"
        "  - {name: x, oid: 1.3.6.1, kind: info, inspection: true}\n",
        "field 'scalars.0': inspection: an info metric has no value to inspect",
    ),
    (
        "inspect-not-bool",
        "name: inspect-not-bool\ntitle: {zh: a, en: b}\nscalars:\n"
        "  - {name: x, oid: 1.3.6.1, inspection: maybe}\n",
        "field 'scalars.0.inspection'",
    ),
    (
        "limit-on-gauge",
        "name: limit-on-gauge\ntitle: {zh: a, en: b}\nscalars:\n"
        "  - {name: x, oid: 1.3.6.1, limit_column: 1.3.6.2}\n",
        "limit_column applies to counter metrics only",
    ),
    (
        "values-not-enum",
        "name: values-not-enum\ntitle: {zh: a, en: b}\nscalars:\n"
        "  - {name: x, oid: 1.3.6.1, values: {1: up}}\n",
        "use kind: enum",
    ),
    (
        "bad-helper-oid",
        "name: bad-helper-oid\ntitle: {zh: a, en: b}\nscalars:\n"
        "  - {name: x, oid: 1.3.6.1, percent_of: ifSpeed}\n",
        "field 'scalars.0.percent_of': 'ifSpeed' is not a numeric OID",
    ),
    (
        "bad-fallback-width",
        "name: bad-fallback-width\ntitle: {zh: a, en: b}\ntables:\n  - name: t\n    metrics:\n"
        "      - {name: x, oid: 1.3.6.1, kind: counter, fallback: 1.3.6.2, fallback_width: 16}\n",
        "fallback_width must be 32 or 64",
    ),
    (
        "bad-rows-regex",
        "name: bad-rows-regex\ntitle: {zh: a, en: b}\ntables:\n  - name: t\n"
        "    rows: {column: 1.3.6.3, match: '['}\n    metrics:\n      - {name: x, oid: 1.3.6.1}\n",
        "field 'tables.0.rows.match': bad regular expression",
    ),
    (
        "rows-without-column",
        "name: rows-without-column\ntitle: {zh: a, en: b}\ntables:\n  - name: t\n"
        "    rows: {match: x}\n    metrics:\n      - {name: x, oid: 1.3.6.1}\n",
        "field 'tables.0.rows.column': add it",
    ),
    (
        "both-multiply-percent",
        "name: both-multiply-percent\ntitle: {zh: a, en: b}\nscalars:\n"
        "  - {name: x, oid: 1.3.6.1, multiply_by: 1.3.6.2, percent_of: 1.3.6.3}\n",
        "use multiply_by or percent_of, not both",
    ),
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


def test_walk_roots_and_fallback_roots() -> None:
    if_mib = load_profiles()["if-mib"]
    roots = if_mib.walk_roots()
    assert "1.3.6.1.2.1.31.1.1.1.6" in roots and "1.3.6.1.2.1.31.1.1.1.15" in roots
    assert "1.3.6.1.2.1.2.2.1.10" not in roots  # the 32-bit column only when HC is absent
    with_hc = ["1.3.6.1.2.1.31.1.1.1.1.1", "1.3.6.1.2.1.31.1.1.1.6.1", "1.3.6.1.2.1.31.1.1.1.10.1"]
    assert if_mib.fallback_roots(with_hc) == []
    assert if_mib.fallback_roots(["1.3.6.1.2.1.2.2.1.8.1"]) == [
        "1.3.6.1.2.1.2.2.1.2",
        "1.3.6.1.2.1.2.2.1.10",
        "1.3.6.1.2.1.2.2.1.16",
    ]


@pytest.mark.parametrize(
    "walked",
    [
        {"1.3.6.1.2.1.31.1.1.1.1": {"1.3.6.1.2.1.31.1.1.1.1.1": b"Gi1"},
         "1.3.6.1.2.1.31.1.1.1.6": {"1.3.6.1.2.1.31.1.1.1.6.1": 5},
         "1.3.6.1.2.1.31.1.1.1.10": {"1.3.6.1.2.1.31.1.1.1.10.1": 6}},
        {"1.3.6.1.2.1.2.2.1.8": {"1.3.6.1.2.1.2.2.1.8.1": 1},
         "1.3.6.1.2.1.31.1.1.1.6": {}, "1.3.6.1.2.1.31.1.1.1.10": {}},
        {"1.3.6.1.2.1.31.1.1.1.6": {"1.3.6.1.2.1.31.1.1.1.6.1": 5}},
        {},
    ],
    ids=["with-hc", "no-ifxtable", "only-in-octets", "nothing"],
)  # fmt: skip
def test_fallback_roots_of_the_walks_agree_with_the_fetched_oids(
    walked: dict[str, dict[str, object]],
) -> None:
    if_mib = load_profiles()["if-mib"]
    fetched = [oid for rows in walked.values() for oid in rows]
    assert if_mib.fallback_roots_of(walked) == if_mib.fallback_roots(fetched)


def test_scalar_helpers_are_fetched() -> None:
    ucd = load_profiles()["ucd-snmp"]
    assert "1.3.6.1.4.1.2021.4.5.0" in ucd.scalar_oids()
    assert len(ucd.scalar_oids()) == len(set(ucd.scalar_oids()))


def test_the_example_in_docs_profiles_md_is_a_valid_profile(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "profiles.md"
    text = docs.read_text(encoding="utf-8")
    block = next(b for b in text.split("```yaml\n")[1:] if "name: crac-acme" in b)
    path = write(tmp_path, "crac-acme", block.split("```")[0])
    profile = load_profile_file(path)
    assert profile.inspection_metrics() == [
        "crac_supply_air_temperature_celsius", "crac_unit_power"
    ]  # fmt: skip
