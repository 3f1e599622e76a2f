"""The fast backend: gufo_snmp's Rust core for GET, GETNEXT and GETBULK in v1, v2c and v3.

It is the hot path of polling (a few µs per varbind against pysnmp's ~90). What it does
not tell apart (its v3 failures are all "authentication failed", refusals look like
timeouts) the session hands to ``agent.snmp_diagnose``, which asks again with pysnmp.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from typing import Any

from gufo.snmp import SnmpVersion
from gufo.snmp._fast import GetIter
from gufo.snmp.aio import SnmpSession as GufoSession
from gufo.snmp.user import (
    Aes128Key,
    Aes192Key,
    Aes256Key,
    DesKey,
    Md5Key,
    Sha1Key,
    Sha224Key,
    Sha256Key,
    Sha384Key,
    Sha512Key,
    User,
)

from agent import snmp_ber
from agent.snmp_errors import (
    SnmpAuthFailure,
    SnmpBadResponse,
    SnmpError,
    SnmpTimeout,
)
from agent.snmp_pysnmp import SnmpTooBig, protocol_name, status_error
from agent.snmp_walk import Missing, Raw, VarBind
from core.types import SnmpCredentials

_AUTH: dict[str, Any] = {"MD5": Md5Key, "SHA": Sha1Key, "SHA224": Sha224Key,
                         "SHA256": Sha256Key, "SHA384": Sha384Key, "SHA512": Sha512Key}  # fmt: skip
_PRIV: dict[str, Any] = {"DES": DesKey, "AES": Aes128Key, "AES128": Aes128Key,
                         "AES192": Aes192Key, "AES256": Aes256Key}  # fmt: skip
_END: VarBind = ("", Missing.END_OF_MIB_VIEW)
RECV_BUFFER = 1 << 20  # large tables arrive in bursts from many devices at once


def supports(creds: SnmpCredentials) -> bool:
    """Whether gufo can speak for these credentials (else the session uses pysnmp)."""
    if creds.version in ("1", "2c"):
        return True
    if creds.version != "3" or not creds.user or creds.context:
        return False
    if creds.auth_key and protocol_name(creds.auth_protocol or "SHA") not in _AUTH:
        return False
    return not creds.priv_key or protocol_name(creds.priv_protocol or "AES") in _PRIV


def _user(creds: SnmpCredentials) -> User:
    auth = priv = None
    if creds.auth_key:
        auth = _AUTH[protocol_name(creds.auth_protocol or "SHA")](creds.auth_key.encode())
    if creds.priv_key:
        priv = _PRIV[protocol_name(creds.priv_protocol or "AES")](creds.priv_key.encode())
    return User(creds.user, auth_key=auth, priv_key=priv)


class FastBackend:
    """One device over gufo_snmp. Errors come out as the kinds of ``agent.snmp_errors``;
    an undecodable response (too large for one datagram, or garbage) is a bad response."""

    name = "gufo"

    def __init__(
        self, address: str, port: int, credentials: SnmpCredentials, timeout: float, retries: int
    ) -> None:
        self.where = f"{address}:{port}"
        self.credentials = credentials
        self.timeout, self.retries = timeout, retries
        version = {"1": SnmpVersion.v1, "2c": SnmpVersion.v2c}.get(credentials.version)
        kw: dict[str, Any] = {"version": SnmpVersion.v3 if version is None else version}
        if version is None:
            kw["user"] = _user(credentials)
        else:
            kw["community"] = credentials.community
        self._session = GufoSession(
            address, port, timeout=timeout, recv_buffer=RECV_BUFFER, allow_bulk=True, **kw
        )
        self._sock: Any = self._session._sock
        self._fd = self._session._fd
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[tuple[bool, Any]] | None = None
        self._recv: Any = None
        self._ready = version is not None
        self._walks: dict[tuple[str, int | None], Any] = {}  # (root, reps) -> GetIter
        # multi-column GETBULK (v2c): our own BER on gufo's connected socket
        self.columns = credentials.version == "2c"
        self._community = credentials.community.encode()
        self._request_id = random.randrange(1, 1 << 30)
        self._buffer = bytearray(65536)  # read into, not a fresh 64 KiB object each answer
        self._view = memoryview(self._buffer)

    def set_timeout(self, timeout: float) -> None:
        self.timeout = timeout
        self._session._timeout = timeout  # gufo's own waits (v3 engine discovery)

    async def _call(self, send: Any, recv: Any) -> Any:
        """One request with retries; the agent's answer or a classified error."""
        if not self._ready:
            await self._refresh()
        for attempt in range(self.retries + 1):
            try:
                return await self._exchange(send, recv)
            except TimeoutError:
                if attempt == self.retries:
                    raise SnmpTimeout(
                        self.where, f"no answer within {self.timeout}s x {self.retries + 1}"
                    ) from None
            except OSError as exc:
                raise SnmpError(self.where, str(exc) or type(exc).__name__) from None
            except (StopAsyncIteration, SnmpError):
                raise
            except Exception as exc:  # gufo's SnmpError family and anything odd in decoding
                raise _classify(exc, self.where) from None
            except BaseException as exc:
                if type(exc).__name__ == "PanicException":  # the Rust decoder gave up
                    raise SnmpBadResponse(
                        self.where, "undecodable response (decoder panic)"
                    ) from None
                raise
        raise AssertionError("unreachable")

    async def _exchange(self, send: Any, recv: Any) -> Any:
        """Send, then decode in the socket's reader callback: one future and one timer per
        request (gufo's own path adds a task per wait_for and two epoll_ctl). Decoding in
        the callback, not in the woken coroutine, keeps a readiness already reported for
        the previous answer from waking the next request for nothing."""
        try:
            send()
        except BlockingIOError:  # the send buffer is full: let gufo wait for writability
            await self._session._send(send)
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first request, or the session moved to another loop
            self._register(loop)
        fut: asyncio.Future[tuple[bool, Any]] = loop.create_future()
        self._waiter, self._recv = fut, recv
        timer = loop.call_at(loop.time() + self.timeout, _expire, fut)
        try:
            ok, got = await fut
        finally:
            timer.cancel()
            self._waiter = self._recv = None
        if not ok:
            raise got
        return got

    def _register(self, loop: asyncio.AbstractEventLoop) -> None:
        self._unregister()
        loop.add_reader(self._fd, self._on_readable)
        self._loop = loop

    def _unregister(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
        self._loop = None

    def _on_readable(self) -> None:
        waiter = self._waiter
        if waiter is None:  # a late answer nobody waits for: drop it
            with contextlib.suppress(OSError):
                os.read(self._fd, 65535)
            return
        if waiter.done():  # answered already; the coroutine has not run yet
            return
        try:
            got = self._recv()
        except BlockingIOError:  # nothing of ours (a readiness already consumed): wait on
            return
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # handed to the request, classified there
            waiter.set_result((False, exc))
            return
        waiter.set_result((True, got))

    async def _refresh(self) -> None:
        for attempt in range(self.retries + 1):
            try:
                await self._session.refresh()
                self._ready = True
                return
            except TimeoutError:
                if attempt == self.retries:
                    raise SnmpTimeout(
                        self.where, f"no answer within {self.timeout}s x {self.retries + 1}"
                    ) from None
            except Exception as exc:
                raise _classify(exc, self.where) from None
            except BaseException as exc:
                if type(exc).__name__ == "PanicException":
                    raise SnmpBadResponse(
                        self.where, "undecodable response (decoder panic)"
                    ) from None
                raise

    async def get(self, oids: list[str]) -> list[VarBind]:
        got = await self._call(lambda: self._sock.send_get_many(oids), self._sock.recv_get_many)
        return list(got.items())  # absent OIDs are left out: the session marks them

    async def get_one(self, oid: str) -> list[VarBind]:
        try:
            value = await self._call(lambda: self._sock.send_get(oid), self._sock.recv_get)
        except SnmpNoSuch:
            return []
        return [(oid, value)]

    async def next_walk(self, root: str, start: str) -> list[VarBind]:
        """The next varbind of a GETNEXT walk of ``root`` (restarts when start is root)."""
        key = (root, None)
        ctx = self._walks.get(key)
        if ctx is None or start == root:
            ctx = self._walks[key] = GetIter(root)
        try:
            batch = [await self._call(
                lambda: self._sock.send_get_next(ctx), lambda: self._sock.recv_get_next(ctx)
            )]  # fmt: skip
        except (StopAsyncIteration, StopIteration):
            self._walks.pop(key, None)
            return []
        except BaseException:
            self._walks.pop(key, None)
            raise
        return self._batch(key, batch)

    async def bulk_walk(self, root: str, start: str, max_repetitions: int) -> list[VarBind]:
        """The next batch of a GETBULK walk of ``root`` (restarts when start is root).
        One coroutine, not a shared step under two wrappers: this runs once a request."""
        key = (root, max_repetitions)
        ctx = self._walks.get(key)
        if ctx is None or start == root:
            ctx = self._walks[key] = GetIter(root, max_repetitions)
        sock = self._sock
        try:
            batch = await self._call(
                lambda: sock.send_get_bulk(ctx), lambda: sock.recv_get_bulk(ctx)
            )
        except (StopAsyncIteration, StopIteration):
            self._walks.pop(key, None)
            return []
        except BaseException:
            self._walks.pop(key, None)
            raise
        return self._batch(key, batch)

    async def bulk_columns(
        self, oids: list[bytes], max_repetitions: int
    ) -> tuple[list[bytes], list[Raw]]:
        """One GETBULK naming several columns (OIDs as BER content bytes, see
        ``agent.snmp_columns``): the answer's OIDs (as bytes) and values. v2c only."""
        self._request_id = self._request_id % 0x7FFFFFFF + 1
        packet = snmp_ber.getbulk(
            "2c", self.credentials.community, self._request_id, max_repetitions, oids
        )
        fd = self._fd
        return await self._call(  # type: ignore[no-any-return]
            lambda: os.write(fd, packet), self._recv_columns
        )

    def _recv_columns(self) -> tuple[list[bytes], list[Raw]]:
        """The answer to the last ``bulk_columns``; BlockingIOError for a datagram that is not
        (a late answer to an earlier request, another community): the request waits on."""
        n = os.readv(self._fd, (self._buffer,))
        response = snmp_ber.decode_response(bytes(self._view[:n]))
        if (
            response.request_id != self._request_id
            or response.community != self._community
            or response.version != 1
        ):
            raise BlockingIOError
        if response.error_status:
            at = f"varbind {response.error_index} (GETBULK)"
            raise status_error(self.where, response.error_status, at)
        return response.oids, response.values

    def _batch(self, key: tuple[str, int | None], batch: list[Any]) -> list[VarBind]:
        if batch and None not in batch:  # the walk goes on (`in` scans in C: no new list)
            return batch
        out = [vb for vb in batch if vb is not None]  # None marks the end of the subtree
        self._walks.pop(key, None)
        out.append(_END)
        return out

    def end_walk(self, root: str) -> None:
        if self._walks:
            for key in [k for k in self._walks if k[0] == root]:
                del self._walks[key]

    def close(self) -> None:
        self._walks.clear()
        self._unregister()
        if self._sock is not None:  # the Rust socket closes when its last reference goes
            self._sock = None
            del self._session._sock


class SnmpNoSuch(SnmpError):
    kind = "no_such_instance"


def _classify(exc: Exception, where: str) -> SnmpError:
    name = type(exc).__name__
    if "NoSuchInstance" in name:
        return SnmpNoSuch(where, "no such instance")
    if "AuthError" in name:
        return SnmpAuthFailure(where, str(exc) or "authentication failed")
    if "DecodeError" in name:
        text = str(exc)
        if text == "incomplete":  # the answer overflowed the datagram: ask for less
            return SnmpTooBig(where, "response too large")
        return SnmpBadResponse(where, f"undecodable response ({text})")
    if "EncodeError" in name:
        return SnmpBadResponse(where, f"cannot encode request ({exc})")
    if "TooBig" in str(exc):
        return SnmpTooBig(where, str(exc))
    return SnmpError(where, f"{name}: {exc}")


def _expire(fut: asyncio.Future[tuple[bool, Any]]) -> None:
    if not fut.done():
        fut.set_exception(TimeoutError())
