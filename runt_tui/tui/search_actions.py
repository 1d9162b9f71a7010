"""`/`, `n`, `N` and `:` in command mode: search the notebook, step through matches, go to a cell.

The search reads the document (every cell, drawn or not); the hit's cell is
selected and scrolled to, and every drawn cell highlights the query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from textual.notifications import SeverityLevel

from runt_tui.client import AsyncSession
from runt_tui.tui.notebook_search import Hit, NotebookSearch, find_cell
from runt_tui.tui.screens.line_prompt import LinePrompt
from runt_tui.tui.widgets.pane import CellsPane


class SearchHost(Protocol):
    """What the search needs of the app."""

    session: AsyncSession
    selected: str | None
    pane: CellsPane

    def select_cell(self, cid: str | None, reveal: bool = True, bottom: bool = False) -> None: ...

    def refresh_status(self) -> None: ...

    def call_later(self, callback: Callable[..., Any], *args: Any) -> bool: ...

    def push_screen(self, screen: Any, callback: Callable[[str | None], None] | None = None) -> Any: ...

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...


class SearchActions:
    """The notebook search of one app: its state, the prompts and the moves."""

    def __init__(self, host: SearchHost) -> None:
        self.host = host
        self.search = NotebookSearch()
        self.highlight = ""  # the query drawn highlighted ("" when cleared)
        self.status = ""  # "match 2 of 5, cell 7 (output 1)" for the status bar

    def prompt_search(self) -> None:
        """Ask for the text to search (`/`)."""
        self.host.push_screen(LinePrompt("/", "search sources and outputs · Enter · Esc"), self._after(self._search))

    def prompt_goto(self) -> None:
        """Ask for a cell number or id (`:`)."""
        self.host.push_screen(LinePrompt(":", "cell number or id · Enter · Esc"), self._after(self._goto))

    def _after(self, then: Callable[[str | None], None]) -> Callable[[str | None], None]:
        """Run `then` once the prompt has gone (a message shown while it closes would go with it)."""
        def later(answer: str | None) -> None:
            self.host.call_later(then, answer)

        return later

    def _search(self, query: str | None) -> None:
        if query is None:
            return
        if not query:
            query = self.search.query  # an empty `/` searches the last text again, as in vim
        if not query:
            return
        order = list(self.host.pane.order)
        start = order.index(self.host.selected) if self.host.selected in order else 0
        self._show(self.search.start(self.host.session.doc, order, query, start))

    def step(self, forward: bool) -> None:
        """`n` / `N`: the next or previous match."""
        if not self.search.query:
            self.host.notify("no search yet: / searches the notebook", timeout=3)
            return
        self._show(self.search.step(self.host.session.doc, list(self.host.pane.order), forward))

    def clear(self) -> None:
        """Stop highlighting (Esc in command mode)."""
        if self.highlight or self.status:
            self.highlight, self.status = "", ""
            self._redraw()
            self.host.refresh_status()

    def _show(self, hit: Hit | None) -> None:
        self.status = self.search.describe()
        if hit is None:
            self.highlight = ""
            self.host.notify(f"not found: {self.search.query}", timeout=3)
        else:
            self.highlight = self.search.query
            self.host.select_cell(hit.cell_id)
        self._redraw()
        self.host.refresh_status()

    def _redraw(self) -> None:
        """Redraw every drawn cell: the highlight changed."""
        self.host.pane.update_cells(list(self.host.pane.mounted))

    def _goto(self, target: str | None) -> None:
        if not target:
            return
        order = list(self.host.pane.order)
        cid = find_cell(target, order)
        if cid is None:
            self.host.notify(f"no cell {target.strip()!r} (a number 1-{len(order)} or a cell id)", severity="warning")
            return
        self.host.select_cell(cid)
