"""Amending a signed record from the screen (不得撕页, 不得涂改): the correction is a new
journal entry referring to the record's signing entry, with the reason, signed with the
password again. Only the record's signer(s) or a supervisor/admin may amend.

Shared by the inspection sheet and the handover screens; the caller's transaction commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from core.types import Role
from records import journal
from records.errors import RecordError
from records.signing import confirm_signer
from store import audit
from store.models_journal import JournalEntry

MAX_TEXT = 2000
ALWAYS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def amend_record(
    session: Session, *, kind: str, record_id: int, signers: Collection[str], username: str,
    password: str, correction: str, reason: str, address: str, now: datetime,
) -> JournalEntry:  # fmt: skip
    """Append a correction of a signed record; refused (nothing written) when the password is
    wrong, the user is neither a signer nor a supervisor, the record is not signed yet, or
    the correction or the reason is empty or too long."""
    user = confirm_signer(session, username, password)
    if Role(user.role) not in ALWAYS and user.username not in signers:
        raise RecordError("amend.not_allowed", user=user.username)
    correction, reason = correction.strip(), reason.strip()
    if not correction:
        raise RecordError("amend.needs_text")
    if not reason:
        raise RecordError("journal.amend_needs_reason")
    if len(correction) > MAX_TEXT or len(reason) > MAX_TEXT:
        raise RecordError("amend.too_long", max=MAX_TEXT)
    original = journal.signed_entry(session, kind, record_id)
    if original is None:
        raise RecordError("amend.not_signed")
    entry = journal.amend(session, original_seq=original.seq, content={"correction": correction},
                          reason=reason, signer=user.username, address=address,
                          now=now)  # fmt: skip
    audit.record(session, user.username, f"{kind}.amend", kind, record_id,
                 after={"seq": entry.seq, "amends": original.seq, "reason": reason},
                 address=address, now=now)  # fmt: skip
    return entry


def history(session: Session, kind: str, record_id: int) -> list[tuple[JournalEntry, str]]:
    """The record's journal entries (signature first) with each amendment's correction."""
    out = []
    for e in journal.entries_for(session, kind, record_id):
        text = str(journal.content_of(e).get("correction", "")) if e.action == "amend" else ""
        out.append((e, text))
    return out
