"""Frames: the 9-byte prefix, JSON header and binary payload, with per-kind size caps."""

from __future__ import annotations

import asyncio
import json
import math
import re
import struct
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NoReturn

from runt_tui.protocol.errors import (
    ConnectionClosed,
    FrameEncodeError,
    FrameTooLarge,
    MalformedFrame,
    TruncatedFrame,
    UnknownFrameKind,
    UnsafeHeader,
)
from runt_tui.protocol.jsontypes import JSONDict, JSONMapping

KiB = 1024
MiB = 1024 * KiB

# kind (u8), header_len (u32 BE), payload_len (u32 BE)
_PREFIX = struct.Struct(">BII")
PREFIX_SIZE = _PREFIX.size
_U32_MAX = 0xFFFFFFFF
# "{}" is the shortest JSON object, so a shorter header is rejected before
# anything is read past the prefix.
_MIN_HEADER = 2


class FrameKind(IntEnum):
    """What a frame carries; the first byte of every frame."""

    REQUEST = 1
    RESPONSE = 2
    EVENT = 3
    SYNC = 4
    ERROR = 5


@dataclass(frozen=True, slots=True)
class KindCaps:
    """Largest header and payload, in bytes, accepted for one frame kind."""

    header: int
    payload: int


@dataclass(frozen=True, slots=True)
class FrameCaps:
    """Per-kind size caps, checked against a frame's prefix before its body is read."""

    request: KindCaps = field(default_factory=lambda: KindCaps(1 * MiB, 64 * MiB))
    response: KindCaps = field(default_factory=lambda: KindCaps(4 * MiB, 512 * MiB))
    event: KindCaps = field(default_factory=lambda: KindCaps(4 * MiB, 256 * MiB))
    sync: KindCaps = field(default_factory=lambda: KindCaps(64 * KiB, 128 * MiB))
    # ERROR frames are connection-level complaints: small, never binary.
    error: KindCaps = field(default_factory=lambda: KindCaps(64 * KiB, 0))

    def for_kind(self, kind: FrameKind) -> KindCaps:
        """The caps of one kind."""
        caps: KindCaps = getattr(self, kind.name.lower())
        return caps


DEFAULT_CAPS = FrameCaps()


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame: its kind, JSON-object header and raw binary payload."""

    kind: FrameKind
    header: JSONDict
    payload: bytes = b""

    @property
    def type(self) -> str | None:
        """The header's `type` (requests and events), or None."""
        value = self.header.get("type")
        return value if isinstance(value, str) else None

    @property
    def id(self) -> int | None:
        """The header's integer `id` (requests and responses), or None."""
        value = self.header.get("id")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def __repr__(self) -> str:
        # Payloads reach hundreds of MiB: never let a log line print one.
        return f"Frame({FrameKind(self.kind).name}, {self.header!r}, <{len(self.payload)} bytes>)"


