"""The shapes of responses and events (the runtime state is in runtime.py, request fields in fields.py).

Each is a dataclass encoded and decoded by protocol/codec.py: the daemon
builds one and sends `to_json()` as the response's fields or the event's
header; a client decodes what it needs with `decode(Shape, header)` (or
`decode_event`) and reads attributes. Events carry their `type` (and the
`room` they are about) beside these fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from runt_tui.protocol.codec import OMIT_NONE, Payload, decode
from runt_tui.protocol.errors import InvalidPayload
from runt_tui.protocol.jsontypes import JSONDict, JSONMapping, JSONValue
from runt_tui.protocol.runtime import (
    EnvState,
    FileState,
    InputRequest,
    KernelState,
    RuntimeState,
    RuntimeUpdate,
    SaveState,
)

# A cursor or selection: a character offset, or a short list of them.
Position = int | list[int]


@dataclass(frozen=True)
class Presence(Payload):
    """Where a peer is: its focused cell, cursor, mode and selection (each may be missing)."""

    cell: str | None = field(default=None, metadata=OMIT_NONE)
    cursor: Position | None = field(default=None, metadata=OMIT_NONE)
    mode: str | None = field(default=None, metadata=OMIT_NONE)
    selection: Position | None = field(default=None, metadata=OMIT_NONE)
    # Whom this peer follows: a peer id, or "" for the running cell.
    follow: str | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True)
class PeerInfo(Payload):
    """The public view of a peer joined to a room, with its presence."""

    peer_id: str
    name: str
    colour: str
    kind: str = "tui"
    joined_at: float = 0.0
    cell: str | None = field(default=None, metadata=OMIT_NONE)
    cursor: Position | None = field(default=None, metadata=OMIT_NONE)
    mode: str | None = field(default=None, metadata=OMIT_NONE)
    selection: Position | None = field(default=None, metadata=OMIT_NONE)
    follow: str | None = field(default=None, metadata=OMIT_NONE)
    # When the peer last published its presence (moved, changed mode): its idle time.
    active_at: float | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True)
class JoinReply(Payload):
    """The answer to `join` (the document's save() bytes are its payload)."""

    room: str
    peer_id: str
    colour: str
    epoch: str
    path: str | None = None
    notebook_id: str | None = None
    runtime: RuntimeState = field(default_factory=RuntimeState)
    peers: list[PeerInfo] = field(default_factory=list)
    # How often the client must ping: a silent client is dropped after heartbeat_timeout.
    heartbeat_interval: float = 5.0


@dataclass(frozen=True)
class SaveResult(Payload):
    """What a save did: wrote the file, found it unchanged (`reason`), or failed (`error`)."""

    saved: bool
    reason: str | None = field(default=None, metadata=OMIT_NONE)
    error: str | None = field(default=None, metadata=OMIT_NONE)
    message: str | None = field(default=None, metadata=OMIT_NONE)
    path: str | None = field(default=None, metadata=OMIT_NONE)
    bytes: int | None = field(default=None, metadata=OMIT_NONE)
    explicit: bool | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True)
class HeadsReply(Payload):
    """The answer to `ack` and `prepare`: the daemon's heads, which the change is in."""

    heads: list[str]


@dataclass(frozen=True)
class KernelReply(Payload):
    """The answer to `start_kernel` and `restart_kernel`."""

    kernel: KernelState


@dataclass(frozen=True)
class QueueCleared(Payload):
    """The answer to `clear_queue`: how many queued executions were cancelled."""

    cancelled: int


@dataclass(frozen=True)
class KernelspecsReply(Payload):
    """The answer to `kernelspecs`: name -> {"display_name", "language"}."""

    kernelspecs: dict[str, dict[str, str]]


@dataclass(frozen=True)
class KernelAnswer(Payload):
    """The answer to `complete` and `inspect`: the kernel's reply content."""

    reply: JSONDict


@dataclass(frozen=True)
class BlobReply(Payload):
    """The answer to `blob` (the blob is the payload)."""

    digest: str
    size: int


@dataclass(frozen=True)
class RoomStatus(Payload):
    """One open room, as `runt-tui ps` lists it."""

    room: str
    path: str | None
    notebook_id: str | None
    cells: int
    peers: list[PeerInfo]
    save: SaveState
    file: FileState
    kernel: KernelState
    env: EnvState = field(default_factory=EnvState)


