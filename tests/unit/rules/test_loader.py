"""Rule files: the built-in pack loads; broken files give one line naming file:line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from core.errors import RuleFileError
from core.types import Severity
from rules.cli import rules as rules_cli
from rules.loader import BUILTIN_DIR, load_rule_file, load_rules
from rules.schema import parse_duration
from rules.spec import Condition, Level, Op

GOOD = """\
rules:
  - name: ups_load_high
    title_zh: UPS 负载过高
    title_en: UPS load high
    metric: ups_output_load_percent
    op: ">"
    warning: 60
    critical: 80
    for: 2m
    clear: 55
    device_types: [ups]
    when: {metric: ups_output_source, op: "==", value: 3}
    summary_en: "{device_title}: load {value}% > {threshold}%"
"""

RULE = """\
rules:
  - name: a_rule
    title_zh: 甲
    title_en: A
    metric: m
    op: ">"
    warning: 1
"""


def write(tmp_path: Path, text: str, name: str = "r.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_pack_loads() -> None:
    specs = load_rules([], builtin=True)
    names = {s.name for s in specs}
    assert {"ups_on_battery", "ups_battery_low", "ups_load_high", "room_temperature_high",
            "room_temperature_low", "room_humidity_high", "interface_down",
            "device_unreachable", "host_disk_full"} <= names  # fmt: skip
    for spec in specs:
        assert spec.title_zh and spec.title_en and spec.summary_zh and spec.summary_en
    load = next(s for s in specs if s.name == "ups_load_high")
    assert load.levels == (Level(Severity.CRITICAL, 80), Level(Severity.WARNING, 60))
    assert (load.for_seconds, load.clear, load.device_types) == (60, 55, frozenset({"ups"}))


def test_good_file_converts_to_spec(tmp_path: Path) -> None:
    [spec] = load_rule_file(write(tmp_path, GOOD))
    assert spec.op is Op.GT and spec.for_seconds == 120
    assert spec.when == Condition("ups_output_source", Op.EQ, 3)
    assert spec.source.endswith("r.yaml:2")


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("0s", 0), ("30s", 30), ("2m", 120), ("1h", 3600), ("1.5m", 90), (45, 45), (0.5, 0.5),
     ("10", 10), ("500ms", 0.5)],
)  # fmt: skip
def test_durations(raw: object, seconds: float) -> None:
    assert parse_duration(raw) == seconds


@pytest.mark.parametrize("raw", ["5x", "m", "-1s", -3, True, "1 h 2m"])
def test_bad_durations(raw: object) -> None:
    with pytest.raises(ValueError, match=" — "):
        parse_duration(raw)


BROKEN = {
    "bad-yaml": (
        "rules:\n  - name: a\n    title_zh: [unclosed\n    op: '>'\n", 4, "yaml", "YAML syntax",
    ),
    "unknown-field": (
        RULE + "    threshold: high\n", 8, "a_rule.threshold", "unknown field",
    ),
    "bad-op": (
        RULE.replace('op: ">"', 'op: "=>"'), 6, "a_rule.op", "is not an operator",
    ),
    "missing-levels": (
        RULE.replace("    warning: 1\n", ""), 2, "a_rule", "add warning: and/or critical:",
    ),
    "bad-duration": (
        RULE + "    for: 5x\n", 8, "a_rule.for", "'5x' is not a duration",
    ),
    "missing-title": (
        RULE.replace("    title_en: A\n", ""), 2, "a_rule.title_en", "missing — add it",
    ),
    "bad-name": (
        RULE.replace("a_rule", "A-Rule"), 2, "A-Rule.name", "lowercase letters",
    ),
    "duplicate-in-file": (
        RULE + RULE.replace("rules:\n", ""), 8, "a_rule.name", "already defined at",
    ),
    "duplicate-key": (
        RULE + "    warning: 2\n", 8, "yaml", "duplicate key 'warning'",
    ),
    "critical-below-warning": (
        RULE + "    critical: 0\n", 2, "a_rule", "make critical the higher threshold",
    ),
    "clear-above-threshold": (
        RULE + "    clear: 5\n", 2, "a_rule", "clear must be at or below",
    ),
    "unknown-placeholder": (
        RULE + "    summary_en: '{host} is down'\n", 8, "a_rule.summary_en", "unknown placeholder",
    ),
    "bad-when-op": (
        RULE + "    when: {metric: x, op: '~', value: 1}\n", 8, "a_rule.when.op", "not an operator",
    ),
    "empty-file": ("", 1, "rules", "file is empty"),
    "not-a-mapping": ("- a\n- b\n", 1, "rules", "start the file with 'rules:'"),
}  # fmt: skip


@pytest.mark.parametrize(("text", "line", "field", "words"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_files_name_file_line_field(
    tmp_path: Path, text: str, line: int, field: str, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: {field}: "), message
    assert words in message
    assert " — " in message


def test_duplicate_names_across_files_name_both(tmp_path: Path) -> None:
    first = write(tmp_path, RULE, "10-first.yaml")
    second = write(tmp_path, "# another\n" + RULE, "20-second.yml")
    with pytest.raises(RuleFileError) as caught:
        load_rules([tmp_path], builtin=False)
    message = str(caught.value)
    assert message.startswith(f"{second}:3: a_rule.name: ")
    assert f"{first}:2" in message


def test_duplicate_of_a_builtin_rule_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, RULE.replace("a_rule", "ups_on_battery"))
    with pytest.raises(RuleFileError, match=r"already defined in .*machine-room\.yaml"):
        load_rules([path])


def test_directory_loads_yaml_files_in_name_order(tmp_path: Path) -> None:
    write(tmp_path, RULE.replace("a_rule", "b_rule"), "b.yaml")
    write(tmp_path, RULE, "a.yml")
    write(tmp_path, "not: rules", "notes.txt")
    assert [s.name for s in load_rules([tmp_path], builtin=False)] == ["a_rule", "b_rule"]


def test_cli_check_ok(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("ups_load_high", "my_ups_load"))
    result = CliRunner().invoke(rules_cli, ["check", str(path), str(BUILTIN_DIR)])
    assert result.exit_code == 0, result.output
    count = len(load_rules([], builtin=True)) + 1
    assert result.output.strip().endswith(f"ok: {count} rules in 2 files")


def test_cli_check_prints_every_error_as_one_line(tmp_path: Path) -> None:
    bad_op = write(tmp_path, RULE.replace('op: ">"', "op: '=>'") + "    for: 5x\n", "a.yaml")
    bad_yaml = write(tmp_path, "rules:\n  - name: [\n", "b.yaml")
    result = CliRunner().invoke(rules_cli, ["check", str(bad_op), str(bad_yaml)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 3, result.output
    assert lines[0].startswith(f"{bad_op}:6: a_rule.op: ")
    assert lines[1].startswith(f"{bad_op}:8: a_rule.for: ")
    assert lines[2].startswith(f"{bad_yaml}:")
    assert "ok:" not in result.output


def test_cli_check_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(rules_cli, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "not found" in result.output


def test_cli_list_shows_builtin_rules() -> None:
    result = CliRunner().invoke(rules_cli, ["list"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("ups_load_high"))
    for part in ("ups_output_load_percent", "critical > 80", "warning > 60", "clear 55",
                 "for 1m", "UPS 负载过高"):  # fmt: skip
        assert part in line