def encode_header(header: JSONMapping) -> bytes:
    """Serialise a header to compact UTF-8 JSON (NaN and infinities refused)."""
    if not isinstance(header, dict):
        raise FrameEncodeError(f"a frame header must be a dict, not {type(header).__name__}")
    try:
        text = json.dumps(header, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError) as e:
        raise FrameEncodeError(f"frame header is not JSON-serialisable: {e}") from e
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (e.g. from a kernel's "\ud800" escape) has no UTF-8
        # form, and a peer refuses it (see decode_header): it becomes U+FFFD.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def encode_head(frame: Frame, caps: FrameCaps | None = None) -> bytes:
    """The prefix and header bytes of a frame (the payload follows them on the wire)."""
    kind = FrameKind(frame.kind)
    header = encode_header(frame.header)
    payload_len = len(frame.payload)
    if caps is not None:
        limit = caps.for_kind(kind)
        if len(header) > limit.header:
            raise FrameEncodeError(
                str(FrameTooLarge(kind.name, "header", len(header), limit.header))
            )
        if payload_len > limit.payload:
            raise FrameEncodeError(
                str(FrameTooLarge(kind.name, "payload", payload_len, limit.payload))
            )
    if len(header) > _U32_MAX or payload_len > _U32_MAX:
        raise FrameEncodeError(f"{kind.name} frame does not fit 32-bit lengths")
    return _PREFIX.pack(kind, len(header), payload_len) + header


def encode_frame(frame: Frame, caps: FrameCaps | None = None) -> bytes:
    """The wire bytes of a frame; with `caps`, refuse one the peer would reject."""
    return encode_head(frame, caps) + bytes(frame.payload)


def parse_prefix(prefix: bytes, caps: FrameCaps = DEFAULT_CAPS) -> tuple[FrameKind, int, int]:
    """Validate a 9-byte prefix against the caps, returning (kind, header_len, payload_len)."""
    raw_kind, header_len, payload_len = _PREFIX.unpack(prefix)
    try:
        kind = FrameKind(raw_kind)
    except ValueError:
        raise UnknownFrameKind(raw_kind) from None
    limit = caps.for_kind(kind)
    if header_len > limit.header:
        raise FrameTooLarge(kind.name, "header", header_len, limit.header)
    if payload_len > limit.payload:
        raise FrameTooLarge(kind.name, "payload", payload_len, limit.payload)
    if header_len < _MIN_HEADER:
        raise MalformedFrame(
            f"{kind.name} frame header of {header_len} bytes cannot be a JSON object"
        )
    return kind, header_len, payload_len


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


class _Unsafe(Exception):
    """A JSON value the header may not hold (raised inside the parser, reported as UnsafeHeader)."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # 1e400 parses as infinity, which no peer can encode again.
        raise _Unsafe(f"the number {text[:40]} is out of range")
    return value


# A \uD800-\uDFFF escape: the only way a lone surrogate gets into strict UTF-8 JSON.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_lone_surrogate(v) for v in value)
    return False


def decode_header(data: bytes, kind: FrameKind) -> JSONDict:
    """Parse header bytes: strict UTF-8 JSON that must be an object.

    MalformedFrame when the bytes are not that. UnsafeHeader (the frame itself is
    fine, the stream stays in sync) for values that would break whoever handles
    or re-encodes them: an infinite number (1e400), a lone surrogate ("\\ud800",
    which Automerge panics on and UTF-8 cannot carry).
    """
    try:
        # Decode explicitly: json.loads(bytes) would also accept UTF-16/32.
        text = data.decode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except _Unsafe as e:
        raise UnsafeHeader(f"{kind.name} frame header: {e}", request_id=_id_in(text)) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        # RecursionError: deeply nested arrays are a cheap attack on the parser.
        raise MalformedFrame(f"{kind.name} frame header is not UTF-8 JSON: {e}") from None
    if not isinstance(value, dict):
        raise MalformedFrame(
            f"{kind.name} frame header is a JSON {type(value).__name__}, not an object"
        )
    try:
        lone = _SURROGATE_ESCAPE.search(text) is not None and _lone_surrogate(value)
    except RecursionError:
        raise MalformedFrame(f"{kind.name} frame header is nested too deeply") from None
    if lone:
        raise UnsafeHeader(
            f"{kind.name} frame header holds a lone surrogate (not Unicode text)",
            request_id=_request_id(value),
        )
    return value


def _request_id(header: JSONMapping) -> int | None:
    rid = header.get("id")
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else None


def _id_in(text: str) -> int | None:
    """The request id of a header refused for a number out of range (so its error can be answered)."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    return _request_id(value) if isinstance(value, dict) else None


class FrameDecoder:
    """Incremental, I/O-free decoder: feed it bytes in any chunking, get whole frames back."""

    def __init__(self, caps: FrameCaps = DEFAULT_CAPS) -> None:
        self.caps = caps
        self._buf = bytearray()
        # (kind, header_len, payload_len) of the frame being assembled, once its
        # prefix has passed the caps: checked as soon as 9 bytes are in.
        self._pending: tuple[FrameKind, int, int] | None = None
        self._error: Exception | None = None
        self._unsafe: UnsafeHeader | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes; return every frame they complete, in order.

        Frames completed before a bad one are still returned; the error is then
        raised by the next call (the stream is out of sync, the decoder is dead).
        """
        if self._error is not None:
            raise self._error
        if self._unsafe is not None:
            # Reported after the good frames before it: the stream itself is fine.
            error, self._unsafe = self._unsafe, None
            raise error
        self._buf += data
        frames: list[Frame] = []
        try:
            while (frame := self._next()) is not None:
                frames.append(frame)
        except (MalformedFrame, FrameTooLarge) as e:
            self._error = e
            if not frames:
                raise
        except UnsafeHeader as e:
            if not frames:
                raise
            self._unsafe = e
        return frames

    def eof(self) -> None:
        """Declare the end of the stream: raise TruncatedFrame if it stopped mid-frame."""
        if self._error is not None:
            raise self._error
        if self._buf:
            raise TruncatedFrame(f"stream ended {len(self._buf)} bytes into a frame")

    def _next(self) -> Frame | None:
        if self._pending is None:
            if len(self._buf) < PREFIX_SIZE:
                return None
            self._pending = parse_prefix(bytes(self._buf[:PREFIX_SIZE]), self.caps)
        kind, header_len, payload_len = self._pending
        end = PREFIX_SIZE + header_len + payload_len
        if len(self._buf) < end:
            return None
        raw_header = bytes(self._buf[PREFIX_SIZE : PREFIX_SIZE + header_len])
        try:
            header = decode_header(raw_header, kind)
        except UnsafeHeader:
            # The frame is consumed whole: the next one decodes normally.
            del self._buf[:end]
            self._pending = None
            raise
        payload = bytes(self._buf[PREFIX_SIZE + header_len : end])
        del self._buf[:end]
        self._pending = None
        return Frame(kind, header, payload)


async def read_frame(reader: asyncio.StreamReader, caps: FrameCaps = DEFAULT_CAPS) -> Frame:
    """Read one frame, rejecting an over-cap one before reading its body."""
    frame, _ = await read_frame_sized(reader, caps)
    return frame


async def read_frame_sized(
    reader: asyncio.StreamReader, caps: FrameCaps = DEFAULT_CAPS
) -> tuple[Frame, int]:
    """Like read_frame, also returning the frame's size on the wire (for counters)."""
    try:
        prefix = await reader.readexactly(PREFIX_SIZE)
    except asyncio.IncompleteReadError as e:
        if not e.partial:
            raise ConnectionClosed("the peer closed the connection") from None
        raise TruncatedFrame(
            f"connection closed {len(e.partial)} bytes into a frame prefix"
        ) from None
    except ConnectionError as e:
        raise ConnectionClosed(f"connection lost: {e}") from None
    # The caps are checked here, before a single byte of the body is read.
    kind, header_len, payload_len = parse_prefix(prefix, caps)
    unsafe: UnsafeHeader | None = None
    try:
        header_bytes = await reader.readexactly(header_len)
        # A bad header is reported before its (possibly large) payload is read.
        try:
            header = decode_header(header_bytes, kind)
        except UnsafeHeader as e:
            unsafe, header = e, {}
        payload = await reader.readexactly(payload_len) if payload_len else b""
    except asyncio.IncompleteReadError:
        raise TruncatedFrame(
            f"connection closed inside a {kind.name} frame "
            f"(header {header_len} bytes, payload {payload_len} bytes)"
        ) from None
    except ConnectionError as e:
        raise TruncatedFrame(f"connection lost inside a {kind.name} frame: {e}") from None
    if unsafe is not None:
        # Raised once the whole frame is read, so that the connection can go on.
        raise unsafe
    return Frame(kind, header, payload), PREFIX_SIZE + header_len + payload_len
