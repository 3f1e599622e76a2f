"""``roomwatch rules``: check rule files and list the rules that would load."""

from __future__ import annotations

import json
from pathlib import Path

import click

from core.errors import RuleFileError
from rules.catalog import PROFILES_DIR, load_catalog
from rules.loader import check_paths, load_rules
from rules.schema import RuleFileModel
from rules.spec import RuleSpec

_PROFILES = click.option(
    "--profiles",
    type=click.Path(path_type=Path, file_okay=False),
    default=PROFILES_DIR,
    show_default=True,
    help="Device profiles whose metrics rules may use.",
)


def _duration(seconds: float) -> str:
    if seconds == 0:
        return "0s"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _target(level: object) -> str:
    from rules.spec import Level

    assert isinstance(level, Level)
    if level.threshold is not None:
        return f"{level.threshold:g}"
    names = sorted(level.labels) or [f"{c:g}" for c in sorted(level.codes)]
    return "[" + ", ".join(names) + "]" if len(names) != 1 else names[0]


def _levels(rule: RuleSpec) -> str:
    if rule.kind.value != "threshold":
        return f"{rule.levels[0].severity.label} ({rule.kind.value})"
    text = ", ".join(f"{lvl.severity.label} {rule.op} {_target(lvl)}" for lvl in rule.levels)
    if rule.clear is not None:
        text += f" (clear {rule.clear:g})"
    return text


@click.group("rules")
def rules() -> None:
    """Rule files: check them, list the loaded rules."""


@rules.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_PROFILES
def check(files: tuple[Path, ...], profiles: Path) -> None:
    """Validate rule FILES (or directories of *.yaml); one line per error.

    Metrics are checked against the device profiles (names, enum states, units).
    """
    result = check_paths(files, catalog=load_catalog(profiles))
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.problems:
        raise SystemExit(1)
    click.echo(f"ok: {len(result.rules)} rules in {len(result.files)} files")


@rules.command("list")
@click.option(
    "--rules",
    "paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra rule file or directory (repeatable).",
)
@click.option("--builtin/--no-builtin", default=True, help="Include the built-in pack.")
def list_rules(paths: tuple[Path, ...], builtin: bool) -> None:
    """List the rules that would load: name, metric, levels, for, title."""
    try:
        specs = load_rules(list(paths), builtin=builtin, catalog=load_catalog())
    except RuleFileError as exc:
        raise click.ClickException(str(exc)) from None
    for spec in specs:
        flag = "" if spec.enabled else "  [disabled]"
        click.echo(
            f"{spec.name:<28} {spec.metric or '-':<32} {_levels(spec):<36} "
            f"for {_duration(spec.for_seconds):<5} {spec.title_zh} / {spec.title_en}{flag}"
        )


@rules.command("schema")
def schema() -> None:
    """Print the JSON schema of rule files (docs/rule-schema.json is this output)."""
    doc = RuleFileModel.model_json_schema(by_alias=True)
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "roomwatch rule file"
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True))


@rules.command("metrics")
@_PROFILES
def metrics(profiles: Path) -> None:
    """List the metrics rules can use: name, unit, enum states."""
    for info in sorted(load_catalog(profiles).values(), key=lambda m: m.name):
        states = ", ".join(f"{c:g}={label}" for c, label in info.states.items())
        click.echo(f"{info.name:<40} {info.unit or '-':<7} {states}".rstrip())
