"""The runtime state of a room (kernel, queue, executions, save, file, persist): its one definition.

The daemon builds a `RuntimeState` and sends it whole in the join reply
(`RuntimeState.to_json`); each `runtime` event carries a `RuntimeUpdate`: the
small parts whole, and for the parts that can grow large (`queue`,
`executions`) only what changed since the previous event, as
`<name>_changed` maps (a None value removes the entry). A client decodes
both (`decode_runtime`, `RuntimeState.apply`) and reads typed attributes.

Adding a part (see docs/ARCHITECTURE.md): a field with a default on
`RuntimeState` and on `RuntimeUpdate` (for a large map, `<name>_changed` on
the update, merged by `apply` like `executions`), filled in by the daemon's
builder (daemon/runtime_state.py). A part the receiving side does not know
is kept as raw JSON in `extra` and merged the same way.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from runt_tui.protocol.codec import OMIT_NONE, Payload, decode
from runt_tui.protocol.jsontypes import JSONDict, JSONValue

_CHANGED = "_changed"
V = TypeVar("V")


@dataclass(frozen=True)
class Requester(Payload):
    """Who asked for an execution."""

    peer_id: str
    name: str
    colour: str | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True)
class ExecError(Payload):
    """Why an execution failed or was cancelled (the traceback is left out of runtime snapshots)."""

    ename: str
    evalue: str
    traceback: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QueueEntry(Payload):
    """A queued or running execution, as the queue lists it (kept small)."""

    exec_id: str
    seq: int
    cell: str
    status: str
    requester: Requester


@dataclass(frozen=True)
class ExecutionSummary(Payload):
    """The public view of one execution: the `execute` reply, and each cell's last run."""

    exec_id: str
    cell: str
    status: str
    requester: Requester
    queued_at: float
    started_at: float | None = None
    finished_at: float | None = None
    execution_count: int | None = None
    exception: ExecError | None = None


@dataclass(frozen=True)
class FinishedExecution(ExecutionSummary):
    """An execution's answer once it finished: its summary and the document's heads then."""

    heads: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InputRequest(Payload):
    """A pending input() prompt of the kernel."""

    cell: str
    prompt: str
    password: bool
    exec_id: str
    requester: Requester


@dataclass(frozen=True)
class KernelState(Payload):
    """The room's kernel: "none" until a client asks for one."""

    status: str = "none"
    name: str | None = None
    exception: str | None = None
    pid: int | None = None
    input: InputRequest | None = None


@dataclass(frozen=True)
class HistoryEntry(Payload):
    """A finished execution in the kernel pane's history."""

    exec_id: str
    cell: str
    status: str
    requester: Requester
    execution_count: int | None = None
    duration: float | None = None
    finished_at: float | None = None


@dataclass(frozen=True)
class CancelledEntry(Payload):
    """A queued execution dropped before it ran, and who caused it (an interrupt, a restart, ...)."""

    exec_id: str
    cell: str
    requester: Requester
    by: Requester
    reason: str
    at: float


@dataclass(frozen=True)
class KernelInfo(Payload):
    """Facts about the kernel process for the kernel pane (memory in bytes, CPU in % of one core)."""

    display_name: str | None = None
    language: str | None = None
    env: str | None = None
    transport: str | None = None
    started_at: float | None = None
    rss: int | None = None
    cpu: float | None = None


@dataclass(frozen=True)
class SaveState(Payload):
    """The autosave of the .ipynb: saved, unsaved, saving, paused, read-only or error."""

    state: str = "saved"
    message: str | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True)
class FileState(Payload):
    """The notebook file: ok, new, deleted, invalid or conflict (and when disk changes were merged)."""

    state: str = "ok"
    message: str | None = field(default=None, metadata=OMIT_NONE)
    merged_at: float | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True)
class PersistState(Payload):
    """The room's change log in the state dir: ok, or error while writes fail."""

    state: str = "ok"
    message: str | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True)
class KernelEnv(Payload):
    """The environment a kernel runs in (env/store.EnvInfo): kind, path, Python, what it holds."""

    key: str
    kind: str
    path: str
    python: str
    python_version: str
    dependencies: list[str] = field(default_factory=list)
    created: float = 0.0


@dataclass(frozen=True)
class EnvProgress(Payload):
    """Where an environment build is: uv's step, the package it is on, counts, its last words."""

    step: str = "starting"
    package: str | None = None
    total: int | None = None
    done: int = 0
    output: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EnvState(Payload):
    """The notebook's environment: unknown, kernelspec, awaiting_approval, approved, building,
    installing, ready, failed, cancelled or untrusted (daemon/env_room.py)."""

    status: str = "unknown"
    env: KernelEnv | None = None
    progress: EnvProgress | None = None
    error: str | None = None
    approved_by: str | None = None


