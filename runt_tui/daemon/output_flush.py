"""Kernel outputs into a room's document: the first few at once, later ones coalesced in time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from runt_tui.daemon.outputs_writer import CellOutputWriter
from runt_tui.doc import NotebookDoc
from runt_tui.kernel import DisplayIdIndex, OutputAccumulator

if TYPE_CHECKING:
    from runt_tui.daemon.room import Room

# Outputs written as soon as they arrive at the start of each execution (then coalesced).
EAGER_FLUSHES = 3


class OutputFlusher:
    """The output accumulators and writers of a room's cells, and the timer that flushes them."""

    def __init__(self, room: Room, on_count: Callable[[str, int], None]) -> None:
        self.room = room
        # Called when a flush writes a cell's execution count.
        self._on_count = on_count
        self.index = DisplayIdIndex()
        self.writers: dict[str, CellOutputWriter] = {}
        self.accs: dict[str, OutputAccumulator] = {}
        self._dirty: set[str] = set()
        self._flush_handle: asyncio.TimerHandle | None = None
        self._eager_flushes = 0

    def begin(self, cell_id: str) -> OutputAccumulator:
        """A cell starts running: a fresh writer and accumulator, its old outputs cleared at the first flush."""
        writer = CellOutputWriter(self.room.doc, cell_id, self.room.blobs, self.room.settings.blob_threshold)
        self.writers[cell_id] = writer
        # The old outputs go at the first flush, in the same change as the
        # new count and first outputs (a quick cell makes one change).
        writer.begin()
        acc = OutputAccumulator(cell_id, self.index)
        self.accs[cell_id] = acc
        self._eager_flushes = EAGER_FLUSHES
        self._dirty.add(cell_id)
        self.schedule()
        return acc

    def reset_index(self) -> None:
        """The kernel restarted: display ids start afresh."""
        self.index = DisplayIdIndex()

    def rebind(self, doc: NotebookDoc) -> None:
        """The room's document object was replaced (same content): outputs go to the new one."""
        for writer in self.writers.values():
            writer.doc = doc

    def forget(self, cell_id: str) -> None:
        """Stop writing a cell (its outputs are being cleared)."""
        self.writers.pop(cell_id, None)

    def on_message(self, acc: OutputAccumulator, msg: Mapping[str, object]) -> None:
        """An iopub message of the execution `acc` collects."""
        header = msg.get("header")
        msg_type = msg.get("msg_type") or (header.get("msg_type") if isinstance(header, dict) else None)
        if msg_type == "clear_output":
            writer = self.writers.get(acc.cell_id)
            if writer is not None:
                writer.forget_streams()
        changed = acc.handle(msg)
        if not changed:
            return
        self._dirty |= changed
        if self._eager_flushes > 0 and len(acc) > 0:
            # The first outputs of an execution are written at once: a quick
            # cell's result then reaches every client while the kernel is
            # still finishing (reply, idle) rather than after. A flood uses
            # these up at once and is coalesced in time from then on.
            self._eager_flushes -= 1
            self.flush()
        else:
            self.schedule()

    def schedule(self) -> None:
        """Flush after the room's output_flush_interval, unless a flush is already due."""
        if self._flush_handle is None:
            delay = self.room.settings.output_flush_interval
            self._flush_handle = asyncio.get_running_loop().call_later(delay, self.flush)

    def flush(self, announce: bool = True) -> bool:
        """Write every dirty cell's outputs in one round; True if it wrote.

        With `announce` False the caller calls `room.local_changed()` itself.
        """
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        dirty, self._dirty = self._dirty, set()
        wrote = False
        for cell_id in dirty:
            wrote = self._flush_cell(cell_id) or wrote
        if wrote and announce:
            self.room.local_changed()
        return wrote

    def _flush_cell(self, cell_id: str) -> bool:
        acc = self.index.accumulator(cell_id) or self.accs.get(cell_id)
        writer = self.writers.get(cell_id)
        if acc is None or writer is None or cell_id not in self.room.doc:
            return False
        delta = acc.take_delta()
        if delta is None:
            if writer.reset_pending:  # nothing new yet: just clear the old outputs
                writer.apply(len(writer.phys), {})
                return True
            return False
        count: int | bool | None = delta.execution_count if delta.execution_count is not None else False
        writer.apply(delta.length, {i: acc.output(i) for i in delta.changed}, count)
        if delta.execution_count is not None:
            self._on_count(cell_id, delta.execution_count)
        return True
