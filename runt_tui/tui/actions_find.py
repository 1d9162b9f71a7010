"""Finding and editing from command mode: `/`, `n`, `N`, `:`, Esc (the notebook search) and `E` ($EDITOR).

The search reads the document (every cell, drawn or not); the hit's cell is
selected and scrolled to, and every drawn cell highlights the query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from runt_tui.tui.external_actions import edit_in_external_editor
from runt_tui.tui.notebook_search import Hit, NotebookSearch, find_cell
from runt_tui.tui.screens.line_prompt import LinePrompt

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp


class FindActions:
    """The notebook search of one app (its state, the prompts, the moves) and editing in $EDITOR."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        self.search = NotebookSearch()
        self.highlight = ""  # the query drawn highlighted ("" when cleared)
        self.status = ""  # "match 2 of 5, cell 7 (output 1)" for the status bar

    def action_search(self) -> None:
        """Ask for the text to search (`/`)."""
        self.app.push_screen(LinePrompt("/", "search sources and outputs · Enter · Esc"), self._after(self._search))

    def action_goto_cell(self) -> None:
        """Ask for a cell number or id (`:`)."""
        self.app.push_screen(LinePrompt(":", "cell number or id · Enter · Esc"), self._after(self._goto))

    def action_search_next(self, step: int) -> None:
        """`n` / `N`: the next or previous match."""
        if not self.search.query:
            self.app.notify("no search yet: / searches the notebook", timeout=3)
            return
        self._show(self.search.step(self.app.session.doc, list(self.app.pane.order), step > 0))

    def action_clear_search(self) -> None:
        """Stop highlighting (Esc in command mode)."""
        if self.highlight or self.status:
            self.highlight, self.status = "", ""
            self._redraw()

    def action_edit_external(self) -> None:
        """Edit the selected cell in $VISUAL / $EDITOR (`E`)."""
        cell_id = self.app.selected
        if cell_id is not None:
            self.app.run_worker(edit_in_external_editor(self.app, cell_id), name="external-editor", group="edit")

    def _after(self, then: Callable[[str | None], None]) -> Callable[[str | None], None]:
        """Run `then` once the prompt has gone (a message shown while it closes would go with it)."""

        def later(answer: str | None) -> None:
            self.app.call_later(then, answer)

        return later

    def _search(self, query: str | None) -> None:
        if query is None:
            return
        query = query or self.search.query  # an empty `/` searches the last text again, as in vim
        if not query:
            return
        order = list(self.app.pane.order)
        start = order.index(self.app.selected) if self.app.selected in order else 0
        self._show(self.search.start(self.app.session.doc, order, query, start))

    def _show(self, hit: Hit | None) -> None:
        self.status = self.search.describe()
        if hit is None:
            self.highlight = ""
            self.app.notify(f"not found: {self.search.query}", timeout=3)
        else:
            self.highlight = self.search.query
            self.app.cell_actions.select_cell(hit.cell_id)
        self._redraw()

    def _redraw(self) -> None:
        """Redraw every drawn cell (the highlight changed) and the status bar."""
        self.app.pane.update_cells(list(self.app.pane.mounted))
        self.app.refresh_status()

    def _goto(self, target: str | None) -> None:
        if not target:
            return
        order = list(self.app.pane.order)
        cell_id = find_cell(target, order)
        if cell_id is None:
            self.app.notify(f"no cell {target.strip()!r} (a number 1-{len(order)} or a cell id)", severity="warning")
            return
        self.app.cell_actions.select_cell(cell_id)
