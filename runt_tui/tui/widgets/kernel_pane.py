"""The kernel pane: kernel facts, the shared queue, history, peers, actions and the kernel's log."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from runt_tui.tui.kernel_view import Row

ACTIONS_HELP = "i interrupt · 0 restart · K kernel · C clear queue · A/U/B run all/above/below · Enter go to cell"


class KernelList(OptionList):
    """The pane's rows; rows naming a cell can be highlighted and opened with Enter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "Top", show=False),
        Binding("G,shift+g", "last", "Bottom", show=False),
    ]

    def __init__(self, refit: Callable[[], None], *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.refit = refit
        self.fitted_width: int | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        # The rows were cut at the width known when they were built; a later layout (a resize, a scrollbar
        # appearing, a busy machine laying out the pane after its rows) may change it: cut them again.
        width = self.scrollable_content_region.width
        if width and self.fitted_width is not None and width != self.fitted_width:
            self.fitted_width = None
            self.call_later(self.refit)
        return super().render_lines(crop)


class KernelPane(Vertical):
    """Everything about the notebook's kernel and who uses it; actions call the app's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "app.interrupt", "Interrupt", show=False),
        Binding("0", "app.restart", "Restart (asks)", show=False),
        Binding("K,shift+k", "app.change_kernel", "Change kernel", show=False),
        Binding("C,shift+c", "app.clear_queue", "Clear the queue", show=False),
        Binding("A,shift+a", "app.run_all", "Run all", show=False),
        Binding("U,shift+u", "app.run_above", "Run above", show=False),
        Binding("B,shift+b", "app.run_below", "Run below", show=False),
    ]

    def __init__(self, source: Callable[[], list[Row]], jump: Callable[[str], None], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.jump = jump
        self.rows: list[Row] = []
        self.list = KernelList(self._refit, id="kernel-list")

    def compose(self) -> ComposeResult:
        yield self.list
        yield Static(Text(ACTIONS_HELP, style="dim", overflow="ellipsis", no_wrap=True), id="kernel-help")

    def refresh_content(self) -> None:
        """Rebuild the rows from the runtime state; only changed rows are redrawn."""
        self.list.fitted_width = self.list.scrollable_content_region.width
        width = max(8, self.list.fitted_width or self.size.width)
        rows = [self._fit(r, width) for r in self.source()]
        old = self.rows
        self.rows = rows
        same_shape = len(rows) == len(old) and all(a.cell == b.cell and a.section == b.section for a, b in zip(rows, old, strict=True))
        if same_shape:
            for i, (new, was) in enumerate(zip(rows, old, strict=True)):
                if new.text != was.text:
                    self.list.replace_option_prompt_at_index(i, new.text)
            return
        keep = self._highlighted_key()
        self.list.set_options(Option(r.text, disabled=r.cell is None) for r in rows)
        if keep is not None:
            for i, r in enumerate(rows):
                if (r.section, r.cell) == keep:
                    self.list.highlighted = i
                    break

    @staticmethod
    def _fit(row: Row, width: int) -> Row:
        """A one-line row cut at the pane's width (Textual's list would wrap it)."""
        if not row.text.no_wrap or row.text.cell_len <= width:
            return row
        text = row.text.copy()
        text.truncate(width, overflow="ellipsis")
        return Row(text, row.cell, row.section)

    def on_resize(self) -> None:
        # The list inside is laid out after this pane: cut the rows at its new width once it has one.
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        if self.rows:
            self.rows = []
            self.refresh_content()

    def _highlighted_key(self) -> tuple[str, str | None] | None:
        index = self.list.highlighted
        if index is None or index >= len(self.rows):
            return None
        return self.rows[index].section, self.rows[index].cell

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.rows):
            cell = self.rows[event.option_index].cell
            if cell:
                self.jump(cell)

    def plain(self) -> str:
        """The pane's text (tests and the copy action read it)."""
        return "\n".join(r.text.plain for r in self.rows)
