"""Database triggers that make signed rows immutable, on SQLite and PostgreSQL.

Migrations call these so that a signed record is refused by the database itself, not
only by the service layer: an UPDATE of a signed row, a DELETE of a signed row not covered
by a journaled retention purge, and any change to the rows of a signed parent.

    for sql in frozen_when_signed(op.get_bind().dialect.name, "inspection_sheets"):
        op.execute(sql)
    ...
    for sql in drop_frozen(op.get_bind().dialect.name, "inspection_sheets"):
        op.execute(sql)

A migration's SQL must not change once it has shipped, so the rule that lets a purge delete
is chosen by the revision that introduced it (``purge_rule``):

* ``"0005"`` (migrations 0005 to 0011): any row of ``journal_purges`` whose ``before`` is
  later than the row. One forged INSERT there unlocked deletion (issue 11).
* ``"0012"``: the purge row must be bound to its journal entry (``entry_seq``; the INSERT
  guard of :func:`journal_purges_bound` checked it against the chain), and the row itself
  must be older than the retention period by the database's own clock, so not even a
  forged purge reaches a record younger than three years.

PostgreSQL's TRUNCATE fires no row trigger: :func:`no_truncate` refuses it per table.
SQLite has no TRUNCATE; its ``DELETE FROM t`` without WHERE fires the row triggers.

Every refusal's message starts with ``roomwatch: `` and says what was refused.
"""

from __future__ import annotations

from typing import Literal

PurgeRule = Literal["0005", "0012"]

RETENTION_DAYS = 1096  # three years and a day (seed 000 §9: 值班记录保存三年)


def _check(name: str) -> None:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain SQL name: {name!r}")


def _older_than_retention(dialect: str, ref: str) -> str:
    """``ref`` (a UTC datetime column or subquery) lies before now − retention, by the
    database's clock. SQLite keeps naive text ('2023-11-16 09:00:00.000000', see
    store.base.UTCDateTime), which julianday() reads like any ISO form."""
    if dialect == "sqlite":
        return f"julianday({ref}) < julianday('now', '-{RETENTION_DAYS} days')"
    return f"{ref} < CURRENT_TIMESTAMP - interval '{RETENTION_DAYS} days'"


def _purged(dialect: str, ref: str, rule: PurgeRule) -> str:
    """A purge covers a signed row whose signed time is ``ref`` (an always-boolean EXISTS)."""
    if rule == "0005":
        return f"EXISTS (SELECT 1 FROM journal_purges p WHERE {ref} < p.before)"
    sqlite = dialect == "sqlite"
    before = f"julianday({ref}) < julianday(p.before)" if sqlite else f"{ref} < p.before"
    return (f"EXISTS (SELECT 1 FROM journal_purges p WHERE p.entry_seq IS NOT NULL "
            f"AND {before} AND {_older_than_retention(dialect, ref)})")  # fmt: skip


def _entry_purged(dialect: str, rule: PurgeRule) -> str:
    """A purge covers the journal entry ``OLD`` being deleted."""
    if rule == "0005":
        return "EXISTS (SELECT 1 FROM journal_purges p WHERE OLD.seq <= p.upto_seq)"
    before = ("julianday(OLD.signed_at) < julianday(p.before)" if dialect == "sqlite"
              else "OLD.signed_at < p.before")  # fmt: skip
    return (f"EXISTS (SELECT 1 FROM journal_purges p WHERE p.entry_seq IS NOT NULL "
            f"AND OLD.seq <= p.upto_seq AND {before} "
            f"AND {_older_than_retention(dialect, 'OLD.signed_at')})")  # fmt: skip


