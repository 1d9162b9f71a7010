"""An asyncio connection speaking frames, whose sends never wait for the peer."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from types import TracebackType
from typing import NoReturn

from runt_tui.protocol.errors import (
    ConnectionClosed,
    FrameTooLarge,
    MalformedFrame,
    SlowPeer,
)
from runt_tui.protocol.frames import (
    DEFAULT_CAPS,
    Frame,
    FrameCaps,
    MiB,
    encode_head,
    read_frame_sized,
)
from runt_tui.protocol.messages import make_error_frame

# Above this many unsent bytes the peer is "behind"; it must catch up within
# DEFAULT_SLOW_TIMEOUT seconds or be dropped.
DEFAULT_HIGH_WATER = 8 * MiB
DEFAULT_SLOW_TIMEOUT = 10.0
# Whatever the time, never hold more than this for one peer: room for the
# largest response (512 MiB) plus the traffic behind it, and no more.
DEFAULT_MAX_BUFFER = 1024 * MiB
# Recommended StreamReader limit for both ends: fewer pause/resume cycles on
# big payloads than asyncio's 64 KiB default.
STREAM_LIMIT = 1 * MiB
# Frames whose payload is at most this long go out in one write. Two writes are two
# wake-ups of the reader, and the second can wait for a core while the sender goes on
# working (a keystroke's sync waited up to 4 ms for its payload); above this size the
# copy that joining costs outweighs that.
JOIN_PAYLOAD_BELOW = 64 * 1024


class Connection:
    """Frames over one (reader, writer) pair; drops a peer that stops reading rather than block."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        caps: FrameCaps = DEFAULT_CAPS,
        high_water: int = DEFAULT_HIGH_WATER,
        slow_timeout: float | None = DEFAULT_SLOW_TIMEOUT,
        max_buffer: int | None = DEFAULT_MAX_BUFFER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reader = reader
        self._writer = writer
        # One set of caps for both directions: what we accept, and what we
        # refuse to send because a peer with the same caps would reject it.
        self.caps = caps
        self.high_water = high_water
        self.slow_timeout = slow_timeout
        self.max_buffer = max_buffer
        self._clock = clock
        self._above_since: float | None = None
        self._closed = False
        self._slow = False
        self.bytes_in = 0
        self.bytes_out = 0
        self.frames_in = 0
        self.frames_out = 0

    # ---- state -----------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once closed locally, dropped as slow, or the peer went away."""
        return self._closed or self._writer.transport.is_closing()

    @property
    def slow(self) -> bool:
        """True if this connection was dropped because the peer stopped reading."""
        return self._slow

    @property
    def write_buffer_size(self) -> int:
        """Bytes handed to the transport but not yet taken by the peer's socket."""
        return self._writer.transport.get_write_buffer_size()

    # ---- receiving -------------------------------------------------------

    async def recv(self) -> Frame:
        """Read the next frame (one reader task at a time).

        A malformed or over-cap frame is answered with an ERROR frame, the
        connection is closed (the stream is out of sync) and the error raised.
        End of stream closes the connection and raises ConnectionClosed.
        """
        if self._closed:
            raise ConnectionClosed("the connection is closed")
        try:
            frame, size = await read_frame_sized(self._reader, self.caps)
        except (MalformedFrame, FrameTooLarge) as e:
            self._send_error_and_close(e)
            raise
        except ConnectionClosed:
            self.close()
            raise
        self.frames_in += 1
        self.bytes_in += size
        return frame

    def _send_error_and_close(self, error: MalformedFrame | FrameTooLarge) -> None:
        with contextlib.suppress(Exception):
            self._write(make_error_frame(error.wire_code, str(error)))
        self.close()

    # ---- sending ---------------------------------------------------------

    def send(self, frame: Frame) -> int:
        """Queue a frame on the transport without waiting; return its size on the wire.

        Raises ConnectionClosed if the connection is closed, FrameEncodeError if
        the frame cannot be encoded within the caps (nothing is sent then), and
        SlowPeer -- after aborting the connection -- if the peer has not been
        reading: its backlog exceeded `max_buffer`, or stayed above `high_water`
        for `slow_timeout` seconds. The backlog is checked on every send, so a
        peer that stopped reading is found out by the next event sent to it.
        """
        if self.closed:
            raise ConnectionClosed("the connection is closed")
        self._check_backlog()
        size = self._write(frame)
        if self._above_since is None and self.write_buffer_size > self.high_water:
            self._above_since = self._clock()
        return size

    def _write(self, frame: Frame) -> int:
        # Encode first so that a bad frame leaves nothing half-written; a large payload
        # is written on its own rather than copied into one joined buffer.
        head = encode_head(frame, self.caps)
        if len(frame.payload) <= JOIN_PAYLOAD_BELOW:
            self._writer.write(head + frame.payload)
        else:
            self._writer.write(head)
            self._writer.write(frame.payload)
        size = len(head) + len(frame.payload)
        self.frames_out += 1
        self.bytes_out += size
        return size

    def _check_backlog(self) -> None:
        backlog = self.write_buffer_size
        if backlog <= self.high_water:
            # The peer caught up since the last send: forgive the past.
            self._above_since = None
            return
        now = self._clock()
        if self._above_since is None:
            self._above_since = now
        if self.max_buffer is not None and backlog > self.max_buffer:
            self._drop_slow(
                f"peer has {backlog} unread bytes, above the limit of {self.max_buffer}"
            )
        if self.slow_timeout is not None and now - self._above_since >= self.slow_timeout:
            self._drop_slow(
                f"peer kept more than {self.high_water} bytes unread "
                f"for {now - self._above_since:.1f} s ({backlog} bytes now)"
            )

    def _drop_slow(self, reason: str) -> NoReturn:
        self._slow = True
        self._closed = True
        # abort(), not close(): close() would keep the backlog in memory while
        # trying to flush it to a peer that is not reading.
        self._writer.transport.abort()
        raise SlowPeer(reason)

    async def drain_if_needed(self) -> None:
        """Wait for the peer to catch up if the backlog is above the high-water mark (clients)."""
        if self.closed:
            raise ConnectionClosed("the connection is closed")
        if self.write_buffer_size <= self.high_water:
            return
        try:
            await self._writer.drain()
        except ConnectionError as e:
            self._closed = True
            raise ConnectionClosed(f"connection lost: {e}") from None

    # ---- closing ---------------------------------------------------------

    def close(self) -> None:
        """Close the connection, flushing what is already queued; idempotent."""
        self._closed = True
        self._writer.close()

    def abort(self) -> None:
        """Close at once, discarding anything not yet sent (a peer that does not read); idempotent."""
        self._closed = True
        self._writer.transport.abort()

    async def wait_closed(self) -> None:
        """Wait until the transport has closed (errors from a lost peer ignored)."""
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()

    async def aclose(self) -> None:
        """close() then wait_closed()."""
        self.close()
        await self.wait_closed()

    async def __aenter__(self) -> Connection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
