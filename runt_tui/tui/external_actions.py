"""`E`: the selected cell in `$VISUAL` / `$EDITOR`, the app suspended meanwhile, the change merged back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Protocol

from textual.app import SuspendNotSupported
from textual.notifications import SeverityLevel

from runt_tui.client import AsyncSession
from runt_tui.tui.editsync import EditBuffer, UndoHistory
from runt_tui.tui.external_edit import (
    apply_external,
    editor_command,
    read_back,
    remove_temp,
    suffix_for,
    without_added_newline,
    write_temp,
)
from runt_tui.tui.widgets.pane import CellsPane

log = logging.getLogger("runt_tui.tui")


class ExternalHost(Protocol):
    """What editing in $EDITOR needs of the app."""

    session: AsyncSession
    histories: dict[str, UndoHistory]
    pane: CellsPane

    def language(self) -> str: ...

    def suspend(self) -> contextlib.AbstractContextManager[None]: ...

    def batch_update(self) -> contextlib.AbstractContextManager[None]: ...

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...


async def _run_editor(host: ExternalHost, command: list[str]) -> int:
    """Run the editor on the terminal (the app suspended when it can be); its exit status."""
    with contextlib.ExitStack() as stack:
        # While suspended nothing may be drawn: the terminal is the editor's.
        stack.enter_context(host.batch_update())
        with contextlib.suppress(SuspendNotSupported):
            stack.enter_context(host.suspend())
        # The event loop keeps running meanwhile: other peers' edits keep arriving.
        proc = await asyncio.create_subprocess_exec(*command)
        return await proc.wait()


async def edit_in_external_editor(host: ExternalHost, cell_id: str) -> None:
    """Open the cell in the user's editor and merge what it wrote into the cell."""
    session = host.session
    if cell_id not in session.doc:
        return
    try:
        await session.prepare_sources([cell_id])
    except Exception as e:  # offline: the buffer keeps the change until the daemon prepares the cell
        log.info("preparing %s for $EDITOR: %s", cell_id, e)
    cell = session.doc.cell(cell_id)
    buffer = EditBuffer(session, cell_id, host.histories.setdefault(cell_id, UndoHistory()), lambda edits: None)
    base = buffer.text
    path = write_temp(base, suffix_for(cell.cell_type, host.language()))
    command = [*editor_command(os.environ), str(path)]
    try:
        try:
            status = await _run_editor(host, command)
        except OSError as e:
            host.notify(f"could not start {command[0]}: {e}", severity="error", timeout=8)
            return
        if status != 0:
            host.notify(f"{command[0]} exited with status {status}: the cell is unchanged", severity="warning")
            return
        edited = without_added_newline(base, read_back(path))
        if cell_id not in session.doc:
            host.notify("the cell was deleted while it was open in the editor", severity="warning")
            return
        count = apply_external(buffer, base, edited)
        host.pane.update_cells([cell_id])  # a local edit: no update comes back from the session
        host.notify("no change" if count == 0 else "the editor's change was merged into the cell", timeout=3)
    finally:
        buffer.close()
        remove_temp(path)
