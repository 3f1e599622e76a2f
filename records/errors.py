"""Refusals of the duty records: each carries a message id (translated) and its parameters.

The service layer raises them; the dashboard shows ``_(error.msgid, **error.params)`` next
to the form, the CLI prints the English text. Nothing is written when one is raised.
"""

from __future__ import annotations

from typing import Any

from core.errors import RoomwatchError


class RecordError(RoomwatchError):
    """A duty-record operation refused, with the reason as a message id."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(f"{msgid} {params}" if params else msgid)


class SignatureRefused(RecordError):
    """The signer's password was wrong, the signer may not sign, or already signed."""


class RecordFrozen(RecordError):
    """The record is signed: it cannot be changed or deleted, only amended."""


class NotFound(RecordError):
    """The record does not exist."""
