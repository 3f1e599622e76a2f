"""No message id or code is ever shown raw (issue 12, point 14): every id the code raises
(duty-record refusals, ledger refusals, the import's row problems) has words in both
catalogues, and each renders through the function its screen or the command line uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.messages import LANGUAGES, both, catalog, translate
from inventory.ledger_csv import RowError
from inventory.ledger_import import error_lines, problem_words
from rules.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]
# a refusal raised with its message id as the first argument
_RAISED = re.compile(
    r"\b(?:RecordError|SignatureRefused|RecordFrozen|NotFound|LedgerError)\(\s*\"([a-z0-9_.]+)\""
)
# a row problem of the ledger import: RowError(row, column, "code") or a cell's (None, "code")
_ROW_PROBLEM = re.compile(r"RowError\([^()\"]*\"[a-z_]*\",\s*\"([a-z_]+)\"|RowError\("
                          r"[^()\"]*,\s*key,\s*\"([a-z_]+)\"|None, \"([a-z_]+)\"\)?$",
                          re.M)  # fmt: skip


def _sources(*packages: str) -> list[Path]:
    return [p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py"))]


def _raised_ids() -> set[str]:
    return {m for p in _sources("records", "inventory")
            for m in _RAISED.findall(p.read_text(encoding="utf-8"))}  # fmt: skip


def _row_problems() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "inventory" / "ledger_csv.py", ROOT / "inventory" / "ledger_import.py",
                 ROOT / "inventory" / "ledger_rules.py"):  # fmt: skip
        for groups in _ROW_PROBLEM.findall(path.read_text(encoding="utf-8")):
            found |= {g for g in groups if g}
    return found


def test_the_walk_finds_what_the_code_raises() -> None:
    assert {"ledger.file.unknown_columns", "sign.role_cannot_sign"} <= _raised_ids()
    assert {"bad_date", "duplicate", "u_overlap", "unknown_room", "taken", "bad_u",
            "u_out_of_rack"} <= _row_problems()  # fmt: skip


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_raised_id_has_words(lang: str) -> None:
    ids = _raised_ids() | {f"ledger.problem.{c}" for c in _row_problems()}
    missing = sorted(ids - set(catalog(lang)))
    assert not missing, f"{lang} catalogue lacks {missing}"


@pytest.mark.parametrize("code", sorted(_row_problems()))
def test_each_row_problem_prints_as_words_on_the_command_line(code: str) -> None:
    e = RowError(3, "serial", code, "sw-1")
    (line,) = error_lines([e])
    assert "ledger." not in line and "serial" not in line  # "required" is a word as well
    assert "_" not in code or code not in line
    assert problem_words("zh_CN", e) in line and problem_words("en", e) in line
    assert "%(" not in line


def test_file_refusals_print_as_words() -> None:
    for msgid in sorted(i for i in _raised_ids() if i.startswith("ledger.file.")):
        text = both(msgid, detail="x")
        assert msgid not in text and "%(" not in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_code_given_as_a_parameter_is_shown_in_words(lang: str) -> None:
    """``（readonly）`` in a Chinese sentence: the role is shown by its label."""
    text = translate(lang, "sign.role_cannot_sign", user="viewer", role="readonly")
    assert "readonly" not in text
    assert translate(lang, "role.readonly") in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_ups_state_has_words(lang: str) -> None:
    """The states an on-battery or battery notification names (UPS-MIB, APC, Eaton)."""
    states = {(m.name, s) for m in load_catalog().values() if "ups" in m.name
              for s in m.states.values()}  # fmt: skip
    assert len(states) > 30
    missing = sorted(f"enum.{m}.{s}" for m, s in states if f"enum.{m}.{s}" not in catalog(lang))
    assert not missing, f"{lang} catalogue lacks {missing}"
