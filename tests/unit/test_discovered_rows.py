"""Discovery files → candidates (inventory.discovered): the exact shape collector.discovery
writes, encodings, row-level errors with row and column, and the comparison with the ledger."""

from __future__ import annotations

import pytest

from collector.discovery import FIELDS as WRITTEN_FIELDS
from collector.discovery import Candidate, to_csv, to_yaml
from inventory.discovered import (
    COMMUNITY_MASK,
    FIELDS,
    DiscoveryFileError,
    LedgerEntry,
    RowError,
    audit_fields,
    classify,
    decode,
    parse_rows,
    read_file,
)  # fmt: skip


def cand(name: str, address: str, port: int = 161, **kw: str) -> Candidate:
    values = {"version": "2c", "community": "s3cret-ro", "profile": "ups-rfc1628",
              "vendor": "APC", "model": "Smart-UPS 3000", "serial": "AS123",
              "sys_object_id": "1.3.6.1.4.1.318", "sys_descr": "APC UPS", **kw}  # fmt: skip
    return Candidate(name=name, address=address, port=port, **values)  # type: ignore[arg-type]


CANDIDATES = [cand("ups-1", "10.1.2.5"), cand("机房温湿度", "10.1.2.6", 1161, vendor="AKCP")]


def test_fields_mirror_the_collector() -> None:
    assert FIELDS == WRITTEN_FIELDS


@pytest.mark.parametrize("writer", [to_csv, to_yaml], ids=["csv", "yaml"])
def test_good_rows_from_what_discover_writes(writer: object) -> None:
    rows = parse_rows(writer(CANDIDATES))  # type: ignore[operator]
    assert [r.errors for r in rows] == [(), ()]
    first, second = (r.candidate for r in rows)
    assert first is not None and second is not None
    assert (first.name, first.address, first.port, first.version, first.community) == (
        "ups-1", "10.1.2.5", 161, "2c", "s3cret-ro")  # fmt: skip
    assert (first.profile, first.vendor, first.model, first.serial) == (
        "ups-rfc1628", "APC", "Smart-UPS 3000", "AS123")  # fmt: skip
    assert (second.name, second.port, second.vendor) == ("机房温湿度", 1161, "AKCP")


@pytest.mark.parametrize(
    ("encoding", "filename"),
    [("utf-8", "found.csv"), ("utf-8-sig", "found.csv"), ("gbk", "found.csv"),
     ("gb18030", "x.txt"), ("utf-8-sig", "found.yaml"), ("gbk", "found.yml")],
    ids=["utf8", "utf8-bom", "gbk", "gb18030-sniffed", "yaml-bom", "yaml-gbk"],
)  # fmt: skip
def test_encodings(encoding: str, filename: str) -> None:
    text = to_yaml(CANDIDATES) if filename.endswith((".yaml", ".yml")) else to_csv(CANDIDATES)
    rows = read_file(text.encode(encoding), filename)
    assert [r.candidate.name for r in rows if r.candidate] == ["ups-1", "机房温湿度"]


def test_decode_prefers_utf8_and_strips_the_bom() -> None:
    assert decode("\ufeffname".encode()) == "name"
    assert decode("机房".encode("gbk")) == "机房"


HEADER = ",".join(FIELDS) + "\n"


@pytest.mark.parametrize(
    ("line", "errors"),
    [
        ("ups-1,10.1.2.5,161,2c,pub,,,,", []),
        (",10.1.2.5,161,2c,pub,,,,", [("name", "required")]),
        ("ups-1,10.1.2.500,161,2c,pub,,,,", [("address", "bad_address")]),
        ("ups-1,10.1.2.5,abc,2c,pub,,,,", [("port", "not_a_number")]),
        ("ups-1,10.1.2.5,70000,2c,pub,,,,", [("port", "out_of_range")]),
        ("ups-1,10.1.2.5,0,2c,pub,,,,", [("port", "out_of_range")]),
        ("ups-1,10.1.2.5,161,3,pub,,,,", [("version", "bad_version")]),
        ("ups-1,10.1.2.5,161,2c,,,,,", [("community", "required")]),
        ("x" * 101 + ",10.1.2.5,161,2c,pub,,,,", [("name", "too_long")]),
        (",bad,,2c,pub,,,,", [("name", "required"), ("address", "bad_address"),
                              ("port", "required")]),
        ("ups-1,10.1.2.5,161,2c,pub,,,,,surplus", [("", "extra_values")]),
    ],
    ids=["good", "no-name", "bad-address", "port-text", "port-high", "port-zero", "version",
         "no-community", "long-name", "several", "extra-values"],
)  # fmt: skip
def test_bad_rows_name_row_and_column(line: str, errors: list[tuple[str, str]]) -> None:
    text = HEADER + "ok-0,10.0.0.1,161,2c,pub,,,,\n" + line + "\n"
    first, row = parse_rows(text, "csv")
    assert first.errors == () and first.candidate is not None
    assert row.row == 3  # the spreadsheet row: header 1, first device 2
    assert row.errors == tuple(RowError(3, c, p) for c, p in errors)
    assert (row.candidate is None) == bool(errors)


