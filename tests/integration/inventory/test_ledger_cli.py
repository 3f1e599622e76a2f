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
    # words in both languages (the command line has no language of its own), no codes
    assert "第 3 行，购买日期：日期格式应为 YYYY-MM-DD" in r.stderr
    assert "row 3, Purchased: date must be YYYY-MM-DD" in r.stderr
    assert "第 3 行，机房：机房不存在 / row 3, Room: unknown room" in r.stderr
    assert not {"bad_date", "unknown_room", "purchase_date"} & set(r.stderr.split())
    assert "nothing written" in r.stderr
    with sessions() as s:
        assert s.scalar(select(Device).where(Device.name == "z1")) is None


def test_unreadable_file_is_one_line(env, tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("colour\nred\n", encoding="utf-8")
    r = _run(env, "import", str(f))
    assert r.exit_code == 2 and "ledger.file" not in r.stderr
    assert f"无法读取 {f}：无法识别的列：colour / cannot read {f}: Unknown columns: colour" in (
        r.stderr
    )


def test_refusal_names_the_clashing_row_and_asset(env, tmp_path: Path) -> None:
    f = tmp_path / "clash.csv"
    f.write_text("name,serial,room,rack,U position\n"
                 "a,SN-1,,,\nb,SN-1,,,\nc,SN-SW,,,\nd,,A101,A01,41\n",
                 encoding="utf-8")  # fmt: skip
    r = _run(env, "import", str(f))
    assert r.exit_code == 1
    assert "row 3, Serial: repeats row 2 of the file" in r.stderr
    assert "第 3 行，序列号：与文件第 2 行重复" in r.stderr
    assert "row 4, Serial: already belongs to sw-1" in r.stderr
    assert "row 5, U position: U range overlaps sw-1" in r.stderr
    for code in ("duplicate", "taken", "u_overlap", "position_u"):
        assert code not in r.stderr


def test_dry_run_shows_room_names_and_status_words(env, tmp_path: Path) -> None:
    f = tmp_path / "l.csv"
    f.write_text("name,room,status\nsw-1,B202,spare\n", encoding="utf-8")
    r = _run(env, "import", str(f), "--dry-run")
    assert r.exit_code == 0, r.output
    assert "第 2 行 更新 sw-1  机房：A101 → B202; 状态：在用 → 备用" in r.stdout
    assert "row 2 updated sw-1  Room: A101 → B202; Status: in use → spare" in r.stdout
    assert "room_id" not in r.stdout and "in_use" not in r.stdout


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


@pytest.mark.parametrize(
    ("lang", "words", "codes"),
    [("zh", ["在用", "前", "钥匙", "仅台账（不采集）"], ["in_use", "front", "asset"]),
     ("en", ["in use", "front", "Key", "ledger only"], ["in_use", "asset"])],
    ids=["zh", "en"],
)  # fmt: skip
def test_export_writes_enum_words_in_its_language_and_reads_them_back(
    env, tmp_path: Path, lang: str, words: list[str], codes: list[str]
) -> None:
    out = tmp_path / f"l-{lang}.csv"
    assert _run(env, "export", str(out), "--lang", lang).exit_code == 0
    cells = {c for line in out.read_text(encoding="utf-8-sig").splitlines()
             for c in line.split(",")}  # fmt: skip
    assert set(words) <= cells and not set(codes) & cells
    r = _run(env, "import", str(out), "--dry-run")
    assert r.exit_code == 0 and "0 new, 0 updated, 2 unchanged" in r.stdout, r.output


def test_import_reads_enum_words_of_either_language(env, sessions, tmp_path: Path) -> None:
    f = tmp_path / "mixed.csv"
    f.write_text("名称,状态,朝向,类型\nsw-1,under repair,rear,Server\nkey-a101,备用,后,钥匙\n",
                 encoding="utf-8")  # fmt: skip
    assert _run(env, "import", str(f)).exit_code == 0
    with sessions() as s:
        got = {d.name: (d.status, d.face, d.device_type) for d in s.scalars(select(Device))}
    assert got == {"sw-1": ("under_repair", "rear", "server"),
                   "key-a101": ("spare", "rear", "key")}  # fmt: skip
