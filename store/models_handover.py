"""Tables of the handover area (filled by its work)."""

from __future__ import annotations
