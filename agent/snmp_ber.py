"""The BER of SNMP v1/v2c messages, as far as a multi-column GETBULK needs it. Pure: bytes in,
values out, no I/O.

gufo_snmp's Rust core puts one OID in a GETBULK; a switch's interface table is then one
request per column. This encodes a GETBULK of several columns at once (RFC 3416 4.2.3:
the answer interleaves them row by row) and decodes the GetResponse straight into what the
walk needs: each varbind's OID as its BER content bytes (compared and cut as bytes, formatted
as text only for the index part) and its value as
``agent.snmp`` hands values out (``int``, ``bytes``, ``str`` for OIDs and IpAddress,
``Missing`` for the exception values).

Anything malformed raises :class:`BerError` (an ``SnmpBadResponse``): a device's garbage
is that device's error, never a crash.
"""

from __future__ import annotations

from typing import NamedTuple

from agent.snmp_errors import SnmpBadResponse
from agent.snmp_walk import Missing, Raw

GET_RESPONSE = 0xA2
GET_BULK = 0xA5
_SEQ, _INT, _OCTETS, _NULL, _OID = 0x30, 0x02, 0x04, 0x05, 0x06
# Counter32, Gauge32, TimeTicks, Counter64, UInteger32
_UNSIGNED = frozenset({0x41, 0x42, 0x43, 0x46, 0x47})
_IPADDRESS, _OPAQUE = 0x40, 0x44
_MISSING = {0x80: Missing.NO_SUCH_OBJECT, 0x81: Missing.NO_SUCH_INSTANCE,
            0x82: Missing.END_OF_MIB_VIEW}  # fmt: skip
_VERSIONS = {"1": 0, "2c": 1}


class BerError(SnmpBadResponse):
    """A message that is not well-formed BER/SNMP."""


class Response(NamedTuple):
    version: int
    community: bytes
    request_id: int
    error_status: int
    error_index: int
    oids: list[bytes]  # each varbind's OID as its BER content bytes
    values: list[Raw]


# --- encoding --------------------------------------------------------------------------------


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + _length(len(content)) + content


def _integer(n: int) -> bytes:
    # Minimal two's complement (X.690 8.3.2): one sign bit on top of the magnitude's bits.
    size = ((n if n >= 0 else ~n).bit_length() + 8) // 8
    return _tlv(_INT, n.to_bytes(size, "big", signed=True))


def encode_oid(oid: str) -> bytes:
    """The content bytes of a dotted OID ("1.3.6.1..."); ValueError for anything else."""
    try:
        arcs = [int(x) for x in oid.strip().strip(".").split(".")]
    except ValueError:
        raise ValueError(f"not a numeric OID: {oid[:60]!r}") from None
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39) or min(arcs) < 0:
        raise ValueError(f"not a valid OID: {oid[:60]!r}")
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return bytes(out)


def arcs(content: bytes) -> list[int]:
    """The sub-identifiers of BER OID content bytes (the first still holds two arcs)."""
    out: list[int] = []
    arc = 0
    for byte in content:
        arc = (arc << 7) | (byte & 0x7F)
        if byte < 0x80:
            out.append(arc)
            arc = 0
    return out


