"""The tables of signed records a retention purge may clear (table, signed column).

Each duty area adds its signed tables here, parents after their children.
"""

from __future__ import annotations

RECORD_TABLES: tuple[tuple[str, str], ...] = ()
