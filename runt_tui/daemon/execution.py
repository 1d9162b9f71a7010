"""One request to run one cell: its place in the queue, its state, and who waits for it."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field

from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.runtime import (
    ExecError,
    ExecutionSummary,
    FinishedExecution,
    QueueEntry,
    Requester,
)

_ids = itertools.count(1)


def cancelled(reason: str, ename: str = "Cancelled") -> ExecError:
    """The error of an execution that did not run to its end."""
    return ExecError(ename, reason)


@dataclass
class Execution:
    """One request to run one cell."""

    cell_id: str
    requester: Requester
    heads: list[bytes]
    # Queue order: a larger seq was queued later.
    seq: int = field(default_factory=lambda: next(_ids))
    status: str = "queued"
    queued_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    execution_count: int | None = None
    error: ExecError | None = None
    # Set by an interrupt that lands before the cell reached the kernel.
    cancel_requested: bool = False
    # The answer to `execute` with `wait`, once finished (FinishedExecution's JSON).
    result: JSONDict | None = None
    # One future per waiting request, awaited directly (no shield): the
    # answer then goes out on the loop iteration right after `finish`, and a
    # waiter that gives up cancels only its own future.
    waiters: list[asyncio.Future[JSONDict]] = field(default_factory=list)

    @property
    def exec_id(self) -> str:
        """The execution's public id."""
        return f"x{self.seq}"

    def queue_entry(self) -> QueueEntry:
        """What runtime snapshots say of a queued or running execution (kept small)."""
        return QueueEntry(self.exec_id, self.seq, self.cell_id, self.status, self.requester)

    def summary(self, brief: bool = False) -> ExecutionSummary:
        """The public view of this execution (`brief`: without the traceback, for runtime snapshots)."""
        error = self.error
        if brief and error is not None and error.traceback:
            # The traceback is in the cell's error output; snapshots carry
            # every cell's last execution and must stay small.
            error = ExecError(error.ename, error.evalue, [])
        return ExecutionSummary(
            exec_id=self.exec_id,
            cell=self.cell_id,
            status=self.status,
            requester=self.requester,
            queued_at=self.queued_at,
            started_at=self.started_at,
            finished_at=self.finished_at,
            execution_count=self.execution_count,
            exception=error,
        )

    def wait(self) -> asyncio.Future[JSONDict]:
        """A future resolved with the answer (summary and heads) when the execution finishes."""
        fut: asyncio.Future[JSONDict] = asyncio.get_running_loop().create_future()
        if self.result is not None:
            fut.set_result(self.result)
        else:
            self.waiters.append(fut)
        return fut

    def finish(self, status: str, error: ExecError | None = None, heads: list[bytes] | None = None) -> None:
        """Mark finished and resolve waiters."""
        if self.result is not None:
            return
        self.status = status
        self.error = error if error is not None else self.error
        self.finished_at = time.time()
        s = self.summary()
        done = FinishedExecution(
            s.exec_id, s.cell, s.status, s.requester, s.queued_at, s.started_at, s.finished_at, s.execution_count,
            s.exception, heads=[h.hex() for h in heads or []],
        )
        self.result = done.to_json()
        waiters, self.waiters = self.waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(self.result)
