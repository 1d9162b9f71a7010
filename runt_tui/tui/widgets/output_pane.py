"""The output pane: the selected (or running) cell's outputs in full, with search, copy and save."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from runt_tui.render.sanitize import strip_controls
from runt_tui.tui.clipboard import copy_text
from runt_tui.tui.output_text import output_file, outputs_plain
from runt_tui.tui.widgets.output_view import OutputScroll
from runt_tui.tui.widgets.output_widgets import OutputWidgets


@dataclass(frozen=True)
class ShownCell:
    """The cell whose outputs the pane shows: id, number in the notebook, count, outputs, running."""

    cell_id: str
    number: int
    execution_count: int | None
    outputs: Sequence[Mapping[str, Any]]
    running: bool = False
    cell_type: str = "code"


class OutputPane(Vertical):
    """Header plus the scrolling view; keys work while the view has focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor(1)", "Down", show=False),
        Binding("k,up", "cursor(-1)", "Up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("g,home", "edge(0)", "Top", show=False),
        Binding("G,shift+g,end", "edge(1)", "Bottom", show=False),
        Binding("slash", "search", "Search", show=False),
        Binding("n", "next_match(1)", "Next match", show=False),
        Binding("N,shift+n", "next_match(-1)", "Previous match", show=False),
        Binding("W,shift+w", "toggle_wrap", "Wrap", show=False),
        Binding("v", "select_lines", "Select lines", show=False),
        Binding("escape", "clear_selection", "Clear selection", show=False),
        Binding("y", "copy", "Copy", show=False),
        Binding("S,shift+s", "save", "Save output", show=False),
        Binding("f", "app.follow_running", "Follow the running cell", show=False),
        Binding("tab", "focus_widgets", "Focus the cell's widgets", show=False),
    ]

    def __init__(self, source: Callable[[], ShownCell | None], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.view = OutputScroll(id="output-view")
        self.header = Static("", id="output-header")
        self.widgets = OutputWidgets(id="output-widgets")
        self.shown: ShownCell | None = None

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.view
        yield self.widgets

    def refresh_content(self) -> None:
        """Read the cell to show again (selection, running cell, outputs) and redraw what changed."""
        shown = self.source()
        old = self.shown
        self.shown = shown
        if shown is None:
            self.view.show_cell(None)
        else:
            if old is None or old.cell_id != shown.cell_id:
                self.view.show_cell(shown.cell_id)
                self.view.move_cursor(0)
            self.view.set_outputs(shown.outputs, self.app.current_theme.dark)
        self.widgets.show(shown.cell_id if shown else None, shown.outputs if shown else ())
        self._update_header()

    def _update_header(self) -> None:
        shown = self.shown
        text = Text()
        if shown is None:
            text.append("Output  (no cell)", style="dim")
        elif shown.cell_type != "code":
            text.append(f"#{shown.number} {shown.cell_type} cell: no outputs", style="dim")
        else:
            count = "" if shown.execution_count is None else str(shown.execution_count)
            text.append(f"Out #{shown.number} [{count or ' '}]", style="bold")
            text.append(f"  {len(shown.outputs)} output{'s' if len(shown.outputs) != 1 else ''}", style="dim")
            if shown.running:
                text.append("  running", style="bold yellow")
        view = self.view
        follow = getattr(self.app, "follow", None)
        if follow is not None:
            text.append(f"  following {strip_controls(follow, one_line=True)[:20] or 'the running cell'}", style="cyan")
        if view.wrap:
            text.append("  wrap", style="dim")
        if view.search_query:
            where = f"{view.match_index + 1}/{len(view.matches)}" if view.matches else "no match"
            text.append(f"  /{strip_controls(view.search_query, one_line=True)[:30]} {where}", style="magenta")
        if view.select_from is not None:
            lo, hi = view.selection()
            text.append(f"  {hi - lo + 1} lines selected", style="blue")
        self.header.update(text)

    # ---- actions -----------------------------------------------------------------

    def action_focus_widgets(self) -> None:
        """Tab: the keys go to the shown cell's first widget (Tab / Shift+Tab move, Esc leaves)."""
        if not self.widgets.focus_first():
            self.app.notify("This cell has no widgets to focus.", timeout=2)

    def action_cursor(self, step: int) -> None:
        self.view.move_cursor(self.view.cursor + step)
        self._update_header()

    def action_page(self, step: int) -> None:
        self.view.move_cursor(self.view.cursor + step * max(1, self.view.scrollable_content_region.height - 1))

    def action_edge(self, end: int) -> None:
        self.view.move_cursor(len(self.view.content.lines) - 1 if end else 0)
        if end:
            self.view.scroll_end(animate=False)
        else:
            self.view.scroll_home(animate=False)

    def action_search(self) -> None:
        from runt_tui.tui.screens.dialogs import PromptScreen

        def found(query: str | None) -> None:
            if query is None:
                return
            count = self.view.search(query)
            self._update_header()
            if query and not count:
                self.app.notify(f"no match for {query!r} in these outputs", timeout=3)

        self.app.push_screen(PromptScreen("Search the outputs", value=self.view.search_query), found)

    def action_next_match(self, step: int) -> None:
        self.view.next_match(step)
        self._update_header()

    def action_toggle_wrap(self) -> None:
        self.view.set_wrap(not self.view.wrap)
        self._update_header()

    def action_select_lines(self) -> None:
        self.view.select_from = None if self.view.select_from is not None else self.view.cursor
        self.view.refresh()
        self._update_header()

    def action_clear_selection(self) -> None:
        if self.view.select_from is not None:
            self.view.select_from = None
            self.view.refresh()
            self._update_header()
        else:
            self.app.set_focus(None)

    def action_copy(self) -> None:
        """Copy the selected lines, or every output of the cell, to the system clipboard."""
        if self.shown is None:
            return
        if self.view.select_from is not None:
            text, what = self.view.selected_text(), "selected output lines"
        else:
            text, what = outputs_plain(self.shown.outputs), "output"
        copied, message = copy_text(text, self.app.copy_to_clipboard, what)
        self.app.notify(message, severity="information" if copied else "warning", timeout=5)

    def action_save(self) -> None:
        """Save the output under the cursor to a file named after its MIME type."""
        shown = self.shown
        if shown is None or not shown.outputs:
            self.app.notify("no output to save", timeout=3)
            return
        index = self._output_at_cursor()
        saved = output_file(shown.outputs[index])
        if saved is None:
            self.app.notify("this output has nothing to save", timeout=3)
            return
        from runt_tui.tui.screens.dialogs import PromptScreen

        default = f"output-{shown.number}-{index + 1}{saved.extension}"

        def chosen(name: str | None) -> None:
            if not name:
                return
            path = Path(os.path.expanduser(name))
            if path.exists():
                self.app.notify(f"{path} exists: not overwritten; choose another name", severity="warning", timeout=6)
                return
            try:
                with open(path, "xb") as f:
                    f.write(saved.content)
            except OSError as e:
                self.app.notify(f"cannot save {path}: {e.strerror or e}", severity="error", timeout=6)
                return
            self.app.notify(f"saved {saved.mime} to {path} ({len(saved.content)} bytes)", timeout=5)

        self.app.push_screen(PromptScreen(f"Save output as ({saved.mime})", value=default), chosen)

    def _output_at_cursor(self) -> int:
        starts = self.view.content.starts
        cursor = self.view.cursor
        index = 0
        for i, start in enumerate(starts):
            if start <= cursor:
                index = i
        return min(index, len(self.shown.outputs) - 1) if self.shown else 0

