"""The tables of signed records a retention purge may clear (table, signed column).

Children first; a child without its own signed column names its parent's by a subquery.
"""

from __future__ import annotations

from records.handover.retention import RECORD_TABLES as HANDOVER_TABLES

RECORD_TABLES: tuple[tuple[str, str], ...] = (
    ("inspection_items", "signed_at"),
    ("inspection_sheets", "signed_at"),
    *HANDOVER_TABLES,
    ("change_requests", "signed_at"),
    ("access_entries", "signed_at"),
)