def oid_text(content: bytes) -> str:
    """Dotted text of OID content bytes (as :func:`encode_oid` makes them)."""
    subids = arcs(content)
    if not subids:
        return ""
    first = subids[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(map(str, head + subids[1:]))


def _null_bind(oid: bytes) -> bytes:
    """One varbind of a request: the OID with a NULL value."""
    n = len(oid)
    if n < 124:  # both lengths in their short form
        return b"\x30" + bytes((n + 4, 6, n)) + oid + b"\x05\x00"
    return _tlv(_SEQ, _tlv(_OID, oid) + b"\x05\x00")


def getbulk(
    version: str, community: str, request_id: int, max_repetitions: int, oids: list[bytes]
) -> bytes:
    """A GetBulkRequest (non-repeaters 0) for the OIDs (content bytes) in one message."""
    if _ber is not None:
        return _ber.getbulk(  # type: ignore[no-any-return]
            _VERSIONS[version], community.encode(), request_id, max_repetitions, oids
        )
    return getbulk_py(version, community, request_id, max_repetitions, oids)


def getbulk_py(
    version: str, community: str, request_id: int, max_repetitions: int, oids: list[bytes]
) -> bytes:
    """:func:`getbulk` in Python (``agent._ber.getbulk`` builds the same bytes in C)."""
    binds = b"".join(map(_null_bind, oids))
    pdu = _tlv(
        GET_BULK,
        _integer(request_id) + _integer(0) + _integer(max_repetitions) + _tlv(_SEQ, binds),
    )
    return _tlv(_SEQ, _integer(_VERSIONS[version]) + _tlv(_OCTETS, community.encode()) + pdu)


# --- decoding --------------------------------------------------------------------------------


def _header(d: bytes, i: int, tag: int, end: int) -> tuple[int, int]:
    """Check the tag at ``i``; (start of content, end of content) within ``end``."""
    if i + 2 > end:
        raise BerError("response", f"truncated at offset {i}")
    if d[i] != tag:
        raise BerError("response", f"tag 0x{d[i]:02x} where 0x{tag:02x} belongs (offset {i})")
    n = d[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        if not 0 < k <= 4:
            raise BerError("response", f"length of {k} bytes at offset {i - 1}")
        if i + k > end:
            raise BerError("response", f"truncated at offset {i}")
        n = int.from_bytes(d[i : i + k], "big")
        i += k
    if i + n > end:
        raise BerError("response", f"length {n} runs past the end (offset {i})")
    return i, i + n


def _int_at(d: bytes, i: int, end: int) -> tuple[int, int]:
    start, stop = _header(d, i, _INT, end)
    if not 0 < stop - start <= 8:
        raise BerError("response", f"INTEGER of {stop - start} bytes (offset {start})")
    return int.from_bytes(d[start:stop], "big", signed=True), stop


def decode_response(data: bytes) -> Response:
    """A v1/v2c GetResponse: header checked, every varbind decoded."""
    return _decode_message(data)


def _decode_c(data: bytes) -> Response:
    try:
        return Response(*_ber.response(data, MISSING_ORDER))
    except ValueError as exc:
        raise BerError("response", str(exc)) from None


def _decode_py(data: bytes) -> Response:
    """What ``agent._ber.response`` does in C (the one used when it is built), here for
    where it is not and to test it against."""
    try:
        return _decode(data)
    except IndexError:
        raise BerError("response", f"truncated message ({len(data)} bytes)") from None


def _decode(d: bytes) -> Response:
    end = len(d)
    i, stop = _header(d, 0, _SEQ, end)
    if stop != end:
        raise BerError("response", f"{end - stop} bytes after the message")
    version, i = _int_at(d, i, stop)
    start, i = _header(d, i, _OCTETS, stop)
    community = d[start:i]
    if d[i] != GET_RESPONSE:
        raise BerError("response", f"PDU type 0x{d[i]:02x}, not a GetResponse")
    i, pdu_end = _header(d, i, GET_RESPONSE, stop)
    if pdu_end != stop:
        raise BerError("response", "bytes after the PDU")
    request_id, i = _int_at(d, i, pdu_end)
    status, i = _int_at(d, i, pdu_end)
    index, i = _int_at(d, i, pdu_end)
    i, end = _header(d, i, _SEQ, pdu_end)
    if end != pdu_end:
        raise BerError("response", "bytes after the varbind list")
    oids, values = _varbinds_py(d, i)
    return Response(version, community, request_id, status, index, oids, values)


MISSING_ORDER = (Missing.NO_SUCH_OBJECT, Missing.NO_SUCH_INSTANCE, Missing.END_OF_MIB_VIEW)


def _varbinds_py(d: bytes, i: int) -> tuple[list[bytes], list[Raw]]:
    """The varbind list from ``i`` to the end of ``d``."""
    end = len(d)
    oids: list[bytes] = []
    values: list[Raw] = []
    while i < end:
        vs, vend = _header(d, i, _SEQ, end)
        start, j = _header(d, vs, _OID, vend)
        oid = d[start:j]
        if not oid or oid[-1] & 0x80 or (b"\x80" in oid and _non_minimal(oid)):
            raise BerError("response", f"malformed OID at offset {start}")
        tag = d[j]  # _header checks it has room
        xs, i = _header(d, j, tag, vend)
        if i != vend:
            raise BerError("response", f"varbind length mismatch at offset {xs}")
        oids.append(oid)
        values.append(_value(d, tag, xs, i))
    return oids, values


def _value(d: bytes, tag: int, a: int, b: int) -> Raw:
    n = b - a
    if tag in _UNSIGNED:
        if not 0 < n <= 9 or (n == 9 and d[a] != 0):
            raise BerError("response", f"unsigned value of {n} bytes at offset {a}")
        return int.from_bytes(d[a:b], "big")
    if tag in (_OCTETS, _OPAQUE):
        return d[a:b]
    if tag == _INT:
        if not 0 < n <= 8:
            raise BerError("response", f"INTEGER of {n} bytes at offset {a}")
        return int.from_bytes(d[a:b], "big", signed=True)
    if tag in _MISSING:
        return _MISSING[tag]
    if tag == _NULL:
        return None
    if tag == _OID:
        return _oid_value(d[a:b], a)
    if tag == _IPADDRESS:
        if n != 4:
            raise BerError("response", f"IpAddress of {n} bytes at offset {a}")
        return ".".join(map(str, d[a:b]))
    raise BerError("response", f"unsupported value tag 0x{tag:02x} at offset {a}")


def _oid_value(content: bytes, at: int) -> str:
    """An OBJECT IDENTIFIER value as text: complete sub-identifiers below 2^32, at most 128."""
    if not content or content[-1] & 0x80:
        raise BerError("response", f"malformed OID value at offset {at}")
    subids = arcs(content)
    if max(subids) > 0xFFFFFFFF:
        raise BerError("response", f"OID value arc too large at offset {at}")
    if len(subids) > 128:
        raise BerError("response", f"OID value of over 128 arcs at offset {at}")
    return oid_text(content)


def indexes_py(oids: list[bytes], prefix: bytes, last: bytes) -> list[str] | None:
    """The index text of each OID (its arcs after ``prefix``) when every OID lies under
    ``prefix`` and they rise strictly from ``last``; None otherwise (the caller then goes
    varbind by varbind). ``agent._ber.indexes`` does the same in C."""
    cut = len(prefix)
    before = last
    out: list[str] = []
    for oid in oids:
        if len(oid) <= cut or not oid.startswith(prefix) or not oid > before or oid[-1] & 0x80:
            return None
        subids = arcs(oid[cut:])
        if max(subids) > 0xFFFFFFFF:
            return None
        used = 0
        for arc in subids:  # as the C version's 1024-character buffer allows
            if used + 12 > 1024:
                return None
            used += len(str(arc)) + (1 if used else 0)
        out.append(".".join(map(str, subids)))
        before = oid
    return out


try:
    from agent import _ber  # type: ignore[attr-defined]
except ImportError:  # not built (no compiler where it was installed): the same in Python
    _ber = None
    _decode_message = _decode_py
    indexes = indexes_py
else:
    _decode_message = _decode_c
    indexes = _ber.indexes
DECODER = "C" if _ber is not None else "Python"


def _non_minimal(oid: bytes) -> bool:
    """Whether a sub-identifier starts with 0x80 (a non-minimal encoding, which would break
    ordering OIDs as bytes). Only asked when 0x80 occurs at all (rare: it is also a valid
    middle byte, as in 16384)."""
    head = True
    for byte in oid:
        if head and byte == 0x80:
            return True
        head = byte < 0x80
    return False
