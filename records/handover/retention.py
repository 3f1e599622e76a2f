"""The handover's signed tables for ``records.retention.RECORD_TABLES`` (children first).

The items have no signed column of their own: their parent's ``signed_at`` is read through
a subquery, so a purge clears them together with (and before) their handover.
"""

from __future__ import annotations

RECORD_TABLES: tuple[tuple[str, str], ...] = (
    ("handover_items",
     "(SELECT h.signed_at FROM handovers h WHERE h.id = handover_items.handover_id)"),
    ("handovers", "signed_at"),
    ("handover_reviews", "signed_at"),
)  # fmt: skip