@dataclass(frozen=True)
class DaemonStatus(Payload):
    """The answer to `status`: the daemon and its rooms."""

    running: bool
    pid: int
    version: str
    socket: str
    home: str
    started_at: float
    clients: int
    settings: JSONDict
    rooms: list[RoomStatus]


# ---- events ------------------------------------------------------------------


class Event(Payload):
    """A message the daemon pushes; `TYPE` is its `type` field."""

    TYPE: ClassVar[str] = ""


@dataclass(frozen=True)
class RuntimeEvent(Event):
    """The runtime state changed (see runtime.py)."""

    TYPE: ClassVar[str] = "runtime"
    state: RuntimeUpdate


@dataclass(frozen=True)
class PresenceEvent(Event):
    """Who is in the room, and where."""

    TYPE: ClassVar[str] = "presence"
    peers: list[PeerInfo]


@dataclass(frozen=True)
class NoticeEvent(Event):
    """Something every peer should be told (a kernel death, a merge from disk)."""

    TYPE: ClassVar[str] = "notice"
    level: str
    message: str


@dataclass(frozen=True)
class InputRequestEvent(Event, InputRequest):
    """The kernel waits for input(): sent to the peer that ran the cell."""

    TYPE: ClassVar[str] = "input_request"


@dataclass(frozen=True)
class InputPromptEvent(Event, InputRequest):
    """The kernel waits for another peer's input(): for everyone else, to show it."""

    TYPE: ClassVar[str] = "input_prompt"


@dataclass(frozen=True)
class EpochEvent(Event):
    """The room's document was compacted into a new epoch (the new document is the payload)."""

    TYPE: ClassVar[str] = "epoch"
    epoch: str


@dataclass(frozen=True)
class DaemonStopping(Event):
    """The daemon was asked to stop: clients should not start another one."""

    TYPE: ClassVar[str] = "daemon_stopping"
    reason: str


@dataclass(frozen=True)
class ErrorEvent(Event):
    """A frame the daemon refused that has no request to answer (a sync for an unknown room)."""

    TYPE: ClassVar[str] = "error"
    code: str
    message: str


@dataclass(frozen=True)
class WidgetEvent(Event):
    """A widget model changed (`op`: open, update, close, custom, reset); its state and buffers are the payload.

    The payload starts with `states_length` bytes of the state's JSON, then the
    buffers `buffers` lists (see protocol/widget_buffers.py). `origin` and `seq`
    name a client's own change (its echo rule, client/widgets.py).
    """

    TYPE: ClassVar[str] = "widget"
    op: str
    states_length: int = 0
    model_id: str | None = field(default=None, metadata=OMIT_NONE)
    buffers: list[JSONDict] = field(default_factory=list)
    origin: str | None = field(default=None, metadata=OMIT_NONE)
    seq: int | None = field(default=None, metadata=OMIT_NONE)
    reason: str | None = field(default=None, metadata=OMIT_NONE)
    content: JSONValue = None


EVENTS: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        RuntimeEvent, PresenceEvent, NoticeEvent, InputRequestEvent, InputPromptEvent, EpochEvent, DaemonStopping,
        ErrorEvent, WidgetEvent,
    )
}


def event_header(event: Event, room: str | None = None) -> JSONDict:
    """The header of an EVENT frame: its type, the room it is about, its fields."""
    header: JSONDict = {"type": event.TYPE}
    if room is not None:
        header["room"] = room
    header.update(event.to_json())
    return header


def decode_event(header: JSONMapping) -> Event | None:
    """An event header as its shape; None for a type this side does not know. InvalidPayload if malformed."""
    etype = header.get("type")
    if not isinstance(etype, str):
        raise InvalidPayload("event needs a string 'type'")
    cls = EVENTS.get(etype)
    return decode(cls, header, f"{etype} event") if cls is not None else None


__all__ = [
    "EVENTS",
    "BlobReply",
    "DaemonStatus",
    "DaemonStopping",
    "EpochEvent",
    "ErrorEvent",
    "Event",
    "HeadsReply",
    "InputPromptEvent",
    "InputRequestEvent",
    "JoinReply",
    "KernelAnswer",
    "KernelReply",
    "KernelspecsReply",
    "NoticeEvent",
    "PeerInfo",
    "Presence",
    "RoomStatus",
    "RuntimeEvent",
    "SaveResult",
    "WidgetEvent",
    "decode_event",
    "event_header",
]
