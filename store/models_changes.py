"""Tables of the changes area (filled by its work)."""

from __future__ import annotations
