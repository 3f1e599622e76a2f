"""A missing SQLite file is refused with one line, and no empty file is left behind.

Opening SQLite creates the file: ``serve`` (and every command that needs a migrated
database) used to leave an empty ``roomwatch.db`` (and its folder) before saying the schema
was missing, so the next start found a file and the operator a puzzle.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from core.errors import DatabaseError
from dashboard.app import create_app
from tests.integration.cli.test_cli_errors import assert_one_line_error, roomwatch


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["serve", "--port", "0"], id="serve"),
        pytest.param(["token", "create", "agent-1"], id="token-create"),
    ],
)
def test_missing_database_file_is_not_created(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "var" / "roomwatch.db"
    run = roomwatch(tmp_path, *args, env={"ROOMWATCH_DATABASE_URL": f"sqlite:///{db}"})
    assert not db.parent.exists(), sorted(p.name for p in db.parent.iterdir())
    assert_one_line_error(run, str(db), "does not exist", "roomwatch db upgrade")


def test_db_upgrade_still_creates_it(tmp_path: Path) -> None:
    db = tmp_path / "var" / "roomwatch.db"
    run = roomwatch(tmp_path, "db", "upgrade", env={"ROOMWATCH_DATABASE_URL": f"sqlite:///{db}"})
    assert run.code == 0, run
    assert db.is_file()


def test_app_factory_refuses_a_missing_file(tmp_path: Path) -> None:
    db = tmp_path / "roomwatch.db"
    with pytest.raises(DatabaseError, match=r"does not exist.*roomwatch db upgrade"):
        create_app(Settings(database_url=f"sqlite:///{db}", secret_key="x"))
    assert list(tmp_path.iterdir()) == []
