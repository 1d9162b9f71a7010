"""A room's execution queue: one FIFO for every client, and what changed in it since the last event.

Runtime events carry only the queue entries and executions that changed since
the previous event: a Run All queues every cell, and listing the whole queue
(or every cell's last execution) in each of its 2n events was O(n^2) JSON for
the daemon and every client. The join reply carries both whole.
"""

from __future__ import annotations

from collections import deque

from runt_tui.daemon.execution import Execution, cancelled
from runt_tui.protocol.runtime import ExecutionSummary, QueueEntry


class ExecQueue:
    """Queued executions, the one taken from the queue, and each cell's last execution."""

    def __init__(self) -> None:
        self.queue: deque[Execution] = deque()
        # Taken from the queue: running, or about to be sent to the kernel.
        self.current: Execution | None = None
        self.last: dict[str, Execution] = {}
        # What the last runtime event said of each cell's execution, and the cells
        # whose execution may have changed since (see executions_changed).
        self._sent: dict[str, tuple[object, ...]] = {}
        self._watch: set[str] = set()
        # The status of each queue entry as the last runtime event gave it.
        self._queue_sent: dict[str, str] = {}

    def active(self) -> list[Execution]:
        """The running execution (if any) then the queued ones, in order."""
        current = self.current
        running = [current] if current is not None and current.result is None else []
        return running + list(self.queue)

    @property
    def busy(self) -> bool:
        """True while a cell is queued or running (or taken from the queue)."""
        return bool(self.queue) or self.current is not None

    def find(self, cell_id: str) -> Execution | None:
        """The queued or running execution of a cell."""
        for ex in self.active():
            if ex.cell_id == cell_id:
                return ex
        return None

    def add(self, ex: Execution) -> None:
        """Queue an execution; it becomes its cell's last one."""
        self.queue.append(ex)
        self.last[ex.cell_id] = ex
        self._watch.add(ex.cell_id)

    def take(self) -> Execution | None:
        """Take the next execution off the queue (it becomes `current`), or None."""
        self.current = self.queue.popleft() if self.queue else None
        return self.current

    def cancel(self, reason: str) -> None:
        """Finish every queued execution as cancelled."""
        while self.queue:
            ex = self.queue.popleft()
            ex.finish("cancelled", cancelled(reason))

    def note_count(self, cell_id: str, count: int) -> None:
        """The kernel gave a cell's execution its count."""
        ex = self.last.get(cell_id)
        if ex is not None:
            ex.execution_count = count
            self._watch.add(cell_id)

    def queue_entries(self) -> list[QueueEntry]:
        """The whole queue, as the join reply gives it."""
        return [e.queue_entry() for e in self.active()]

    def executions(self) -> dict[str, ExecutionSummary]:
        """Every cell's last execution, as the join reply gives it."""
        return {c: e.summary(brief=True) for c, e in self.last.items()}

    def executions_changed(self) -> dict[str, ExecutionSummary | None]:
        """Executions changed since the last runtime event.

        An execution only changes while queued or running, or as it ends: the
        cells active now and those watched since the last event cover them all,
        so an event costs O(active cells), not O(cells ever run).
        """
        changed: dict[str, ExecutionSummary | None] = {}
        active = {e.cell_id for e in self.active()}
        for cell_id in self._watch | active:
            ex = self.last[cell_id]  # watched and active cells all have an execution
            key = (ex.exec_id, ex.status, ex.started_at, ex.finished_at, ex.execution_count, ex.error is None)
            if self._sent.get(cell_id) != key:
                self._sent[cell_id] = key
                changed[cell_id] = ex.summary(brief=True)
        self._watch = active
        return changed

    def queue_changed(self) -> dict[str, QueueEntry | None]:
        """Queue entries added or changed since the last runtime event; None for those gone."""
        changed: dict[str, QueueEntry | None] = {}
        active = self.active()
        now = {e.exec_id for e in active}
        for exec_id in [x for x in self._queue_sent if x not in now]:
            del self._queue_sent[exec_id]
            changed[exec_id] = None
        for e in active:
            if self._queue_sent.get(e.exec_id) != e.status:
                self._queue_sent[e.exec_id] = e.status
                changed[e.exec_id] = e.queue_entry()
        return changed
