"""Answering one request: the type's handler, after the edge checks, with every failure an error response.

The checks, in order: an integer id, a known type, a joined room (for room
requests), then each field by the table in protocol/fields.py. A handler's
RequestError is the client's error; anything else it raises is INTERNAL (with
a traceback in the log: a bug), except a panic of the document layer, which
fails this request only. The handlers of rooms, kernels, widgets and
environments are imported on the first request that needs one, so that a
fresh daemon answers hello and status without loading those layers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from runt_tui.daemon.basic_handlers import BASIC_HANDLERS  # loads payloads (status), not the layers
from runt_tui.daemon.handler_types import Handler, RequestError
from runt_tui.protocol import (
    ErrorCode,
    Frame,
    InvalidMessage,
    InvalidPayload,
    make_error_response,
    make_response,
    validate_message,
)

if TYPE_CHECKING:
    from runt_tui.daemon.client_conn import ClientConn
    from runt_tui.daemon.server import Daemon

log = logging.getLogger("runt_tui.daemon")


async def answer_request(daemon: Daemon, client: ClientConn, frame: Frame) -> None:
    """Run a request's handler and send its one response."""
    rtype = frame.header.get("type")
    try:
        validate_message(frame)
    except InvalidMessage as e:
        if e.request_id is None:
            daemon._safe_send(client, make_error_response(0, ErrorCode.BAD_REQUEST, "request without an integer id"))
        else:
            refuse(daemon, client, e.request_id, rtype, ErrorCode.UNKNOWN_TYPE, f"unknown request type {rtype!r}")
        return
    rid = frame.id
    if rid is None:  # validate_message refused it above
        return
    handler = find_handler(rtype) if isinstance(rtype, str) else None
    if handler is None or not isinstance(rtype, str):
        refuse(daemon, client, rid, rtype, ErrorCode.UNKNOWN_TYPE, f"unknown request type {rtype!r}")
        return
    if rtype not in BASIC_HANDLERS:  # the basic requests have no fields and no room (test_daemon_start)
        refusal = _refusal(daemon, client, rtype, frame)
        if refusal is not None:
            refuse(daemon, client, rid, rtype, *refusal)
            return
    try:
        fields, payload = await handler(daemon, client, frame.header, frame.payload)
    except RequestError as e:
        refuse(daemon, client, rid, rtype, e.code, e.message)
        return
    except InvalidPayload as e:  # a field decoded into its shape did not fit it
        refuse(daemon, client, rid, rtype, ErrorCode.BAD_REQUEST, str(e))
        return
    except asyncio.CancelledError:
        raise
    except Exception as e:
        log.exception("request %s failed", rtype)
        daemon._safe_send(client, make_error_response(rid, ErrorCode.INTERNAL, f"{type(e).__name__}: {e}"))
        return
    except BaseException as e:
        # A Rust panic in the document layer (pyo3's PanicException is a BaseException):
        # this request fails, the room and the daemon go on.
        from runt_tui.doc.schema import is_panic

        if not is_panic(e):
            raise
        log.error("request %s: the document layer panicked: %s", rtype, e)
        daemon._safe_send(client, make_error_response(rid, ErrorCode.BAD_REQUEST, f"the request could not be applied ({e})"))
        return
    daemon._safe_send(client, make_response(rid, payload, **fields))


def find_handler(rtype: str) -> Handler | None:
    """The handler of a request type; all but the basic ones load their layers on first use."""
    basic = BASIC_HANDLERS.get(rtype)
    if basic is not None:
        return basic
    from runt_tui.daemon.env_handlers import ENV_HANDLERS
    from runt_tui.daemon.handlers import HANDLERS
    from runt_tui.daemon.kernel_handlers import KERNEL_HANDLERS
    from runt_tui.daemon.widget_handlers import WIDGET_HANDLERS

    return HANDLERS.get(rtype) or KERNEL_HANDLERS.get(rtype) or WIDGET_HANDLERS.get(rtype) or ENV_HANDLERS.get(rtype)


def _refusal(daemon: Daemon, client: ClientConn, rtype: str, frame: Frame) -> tuple[ErrorCode, str] | None:
    """Why a request is refused before its handler runs: no room joined, a viewer, a bad field."""
    from runt_tui.daemon.viewers import viewer_refusal
    from runt_tui.protocol.fields import ROOM_REQUESTS, check_request

    room = frame.header.get("room")
    if rtype in ROOM_REQUESTS:
        if not isinstance(room, str) or room not in client.rooms or room not in daemon.rooms:
            return ErrorCode.NOT_JOINED, f"not joined to room {room!r}"
        viewer = viewer_refusal(client.rooms[room].kind, rtype)
        if viewer is not None:
            return ErrorCode.READ_ONLY, viewer
    problem = check_request(rtype, frame.header)
    return None if problem is None else (ErrorCode.BAD_REQUEST, problem)


def refuse(daemon: Daemon, client: ClientConn, rid: int, rtype: object, code: ErrorCode, message: str) -> None:
    """Answer a request with an error, and say so in the log."""
    what = rtype if isinstance(rtype, str) else repr(rtype)[:40]
    log.info("%s: refused %s: %s [%s]", client.label(), what, message, code.value)
    daemon._safe_send(client, make_error_response(rid, code, message))
