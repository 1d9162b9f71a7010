"""Error vocabulary of the wire protocol: error codes and the exception hierarchy."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from runt_tui.protocol.jsontypes import JSONDict


class ErrorCode(StrEnum):
    """Machine-readable error codes carried by error responses and ERROR frames."""

    # Values equal the names: they are part of the wire format, so they are
    # spelled out rather than derived, and must never be renamed.
    BAD_REQUEST = "BAD_REQUEST"
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    NOT_FOUND = "NOT_FOUND"
    TOO_LARGE = "TOO_LARGE"
    BAD_VERSION = "BAD_VERSION"
    INTERNAL = "INTERNAL"
    NOT_JOINED = "NOT_JOINED"
    READ_ONLY = "READ_ONLY"
    KERNEL_ERROR = "KERNEL_ERROR"
    TIMEOUT = "TIMEOUT"
    CONFLICT = "CONFLICT"
    # The daemon could not make the change durable (e.g. its disk is full): not acknowledged.
    CANNOT_PERSIST = "CANNOT_PERSIST"
    # The room's document was compacted into a new epoch: heads named by the request are gone.
    EPOCH_CHANGED = "EPOCH_CHANGED"


class ProtocolError(Exception):
    """Base class of every error raised by `runt_tui.protocol`."""

    # The code a peer should be told when this error is reported over the wire.
    wire_code: ClassVar[ErrorCode] = ErrorCode.INTERNAL


class HandshakeError(ProtocolError):
    """The opening handshake failed (peer closed, timed out, or spoke nonsense)."""

    wire_code = ErrorCode.BAD_VERSION


class BadMagic(HandshakeError):
    """The peer's first bytes were not the `RUNT` magic: it does not speak this protocol."""


class VersionMismatch(HandshakeError):
    """The two sides have no protocol version in common."""

    def __init__(self, message: str, *, local: int, remote: int) -> None:
        super().__init__(message)
        self.local = local
        self.remote = remote


class HandshakeTimeout(HandshakeError):
    """The peer did not complete the handshake in time."""


class ConnectionClosed(ProtocolError):
    """The peer closed the connection (cleanly, between frames) or it was closed locally."""


class TruncatedFrame(ConnectionClosed):
    """The connection ended in the middle of a frame."""

    # A subclass of ConnectionClosed because the only sensible reaction is the
    # same (forget the peer), yet callers that log can still tell it apart.
    wire_code = ErrorCode.BAD_REQUEST


class MalformedFrame(ProtocolError):
    """Bytes that are not a valid frame: unknown kind, bad lengths, or a non-object header."""

    wire_code = ErrorCode.BAD_REQUEST


class UnknownFrameKind(MalformedFrame):
    """The frame's kind byte names no `FrameKind`."""

    def __init__(self, kind: int) -> None:
        super().__init__(f"unknown frame kind {kind}")
        self.kind = kind


class FrameTooLarge(ProtocolError):
    """A frame's header or payload length exceeds the cap for its kind."""

    wire_code = ErrorCode.TOO_LARGE

    def __init__(self, kind_name: str, part: str, size: int, cap: int) -> None:
        super().__init__(f"{kind_name} frame {part} of {size} bytes exceeds the cap of {cap} bytes")
        self.kind_name = kind_name
        self.part = part
        self.size = size
        self.cap = cap


class FrameEncodeError(ProtocolError, ValueError):
    """A frame could not be encoded (header not JSON-serialisable, or too large)."""


class InvalidMessage(ProtocolError):
    """A well-formed frame whose header does not have the shape its kind requires."""

    # Unlike frame errors this leaves the stream in sync, so the receiver can
    # answer with an error response and keep the connection open.

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode = ErrorCode.BAD_REQUEST,
        request_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.error_code = code
        self.request_id = request_id


class InvalidPayload(InvalidMessage):
    """A message whose fields do not have the types its shape declares (see protocol/codec.py)."""


class UnsafeHeader(InvalidMessage):
    """A well-framed header holding a value no peer may pass on (infinity, a lone surrogate)."""


class SlowPeer(ProtocolError):
    """The peer stopped reading (its backlog stayed above the high-water mark) and was dropped."""

    wire_code = ErrorCode.TIMEOUT


class RemoteError(ProtocolError):
    """The peer reported an error (an error response or an ERROR frame).

    The Session API calls it `DaemonError` (the same class).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        request_id: int | None = None,
        details: JSONDict | None = None,
    ) -> None:
        super().__init__(f"{message} [{code}]")
        # `code` stays a plain string: a newer peer may send a code we do not know.
        self.code = code
        self.remote_code = code
        self.message = message
        self.request_id = request_id
        self.details = details or {}
