"""The agent's tools: each names its notebook, acts as an ordinary peer, and publishes presence."""

from __future__ import annotations

import contextlib
import time
from typing import Annotated, Any

from pydantic import Field

from runt_tui.agent.edits import (
    end_of_splices,
    insert_index,
    move_index,
    replace_splices,
    short_list,
)
from runt_tui.agent.notebooks import NotebookPool
from runt_tui.agent.summary import outputs_text, strip_ansi
from runt_tui.agent.tool_errors import AgentError
from runt_tui.client import AsyncSession, Cell, DaemonError, DaemonUnavailable

CELL_TYPES = ("code", "markdown", "raw")

Notebook = Annotated[str, Field(description="The notebook: a .ipynb path, or 'id:NAME' for one without a file.")]
CellId = Annotated[str, Field(description="A cell id, as get_cells lists them.")]


def _peer(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p.get(k) for k in ("name", "colour", "kind", "cell")}


def _name(s: AsyncSession) -> str:
    """The notebook's canonical name: its real path, or id:NAME."""
    return s.path if s.path is not None else f"id:{s.notebook_id}"


def _cell_dict(cell: Cell, max_lines: int, with_outputs: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"id": cell.id, "cell_type": cell.cell_type, "source": cell.source}
    if cell.cell_type == "code":
        out["execution_count"] = cell.execution_count
        if with_outputs:
            out["outputs"] = outputs_text(cell.outputs, max_lines=max_lines, max_chars=max_lines * 100)
    return out


def _error_dict(error: dict[str, Any] | None) -> dict[str, Any] | None:
    if not error:
        return None
    tb = error.get("traceback") or []
    return {
        "ename": str(error.get("ename", "")),
        "evalue": strip_ansi(str(error.get("evalue", ""))),
        "traceback": strip_ansi("\n".join(str(line) for line in tb)) if isinstance(tb, list) else "",
    }


