"""One notebook cell on screen: a single light widget, or gutter + editor while edited."""

from __future__ import annotations

from dataclasses import replace

from rich.console import RenderableType
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from runt_tui.render import ImagePayload
from runt_tui.tui.model import CellModel, ViewFlags, estimate_height
from runt_tui.tui.search_marks import mark_line
from runt_tui.tui.widgets.bodycache import BodyCache
from runt_tui.tui.widgets.cellrender import (
    GUTTER,
    BlockLines,
    GutterLayout,
    RenderedOnce,
    SegmentsLine,
    group,
    gutter,
    output_parts,
    source_renderable,
)
from runt_tui.tui.widgets.editor import CellEditor, RemoteCursor
from runt_tui.tui.widgets.guard import GuardedRender, GuardedStatic
from runt_tui.tui.widgets.ipyw.ref import WidgetViewRef
from runt_tui.tui.widgets.rowdiff import changed_rows

# Drawn as widgets below the cell's body: pixel images and ipywidgets views.
Mounted = ImagePayload | WidgetViewRef
# Bodies drawn, by _body_key(), shared by every CellWidget (a remounted cell reuses its body).
BODIES: BodyCache[tuple[GutterLayout, list[Mounted | RenderableType]]] = BodyCache()


class CellBody(GuardedRender, Widget):
    """The whole cell drawn as one Rich table: prompt gutter, source, outputs.

    Drawn line by line from the table's per-width cache: Textual's default
    would turn every row into a Strip twice (to measure, then to paint) at each
    refresh, which for a capped 200-line output, or an expanded one of
    thousands, costs far more than the rows actually on screen.
    """

    def __init__(self, owner: CellWidget) -> None:
        super().__init__(classes="cell-body")
        self.owner = owner
        self._settling = False

    def render(self) -> RenderableType:
        return self.owner.body_renderable()

    def _table(self) -> GutterLayout:
        table = self.owner.body_renderable()
        assert isinstance(table, GutterLayout)
        return table

    def _rows(self, width: int, table: GutterLayout | None = None) -> list[list[Segment]]:
        options = self.app.console_options.update(highlight=False, width=width, height=None)
        return (table or self._table()).lines(self.app.console, options)

    def _settle(self) -> None:
        """Highlight the source exactly and repaint the rows whose colours differ."""
        self._settling = False
        table = self._table()
        width = self.size.width
        before = table.drawn(width) if width > 0 else None
        if table.settle() and before is not None:
            self._repaint(changed_rows(before, self._rows(width)), width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows(width)) if width > 0 else 0

    def redraw(self, old: GutterLayout | None) -> None:
        """The body changed from `old`: repaint only the rows that differ while the height holds.

        A keystroke from another terminal then costs one row's repaint, not a
        repaint of every row plus a layout of the whole screen.
        """
        width = self.size.width
        before = old.drawn(width) if old is not None and width > 0 else None
        self._repaint(changed_rows(before, self._rows(width)) if before is not None else None, width)

    def _repaint(self, rows: list[int] | None, width: int) -> None:
        if rows is None:
            self.refresh(layout=True)
            return
        for y in rows:
            self.refresh(Region(0, y, width, 1))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.visual_style.rich_style
        table = self._table()
        rows = self._rows(width, table) if width > 0 else []
        if table.approximate and not self._settling:
            # Painted from a peer's edit spliced into the last highlighting: exact once this
            # frame is out (a paint runs to its end before any message is handled).
            self._settling = True
            self.call_next(self._settle)
        if y >= len(rows):
            return Strip.blank(width, base)
        # The same styling Textual gives a Rich renderable (post_render), one row at a time.
        console = self.app.console
        options = self.app.console_options.update(highlight=False, width=width, height=None)
        segments = console.render(self.post_render(SegmentsLine(rows[y]), base), options)
        line = next(iter(Segment.split_and_crop_lines(segments, width, include_new_lines=False, pad=False)), [])
        if self.owner.model.search:
            line = mark_line(line, self.owner.model.search)
        return Strip(line)


