"""Edit-mode actions: open and close the editor, walk between cells, clicks, undo / redo.

The editor and its buffer live in the app's `EditSession` (edit_session.py);
this module decides when to open and close them and keeps the cursor in view.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from runt_tui.tui.widgets.cell import CellWidget
from runt_tui.tui.widgets.editor import CellEditor

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

log = logging.getLogger("runt_tui.tui")


class EditActions:
    """Edit mode and command mode, and what the editor reports."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app

    async def action_edit_mode(self) -> None:
        """Open the selected cell in an editor."""
        app = self.app
        cell_id = app.selected
        if cell_id is None or app.edit.is_open:
            return
        await self._prepare_for_editing(cell_id)
        if cell_id != app.selected or app.edit.is_open or cell_id not in app.session.doc:
            return
        widget = app.pane.widget_for(cell_id)
        if widget is None:
            app.pane.reveal(cell_id)
            return
        code = app.session.doc.cell(cell_id).cell_type == "code"
        editor = app.edit.open(cell_id, app.cell_view.language() if code else "markdown")
        app.mode = "edit"
        await widget.start_editing(editor)
        if not editor.is_attached:
            return  # the app is closing
        # Focused now, not after a refresh: the next key in the app's queue goes to the editor.
        editor.screen.set_focus(editor)
        app.edit.cursor_pos = editor.cursor_index
        app.pane.update_cells([cell_id])
        app.publish_presence()  # with the cursor, now known

    async def _prepare_for_editing(self, cell_id: str) -> None:
        """Have the daemon prepare the cell's source, and have it on disk, first (a round
        trip), so typing goes straight to the document; offline or slow, the editor opens
        anyway and its buffer keeps the typing until the cell is prepared."""
        session = self.app.session
        if cell_id not in session.doc or session.connection_state != "connected":
            return
        try:
            await asyncio.wait_for(session.prepare_sources([cell_id], force=True), 0.5)
        except Exception as e:
            log.info("preparing %s before editing: %s", cell_id, e)

    async def action_command_mode(self) -> None:
        """Close the editor, keeping the selection."""
        app = self.app
        editor = app.edit.close()
        app.mode = "command"
        app.screen.set_focus(None)
        if editor is not None:
            widget = app.pane.widget_for(editor.cell_id)
            if widget is not None:
                await widget.stop_editing()
            app.pane.update_cells([editor.cell_id])

    async def walk(self, direction: int) -> None:
        """Leave the editor for the previous (-1) or next (+1) cell's editor."""
        app = self.app
        order = app.pane.order
        i = app.cell_actions.index() + direction
        if 0 <= i < len(order):
            await self.action_command_mode()
            app.cell_actions.select_cell(order[i])
            await self.action_edit_mode()
            editor = app.edit.editor
            if editor is not None and direction < 0:
                editor.move_cursor(editor.document.end)

    def editor_left(self, message: CellEditor.Leave) -> None:
        """The cursor walked off the edited cell."""
        self.app.run_worker(self.walk(message.direction), name="walk", group="edit")

    def cursor_moved(self, message: CellEditor.CursorMoved) -> None:
        """The local cursor moved: tell the others and keep it on screen."""
        self.app.edit.cursor_pos = message.pos
        self.app.publish_presence()
        self.app.call_after_refresh(self.keep_cursor_visible)

    def keep_cursor_visible(self) -> None:
        """Scroll the pane so that the editor's cursor line is on screen (call once laid out)."""
        self.app.pane.show_caret()

    def caret(self) -> tuple[str, int] | None:
        """The edited cell and its cursor's line in the pane's virtual space; None when not editing."""
        app = self.app
        editor = app.edit.editor
        widget = app.pane.widget_for(editor.cell_id) if editor is not None else None
        if editor is None or widget is None or not editor.is_attached or app.mode != "edit":
            return None
        # Region differences and virtual regions do not depend on how far the pane is scrolled.
        inside = editor.content_region.y - widget.region.y
        return editor.cell_id, widget.virtual_region.y + inside + editor.cursor_location[0] - int(editor.scroll_y)

    def cell_clicked(self, message: CellWidget.Clicked) -> None:
        """A click selects a cell; a double click edits it."""
        app = self.app
        app.view_actions.stop_following()
        if app.edit.editor is not None and app.edit.editor.cell_id == message.cell_id:
            return
        app.run_worker(self._click(message.cell_id, message.edit), name="click", group="edit")

    async def _click(self, cell_id: str, edit: bool) -> None:
        if self.app.edit.is_open:
            await self.action_command_mode()
        self.app.cell_actions.select_cell(cell_id, reveal=False)
        if edit:
            await self.action_edit_mode()

    # ---- undo / redo of one's own text edits ----------------------------------

    def action_undo(self) -> None:
        if not self.app.edit.replay(True):
            self.app.notify("nothing to undo", timeout=1.5)

    def action_redo(self) -> None:
        if not self.app.edit.replay(False):
            self.app.notify("nothing to redo", timeout=1.5)