@dataclass(frozen=True)
class RuntimeState(Payload):
    """The whole runtime state of a room, as the join reply gives it."""

    version: int = 0
    save: SaveState = SaveState()
    file: FileState = FileState()
    path: str | None = None
    persist: PersistState = PersistState()
    kernel: KernelState = KernelState()
    queue: list[QueueEntry] = field(default_factory=list)
    executions: dict[str, ExecutionSummary] = field(default_factory=dict)
    # The kernel pane's parts (daemon/queue_log.py): history and cancellations by exec_id,
    # the kernel's own log lines by line number.
    kernel_info: KernelInfo = KernelInfo()
    history: dict[str, HistoryEntry] = field(default_factory=dict)
    cancelled: dict[str, CancelledEntry] = field(default_factory=dict)
    kernel_log: dict[str, str] = field(default_factory=dict)
    env: EnvState = EnvState()
    # Parts this side does not know (a newer peer's), as JSON.
    extra: JSONDict = field(default_factory=dict)

    def apply(self, update: RuntimeUpdate) -> RuntimeState:
        """The state after a runtime event (self is not modified: listeners may still hold it)."""
        changes: dict[str, object] = {}
        for f in dataclasses.fields(update):
            name, value = f.name, getattr(update, f.name)
            if name == "extra":
                changes["extra"] = merge_json_parts(self.extra, value)
            elif not name.endswith(_CHANGED):
                changes[name] = value
            elif value is not None:
                part = name[: -len(_CHANGED)]
                changes[part] = merge_part(part, getattr(self, part), value)
        # Each part's value has its field's type (decoded by RuntimeUpdate's own annotations).
        return dataclasses.replace(self, **typing.cast(dict[str, typing.Any], changes))


@dataclass(frozen=True)
class RuntimeUpdate(Payload):
    """What a `runtime` event carries: small parts whole, large ones as changes (None: unchanged)."""

    version: int = 0
    save: SaveState = SaveState()
    file: FileState = FileState()
    path: str | None = None
    persist: PersistState = PersistState()
    kernel: KernelState = KernelState()
    queue_changed: dict[str, QueueEntry | None] | None = field(default=None, metadata=OMIT_NONE)
    executions_changed: dict[str, ExecutionSummary | None] | None = field(default=None, metadata=OMIT_NONE)
    kernel_info: KernelInfo = KernelInfo()
    history_changed: dict[str, HistoryEntry | None] | None = field(default=None, metadata=OMIT_NONE)
    cancelled_changed: dict[str, CancelledEntry | None] | None = field(default=None, metadata=OMIT_NONE)
    kernel_log_changed: dict[str, str | None] | None = field(default=None, metadata=OMIT_NONE)
    env: EnvState = EnvState()
    extra: JSONDict = field(default_factory=dict)


def decode_runtime(value: JSONValue, where: str = "runtime") -> RuntimeState:
    """A join reply's runtime state; InvalidPayload names the first bad field."""
    return decode(RuntimeState, value, where)


def decode_update(value: JSONValue, where: str = "runtime") -> RuntimeUpdate:
    """A runtime event's state; InvalidPayload names the first bad field."""
    return decode(RuntimeUpdate, value, where)


def merge_part(part: str, base: object, changes: Mapping[str, object]) -> object:
    """A large part after its `<part>_changed` map: entries replaced, None ones removed.

    The queue stays a list in queue order: its changes are keyed by `exec_id`
    and its entries ordered by `seq`.
    """
    if part == "queue" and isinstance(base, list):
        entries: dict[str, QueueEntry] = {e.exec_id: e for e in base if isinstance(e, QueueEntry)}
        _apply_changes(entries, changes)
        return sorted(entries.values(), key=lambda e: e.seq)
    merged: dict[str, object] = dict(base) if isinstance(base, dict) else {}
    _apply_changes(merged, changes)
    return merged


def merge_json_parts(old: JSONDict, event_state: JSONDict) -> JSONDict:
    """Runtime parts kept as JSON after an event: its parts replace ours, `<name>_changed` maps are merged.

    The JSON counterpart of `RuntimeState.apply`, for parts the schema does
    not define. A queue's entries (objects with `exec_id` and `seq`) keep
    their order.
    """
    new: JSONDict = {}
    for key, value in event_state.items():
        if key.endswith(_CHANGED) and isinstance(value, dict):
            name = key[: -len(_CHANGED)]
            new[name] = _merge_json(name, old.get(name), value)
        else:
            new[key] = value
    return new


def _merge_json(name: str, base: JSONValue, changes: dict[str, JSONValue]) -> JSONValue:
    if name == "queue":
        entries = {str(e.get("exec_id")): e for e in base if isinstance(e, dict)} if isinstance(base, list) else {}
        _apply_changes(entries, {k: v if isinstance(v, dict) else None for k, v in changes.items()})
        ordered: list[JSONValue] = sorted(entries.values(), key=_seq)
        return ordered
    merged: JSONDict = dict(base) if isinstance(base, dict) else {}
    _apply_changes(merged, changes)
    return merged


def _seq(entry: JSONValue) -> int:
    seq = entry.get("seq") if isinstance(entry, dict) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def _apply_changes(target: dict[str, V], changes: Mapping[str, object]) -> None:
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = typing.cast(V, value)


__all__ = [
    "CancelledEntry",
    "EnvProgress",
    "EnvState",
    "ExecError",
    "ExecutionSummary",
    "FileState",
    "FinishedExecution",
    "HistoryEntry",
    "InputRequest",
    "KernelEnv",
    "KernelInfo",
    "KernelState",
    "PersistState",
    "QueueEntry",
    "Requester",
    "RuntimeState",
    "RuntimeUpdate",
    "SaveState",
    "decode_runtime",
    "decode_update",
    "merge_json_parts",
    "merge_part",
]
