"""SNMP secrets encrypted at rest (Fernet), the key derived from the server's secret.

The secret is ``settings.secret_key`` or, when empty, the ``secret_key`` file next to the
SQLite database (the file the dashboard creates for its sessions: see
dashboard/app.py ``_stored_secret``), so the server and ``roomwatch ledger`` agree.
:func:`install` hands seal/open to ``store.models_ledger.Sealed``: from then on every
write of a secret column is encrypted and every read decrypted; the agents' targets get
the plaintext, pages and exports only :func:`mask`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import make_url

from core.config import Settings
from core.errors import ConfigError
from store.models_ledger import BOX

log = logging.getLogger(__name__)
SECRET_FILE = "secret_key"
MASK = "******"
_CONTEXT = b"roomwatch/ledger/snmp-credentials/v1:"


def key_for(secret: str) -> bytes:
    """A Fernet key from a hash of the secret (its own context: not the session key)."""
    return base64.urlsafe_b64encode(hashlib.sha256(_CONTEXT + secret.encode("utf-8")).digest())


def fernet_for(secret: str) -> Fernet:
    return Fernet(key_for(secret))


_RING: list[bytes] = []  # derived keys, newest first


def install(secret: str) -> None:
    """Seal secret columns with a key derived from ``secret`` from now on (process-wide).

    Keys installed before stay readable (MultiFernet): a value sealed under an earlier
    secret of this process still opens, and new writes use the newest key.
    """
    if not secret:
        raise ConfigError("ledger: an empty secret cannot encrypt credentials")
    key = key_for(secret)
    _RING[:] = [key, *(k for k in _RING if k != key)][:8]
    ring = MultiFernet([Fernet(k) for k in _RING])

    def seal(value: str) -> str:
        return ring.encrypt(value.encode("utf-8")).decode("ascii")

    def open_(token: str) -> str:
        try:
            return ring.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            # the secret changed: the credential must be entered again (polling then fails
            # with an authentication error rather than the whole targets list failing)
            log.warning("an SNMP credential cannot be decrypted with the current secret key")
            return ""

    BOX.seal, BOX.open = seal, open_


def uninstall() -> None:
    _RING.clear()
    BOX.seal = BOX.open = None


def installed() -> bool:
    return BOX.seal is not None


_State = tuple[list[bytes], Callable[[str], str] | None, Callable[[str], str] | None]


def _save() -> _State:
    return list(_RING), BOX.seal, BOX.open


def _restore(state: _State) -> None:
    ring, seal, open_ = state
    _RING[:] = ring
    BOX.seal, BOX.open = seal, open_


@contextmanager
def preserved() -> Iterator[None]:
    """Put the key ring back as it was after the block, whatever the block installed or
    removed.

    The ring is process-wide: without this, a key one test (or its app) installs would still
    seal the next test's writes, and a ring cleared by one test would leave another's
    server unable to open its values (tests/conftest.py wraps every test and every module).
    """
    state = _save()
    try:
        yield
    finally:
        _restore(state)


def mask(value: str) -> str:
    """What a page or an export shows of a secret: that one is set, never its content."""
    return MASK if value else ""


def stored_secret(folder: Path) -> str:
    """The ``secret_key`` file of ``folder``, created once (mode 0600) when missing."""
    path = folder / SECRET_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    try:
        os.link(tmp, path)  # first writer wins when two processes start together
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
    except OSError:  # no hard links on this filesystem
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return key


def secret_from_settings(settings: Settings) -> str:
    """settings.secret_key, else the key file next to the SQLite database."""
    if settings.secret_key:
        return settings.secret_key
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return stored_secret(Path(str(url.database)).parent)
    raise ConfigError(
        "ledger: set secret_key (ROOMWATCH_SECRET_KEY) to encrypt SNMP credentials "
        "on a PostgreSQL database"
    )
