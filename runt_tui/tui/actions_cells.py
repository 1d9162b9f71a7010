"""Cell actions: selection, modes, structure edits, clipboard, undo, follow, view toggles."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from runt_tui.doc import NotebookDoc
from runt_tui.tui.core import AppCore
from runt_tui.tui.editsync import EditBuffer, UndoHistory
from runt_tui.tui.model import CellCopy
from runt_tui.tui.widgets.editor import CellEditor

log = logging.getLogger("runt_tui.tui")

CHORD_SECONDS = 1.0


class CellActions(AppCore):
    """Actions on cells; bound to keys in app.py and listed in the palette."""

    _chord: tuple[str, float] = ("", 0.0)

    # ---- selection --------------------------------------------------------

    def select_cell(self, cid: str | None, reveal: bool = True, bottom: bool = False) -> None:
        """Select a cell (leaving edit mode elsewhere) and scroll it into view."""
        if cid is None:
            return
        old = self.selected
        self.selected = cid
        changed = [c for c in (old, cid) if c is not None]
        self.pane.update_cells(changed)
        if reveal:
            self.pane.reveal(cid, bottom=bottom)
        if old != cid:
            self.publish_presence()

    def _index(self) -> int:
        order = self.pane.order
        return order.index(self.selected) if self.selected in order else 0

    def action_select(self, step: int) -> None:
        self.stop_following()
        order = self.pane.order
        if order:
            self.select_cell(order[max(0, min(len(order) - 1, self._index() + step))])

    def action_select_edge(self, last: int) -> None:
        self.stop_following()
        if self.pane.order:
            self.select_cell(self.pane.order[-1 if last else 0], bottom=bool(last))

    def action_page(self, direction: int) -> None:
        if direction > 0:
            self.pane.scroll_page_down(animate=False)
        else:
            self.pane.scroll_page_up(animate=False)

    # ---- modes ----------------------------------------------------------------

    async def action_edit_mode(self) -> None:
        """Open the selected cell in an editor."""
        cid = self.selected
        if cid is None or self.buffer is not None:
            return
        await self._prepare_for_editing(cid)
        if cid != self.selected or self.buffer is not None or cid not in self.session.doc:
            return
        widget = self.pane.widget_for(cid)
        if widget is None:
            self.pane.reveal(cid)
            return
        history = self.histories.setdefault(cid, UndoHistory())
        language = self.language() if self.session.doc.cell(cid).cell_type == "code" else "markdown"
        editor = CellEditor(cid, self.session.doc.source(cid), None)
        editor.highlight_as(language)
        buffer = EditBuffer(self.session, cid, history, editor.apply_remote, self.options.batch_ms / 1000)
        editor.buffer = buffer
        self.buffer, self.editor = buffer, editor
        self.mode = "edit"
        self.set_class(True, "-edit-mode")
        await widget.start_editing(editor)
        if not editor.is_attached:
            return  # the app is closing
        # Focused now, not after a refresh: the next key in the app's queue goes to the editor.
        editor.screen.set_focus(editor)
        self.cursor_pos = editor.cursor_index
        self.pane.update_cells([cid])
        self.refresh_status()
        self.publish_presence()

    async def _prepare_for_editing(self, cid: str) -> None:
        """Have the daemon prepare the cell's source, and have it on disk, first (a round
        trip), so typing goes straight to the document; offline or slow, the editor opens
        anyway and its buffer keeps the typing until the cell is prepared."""
        if cid not in self.session.doc or self.session.connection_state != "connected":
            return
        try:
            await asyncio.wait_for(self.session.prepare_sources([cid], force=True), 0.5)
        except Exception as e:
            log.info("preparing %s before editing: %s", cid, e)

    async def action_command_mode(self) -> None:
        """Close the editor, keeping the selection."""
        buffer, editor = self.buffer, self.editor
        self.buffer = self.editor = None
        if buffer is not None:
            buffer.close()
        self.mode = "command"
        self.set_class(False, "-edit-mode")
        self.screen.set_focus(None)
        if editor is not None:
            widget = self.pane.widget_for(editor.cell_id)
            if widget is not None:
                await widget.stop_editing()
            self.pane.update_cells([editor.cell_id])
        self.refresh_status()
        self.publish_presence()

    def on_cell_editor_leave(self, message: CellEditor.Leave) -> None:
        self.run_worker(self._walk(message.direction), name="walk", group="edit")

    async def _walk(self, direction: int) -> None:
        order = self.pane.order
        i = self._index() + direction
        if 0 <= i < len(order):
            await self.action_command_mode()
            self.select_cell(order[i])
            await self.action_edit_mode()
            if self.editor is not None and direction < 0:
                self.editor.move_cursor(self.editor.document.end)

    def on_cell_editor_cursor_moved(self, message: CellEditor.CursorMoved) -> None:
        self.cursor_pos = message.pos
        self.publish_presence()
        self.call_after_refresh(self.keep_cursor_visible)

    def keep_cursor_visible(self) -> None:
        """Scroll the pane so that the editor's cursor line is on screen (call once laid out)."""
        self.pane.show_caret()

    def caret(self) -> tuple[str, int] | None:
        """The edited cell and its cursor's line in the pane's virtual space; None when not editing."""
        editor = self.editor
        widget = self.pane.widget_for(editor.cell_id) if editor is not None else None
        if editor is None or widget is None or not editor.is_attached or self.mode != "edit":
            return None
        # Region differences and virtual regions do not depend on how far the pane is scrolled.
        inside = editor.content_region.y - widget.region.y
        return editor.cell_id, widget.virtual_region.y + inside + editor.cursor_location[0] - int(editor.scroll_y)

    def on_cell_widget_clicked(self, message: Any) -> None:
        self.stop_following()
        if self.editor is not None and self.editor.cell_id == message.cell_id:
            return
        self.run_worker(self._click(message.cell_id, message.edit), name="click", group="edit")

    async def _click(self, cid: str, edit: bool) -> None:
        if self.buffer is not None:
            await self.action_command_mode()
        self.select_cell(cid, reveal=False)
        if edit:
            await self.action_edit_mode()

    # ---- chords (d d, i i, 0 0) ----------------------------------------------

    async def action_chord(self, key: str) -> None:
        last, at = self._chord
        now = time.monotonic()
        if last == key and now - at < CHORD_SECONDS:
            self._chord = ("", 0.0)
            if key == "d":
                self.action_delete_cell()
            elif key == "i":
                await self.run_action("interrupt")
            elif key == "0":
                await self.run_action("restart")
        else:
            self._chord = (key, now)

    # ---- structure ------------------------------------------------------------

    def action_insert(self, below: int, cell_type: str = "code") -> str | None:
        index = self._index() + (1 if below else 0) if self.selected else 0
        cid: str = self.session.edit(lambda d: d.insert_cell(index, cell_type, ""))
        self.pane.set_order(self.cell_ids())
        self.select_cell(cid)
        return cid

    def _copy(self, cid: str) -> CellCopy:
        v = self.session.doc.cell(cid)
        return CellCopy(v.cell_type, v.source, dict(v.metadata), cid, self.pane.order.index(cid))

    def action_delete_cell(self) -> None:
        cid = self.selected
        if cid is None:
            return
        self.deleted.append(self._copy(cid))
        index = self._index()
        self.session.edit(lambda d: d.delete_cell(cid))
        order = self.cell_ids()
        if not order:
            new: str = self.session.edit(lambda d: d.insert_cell(0, "code", ""))
            order = [new]
        self.selected = order[min(index, len(order) - 1)]
        self.pane.set_order(order)
        self.select_cell(self.selected)

    def action_undo_delete(self) -> None:
        if not self.deleted:
            self.notify("no deleted cell to bring back", timeout=2)
            return
        cell = self.deleted.pop()
        cid = self._insert_copy(cell, cell.index, reuse_id=True)
        self.select_cell(cid)

    def _insert_copy(self, cell: CellCopy, index: int, reuse_id: bool = False) -> str:
        def insert(d: NotebookDoc) -> str:
            keep = reuse_id and cell.cell_id is not None and cell.cell_id not in d
            return d.insert_cell(index, cell.cell_type, cell.source,
                                 cell_id=cell.cell_id if keep else None, metadata=cell.metadata)

        cid: str = self.session.edit(insert)
        self.pane.set_order(self.cell_ids())
        return cid

    def action_cut(self) -> None:
        if self.selected is not None:
            self.cell_clipboard = [self._copy(self.selected)]
            self.action_delete_cell()
            self.deleted.pop()

    def action_copy(self) -> None:
        if self.selected is not None:
            self.cell_clipboard = [self._copy(self.selected)]
            self.notify("cell copied", timeout=1.5)

    def action_paste(self, below: int) -> None:
        if not self.cell_clipboard:
            self.notify("nothing to paste", timeout=2)
            return
        index = self._index() + (1 if below else 0)
        cid = ""
        for offset, cell in enumerate(self.cell_clipboard):
            cid = self._insert_copy(cell, index + offset)
        self.select_cell(cid)

    def action_set_type(self, cell_type: str) -> None:
        cid = self.selected
        if cid is not None:
            self.session.edit(lambda d: d.set_cell_type(cid, cell_type))
            self.pane.update_cells([cid])

    def action_move(self, step: int) -> None:
        cid = self.selected
        if cid is None:
            return
        index = max(0, min(len(self.pane.order) - 1, self._index() + step))
        self.session.edit(lambda d: d.move_cell(cid, index))
        self.pane.set_order(self.cell_ids(), anchor=cid)

    # ---- undo / redo of one's own text edits ----------------------------------

    def _replay(self, undo: bool) -> None:
        editor, buffer = self.editor, self.buffer
        if editor is None or buffer is None:
            return
        cursor = buffer.replay(undo)
        if cursor is None:
            self.notify("nothing to undo" if undo else "nothing to redo", timeout=1.5)
            return
        editor.move_cursor(editor.location_of(cursor))

    def action_undo(self) -> None:
        self._replay(True)

    def action_redo(self) -> None:
        self._replay(False)

    # ---- view -------------------------------------------------------------------

    def action_toggle_expand(self) -> None:
        cid = self.selected
        if cid is not None:
            self.expanded.symmetric_difference_update({cid})
            self.pane.update_cells([cid])

    def action_toggle_layout(self) -> None:
        self.layout_mode = "cells" if self.layout_mode == "outputs" else "outputs"
        self.set_class(self.layout_mode == "outputs", "-layout-outputs")
        self.pane.refresh_all()

    def action_toggle_line_numbers(self) -> None:
        self.line_numbers = not self.line_numbers
        if self.editor is not None:
            self.editor.show_line_numbers = self.line_numbers
        self.pane.refresh_all()

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def watch_theme(self, theme: str) -> None:
        if self.ready:
            self.pane.refresh_all()

    # ---- follow -----------------------------------------------------------------

    def action_follow_running(self) -> None:
        self.follow = None if self.follow == "" else ""
        self.apply_follow()
        self.refresh_status()

    def action_follow_next_peer(self) -> None:
        names = [p.name for p in self.session.peer_list if p.peer_id != self.session.peer_id]
        if not names:
            self.notify("nobody else is here to follow", timeout=2)
            return
        i = names.index(self.follow) + 1 if self.follow in names else 0
        self.follow = names[i] if i < len(names) else None
        self.apply_follow()
        self.refresh_status()

    def action_unfollow(self) -> None:
        self.stop_following()

    def stop_following(self) -> None:
        if self.follow is not None:
            self.follow = None
            self.refresh_status()

    def apply_follow(self, changed: set[str] | None = None) -> None:
        target = self._follow_target()
        if target is None or self.mode == "edit":
            return
        if target != self.selected or changed is None or target in changed:
            self.select_cell(target, bottom=True)

    def _follow_target(self) -> str | None:
        if self.follow is None:
            return None
        if self.follow == "":
            for item in self.session.state.queue:
                if item.status == "running":
                    return item.cell
            return None
        for peer in self.session.peer_list:
            if peer.name == self.follow and peer.peer_id != self.session.peer_id:
                return peer.cell or None
        return None