def frozen_when_signed(
    dialect: str, table: str, column: str = "signed_at", purge_rule: PurgeRule = "0005"
) -> list[str]:
    """Refuse UPDATE and DELETE of ``table`` rows whose ``column`` is set (once signed)."""
    _check(table)
    _check(column)
    msg = f"roomwatch: {table} row is signed and cannot be changed (amend it instead)"
    purged = _purged(dialect, f"OLD.{column}", purge_rule)
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
    dialect: str, table: str, fk: str, parent: str, column: str = "signed_at",
    purge_rule: PurgeRule = "0005",
) -> list[str]:  # fmt: skip
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
                cond += f" AND NOT {_purged(dialect, signed(ref), purge_rule)}"
            out.append(
                f"CREATE TRIGGER {table}_frozen_{op.lower()} BEFORE {op} ON {table} "
                f"WHEN {cond} BEGIN SELECT RAISE(ABORT, '{msg}'); END"
            )
        return out
    return [
        f"CREATE FUNCTION {table}_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"DECLARE s timestamptz; BEGIN "
        f"IF TG_OP = 'INSERT' THEN s := {signed('NEW')}; ELSE s := {signed('OLD')}; END IF; "
        f"IF s IS NULL OR (TG_OP = 'DELETE' AND {_purged(dialect, 's', purge_rule)}) THEN "
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


def journal_append_only(dialect: str, purge_rule: PurgeRule = "0005") -> list[str]:
    """The journal: no UPDATE ever; DELETE only of entries a journaled purge covers.
    ``journal_purges``: no UPDATE, no DELETE (its INSERT: :func:`journal_purges_bound`)."""
    msg = "roomwatch: journal entries are append-only"
    covered = _entry_purged(dialect, purge_rule)
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


_UNBOUND = ("roomwatch: a purge must follow its own purge entry at the end of the journal "
            "(roomwatch journal purge writes both); this one does not")  # fmt: skip
_TOO_RECENT = "roomwatch: a purge cannot reach into the three-year retention period"


def journal_purges_bound(dialect: str) -> list[str]:
    """Refuse an INSERT into ``journal_purges`` unless it is bound to the purge entry that
    ends the journal (``entry_seq``, ``entry_hash``; kind and action 'purge'; the same
    ``upto_seq``, ``before`` and count in its content), its ``last_hash`` is the hash of
    entry ``upto_seq``, and ``before`` lies outside the retention period."""
    sqlite = dialect == "sqlite"

    def field(name: str, cast: str) -> str:
        if sqlite:
            return f"json_extract(j.content, '$.{name}')"
        return f"(j.content::jsonb ->> '{name}')::{cast}"

    same_before = (f"julianday({field('before', '')}) = julianday(NEW.before)" if sqlite
                   else f"{field('before', 'timestamptz')} = NEW.before")  # fmt: skip
    bound = (
        "EXISTS (SELECT 1 FROM journal j WHERE j.seq = NEW.entry_seq "
        "AND j.hash = NEW.entry_hash AND j.kind = 'purge' AND j.action = 'purge' "
        "AND j.seq = (SELECT max(seq) FROM journal) AND j.record_id = NEW.upto_seq "
        f"AND {field('upto_seq', 'bigint')} = NEW.upto_seq "
        f"AND {field('entries', 'bigint')} = NEW.count AND {same_before}) "
        "AND EXISTS (SELECT 1 FROM journal k WHERE k.seq = NEW.upto_seq "
        "AND k.hash = NEW.last_hash)"
    )
    old_enough = _older_than_retention(dialect, "NEW.before")
    if sqlite:
        return [
            f"CREATE TRIGGER journal_purges_bound BEFORE INSERT ON journal_purges "
            f"WHEN NOT {bound} BEGIN SELECT RAISE(ABORT, '{_UNBOUND}'); END",
            f"CREATE TRIGGER journal_purges_retention BEFORE INSERT ON journal_purges "
            f"WHEN NOT coalesce({old_enough}, 0) "
            f"BEGIN SELECT RAISE(ABORT, '{_TOO_RECENT}'); END",
        ]
    return [
        "CREATE FUNCTION journal_purges_bound() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NOT coalesce({old_enough}, false) THEN RAISE EXCEPTION '{_TOO_RECENT}'; END IF; "
        f"IF NOT {bound} THEN RAISE EXCEPTION '{_UNBOUND}'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER journal_purges_bound BEFORE INSERT ON journal_purges "
        "FOR EACH ROW EXECUTE FUNCTION journal_purges_bound()",
    ]


def drop_journal_purges_bound(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            "DROP TRIGGER IF EXISTS journal_purges_bound",
            "DROP TRIGGER IF EXISTS journal_purges_retention",
        ]
    return [
        "DROP TRIGGER IF EXISTS journal_purges_bound ON journal_purges",
        "DROP FUNCTION IF EXISTS journal_purges_bound()",
    ]


def no_truncate(dialect: str, table: str) -> list[str]:
    """Refuse TRUNCATE of ``table`` (PostgreSQL; a TRUNCATE fires no row trigger, so without
    this it would empty a signed table past every trigger above). SQLite has no TRUNCATE."""
    _check(table)
    if dialect == "sqlite":
        return []
    msg = f"roomwatch: {table} holds signed records and cannot be emptied with TRUNCATE"
    return [
        f"CREATE FUNCTION {table}_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION '{msg}'; END $$",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_no_truncate()",
    ]


def drop_no_truncate(dialect: str, table: str) -> list[str]:
    _check(table)
    if dialect == "sqlite":
        return []
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_no_truncate()",
    ]
