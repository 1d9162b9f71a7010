"""Session: the synchronous face of AsyncSession, for scripts and agents.

An event loop runs in a daemon thread owned by the session; every call is
submitted to it and waited for, so sessions work from plain scripts, from
threads, and from inside Jupyter (which already runs a loop in the main thread).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from runt_tui.client.cells import Cell
from runt_tui.client.kernel_api import ExecutionResult
from runt_tui.client.session import AsyncSession
from runt_tui.protocol.jsontypes import JSONDict

T = TypeVar("T")


class Session:
    """A synchronous session on one notebook (see AsyncSession for the semantics)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        notebook_id: str | None = None,
        name: str | None = None,
        embedded: bool = False,
        home: str | os.PathLike[str] | None = None,
        kind: str = "script",
        url: str | None = None,
        ssh_command: str | None = None,
        remote_command: str | None = None,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="runt-session", daemon=True)
        self._thread.start()
        self._async = AsyncSession(path=path, notebook_id=notebook_id, name=name, embedded=embedded, home=home,
                                   kind=kind, url=url, ssh_command=ssh_command, remote_command=remote_command)

    def _run(self, coro: Coroutine[object, object, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _call(self, fn: Callable[..., T], *args: object) -> T:
        async def _go() -> T:
            return fn(*args)

        return self._run(_go())

    @property
    def aio(self) -> AsyncSession:
        """The underlying AsyncSession (runs on the session's own loop)."""
        return self._async

    def __enter__(self) -> Session:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Connect to the daemon (starting it if needed) and join the notebook."""
        self._run(self._async.connect())

    def close(self) -> None:
        """Leave and disconnect; stops the session's thread."""
        if not self._loop.is_running():
            return
        try:
            self._run(self._async.close(), timeout=30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    def get_cells(self) -> list[Cell]:
        """Every cell in order, from the local replica."""
        result: list[Cell] = self._call(self._async.get_cells)
        return result

    def get_cell(self, cell_id: str) -> Cell:
        """One cell from the local replica."""
        result: Cell = self._call(self._async.get_cell, cell_id)
        return result

    def create_cell(self, source: str = "", cell_type: str = "code", index: int | None = None) -> str:
        """Insert a cell and return its id once the daemon acknowledged it."""
        return self._run(self._async.create_cell(source, cell_type, index))

    def set_source(self, cell_id: str, text: str) -> None:
        """Replace a cell's source."""
        self._run(self._async.set_source(cell_id, text))

    def delete_cell(self, cell_id: str) -> None:
        """Delete a cell."""
        self._run(self._async.delete_cell(cell_id))

    def move_cell(self, cell_id: str, index: int) -> None:
        """Move a cell."""
        self._run(self._async.move_cell(cell_id, index))

    def set_cell_type(self, cell_id: str, cell_type: str) -> None:
        """Change a cell's type."""
        self._run(self._async.set_cell_type(cell_id, cell_type))

    def save(self, force: bool = False) -> JSONDict:
        """Save the notebook file now (`force`: overwrite a file on disk that is not a valid notebook)."""
        return self._run(self._async.save(force))

    def peers(self) -> list[JSONDict]:
        """The peers in the room."""
        result: list[JSONDict] = self._call(self._async.peers)
        return result

    def sync(self) -> None:
        """Wait until the daemon holds every local change."""
        self._run(self._async.sync_now())

    # ---- kernel ------------------------------------------------------------

    def start_kernel(self, kernel_name: str | None = None) -> JSONDict:
        """Start the notebook's kernel, or join the running one."""
        return self._run(self._async.start_kernel(kernel_name))

    def kernelspecs(self) -> dict[str, dict[str, str]]:
        """The kernels the daemon can start: name -> {"display_name", "language"}."""
        return self._run(self._async.kernelspecs())

    def execute_cell(self, cell_id: str, timeout: float | None = None) -> ExecutionResult:
        """Run a cell on the shared kernel and wait for its result."""
        return self._run(self._async.execute_cell(cell_id, timeout))

    def queue_execution(self, cell_id: str) -> JSONDict:
        """Queue a cell without waiting for it."""
        return self._run(self._async.queue_execution(cell_id))

    def interrupt(self) -> None:
        """Interrupt the running cell and cancel the queue."""
        self._run(self._async.interrupt())

    def restart_kernel(self) -> JSONDict:
        """Restart the kernel (outputs stay)."""
        return self._run(self._async.restart_kernel())

    def shutdown_kernel(self) -> None:
        """Shut the kernel down."""
        self._run(self._async.shutdown_kernel())

    def kernel_status(self) -> str:
        """The kernel's status (starting, idle, busy, dead, shutdown, none)."""
        result: str = self._call(self._async.kernel_status)
        return result

    def send_input(self, value: str) -> None:
        """Answer a pending input() prompt."""
        self._run(self._async.send_input(value))

    def complete(self, code: str, cursor_pos: int) -> JSONDict:
        """Kernel completions at the cursor."""
        return self._run(self._async.complete(code, cursor_pos))

    def inspect(self, code: str, cursor_pos: int) -> JSONDict:
        """Kernel help for the object at the cursor."""
        return self._run(self._async.inspect(code, cursor_pos))

    def clear_outputs(self, cell_ids: list[str]) -> None:
        """Clear cells' outputs."""
        self._run(self._async.clear_outputs(cell_ids))

    # ---- widgets ----------------------------------------------------------

    def widgets(self) -> dict[str, dict[str, object]]:
        """Every live ipywidgets model's state, by model id."""
        return self._run(self._async.widgets())

    def widget_state(self, model_id: str) -> dict[str, object]:
        """One widget model's state (KeyError if there is none)."""
        return self._run(self._async.widget_state(model_id))

    def update_widget(self, model_id: str, **changes: object) -> None:
        """Change a widget's state as a user would: the kernel and every client see it."""
        self._run(self._async.update_widget(model_id, **changes))

    def send_widget_message(self, model_id: str, content: JSONDict) -> None:
        """A custom message to a widget (`{"event": "click"}` presses a Button)."""
        self._run(self._async.send_widget_message(model_id, content))

    # ---- environment -------------------------------------------------------

    def trust_status(self) -> dict[str, Any]:
        """Whether this machine trusts the notebook's dependencies, and what to show an approver."""
        return self._run(self._async.trust_status())

    def approve_trust(self, digest: str | None = None) -> dict[str, Any]:
        """Approve the dependencies the last trust_status() showed (refused if they changed since)."""
        return self._run(self._async.approve_trust(digest))

    def add_dependencies(self, specs: list[str]) -> dict[str, Any]:
        """Add dependencies to the notebook (re-signed when it was trusted)."""
        return self._run(self._async.add_dependencies(specs))

    def remove_dependencies(self, names: list[str]) -> dict[str, Any]:
        """Remove dependencies from the notebook by name."""
        return self._run(self._async.remove_dependencies(names))

    def use_default_kernel(self) -> None:
        """Run the notebook on its kernelspec when its conda environment cannot be built here."""
        self._run(self._async.use_default_kernel())

    def cancel_env_build(self) -> bool:
        """Cancel the environment build of the notebook's kernel."""
        result: bool = self._run(self._async.cancel_env_build())
        return result
