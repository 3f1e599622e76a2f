"""Walking several table columns with one GETBULK a round trip. Pure: no I/O.

A GETBULK that names N columns is answered row by row (RFC 3416 4.2.3): varbind k belongs
to the k mod N-th column asked. Each column stops on its own: at endOfMibView, at the first
OID outside it (the next column), on a loop (an OID not after the one before: never walk in
circles) or at the row cap. An answer cut short (the agent's size limit) just leaves some
columns fewer rows this round; the next request goes on from each column's last OID.

OIDs stay as BER content bytes (``agent.snmp_ber``): for minimally encoded OIDs the byte
order is the numeric order and a prefix is a subtree, so the checks are ``bytes``
operations in C; only each row's index is turned into text. The usual answer is shared out
in C (``agent._ber.feed``); this module's Python does the same where it is not built and
takes every odd answer varbind by varbind.
"""

from __future__ import annotations

from functools import lru_cache
from typing import cast

from agent import snmp_ber
from agent.snmp_ber import arcs, encode_oid, oid_text
from agent.snmp_errors import SnmpError, SnmpLoop, SnmpTableTooBig
from agent.snmp_walk import DEFAULT_MAX_ROWS, Missing, Raw, Value, normalize_oid

_PLAIN = frozenset({int, bytes, str})
# the usual answer shared out in C (agent._ber.feed); None: _take for every column
_feed = getattr(snmp_ber._ber, "feed", None)


def index_text(suffix: bytes) -> str:
    """The dotted text of an index (the OID bytes after its column)."""
    return ".".join(map(str, arcs(suffix)))


@lru_cache(maxsize=4096)
def _prefix(root: str) -> bytes:
    """A column's OID as BER content bytes (a poller walks the same few columns of every
    device every cycle: encoded once; errors are not cached)."""
    return encode_oid(normalize_oid(root))


class _Column:
    __slots__ = ("cut", "error", "last", "prefix", "root", "rows")

    def __init__(self, root: str) -> None:
        self.root = root
        self.prefix = _prefix(root)
        self.cut = len(self.prefix)
        self.last = self.prefix  # the OID to go on from
        self.rows: dict[str, Value] = {}
        self.error: SnmpError | None = None


class ColumnsWalk:
    """The state of walking ``roots`` together. ``asking()`` names the columns still open
    (ask GETBULK for ``request_oids()`` of them, in that order), ``feed`` takes the answer."""

    def __init__(self, roots: list[str], max_rows: int = DEFAULT_MAX_ROWS, where: str = "") -> None:
        self.max_rows = max_rows
        self.where = where
        self.columns = {root: _Column(root) for root in roots}
        self.open = list(self.columns.values())
        self._asked = self.open

    @property
    def done(self) -> bool:
        return not self.open

    def request_oids(self, most: int | None = None) -> list[bytes]:
        """Where each open column goes on from (the first ``most`` of them), for the next
        GETBULK; ``feed`` then takes its answer."""
        self._asked = self.open[:most] if most else self.open
        return [col.last for col in self._asked]

    def feed(self, oids: list[bytes], values: list[Raw]) -> None:
        """The answer (its varbinds' OIDs and values) to the GETBULK of the last
        ``request_oids``."""
        asked = self._asked
        n = len(asked)
        if not oids:  # nothing at all: the agent has no more to say for any of them
            self.open = [col for col in self.open if col not in asked]
            return
        finished: set[int] = set()
        share = -(-len(oids) // n)  # the most varbinds one column gets
        if _feed is not None and all(len(c.rows) + share <= self.max_rows for c in asked):
            lasts = [col.last for col in asked]
            states = _feed(oids, values, [c.prefix for c in asked], lasts,
                           [c.rows for c in asked], snmp_ber.MISSING_ORDER)  # fmt: skip
            for j, (col, state) in enumerate(zip(asked, states, strict=True)):
                col.last = lasts[j]
                if state == 1 or (state == 2 and self._take(col, oids[j::n], values[j::n])):
                    finished.add(j)
        else:
            for j, col in enumerate(asked):
                got = oids[j::n]
                if not got:  # the answer was cut before this column's turn: it asks again
                    continue
                if self._take(col, got, values[j::n]):
                    finished.add(j)
        if finished:
            gone = {id(asked[j]) for j in finished}
            self.open = [col for col in self.open if id(col) not in gone]

    def _take(self, col: _Column, oids: list[bytes], values: list[Raw]) -> bool:
        """A column's share of an answer, in order; True when the column is over."""
        prefix = col.prefix
        got = oids
        end = len(got)
        if not oids[-1].startswith(prefix) or type(values[-1]) not in _PLAIN:
            # the column ends in this answer: keep what lies before its end
            end = 0
            while end < len(got) and oids[end].startswith(prefix) and oids[end] != prefix:
                if values[end] is Missing.END_OF_MIB_VIEW:
                    break
                end += 1
            oids, values = oids[:end], values[:end]
        over = end < len(got)
        if not oids:
            return True
        index = snmp_ber.indexes(oids, prefix, col.last)  # None: not under it or not rising
        if index is None:
            return self._slow(col, oids, values) or over
        if not _PLAIN.issuperset(map(type, values)):
            if Missing.END_OF_MIB_VIEW in values:  # an odd agent: the view ends mid-answer
                end = values.index(Missing.END_OF_MIB_VIEW)
                oids, values, index, over = oids[:end], values[:end], index[:end], True
                if not oids:
                    return True
            values = [None if isinstance(v, Missing) else v for v in values]
        plain = cast(list[Value], values)
        rows = col.rows
        if len(rows) + len(oids) > self.max_rows:
            keep = self.max_rows - len(rows)
            rows.update(zip(index[:keep], plain[:keep], strict=True))
            col.error = SnmpTableTooBig(self.where, f"{col.root} has over {self.max_rows} rows")
            return True
        rows.update(zip(index, plain, strict=True))
        col.last = oids[-1]
        return over

    def _slow(self, col: _Column, oids: list[bytes], values: list[Raw]) -> bool:
        """Varbind by varbind, to say where the agent went wrong (backwards or stood still)."""
        for oid, value in zip(oids, values, strict=True):
            if value is Missing.END_OF_MIB_VIEW or not oid.startswith(col.prefix):
                return True
            if not oid > col.last:
                col.error = SnmpLoop(
                    self.where, f"{oid_text(oid)} after {oid_text(col.last)} in {col.root}"
                )
                return True
            if len(col.rows) >= self.max_rows:
                col.error = SnmpTableTooBig(self.where, f"{col.root} has over {self.max_rows} rows")
                return True
            col.rows[index_text(oid[col.cut :])] = None if isinstance(value, Missing) else value
            col.last = oid
        return False

    def result(self) -> dict[str, dict[str, Value]]:
        """Each column's rows, index -> value; raises the first column's error (with every
        column's rows so far as ``partial``)."""
        out = {root: col.rows for root, col in self.columns.items()}
        for col in self.columns.values():
            if col.error is not None:
                col.error.partial = out  # type: ignore[attr-defined]
                raise col.error
        return out
