"""Request handlers for the kernel: start, execute, interrupt, restart, shut down, stdin, completion."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from runt_tui.daemon.env_handlers import env_of
from runt_tui.daemon.handlers import Handler, Header, Reply, RequestError, _room
from runt_tui.daemon.kernel_room import RoomKernel
from runt_tui.kernel import KernelLaunchError, list_kernelspecs
from runt_tui.protocol import ErrorCode

if TYPE_CHECKING:
    from runt_tui.daemon.room import Room
    from runt_tui.daemon.server import ClientConn, Daemon


def kernel_of(d: Daemon, room: Room) -> RoomKernel:
    """The room's kernel manager, created on first use."""
    if room.kernel is None:
        room.kernel = RoomKernel(room, d.home / "kernels" / room.key, env_of(d, room))
    return room.kernel


async def h_start_kernel(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Start the room's kernel, or reuse the running one."""
    room = _room(d, c, h)
    name = h.get("kernel_name")
    try:
        state = await kernel_of(d, room).start(name if isinstance(name, str) and name else None)
    except KernelLaunchError as e:
        raise RequestError(ErrorCode.KERNEL_ERROR, str(e)) from None
    return {"kernel": state}, b""


async def h_execute(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Queue a cell as of the requester's heads; with `wait`, answer when it finished."""
    room = _room(d, c, h)
    cell = h.get("cell")
    if not isinstance(cell, str):
        raise RequestError(ErrorCode.BAD_REQUEST, "'cell' must be a cell id")
    heads_raw = h.get("heads") or []
    try:
        heads = [bytes.fromhex(x) for x in heads_raw]
    except (TypeError, ValueError):
        raise RequestError(ErrorCode.BAD_REQUEST, "'heads' must be hex strings") from None
    link = c.rooms[room.key]
    ex = kernel_of(d, room).execute(cell, heads, {"peer_id": link.peer_id, "name": link.name})
    if not h.get("wait"):
        return ex.summary(), b""
    timeout = h.get("limit")
    try:
        result = await asyncio.wait_for(ex.wait(), float(timeout) if timeout else None)
    except TimeoutError:
        raise RequestError(ErrorCode.TIMEOUT, f"cell {cell} did not finish in {timeout} s") from None
    return result, b""


async def h_interrupt(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Interrupt the running cell and cancel the queue."""
    room = _room(d, c, h)
    await kernel_of(d, room).interrupt()
    return {}, b""


async def h_restart_kernel(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Restart the kernel (outputs stay)."""
    room = _room(d, c, h)
    try:
        state = await kernel_of(d, room).restart()
    except KernelLaunchError as e:
        raise RequestError(ErrorCode.KERNEL_ERROR, str(e)) from None
    return {"kernel": state}, b""


async def h_shutdown_kernel(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Shut the kernel down now."""
    room = _room(d, c, h)
    await kernel_of(d, room).shutdown()
    return {}, b""


async def h_input_reply(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Answer the kernel's pending input() prompt."""
    room = _room(d, c, h)
    value = h.get("value")
    if not isinstance(value, str):
        raise RequestError(ErrorCode.BAD_REQUEST, "'value' must be a string")
    if not kernel_of(d, room).send_input(value):
        raise RequestError(ErrorCode.CONFLICT, "the kernel is not waiting for input")
    return {}, b""


async def _kernel_request(d: Daemon, c: ClientConn, h: Header, what: str) -> Reply:
    room = _room(d, c, h)
    code, pos = h.get("code"), h.get("cursor_pos")
    if not isinstance(code, str) or not isinstance(pos, int):
        raise RequestError(ErrorCode.BAD_REQUEST, "'code' (str) and 'cursor_pos' (int) are required")
    if not 0 <= pos <= len(code):  # a kernel never answers a cursor past the end
        raise RequestError(ErrorCode.BAD_REQUEST, f"'cursor_pos' must be from 0 to {len(code)}, the length of 'code'")
    kernel = kernel_of(d, room)
    if kernel.session is None or not kernel.alive:
        raise RequestError(ErrorCode.KERNEL_ERROR, "no kernel is running")
    try:
        fn = kernel.session.complete if what == "complete" else kernel.session.inspect
        reply = await fn(code, pos, timeout=float(h.get("wait") or 5.0))
    except TimeoutError:
        raise RequestError(ErrorCode.TIMEOUT, f"the kernel did not answer the {what} request") from None
    return {"reply": dict(reply)}, b""


async def h_complete(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Ask the kernel for completions."""
    return await _kernel_request(d, c, h, "complete")


async def h_inspect(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Ask the kernel to inspect the object at the cursor."""
    return await _kernel_request(d, c, h, "inspect")


async def h_clear_outputs(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Clear the outputs of some cells (the daemon is the only writer of outputs)."""
    room = _room(d, c, h)
    cells = h.get("cells")
    if not isinstance(cells, list) or not all(isinstance(x, str) for x in cells):
        raise RequestError(ErrorCode.BAD_REQUEST, "'cells' must be a list of cell ids")
    await kernel_of(d, room).clear_outputs(cells)
    return {}, b""


async def h_kernelspecs(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """The kernelspecs the daemon can start (read off disk in a thread)."""
    try:
        specs = await asyncio.to_thread(list_kernelspecs)
    except Exception as e:  # a broken kernel.json must not fail the room
        raise RequestError(ErrorCode.KERNEL_ERROR, f"cannot list kernelspecs: {e}") from None
    return {"kernelspecs": specs}, b""


KERNEL_HANDLERS: dict[str, Handler] = {
    "kernelspecs": h_kernelspecs,
    "start_kernel": h_start_kernel,
    "execute": h_execute,
    "interrupt": h_interrupt,
    "restart_kernel": h_restart_kernel,
    "shutdown_kernel": h_shutdown_kernel,
    "input_reply": h_input_reply,
    "complete": h_complete,
    "inspect": h_inspect,
    "clear_outputs": h_clear_outputs,
}
