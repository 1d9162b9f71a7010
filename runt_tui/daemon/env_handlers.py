"""Request handlers for a room's environment: trust status, approve, cancel, dependencies."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from runt_tui.daemon.env_room import ApprovalMismatch, RoomEnv
from runt_tui.daemon.handlers import Header, Reply, RequestError, _acknowledged, _room
from runt_tui.env import DepsError, EnvManager, TrustError
from runt_tui.protocol import ErrorCode
from runt_tui.protocol.codec import decode
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.requests import EnvApprove, EnvDeps
from runt_tui.settings import env_store_dir

if TYPE_CHECKING:
    from runt_tui.daemon.client_conn import ClientConn
    from runt_tui.daemon.room import Room
    from runt_tui.daemon.server import Daemon


def env_manager(d: Daemon) -> EnvManager:
    """The daemon's environment store and builds (one for every room), created on first use."""
    manager: EnvManager | None = d.envs
    if manager is None:
        manager = d.envs = EnvManager(env_store_dir(d.settings))
        # Environments unused for env_gc_days go (none is in use yet: this is the first).
        d._spawn(asyncio.to_thread(manager.store.gc, d.settings.env_gc_days, set()))
    return manager


def env_of(d: Daemon, room: Room) -> RoomEnv:
    """The room's environment state, created on first use and published as runtime `env`."""
    if room.env is None:
        room.env = RoomEnv(room, env_manager(d))
    return room.env


def _who(c: ClientConn, room: Room) -> str:
    link = c.rooms.get(room.key)
    return str(getattr(link, "name", None) or "someone")


async def _durable(room: Room) -> list[str]:
    """Sync the metadata change to every peer and have it on disk; its heads, for the reply."""
    room.flush_sync_now()
    await _acknowledged(room, room.doc.heads())
    return [x.hex() for x in room.doc.heads()]


async def h_env_trust(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """What an approver must be shown: the dependencies, what changed, typosquats, the digest."""
    room = _room(d, c, h)
    try:
        reply: JSONDict = {"trust": env_of(d, room).trust_status()}
        return reply, b""
    except TrustError as e:
        raise RequestError(ErrorCode.CONFLICT, str(e)) from None


async def h_env_approve(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Sign the dependencies the approver saw (by digest); CONFLICT when they changed since."""
    room = _room(d, c, h)
    env = env_of(d, room)
    try:
        status = env.approve(decode(EnvApprove, h, "env_approve").digest, _who(c, room))
    except ApprovalMismatch as e:
        raise RequestError(ErrorCode.CONFLICT, str(e)) from None
    except TrustError as e:
        raise RequestError(ErrorCode.CONFLICT, str(e)) from None
    reply: JSONDict = {"trust": status, "heads": list(await _durable(room))}
    return reply, b""


async def h_env_cancel(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Cancel the environment build (or the wait for approval) of the room's kernel."""
    room = _room(d, c, h)
    return {"cancelled": env_of(d, room).cancel()}, b""


async def h_env_fallback(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """The user says so: run this notebook on the default kernelspec when its conda env cannot be built."""
    room = _room(d, c, h)
    env_of(d, room).fallback = True
    return {}, b""


async def h_env_deps(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Add and remove dependencies in the notebook's `runt.uv` table (re-signed when trusted)."""
    room = _room(d, c, h)
    req = decode(EnvDeps, h, "env_deps")
    add, remove = list(req.add or []), list(req.remove or [])
    try:
        result = env_of(d, room).change_deps(add, remove)
    except DepsError as e:
        raise RequestError(ErrorCode.BAD_REQUEST, str(e)) from None
    except TrustError as e:
        raise RequestError(ErrorCode.CONFLICT, str(e)) from None
    reply: JSONDict = {**result, "heads": list(await _durable(room))}
    return reply, b""


ENV_HANDLERS: dict[str, Any] = {
    "env_trust": h_env_trust,
    "env_approve": h_env_approve,
    "env_cancel": h_env_cancel,
    "env_deps": h_env_deps,
    "env_fallback": h_env_fallback,
}
