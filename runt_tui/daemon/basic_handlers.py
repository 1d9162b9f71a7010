"""The requests a daemon answers before any room exists: hello, ping, status, stop.

They need nothing beyond the protocol, so a freshly started daemon answers
them while the document, kernel and environment layers are still unloaded.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from runt_tui import __version__
from runt_tui.daemon.handler_types import Handler, Header, Reply

if TYPE_CHECKING:
    from runt_tui.daemon.client_conn import ClientConn
    from runt_tui.daemon.room import Room
    from runt_tui.daemon.server import Daemon
    from runt_tui.protocol.payloads import DaemonStatus, RoomStatus


async def h_ping(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Heartbeat."""
    return {"pong": True}, b""


async def h_status(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Daemon status: pid, socket, rooms with peers, settings."""
    return daemon_status(d).to_json(), b""


async def h_stop(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Ask the daemon to save everything and exit."""
    d.request_stop("runt-tui daemon stop")
    return {"stopping": True}, b""


async def h_hello(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Describe the daemon to a newly connected client."""
    return {"version": __version__, "pid": os.getpid()}, b""


BASIC_HANDLERS: dict[str, Handler] = {
    "ping": h_ping,
    "hello": h_hello,
    "status": h_status,
    "stop": h_stop,
}


def daemon_status(d: Daemon) -> DaemonStatus:
    """What `runt-tui daemon status` and `ps` show."""
    from runt_tui.protocol.payloads import DaemonStatus  # 30 dataclasses: not needed to say hello

    return DaemonStatus(
        running=True,
        pid=os.getpid(),
        version=__version__,
        socket=str(d.socket_path),
        home=str(d.home),
        started_at=d.started_at,
        clients=len(d.clients),
        settings=d.settings.as_dict(),
        rooms=[_room_status(r) for r in d.rooms.values()],
    )


def _room_status(room: Room) -> RoomStatus:
    from runt_tui.protocol.payloads import RoomStatus

    runtime = room.runtime()
    return RoomStatus(
        room=room.key,
        path=str(room.path) if room.path else None,
        notebook_id=room.notebook_id,
        cells=len(room.doc),
        peers=[p.describe() for p in room.peers.values()],
        save=runtime.save,
        file=runtime.file,
        kernel=runtime.kernel,
        env=runtime.env,
    )
