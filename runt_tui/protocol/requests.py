"""The requests: one frozen dataclass per type, each field with the check it must pass.

A client builds one and sends it (`AsyncSession.ask`); the daemon checks a
request's header field by field (`fields.check_request`, from the checks
below) before its handler decodes it (`decode(Execute, header)`). A field not
given is left out of the header. Adding a field: a field with a default and
`metadata=checked(...)`; adding a type: a class here and in `REQUESTS`, and a
handler in the daemon.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from runt_tui.protocol.checks import (
    CELL,
    CELLS,
    DIGEST,
    EPOCH,
    HEADS,
    KERNEL_NAME,
    PRESENCE,
    TIMEOUT,
    Field,
    any_text,
    flag,
    integer,
    list_of,
    record,
    text,
)
from runt_tui.protocol.codec import Payload
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.payloads import Presence

SPEC = "check"


def checked(spec: Field) -> Mapping[str, object]:
    """Field metadata: the check of this request field (omitted from the header while None)."""
    return {SPEC: spec, "omit_none": True}


class Request(Payload):
    """A request shape; `TYPE` is its `type`, `ROOM` whether it acts on a joined room."""

    TYPE: ClassVar[str] = ""
    ROOM: ClassVar[bool] = True


@dataclass(frozen=True)
class Ping(Request):
    """Heartbeat."""

    TYPE: ClassVar[str] = "ping"
    ROOM: ClassVar[bool] = False


@dataclass(frozen=True)
class Hello(Request):
    """Describe the daemon."""

    TYPE: ClassVar[str] = "hello"
    ROOM: ClassVar[bool] = False


@dataclass(frozen=True)
class Status(Request):
    """The daemon's status and rooms."""

    TYPE: ClassVar[str] = "status"
    ROOM: ClassVar[bool] = False


@dataclass(frozen=True)
class Stop(Request):
    """Save everything and exit."""

    TYPE: ClassVar[str] = "stop"
    ROOM: ClassVar[bool] = False


@dataclass(frozen=True)
class Join(Request):
    """Join the room of a path or a notebook_id (exactly one)."""

    TYPE: ClassVar[str] = "join"
    ROOM: ClassVar[bool] = False
    path: str | None = field(default=None, metadata=checked(text(4096, nullable=True, expected="a file path")))
    notebook_id: str | None = field(default=None, metadata=checked(text(1024, nullable=True)))
    name: str | None = field(default=None, metadata=checked(text(256, nullable=True)))
    colour: str | None = field(default=None, metadata=checked(text(32, nullable=True)))
    kind: str | None = field(default=None, metadata=checked(text(32, nullable=True)))


@dataclass(frozen=True)
class Leave(Request):
    """Leave the room."""

    TYPE: ClassVar[str] = "leave"


@dataclass(frozen=True)
class Ack(Request):
    """Answer once the daemon holds these heads on disk."""

    TYPE: ClassVar[str] = "ack"
    heads: list[str] = field(metadata=checked(Field(HEADS.check, HEADS.expected, required=True)))
    wait: float | None = field(default=None, metadata=checked(TIMEOUT))
    epoch: str | None = field(default=None, metadata=checked(EPOCH))


@dataclass(frozen=True)
class Save(Request):
    """Save the notebook file now."""

    TYPE: ClassVar[str] = "save"
    force: bool | None = field(default=None, metadata=checked(flag()))


@dataclass(frozen=True)
class Prepare(Request):
    """Make cells' sources editable Text."""

    TYPE: ClassVar[str] = "prepare"
    cells: list[str] = field(metadata=checked(CELLS))


@dataclass(frozen=True)
class SetPresence(Request):
    """Publish this peer's presence (and name)."""

    TYPE: ClassVar[str] = "presence"
    presence: Presence = field(metadata=checked(PRESENCE))
    name: str | None = field(default=None, metadata=checked(text(256, nullable=True)))


