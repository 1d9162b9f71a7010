"""Messages on top of frames: builders for each kind, and checks of their headers."""

from __future__ import annotations

from typing import Any

from runt_tui.protocol.errors import ErrorCode, InvalidMessage, RemoteError
from runt_tui.protocol.frames import Frame, FrameKind

# ERROR frames are capped at 64 KiB of header; messages often quote what a
# peer sent, so they are cut well below that.
MAX_ERROR_MESSAGE = 4096
_REQUEST_KEYS = frozenset({"id", "type"})
_RESPONSE_KEYS = frozenset({"id", "ok", "error"})
_EVENT_KEYS = frozenset({"type"})
_SYNC_KEYS = frozenset({"room"})
_ERROR_KEYS = frozenset({"code", "message"})


def _is_int(value: object) -> bool:
    # bool is an int subclass in Python; true/false is never an id.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_id(request_id: int) -> None:
    # Any integer: a responder echoes whatever id the requester chose, so that
    # an odd id (negative, huge) cannot make building the answer fail.
    if not _is_int(request_id):
        raise ValueError(f"request id must be an int, not {request_id!r}")


def _check_fields(fields: dict[str, Any], reserved: frozenset[str], what: str) -> None:
    clash = reserved & fields.keys()
    if clash:
        raise ValueError(f"{what} fields may not set reserved keys {sorted(clash)}")


def _truncate(message: str) -> str:
    if len(message) <= MAX_ERROR_MESSAGE:
        return message
    return message[: MAX_ERROR_MESSAGE - 1] + "…"


def make_request(request_id: int, msg_type: str, payload: bytes = b"", **fields: Any) -> Frame:
    """A REQUEST frame: header `{"id", "type", **fields}`."""
    _check_id(request_id)
    _check_fields(fields, _REQUEST_KEYS, "request")
    return Frame(FrameKind.REQUEST, {"id": request_id, "type": msg_type, **fields}, payload)


def make_response(request_id: int, payload: bytes = b"", **fields: Any) -> Frame:
    """A successful RESPONSE frame: header `{"id", "ok": true, **fields}`."""
    _check_id(request_id)
    _check_fields(fields, _RESPONSE_KEYS, "response")
    return Frame(FrameKind.RESPONSE, {"id": request_id, "ok": True, **fields}, payload)


def make_error_response(
    request_id: int, code: ErrorCode | str, message: str, **details: Any
) -> Frame:
    """A failed RESPONSE frame: `{"id", "ok": false, "error": {"code", "message", **details}}`."""
    _check_id(request_id)
    _check_fields(details, _ERROR_KEYS, "error")
    error = {"code": str(code), "message": message, **details}
    return Frame(FrameKind.RESPONSE, {"id": request_id, "ok": False, "error": error})


def make_event(msg_type: str, payload: bytes = b"", **fields: Any) -> Frame:
    """An EVENT frame: header `{"type", **fields}`."""
    _check_fields(fields, _EVENT_KEYS, "event")
    return Frame(FrameKind.EVENT, {"type": msg_type, **fields}, payload)


def make_sync(room: str, message: bytes, **fields: Any) -> Frame:
    """A SYNC frame: an Automerge sync message for `room` in the payload."""
    _check_fields(fields, _SYNC_KEYS, "sync")
    return Frame(FrameKind.SYNC, {"room": room, **fields}, message)


def make_error_frame(code: ErrorCode | str, message: str, **fields: Any) -> Frame:
    """An ERROR frame: a connection-level error `{"code", "message", **fields}`, no payload."""
    _check_fields(fields, _ERROR_KEYS, "error frame")
    return Frame(FrameKind.ERROR, {"code": str(code), "message": _truncate(message), **fields})


def _request_id_of(header: dict[str, Any]) -> int | None:
    value = header.get("id")
    return value if _is_int(value) else None


def _need_str(header: dict[str, Any], key: str, kind: FrameKind, rid: int | None = None) -> None:
    value = header.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidMessage(f"{kind.name} header needs a non-empty string {key!r}", request_id=rid)


def validate_message(frame: Frame) -> None:
    """Check that a frame's header has the shape its kind requires, else raise InvalidMessage.

    Frame-level checks (`read_frame`) only guarantee a JSON object; this is the
    message-level layer, whose failures leave the connection usable: answer an
    InvalidMessage with `make_error_response(e.request_id, ...)` when it has an id,
    with an ERROR frame otherwise.
    """
    header = frame.header
    kind = frame.kind
    rid = _request_id_of(header)
    if kind in (FrameKind.REQUEST, FrameKind.RESPONSE) and rid is None:
        raise InvalidMessage(f"{kind.name} header needs an integer 'id'")
    if kind == FrameKind.REQUEST:
        _need_str(header, "type", kind, rid)
    elif kind == FrameKind.RESPONSE:
        ok = header.get("ok")
        if not isinstance(ok, bool):
            raise InvalidMessage("RESPONSE header needs a boolean 'ok'", request_id=rid)
        if not ok:
            error = header.get("error")
            if not isinstance(error, dict):
                raise InvalidMessage("failed RESPONSE needs an 'error' object", request_id=rid)
            _need_str(error, "code", kind, rid)
            if not isinstance(error.get("message"), str):
                raise InvalidMessage(
                    "failed RESPONSE error needs a string 'message'", request_id=rid
                )
    elif kind == FrameKind.EVENT:
        _need_str(header, "type", kind)
    elif kind == FrameKind.SYNC:
        _need_str(header, "room", kind)
    elif kind == FrameKind.ERROR:
        _need_str(header, "code", kind)
        if not isinstance(header.get("message"), str):
            raise InvalidMessage("ERROR header needs a string 'message'")


def remote_error(frame: Frame) -> RemoteError | None:
    """The error a frame reports (failed RESPONSE or ERROR frame), or None."""
    header = frame.header
    if frame.kind == FrameKind.ERROR:
        details = {k: v for k, v in header.items() if k not in _ERROR_KEYS}
        return RemoteError(
            str(header.get("code", ErrorCode.INTERNAL)),
            str(header.get("message", "")),
            details=details,
        )
    if frame.kind == FrameKind.RESPONSE and header.get("ok") is False:
        error = header.get("error")
        error = error if isinstance(error, dict) else {}
        return RemoteError(
            str(error.get("code", ErrorCode.INTERNAL)),
            str(error.get("message", "request failed")),
            request_id=_request_id_of(header),
            details={k: v for k, v in error.items() if k not in _ERROR_KEYS},
        )
    return None
