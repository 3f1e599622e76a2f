"""ID numbers (身份证号 or passport): validated, shown masked, kept only as a salted hash.

The register must show whose visit it was without exposing the number: 110***********1234.
"""

from __future__ import annotations

import hashlib
import re
import secrets

_ID = re.compile(r"^[A-Z0-9]{6,30}$")


def normalize_id(number: str) -> str:
    """Upper case, no spaces or dashes (people type them in both ways)."""
    return re.sub(r"[\s\-]", "", number).upper()


def valid_id(number: str) -> bool:
    """6–30 letters and digits; an 18-character resident ID must end in a digit or X."""
    n = normalize_id(number)
    if not _ID.match(n):
        return False
    if len(n) == 18 and n[:17].isdigit():
        return n[17].isdigit() or n[17] == "X"
    return True


def mask_id(number: str) -> str:
    """First three and last four kept when long enough, the rest starred (length kept)."""
    n = normalize_id(number)
    if len(n) >= 10:
        return n[:3] + "*" * (len(n) - 7) + n[-4:]
    keep = 2 if len(n) > 2 else 0
    return "*" * (len(n) - keep) + n[len(n) - keep :]


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_id(salt: str, number: str) -> str:
    """SHA-256 of salt and the normalized number: checks a number without storing it."""
    return hashlib.sha256(f"{salt}:{normalize_id(number)}".encode()).hexdigest()


def same_id(salt: str, digest: str, number: str) -> bool:
    return secrets.compare_digest(hash_id(salt, number), digest)
