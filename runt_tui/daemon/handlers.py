"""Request handlers of the daemon: one coroutine per request type."""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from runt_tui.daemon.basic_handlers import BASIC_HANDLERS
from runt_tui.daemon.docwork import prepare_cells
from runt_tui.daemon.handler_types import Handler, Header, Reply, RequestError
from runt_tui.daemon.peers import new_link
from runt_tui.daemon.persist import EpochChanged, PersistFailed, describe
from runt_tui.doc import DocError, NotebookFileError
from runt_tui.protocol import ErrorCode
from runt_tui.protocol.codec import decode
from runt_tui.protocol.payloads import BlobReply, HeadsReply, JoinReply
from runt_tui.protocol.requests import Ack, Blob, Join, Prepare, Save, SetPresence

if TYPE_CHECKING:
    from runt_tui.daemon.client_conn import ClientConn
    from runt_tui.daemon.room import Room
    from runt_tui.daemon.server import Daemon

log = logging.getLogger("runt_tui.daemon")


async def h_join(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Join (opening if needed) the room of a path or a notebook_id; the payload is the document."""
    r = decode(Join, h, "join")
    raw_path, notebook_id = r.path, r.notebook_id
    if (raw_path is None) == (notebook_id is None):
        raise RequestError(ErrorCode.BAD_REQUEST, "give exactly one of 'path' or 'notebook_id'")
    path = Path(os.path.realpath(os.path.expanduser(raw_path))) if raw_path else None
    if path is not None and path.is_dir():
        raise RequestError(ErrorCode.BAD_REQUEST, f"{path}: is a directory, not a notebook file")
    if path is not None and not path.parent.is_dir():
        raise RequestError(ErrorCode.NOT_FOUND, f"{path.parent}: no such directory")
    try:
        room = await d.open_room(path, notebook_id)
    except NotebookFileError as e:
        raise RequestError(ErrorCode.BAD_REQUEST, str(e)) from None
    except OSError as e:  # the state dir cannot be written (e.g. its disk is full)
        log.warning("room for %s not opened: %s", path or notebook_id, e)
        raise RequestError(ErrorCode.CANNOT_PERSIST, describe(e)) from None
    name = (r.name or "anonymous")[:64]
    colour = r.colour[:32] if r.colour else None
    peer_id = uuid.uuid4().hex[:12]
    link = new_link(room.doc, peer_id, name, colour, c, room.next_peer_index(), (r.kind or "tui")[:32])
    old = c.rooms.get(room.key)
    if old is not None:  # joined again on the same connection: the new peer replaces the old
        room.remove_peer(old.peer_id)
    c.rooms[room.key] = link
    data = room.snapshot_bytes()
    room.add_peer(link)
    log.info("room %s: %s joined (%s, client %d, peer %s)", room.key, name, link.kind, c.conn_id, peer_id)
    reply = JoinReply(
        room=room.key,
        peer_id=peer_id,
        colour=link.colour,
        epoch=room.doc.epoch,
        path=str(room.path) if room.path else None,
        notebook_id=room.notebook_id,
        runtime=room.runtime(),
        peers=[x.describe() for x in room.peers.values()],
        heartbeat_interval=d.settings.heartbeat_interval,
    )
    return reply.to_json(), data


def hex_heads(heads: list[str]) -> list[bytes]:
    """Change hashes from their hex (checked by protocol/fields.py: this is a second guard)."""
    try:
        return [bytes.fromhex(x) for x in heads]
    except ValueError:
        raise RequestError(ErrorCode.BAD_REQUEST, "'heads' must be hex strings") from None


def _room(d: Daemon, c: ClientConn, h: Header) -> Room:
    key = h.get("room")
    if not isinstance(key, str) or key not in c.rooms or key not in d.rooms:
        raise RequestError(ErrorCode.NOT_JOINED, f"not joined to room {key!r}")
    return d.rooms[key]


async def h_leave(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Leave a room."""
    room = _room(d, c, h)
    link = c.rooms.pop(room.key)
    room.remove_peer(link.peer_id)
    log.info("room %s: %s left", room.key, link.name)
    return {}, b""


async def h_ack(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Answer once the daemon holds (in memory and on disk) every change up to the given heads."""
    room = _room(d, c, h)
    r = decode(Ack, h, "ack")
    heads = hex_heads(r.heads)
    timeout = r.wait or 10.0
    if r.epoch is not None and r.epoch != room.doc.epoch:
        raise RequestError(ErrorCode.EPOCH_CHANGED, f"the notebook's history was compacted (epoch {room.doc.epoch})")
    if not await _acknowledged(room, heads, min(timeout, 60.0)):
        raise RequestError(ErrorCode.TIMEOUT, "the daemon did not receive those changes in time")
    return HeadsReply([x.hex() for x in room.doc.heads()]).to_json(), b""


async def _acknowledged(room: Room, heads: list[bytes], timeout: float = 10.0) -> bool:
    """room.wait_acknowledged, a failed write answered as CANNOT_PERSIST."""
    try:
        ok = await room.wait_acknowledged(heads, timeout)
    except PersistFailed as e:
        raise RequestError(ErrorCode.CANNOT_PERSIST, str(e)) from None
    except EpochChanged as e:
        raise RequestError(ErrorCode.EPOCH_CHANGED, str(e)) from None
    return ok


async def h_save(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Save the notebook file now."""
    room = _room(d, c, h)
    r = decode(Save, h, "save")
    try:
        result = await room.save(explicit=True, force=r.force is True)
    except PersistFailed as e:  # the file is written only once the document is on disk
        raise RequestError(ErrorCode.CANNOT_PERSIST, str(e)) from None
    if result.error == "read-only":
        raise RequestError(ErrorCode.READ_ONLY, room.save_state.message or "read-only")
    if result.error == "invalid":  # the file on disk is broken: only `force` overwrites it
        raise RequestError(ErrorCode.CONFLICT, result.message or "the file on disk is not a valid notebook")
    if result.error is not None:
        raise RequestError(ErrorCode.INTERNAL, result.error)
    return result.to_json(), b""


async def h_prepare(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Make cells' sources editable Text (see runt_tui.doc.schema); the change is sent before the reply."""
    room = _room(d, c, h)
    cells = decode(Prepare, h, "prepare").cells
    if await prepare_cells(room.doc, room.worker, cells):
        room.local_changed(notebook_changed=False)
    room.flush_sync_now()  # what the answer's heads name reaches the requester first
    # On disk before the requester types into it: a daemon killed and restarted
    # without it would prepare the cell anew, and two Texts would conflict.
    if not await _acknowledged(room, room.doc.heads()):
        raise RequestError(ErrorCode.TIMEOUT, "the prepared cells could not be written to disk in time")
    return HeadsReply([x.hex() for x in room.doc.heads()]).to_json(), b""


async def h_presence(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Update this peer's presence (focused cell, cursor, mode) and push it to the room."""
    room = _room(d, c, h)
    link = c.rooms[room.key]
    r = decode(SetPresence, h, "presence")
    link.presence = r.presence
    link.active_at = time.time()
    if r.name is not None:
        link.name = r.name[:64]
    room.publish_presence()
    return {}, b""


async def h_blob(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Fetch a blob by digest."""
    digest = decode(Blob, h, "blob").digest
    data = d.blobs.get(digest)
    if data is None:
        raise RequestError(ErrorCode.NOT_FOUND, f"no blob {digest[:16]}")
    return BlobReply(digest, len(data)).to_json(), data


HANDLERS: dict[str, Handler] = {
    **BASIC_HANDLERS,
    "join": h_join,
    "leave": h_leave,
    "ack": h_ack,
    "save": h_save,
    "prepare": h_prepare,
    "presence": h_presence,
    "blob": h_blob,
}

__all__ = ["HANDLERS", "DocError", "Handler", "Header", "Reply", "RequestError", "hex_heads"]
