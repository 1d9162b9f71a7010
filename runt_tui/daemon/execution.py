"""One request to run one cell: its place in the queue, its state, and who waits for it."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1)


@dataclass
class Execution:
    """One request to run one cell."""

    cell_id: str
    requester: dict[str, Any]
    heads: list[bytes]
    # Queue order: a larger seq was queued later.
    seq: int = field(default_factory=lambda: next(_ids))
    status: str = "queued"
    queued_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    execution_count: int | None = None
    error: dict[str, Any] | None = None
    # Set by an interrupt that lands before the cell reached the kernel.
    cancel_requested: bool = False
    result: dict[str, Any] | None = None
    # One future per waiting request, awaited directly (no shield): the
    # answer then goes out on the loop iteration right after `finish`, and a
    # waiter that gives up cancels only its own future.
    waiters: list[asyncio.Future[dict[str, Any]]] = field(default_factory=list)

    @property
    def exec_id(self) -> str:
        """The execution's public id."""
        return f"x{self.seq}"

    def queue_entry(self) -> dict[str, Any]:
        """What runtime snapshots say of a queued or running execution (kept small)."""
        return {"exec_id": self.exec_id, "seq": self.seq, "cell": self.cell_id, "status": self.status,
                "requester": self.requester}

    def summary(self, brief: bool = False) -> dict[str, Any]:
        """The public view of this execution (`brief`: without the traceback, for runtime snapshots)."""
        error = self.error
        if brief and error is not None and error.get("traceback"):
            # The traceback is in the cell's error output; snapshots carry
            # every cell's last execution and must stay small.
            error = {**error, "traceback": []}
        return {
            "exec_id": self.exec_id,
            "cell": self.cell_id,
            "status": self.status,
            "requester": self.requester,
            "queued_at": self.queued_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "execution_count": self.execution_count,
            "exception": error,
        }

    def wait(self) -> asyncio.Future[dict[str, Any]]:
        """A future resolved with the result (summary and heads) when the execution finishes."""
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        if self.result is not None:
            fut.set_result(self.result)
        else:
            self.waiters.append(fut)
        return fut

    def finish(self, status: str, error: dict[str, Any] | None = None, heads: list[bytes] | None = None) -> None:
        """Mark finished and resolve waiters."""
        if self.result is not None:
            return
        self.status = status
        self.error = error if error is not None else self.error
        self.finished_at = time.time()
        self.result = {**self.summary(), "heads": [h.hex() for h in heads or []]}
        waiters, self.waiters = self.waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(self.result)
