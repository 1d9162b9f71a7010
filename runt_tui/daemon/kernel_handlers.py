"""Request handlers for the kernel: start, execute, interrupt, restart, shut down, stdin, completion."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from runt_tui.daemon.env_handlers import env_of
from runt_tui.daemon.handlers import Handler, Header, Reply, RequestError, _room, hex_heads
from runt_tui.daemon.kernel_room import RoomKernel
from runt_tui.kernel import KernelLaunchError, list_kernelspecs
from runt_tui.protocol import ErrorCode
from runt_tui.protocol.codec import decode
from runt_tui.protocol.payloads import KernelAnswer, KernelReply, KernelspecsReply, QueueCleared
from runt_tui.protocol.requests import ClearOutputs, Complete, Execute, InputReply, StartKernel
from runt_tui.protocol.runtime import Requester

if TYPE_CHECKING:
    from runt_tui.daemon.client_conn import ClientConn
    from runt_tui.daemon.peers import PeerLink
    from runt_tui.daemon.room import Room
    from runt_tui.daemon.server import Daemon


def kernel_of(d: Daemon, room: Room) -> RoomKernel:
    """The room's kernel manager, created on first use."""
    if room.kernel is None:
        room.kernel = RoomKernel(room, d.home / "kernels" / room.key, env_of(d, room))
    return room.kernel


async def h_start_kernel(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Start the room's kernel, or reuse the running one."""
    room = _room(d, c, h)
    name = decode(StartKernel, h, "start_kernel").kernel_name
    try:
        state = await kernel_of(d, room).start(name or None)
    except KernelLaunchError as e:
        raise RequestError(ErrorCode.KERNEL_ERROR, str(e)) from None
    return KernelReply(state).to_json(), b""


async def h_execute(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Queue a cell as of the requester's heads; with `wait`, answer when it finished."""
    room = _room(d, c, h)
    r = decode(Execute, h, "execute")
    heads = hex_heads(r.heads or [])
    link = c.rooms[room.key]
    ex = kernel_of(d, room).execute(r.cell, heads, _who(link))
    if not r.wait:
        return ex.summary().to_json(), b""
    try:
        result = await asyncio.wait_for(ex.wait(), r.limit or None)
    except TimeoutError:
        raise RequestError(ErrorCode.TIMEOUT, f"cell {r.cell} did not finish in {r.limit} s") from None
    return result, b""


async def h_interrupt(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Interrupt the running cell and cancel the queue."""
    room = _room(d, c, h)
    await kernel_of(d, room).interrupt(_who(c.rooms[room.key]))
    return {}, b""


async def h_clear_queue(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Cancel every queued cell; the running one goes on."""
    room = _room(d, c, h)
    return QueueCleared(kernel_of(d, room).clear_queue(_who(c.rooms[room.key]))).to_json(), b""


def _who(link: PeerLink) -> Requester:
    """How a request's peer is named in the queue, history and cancellations."""
    return Requester(link.peer_id, link.name, link.colour)


async def h_restart_kernel(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Restart the kernel (outputs stay)."""
    room = _room(d, c, h)
    try:
        state = await kernel_of(d, room).restart(_who(c.rooms[room.key]))
    except KernelLaunchError as e:
        raise RequestError(ErrorCode.KERNEL_ERROR, str(e)) from None
    return KernelReply(state).to_json(), b""


async def h_shutdown_kernel(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Shut the kernel down now."""
    room = _room(d, c, h)
    await kernel_of(d, room).shutdown()
    return {}, b""


async def h_input_reply(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Answer the kernel's pending input() prompt."""
    room = _room(d, c, h)
    value = decode(InputReply, h, "input_reply").value
    if not kernel_of(d, room).send_input(value):
        raise RequestError(ErrorCode.CONFLICT, "the kernel is not waiting for input")
    return {}, b""


async def _kernel_request(d: Daemon, c: ClientConn, h: Header, what: str) -> Reply:
    room = _room(d, c, h)
    r = decode(Complete, h, what)
    code, pos = r.code, r.cursor_pos
    if not 0 <= pos <= len(code):  # a kernel never answers a cursor past the end
        raise RequestError(ErrorCode.BAD_REQUEST, f"'cursor_pos' must be from 0 to {len(code)}, the length of 'code'")
    kernel = kernel_of(d, room)
    if kernel.session is None or not kernel.alive:
        raise RequestError(ErrorCode.KERNEL_ERROR, "no kernel is running")
    try:
        fn = kernel.session.complete if what == "complete" else kernel.session.inspect
        reply = await fn(code, pos, timeout=r.wait or 5.0)
    except TimeoutError:
        raise RequestError(ErrorCode.TIMEOUT, f"the kernel did not answer the {what} request") from None
    return KernelAnswer(dict(reply)).to_json(), b""


async def h_complete(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Ask the kernel for completions."""
    return await _kernel_request(d, c, h, "complete")


async def h_inspect(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Ask the kernel to inspect the object at the cursor."""
    return await _kernel_request(d, c, h, "inspect")


async def h_clear_outputs(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Clear the outputs of some cells (the daemon is the only writer of outputs)."""
    room = _room(d, c, h)
    await kernel_of(d, room).clear_outputs(decode(ClearOutputs, h, "clear_outputs").cells)
    return {}, b""


async def h_kernelspecs(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """The kernelspecs the daemon can start (read off disk in a thread)."""
    try:
        specs = await asyncio.to_thread(list_kernelspecs)
    except Exception as e:  # a broken kernel.json must not fail the room
        raise RequestError(ErrorCode.KERNEL_ERROR, f"cannot list kernelspecs: {e}") from None
    return KernelspecsReply(specs).to_json(), b""


KERNEL_HANDLERS: dict[str, Handler] = {
    "kernelspecs": h_kernelspecs,
    "start_kernel": h_start_kernel,
    "execute": h_execute,
    "interrupt": h_interrupt,
    "clear_queue": h_clear_queue,
    "restart_kernel": h_restart_kernel,
    "shutdown_kernel": h_shutdown_kernel,
    "input_reply": h_input_reply,
    "complete": h_complete,
    "inspect": h_inspect,
    "clear_outputs": h_clear_outputs,
}
