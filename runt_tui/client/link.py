"""The client side of the socket: connect (starting a daemon if none runs), requests, events."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from runt_tui.private import UnsafePath, check_private_dir, check_private_entry, owner_name
from runt_tui.protocol import (
    Connection,
    ConnectionClosed,
    ErrorCode,
    Frame,
    FrameKind,
    InvalidMessage,
    ProtocolError,
    RemoteError,
    SlowPeer,
    client_handshake,
    make_request,
    make_sync,
    remote_error,
    validate_message,
)
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.requests import Request
from runt_tui.settings import state_dir

log = logging.getLogger("runt_tui.client")

SyncHandler = Callable[[str, bytes], None]
EventHandler = Callable[[JSONDict, bytes], None]

# The daemon answered a request with an error: the protocol's RemoteError, under
# the name the Session API has always given it (`code`, `message`, `details`).
DaemonError = RemoteError


class DaemonUnavailable(ConnectionError):
    """No daemon could be reached (or started)."""


class UnsafeDaemon(DaemonUnavailable):
    """The state dir, its socket or the process behind it is not ours: nothing was sent."""


def check_state_dir(home: Path) -> bool:
    """Refuse a state dir or socket that is a symlink or another user's; False when there is none."""
    try:
        check_private_dir(home, create=False)
        return check_private_entry(home / "daemon.sock", "socket")
    except FileNotFoundError:
        return False
    except UnsafePath as e:
        raise UnsafeDaemon(str(e)) from None


def check_peer(sock: socket.socket, path: Path) -> None:
    """Refuse a daemon process that runs as another user (SO_PEERCRED, where the OS has it)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return  # the socket's owner was checked; the 0700 directory keeps others out
    pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    if uid != os.geteuid():
        raise UnsafeDaemon(
            f"refusing the daemon on {path}: it runs as {owner_name(uid)} (pid {pid}), "
            f"not as you ({owner_name(os.geteuid())})"
        )


async def _try_connect(sock: Path) -> Connection | None:
    # Checked before anything is sent: a socket planted by another user, or a daemon
    # running as another user, must never see a request (not even the handshake).
    if not check_state_dir(sock.parent):
        return None
    try:
        reader, writer = await asyncio.open_unix_connection(str(sock), limit=1 << 20)
    except (FileNotFoundError, ConnectionRefusedError, OSError):
        return None
    try:
        check_peer(writer.get_extra_info("socket"), sock)
    except UnsafeDaemon:
        writer.close()
        raise
    try:
        await client_handshake(reader, writer, timeout=5.0)
    except (ProtocolError, OSError, TimeoutError):
        writer.close()
        return None
    return Connection(reader, writer)


async def open_connection(home: Path | None = None, autostart: bool = True, timeout: float = 15.0) -> Connection:
    """Connect to the user's daemon, spawning one (detached) when none answers."""
    home = home or state_dir()
    sock = home / "daemon.sock"
    conn = await _try_connect(sock)
    if conn is not None:
        return conn
    if not autostart:
        raise DaemonUnavailable(f"no daemon is listening on {sock}")
    from runt_tui.client.daemon_wait import until_settled
    from runt_tui.daemon_spawn import spawn_daemon, spawned

    # The daemon the command line started before its imports (cli.py) is the one to wait for.
    start = spawned(home)
    if start is None:
        try:
            start = spawn_daemon(home)
        except UnsafePath as e:
            raise UnsafeDaemon(str(e)) from None
    deadline = time.monotonic() + timeout
    # The daemon says when it listens (or exits first); polling is left for the rare case of
    # another daemon that won the lock and is still starting.
    await until_settled(start, timeout)
    proc = start.proc
    delay = 0.005
    while time.monotonic() < deadline:
        conn = await _try_connect(sock)
        if conn is not None:
            return conn
        if proc is not None and proc.poll() not in (None, 0):
            raise DaemonUnavailable(f"the daemon failed to start (exit {proc.returncode}); see {home / 'daemon.log'}")
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 0.02)
    raise DaemonUnavailable(f"the daemon did not start within {timeout:.0f} s; see {home / 'daemon.log'}")


