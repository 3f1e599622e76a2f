"""Tables of the ledger area (filled by its work)."""

from __future__ import annotations
