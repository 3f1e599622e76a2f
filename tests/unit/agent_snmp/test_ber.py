"""agent.snmp_ber: our GETBULK read by pysnmp's decoder, pysnmp's GetResponses read by our
decoder (value for value), and the C decoder checked against the Python one on generated,
truncated, bit-flipped and random input: the same values or both refusing, never a crash."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api, rfc1902

from agent import snmp_ber
from agent.snmp_ber import BerError, decode_response, encode_oid, getbulk, oid_text
from agent.snmp_walk import Missing

v2c = api.v2c

Encoder = Callable[[str, str, int, int, list[bytes]], bytes]
ENCODERS = [
    pytest.param(snmp_ber.getbulk_py, id="python"),
    pytest.param(
        snmp_ber.getbulk,
        id="c",
        marks=pytest.mark.skipif(snmp_ber._ber is None, reason="agent._ber is not built here"),
    ),
]


@pytest.mark.parametrize(
    ("oid", "content"),
    [
        ("1.3.6.1.2.1", bytes([0x2B, 6, 1, 2, 1])),
        ("1.3.6.1.4.1.2011", bytes([0x2B, 6, 1, 4, 1, 0x8F, 0x5B])),
        ("1.3.127.128", bytes([0x2B, 0x7F, 0x81, 0x00])),
        ("1.3.16384", bytes([0x2B, 0x81, 0x80, 0x00])),
        (".1.3.6.1.", bytes([0x2B, 6, 1])),
        ("2.999.3", bytes([0x88, 0x37, 3])),
    ],
)
def test_oids_encode_as_x690_says_and_read_back(oid: str, content: bytes) -> None:
    assert encode_oid(oid) == content
    assert oid_text(content) == oid.strip(".")


@pytest.mark.parametrize("bad", ["", "1", "1.3.x", "3.1", "1.40", "1.-3", "iso.3"])
def test_bad_oids_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="OID"):
        encode_oid(bad)


@settings(deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=20), st.integers(0, 39))
def test_oid_text_round_trips(arcs: list[int], second: int) -> None:
    oid = ".".join(map(str, [1, second, *arcs]))
    assert oid_text(encode_oid(oid)) == oid


def test_getbulk_is_what_pysnmp_reads() -> None:
    roots = ["1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.2.2.1.8", "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.5"]
    packet = getbulk("2c", "机房-public", 123456, 14, [encode_oid(r) for r in roots])
    msg, rest = decoder.decode(packet, asn1Spec=v2c.Message())
    assert rest == b""
    assert v2c.apiMessage.get_community(msg) == "机房-public".encode()
    pdu = v2c.apiMessage.get_pdu(msg)
    assert pdu.tagSet == v2c.GetBulkRequestPDU.tagSet
    assert int(v2c.apiBulkPDU.get_request_id(pdu)) == 123456
    assert int(v2c.apiBulkPDU.get_non_repeaters(pdu)) == 0
    assert int(v2c.apiBulkPDU.get_max_repetitions(pdu)) == 14
    assert [str(oid) for oid, _ in v2c.apiBulkPDU.get_varbinds(pdu)] == roots


@pytest.mark.parametrize(
    ("request_id", "content"),
    [
        (0, "00"),
        (1, "01"),
        (-1, "ff"),
        (127, "7f"),
        (128, "0080"),
        (-128, "80"),  # pyasn1 itself writes ff80 here, so it cannot be the reference
        (-129, "ff7f"),
        (255, "00ff"),
        (-256, "ff00"),
        (-257, "feff"),
        (2**31 - 1, "7fffffff"),
        (-(2**31), "80000000"),
    ],
)
@pytest.mark.parametrize("encode", ENCODERS)
def test_request_id_is_minimal_twos_complement(
    encode: Encoder, request_id: int, content: str
) -> None:
    """X.690 8.3.2: an INTEGER in the fewest octets; pysnmp reads the same number back."""
    packet = encode("2c", "public", request_id, 10, [encode_oid("1.3.6.1.2.1.2.2.1.8")])
    # 30 LL | 02 01 01 | 04 06 "public" | a5 LL | 02 <size> <content> ...
    assert packet[13] == 0xA5
    assert packet[15 : 17 + len(content) // 2] == bytes([0x02, len(content) // 2]) + bytes.fromhex(
        content
    )
    msg, rest = decoder.decode(packet, asn1Spec=v2c.Message())
    assert rest == b""
    assert int(v2c.apiBulkPDU.get_request_id(v2c.apiMessage.get_pdu(msg))) == request_id


VALUES = [
    (rfc1902.Counter64(2**64 - 1), 2**64 - 1),
    (rfc1902.Counter32(4_000_000_000), 4_000_000_000),
    (rfc1902.Gauge32(0), 0),
    (rfc1902.TimeTicks(123456), 123456),
    (rfc1902.Integer32(-(2**31)), -(2**31)),
    (rfc1902.Integer32(7), 7),
    (rfc1902.OctetString(b"Gi1/0/1 \xe6\x9c\xba\xe6\x88\xbf"), b"Gi1/0/1 \xe6\x9c\xba\xe6\x88\xbf"),
    (rfc1902.OctetString(b"x" * 300), b"x" * 300),  # a long-form length
    (rfc1902.ObjectName("1.3.6.1.4.1.9.1.1208"), "1.3.6.1.4.1.9.1.1208"),
    (rfc1902.IpAddress("192.168.10.1"), "192.168.10.1"),
    (rfc1902.Opaque(b"\x9f\x78\x04\x42\xf6\x00\x00"), b"\x9f\x78\x04\x42\xf6\x00\x00"),
    (v2c.NoSuchObject(""), Missing.NO_SUCH_OBJECT),
    (v2c.NoSuchInstance(""), Missing.NO_SUCH_INSTANCE),
    (v2c.EndOfMibView(""), Missing.END_OF_MIB_VIEW),
    (rfc1902.Null(""), None),
]


def response(varbinds: list[tuple[str, object]], request_id: int = 42, status: int = 0,
             community: bytes = b"public") -> bytes:  # fmt: skip
    pdu = v2c.GetResponsePDU()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_request_id(pdu, request_id)
    v2c.apiPDU.set_error_status(pdu, status)
    v2c.apiPDU.set_varbinds(pdu, varbinds)
    msg = v2c.Message()
    v2c.apiMessage.set_defaults(msg)
    v2c.apiMessage.set_community(msg, community)
    v2c.apiMessage.set_pdu(msg, pdu)
    return bytes(encoder.encode(msg))


@pytest.mark.parametrize("decode", ["C", "Python"])
def test_every_value_type_decodes_as_the_adapter_hands_it_out(
    decode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if decode == "C" and snmp_ber._ber is None:
        pytest.skip("agent._ber is not built here (pip install -e . builds it)")
    if decode == "Python":
        monkeypatch.setattr(snmp_ber, "_decode_message", snmp_ber._decode_py)
    oids = [f"1.3.6.1.2.1.31.1.1.1.{i}.{10101 + i}" for i in range(len(VALUES))]
    data = response([(oid, asn1) for oid, (asn1, _) in zip(oids, VALUES, strict=True)], 4242)
    got = decode_response(data)
    assert (got.version, got.community, got.request_id, got.error_status) == (1, b"public", 4242, 0)
    assert [oid_text(o) for o in got.oids] == oids
    assert got.values == [want for _, want in VALUES]
    assert [type(v) for v in got.values] == [type(want) for _, want in VALUES]


def test_the_c_decoder_is_built_where_the_project_is_installed() -> None:
    # pip install -e . (make install) compiles it: without it the agent still works, slower
    assert snmp_ber.DECODER == "C"


def test_error_status_and_an_empty_list_come_through() -> None:
    got = decode_response(response([], request_id=7, status=1))
    assert (got.request_id, got.error_status, got.oids, got.values) == (7, 1, [], [])


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "truncated"),
        (b"\x30\x03\x02\x01\x01", "truncated|past the end"),
        (bytes.fromhex("3013020101040170a10b0201010201000201003000"), "not a GetResponse"),
        (b"\x04\x00", "tag"),
        (bytes.fromhex("3085") + b"\x00" * 8, "length of 5 bytes"),
    ],
)
def test_malformed_messages_are_bad_responses(data: bytes, why: str) -> None:
    with pytest.raises(BerError, match=why) as info:
        decode_response(data)
    assert info.value.kind == "bad_response"


def _with_varbind(body: bytes) -> bytes:
    """A GetResponse around one raw varbind body (OID TLV + value TLV)."""
    vb = b"\x30" + bytes([len(body)]) + body
    lst = b"\x30" + bytes([len(vb)]) + vb
    pdu_body = b"\x02\x01\x01\x02\x01\x00\x02\x01\x00" + lst
    pdu = b"\xa2" + bytes([len(pdu_body)]) + pdu_body
    msg_body = b"\x02\x01\x01\x04\x01p" + pdu
    return b"\x30" + bytes([len(msg_body)]) + msg_body


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"\x06\x03\x2b\x80\x01\x02\x01\x01", "malformed OID"),  # non-minimal sub-identifier
        (b"\x06\x02\x2b\x86\x02\x01\x01", "malformed OID"),  # last byte continues
        (b"\x06\x00\x02\x01\x01", "malformed OID"),
        (b"\x06\x01\x2b\x41\x00", "unsigned value of 0 bytes"),
        (b"\x06\x01\x2b\x46\x09\x01" + bytes(8), "unsigned value of 9 bytes"),
        (b"\x06\x01\x2b\x02\x09" + bytes(9), "INTEGER of 9 bytes"),
        (b"\x06\x01\x2b\x40\x03\x01\x02\x03", "IpAddress of 3 bytes"),
        (b"\x06\x01\x2b\x09\x01\x00", "unsupported value tag 0x09"),
        (b"\x06\x01\x2b\x06\x01\x81", "malformed OID value"),
        (b"\x06\x01\x2b\x06\x06\x2b\x90\x80\x80\x80\x00", "arc too large"),
        (b"\x06\x01\x2b\x02\x01\x01\x05\x00", "length mismatch|past the end"),
    ],
)
@pytest.mark.parametrize("decode", ["C", "Python"])
def test_malformed_varbinds_are_refused_by_both_decoders(
    body: bytes, why: str, decode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if decode == "C" and snmp_ber._ber is None:
        pytest.skip("agent._ber is not built here")
    if decode == "Python":
        monkeypatch.setattr(snmp_ber, "_decode_message", snmp_ber._decode_py)
    with pytest.raises(BerError, match=why):
        decode_response(_with_varbind(body))


def _both(data: bytes) -> tuple[object, object]:
    """What the C and the Python decoder make of ``data`` ("refused" for a BerError)."""
    out = []
    for fn in (snmp_ber._decode_c, snmp_ber._decode_py):
        try:
            out.append(fn(data))
        except BerError:
            out.append("refused")
    return out[0], out[1]


_asn1_value = st.one_of(
    st.integers(0, 2**64 - 1).map(rfc1902.Counter64),
    st.integers(0, 2**32 - 1).map(rfc1902.Gauge32),
    st.integers(-(2**31), 2**31 - 1).map(rfc1902.Integer32),
    st.binary(max_size=200).map(rfc1902.OctetString),
    st.just(v2c.EndOfMibView("")),
    st.just(rfc1902.Null("")),
    st.lists(st.integers(0, 2**32 - 1), max_size=6).map(
        lambda a: rfc1902.ObjectName(".".join(map(str, [1, 3, *a])))
    ),
)
_varbind_list = st.lists(
    st.tuples(st.lists(st.integers(0, 2**31), min_size=1, max_size=8), _asn1_value), max_size=12
)


@pytest.mark.skipif(snmp_ber._ber is None, reason="agent._ber is not built here")
@settings(max_examples=300, deadline=None)
@given(
    binds=_varbind_list,
    cut=st.integers(0, 400),
    flip=st.tuples(st.integers(0, 600), st.integers(0, 255)),
)
def test_c_and_python_decoders_agree_on_anything(
    binds: list[tuple[list[int], object]], cut: int, flip: tuple[int, int]
) -> None:
    varbinds = [(".".join(map(str, [1, 3, 6, *arcs])), value) for arcs, value in binds]
    data = response(varbinds)
    c, py = _both(data)
    assert c == py != "refused"
    assert [oid_text(o) for o in c.oids] == [o for o, _ in varbinds]  # type: ignore[union-attr]
    for variant in (data[:cut], _flip(data, *flip), data + bytes([flip[1]])):
        c, py = _both(variant)
        assert c == py


@pytest.mark.skipif(snmp_ber._ber is None, reason="agent._ber is not built here")
@settings(max_examples=300, deadline=None)
@given(junk=st.binary(max_size=300))
def test_random_bytes_never_crash_either_decoder(junk: bytes) -> None:
    c, py = _both(junk)
    assert c == py
    try:
        decode_response(junk)
    except BerError as exc:  # the one way a datagram is refused
        assert exc.kind == "bad_response"


def _flip(data: bytes, at: int, value: int) -> bytes:
    buf = bytearray(data)
    buf[at % len(buf)] = value
    return bytes(buf)


_oid_bytes = st.lists(st.integers(0, 2**33), min_size=0, max_size=6).map(
    lambda a: encode_oid(".".join(map(str, [1, 3, 6, 1, *a])))
)


@pytest.mark.skipif(snmp_ber._ber is None, reason="agent._ber is not built here")
@settings(max_examples=300, deadline=None)
@given(
    suffixes=st.lists(st.binary(min_size=0, max_size=6), max_size=8),
    prefix=_oid_bytes,
    last=st.one_of(st.just(None), st.binary(max_size=12)),
)
def test_c_and_python_index_texts_agree(
    suffixes: list[bytes], prefix: bytes, last: bytes | None
) -> None:
    start = prefix if last is None else last
    for oids in ([prefix + s for s in suffixes], sorted(prefix + s for s in suffixes)):
        c = snmp_ber._ber.indexes(oids, prefix, start)
        assert c == snmp_ber.indexes_py(oids, prefix, start)


def test_index_texts_of_a_regular_column() -> None:
    prefix = encode_oid("1.3.6.1.2.1.2.2.1.2")
    oids = [prefix + bytes([1]), prefix + bytes([0x81, 0x80, 0x00, 5]), prefix + bytes([0x7F])]
    assert snmp_ber.indexes(oids[:2], prefix, prefix) == ["1", "16384.5"]
    assert snmp_ber.indexes(oids, prefix, prefix) is None  # 127 after 16384.5: not rising
    assert snmp_ber.indexes([prefix], prefix, prefix) is None  # the column itself
    assert snmp_ber.indexes([encode_oid("1.3.6.1.2.1.2.2.1.3.1")], prefix, prefix) is None


@pytest.mark.skipif(snmp_ber._ber is None, reason="agent._ber is not built here")
@settings(max_examples=300, deadline=None)
@given(
    request_id=st.integers(-(2**31), 2**31 - 1),
    reps=st.integers(0, 2**31 - 1),
    community=st.text(max_size=300),
    oids=st.lists(_oid_bytes, max_size=40),
)
def test_c_and_python_getbulk_are_the_same_bytes(
    request_id: int, reps: int, community: str, oids: list[bytes]
) -> None:
    c = snmp_ber.getbulk("2c", community, request_id, reps, oids)
    assert c == snmp_ber.getbulk_py("2c", community, request_id, reps, oids)
    msg, rest = decoder.decode(c, asn1Spec=v2c.Message())
    assert (
        rest == b""
        and int(v2c.apiBulkPDU.get_request_id(v2c.apiMessage.get_pdu(msg))) == request_id
    )
