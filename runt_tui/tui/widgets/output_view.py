"""The output pane's scrolling view: one cell's outputs in full, drawn line by line (Line API).

Only the rows on screen become Rich Text, so a 20 MB stream scrolls and grows
without redrawing what it already holds. Search matches are highlighted,
text lines wrap or not, and a line cursor with a visual selection says what
`y` copies.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from runt_tui.render import RenderOptions, render_output
from runt_tui.render.common import Guarded
from runt_tui.render.halfblock import HAVE_PIL, HalfBlockImage
from runt_tui.render.sanitize import ansi_text, clean_segments
from runt_tui.render.stream import fold_line
from runt_tui.tui.output_lines import OutputLines, is_text, wrap_starts

MATCH = Style(reverse=True)
CURRENT = Style(reverse=True, bold=True, underline=True)
CURSOR = {True: Style(bgcolor="grey30"), False: Style(bgcolor="grey85")}  # by dark theme
SELECTED = {True: Style(bgcolor="dark_blue"), False: Style(bgcolor="light_sky_blue1")}
IMAGE_MAX_ROWS = 200
# Cells whose split lines are kept, so going back to a big output costs a comparison, not a split.
CACHED_CELLS = 4


class FullWidthImage(HalfBlockImage):
    """A half-block image scaled to the pane's width, up or down (bounded in height)."""

    def _cols(self, available: int) -> int:
        natural_w, natural_h = self.payload.natural_size()
        cols = min(available, self.max_width)
        if natural_h * cols / max(1, natural_w) / 2 > self.max_rows:
            cols = max(1, natural_w * self.max_rows * 2 // max(1, natural_h))
        return max(1, cols)


class OutputScroll(ScrollView, can_focus=True):
    """Every line of the shown cell's outputs; the pane around it holds the keys."""

    DEFAULT_CSS = """
    OutputScroll { height: 1fr; scrollbar-size-vertical: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = OutputLines()
        self.wrap = False
        self.cursor = 0
        self.select_from: int | None = None
        self.matches: list[tuple[int, int]] = []
        self.match_index = -1
        self.search_query = ""
        self.options = RenderOptions(show_all=True, image_max_rows=400, image_cell_px=1, max_text_chars=20_000_000)
        self._blocks: dict[int, list[Strip]] = {}
        self._block_text: dict[int, list[str]] = {}
        self._starts: list[int] | None = None
        self._strips: dict[int, tuple[int, list[Strip]]] = {}
        self._width = 0
        self.cell_id: str | None = None
        self._kept: OrderedDict[str, tuple[OutputLines, dict[int, list[Strip]], dict[int, list[str]], int, RenderOptions]] = OrderedDict()

    def show_cell(self, cell_id: str | None) -> None:
        """Switch to another cell's outputs, keeping the lines of the last few cells shown."""
        if cell_id == self.cell_id:
            return
        if self.cell_id is not None and self.content.lines:
            self._kept[self.cell_id] = (self.content, self._blocks, self._block_text, self._width, self.options)
            self._kept.move_to_end(self.cell_id)
            while len(self._kept) > CACHED_CELLS:
                self._kept.popitem(last=False)
        self.cell_id = cell_id
        self.clear()
        kept = self._kept.pop(cell_id, None) if cell_id is not None else None
        if kept is not None and kept[3] == self._width and kept[4] == self.options:
            self.content, self._blocks, self._block_text = kept[0], kept[1], kept[2]

    # ---- content -------------------------------------------------------------

    def set_outputs(self, outputs: Sequence[Mapping[str, Any]], dark: bool) -> None:
        """Show these outputs (a stream that only grew is extended, not redrawn)."""
        theme = "dark" if dark else "light"
        if theme != self.options.theme:
            self.options = replace(self.options, theme="dark" if dark else "light")
            self.content = OutputLines()
        width = max(10, self.scrollable_content_region.width or self.size.width or 80)
        if width != self._width:
            self._width = width
            self.content = OutputLines()
        heights = {}
        old = self.content.outputs
        for i, out in enumerate(outputs):
            if not is_text(out) and (i >= len(old) or old[i] != out or i not in self._blocks):
                self._render_block(i, out, width)
            if i in self._blocks:
                heights[i] = len(self._blocks[i])
        at_end = self.cursor >= len(self.content.lines) - 1
        first = self.content.set_outputs(outputs, heights)
        self._strips = {k: v for k, v in self._strips.items() if k < first}
        self._starts = None
        if self.search_query:
            self.matches = self.content.search(self.search_query, self._block_text)
            self.match_index = min(self.match_index, len(self.matches) - 1)
        total = len(self.content.lines)
        self._update_size()
        if at_end and total:
            self.move_cursor(total - 1)  # the end stays in view while a cell prints
        else:
            self.cursor = min(self.cursor, max(0, total - 1))
        self.refresh()

    def _render_block(self, index: int, output: Mapping[str, Any], width: int) -> None:
        result = render_output(output, width=width, options=self.options)
        renderable = result.renderable
        if result.image is not None and HAVE_PIL and self.options.images != "none":
            image = FullWidthImage(result.image, max_width=width, max_rows=IMAGE_MAX_ROWS, theme=self.options.theme)
            renderable = Guarded(image, result.mime or "image")
        console = self.app.console
        lines = console.render_lines(renderable, console.options.update(width=width), pad=False)
        strips = [Strip(clean_segments(line)).crop(0, width) for line in lines] or [Strip([])]
        self._blocks[index] = strips
        self._block_text[index] = [s.text for s in strips]

    def clear(self) -> None:
        """Show nothing."""
        self.content = OutputLines()
        self._blocks = {}
        self._block_text = {}
        self._strips.clear()
        self._starts = None
        self.cursor, self.select_from, self.matches, self.match_index = 0, None, [], -1
        self._update_size()
        self.refresh()

    def _update_size(self) -> None:
        rows = self._rows()
        self.virtual_size = Size(self._width if self.wrap else max(self._width, self.content.widest), rows)

    def _rows(self) -> int:
        if not self.wrap:
            return len(self.content.lines)
        return self._wrap_starts()[-1]

    def _wrap_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = wrap_starts(self.content, self._width)
        return self._starts

    def row_of(self, line: int) -> int:
        """The first screen row of content line `line`."""
        return self._wrap_starts()[line] if self.wrap else line

    def line_at(self, row: int) -> tuple[int, int]:
        """The content line shown on screen row `row`, and which of its wrapped rows it is."""
        if not self.wrap:
            return row, 0
        starts = self._wrap_starts()
        lo, hi = 0, len(starts) - 2
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= row:
                lo = mid
            else:
                hi = mid - 1
        return lo, row - starts[lo]

    # ---- drawing -----------------------------------------------------------------

    def _line_strips(self, index: int) -> list[Strip]:
        cached = self._strips.get(index)
        key = self._width if self.wrap else -1
        if cached is not None and cached[0] == key:
            return cached[1]
        line = self.content.lines[index]
        if isinstance(line, tuple):
            block, row = line
            strips = self._blocks.get(block.output) or []
            out = [strips[row] if row < len(strips) else Strip([])]
        else:
            text = ansi_text(fold_line(line)) if ("\x1b" in line or "\r" in line or "\b" in line) else Text(line)
            self._highlight(text, index)
            parts = text.divide(range(self._width, len(text), self._width)) if self.wrap else [text]
            out = [Strip([Segment(s.text, s.style) for s in p.render(self.app.console) if s.text != "\n"]) for p in parts]
        self._strips[index] = (key, out)
        return out

    def _highlight(self, text: Text, index: int) -> None:
        if not self.search_query:
            return
        n = len(self.search_query)
        current = self.matches[self.match_index] if 0 <= self.match_index < len(self.matches) else None
        for line, col in self.matches:
            if line == index:
                text.stylize(CURRENT if (line, col) == current else MATCH, col, col + n)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        if row >= self._rows():
            return Strip.blank(width, self.rich_style)
        index, sub = self.line_at(row)
        strips = self._line_strips(index)
        strip = strips[sub] if sub < len(strips) else Strip([])
        if not self.wrap:
            strip = strip.crop(scroll_x, scroll_x + width)
        strip = strip.extend_cell_length(width).crop(0, width)
        lo, hi = self.selection()
        dark = self.app.current_theme.dark
        if self.has_focus and lo <= index <= hi and self.select_from is not None:
            strip = strip.apply_style(SELECTED[dark])
        elif self.has_focus and index == self.cursor:
            strip = strip.apply_style(CURSOR[dark])
        return strip.apply_style(self.rich_style)

    # ---- cursor, selection, search -------------------------------------------------

    def selection(self) -> tuple[int, int]:
        """The selected lines (inclusive), or the cursor's line."""
        if self.select_from is None:
            return self.cursor, self.cursor
        return min(self.select_from, self.cursor), max(self.select_from, self.cursor)

    def selected_text(self) -> str:
        """The text of the selected lines."""
        lo, hi = self.selection()
        return "\n".join(self.content.plain(i, self._block_text) for i in range(lo, hi + 1)) + "\n"

    def move_cursor(self, line: int) -> None:
        """Put the line cursor on `line` and scroll it into view."""
        total = len(self.content.lines)
        self.cursor = max(0, min(line, total - 1)) if total else 0
        row = self.row_of(self.cursor) if total else 0
        height = self.scrollable_content_region.height
        if row < self.scroll_offset.y:
            self.scroll_to(y=row, animate=False)
        elif row >= self.scroll_offset.y + height:
            self.scroll_to(y=row - height + 1, animate=False)
        self._strips.pop(self.cursor, None)
        self.refresh()

    def search(self, query: str) -> int:
        """Highlight every match of `query`; the cursor goes to the first at or after it. Returns the count."""
        self.search_query = query
        self.matches = self.content.search(query, self._block_text) if query else []
        self._strips.clear()
        self.match_index = -1
        if self.matches:
            self.match_index = next((i for i, (ln, _) in enumerate(self.matches) if ln >= self.cursor), 0)
            self.move_cursor(self.matches[self.match_index][0])
        self.refresh()
        return len(self.matches)

    def next_match(self, step: int) -> None:
        """Go to the next (step 1) or previous (-1) match, wrapping around."""
        if not self.matches:
            return
        self.match_index = (self.match_index + step) % len(self.matches)
        self._strips.clear()
        self.move_cursor(self.matches[self.match_index][0])

    def set_wrap(self, wrap: bool) -> None:
        """Wrap long text lines at the pane's width, or scroll sideways."""
        self.wrap = wrap
        self._strips.clear()
        self._starts = None
        self._update_size()
        self.move_cursor(self.cursor)

    def on_resize(self) -> None:
        width = max(10, self.scrollable_content_region.width)
        if width != self._width and self.content.outputs:
            outputs = self.content.outputs
            self.content = OutputLines()
            self._blocks = {}
            self._kept.clear()
            self._strips.clear()
            self.set_outputs(outputs, self.options.theme == "dark")
