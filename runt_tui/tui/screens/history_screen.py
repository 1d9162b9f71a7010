"""The history screen: the notebook's changes by author and minute, the notebook then, restores.

The list (newest first) holds one line per group of changes; the preview shows
the notebook as it was after the highlighted group (read-only) and its
differences from now. `r` restores the whole notebook to that point and `c`
the cell that was selected when the screen opened, both as new changes that
every collaborator sees (client/restore.py). Author names and sources come
from peers and notebooks: all of it passes the sanitizer.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from runt_tui.client.restore import group_line, restore
from runt_tui.doc import HistoryGroup, NotebookDoc, change_history, group_history, notebook_diff
from runt_tui.render.sanitize import safe_text
from runt_tui.tui.screens.dialogs import ConfirmScreen

if TYPE_CHECKING:
    from runt_tui.client import AsyncSession

_KIND_STYLE = {"added": "green", "removed": "red", "changed": "yellow", "moved": "cyan"}
_MAX_SOURCE_LINES = 12


def preview(doc: NotebookDoc, group: HistoryGroup, focus: str | None = None) -> RenderableType:
    """The notebook after `group` (read-only) and how it differs from now, as Rich text."""
    heads = list(group.heads)
    parts: list[RenderableType] = [
        Text(f"The notebook after change #{group.last} (read-only)", style="bold"),
    ]
    for cell in doc.cells(heads):
        mark = "▶ " if cell.id == focus else "  "
        parts.append(safe_text(f"{mark}[{cell.cell_type}] {cell.id}", style="bold cyan" if focus == cell.id else "cyan", one_line=True))
        lines = cell.source.split("\n")
        shown = lines[:_MAX_SOURCE_LINES]
        parts.append(safe_text("\n".join("    " + line for line in shown)))
        if len(lines) > len(shown):
            parts.append(Text(f"    … {len(lines) - len(shown)} more lines", style="dim"))
    diffs = notebook_diff(doc, heads)
    parts.append(Text(""))
    parts.append(Text("Differences from now" if diffs else "Same as now", style="bold"))
    for d in diffs:
        parts.append(safe_text(f"{d.kind} {d.cell_id}", style=_KIND_STYLE.get(d.kind, ""), one_line=True))
        for line in d.lines:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            parts.append(safe_text("    " + line, style=style, one_line=True))
    return Group(*parts)


class HistoryScreen(Screen[None]):
    """The timeline of the notebook's changes; stepping back shows the notebook then."""

    DEFAULT_CSS = """
    HistoryScreen #history-title { height: 1; background: $panel; padding: 0 1; }
    HistoryScreen #history-body { height: 1fr; }
    HistoryScreen #history-list { width: 2fr; height: 1fr; }
    HistoryScreen #history-preview-box { width: 3fr; height: 1fr; padding: 0 1; }
    HistoryScreen #history-keys { height: 1; color: $text-muted; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("r", "restore_notebook", "Restore the notebook to here"),
        Binding("c", "restore_cell", "Restore this cell"),
    ]

    def __init__(self, session: AsyncSession, cell_id: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.cell_id = cell_id
        self.groups: list[HistoryGroup] = []
        self.snapshot: NotebookDoc | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("History", style="bold"), id="history-title")
        with Horizontal(id="history-body"):
            yield OptionList(id="history-list")
            with VerticalScroll(id="history-preview-box"):
                yield Static(id="history-preview")
        cell = f" · c restore cell {self.cell_id}" if self.cell_id else ""
        yield Static(safe_text(f"↑/↓ step back · r restore the notebook to here{cell} · Esc close", one_line=True),
                     id="history-keys")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the timeline again (off the event loop) and show the newest group."""
        self.run_worker(self._load(), exclusive=True, group="history-load")

    async def _load(self) -> None:
        # A fork taken now is read in a thread: a long history never holds the app, and
        # edits arriving meanwhile touch only the replica.
        snapshot = self.session.doc.fork()
        groups = await asyncio.to_thread(lambda: group_history(snapshot, change_history(snapshot)))
        self.snapshot = snapshot
        self.groups = list(reversed(groups))
        options = self.query_one("#history-list", OptionList)
        options.clear_options()
        options.add_options([Option(safe_text(group_line(g, max_cells=3), one_line=True)) for g in self.groups])
        if self.groups:
            options.highlighted = 0
            self._show(0)
        options.focus()

    @property
    def chosen(self) -> HistoryGroup | None:
        """The highlighted group."""
        index = self.query_one("#history-list", OptionList).highlighted
        return self.groups[index] if index is not None and 0 <= index < len(self.groups) else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    def _show(self, index: int) -> None:
        group = self.groups[index]
        if self.snapshot is not None:
            self.query_one("#history-preview", Static).update(preview(self.snapshot, group, self.cell_id))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_restore_notebook(self) -> None:
        group = self.chosen
        if group is not None:
            self._confirm(f"Restore the notebook to change #{group.last}? (new changes: everyone sees them)", group, None)

    def action_restore_cell(self) -> None:
        group = self.chosen
        if group is not None and self.cell_id is not None:
            self._confirm(f"Restore cell {self.cell_id} to change #{group.last}?", group, self.cell_id)

    def _confirm(self, question: str, group: HistoryGroup, cell_id: str | None) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._restore(group, cell_id), exclusive=True, group="history-restore")

        self.app.push_screen(ConfirmScreen(question), answer)

    async def _restore(self, group: HistoryGroup, cell_id: str | None) -> None:
        try:
            changed = await restore(self.session, list(group.heads), cell_id)
        except Exception as exc:  # the daemon away, a prepare refused: say so, keep the screen
            self.notify(f"not restored: {exc}", severity="error")
            return
        what = f"cell {cell_id}" if cell_id else "the notebook"
        self.notify(f"restored {what} to change #{group.last} ({changed} cell(s) changed)")
        self.reload()