class CellWidget(GuardedRender, Widget):
    """A cell; `model` and `flags` come down from the pane, clicks go up as messages."""

    class Clicked(Message):
        """The user clicked a cell (double click: edit it)."""

        def __init__(self, cell_id: str, edit: bool) -> None:
            super().__init__()
            self.cell_id = cell_id
            self.edit = edit

    class Resized(Message):
        """The cell's height on screen changed (the pane sizes its spacers from it)."""

        def __init__(self, cell_id: str, height: int) -> None:
            super().__init__()
            self.cell_id = cell_id
            self.height = height

    def __init__(self, model: CellModel, flags: ViewFlags) -> None:
        super().__init__(classes=f"cell -{model.cell_type}")
        self.cell_id = model.id
        self.model = model
        self.flags = flags
        self.editor: CellEditor | None = None
        self._body_cache: tuple[tuple[CellModel, ViewFlags, int], GutterLayout] | None = None
        self._images: list[Mounted | RenderableType] = []
        self._outputs_shown: tuple[object, ...] | None = None
        self._gutter_shown: Text | None = None
        self._parts_cache: tuple[object, list[RenderableType], list[Mounted | RenderableType]] | None = None

    def compose(self) -> ComposeResult:
        yield CellBody(self)

    # ---- drawing ----------------------------------------------------------

    def _width(self) -> int:
        # From the flags, not self.size: asking for our size while rendering
        # would make the compositor lay the screen out again, recursively.
        return max(20, self.flags.width - GUTTER - 4)

    def _parts(self, width: int) -> tuple[list[RenderableType], list[Mounted | RenderableType]]:
        """Outputs up to the first pixel image (drawn by the body), then that image and
        everything after it in order (mounted as widgets below the body).

        Kept while the outputs stay the same: typing in the cell (here or in another
        terminal) must not render its outputs again, nor remount its images.
        """
        key = (self._outputs_key(), width)
        if self._parts_cache is None or self._parts_cache[0] != key:
            head, tail = self._render_parts(width)
            self._parts_cache = (key, [BlockLines(part) for part in head], tail)
        return self._parts_cache[1], self._parts_cache[2]

    def _render_parts(self, width: int) -> tuple[list[RenderableType], list[Mounted | RenderableType]]:
        head: list[RenderableType] = []
        tail: list[Mounted | RenderableType] = []
        for part in output_parts(self.model, self.flags, width):
            if tail or isinstance(part, Mounted):
                tail.append(part)
            else:
                head.append(part)
        return head, tail

    def _body_key(self) -> tuple[CellModel, ViewFlags, int]:
        # Selection and edit state are drawn by CSS classes on this widget, not
        # by the body: leaving them out lets j/k over a huge output reuse it.
        return replace(self.model, selected=False, editing=False, search=""), self.flags, self._width()

    def body_renderable(self) -> RenderableType:
        """The Rich table for the non-editing state (cached by value)."""
        key = self._body_key()
        cached = self._body_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        drawn = BODIES.get(key)
        if drawn is None:
            width = key[2]
            parts, images = self._parts(width)
            table = GutterLayout(gutter(self.model), [source_renderable(self.model, self.flags, width), *parts])
            drawn = (table, images)
            BODIES.put(key, drawn, estimate_height(self.model, self.flags))
        table, images = drawn
        self._set_images(images)
        self._body_cache = (key, table)
        return table

    def _outputs_key(self) -> tuple[object, ...]:
        # What output_parts depends on; like the body cache, orev and blobs_epoch
        # stand for the outputs themselves (they change whenever those do).
        m = self.model
        return m.cell_type, m.orev, m.blobs_epoch, m.expanded, len(m.outputs), self.flags, self._width()

    def outputs_renderable(self) -> RenderableType:
        """Outputs alone (under the editor)."""
        self._outputs_shown = self._outputs_key()
        blocks, images = self._parts(self._width())
        self._set_images(images)
        parts = [b.renderable if isinstance(b, BlockLines) else b for b in blocks]
        return RenderedOnce(group(parts)) if parts else Text("")

    def _set_images(self, tail: list[Mounted | RenderableType]) -> None:
        # Rebuilt payloads are new objects only when the outputs changed; text after an
        # image is rebuilt with the body, which happens only when something changed too.
        # A widget view stays mounted (and focused) while it shows the same model.
        if [_same(i) for i in tail] == [_same(i) for i in self._images]:
            return
        self._images = tail
        self.call_later(self._mount_images)

    async def _mount_images(self) -> None:
        from runt_tui.tui.graphics import image_widget
        from runt_tui.tui.widgets.ipyw.view import widget_view

        await self.query(".cell-image, .cell-after-image").remove()
        widgets: list[Widget] = []
        text: list[RenderableType] = []
        for part in [*self._images, None]:
            if part is not None and not isinstance(part, Mounted):
                text.append(part)
                continue
            if text:
                widgets.append(GuardedStatic(group(text), classes="cell-after-image"))
                text = []
            if isinstance(part, ImagePayload):
                widgets.append(image_widget(part, max_cols=self._width()))
            elif isinstance(part, WidgetViewRef):
                widgets.append(widget_view(part, self.app).set_classes("cell-image"))
        if widgets:
            await self.mount_all(widgets)

    def update_model(self, model: CellModel, flags: ViewFlags) -> None:
        """New state from the pane; redraws only when something visible changed."""
        if model == self.model and flags == self.flags:
            return
        type_changed = model.cell_type != self.model.cell_type
        marked = model.search != self.model.search
        self.model, self.flags = model, flags
        if type_changed:
            self.set_classes(f"cell -{model.cell_type}")
        self._apply_state_classes()
        if self.editor is not None:
            # The editor shows the text itself: a keystroke redraws the gutter (a layout of
            # the screen) or the whole editor again only when they show something new.
            shown = gutter(model)
            if shown != self._gutter_shown:
                self._gutter_shown = shown
                self.query_one("#cell-gutter", Static).update(shown)
            if self._outputs_key() != self._outputs_shown:
                # Typing changes the source, not the outputs: a 20 MB output
                # must not be rebuilt and laid out again at every keystroke.
                self.query_one("#cell-outputs", Static).update(self.outputs_renderable())
            cursors = tuple(RemoteCursor(p.cursor, p.colour) for p in model.peers if p.cursor is not None)
            if cursors != self.editor.remote_cursors:
                self.editor.remote_cursors = cursors
                self.editor.refresh()
        elif self._body_cache is None or self._body_cache[0] != self._body_key():
            old = None if marked or self._body_cache is None else self._body_cache[1]
            for body in self.query(CellBody):
                body.redraw(old)
        elif marked:
            for body in self.query(CellBody):
                body.refresh()  # the same lines, marked again

    def _apply_state_classes(self) -> None:
        self.set_class(self.model.status == "running", "-running")
        self.set_class(self.model.status == "queued", "-queued")
        self.set_class(bool(self.model.peers), "-peer")
        self.set_class(self.model.selected, "-selected")
        if self.model.peers:
            self.styles.border_right = ("outer", self.model.peers[0].colour)
        else:
            self.styles.border_right = None

    def on_mount(self) -> None:
        self._apply_state_classes()

    # ---- editing ------------------------------------------------------------

    async def start_editing(self, editor: CellEditor) -> None:
        """Swap the light body for gutter + editor + outputs."""
        if self.editor is not None:
            return
        self.editor = editor
        await self.query(CellBody).remove()
        self._gutter_shown = gutter(self.model)
        row = Horizontal(GuardedStatic(self._gutter_shown, id="cell-gutter"), editor, classes="cell-edit-row")
        await self.mount(row, before=0)
        await self.mount(GuardedStatic(self.outputs_renderable(), id="cell-outputs"), after=row)
        self.add_class("-editing")

    async def stop_editing(self) -> None:
        """Back to the light body."""
        if self.editor is None:
            return
        self.editor = None
        self._body_cache = None
        await self.query(".cell-edit-row").remove()
        await self.query("#cell-outputs").remove()
        await self.mount(CellBody(self), before=0)
        self.remove_class("-editing")

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Clicked(self.cell_id, event.chain >= 2))

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized(self.cell_id, self.outer_size.height))


def _same(part: object) -> object:
    """What identifies a mounted part: a widget view by its model, anything else by identity."""
    return part if isinstance(part, WidgetViewRef) else id(part)
