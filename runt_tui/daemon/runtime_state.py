"""The daemon's builder of a room's runtime state (its shape is protocol/runtime.py).

`snapshot` is the whole state (the join reply, `status`); `update` is what a
`runtime` event carries: the small parts whole, the large ones as the changes
since the previous event. A new part is filled in here, in both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runt_tui.protocol.runtime import EnvState, KernelState, RuntimeState, RuntimeUpdate

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
        env=room.env.state() if room.env is not None else EnvState(),
    )
