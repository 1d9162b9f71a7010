"""Request handlers for ipywidgets: the models' state, a client's change, a custom message, comm info."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runt_tui.daemon.handlers import Handler, Header, Reply, RequestError, _room
from runt_tui.daemon.kernel_handlers import kernel_of
from runt_tui.daemon.widgets import RoomWidgets
from runt_tui.protocol import ErrorCode
from runt_tui.protocol.codec import decode
from runt_tui.protocol.requests import CommInfo, WidgetCustom, WidgetRequestState, WidgetUpdate
from runt_tui.protocol.widget_buffers import state_with_buffers

if TYPE_CHECKING:
    from runt_tui.daemon.client_conn import ClientConn
    from runt_tui.daemon.server import Daemon


def _widgets(d: Daemon, c: ClientConn, h: Header) -> RoomWidgets:
    widgets: RoomWidgets = kernel_of(d, _room(d, c, h)).widgets
    return widgets


def _model_error(e: KeyError) -> RequestError:
    return RequestError(ErrorCode.NOT_FOUND, str(e.args[0]) if e.args else "no such widget model")


async def h_widgets(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Every live model's state (buffers in the payload): what a client joining late starts from."""
    fields, payload = _widgets(d, c, h).snapshot()
    return fields, payload


async def h_widget_update(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """A client changed some of a model's state: every client and the kernel get it."""
    room = _room(d, c, h)
    r = decode(WidgetUpdate, h, "widget_update")
    try:
        state = state_with_buffers(dict(r.state), r.buffers, p)
    except ValueError as e:
        raise RequestError(ErrorCode.BAD_REQUEST, str(e)) from None
    origin = c.rooms[room.key].peer_id
    try:
        kernel_of(d, room).widgets.update(r.model_id, state, origin, r.seq or 0)
    except KeyError as e:
        raise _model_error(e) from None
    return {}, b""


async def h_widget_custom(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """A custom message to the kernel-side widget (a Button's click is {"event": "click"})."""
    try:
        r = decode(WidgetCustom, h, "widget_custom")
        _widgets(d, c, h).custom(r.model_id, dict(r.content))
    except KeyError as e:
        raise _model_error(e) from None
    return {}, b""


async def h_widget_request_state(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """Ask the kernel to send a model's whole state again."""
    try:
        _widgets(d, c, h).request_state(decode(WidgetRequestState, h, "widget_request_state").model_id)
    except KeyError as e:
        raise _model_error(e) from None
    return {}, b""


async def h_comm_info(d: Daemon, c: ClientConn, h: Header, p: bytes) -> Reply:
    """The kernel's open comms (of one target), from a comm_info_request."""
    kernel = kernel_of(d, _room(d, c, h))
    if kernel.session is None or not kernel.alive:
        raise RequestError(ErrorCode.KERNEL_ERROR, "no kernel is running")
    target = decode(CommInfo, h, "comm_info").target_name
    try:
        reply = await kernel.session.comm_info(target, timeout=10.0)
    except TimeoutError:
        raise RequestError(ErrorCode.TIMEOUT, "the kernel did not answer the comm_info request") from None
    return {"reply": dict(reply)}, b""


WIDGET_HANDLERS: dict[str, Handler] = {
    "widgets": h_widgets,
    "widget_update": h_widget_update,
    "widget_custom": h_widget_custom,
    "widget_request_state": h_widget_request_state,
    "comm_info": h_comm_info,
}