@dataclass(frozen=True)
class Blob(Request):
    """A blob by its digest."""

    TYPE: ClassVar[str] = "blob"
    ROOM: ClassVar[bool] = False
    digest: str = field(
        metadata=checked(text(64, DIGEST, required=True, expected="a SHA-256 digest (64 hex digits)"))
    )


@dataclass(frozen=True)
class Kernelspecs(Request):
    """The kernels the daemon can start."""

    TYPE: ClassVar[str] = "kernelspecs"
    ROOM: ClassVar[bool] = False


@dataclass(frozen=True)
class StartKernel(Request):
    """Start the room's kernel (or join the running one)."""

    TYPE: ClassVar[str] = "start_kernel"
    kernel_name: str | None = field(
        default=None, metadata=checked(text(128, KERNEL_NAME, nullable=True, expected="a kernelspec name"))
    )


@dataclass(frozen=True)
class Execute(Request):
    """Run a cell as of the requester's heads; with `wait`, answer when it finished (within `limit` s)."""

    TYPE: ClassVar[str] = "execute"
    cell: str = field(metadata=checked(Field(CELL.check, CELL.expected, required=True)))
    heads: list[str] | None = field(default=None, metadata=checked(Field(HEADS.check, HEADS.expected, nullable=True)))
    wait: bool | None = field(default=None, metadata=checked(flag()))
    limit: float | None = field(default=None, metadata=checked(TIMEOUT))


@dataclass(frozen=True)
class Interrupt(Request):
    """Interrupt the running cell and cancel the queue."""

    TYPE: ClassVar[str] = "interrupt"


@dataclass(frozen=True)
class ClearQueue(Request):
    """Cancel every queued cell; the running one goes on (answered with `QueueCleared`)."""

    TYPE: ClassVar[str] = "clear_queue"


@dataclass(frozen=True)
class RestartKernel(Request):
    """Restart the kernel."""

    TYPE: ClassVar[str] = "restart_kernel"


@dataclass(frozen=True)
class ShutdownKernel(Request):
    """Shut the kernel down."""

    TYPE: ClassVar[str] = "shutdown_kernel"


@dataclass(frozen=True)
class InputReply(Request):
    """Answer the kernel's input() prompt."""

    TYPE: ClassVar[str] = "input_reply"
    value: str = field(metadata=checked(any_text(required=True)))


@dataclass(frozen=True)
class Complete(Request):
    """Completions at a cursor."""

    TYPE: ClassVar[str] = "complete"
    code: str = field(metadata=checked(any_text(required=True)))
    cursor_pos: int = field(metadata=checked(integer(0, 2**31, required=True)))
    wait: float | None = field(default=None, metadata=checked(TIMEOUT))


@dataclass(frozen=True)
class Inspect(Complete):
    """Help for the object at a cursor."""

    TYPE: ClassVar[str] = "inspect"


@dataclass(frozen=True)
class ClearOutputs(Request):
    """Clear cells' outputs."""

    TYPE: ClassVar[str] = "clear_outputs"
    cells: list[str] = field(metadata=checked(CELLS))


# ---- ipywidgets (the room's widget models; see daemon/widgets.py) -------------------

MODEL_ID = text(128, re.compile(r"[A-Za-z0-9_.:-]{1,128}"), required=True, expected="a widget model id")
OBJECT = Field(lambda v: isinstance(v, dict), "an object", required=True)
BUFFERS = list_of(
    record({"path": Field(lambda v: isinstance(v, list) and len(v) <= 64, "a list"), "length": integer(0, 2**40)},
           "a buffer entry (path, length)"),
    4096, "a list of buffer entries",
)


@dataclass(frozen=True)
class Widgets(Request):
    """Every live widget model's state (states and buffers in the payload)."""

    TYPE: ClassVar[str] = "widgets"