class NotebookTools:
    """The tool bodies, over a pool of sessions (no MCP types here: the server wraps them)."""

    def __init__(self, pool: NotebookPool) -> None:
        self.pool = pool

    async def _cell(self, notebook: str, cell_id: str) -> tuple[AsyncSession, Cell]:
        s = await self.pool.session(notebook)
        try:
            return s, s.get_cell(cell_id)
        except KeyError:
            ids = [c.id for c in s.get_cells()]
            raise AgentError(f"no cell {cell_id!r} in {_name(s)} (cells: {short_list(ids)})") from None

    @staticmethod
    async def _blobs(s: AsyncSession) -> None:
        # Outputs' large payloads (images) live in the daemon's blob store: fetched (and
        # cached) before describing them; one that cannot be fetched is said to be missing.
        with contextlib.suppress(DaemonError, DaemonUnavailable, TimeoutError):
            await s.wait_blobs()

    @staticmethod
    async def _presence(s: AsyncSession, cell: str | None, cursor: int | None = None, mode: str = "edit") -> None:
        # Shown in every terminal: where the agent works. Never fails the edit itself.
        with contextlib.suppress(DaemonError, DaemonUnavailable, TimeoutError):
            await s.set_presence(cell, cursor, mode)

    # ---- notebooks ---------------------------------------------------------

    async def list_notebooks(self) -> dict[str, Any]:
        """The notebooks open in the daemon (by any peer), with their peers and kernel state."""
        rooms = await self.pool.daemon_rooms()
        if rooms is None:
            return {"notebooks": [], "daemon": "not running (open_notebook starts it)"}
        out = []
        for r in rooms:
            key = r.get("path") or f"id:{r.get('notebook_id')}"
            out.append({
                "notebook": key,
                "cells": r.get("cells"),
                "kernel": (r.get("kernel") or {}).get("status", "none"),
                "save": (r.get("save") or {}).get("state"),
                "peers": [_peer(p) for p in r.get("peers") or [] if isinstance(p, dict)],
                "open_here": key in self.pool.sessions,
            })
        return {"notebooks": out, "daemon": "running"}

    async def open_notebook(self, notebook: Notebook, create: bool = False) -> dict[str, Any]:
        """Join a notebook (a .ipynb path, or 'id:NAME' for one without a file); create=true makes it if missing."""
        s = await self.pool.session(notebook, create=create)
        await self._presence(s, None, None, "command")
        return {
            "notebook": _name(s),
            "cells": len(s.get_cells()),
            "kernel": s.kernel_status(),
            "peers": [_peer(p) for p in s.peers()],
        }

    async def close_notebook(self, notebook: Notebook) -> dict[str, Any]:
        """Leave a notebook (it stays open for everyone else)."""
        return {"closed": await self.pool.close(notebook)}

    async def save(self, notebook: Notebook) -> dict[str, Any]:
        """Write the notebook's file now (it also autosaves)."""
        s = await self.pool.session(notebook)
        if s.path is None:
            raise AgentError(f"{notebook} has no file to save (a notebook id, not a path)")
        header = await s.save()
        return {"notebook": s.path, **{k: v for k, v in header.items() if k not in ("id", "ok")}}

    # ---- cells ---------------------------------------------------------------

    async def get_cells(self, notebook: Notebook, include_outputs: bool = True, max_output_lines: int = 20) -> dict[str, Any]:
        """Every cell: id, type, source, and outputs summarized as text (capped per cell)."""
        s = await self.pool.session(notebook)
        if include_outputs:
            await self._blobs(s)
        cells = [_cell_dict(c, max(1, max_output_lines), include_outputs) for c in s.get_cells()]
        return {"notebook": _name(s), "cells": cells}

    async def get_cell(self, notebook: Notebook, cell_id: CellId, max_output_lines: int = 200) -> dict[str, Any]:
        """One cell with its outputs as text (a higher cap than get_cells)."""
        s, _ = await self._cell(notebook, cell_id)
        await self._blobs(s)
        return _cell_dict(s.get_cell(cell_id), max(1, max_output_lines))

    async def create_cell(
        self, notebook: Notebook, source: str = "", cell_type: str = "code",
        after_cell_id: CellId | None = None, at_top: bool = False,
    ) -> dict[str, Any]:
        """Insert a cell after after_cell_id (or at_top, or at the end); returns its id."""
        if cell_type not in CELL_TYPES:
            raise AgentError(f"cell_type must be code, markdown or raw, not {cell_type!r}")
        s = await self.pool.session(notebook)
        order = [c.id for c in s.get_cells()]
        index = insert_index(order, after_cell_id, at_top)
        cid = await s.create_cell(source, cell_type, index=index)
        await self._presence(s, cid, len(source))
        return {"cell_id": cid, "index": index}

    async def set_cell_source(self, notebook: Notebook, cell_id: CellId, source: str) -> dict[str, Any]:
        """Replace a cell's whole source (as a minimal diff); prefer replace_in_cell for small changes."""
        s, _ = await self._cell(notebook, cell_id)
        await s.set_source(cell_id, source)
        await self._presence(s, cell_id, len(source))
        return {"cell_id": cell_id, "source": s.get_cell(cell_id).source}

    async def replace_in_cell(
        self, notebook: Notebook, cell_id: CellId, old: str, new: str, regex: bool = False, replace_all: bool = False,
    ) -> dict[str, Any]:
        """Replace text in a cell (exact, or a Python regex with \\1 groups) touching only the matched range.

        The text must match once unless replace_all; people typing elsewhere in the cell keep their text.
        """
        s, _ = await self._cell(notebook, cell_id)
        splices = await s.splice_source(cell_id, lambda src: replace_splices(src, old, new, regex, replace_all))
        await self._presence(s, cell_id, end_of_splices(splices))
        return {"cell_id": cell_id, "replaced": len(splices), "source": s.get_cell(cell_id).source}

    async def delete_cell(self, notebook: Notebook, cell_id: CellId) -> dict[str, Any]:
        """Delete a cell."""
        s, _ = await self._cell(notebook, cell_id)
        await self._presence(s, cell_id, None, "command")
        await s.delete_cell(cell_id)
        return {"deleted": cell_id}

    async def move_cell(self, notebook: Notebook, cell_id: CellId, index: int | None = None, after_cell_id: CellId | None = None) -> dict[str, Any]:
        """Move a cell to an index (in the order without it), or after another cell ('' = to the top)."""
        s, _ = await self._cell(notebook, cell_id)
        target = move_index([c.id for c in s.get_cells()], cell_id, index, after_cell_id)
        await s.move_cell(cell_id, target)
        await self._presence(s, cell_id, None, "command")
        return {"cell_id": cell_id, "index": [c.id for c in s.get_cells()].index(cell_id)}

    async def set_cell_type(self, notebook: Notebook, cell_id: CellId, cell_type: str) -> dict[str, Any]:
        """Make a cell code, markdown or raw (leaving code drops its outputs)."""
        if cell_type not in CELL_TYPES:
            raise AgentError(f"cell_type must be code, markdown or raw, not {cell_type!r}")
        s, _ = await self._cell(notebook, cell_id)
        await s.set_cell_type(cell_id, cell_type)
        await self._presence(s, cell_id, None, "command")
        return {"cell_id": cell_id, "cell_type": cell_type}

    # ---- kernel ----------------------------------------------------------------

    async def execute_cell(self, notebook: Notebook, cell_id: CellId, timeout: float = 60.0, max_output_lines: int = 100) -> dict[str, Any]:
        """Run a code cell and wait (up to timeout s): outputs as text, plus the error's ename/evalue/traceback."""
        s, cell = await self._cell(notebook, cell_id)
        if cell.cell_type != "code":
            raise AgentError(f"cell {cell_id} is a {cell.cell_type} cell; only code cells run")
        return await self._run(s, cell_id, timeout, max_output_lines)

    async def _run(self, s: AsyncSession, cell_id: str, timeout: float, max_lines: int) -> dict[str, Any]:
        await self._presence(s, cell_id, None, "command")
        await s.start_kernel()
        try:
            result = await s.execute_cell(cell_id, timeout=max(0.1, timeout))
        except TimeoutError:
            raise AgentError(f"cell {cell_id} is still running after {timeout:g} s (it keeps running: "
                             "interrupt stops it; get_cell shows its outputs so far)") from None
        return {
            "cell_id": cell_id,
            "status": result.status,
            "execution_count": result.execution_count,
            "outputs": outputs_text(result.outputs, max_lines=max_lines, max_chars=max_lines * 100),
            "error": _error_dict(result.error),
        }

    async def run_all(self, notebook: Notebook, timeout: float = 300.0, stop_on_error: bool = True) -> dict[str, Any]:
        """Run every code cell in order (within timeout s in all); by default stop at the first error."""
        s = await self.pool.session(notebook)
        deadline = time.monotonic() + timeout
        results: list[dict[str, Any]] = []
        for cell in [c for c in s.get_cells() if c.cell_type == "code" and c.source.strip()]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AgentError(f"run_all ran out of time after {len(results)} cells (timeout {timeout:g} s)")
            r = await self._run(s, cell.id, left, 10)
            results.append(r)
            if r["status"] != "done" and stop_on_error:
                break
        ok = all(r["status"] == "done" for r in results)
        return {"ran": len(results), "ok": ok, "results": results}

    async def interrupt(self, notebook: Notebook) -> dict[str, Any]:
        """Interrupt the running cell; queued cells are cancelled."""
        s = await self.pool.session(notebook)
        await s.interrupt()
        return {"interrupted": True}

    async def restart_kernel(self, notebook: Notebook) -> dict[str, Any]:
        """Restart the notebook's kernel for everyone (outputs stay)."""
        s = await self.pool.session(notebook)
        state = await s.restart_kernel()
        return {"kernel": {k: state.get(k) for k in ("status", "name", "pid")}}

    async def get_kernel_state(self, notebook: Notebook) -> dict[str, Any]:
        """The kernel's status and the run queue, with who queued each cell."""
        s = await self.pool.session(notebook)
        kernel = s.state.kernel
        queue = [{"cell": e.cell, "status": e.status, "queued_by": e.requester.name} for e in s.state.queue]
        return {
            "status": kernel.status, "name": kernel.name,
            "waiting_for_input": kernel.input is not None, "queue": queue,
            "peers": [_peer(p) for p in s.peers()],
        }
