"""The architecture's one-way imports, enforced (ARCHITECTURE.md, "Where things live")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["core", "store", "inventory", "collector", "agent", "rules", "records", "dashboard",
            "devices", "demo"]  # fmt: skip

# project packages each package may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "devices": set(),
    "store": {"core"},
    "inventory": {"core", "store"},
    "collector": {"core", "devices"},
    "agent": {"core", "collector", "devices"},
    "rules": {"core", "store", "inventory"},
    "records": {"core", "store", "inventory", "rules"},
    "dashboard": {"core", "store", "inventory", "collector", "rules", "records"},
    "demo": set(PACKAGES),
}
# third-party libraries confined to one package
CONFINED = {
    "pysnmp": {"agent"},
    "psutil": {"agent"},
    "flask": {"dashboard"},
    "flask_wtf": {"dashboard"},
    "werkzeug": {"dashboard"},
    "waitress": {"dashboard"},
}
# pure modules: no I/O libraries, only core of the project
PURE = {"rules/engine.py", "rules/schema.py", "rules/loader.py"}
PURE_ALLOWED = {"core", "rules"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


def _modules() -> list[Path]:
    return [
        p for pkg in PACKAGES if (ROOT / pkg).is_dir() for p in sorted((ROOT / pkg).rglob("*.py"))
    ]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_one_way(path: Path) -> None:
    rel = path.relative_to(ROOT)
    pkg = rel.parts[0]
    problems = []
    for line, name in _imports(path):
        if name in PACKAGES and name != pkg and name not in ALLOWED[pkg]:
            problems.append(f"{rel}:{line}: {pkg} must not import {name}")
        if name in CONFINED and pkg not in CONFINED[name]:
            problems.append(f"{rel}:{line}: only {sorted(CONFINED[name])} may import {name}")
        if rel.as_posix() in PURE and name in PACKAGES and name not in PURE_ALLOWED:
            problems.append(f"{rel}:{line}: pure module imports {name}")
    assert not problems, "\n".join(problems)


def test_checker_catches_a_wrong_import(tmp_path: Path) -> None:
    bad = tmp_path / "m.py"
    bad.write_text("from dashboard.app import create_app\nimport pysnmp\n")
    assert [n for _, n in _imports(bad)] == ["dashboard", "pysnmp"]
    assert "dashboard" not in ALLOWED["collector"]
