"""Pure parts of SNMP reading: absent-value markers, OID order, and the walk state that
stops on the end of a subtree, on an agent that goes backwards (GETNEXT/GETBULK loops)
and on a table larger than the cap. No I/O here; both backends feed it batches."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from operator import itemgetter

from agent.snmp_errors import SnmpBadResponse, SnmpError, SnmpLoop, SnmpTableTooBig

Value = int | str | bytes | float | None


class Missing(enum.Enum):
    """SNMPv2 exception values: the agent answered, but there is no value."""

    NO_SUCH_OBJECT = "noSuchObject"
    NO_SUCH_INSTANCE = "noSuchInstance"
    END_OF_MIB_VIEW = "endOfMibView"


Raw = Value | Missing
VarBind = tuple[str, Raw]
DEFAULT_MAX_ROWS = 100_000
_PLAIN = frozenset({int, str, bytes, float})
_NOT_PLAIN = object()
_second = itemgetter(1)


def oid_key(oid: str) -> tuple[int, ...]:
    """An OID as a tuple for ordering; a malformed OID is a bad response, not a crash."""
    try:
        key = tuple(map(int, oid.strip(".").split(".")))
    except ValueError:
        raise SnmpBadResponse("response", f"malformed OID {oid[:60]!r}") from None
    if not key or min(key) < 0:
        raise SnmpBadResponse("response", f"malformed OID {oid[:60]!r}")
    return key


def normalize_oid(oid: str) -> str:
    """A numeric OID without leading dot; raises for anything else (user input)."""
    text = oid.strip().strip(".")
    oid_key(text)
    return text


@lru_cache(maxsize=4096)
def _root(oid: str) -> tuple[str, tuple[int, ...]]:
    """A walk root normalized, with its key: a poller walks the same few columns of every
    device every cycle, so this is parsed once, not once a walk (errors are not cached)."""
    text = normalize_oid(oid)
    return text, oid_key(text)


@dataclass
class WalkState:
    """Accumulates one subtree walk. ``feed`` returns the OID to continue from, or
    ``None`` when the walk is over; ``error`` tells why it stopped early, if it did."""

    root: str
    max_rows: int = DEFAULT_MAX_ROWS
    where: str = ""
    rows: dict[str, Value] = field(default_factory=dict)
    error: SnmpError | None = None
    done: bool = False
    _last: tuple[int, ...] = ()
    _last_oid: str = ""

    def __post_init__(self) -> None:
        self.root, self._last = _root(self.root)
        self._prefix = self.root + "."
        self._last_oid = self.root

    @property
    def next_oid(self) -> str:
        return self._last_oid

    def restart(self) -> None:
        """Start again from the root (after the request size changed)."""
        self.rows.clear()
        self.done = False
        self._last = _root(self.root)[1]
        self._last_oid = self.root

    def feed(self, batch: list[VarBind]) -> str | None:
        if self.done:
            return None
        if not batch:
            return self._finish()
        took = self._feed_plain(batch)
        if took is not _NOT_PLAIN:
            return took  # type: ignore[return-value]
        prefix, rows = self._prefix, self.rows
        last_oid = ""
        for oid, value in batch:
            if not isinstance(oid, str):
                return self._finish(
                    SnmpBadResponse(self.where, f"OID of type {type(oid).__name__}")
                )
            if value is Missing.END_OF_MIB_VIEW or not oid.startswith(prefix):
                break
            if isinstance(value, Missing):
                value = None
            elif not isinstance(value, int | str | bytes | float):
                return self._finish(
                    SnmpBadResponse(self.where, f"value of type {type(value).__name__} at {oid}")
                )
            if oid in rows:  # the agent repeats itself: a loop, whatever comes next
                return self._finish(SnmpLoop(self.where, f"{oid} again after {self._last_oid}"))
            rows[oid] = value
            last_oid = oid
            if len(rows) > self.max_rows:
                del rows[oid]
                return self._finish(
                    SnmpTableTooBig(self.where, f"{self.root} has over {self.max_rows} rows")
                )
        else:
            return self._advance(last_oid)
        if last_oid:  # the subtree ended inside this batch: check what came before the end
            self._advance(last_oid)
        return self._finish(self.error)

    def _feed_plain(self, batch: list[VarBind]) -> str | object | None:
        """The usual batch in bulk operations: increasing new OIDs of the subtree with
        plain values, perhaps followed by the end (the next column, endOfMibView). Anything
        else returns ``_NOT_PLAIN`` untouched, for the varbind-by-varbind loop."""
        prefix, rows, n = self._prefix, self.rows, len(batch)
        k = n
        while k:  # the end is at the tail: find where the subtree stops
            oid, value = batch[k - 1]
            if type(oid) is not str:
                return _NOT_PLAIN
            if oid.startswith(prefix) and value is not Missing.END_OF_MIB_VIEW:
                break
            k -= 1
        if k == 0:
            return _NOT_PLAIN
        head = batch if k == n else batch[:k]
        oids = [vb[0] for vb in head]
        if (
            not _PLAIN.issuperset(map(type, map(_second, head)))
            or not {str}.issuperset(map(type, oids))
            or not all(map(str.startswith, oids, repeat(prefix)))
            or len(rows) + k > self.max_rows
        ):
            return _NOT_PLAIN
        if rows:
            if not rows.keys().isdisjoint(oids) or len(set(oids)) != k:
                return _NOT_PLAIN
            rows.update(head)  # type: ignore[arg-type]
        else:  # the usual first (often only) batch: the dict itself tells a repeated OID
            rows.update(head)  # type: ignore[arg-type]
            if len(rows) != k:
                rows.clear()  # untouched for the varbind-by-varbind loop, which says where
                return _NOT_PLAIN
        if k == n:
            return self._advance(oids[-1])
        self._advance(oids[-1])
        return self._finish(self.error)

    def _advance(self, last_oid: str) -> str | None:
        try:
            key = oid_key(last_oid)
        except SnmpBadResponse as exc:
            self.rows.pop(last_oid, None)
            return self._finish(exc)
        if key <= self._last:  # the agent went backwards or stood still: stop, never loop
            self.rows.pop(last_oid, None)
            return self._finish(SnmpLoop(self.where, f"{last_oid} after {self._last_oid}"))
        self._last, self._last_oid = key, last_oid
        return last_oid

    def _finish(self, error: SnmpError | None = None) -> str | None:
        self.done = True
        self.error = error
        return None
