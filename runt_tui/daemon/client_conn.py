"""One client connection as the daemon sees it: its frames, its rooms, its liveness."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from runt_tui.protocol import Connection, Frame, FrameKind, make_sync
from runt_tui.protocol.jsontypes import JSONDict

if TYPE_CHECKING:
    from runt_tui.daemon.peers import PeerLink
    from runt_tui.daemon.server import Daemon

log = logging.getLogger("runt_tui.daemon")


class ClientConn:
    """One client connection: its frames, and the rooms it joined (implements Outbox)."""

    def __init__(self, daemon: Daemon, conn: Connection, conn_id: int) -> None:
        self.daemon = daemon
        self.conn = conn
        self.conn_id = conn_id
        self.rooms: dict[str, PeerLink] = {}
        # On the daemon's listening clock (daemon/silence.py), not wall time.
        self.last_seen = daemon.listening.read(time.monotonic())
        self.tasks: set[asyncio.Task[object]] = set()
        # Joins still being answered: a client waiting for a big room to open has
        # nothing to say meanwhile (it heartbeats only once joined), so it is not silent.
        self.joining = 0

    def heard(self) -> None:
        """Note that this client just said something."""
        self.last_seen = max(self.last_seen, self.daemon.listening.read(time.monotonic()))

    def silent_for(self, now: float) -> float:
        """Seconds of listening-clock time `now` this client has said nothing while it had nothing to wait for."""
        return 0.0 if self.joining else max(0.0, now - self.last_seen)

    @contextlib.contextmanager
    def answering(self, frame: Frame) -> Iterator[None]:
        """Around answering one request: a join's wait never counts as silence."""
        if frame.header.get("type") != "join":
            yield
            return
        self.joining += 1
        try:
            yield
        finally:
            self.joining -= 1
            self.heard()

    def send_sync(self, room: str, data: bytes) -> None:
        """Send a sync message (raises when the peer is slow or gone)."""
        self.conn.send(make_sync(room, data))

    def send_event(self, header: JSONDict, payload: bytes = b"") -> None:
        """Send an event (raises when the peer is slow or gone)."""
        self.conn.send(Frame(FrameKind.EVENT, header, payload))

    def drop(self, reason: str) -> None:
        """End this connection now, and with it its presence in every room.

        Aborted, not closed: a close waits to flush what is queued to a peer that
        may never read again (a suspended process), keeping it in the rooms forever.
        """
        log.info("%s: dropped: %s", self.label(), reason)
        self.conn.abort()
        self.daemon.forget_client(self)

    def label(self) -> str:
        """How log lines name this client: its number and the names it joined with."""
        names = sorted({link.name for link in self.rooms.values()})
        return f"client {self.conn_id}" + (f" ({', '.join(names)})" if names else "")
