"""``roomwatch ledger import`` / ``export`` (being built)."""

from __future__ import annotations

import click


@click.group()
def ledger() -> None:
    """The equipment ledger (设备台账): CSV/XLSX import and export."""
