"""Shared fixtures: databases (SQLite and PostgreSQL) and the simulated machine room."""

pytest_plugins = ["tests.fixtures.db", "tests.fixtures.snmp", "tests.fixtures.snmpd"]
