"""``roomwatch ledger import/export/seal`` through the real command (click's CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.cli import cli
from inventory import vault
from store.models import Device


@pytest.fixture
def env(engine: Engine, db_url: str, place, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("ROOMWATCH_CONFIG",):
        monkeypatch.delenv(name, raising=False)
    yield {"ROOMWATCH_DATABASE_URL": db_url, "ROOMWATCH_SECRET_KEY": "cli-secret"}
    vault.uninstall()


def _run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["ledger", *args], env=env)


def test_dry_run_writes_nothing_then_import(env, sessions: sessionmaker[Session],
                                            tmp_path: Path) -> None:  # fmt: skip
    f = tmp_path / "ledger.csv"
    f.write_bytes("名称,机房,状态\nnew-a,A101,备用\nsw-1,A101,维修中\n".encode("gbk"))
    r = _run(env, "import", str(f), "--dry-run")
    assert r.exit_code == 0, r.output
    assert "row 2 new" in r.stdout and "row 3 updated" in r.stdout
    assert "1 new, 1 updated, 0 unchanged" in r.stdout
    with sessions() as s:
        assert s.scalar(select(Device).where(Device.name == "new-a")) is None
    r = _run(env, "import", str(f), "--by", "admin")
    assert r.exit_code == 0, r.output
    with sessions() as s:
        assert s.scalar(select(Device.status).where(Device.name == "sw-1")) == "under_repair"


def test_refused_import_lists_row_column_problem(env, sessions, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("name,room,purchase date\nz1,A101,2024-01-01\nz2,NOWHERE,2024-99-01\n",
                 encoding="utf-8")  # fmt: skip
    r = _run(env, "import", str(f))
    assert r.exit_code == 1
    assert "row 3, column purchase_date: bad_date" in r.stderr
    assert "row 3, column room: unknown_room" in r.stderr
    assert "nothing written" in r.stderr
    with sessions() as s:
        assert s.scalar(select(Device).where(Device.name == "z1")) is None


def test_unreadable_file_is_one_line(env, tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("colour\nred\n", encoding="utf-8")
    r = _run(env, "import", str(f))
    assert r.exit_code == 2 and "ledger.file.unknown_columns" in r.stderr


def test_export_csv_and_xlsx(env, tmp_path: Path) -> None:
    r = _run(env, "export")
    assert r.exit_code == 0
    assert r.stdout_bytes.startswith("\ufeff名称".encode()) and b"sw-1" in r.stdout_bytes
    out = tmp_path / "l.xlsx"
    r = _run(env, "export", str(out), "--lang", "en")
    assert r.exit_code == 0 and out.read_bytes()[:2] == b"PK"
    # the exported file imports back unchanged
    r = _run(env, "import", str(out), "--dry-run")
    assert r.exit_code == 0 and "0 new, 0 updated, 2 unchanged" in r.stdout, r.output


def test_seal_encrypts_legacy_plaintext(env, sessions) -> None:
    with sessions() as s, s.begin():
        s.execute(text("UPDATE devices SET community = 'plain-old' WHERE name = 'sw-1'"))
    r = _run(env, "seal")
    assert r.exit_code == 0 and "sealed" in r.stdout
    with sessions() as s:
        stored = s.scalar(text("SELECT community FROM devices WHERE name = 'sw-1'"))
        assert str(stored).startswith("enc1:")
        assert s.scalar(select(Device.community).where(Device.name == "sw-1")) == "plain-old"
