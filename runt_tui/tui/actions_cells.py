"""Cell actions: selection, structure edits, clipboard, and the two-key chords (d d, i i, 0 0).

Each `action_*` method here is an app action (app.py forwards it): keys.py
binds keys and palette entries to these names.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from runt_tui.doc import NotebookDoc
from runt_tui.tui.model import CellCopy

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

CHORD_SECONDS = 1.0


class CellActions:
    """Actions on the selected cell and the cell order."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        self.clipboard: list[CellCopy] = []
        self.deleted: list[CellCopy] = []
        self._chord: tuple[str, float] = ("", 0.0)

    # ---- selection --------------------------------------------------------

    def select_cell(self, cell_id: str | None, reveal: bool = True, bottom: bool = False, soon: bool = False) -> None:
        """Select a cell and scroll it into view (the app's `selected` watcher redraws);
        `soon`: scroll once the keys already queued are handled (see CellsPane.selection_moved)."""
        if cell_id is None:
            return
        self.app.selected = cell_id
        if reveal:
            self.app.pane.reveal(cell_id, bottom=bottom, soon=soon)

    def index(self) -> int:
        """The selected cell's index in the pane's order (0 when none)."""
        order = self.app.pane.order
        return order.index(self.app.selected) if self.app.selected in order else 0

    def action_select(self, step: int) -> None:
        self.app.view_actions.stop_following()
        order = self.app.pane.order
        if order:
            self.select_cell(order[max(0, min(len(order) - 1, self.index() + step))], soon=True)

    def action_select_edge(self, last: int) -> None:
        self.app.view_actions.stop_following()
        order = self.app.pane.order
        if order:
            self.select_cell(order[-1 if last else 0], bottom=bool(last))

    def action_page(self, direction: int) -> None:
        self.app.pane.let_go()
        if direction > 0:
            self.app.pane.scroll_page_down(animate=False)
        else:
            self.app.pane.scroll_page_up(animate=False)

    # ---- chords (d d, i i, 0 0) ----------------------------------------------

    async def action_chord(self, key: str) -> None:
        last, at = self._chord
        now = time.monotonic()
        if last == key and now - at < CHORD_SECONDS:
            self._chord = ("", 0.0)
            if key == "d":
                self.action_delete_cell()
            elif key == "i":
                await self.app.run_action("interrupt")
            elif key == "0":
                await self.app.run_action("restart")
        else:
            self._chord = (key, now)

    # ---- structure ------------------------------------------------------------

    def action_insert(self, below: int, cell_type: str = "code") -> str | None:
        app = self.app
        index = self.index() + (1 if below else 0) if app.selected else 0
        cell_id: str = app.session.edit(lambda d: d.insert_cell(index, cell_type, ""))
        app.pane.set_order(app.cell_ids())
        self.select_cell(cell_id)
        return cell_id

    def _copy(self, cell_id: str) -> CellCopy:
        v = self.app.session.doc.cell(cell_id)
        return CellCopy(v.cell_type, v.source, dict(v.metadata), cell_id, self.app.pane.order.index(cell_id))

    def action_delete_cell(self) -> None:
        app = self.app
        cell_id = app.selected
        if cell_id is None:
            return
        self.deleted.append(self._copy(cell_id))
        index = self.index()
        app.session.edit(lambda d: d.delete_cell(cell_id))
        order = app.cell_ids()
        if not order:
            new: str = app.session.edit(lambda d: d.insert_cell(0, "code", ""))
            order = [new]
        app.selected = order[min(index, len(order) - 1)]
        app.pane.set_order(order)
        self.select_cell(app.selected)

    def action_undo_delete(self) -> None:
        if not self.deleted:
            self.app.notify("no deleted cell to bring back", timeout=2)
            return
        cell = self.deleted.pop()
        self.select_cell(self._insert_copy(cell, cell.index, reuse_id=True))

    def _insert_copy(self, cell: CellCopy, index: int, reuse_id: bool = False) -> str:
        def insert(d: NotebookDoc) -> str:
            keep = reuse_id and cell.cell_id is not None and cell.cell_id not in d
            return d.insert_cell(index, cell.cell_type, cell.source,
                                 cell_id=cell.cell_id if keep else None, metadata=cell.metadata)

        cell_id: str = self.app.session.edit(insert)
        self.app.pane.set_order(self.app.cell_ids())
        return cell_id

    def action_cut(self) -> None:
        if self.app.selected is not None:
            self.clipboard = [self._copy(self.app.selected)]
            self.action_delete_cell()
            self.deleted.pop()

    def action_copy(self) -> None:
        if self.app.selected is not None:
            self.clipboard = [self._copy(self.app.selected)]
            self.app.notify("cell copied", timeout=1.5)

    def action_paste(self, below: int) -> None:
        if not self.clipboard:
            self.app.notify("nothing to paste", timeout=2)
            return
        index = self.index() + (1 if below else 0)
        cell_id = ""
        for offset, cell in enumerate(self.clipboard):
            cell_id = self._insert_copy(cell, index + offset)
        self.select_cell(cell_id)

    def action_set_type(self, cell_type: str) -> None:
        cell_id = self.app.selected
        if cell_id is not None:
            self.app.session.edit(lambda d: d.set_cell_type(cell_id, cell_type))
            self.app.pane.update_cells([cell_id])

    def action_move(self, step: int) -> None:
        app = self.app
        cell_id = app.selected
        if cell_id is None:
            return
        index = max(0, min(len(app.pane.order) - 1, self.index() + step))
        app.session.edit(lambda d: d.move_cell(cell_id, index))
        app.pane.set_order(app.cell_ids(), anchor=cell_id)
