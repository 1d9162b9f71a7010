"""The opening handshake: `RUNT` magic plus a u16 protocol version, each way."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import Awaitable, Callable, Iterable

from runt_tui.protocol.errors import (
    BadMagic,
    ErrorCode,
    HandshakeError,
    HandshakeTimeout,
    ProtocolError,
    VersionMismatch,
)
from runt_tui.protocol.frames import FrameKind, encode_frame, read_frame
from runt_tui.protocol.messages import make_error_frame

MAGIC = b"RUNT"
PROTOCOL_VERSION = 1
# Versions this build can serve; the server answers in the client's version
# when it is listed here, so a future server can keep old clients working.
SUPPORTED_VERSIONS: frozenset[int] = frozenset({PROTOCOL_VERSION})
_VERSION = struct.Struct(">H")
GREETING_SIZE = len(MAGIC) + _VERSION.size
# After a version mismatch the client waits this long for the server's
# ERROR frame, which only adds detail to an error it already knows about.
_DETAIL_WAIT = 1.0


def greeting(version: int = PROTOCOL_VERSION) -> bytes:
    """The 6 bytes one side sends first: magic and version."""
    return MAGIC + _VERSION.pack(version)


async def _read(reader: asyncio.StreamReader, n: int, what: str) -> bytes:
    try:
        return await reader.readexactly(n)
    except asyncio.IncompleteReadError as e:
        got = f" after {len(e.partial)} bytes" if e.partial else ""
        raise HandshakeError(
            f"the peer closed the connection{got} instead of sending {what}"
        ) from None
    except ConnectionError as e:
        raise HandshakeError(f"connection lost during the handshake: {e}") from None


async def _guarded(
    writer: asyncio.StreamWriter, timeout: float, run: Callable[[], Awaitable[int]], side: str
) -> int:
    # Shared by both sides: a deadline, transport errors turned into
    # HandshakeError, and the connection closed on any failure so the caller
    # never holds a half-open socket.
    try:
        async with asyncio.timeout(timeout):
            return await run()
    except TimeoutError:
        writer.close()
        raise HandshakeTimeout(f"{side} handshake did not complete within {timeout:g} s") from None
    except ConnectionError as e:
        writer.close()
        raise HandshakeError(f"connection lost during the {side} handshake: {e}") from None
    except HandshakeError:
        writer.close()
        raise


async def client_handshake(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    timeout: float = 5.0,
    *,
    version: int = PROTOCOL_VERSION,
) -> int:
    """Greet the server, check its answer, return the agreed version; close on failure."""

    async def run() -> int:
        writer.write(greeting(version))
        await writer.drain()
        magic = await _read(reader, len(MAGIC), "the RUNT magic")
        if magic != MAGIC:
            raise BadMagic(
                f"the server answered {magic!r}, not {MAGIC!r}: it is not a runt-tui daemon"
            )
        (server_version,) = _VERSION.unpack(await _read(reader, _VERSION.size, "a version"))
        if server_version == version:
            return version
        detail = await _mismatch_detail(reader)
        raise VersionMismatch(
            f"this client speaks protocol version {version}, the daemon speaks {server_version}"
            f"{detail}; restart the daemon (`runt-tui daemon stop`) or upgrade runt-tui",
            local=version,
            remote=server_version,
        )

    return await _guarded(writer, timeout, run, "client")


async def _mismatch_detail(reader: asyncio.StreamReader) -> str:
    # The server follows a foreign version with an ERROR frame explaining
    # itself; quote it when it arrives, but never fail because of it.
    with contextlib.suppress(ProtocolError, TimeoutError, ConnectionError):
        async with asyncio.timeout(_DETAIL_WAIT):
            frame = await read_frame(reader)
        if frame.kind == FrameKind.ERROR:
            return f" (daemon says: {frame.header.get('message')})"
    return ""


async def server_handshake(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    timeout: float = 5.0,
    *,
    supported: Iterable[int] = SUPPORTED_VERSIONS,
) -> int:
    """Check a client's greeting, answer it, return the agreed version; close on failure.

    Wrong magic: close at once (the peer does not speak this protocol, so it
    could not read an error). Unsupported version: answer with our own version,
    then an ERROR frame (code BAD_VERSION) naming both, then close.
    """
    versions = frozenset(supported)

    async def run() -> int:
        magic = await _read(reader, len(MAGIC), "the RUNT magic")
        if magic != MAGIC:
            raise BadMagic(f"the client sent {magic!r}, not {MAGIC!r}: it is not a runt-tui client")
        (client_version,) = _VERSION.unpack(await _read(reader, _VERSION.size, "a version"))
        if client_version in versions:
            writer.write(greeting(client_version))
            await writer.drain()
            return int(client_version)
        ours = max(versions)
        message = (
            f"protocol version {client_version} is not supported by this daemon, "
            f"which speaks {sorted(versions)}"
        )
        error = make_error_frame(
            ErrorCode.BAD_VERSION,
            message,
            client_version=client_version,
            server_version=ours,
            supported_versions=sorted(versions),
        )
        writer.write(greeting(ours) + encode_frame(error))
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        raise VersionMismatch(
            f"client speaks protocol version {client_version}, this daemon {sorted(versions)}",
            local=ours,
            remote=client_version,
        )

    return await _guarded(writer, timeout, run, "server")