class DaemonClient:
    """Requests with ids and exactly one response each; sync frames and events routed to handlers."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Frame]] = {}
        self.sync_handlers: dict[str, SyncHandler] = {}
        self.event_handlers: list[EventHandler] = []
        self.on_close: list[Callable[[], Awaitable[None] | None]] = []
        self._reader = asyncio.get_running_loop().create_task(self._read_loop(), name="runt-client-reader")
        self.closed = False

    async def _read_loop(self) -> None:
        try:
            while True:
                frame = await self.conn.recv()
                try:
                    validate_message(frame)
                except InvalidMessage as e:
                    log.warning("ignored a malformed %s frame from the daemon: %s", frame.kind.name, e)
                    bad = self._pending.pop(e.request_id, None) if e.request_id is not None else None
                    if bad is not None and not bad.done():
                        bad.set_exception(RemoteError(ErrorCode.INTERNAL.value, f"malformed answer: {e}"))
                    continue
                if frame.kind == FrameKind.RESPONSE:
                    fut = self._pending.pop(frame.id, None) if frame.id is not None else None
                    if fut is not None and not fut.done():
                        fut.set_result(frame)
                elif frame.kind == FrameKind.SYNC:
                    handler = self.sync_handlers.get(str(frame.header.get("room")))
                    if handler is not None:
                        handler(str(frame.header.get("room")), frame.payload)
                elif frame.kind in (FrameKind.EVENT, FrameKind.ERROR):
                    for h in list(self.event_handlers):
                        h(frame.header, frame.payload)
        except (ProtocolError, OSError, asyncio.IncompleteReadError) as e:
            log.debug("connection closed: %s", e)
        except asyncio.CancelledError:
            pass
        finally:
            self._closed()

    def _closed(self) -> None:
        if self.closed:
            return
        self.closed = True
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(DaemonUnavailable("the connection to the daemon was lost"))
        self._pending.clear()
        self.conn.close()
        for cb in list(self.on_close):
            res = cb()
            if asyncio.iscoroutine(res):
                asyncio.get_running_loop().create_task(res)

    async def request(
        self, rtype: str, payload: bytes = b"", timeout: float | None = 60.0, **fields: object
    ) -> tuple[JSONDict, bytes]:
        """Send a request and wait for its response; DaemonError on an error response."""
        if self.closed:
            raise DaemonUnavailable("not connected to the daemon")
        rid = next(self._ids)
        fut: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            try:
                self.conn.send(make_request(rid, rtype, payload, **fields))
                await self.conn.drain_if_needed()
            except (ConnectionClosed, SlowPeer, OSError) as e:
                # The reader may not have seen the EOF yet: same error as a lost connection.
                raise DaemonUnavailable(f"the connection to the daemon was lost: {e}") from None
            frame = await asyncio.wait_for(fut, timeout)
        finally:
            self._pending.pop(rid, None)
        error = remote_error(frame)
        if error is not None:
            raise error
        return frame.header, frame.payload

    async def ask(
        self, req: Request, payload: bytes = b"", timeout: float | None = 60.0, room: str | None = None
    ) -> tuple[JSONDict, bytes]:
        """Send a typed request (about `room`, when given) and wait for its response."""
        fields = req.to_json()
        if room is not None:
            fields["room"] = room
        return await self.request(req.TYPE, payload, timeout, **fields)

    def send_sync(self, room: str, data: bytes, epoch: str | None = None) -> None:
        """Send a sync message (fire and forget), naming the epoch of the document it is about."""
        if not self.closed:
            # A connection being lost: the reconnect resyncs whatever this carried.
            with contextlib.suppress(ConnectionClosed, SlowPeer, OSError):
                self.conn.send(make_sync(room, data) if epoch is None else make_sync(room, data, epoch=epoch))

    async def close(self) -> None:
        """Close the connection."""
        self._reader.cancel()
        with contextlib.suppress(BaseException):
            await self._reader
        self._closed()
