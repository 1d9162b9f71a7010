"""The cells pane: a scrolling column that mounts only the cells near the viewport.

Cells outside the mounted window are stood in for by two spacers whose heights
are the sum of those cells' heights (pane_heights.py: measured once a cell has
been on screen, estimated before, never by building a model just for that).
Scrolling moves the window; the first visible cell is used as an anchor so that
corrected estimates never make the view jump. A burst of selection moves (`j`
held down, or typed ahead) is drawn once, after the queued keys are handled.
A cell scrolled to is held as the target until its scroll, applied again on the
laid-out screen, moves nothing (only then is the pane `settled`); no view kept
from before it (`_restore`) may move the view after it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable

from textual.containers import VerticalScroll
from textual.widget import Widget

from runt_tui.tui.model import CellModel, ViewFlags
from runt_tui.tui.widgets.cell import CellWidget
from runt_tui.tui.widgets.pane_heights import PaneHeights
from runt_tui.tui.widgets.pane_window import line_scroll, new_runs, wanted_range, window_needed

MAX_MOUNTED = 60
CHECKS = 3  # times a target's scroll is applied again after a refresh before it is taken as done


class Spacer(Widget):
    """Stands in for unmounted cells; one column wide (a layout files it under each 100x20 square it covers)."""

    DEFAULT_CSS = "Spacer { height: 0; width: 1; }"

    def render(self) -> str:
        # Blank: a plain Widget draws its own name ("Spacer#spacer-bottom").
        return ""


class CellsPane(VerticalScroll, can_focus=False):
    """Holds CellWidgets for a window of the cell order (attributes down: order, models)."""

    def __init__(
        self,
        model_for: Callable[[str], CellModel],
        flags_for: Callable[[], ViewFlags],
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.model_for = model_for
        self.flags_for = flags_for
        self.order: list[str] = []
        self.mounted: dict[str, CellWidget] = {}
        self.sizes = PaneHeights()
        # Measured heights by cell id (read by tests; owned by `sizes`).
        self.heights = self.sizes.measured
        self.lo = self.hi = 0
        self._top, self._bottom = Spacer(id="spacer-top"), Spacer(id="spacer-bottom")
        self._dirty = False
        self._anchor: tuple[str, bool] | None = None
        self._hold: tuple[str, bool] | None = None
        self._target: str | None = None  # the cell the latest scroll asked for (older scrolls yield)
        self._scrolls = 0  # bumped by each scroll to a target: a view kept from before it is stale
        self._after_layout = 0  # checks and restores waiting for the next refresh (not settled till run)
        self._win_busy = False
        self._win_width = 0
        # The first window is shown in two steps: the screenful around the anchor, then the rest.
        self._preview_pending = True
        # Set once the first cells are on screen (the app starts the kernel after that).
        self.painted = asyncio.Event()
        # Set by the app: the edited cell and its caret's line (virtual coordinates), kept in view.
        self.caret: Callable[[], tuple[str, int] | None] = lambda: None
        # Selection moves waiting to be drawn (see `selection_moved`).
        self._moved: set[str] = set()
        self._moved_reveal: tuple[str, bool] | None = None
        self._moved_then: Callable[[], None] | None = None
        self._flush_posted = False
        # How many times a burst of moves was drawn (tests count work, not time).
        self.flushes = 0

    def compose(self) -> Iterable[Widget]:
        yield self._top
        yield self._bottom

    # ---- inputs from the app ----------------------------------------------

    def set_order(self, order: list[str], anchor: str | None = None) -> None:
        """The cell order changed (or is first known)."""
        self.order = list(order)
        self.sizes.set_order(self.order)
        self.request_window(anchor)

    def rename_cells(self, mapping: dict[str, str]) -> None:
        """The same cells under new ids (old -> new, no new id an old one): widgets and heights stay."""
        self.order = [mapping.get(c, c) for c in self.order]
        self.sizes.rename(mapping, self.order)
        for widget in self.mounted.values():
            widget.cell_id = mapping.get(widget.cell_id, widget.cell_id)
        self.mounted = {w.cell_id: w for w in self.mounted.values()}
        self._anchor, self._hold = (
            None if a is None else (mapping.get(a[0], a[0]), a[1]) for a in (self._anchor, self._hold)
        )
        self._target = mapping.get(self._target or "", self._target)

    def update_cells(self, ids: Iterable[str]) -> None:
        """These cells changed: redraw the mounted ones, forget heights of the others."""
        flags = self.flags_for()
        for cid in ids:
            widget = self.mounted.get(cid)
            self.sizes.forget([cid], measured=widget is None)
            if widget is not None:
                widget.update_model(self.model_for(cid), flags)
        self.request_window()

    def selection_moved(self, ids: Iterable[str], then: Callable[[], None] | None = None) -> None:
        """The selection left and reached these cells: redraw them, then call `then`. The first move is drawn
        at once, the moves made while queued keys are handled together after them (a burst draws no midpoints)."""
        if self._flush_posted:
            self._moved.update(ids)
            self._moved_then = then or self._moved_then
            return
        self._redraw(ids)
        if then is not None:
            then()
        self._flush_soon()

    def _redraw(self, ids: Iterable[str]) -> None:
        flags = self.flags_for()
        for cid in ids:
            widget = self.mounted.get(cid)
            if widget is not None and cid in self.order:
                widget.update_model(self.model_for(cid), flags)

    def _flush_soon(self) -> None:
        if self._flush_posted:
            return
        if self.is_mounted and self.app.is_running:
            # Onto the app's queue, behind the keys it already holds.
            self._flush_posted = self.app.call_later(self._flush)
        if not self._flush_posted:
            self._flush()

    def _flush(self) -> None:
        self._flush_posted = False
        ids, self._moved = self._moved, set()
        reveal, self._moved_reveal = self._moved_reveal, None
        then, self._moved_then = self._moved_then, None
        self.flushes += 1
        self._redraw(ids)
        if reveal is not None:
            self.reveal(*reveal)
        if then is not None:
            then()

    def refresh_all(self) -> None:
        """A view setting changed (theme, layout, line numbers): redraw everything."""
        self.sizes.clear()
        self.update_cells(list(self.mounted))

    def reveal(self, cell_id: str, bottom: bool = False, soon: bool = False) -> None:
        """Scroll a cell into view, mounting it first if needed; `soon`: with the selection's redraw."""
        if soon:
            self._moved_reveal = (cell_id, bottom)
            self._flush_soon()
            return
        self._moved_reveal = None  # a later reveal wins over a burst's pending one
        widget = self.mounted.get(cell_id)
        if widget is not None and self.lo < self.hi and not self._win_busy:
            self._hold, self._target = (cell_id, bottom), cell_id
            self._win_scroll_to(widget, bottom)
            return
        # While the window changes the widget may be on its way out: make it again around the cell.
        self.request_window((cell_id, bottom))

    def show_caret(self) -> None:
        """Scroll the least that brings the caret's line (see `caret`) into view."""
        caret = self.caret()
        target = None if caret is None else line_scroll(caret[1], self.scroll_y, self.scrollable_content_region.height)
        if target is not None:
            self.scroll_to(y=target, animate=False, immediate=True)

    def let_go(self) -> None:
        """The user scrolls the view (page keys, wheel): no pending target nor kept view moves it back."""
        self._hold, self._moved_reveal, self._scrolls = None, None, self._scrolls + 1

    def on_mouse_scroll_down(self) -> None:
        self.let_go()

    def on_mouse_scroll_up(self) -> None:
        self.let_go()

    @property
    def settled(self) -> bool:
        """True when no window update nor scroll is pending: the last target is then in view (tests wait for it)."""
        busy = self._win_busy or self._dirty or self._hold or self._flush_posted or self._after_layout
        return not busy and (self.hi > self.lo or not self.order)

    def widget_for(self, cell_id: str) -> CellWidget | None:
        """The mounted widget of a cell, if any."""
        return self.mounted.get(cell_id)

    def on_cell_widget_resized(self, message: CellWidget.Resized) -> None:
        """A mounted cell reports its real height."""
        message.stop()
        if message.cell_id in self.mounted:
            self.sizes.measure(message.cell_id, message.height)

    # ---- the window ---------------------------------------------------------

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._win_busy:
            return
        if window_needed(self.sizes.prefix(), max(self.size.height, 10), int(self.scroll_y), self.lo, self.hi):
            self.request_window()

    def on_resize(self) -> None:
        if self.size.width != self._win_width:
            self._win_width = self.size.width
            self.sizes.clear(estimates=False)
        self.request_window()

    def _wanted(self, prefix: list[int], anchor: tuple[str, bool] | None) -> tuple[int, int]:
        i = self.order.index(anchor[0]) if anchor is not None and anchor[0] in self.order else None
        return wanted_range(prefix, max(self.size.height, 10), int(self.scroll_y), i, MAX_MOUNTED)

    def request_window(self, anchor: str | tuple[str, bool] | None = None) -> None:
        """Recompute the mounted window soon (coalesced)."""
        if isinstance(anchor, str):
            anchor = (anchor, False)
        if anchor is not None:
            self._anchor = anchor
        self._dirty = True
        if not self._win_busy and self.is_mounted:
            self._win_busy = True
            self.run_worker(self._window_loop(), name="cells-window", group="window")

    async def _window_loop(self) -> None:
        try:
            while self._dirty:
                self._dirty = False
                anchor, self._anchor = self._anchor, None
                if anchor is None:
                    anchor = self._hold
                self._hold = anchor
                first = False
                if self._preview_pending and anchor is not None and self.order and not self.mounted:
                    self._preview_pending = False
                    if not await self._preview(anchor):
                        return
                    first = True
                await self._sync_window(anchor, estimates_only=first)
                if self.order and self.hi > self.lo:
                    self.painted.set()
                if anchor is not None:
                    widget = self.mounted.get(anchor[0])
                    if widget is not None:
                        self._target = anchor[0]
                        self.call_after_refresh(self._win_scroll_to, widget, anchor[1])
                    elif self._hold == anchor:
                        self._hold = None  # the cell is gone: nothing to scroll to
        finally:
            self._win_busy = False

    def _win_scroll_to(self, widget: CellWidget, bottom: bool = False) -> None:
        if (self._hold is not None and self._hold[0] != widget.cell_id) or self._target not in (None, widget.cell_id):
            return  # a newer anchor or reveal took over (its own scroll is scheduled): this one is stale
        if not widget.is_attached:
            self._hold = None
            return
        # Held until the scroll is checked on the laid-out screen: the layout it used may be stale.
        self._hold, self._target = (widget.cell_id, bottom), widget.cell_id
        self._scrolls += 1
        self._scroll_into_view(widget, bottom)
        self._later(self._check_scroll, widget.cell_id, bottom, CHECKS)

    def _check_scroll(self, cell_id: str, bottom: bool, tries: int) -> None:
        """The target's scroll applied again after a refresh: the target is done once it moves nothing."""
        if self._hold is None or self._hold[0] != cell_id:
            return  # a newer target took over
        widget = self.mounted.get(cell_id)
        if self._win_busy or self._dirty or widget is None or not widget.is_attached:
            # The window is changing (or made the cell's widget again): anchored on the target, it scrolls again.
            self._hold = self._hold if cell_id in self.order else None
            self.request_window(self._anchor or self._hold)
            return
        before = self.scroll_y
        self._scroll_into_view(widget, bottom)
        if not (self.scroll_y != before and tries > 0 and self._later(self._check_scroll, cell_id, bottom, tries - 1)):
            self._hold = None

    def _later(self, callback: Callable[..., None], *args: object) -> bool:
        """Run `callback` after the next refresh (False if it cannot be); the pane is not settled until it has run."""

        def run() -> None:
            self._after_layout -= 1
            callback(*args)

        scheduled = self.call_after_refresh(run)
        self._after_layout += scheduled
        return scheduled

    def _scroll_into_view(self, widget: CellWidget, bottom: bool) -> None:
        region = widget.virtual_region
        view = self.size.height
        if bottom and region.height > view:
            self.scroll_to(y=region.bottom - view, animate=False, immediate=True)
        else:
            self.scroll_to_widget(widget, animate=False, top=False, immediate=True)

    async def _preview(self, anchor: tuple[str, bool]) -> bool:
        """Mount the cells filling one screen from the anchor and let them paint; False when shutting down."""
        flags = self.flags_for()
        i = self.order.index(anchor[0]) if anchor[0] in self.order else 0
        view = max(self.size.height, 10)
        hi, rows = i, 0
        widgets: list[CellWidget] = []
        while hi < len(self.order) and rows < view and hi - i < MAX_MOUNTED:
            model = self.model_for(self.order[hi])
            rows += self.sizes.estimate(model, flags)
            widgets.append(CellWidget(model, flags))
            hi += 1
        self.sizes.adopt_default()
        top = self.sizes.prefix()[i]
        for w in widgets:
            self.mounted[w.cell_id] = w
        await self.mount_all(widgets, before=self._bottom)
        if not self.is_attached or not self.app.is_running:
            return False
        self.lo, self.hi = i, hi
        self._top.styles.height = top
        # A guess for the rest (the full window, next, counts them).
        self._bottom.styles.height = (len(self.order) - hi) * max(1, rows // max(1, hi - i))
        if i > 0:
            self._target = widgets[0].cell_id
            self.call_after_refresh(self._win_scroll_to, widgets[0], anchor[1])
        painted = asyncio.Event()
        self.call_after_refresh(painted.set)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(painted.wait(), 1.0)
        self.painted.set()
        return self.is_attached and self.app.is_running

    async def _sync_window(self, anchor: tuple[str, bool] | None, estimates_only: bool = False) -> None:
        flags = self.flags_for()
        prefix = self.sizes.prefix(estimates_only)
        lo, hi = self._wanted(prefix, anchor)
        wanted = self.order[lo:hi]
        wanted_set = set(wanted)
        keep: tuple[CellWidget, float] | None = None
        y = self.scroll_y
        for cid in wanted:
            w = self.mounted.get(cid)
            if w is not None and w.virtual_region.bottom > y:
                keep = (w, w.virtual_region.y - y)
                break
        stale = [w for cid, w in self.mounted.items() if cid not in wanted_set]
        for w in stale:
            del self.mounted[w.cell_id]
        runs = new_runs(wanted, self.mounted, lambda cid: self._make(cid, flags), self._bottom)
        # One layout for the whole change: no frame shows the window half removed or half mounted.
        with self.app.batch_update():
            if stale:
                await self.remove_children(stale)
            for widgets, before in runs:
                await self.mount_all(widgets, before=before)
                if not self.is_attached or not self.app.is_running:
                    return  # shutting down
        if self._bottom.parent is not self:
            return  # the app is closing and has already taken the pane's children down
        children = [c for c in self.children if isinstance(c, CellWidget)]
        if [c.cell_id for c in children] != wanted:
            for cid in wanted:
                if self.mounted[cid].parent is self:
                    self.move_child(self.mounted[cid], before=self._bottom)
        self.lo, self.hi = lo, hi
        self._top.styles.height = prefix[lo]
        self._bottom.styles.height = prefix[-1] - prefix[hi]
        if keep is not None and anchor is None:
            self._later(self._restore, *keep, self._scrolls)

    def _make(self, cid: str, flags: ViewFlags) -> CellWidget:
        model = self.model_for(cid)
        self.sizes.estimate(model, flags)
        return CellWidget(model, flags)

    def _restore(self, widget: CellWidget, offset: float, scrolls: int) -> None:
        if self._hold is not None or scrolls != self._scrolls:
            return  # a target was scrolled to since: the view it chose wins over the one kept before it
        if self.caret() is not None:
            # While editing, the edited line is what stays on screen, not the top cell.
            self.call_after_refresh(self.show_caret)
            return
        if widget.is_attached:
            target = widget.virtual_region.y - offset
            if abs(target - self.scroll_y) >= 1:
                self.scroll_to(y=target, animate=False, immediate=True)
