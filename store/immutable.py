"""Database triggers that make signed rows immutable, on SQLite and PostgreSQL.

Migrations call these so that a signed record is refused by the database itself, not
only by the service layer: an UPDATE of a signed row, a DELETE of a signed row not covered
by a journaled retention purge, and any change to the rows of a signed parent.

    for sql in frozen_when_signed(op.get_bind().dialect.name, "inspection_sheets"):
        op.execute(sql)
    ...
    for sql in drop_frozen(op.get_bind().dialect.name, "inspection_sheets"):
        op.execute(sql)

Every refusal's message starts with ``roomwatch: `` and says the row is signed.
"""

from __future__ import annotations

_PURGED = "EXISTS (SELECT 1 FROM journal_purges p WHERE {ref} < p.before)"


def _check(name: str) -> None:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain SQL name: {name!r}")


def frozen_when_signed(dialect: str, table: str, column: str = "signed_at") -> list[str]:
    """Refuse UPDATE and DELETE of ``table`` rows whose ``column`` is set (once signed)."""
    _check(table)
    _check(column)
    msg = f"roomwatch: {table} row is signed and cannot be changed (amend it instead)"
    purged = _PURGED.format(ref=f"OLD.{column}")
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table} "
            f"WHEN OLD.{column} IS NOT NULL BEGIN SELECT RAISE(ABORT, '{msg}'); END",
            f"CREATE TRIGGER {table}_frozen_delete BEFORE DELETE ON {table} "
            f"WHEN OLD.{column} IS NOT NULL AND NOT {purged} "
            f"BEGIN SELECT RAISE(ABORT, '{msg}'); END",
        ]
    return [
        f"CREATE FUNCTION {table}_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF OLD.{column} IS NULL THEN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; "
        f"END IF; IF TG_OP = 'DELETE' AND {purged} THEN RETURN OLD; END IF; "
        f"RAISE EXCEPTION '{msg}'; END $$",
        f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_frozen()",
    ]


def frozen_with_parent(
    dialect: str, table: str, fk: str, parent: str, column: str = "signed_at"
) -> list[str]:
    """Refuse INSERT, UPDATE and DELETE of ``table`` rows whose parent row is signed."""
    for name in (table, fk, parent, column):
        _check(name)
    msg = f"roomwatch: {table} belongs to a signed {parent} row and cannot be changed"

    def signed(ref: str) -> str:
        return f"(SELECT {column} FROM {parent} WHERE id = {ref}.{fk})"

    if dialect == "sqlite":
        out = []
        for op, ref in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            cond = f"{signed(ref)} IS NOT NULL"
            if op == "DELETE":
                cond += f" AND NOT {_PURGED.format(ref=signed(ref))}"
            out.append(
                f"CREATE TRIGGER {table}_frozen_{op.lower()} BEFORE {op} ON {table} "
                f"WHEN {cond} BEGIN SELECT RAISE(ABORT, '{msg}'); END"
            )
        return out
    return [
        f"CREATE FUNCTION {table}_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"DECLARE s timestamptz; BEGIN "
        f"IF TG_OP = 'INSERT' THEN s := {signed('NEW')}; ELSE s := {signed('OLD')}; END IF; "
        f"IF s IS NULL OR (TG_OP = 'DELETE' AND EXISTS "
        f"(SELECT 1 FROM journal_purges p WHERE s < p.before)) THEN "
        f"IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END IF; "
        f"RAISE EXCEPTION '{msg}'; END $$",
        f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_frozen()",
    ]


def drop_frozen(dialect: str, table: str) -> list[str]:
    """Undo :func:`frozen_when_signed` / :func:`frozen_with_parent` (for downgrades)."""
    _check(table)
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_frozen_{op}" for op in ("insert", "update", "delete")
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_frozen()",
    ]


def journal_append_only(dialect: str) -> list[str]:
    """The journal: no UPDATE ever; DELETE only of entries a journaled purge covers."""
    msg = "roomwatch: journal entries are append-only"
    covered = "EXISTS (SELECT 1 FROM journal_purges p WHERE OLD.seq <= p.upto_seq)"
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal "
            f"BEGIN SELECT RAISE(ABORT, '{msg}'); END",
            f"CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal WHEN NOT {covered} "
            f"BEGIN SELECT RAISE(ABORT, '{msg}'); END",
            "CREATE TRIGGER journal_purges_no_update BEFORE UPDATE ON journal_purges "
            f"BEGIN SELECT RAISE(ABORT, '{msg}'); END",
            "CREATE TRIGGER journal_purges_no_delete BEFORE DELETE ON journal_purges "
            f"BEGIN SELECT RAISE(ABORT, '{msg}'); END",
        ]
    return [
        "CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'journal' AND {covered} THEN RETURN OLD; "
        f"END IF; RAISE EXCEPTION '{msg}'; END $$",
        "CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal "
        "FOR EACH ROW EXECUTE FUNCTION journal_append_only()",
        "CREATE TRIGGER journal_purges_append_only BEFORE UPDATE OR DELETE ON journal_purges "
        "FOR EACH ROW EXECUTE FUNCTION journal_append_only()",
    ]


def drop_journal_append_only(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            "DROP TRIGGER IF EXISTS journal_no_update",
            "DROP TRIGGER IF EXISTS journal_no_delete",
            "DROP TRIGGER IF EXISTS journal_purges_no_update",
            "DROP TRIGGER IF EXISTS journal_purges_no_delete",
        ]
    return [
        "DROP TRIGGER IF EXISTS journal_append_only ON journal",
        "DROP TRIGGER IF EXISTS journal_purges_append_only ON journal_purges",
        "DROP FUNCTION IF EXISTS journal_append_only()",
    ]
