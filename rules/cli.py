"""``roomwatch rules``: check rule files and list the rules that would load."""

from __future__ import annotations

from pathlib import Path

import click

from core.errors import RuleFileError
from rules.loader import check_paths, load_rules
from rules.spec import RuleSpec


def _duration(seconds: float) -> str:
    if seconds == 0:
        return "0s"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _levels(rule: RuleSpec) -> str:
    text = ", ".join(f"{lvl.severity.label} {rule.op} {lvl.threshold:g}" for lvl in rule.levels)
    if rule.clear is not None:
        text += f" (clear {rule.clear:g})"
    return text


@click.group("rules")
def rules() -> None:
    """Rule files: check them, list the loaded rules."""


@rules.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Validate rule FILES (or directories of *.yaml); one line per error."""
    result = check_paths(files)
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
        specs = load_rules(list(paths), builtin=builtin)
    except RuleFileError as exc:
        raise click.ClickException(str(exc)) from None
    for spec in specs:
        flag = "" if spec.enabled else "  [disabled]"
        click.echo(
            f"{spec.name:<24} {spec.metric:<28} {_levels(spec):<36} "
            f"for {_duration(spec.for_seconds):<5} {spec.title_zh} / {spec.title_en}{flag}"
        )
