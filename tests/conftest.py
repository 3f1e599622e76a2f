"""Shared fixtures: databases (SQLite and PostgreSQL) and the simulated machine room."""

from collections.abc import Iterator

import pytest

from inventory import vault

pytest_plugins = ["tests.fixtures.db", "tests.fixtures.snmp", "tests.fixtures.snmpd"]


@pytest.fixture(autouse=True, scope="module")
def _vault_per_module() -> Iterator[None]:
    """The ledger's credential key ring is process-wide: what a module's fixtures (a demo, an
    app) install is gone after the module..."""
    with vault.preserved():
        yield


@pytest.fixture(autouse=True)
def _vault_per_test(_vault_per_module: None) -> Iterator[None]:
    """...and what a test installs or removes is undone after the test, so no test sees
    another's key (one a module-wide server relies on stays for the module's tests)."""
    with vault.preserved():
        yield
