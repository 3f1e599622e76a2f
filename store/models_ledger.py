"""Tables of the equipment ledger (设备台账, R7): sites, credential profiles, loans
(借用/归还), stock-takes (盘存); and the column type that keeps SNMP secrets encrypted.

Rooms, racks and devices (the assets) stay in store/models.py; their ledger columns
(serial, asset tag, status, dates, U range) are declared there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ForeignKey, Text, TypeDecorator, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, UTCDateTime, str40, str100, str200, utc

SEALED_PREFIX = "enc1:"


class _Box:
    """How secrets are sealed and opened; installed by inventory.vault (the key lives
    there). Without a key, values are stored as given (legacy plaintext is read back too)."""

    seal: Callable[[str], str] | None = None
    open: Callable[[str], str] | None = None


BOX = _Box()


class Sealed(TypeDecorator[str]):
    """A secret column: encrypted at rest (``enc1:`` + Fernet token), plaintext in Python.

    Rows written before the key existed (or by the 0001..0008 schema) hold plaintext: they
    are read as is and sealed on their next write (``roomwatch ledger seal`` does all).
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or value == "" or BOX.seal is None or value.startswith(SEALED_PREFIX):
            return value
        return SEALED_PREFIX + BOX.seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or not value.startswith(SEALED_PREFIX):
            return value
        if BOX.open is None:
            return ""  # sealed but no key: never hand ciphertext out as a community
        return BOX.open(value[len(SEALED_PREFIX) :])


class Site(Base):
    """A site (园区/楼) holding rooms."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str100] = mapped_column(unique=True)
    title: Mapped[str200] = mapped_column(default="")


class CredentialProfile(Base):
    """SNMP credentials shared by a room or a group of devices (secrets sealed)."""

    __tablename__ = "credential_profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str100] = mapped_column(unique=True)
    snmp_version: Mapped[str40] = mapped_column(default="2c")
    community: Mapped[str] = mapped_column(Sealed(), default="")
    snmp_user: Mapped[str100] = mapped_column(default="")
    snmp_auth_protocol: Mapped[str40] = mapped_column(default="")
    snmp_auth_key: Mapped[str] = mapped_column(Sealed(), default="")
    snmp_priv_protocol: Mapped[str40] = mapped_column(default="")
    snmp_priv_key: Mapped[str] = mapped_column(Sealed(), default="")


class Loan(Base):
    """One borrowing (借用) of an asset, tool or key, and its return (归还)."""

    __tablename__ = "ledger_loans"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    borrower: Mapped[str100]
    purpose: Mapped[str] = mapped_column(Text, default="")
    lent_by: Mapped[str100]
    lent_at: Mapped[utc]
    due_at: Mapped[utc]
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    returned_to: Mapped[str100] = mapped_column(default="")
    # ok | damaged | lost (lost or damaged items are reported on return)
    return_state: Mapped[str40] = mapped_column(default="")
    return_note: Mapped[str] = mapped_column(Text, default="")
    # the asset's status when lent (a spare comes back a spare, not "in use")
    status_before: Mapped[str40] = mapped_column(default="", server_default=text("''"))
    # a key is lent only with a supervisor's approval (主管批准): who and when ("" otherwise)
    approved_by: Mapped[str100] = mapped_column(default="", server_default=text("''"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StockTake(Base):
    """A stock-taking session (盘存) of one room: all its assets (scope "room") or only its
    key cabinet (scope "keys", due every half month)."""

    __tablename__ = "ledger_stocktakes"
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    scope: Mapped[str40] = mapped_column(default="room", server_default=text("'room'"))
    started_by: Mapped[str100]
    started_at: Mapped[utc]
    closed_by: Mapped[str100] = mapped_column(default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StockTakeItem(Base):
    """One line of a stock-take: an expected asset, or a tag found that was not expected.

    state: pending | confirmed | missing | wrong_place | unknown_tag; discrepancies are
    resolved with a note (resolved_at/by).
    """

    __tablename__ = "ledger_stocktake_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_stocktakes.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)
    asset_tag: Mapped[str100] = mapped_column(default="")
    expected_place: Mapped[str200] = mapped_column(default="")
    state: Mapped[str40] = mapped_column(default="pending")
    checked_by: Mapped[str100] = mapped_column(default="")
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str100] = mapped_column(default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
