"""journal integrity: purge bound to its chain entry, TRUNCATE refused, checkpoints

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 20:00:00
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from store.immutable import (
    PurgeRule,
    drop_frozen,
    drop_journal_append_only,
    drop_journal_purges_bound,
    drop_no_truncate,
    frozen_when_signed,
    frozen_with_parent,
    journal_append_only,
    journal_purges_bound,
    no_truncate,
)

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _purge_binding_up()
    _truncate_up()
    _checkpoints_up()


def downgrade() -> None:
    _checkpoints_down()
    _truncate_down()
    _purge_binding_down()


_CHECKPOINT_MSG = "roomwatch: journal checkpoints are append-only"


def _checkpoints_up() -> None:
    """journal_checkpoints: the chain's head at each day review; rows are never changed."""
    op.create_table(
        "journal_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_checkpoints")),
    )
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER journal_checkpoints_no_{event.lower()} BEFORE {event} "
                f"ON journal_checkpoints BEGIN SELECT RAISE(ABORT, '{_CHECKPOINT_MSG}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION journal_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN RAISE EXCEPTION '{_CHECKPOINT_MSG}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER journal_checkpoints_append_only BEFORE UPDATE OR DELETE "
        "ON journal_checkpoints FOR EACH ROW EXECUTE FUNCTION journal_checkpoints_append_only()"
    )
    op.execute(
        "CREATE TRIGGER journal_checkpoints_no_truncate BEFORE TRUNCATE ON journal_checkpoints "
        "FOR EACH STATEMENT EXECUTE FUNCTION journal_checkpoints_append_only()"
    )


def _checkpoints_down() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS journal_checkpoints_no_{event}")
    else:
        op.execute("DROP TRIGGER IF EXISTS journal_checkpoints_no_truncate ON journal_checkpoints")
        op.execute("DROP TRIGGER IF EXISTS journal_checkpoints_append_only ON journal_checkpoints")
        op.execute("DROP FUNCTION IF EXISTS journal_checkpoints_append_only()")
    op.drop_table("journal_checkpoints")


# The signed tables as migrations 0006 to 0011 made them: parents frozen once signed, and
# children frozen with their parent (table, foreign key, parent).
_SIGNED = ("inspection_sheets", "handovers", "handover_reviews", "access_entries",
           "change_requests")  # fmt: skip
_CHILDREN = (
    ("inspection_items", "sheet_id", "inspection_sheets"),
    ("handover_items", "handover_id", "handovers"),
    ("access_items", "entry_id", "access_entries"),
    ("change_devices", "change_id", "change_requests"),
    ("change_events", "change_id", "change_requests"),
)
# Every table TRUNCATE must not empty: the journal, its purges and every signed table.
_NO_TRUNCATE = ("journal", "journal_purges", *_SIGNED, *(c[0] for c in _CHILDREN))


def _purge_binding_up() -> None:
    """journal_purges gains the seq and hash of the purge entry that journals it; its INSERT
    is guarded; the delete triggers accept only a bound purge, and only rows older than the
    retention period by the database's clock.

    Purges made before 0012 wrote their entry after the row: such a row is bound to the
    first later purge entry of the chain with the same upto_seq, before and count. A row
    without one stays unbound (NULL): it no longer unlocks any deletion, and
    records.journal.verify_purges reports it for a person to look at."""
    dialect = op.get_bind().dialect.name
    op.add_column("journal_purges", sa.Column("entry_seq", sa.Integer(), nullable=True))
    op.add_column("journal_purges", sa.Column("entry_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_journal_purges_entry_seq", "journal_purges", ["entry_seq"], unique=True)
    _replace_purge_rule(dialect, "0012")
    for sql in drop_journal_append_only(dialect):
        op.execute(sql)
    _bind_existing_purges()
    for sql in (*journal_append_only(dialect, purge_rule="0012"), *journal_purges_bound(dialect)):
        op.execute(sql)


def _purge_binding_down() -> None:
    dialect = op.get_bind().dialect.name
    for sql in (*drop_journal_purges_bound(dialect), *drop_journal_append_only(dialect)):
        op.execute(sql)
    # SQLite rebuilds journal_purges to drop the columns, and then checks every trigger that
    # names it: drop the frozen triggers first, make them again (0005's rule) afterwards
    for table in (*_SIGNED, *(c[0] for c in _CHILDREN)):
        for sql in drop_frozen(dialect, table):
            op.execute(sql)
    op.drop_index("ix_journal_purges_entry_seq", table_name="journal_purges")
    with op.batch_alter_table("journal_purges") as batch:
        batch.drop_column("entry_hash")
        batch.drop_column("entry_seq")
    _replace_purge_rule(dialect, "0005")
    for sql in journal_append_only(dialect):
        op.execute(sql)


def _replace_purge_rule(dialect: str, purge_rule: PurgeRule) -> None:
    """(Re)make the frozen triggers of every signed table with ``purge_rule``."""
    for table in _SIGNED:
        for sql in (*drop_frozen(dialect, table),
                    *frozen_when_signed(dialect, table, purge_rule=purge_rule)):  # fmt: skip
            op.execute(sql)
    for child, fk, parent in _CHILDREN:
        frozen = frozen_with_parent(dialect, child, fk, parent, purge_rule=purge_rule)
        for sql in (*drop_frozen(dialect, child), *frozen):
            op.execute(sql)


def _bind_existing_purges() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, upto_seq, before, count FROM journal_purges "
                                "WHERE entry_seq IS NULL ORDER BY id"))  # fmt: skip
    taken: set[int] = set()
    for pid, upto, before, count in list(rows):
        entries = conn.execute(
            sa.text("SELECT seq, hash, content FROM journal WHERE kind = 'purge' AND "
                    "action = 'purge' AND record_id = :upto AND seq > :upto ORDER BY seq"),
            {"upto": upto},
        )  # fmt: skip
        for seq, digest, content in entries:
            if seq in taken or not _records(content, upto, before, count):
                continue
            bind = "UPDATE journal_purges SET entry_seq = :seq, entry_hash = :h WHERE id = :id"
            conn.execute(sa.text(bind), {"seq": seq, "h": digest, "id": pid})
            taken.add(seq)
            break


def _records(content: str, upto: int, before: object, count: int) -> bool:
    """Does a legacy purge entry's content record this purge row?"""
    try:
        data = json.loads(content)
        said = _utc(data["before"])
    except (ValueError, KeyError, TypeError):
        return False
    return data.get("upto_seq") == upto and data.get("entries") == count and said == _utc(before)


def _utc(value: object) -> datetime:
    """A stored datetime (PostgreSQL: aware; SQLite: naive UTC text) or an ISO text."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _truncate_up() -> None:
    """PostgreSQL: refuse TRUNCATE of the journal, its purges and every signed table."""
    dialect = op.get_bind().dialect.name
    for table in _NO_TRUNCATE:
        for sql in no_truncate(dialect, table):
            op.execute(sql)


def _truncate_down() -> None:
    dialect = op.get_bind().dialect.name
    for table in _NO_TRUNCATE:
        for sql in drop_no_truncate(dialect, table):
            op.execute(sql)
