"""``roomwatch ledger import FILE [--dry-run]`` with bad and good files, on both backends:
a bad file gives its problem on one line, exits non-zero and writes nothing (not even the
good rows); good files in UTF-8 (with or without BOM), GBK, GB18030 and XLSX are read with
their Chinese intact."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.cli import cli
from core.messages import translate
from store.models import AuditEntry, Device
from tests.integration.inventory.ledger_files import BAD, GOOD, TAKEN_SERIAL, good_bytes


@pytest.fixture
def env(
    engine: Engine, db_url: str, place: dict[str, int], sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, str]]:  # fmt: skip
    monkeypatch.delenv("ROOMWATCH_CONFIG", raising=False)
    with sessions() as s, s.begin():
        sw = s.get(Device, place["sw"])
        assert sw is not None and sw.serial == TAKEN_SERIAL
    yield {"ROOMWATCH_DATABASE_URL": db_url, "ROOMWATCH_SECRET_KEY": "cli-secret"}


def _run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["ledger", *args], env=env)


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as s:
        devices = s.scalar(select(func.count()).select_from(Device)) or 0
        audits = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
        return int(devices), int(audits)


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_a_bad_file_is_refused_on_one_line_and_writes_nothing(
    env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path, case: str,
    dry_run: bool,
) -> None:  # fmt: skip
    name, data, problem = BAD[case]
    f = tmp_path / name
    f.write_bytes(data)
    before = _counts(sessions)
    r = _run(env, "import", str(f), *(["--dry-run"] if dry_run else []))
    if problem.startswith("file: "):
        assert r.exit_code == 2, r.output
        lines = r.stderr.strip().splitlines()
        msgid = problem.removeprefix("file: ")
        words = translate("en", msgid, detail="").split("%(")[0].strip()
        assert len(lines) == 1 and words in lines[0] and msgid not in lines[0], r.stderr
    else:
        assert r.exit_code == 1, r.output
        found = re.fullmatch(r"row (\d+), column (\w+): (\w+)", problem)
        assert found is not None
        row, column, code = found.groups()
        # in words (中文 / English), the clashing row or asset named after them; no codes
        words = translate(
            "en",
            "ledger.row_column_problem",
            row=row,
            column=translate("en", f"ledger.field.{column}"),
            problem=translate("en", f"ledger.problem.{code}").split("%(")[0],
        )
        assert any(words.split("%(")[0].strip() in line for line in r.stderr.splitlines())
        assert f": {code}" not in r.stderr, r.stderr
        assert "nothing written" in r.stderr
    assert "Traceback" not in r.output
    assert _counts(sessions) == before


@pytest.mark.parametrize("case", list(GOOD), ids=list(GOOD))
def test_good_files_in_every_encoding(
    env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path, case: str
) -> None:
    name, _data, asset, title = GOOD[case]
    f = tmp_path / name
    f.write_bytes(good_bytes(case))
    r = _run(env, "import", str(f), "--dry-run")
    assert r.exit_code == 0 and "1 new" in r.stdout, r.output
    with sessions() as s:
        assert s.scalar(select(Device).where(Device.name == asset)) is None
    r = _run(env, "import", str(f), "--by", "admin")
    assert r.exit_code == 0, r.output
    with sessions() as s:
        d = s.scalar(select(Device).where(Device.name == asset))
        assert d is not None and d.title_zh == title and d.kind == "asset" and not d.enabled
        assert d.warranty_until is not None and d.warranty_until.isoformat() == "2027-03-01"
        audited = s.scalar(select(func.count()).select_from(AuditEntry)
                           .where(AuditEntry.actor == "admin"))  # fmt: skip
        assert audited == 2  # the asset created, and the import itself
    # importing the same file again changes nothing
    r = _run(env, "import", str(f))
    assert r.exit_code == 0 and "0 new, 0 updated, 1 unchanged" in r.stdout, r.output
