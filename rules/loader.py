"""Load rule files: YAML → validated RuleSpecs, or one-line errors naming file, line and fix.

Every error reads ``file:line: field: problem — fix``. ``check_paths`` collects all of
them (for ``roomwatch rules check``); ``load_rule_file`` / ``load_rules`` raise the first
as a RuleFileError: loading is all or nothing, a server never runs half a rule set.

``catalog`` (rules.catalog.load_catalog(), passed by the caller) is what the rules are
checked against: unknown metrics (not for the built-in pack), enum state names, units.
Without it the profiles shipped in devices/profiles/ are used for enum names and units
only. Enum names in thresholds become their codes; the engine also compares them with
the samples' enum labels (``Sample.text``), so a rule works for either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.errors import RuleFileError
from rules.catalog import Catalog, load_catalog
from rules.describe import describe
from rules.metric_checks import catalog_problems, enum_codes
from rules.schema import RuleFileModel
from rules.spec import RuleSpec
from rules.templates import expand
from rules.yaml_lines import LineDict, line_of, load_with_lines

BUILTIN_DIR = Path(__file__).parent / "builtin"
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a rule file."""

    file: str
    line: int
    field: str
    message: str  # "problem — fix"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


@dataclass(slots=True)
class CheckResult:
    rules: list[RuleSpec] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _field_path(data: Any, loc: tuple[int | str, ...]) -> str:
    """``ups_load_high.op`` when the rule has a name, else ``rules[3].op``."""
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        name = None
        rules = data.get("rules") if isinstance(data, dict) else None
        if isinstance(rules, list) and loc[1] < len(rules) and isinstance(rules[loc[1]], dict):
            candidate = rules[loc[1]].get("name")
            name = candidate if isinstance(candidate, str) and candidate else None
        head = name or f"rules[{loc[1]}]"
        rest = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[2:]]
        return head + "".join(rest)
    return ".".join(str(p) for p in loc) or "rules"


_UNION_MEMBERS = ("float", "str", "int", "bool", "none")


def _problems(name: str, data: Any, exc: ValidationError) -> list[Problem]:
    found: dict[tuple[int, str], Problem] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        message = describe(err)
        last = loc[-1] if loc else ""
        if isinstance(last, str) and (last in _UNION_MEMBERS or last.startswith("list[")):
            loc = loc[:-1]  # one line for a value that fits none of a union's types
            message = "not a number, a name or a list of them — e.g. 60, battery, [low, depleted]"
        line, fld = line_of(data, loc), _field_path(data, loc)
        found.setdefault((line, fld), Problem(name, line, fld, message))
    return sorted(found.values(), key=lambda p: p.line)


def _read(
    path: Path, catalog: Catalog | None = None, check_names: bool = True
) -> tuple[list[RuleSpec], list[Problem]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [Problem(name, 0, "file", "not found — check the path")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, 0, "file", f"cannot be read ({exc}) — save it as UTF-8 text")]
    try:
        data = load_with_lines(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if exc.problem and exc.context and exc.context_mark:
            problem += f" ({exc.context} started on line {exc.context_mark.line + 1})"
        return [], [Problem(name, line, "yaml", f"{problem} — fix the YAML syntax")]
    except yaml.YAMLError as exc:
        return [], [Problem(name, 1, "yaml", f"{exc} — fix the YAML syntax")]
    if data is None:
        return [], [Problem(name, 1, "rules", "file is empty — add a 'rules:' list")]
    if not isinstance(data, LineDict):
        return [], [Problem(name, 1, "rules", "not a mapping — start the file with 'rules:'")]
    try:
        RuleFileModel.model_validate(data)
    except ValidationError as exc:
        return [], _problems(name, data, exc)
    expansion = expand(data)
    problems = [Problem(name, line, fld, msg) for line, fld, msg in expansion.problems]
    expanded = LineDict(rules=expansion.rules)
    expanded.line, expanded.key_lines = data.line, {"rules": data.key_lines.get("rules", 1)}
    try:
        model = RuleFileModel.model_validate(expanded)
    except ValidationError as exc:
        return [], problems + _problems(name, expanded, exc)
    items = expansion.rules
    known = catalog if catalog is not None else load_catalog()  # enum names → codes
    specs: list[RuleSpec] = []
    seen: dict[str, str] = {}
    for index, rule in enumerate(model.rules):
        line = items.item_lines[index] if index < len(items.item_lines) else 1
        found = catalog_problems(rule, known, check_names and catalog is not None)
        for fld, message in found:
            fld_line = line_of(expanded, ("rules", index, *fld.split(".")[0:1]))
            problems.append(Problem(name, fld_line, f"{rule.name}.{fld}", message))
        if rule.name in seen:
            problems.append(
                Problem(
                    name,
                    line,
                    f"{rule.name}.name",
                    f"rule {rule.name!r} is already defined at {seen[rule.name]} — rename one",
                )
            )
            continue
        seen[rule.name] = f"{name}:{line}"
        if not found:
            enums = enum_codes(rule, known)
            specs.append(rule.to_spec(f"{name}:{line}", enums, expansion.labels[index]))
    if problems:
        return [], sorted(problems, key=lambda p: p.line)
    return specs, problems


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """Files named by ``paths``: a directory gives its *.yaml / *.yml files, sorted."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        else:
            out.append(path)
    return out


def check_paths(
    paths: Iterable[Path], builtin: bool = False, catalog: Catalog | None = None
) -> CheckResult:
    """Validate files and directories; collect every problem, including duplicate names.

    The built-in pack is exempt from the unknown-metric check only (it names metrics of
    profiles that may not be installed); everything else is checked alike.
    """
    result = CheckResult()
    builtin_files = set(rule_files([BUILTIN_DIR])) if builtin else set()
    files = rule_files(([BUILTIN_DIR] if builtin else []) + list(paths))
    defined: dict[str, RuleSpec] = {}
    for path in files:
        result.files.append(path)
        specs, problems = _read(path, catalog, check_names=path not in builtin_files)
        result.problems += problems
        for spec in specs:
            first = defined.get(spec.name)
            if first is not None:
                file, _, line = spec.source.rpartition(":")
                result.problems.append(
                    Problem(
                        file,
                        int(line),
                        f"{spec.name}.name",
                        f"rule {spec.name!r} is already defined in {first.source} — rename one "
                        "(or disable it there with enabled: false)",
                    )
                )
                continue
            defined[spec.name] = spec
            result.rules.append(spec)
    return result


def _raise_first(result: CheckResult) -> None:
    if result.problems:
        first = str(result.problems[0])
        more = len(result.problems) - 1
        if more:
            first += f" (and {more} more: run 'roomwatch rules check')"
        raise RuleFileError(first)


def load_rule_file(path: Path, catalog: Catalog | None = None) -> list[RuleSpec]:
    """The rules of one file; raises RuleFileError naming file, line, field and fix."""
    result = check_paths([path], catalog=catalog)
    _raise_first(result)
    return result.rules


def load_rules(
    paths: list[Path], builtin: bool = True, catalog: Catalog | None = None
) -> list[RuleSpec]:
    """The built-in pack (unless ``builtin`` is False) and every file of ``paths``.

    A directory contributes all its *.yaml / *.yml files in name order. Rule names are
    unique across everything loaded; a duplicate is an error naming both places.
    """
    result = check_paths(paths, builtin=builtin, catalog=catalog)
    _raise_first(result)
    return result.rules
