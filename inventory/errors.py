"""The ledger's refusals: a message id (translated by the dashboard) and the field it
concerns, so a form can show it next to that field."""

from __future__ import annotations

from typing import Any

from core.errors import RoomwatchError


class LedgerError(RoomwatchError):
    def __init__(self, msgid: str, field: str = "", **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.field = field
        self.params = params
