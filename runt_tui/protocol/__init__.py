"""The wire protocol between the runt-tui daemon and its clients (DESIGN.md §5).

This package is shared by ``runt_tui.daemon`` and ``runt_tui.client`` and
imports neither (nor Textual, Automerge or jupyter_client): it knows bytes,
JSON and asyncio streams, nothing about notebooks.

Handshake
    The client's first 6 bytes are ``b"RUNT"`` + its protocol version (u16 big
    endian). The server reads the magic first: if it is wrong the peer does not
    speak this protocol, so the server just closes. If it supports the version
    it answers ``b"RUNT"`` + that version and frames follow. Otherwise it
    answers ``b"RUNT"`` + its own version, then one ERROR frame (code
    BAD_VERSION, fields ``client_version``, ``server_version``,
    ``supported_versions``), then closes; the client raises VersionMismatch
    quoting it. Always answering with the magic first keeps the client's parse
    unambiguous. Both sides have a deadline (HandshakeTimeout) and close the
    connection on any handshake failure.

Frames (all integers big endian)
    ::

        kind u8 | header_len u32 | payload_len u32 | header (UTF-8 JSON object) | payload (bytes)

    Kinds: REQUEST=1, RESPONSE=2, EVENT=3, SYNC=4, ERROR=5. Each kind has caps
    on header_len and payload_len (FrameCaps; defaults: REQUEST 1 MiB / 64 MiB,
    RESPONSE 4 MiB / 512 MiB, EVENT 4 MiB / 256 MiB, SYNC 64 KiB / 128 MiB,
    ERROR 64 KiB / 0), checked on the 9-byte prefix before any of the body is
    read, so a peer declaring 4 GiB costs nothing. The header is strict UTF-8
    JSON (no NaN/Infinity) and must be an object; it is sent compact, with
    non-ASCII kept as UTF-8.

Frame errors (the stream is out of sync: the connection is closed)
    UnknownFrameKind / MalformedFrame (bad kind, header shorter than ``{}``,
    header not a UTF-8 JSON object), FrameTooLarge (over a cap),
    TruncatedFrame (EOF inside a frame), ConnectionClosed (clean EOF between
    frames). ``Connection.recv`` answers the first two with an ERROR frame
    before closing, so a misbehaving peer learns why.

Messages (headers on top of frames)
    - REQUEST ``{"id": int, "type": str, ...fields}``; exactly one RESPONSE
      per request, with the same id (requests may be answered out of order).
    - RESPONSE ``{"id": int, "ok": true, ...fields}`` or
      ``{"id": int, "ok": false, "error": {"code": ErrorCode, "message": str, ...}}``.
    - EVENT ``{"type": str, ...fields}``, pushed by the daemon.
    - SYNC ``{"room": str}`` with an Automerge sync message as the payload.
    - ERROR ``{"code": ErrorCode, "message": str, ...}``: a connection-level
      complaint (malformed frame, bad version), never a request's answer.
    Payloads carry bulk binary data (documents, blobs) without base64.
    ``validate_message`` checks these shapes; its InvalidMessage leaves the
    stream in sync, so the connection stays open and gets an error response.

Message bodies (one typed definition each, used by the daemon and the client)
    ``requests.py`` one dataclass per request type, each field with its check
    (``checks.py``; ``fields.py`` reads the table off them); ``payloads.py``
    responses and events; ``runtime.py`` the runtime state and its updates;
    ``codec.py`` encodes them and decodes JSON into them, raising
    InvalidPayload (an InvalidMessage) that names the first bad field.
    Arbitrary JSON is typed with the recursive aliases of ``jsontypes.py``.

Flow control
    ``Connection.send`` never awaits the peer: a daemon broadcasting to a room
    must not be held up by one client. It watches the transport's write
    buffer instead: a peer whose backlog exceeds ``max_buffer`` (1 GiB), or
    stays above ``high_water`` (8 MiB) for ``slow_timeout`` (10 s), is aborted
    and ``send`` raises SlowPeer. Clients, which may wait, call
    ``drain_if_needed()`` after sending.
"""

from __future__ import annotations

from runt_tui.protocol.errors import (
    BadMagic,
    ConnectionClosed,
    ErrorCode,
    FrameEncodeError,
    FrameTooLarge,
    HandshakeError,
    HandshakeTimeout,
    InvalidMessage,
    InvalidPayload,
    MalformedFrame,
    ProtocolError,
    RemoteError,
    SlowPeer,
    TruncatedFrame,
    UnknownFrameKind,
    UnsafeHeader,
    VersionMismatch,
)
from runt_tui.protocol.framed_stream import (
    DEFAULT_HIGH_WATER,
    DEFAULT_MAX_BUFFER,
    DEFAULT_SLOW_TIMEOUT,
    JOIN_PAYLOAD_BELOW,
    STREAM_LIMIT,
    Connection,
)
from runt_tui.protocol.frames import (
    DEFAULT_CAPS,
    PREFIX_SIZE,
    Frame,
    FrameCaps,
    FrameDecoder,
    FrameKind,
    KindCaps,
    decode_header,
    encode_frame,
    encode_head,
    encode_header,
    parse_prefix,
    read_frame,
    read_frame_sized,
)
from runt_tui.protocol.handshake import (
    GREETING_SIZE,
    MAGIC,
    PROTOCOL_VERSION,
    SUPPORTED_VERSIONS,
    client_handshake,
    greeting,
    server_handshake,
)
from runt_tui.protocol.messages import (
    MAX_ERROR_MESSAGE,
    make_error_frame,
    make_error_response,
    make_event,
    make_request,
    make_response,
    make_sync,
    remote_error,
    validate_message,
)

__all__ = [
    "DEFAULT_CAPS",
    "DEFAULT_HIGH_WATER",
    "DEFAULT_MAX_BUFFER",
    "DEFAULT_SLOW_TIMEOUT",
    "GREETING_SIZE",
    "JOIN_PAYLOAD_BELOW",
    "MAGIC",
    "MAX_ERROR_MESSAGE",
    "PREFIX_SIZE",
    "PROTOCOL_VERSION",
    "STREAM_LIMIT",
    "SUPPORTED_VERSIONS",
    "BadMagic",
    "Connection",
    "ConnectionClosed",
    "ErrorCode",
    "Frame",
    "FrameCaps",
    "FrameDecoder",
    "FrameEncodeError",
    "FrameKind",
    "FrameTooLarge",
    "HandshakeError",
    "HandshakeTimeout",
    "InvalidMessage",
    "InvalidPayload",
    "KindCaps",
    "MalformedFrame",
    "ProtocolError",
    "RemoteError",
    "SlowPeer",
    "TruncatedFrame",
    "UnknownFrameKind",
    "UnsafeHeader",
    "VersionMismatch",
    "client_handshake",
    "decode_header",
    "encode_frame",
    "encode_head",
    "encode_header",
    "greeting",
    "make_error_frame",
    "make_error_response",
    "make_event",
    "make_request",
    "make_response",
    "make_sync",
    "parse_prefix",
    "read_frame",
    "read_frame_sized",
    "remote_error",
    "server_handshake",
    "validate_message",
]
