"""The cell editor: a TextArea that reports precise edits and draws other peers' cursors."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from typing import ClassVar, Self

from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import Edit as TextEdit
from textual.widgets.text_area import EditResult, Location

from runt_tui.client.editsync import EditBuffer
from runt_tui.doc import Edit
from runt_tui.render.sanitize import CONTROL, visible_controls
from runt_tui.tui.keys import editor_bindings
from runt_tui.tui.widgets.guard import GuardedRender

# Textual re-highlights the whole text at every edit (~30 µs a line here): beyond
# this many lines an editor stays plain, or typing would lag.
HIGHLIGHT_MAX_LINES = 1000
WIDTH_STEP = 32  # columns the scrollable width grows by past the view (a layout per step)
_CONTROL_STYLE = Style(reverse=True)


# One TextArea highlight: (start column, end column or None for the row's end, name).
Highlight = tuple[int, int | None, str]


@dataclass
class _OneRowEdit:
    """What an edit within one row must leave alone for that row alone to be repainted."""

    row: int
    scroll: Offset
    gutter: int
    bracket: Location | None
    highlights: dict[int, list[Highlight]]
    repaint: bool = False  # the TextArea asked for a whole repaint meanwhile


def _drawn_alike(before: list[Highlight], after: list[Highlight], styled: Container[str]) -> bool:
    """Whether a row keeps its look: the same spans under the same styled names, in any order.

    Only names the theme styles draw anything (a syntax error's span often is not).
    A re-parse lists captures in another order even where the text did not change,
    and Textual stacks overlapping spans in that order; a row whose spans are all
    unchanged is kept as drawn rather than redrawn in whichever order came last.
    """
    if before == after:
        return True

    def spans(row: list[Highlight]) -> list[tuple[int, int, str]]:
        return sorted((start, -1 if end is None else end, name) for start, end, name in row if name in styled)

    return spans(before) == spans(after)


@dataclass(frozen=True)
class RemoteCursor:
    """Another peer's cursor inside this cell."""

    pos: int
    colour: str


class CellEditor(GuardedRender, TextArea):
    """A TextArea bound to one cell through an EditBuffer (attributes down, messages up)."""

    BINDINGS: ClassVar[list[BindingType]] = editor_bindings()
    # Set while an edit within one row runs (refresh may be called before __init__ ends).
    _one_row: _OneRowEdit | None = None

    class Leave(Message):
        """The cursor walked off the top (-1) or bottom (+1) of the cell."""

        def __init__(self, direction: int) -> None:
            super().__init__()
            self.direction = direction

    class Complete(Message):
        """Ask the kernel for completions at the cursor."""

        def __init__(self, editor: CellEditor) -> None:
            super().__init__()
            self.editor = editor

    class Inspect(Message):
        """Ask the kernel to inspect the name at the cursor."""

        def __init__(self, editor: CellEditor) -> None:
            super().__init__()
            self.editor = editor

    class CursorMoved(Message):
        """The local cursor moved (for presence)."""

        def __init__(self, cell_id: str, pos: int) -> None:
            super().__init__()
            self.cell_id = cell_id
            self.pos = pos

    def __init__(self, cell_id: str, text: str, language: str | None, **kwargs: object) -> None:
        super().__init__(
            text,
            language=language,
            tab_behavior="focus",
            soft_wrap=False,
            show_line_numbers=False,
            **kwargs,  # type: ignore[arg-type]
        )
        self.cell_id = cell_id
        self.buffer: EditBuffer | None = None
        self.remote_cursors: tuple[RemoteCursor, ...] = ()
        self._applying = False
        self.edit_kind = "edit"
        self._highlight: str | None = None

    def highlight_as(self, language: str | None) -> None:
        """Syntax-highlight as `language` (when installed), while the text is short enough."""
        self._highlight = language if language in self.available_languages else None
        self._update_highlighting()

    def _update_highlighting(self) -> None:
        wanted = self._highlight if self.document.line_count <= HIGHLIGHT_MAX_LINES else None
        if self.language != wanted:
            self.language = wanted

    def on_mount(self) -> None:
        if self.app.is_headless:
            self.cursor_blink = False  # deterministic screenshots

    def validate_virtual_size(self, size: Size) -> Size:
        """Never narrower than the view, and wider in steps: typing at the end of the longest line seldom lays out.

        Textual lays out the whole screen when a virtual size changes; the width
        only matters here once a line is wider than the view (it scrolls then), and
        a step of columns past its end leaves one layout per step, not one per key.
        """
        view = self.container_size.width
        if size.width <= view:
            return Size(view, size.height)
        return Size(view + -(-(size.width - view) // WIDTH_STEP) * WIDTH_STEP, size.height)

    def on_resize(self) -> None:
        # Keys typed before the first layout (Enter then text in one burst) scrolled a view
        # of no width to the cursor, and that scroll would stay: start again from column 0.
        self.scroll_to(x=0, animate=False, immediate=True)
        self.scroll_cursor_visible()

    # ---- edits ------------------------------------------------------------

    def index_of(self, location: Location) -> int:
        """Code-point offset of a (row, column) location."""
        row, col = location
        doc = self.document
        newline = len(doc.newline)
        return sum(len(doc.get_line(i)) + newline for i in range(row)) + col

    def location_of(self, index: int) -> Location:
        """(row, column) of a code-point offset (clamped to the text)."""
        doc = self.document
        newline = len(doc.newline)
        remaining = max(0, index)
        for row in range(doc.line_count):
            length = len(doc.get_line(row))
            if remaining <= length:
                return (row, remaining)
            remaining -= length + newline
        last = doc.line_count - 1
        return (last, len(doc.get_line(last)))

    @property
    def cursor_index(self) -> int:
        """The cursor as a code-point offset."""
        return self.index_of(self.cursor_location)

    def edit(self, edit: TextEdit) -> EditResult:
        """Every change goes through here: record it for the document unless it came from it."""
        start, end = sorted((edit.from_location, edit.to_location))
        if not self._applying and self.buffer is not None:
            pos = self.index_of(start)
            removed = self.get_text_range(start, end)
            # Recorded first: the first key of a burst leaves for the others before this
            # editor spends its own time on it (re-parsing, re-highlighting, sizing).
            self.buffer.local(Edit(pos, len(removed), edit.text), removed, self.edit_kind)
        if self._stays_in_row(edit, start, end):
            result = self._edit_one_row(edit, start[0])
        else:
            result = super().edit(edit)
        if self._highlight is not None:
            self._update_highlighting()
        return result

    def _stays_in_row(self, edit: TextEdit, start: Location, end: Location) -> bool:
        """An edit within the row that holds the cursor and the whole selection, adding no line."""
        selection = self.selection
        return (start[0] == end[0] == selection.start[0] == selection.end[0]
                and "\n" not in edit.text and "\r" not in edit.text)

    def _edit_one_row(self, edit: TextEdit, row: int) -> EditResult:
        """Apply an edit within one row, repainting that row alone when nothing else changed.

        TextArea repaints every line at each edit (its selection is a repainting reactive);
        a keystroke then costs a render of the whole cell and its bytes through the terminal.
        """
        self._one_row = watch = _OneRowEdit(
            row, self.scroll_offset, self.gutter_width, self._matching_bracket_location, dict(self._highlights)
        )
        try:
            result = super().edit(edit)
        finally:
            self._one_row = None
        if watch.repaint:
            if self._only_row_changed(watch):
                rows = {row, *(loc[0] for loc in (watch.bracket, self._matching_bracket_location) if loc)}
                for y in rows:
                    self.refresh_lines(y)
            else:
                self.refresh()
        return result

    def _only_row_changed(self, watch: _OneRowEdit) -> bool:
        """Whether every row but the edited one draws as it did before the edit."""
        selection = self.selection
        if (self.scroll_offset != watch.scroll or self.gutter_width != watch.gutter
                or selection.start[0] != watch.row or selection.end[0] != watch.row):
            return False
        after, styled = self._highlights, self._theme.syntax_styles
        return all(
            _drawn_alike(watch.highlights.get(y, []), after.get(y, []), styled)
            for y in watch.highlights.keys() | after.keys()
            if y != watch.row
        )

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        if self._one_row is not None and repaint and not (regions or layout or recompose):
            self._one_row.repaint = True  # decided once the edit is done (_edit_one_row)
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def apply_remote(self, edits: list[Edit]) -> None:
        """Apply edits (ascending, old coordinates) keeping the local cursor and selection."""
        self._applying = True
        try:
            for e in sorted(edits, key=lambda x: x.pos, reverse=True):
                start = self.location_of(e.pos)
                end = self.location_of(e.pos + e.delete)
                self.replace(e.insert, start, end, maintain_selection_offset=True)
        finally:
            self._applying = False
        if self.buffer is not None and self.text != self.buffer.text:
            # A newline style TextArea normalised: fall back to the buffer's text.
            cursor = self.cursor_location
            self._applying = True
            try:
                self.load_text(self.buffer.text)
                self.cursor_location = cursor
            finally:
                self._applying = False
            self._update_highlighting()

    def replace_range(self, pos: int, delete: int, insert: str, kind: str) -> None:
        """A local edit by offsets (undo, redo, completion), recorded as `kind`."""
        self.edit_kind = kind
        try:
            start = self.location_of(pos)
            end = self.location_of(pos + delete)
            self.replace(insert, start, end, maintain_selection_offset=False)
        finally:
            self.edit_kind = "edit"

    # ---- keys ---------------------------------------------------------------

    def leaves(self, direction: int) -> bool:
        """True when ↑ (-1) or ↓ (+1) walks off this cell rather than moving the cursor."""
        edge = self.cursor_at_first_line if direction < 0 else self.cursor_at_last_line
        return edge and self.selection.is_empty

    def action_cursor_up_or_leave(self) -> None:
        if self.leaves(-1):
            self.post_message(self.Leave(-1))
        else:
            self.action_cursor_up()

    def action_cursor_down_or_leave(self) -> None:
        if self.leaves(1):
            self.post_message(self.Leave(1))
        else:
            self.action_cursor_down()

    def action_complete(self) -> None:
        row, col = self.cursor_location
        before = self.document.get_line(row)[:col]
        if not before.strip() or not self.selection.is_empty:
            self.insert(" " * (4 - col % 4))
        else:
            self.post_message(self.Complete(self))

    def action_inspect(self) -> None:
        self.post_message(self.Inspect(self))

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        """Report the cursor as a code-point offset (the app publishes it as presence)."""
        if event.text_area is self:
            event.stop()
            self.post_message(self.CursorMoved(self.cell_id, self.cursor_index))

    # ---- drawing ------------------------------------------------------------

    def get_line(self, line_index: int) -> Text:
        """A line as drawn: its control characters shown as ␛-style stand-ins, one for one.

        The document keeps them; only the picture changes, so columns, selection
        and cursor still index the same characters.
        """
        line = self.document.get_line(line_index)
        if CONTROL.search(line) is None:
            return Text(line, end="", no_wrap=True)
        text = Text(visible_controls(line), end="", no_wrap=True)
        for match in CONTROL.finditer(line):
            text.stylize(_CONTROL_STYLE, match.start(), match.end())
        return text

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if not self.remote_cursors:
            return strip
        scroll_x, scroll_y = self.scroll_offset
        for cursor in self.remote_cursors:
            row, col = self.location_of(cursor.pos)
            if row - scroll_y != y:
                continue
            x = self.gutter_width + self.get_column_width(row, col) - scroll_x
            if 0 <= x < strip.cell_length:
                style = Style(bgcolor=cursor.colour, color="black")
                strip = Strip.join(
                    [strip.crop(0, x), strip.crop(x, x + 1).apply_style(style), strip.crop(x + 1)]
                )
        return strip