@dataclass(frozen=True)
class WidgetUpdate(Request):
    """A client changed some of a model's state (binary values in the payload, listed by `buffers`)."""

    TYPE: ClassVar[str] = "widget_update"
    model_id: str = field(metadata=checked(MODEL_ID))
    state: JSONDict = field(metadata=checked(OBJECT))
    buffers: list[JSONDict] | None = field(default=None, metadata=checked(BUFFERS))
    seq: int | None = field(default=None, metadata=checked(integer(0, 2**53)))


@dataclass(frozen=True)
class WidgetCustom(Request):
    """A custom message to the kernel-side widget (a Button's click is {"event": "click"})."""

    TYPE: ClassVar[str] = "widget_custom"
    model_id: str = field(metadata=checked(MODEL_ID))
    content: JSONDict = field(metadata=checked(OBJECT))


@dataclass(frozen=True)
class WidgetRequestState(Request):
    """Ask the kernel to send a model's whole state again."""

    TYPE: ClassVar[str] = "widget_request_state"
    model_id: str = field(metadata=checked(MODEL_ID))


@dataclass(frozen=True)
class CommInfo(Request):
    """The kernel's open comms (of one target): a comm_info_request."""

    TYPE: ClassVar[str] = "comm_info"
    target_name: str | None = field(default=None, metadata=checked(text(256, nullable=True)))


@dataclass(frozen=True)
class EnvTrust(Request):
    """Whether this machine trusts the notebook's dependencies, and what an approver must see."""

    TYPE: ClassVar[str] = "env_trust"


@dataclass(frozen=True)
class EnvApprove(Request):
    """Sign the dependencies an approver was shown (named by their digest)."""

    TYPE: ClassVar[str] = "env_approve"
    digest: str = field(metadata=checked(text(64, DIGEST, required=True, expected="the digest trust status gave")))


@dataclass(frozen=True)
class EnvCancel(Request):
    """Cancel the environment build (or the wait for approval)."""

    TYPE: ClassVar[str] = "env_cancel"


@dataclass(frozen=True)
class EnvFallback(Request):
    """Run the notebook on its kernelspec when its conda environment cannot be built here."""

    TYPE: ClassVar[str] = "env_fallback"


@dataclass(frozen=True)
class EnvDeps(Request):
    """Add (PEP 508) and remove (names) dependencies of the notebook."""

    TYPE: ClassVar[str] = "env_deps"
    add: list[str] | None = field(default=None, metadata=checked(list_of(text(1024), 1000, "a list of dependency strings")))
    remove: list[str] | None = field(default=None, metadata=checked(list_of(text(256), 1000, "a list of package names")))


REQUESTS: dict[str, type[Request]] = {
    cls.TYPE: cls
    for cls in (
        Ping, Hello, Status, Stop, Join, Leave, Ack, Save, Prepare, SetPresence, Blob, Kernelspecs, StartKernel,
        Execute, Interrupt, ClearQueue, RestartKernel, ShutdownKernel, InputReply, Complete, Inspect, ClearOutputs,
        Widgets, WidgetUpdate, WidgetCustom, WidgetRequestState, CommInfo,
        EnvTrust, EnvApprove, EnvCancel, EnvFallback, EnvDeps,
    )
}

__all__ = [
    "REQUESTS",
    "Ack",
    "Blob",
    "ClearOutputs",
    "ClearQueue",
    "CommInfo",
    "Complete",
    "EnvApprove",
    "EnvCancel",
    "EnvDeps",
    "EnvFallback",
    "EnvTrust",
    "Execute",
    "Hello",
    "InputReply",
    "Inspect",
    "Interrupt",
    "Join",
    "Kernelspecs",
    "Leave",
    "Ping",
    "Prepare",
    "Request",
    "RestartKernel",
    "Save",
    "SetPresence",
    "ShutdownKernel",
    "StartKernel",
    "Status",
    "Stop",
    "WidgetCustom",
    "WidgetRequestState",
    "WidgetUpdate",
    "Widgets",
    "checked",
]
