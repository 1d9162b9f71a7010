"""The kernel half of the Session API: start, execute, interrupt, restart, shut down, complete."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runt_tui.client.host import SessionHost
from runt_tui.client.link import DaemonError
from runt_tui.doc import blob_refs
from runt_tui.protocol.codec import decode
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.payloads import KernelAnswer, KernelReply, KernelspecsReply, QueueCleared
from runt_tui.protocol.requests import (
    ClearOutputs,
    ClearQueue,
    Complete,
    Execute,
    InputReply,
    Inspect,
    Interrupt,
    Kernelspecs,
    RestartKernel,
    ShutdownKernel,
    StartKernel,
)
from runt_tui.protocol.runtime import FinishedExecution

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class ExecutionResult:
    """What running one cell produced."""

    cell_id: str
    success: bool
    status: str
    execution_count: int | None
    outputs: list[JSONDict] = field(default_factory=list)
    # The error's ename, evalue and traceback, when it failed.
    error: JSONDict | None = None

    def _streams(self, name: str) -> str:
        return "".join(str(o.get("text", "")) for o in self.outputs if o.get("output_type") == "stream" and o.get("name") == name)

    @property
    def stdout(self) -> str:
        """Everything the cell printed to stdout."""
        return self._streams("stdout")

    @property
    def stderr(self) -> str:
        """Everything the cell printed to stderr."""
        return self._streams("stderr")


class KernelAPI:
    """Kernel calls, mixed into AsyncSession."""

    async def start_kernel(self: SessionHost, kernel_name: str | None = None) -> JSONDict:
        """Start the notebook's kernel (or join the running one); returns its state."""
        # No time limit: a start may wait for the dependencies' approval and their build.
        header, _ = await self.ask(StartKernel(kernel_name), timeout=None)
        return decode(KernelReply, header, "start_kernel reply").kernel.to_json()

    async def kernelspecs(self: SessionHost) -> dict[str, dict[str, str]]:
        """The kernels the daemon can start: name -> {"display_name", "language"}."""
        header, _ = await self.ask(Kernelspecs())
        return decode(KernelspecsReply, header, "kernelspecs reply").kernelspecs

    async def queue_execution(self: SessionHost, cell_id: str) -> JSONDict:
        """Queue a cell as it is in this replica now; return at once with the execution summary."""
        replica = self._replica()
        replica.flush()
        heads = [h.hex() for h in replica.doc.heads()]
        header, _ = await self.ask(Execute(cell_id, heads, wait=False))
        return header

    async def execute_cell(self: SessionHost, cell_id: str, timeout: float | None = None) -> ExecutionResult:
        """Run a cell and wait for it; outputs are read from the replica once synced.

        With `timeout`, TimeoutError when the cell has not finished by then
        (it keeps running: `interrupt()` stops it).
        """
        replica = self._replica()
        replica.flush()
        heads = [h.hex() for h in replica.doc.heads()]
        try:
            header, _ = await self.ask(
                Execute(cell_id, heads, wait=True, limit=timeout), timeout=None if timeout is None else timeout + 30
            )
        except DaemonError as e:
            if e.code == "TIMEOUT":
                raise TimeoutError(e.message) from None
            raise
        done = decode(FinishedExecution, header, "execute reply")
        await self._wait_for_heads([bytes.fromhex(h) for h in done.heads])
        cell = None
        if cell_id in replica.doc:
            view = replica.doc.cell(cell_id)
            # Only this cell's blobs (fetch_blob caches): scanning the whole
            # notebook on every execution would grow with the notebook.
            digests = [d for out in view.outputs for d in blob_refs(out).values()]
            for digest in digests:
                await self.fetch_blob(digest)
            cell = self._to_cell(view)
        return ExecutionResult(
            cell_id=cell_id,
            success=done.status == "done",
            status=done.status,
            execution_count=cell.execution_count if cell else done.execution_count,
            outputs=cell.outputs if cell else [],
            error=done.exception.to_json() if done.exception is not None else None,
        )

    async def _wait_for_heads(self: SessionHost, heads: list[bytes], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        replica = self._replica()
        spins = 0
        while heads and not replica.doc.has_heads(heads):
            if time.monotonic() > deadline:
                raise TimeoutError("the daemon's changes did not arrive in time")
            # The sync carrying them is sent right after the answer: a few
            # bare yields to the reader usually find it, then poll gently.
            await asyncio.sleep(0 if spins < 50 else 0.001)
            spins += 1

    async def interrupt(self: SessionHost) -> None:
        """Interrupt the running cell; queued cells are cancelled."""
        await self.ask(Interrupt())

    async def clear_queue(self: SessionHost) -> int:
        """Cancel every queued cell (the running one goes on); returns how many were dropped."""
        header, _ = await self.ask(ClearQueue())
        return decode(QueueCleared, header, "clear_queue reply").cancelled

    async def restart_kernel(self: SessionHost) -> JSONDict:
        """Restart the kernel (outputs stay, counts restart)."""
        header, _ = await self.ask(RestartKernel(), timeout=120)
        return decode(KernelReply, header, "restart_kernel reply").kernel.to_json()

    async def shutdown_kernel(self: SessionHost) -> None:
        """Shut the kernel down for everyone."""
        await self.ask(ShutdownKernel(), timeout=60)

    def kernel_status(self: SessionHost) -> str:
        """The kernel's status as last pushed by the daemon."""
        return self.state.kernel.status

    async def send_input(self: SessionHost, value: str) -> None:
        """Answer the kernel's input() prompt."""
        await self.ask(InputReply(value))

    async def complete(self: SessionHost, code: str, cursor_pos: int) -> JSONDict:
        """Completions at the cursor (matches, cursor_start, cursor_end)."""
        header, _ = await self.ask(Complete(code, cursor_pos))
        return decode(KernelAnswer, header, "complete reply").reply

    async def inspect(self: SessionHost, code: str, cursor_pos: int) -> JSONDict:
        """Help for the object at the cursor (a MIME bundle in `data`)."""
        header, _ = await self.ask(Inspect(code, cursor_pos))
        return decode(KernelAnswer, header, "inspect reply").reply

    async def clear_outputs(self: SessionHost, cell_ids: list[str]) -> None:
        """Clear cells' outputs (done by the daemon, the only writer of outputs)."""
        await self.ask(ClearOutputs(list(cell_ids)))
