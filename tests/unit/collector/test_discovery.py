from __future__ import annotations

import csv
import io

import pytest
import yaml

from collector.discovery import MAX_HOSTS, identify, parse_range, to_csv, to_yaml, vendor_of
from collector.profiles import load_profiles
from core.errors import ConfigError
from tests.unit.collector.recordings import read_snmprec

PROFILES = load_profiles()

RANGES = [
    ("cidr-24", "127.0.0.0/24", 254, "127.0.0.1", "127.0.0.254"),
    ("cidr-30", "127.0.0.4/30", 2, "127.0.0.5", "127.0.0.6"),
    ("cidr-32", "127.0.0.9/32", 1, "127.0.0.9", "127.0.0.9"),
    ("cidr-not-network", "127.0.0.77/29", 6, "127.0.0.73", "127.0.0.78"),
    ("dash-full", "127.0.0.2-127.0.0.4", 3, "127.0.0.2", "127.0.0.4"),
    ("dash-octet", "127.0.0.2-4", 3, "127.0.0.2", "127.0.0.4"),
    ("single", " 127.0.0.3 ", 1, "127.0.0.3", "127.0.0.3"),
    ("cidr-20-is-the-cap", "10.0.0.0/20", 4094, "10.0.0.1", "10.0.15.254"),
]


@pytest.mark.parametrize(
    ("case", "text", "count", "first", "last"), RANGES, ids=[r[0] for r in RANGES]
)
def test_parse_range(case: str, text: str, count: int, first: str, last: str) -> None:
    hosts = parse_range(text)
    assert (len(hosts), hosts[0], hosts[-1]) == (count, first, last)


BAD_RANGES = [
    ("too-big", "10.0.0.0/19", "at most 4096"),
    ("garbage", "the server room", "write a CIDR"),
    ("backwards", "127.0.0.9-127.0.0.2", "ends before it starts"),
    ("bad-octet", "127.0.0.300", "write a CIDR"),
    ("bad-prefix", "127.0.0.0/33", "write a CIDR"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_RANGES, ids=[b[0] for b in BAD_RANGES])
def test_bad_range_is_one_line_with_the_fix(case: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        parse_range(text)
    assert "\n" not in str(err.value)


def test_cap_is_configurable() -> None:
    assert MAX_HOSTS == 4096
    with pytest.raises(ConfigError, match="at most 8"):
        parse_range("127.0.0.0/28", max_hosts=8)


@pytest.mark.parametrize(
    ("oid", "vendor"),
    [("1.3.6.1.4.1.2011.2.23.631", "Huawei"), (".1.3.6.1.4.1.25506.11", "H3C"),
     ("1.3.6.1.4.1.99999.1", ""), ("", ""), ("1.3.6.1.2.1.33", "")],
    ids=["huawei", "h3c-dot", "unknown-enterprise", "empty", "not-enterprise"],
)  # fmt: skip
def test_vendor_of(oid: str, vendor: str) -> None:
    assert vendor_of(oid) == vendor


IDENTIFY = [
    # recording, profile, vendor, model, serial
    ("huawei-sw-1", "huawei-switch", "Huawei", "S5735-L48T4X-A1", "2102351HLL10K3000123"),
    ("h3c-sw-1", "h3c-switch", "H3C", "LS-6520X-30QC-EI", "210235A2DMH19A000012"),
    ("apc-ups-2", "apc-ups", "APC", "Smart-UPS 3000", "AS1234567890"),  # no ENTITY-MIB
    ("ups-1", "ups-mib", "APC", "SRT10KRMXLI", ""),  # UPS-MIB upsIdentModel
    ("eaton-9px", "eaton-xups", "Eaton (MGE)", "Eaton 9PX 2200i RT 3U", ""),
    ("env-1", "env-sensor", "AKCP", "", ""),
]


@pytest.mark.parametrize(
    ("recording", "profile", "vendor", "model", "serial"), IDENTIFY, ids=[i[0] for i in IDENTIFY]
)
def test_identify(recording: str, profile: str, vendor: str, model: str, serial: str) -> None:
    c = identify("127.0.0.2", 161, "2c", "public", read_snmprec(recording), PROFILES)
    assert (c.profile, c.vendor, c.model, c.serial) == (profile, vendor, model, serial)


def test_identify_without_sys_name_uses_the_address() -> None:
    c = identify("127.0.0.9", 1161, "1", "ops", {}, PROFILES)
    assert (c.name, c.profile, c.vendor, c.port, c.version) == (
        "127.0.0.9", "system", "", 1161, "1"
    )  # fmt: skip


def test_ledger_snippets_csv_and_yaml() -> None:
    c = identify("127.0.0.2", 161, "2c", "public", read_snmprec("huawei-sw-1"), PROFILES)
    rows = list(csv.DictReader(io.StringIO(to_csv([c]))))
    assert rows == [{
        "name": "huawei-sw-1", "address": "127.0.0.2", "port": "161", "version": "2c",
        "community": "public", "profile": "huawei-switch", "vendor": "Huawei",
        "model": "S5735-L48T4X-A1", "serial": "2102351HLL10K3000123",
    }]  # fmt: skip
    data = yaml.safe_load(to_yaml([c]))
    assert data["devices"][0]["port"] == 161 and data["devices"][0]["profile"] == "huawei-switch"