def test_duplicates_within_the_file() -> None:
    text = HEADER + "a,10.0.0.1,161,2c,p,,,,\na,10.0.0.2,161,2c,p,,,,\nb,10.0.0.1,161,2c,p,,,,\n"
    rows = parse_rows(text)
    assert rows[0].candidate is not None
    assert rows[1].errors == (RowError(3, "name", "duplicate"),)
    assert rows[2].errors == (RowError(4, "address", "duplicate"),)


def test_yaml_rows_are_numbered_by_position() -> None:
    text = "devices:\n- {name: a, address: 10.0.0.1, port: 161, community: p}\n- oops\n" \
           "- {name: b, address: 10.0.0.2, port: x, community: p}\n"  # fmt: skip
    rows = parse_rows(text)
    assert [r.errors for r in rows] == [
        (), (RowError(2, "", "not_a_row"),), (RowError(3, "port", "not_a_number"),)]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [("", None, "empty"), ("  \n", "csv", "empty"), ("name,address\n", "csv", "missing_columns"),
     (HEADER, "csv", "no_devices"), ("devices: [\n", "yaml", "not_yaml"),
     ("devices: 3\n", "yaml", "no_devices"), ("a,\"b\n", "csv", "missing_columns")],
    ids=["empty", "blank", "columns", "header-only", "yaml-syntax", "yaml-shape", "unclosed"],
)  # fmt: skip
def test_bad_files(text: str, kind: str | None, code: str) -> None:
    with pytest.raises(DiscoveryFileError) as err:
        parse_rows(text, kind)  # type: ignore[arg-type]
    assert err.value.code == code


def test_missing_columns_are_named() -> None:
    with pytest.raises(DiscoveryFileError) as err:
        parse_rows("name,address,community\n", "csv")
    assert err.value.detail == "port"


LEDGER = [LedgerEntry("ups-1", "10.1.2.5", 161, "2c", "s3cret-ro", "ups-rfc1628", "APC",
                      "Smart-UPS 3000"),
          LedgerEntry("old-name", "10.1.2.6", 1161, "2c", "other", "auto", "", "")]  # fmt: skip


def test_classify_new_existing_invalid() -> None:
    text = to_csv([*CANDIDATES, cand("fresh", "10.1.2.7")]) + "bad,,,,,,,,\n"
    previews = classify(parse_rows(text), LEDGER)
    assert [p.status for p in previews] == ["existing", "existing", "new", "invalid"]
    same, renamed = previews[0], previews[1]
    assert (same.match, same.differences) == ("ups-1", ())
    assert renamed.match == "old-name"
    diffs = {f: (old, new) for f, old, new in renamed.differences}
    assert diffs["name"] == ("old-name", "机房温湿度")
    assert diffs["community"] == (COMMUNITY_MASK, COMMUNITY_MASK)  # differs, never shown
    assert diffs["vendor"] == ("", "AKCP")


def test_same_name_other_address_is_existing() -> None:
    [p] = classify(parse_rows(to_csv([cand("ups-1", "10.9.9.9")])), LEDGER)
    assert (p.status, p.match) == ("existing", "ups-1")
    assert ("address", "10.1.2.5", "10.9.9.9") in p.differences


def test_audit_fields_mask_the_community() -> None:
    [row] = parse_rows(to_csv([cand("x", "10.0.0.9")]))
    assert row.candidate is not None
    fields = audit_fields(row.candidate)
    assert fields["community"] == COMMUNITY_MASK and "s3cret-ro" not in str(fields)
    assert (fields["kind"], fields["profile"], fields["serial"]) == ("snmp", "ups-rfc1628",
                                                                     "AS123")  # fmt: skip
