"""Rule files against the metric catalog, rule kinds, contradictory levels and templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.errors import RuleFileError
from rules.catalog import MetricInfo, build_catalog, load_catalog
from rules.cli import rules as rules_cli
from rules.loader import load_rule_file, load_rules
from rules.spec import RuleKind

CATALOG = build_catalog([
    MetricInfo("ups_output_source", "", "enum", {3: "normal", 5: "battery"}),
    MetricInfo("ups_output_load_percent", "%"),
])  # fmt: skip
HEAD = "rules:\n  - name: a_rule\n    title_zh: 甲\n    title_en: A\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BAD = {
    "unknown-metric": ("    metric: ups_load_percent\n    op: '>'\n    warning: 1\n", 5,
                       "a_rule.metric", "did you mean ups_output_load_percent"),
    "unknown-state": ("    metric: ups_output_source\n    op: '=='\n    critical: batery\n", 7,
                      "a_rule.critical", "not a state of ups_output_source"),
    "bad-unit": ("    metric: ups_output_load_percent\n    op: '>'\n    warning: 1\n"
                 "    unit: °C\n", 8, "a_rule.unit", "does not match"),
    "ordering-on-name": ("    metric: ups_output_source\n    op: '>'\n    warning: battery\n", 2,
                         "a_rule", "compares numbers"),
    "clear-wrong-side-down": ("    metric: ups_output_load_percent\n    op: '<'\n    warning: 10\n"
                              "    clear: 5\n", 2, "a_rule", "clear must be at or above"),
    "clear-on-eq": ("    metric: ups_output_source\n    op: '=='\n    warning: 5\n    clear: 3\n",
                    2, "a_rule", "needs an ordering op"),
    "in-needs-list": ("    metric: ups_output_source\n    op: in\n    warning: battery\n", 2,
                      "a_rule", "must be a list"),
    "mixed-kinds": ("    metric: ups_output_source\n    absent_for: 1m\n    op: '>'\n"
                    "    severity: warning\n", 2, "a_rule", "does not apply to a absent rule"),
    "event-never-clears": ("    event: upsTrapOnBattery\n    severity: critical\n", 2, "a_rule",
                           "never clears"),
    "compound-no-severity": ("    any: [{metric: ups_output_source, op: '==', value: 5}]\n", 2,
                             "a_rule", "no severity"),
    "bad-regex": ("    metric: ups_output_load_percent\n    op: '>'\n    warning: 1\n"
                  "    instances: '(['\n", 8, "a_rule.instances", "not a valid regular"),
    "bad-intervals": ("    metric: ups_output_source\n    absent_for: x intervals\n"
                      "    severity: warning\n", 6, "a_rule.absent_for", "number of intervals"),
    "nested-incomplete": ("    any: [{all: [{metric: ups_output_source}]}]\n    severity: info\n",
                          5, "a_rule.any[0].all[0]", "incomplete condition"),
}  # fmt: skip


@pytest.mark.parametrize(("body", "line", "field", "words"), BAD.values(), ids=BAD.keys())
def test_bad_rules(tmp_path: Path, body: str, line: int, field: str, words: str) -> None:
    path = write(tmp_path, HEAD + body)
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(path, catalog=CATALOG)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: {field}: "), message
    assert words in message and " — " in message


def test_enum_names_become_codes(tmp_path: Path) -> None:
    body = "    metric: ups_output_source\n    op: in\n    critical: [battery, 7]\n"
    [spec] = load_rule_file(write(tmp_path, HEAD + body), catalog=CATALOG)
    assert spec.levels[0].codes == {5.0, 7.0} and spec.levels[0].labels == {"battery"}


TEMPLATE = """\
templates:
  - name: load
    params: {warn: 60, what: null}
    rules:
      - {name: high, title_zh: "${what}高", title_en: "${what} high",
         metric: ups_output_load_percent, op: ">", warning: "${warn}"}
apply:
  - {template: load, name: room_a, rooms: [A], params: {what: 负载, warn: 50}}
  - {template: load, name: room_b, device_types: [ups], params: {what: L}}
"""


def test_template_applications(tmp_path: Path) -> None:
    specs = load_rule_file(write(tmp_path, TEMPLATE), catalog=CATALOG)
    by_name = {s.name: s for s in specs}
    assert set(by_name) == {"room_a_high", "room_b_high"}
    a, b = by_name["room_a_high"], by_name["room_b_high"]
    assert (a.levels[0].threshold, a.rooms, a.title_zh, a.template) == (
        50.0, frozenset({"A"}), "负载高", "load@room_a")  # fmt: skip
    assert (b.levels[0].threshold, b.device_types) == (60.0, frozenset({"ups"}))


@pytest.mark.parametrize(
    ("change", "words"),
    [(("template: load, name: room_b", "template: lod, name: room_b"), "unknown template"),
     (("params: {what: L}", "params: {what: L, x: 1}"), "unknown parameter 'x'"),
     (("params: {what: L}", "params: {}"), "parameter 'what' has no value")],
    ids=["unknown-template", "unknown-param", "missing-param"],
)  # fmt: skip
def test_template_errors(tmp_path: Path, change: tuple[str, str], words: str) -> None:
    path = write(tmp_path, TEMPLATE.replace(*change))
    with pytest.raises(RuleFileError, match=words) as caught:
        load_rule_file(path, catalog=CATALOG)
    assert str(caught.value).startswith(f"{path}:")


def test_builtin_pack_is_complete_and_checks_against_the_profiles() -> None:
    specs = load_rules([], builtin=True, catalog=load_catalog())
    kinds = {s.kind for s in specs}
    assert kinds >= {RuleKind.THRESHOLD, RuleKind.COMPOUND, RuleKind.ABSENT}
    names = {s.name for s in specs}
    assert {"ups_on_battery", "ups_battery_low", "ups_battery_replace", "ups_runtime_low",
            "ups_load_high", "ups_input_voltage_low", "ups_battery_temperature_high",
            "room_temperature_high", "room_humidity_high", "pdu_phase_overload", "ac_stopped",
            "ac_alarm", "uplink_down", "interface_errors", "device_unreachable",
            "agent_not_reporting", "host_cpu_high", "host_memory_high"} <= names  # fmt: skip


def test_cli_schema_is_json_and_matches_the_shipped_file() -> None:
    result = CliRunner().invoke(rules_cli, ["schema"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert "RuleModel" in doc["$defs"]
    shipped = Path(__file__).resolve().parents[3] / "docs" / "rule-schema.json"
    assert json.loads(shipped.read_text(encoding="utf-8")) == doc, (
        "regenerate docs/rule-schema.json"
    )


def test_cli_check_reports_unknown_metric(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "    metric: ups_load_percent\n    op: '>'\n    warning: 1\n")
    result = CliRunner().invoke(rules_cli, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:5: a_rule.metric: unknown metric 'ups_load_percent'" in result.output
