"""The kernel half of the Session API: start, execute, interrupt, restart, shut down, complete."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from runt_tui.client.link import DaemonError
from runt_tui.doc import blob_refs

if TYPE_CHECKING:
    from runt_tui.client.cells import Cell
    from runt_tui.client.replica import Replica


class _Host(Protocol):
    """What the mixin needs from AsyncSession."""

    runtime: dict[str, Any]

    async def request(
        self, rtype: str, payload: bytes = b"", timeout: float | None = 60.0, **fields: Any
    ) -> tuple[dict[str, Any], bytes]: ...

    def _replica(self) -> Replica: ...

    def get_cell(self, cell_id: str) -> Cell: ...

    def _to_cell(self, v: Any) -> Cell: ...

    async def wait_blobs(self) -> None: ...

    async def fetch_blob(self, digest: str) -> bytes: ...

    async def _wait_for_heads(self, heads: list[bytes], timeout: float = 10.0) -> None: ...


@dataclass(frozen=True)
class ExecutionResult:
    """What running one cell produced."""

    cell_id: str
    success: bool
    status: str
    execution_count: int | None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None

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

    async def start_kernel(self: _Host, kernel_name: str | None = None) -> dict[str, Any]:
        """Start the notebook's kernel (or join the running one); returns its state."""
        # No time limit: a start may wait for the dependencies' approval and their build.
        header, _ = await self.request("start_kernel", kernel_name=kernel_name, timeout=None)
        state: dict[str, Any] = header["kernel"]
        return state

    async def kernelspecs(self: _Host) -> dict[str, dict[str, str]]:
        """The kernels the daemon can start: name -> {"display_name", "language"}."""
        header, _ = await self.request("kernelspecs")
        specs: dict[str, dict[str, str]] = header["kernelspecs"]
        return specs

    async def queue_execution(self: _Host, cell_id: str) -> dict[str, Any]:
        """Queue a cell as it is in this replica now; return at once with the execution summary."""
        replica = self._replica()
        replica.flush()
        heads = [h.hex() for h in replica.doc.heads()]
        header, _ = await self.request("execute", cell=cell_id, heads=heads, wait=False)
        return header

    async def execute_cell(self: _Host, cell_id: str, timeout: float | None = None) -> ExecutionResult:
        """Run a cell and wait for it; outputs are read from the replica once synced.

        With `timeout`, TimeoutError when the cell has not finished by then
        (it keeps running: `interrupt()` stops it).
        """
        replica = self._replica()
        replica.flush()
        heads = [h.hex() for h in replica.doc.heads()]
        try:
            header, _ = await self.request(
                "execute", cell=cell_id, heads=heads, wait=True, limit=timeout, timeout=None if timeout is None else timeout + 30
            )
        except DaemonError as e:
            if e.code == "TIMEOUT":
                raise TimeoutError(e.message) from None
            raise
        await self._wait_for_heads([bytes.fromhex(h) for h in header.get("heads") or []])
        cell = None
        if cell_id in replica.doc:
            view = replica.doc.cell(cell_id)
            # Only this cell's blobs (fetch_blob caches): scanning the whole
            # notebook on every execution would grow with the notebook.
            digests = [d for out in view.outputs for d in blob_refs(out).values()]
            for digest in digests:
                await self.fetch_blob(digest)
            cell = self._to_cell(view)
        status = str(header.get("status"))
        return ExecutionResult(
            cell_id=cell_id,
            success=status == "done",
            status=status,
            execution_count=cell.execution_count if cell else header.get("execution_count"),
            outputs=cell.outputs if cell else [],
            error=header.get("exception"),
        )

    async def _wait_for_heads(self: _Host, heads: list[bytes], timeout: float = 10.0) -> None:
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

    async def interrupt(self: _Host) -> None:
        """Interrupt the running cell; queued cells are cancelled."""
        await self.request("interrupt")

    async def restart_kernel(self: _Host) -> dict[str, Any]:
        """Restart the kernel (outputs stay, counts restart)."""
        header, _ = await self.request("restart_kernel", timeout=120)
        state: dict[str, Any] = header["kernel"]
        return state

    async def shutdown_kernel(self: _Host) -> None:
        """Shut the kernel down for everyone."""
        await self.request("shutdown_kernel", timeout=60)

    def kernel_status(self: _Host) -> str:
        """The kernel's status as last pushed by the daemon."""
        return str((self.runtime.get("kernel") or {}).get("status", "none"))

    async def send_input(self: _Host, value: str) -> None:
        """Answer the kernel's input() prompt."""
        await self.request("input_reply", value=value)

    async def complete(self: _Host, code: str, cursor_pos: int) -> dict[str, Any]:
        """Completions at the cursor (matches, cursor_start, cursor_end)."""
        header, _ = await self.request("complete", code=code, cursor_pos=cursor_pos)
        reply: dict[str, Any] = header["reply"]
        return reply

    async def inspect(self: _Host, code: str, cursor_pos: int) -> dict[str, Any]:
        """Help for the object at the cursor (a MIME bundle in `data`)."""
        header, _ = await self.request("inspect", code=code, cursor_pos=cursor_pos)
        reply: dict[str, Any] = header["reply"]
        return reply

    async def clear_outputs(self: _Host, cell_ids: list[str]) -> None:
        """Clear cells' outputs (done by the daemon, the only writer of outputs)."""
        await self.request("clear_outputs", cells=cell_ids)
