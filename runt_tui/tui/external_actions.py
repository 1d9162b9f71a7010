"""`E`: the selected cell in `$VISUAL` / `$EDITOR`, the app suspended meanwhile, the change merged back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from runt_tui.client.editsync import EditBuffer, UndoHistory
from runt_tui.tui.external_edit import (
    apply_external,
    editor_command,
    read_back,
    remove_temp,
    suffix_for,
    without_added_newline,
    write_temp,
)

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

log = logging.getLogger("runt_tui.tui")


async def _run_editor(app: NotebookApp, command: list[str]) -> int:
    """Run the editor on the terminal (the app suspended when it can be); its exit status."""
    with contextlib.ExitStack() as stack:
        # While suspended nothing may be drawn: the terminal is the editor's.
        stack.enter_context(app.batch_update())
        with contextlib.suppress(SuspendNotSupported):
            stack.enter_context(app.suspend())
        # The event loop keeps running meanwhile: other peers' edits keep arriving.
        proc = await asyncio.create_subprocess_exec(*command)
        return await proc.wait()


async def edit_in_external_editor(app: NotebookApp, cell_id: str) -> None:
    """Open the cell in the user's editor and merge what it wrote into the cell."""
    session = app.session
    if cell_id not in session.doc:
        return
    try:
        await session.prepare_sources([cell_id])
    except Exception as e:  # offline: the buffer keeps the change until the daemon prepares the cell
        log.info("preparing %s for $EDITOR: %s", cell_id, e)
    cell = session.doc.cell(cell_id)
    buffer = EditBuffer(session, cell_id, app.edit.histories.setdefault(cell_id, UndoHistory()), lambda edits: None)
    base = buffer.text
    path = write_temp(base, suffix_for(cell.cell_type, app.cell_view.language()))
    command = [*editor_command(os.environ), str(path)]
    try:
        try:
            status = await _run_editor(app, command)
        except OSError as e:
            app.notify(f"could not start {command[0]}: {e}", severity="error", timeout=8)
            return
        if status != 0:
            app.notify(f"{command[0]} exited with status {status}: the cell is unchanged", severity="warning")
            return
        edited = without_added_newline(base, read_back(path))
        if cell_id not in session.doc:
            app.notify("the cell was deleted while it was open in the editor", severity="warning")
            return
        count = apply_external(buffer, base, edited)
        app.pane.update_cells([cell_id])  # a local edit: no update comes back from the session
        app.notify("no change" if count == 0 else "the editor's change was merged into the cell", timeout=3)
    finally:
        buffer.close()
        remove_temp(path)
