"""The daemon's builder of a room's runtime state (its shape is protocol/runtime.py).

`snapshot` is the whole state (the join reply, `status`); `update` is what a
`runtime` event carries: the small parts whole, the large ones as the changes
since the previous event. A new part is filled in here, in both. Parts
registered as JSON on the room (`room.runtime_extra`, `room.runtime_deltas`)
travel in `extra`: a quick way to add one before it has a typed shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.runtime import EnvState, KernelInfo, KernelState, RuntimeState, RuntimeUpdate

if TYPE_CHECKING:
    from runt_tui.daemon.room import Room


def snapshot(room: Room) -> RuntimeState:
    """The room's whole runtime state."""
    kernel = room.kernel
    return RuntimeState(
        version=room.runtime_version,
        save=room.save_state,
        file=room.file_state,
        path=str(room.path) if room.path else None,
        persist=room.persist_state(),
        kernel=kernel.kernel_state() if kernel is not None else KernelState(),
        queue=kernel.jobs.queue_entries() if kernel is not None else [],
        executions=kernel.jobs.executions() if kernel is not None else {},
        extra={name: getter() for name, getter in room.runtime_extra.items()},
        kernel_info=kernel.qlog.info if kernel is not None else KernelInfo(),
        history=dict(kernel.qlog.history.items) if kernel is not None else {},
        cancelled=dict(kernel.qlog.cancelled.items) if kernel is not None else {},
        kernel_log=dict(kernel.qlog.log.items) if kernel is not None else {},
        env=room.env.state() if room.env is not None else EnvState(),
    )


def update(room: Room) -> RuntimeUpdate:
    """What changed since the last call: small parts whole, the queue and executions as changes."""
    kernel = room.kernel
    return RuntimeUpdate(
        version=room.runtime_version,
        save=room.save_state,
        file=room.file_state,
        path=str(room.path) if room.path else None,
        persist=room.persist_state(),
        kernel=kernel.kernel_state() if kernel is not None else KernelState(),
        queue_changed=kernel.jobs.queue_changed() if kernel is not None else None,
        executions_changed=kernel.jobs.executions_changed() if kernel is not None else None,
        extra=_json_parts(room),
        kernel_info=kernel.qlog.info if kernel is not None else KernelInfo(),
        history_changed=kernel.qlog.history.changed() if kernel is not None else None,
        cancelled_changed=kernel.qlog.cancelled.changed() if kernel is not None else None,
        kernel_log_changed=kernel.qlog.log.changed() if kernel is not None else None,
        env=room.env.state() if room.env is not None else EnvState(),
    )


def _json_parts(room: Room) -> JSONDict:
    """The parts registered as JSON (`room.runtime_extra`), changes only where a delta is registered."""
    parts: JSONDict = {}
    for name, getter in room.runtime_extra.items():
        delta = room.runtime_deltas.get(name)
        if delta is not None:
            parts[f"{name}_changed"] = delta()
        else:
            parts[name] = getter()
    return parts
