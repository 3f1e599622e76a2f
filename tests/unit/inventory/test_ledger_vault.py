"""The credential key: derived from the server secret, kept in a 0600 file next to a SQLite
database when no secret is configured, refused for PostgreSQL without one; masks."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from core.config import Settings
from core.errors import ConfigError
from inventory import vault
from store.models_ledger import SEALED_PREFIX, Sealed


def test_same_secret_same_key_and_not_the_secret_itself() -> None:
    assert vault.key_for("s") == vault.key_for("s") != vault.key_for("t")
    assert len(vault.key_for("s")) == 44  # a Fernet key, whatever the secret length


def test_key_file_next_to_sqlite_is_created_once_private(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db' / 'rw.db'}")
    first = vault.secret_from_settings(settings)
    assert first == vault.secret_from_settings(settings)
    mode = stat.S_IMODE((tmp_path / "db" / vault.SECRET_FILE).stat().st_mode)
    assert mode == 0o600


def test_configured_secret_wins_and_postgres_needs_one() -> None:
    assert vault.secret_from_settings(Settings(secret_key="abc")) == "abc"
    with pytest.raises(ConfigError, match="secret_key"):
        vault.secret_from_settings(Settings(database_url="postgresql+psycopg://u@h/db"))


@pytest.mark.parametrize(("value", "shown"), [("", ""), ("public", "******")],
                         ids=["unset", "set"])  # fmt: skip
def test_mask(value: str, shown: str) -> None:
    assert vault.mask(value) == shown


def test_sealed_type_round_trip_and_legacy_plaintext() -> None:
    column = Sealed()
    vault.install("unit-secret")
    try:
        stored = column.process_bind_param("community-1", None)  # type: ignore[arg-type]
        assert stored is not None and stored.startswith(SEALED_PREFIX)
        assert "community-1" not in stored
        assert column.process_result_value(stored, None) == "community-1"  # type: ignore[arg-type]
        assert column.process_result_value("legacy", None) == "legacy"  # type: ignore[arg-type]
        assert column.process_bind_param("", None) == ""  # type: ignore[arg-type]
    finally:
        vault.uninstall()
    # sealed but no key: never hand the ciphertext out as if it were the community
    assert column.process_result_value(stored, None) == ""  # type: ignore[arg-type]
