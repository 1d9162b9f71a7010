"""The three panes side by side: which show, their widths and focus, and what feeds the output and kernel panes.

`PaneSet` owns the widgets and the layout; `PaneActions` gives the app the
actions bound to keys (F2/F3/F4 toggle, `w` next pane, `<`/`>` resize) and
to the palette, and the copy-to-clipboard actions of the cells pane.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.containers import Horizontal
from textual.timer import Timer
from textual.widget import Widget

from runt_tui.settings import config_path
from runt_tui.tui.clipboard import copy_text
from runt_tui.tui.kernel_view import Row, has_timer, pane_rows
from runt_tui.tui.output_text import outputs_plain
from runt_tui.tui.pane_layout import (
    PaneLayout,
    initial_layout,
    read_remembered,
    remember,
    size_class,
)
from runt_tui.tui.widgets.kernel_pane import KernelPane
from runt_tui.tui.widgets.output_pane import OutputPane, ShownCell

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

log = logging.getLogger("runt_tui.tui")
TICK_SECONDS = 1.0
# A peer moving or typing changes only the kernel pane's peer rows (and cell labels).
# Redrawing the pane costs a few ms, so those redraws are spaced this far apart
# instead of landing on every keystroke of the one typing.
PEERS_EVERY = 0.3


class PaneSet:
    """The panes of one app: widgets, the layout in force, and their refreshes."""

    def __init__(self, app: NotebookApp, actions: PaneActions) -> None:
        self.app = app
        self.output = OutputPane(actions.shown_output, id="output")
        self.kernel = KernelPane(actions.kernel_rows, actions.jump_to_cell, id="kernel")
        self.actions = actions
        self.container = Horizontal(id="panes")
        self.layout: PaneLayout | None = None
        self.chosen = app.options.panes is not None
        self._shown_cell: str | None = None
        self._kernel_at = 0.0
        self._kernel_due: Timer | None = None

    @property
    def config(self) -> Path:
        """The config file remembering the layout per size class."""
        return self.app.options.config or config_path()

    def widgets(self) -> dict[str, Widget]:
        """Each pane's widget by name."""
        return {"cells": self.app.pane, "output": self.output, "kernel": self.kernel}

    def start(self, columns: int) -> None:
        """Lay the panes out for a terminal `columns` wide; start the kernel pane's clock."""
        self.apply(initial_layout(columns, self.app.options.panes, read_remembered(self.config)))
        self.app.set_interval(TICK_SECONDS, self.tick, name="kernel-pane-clock")

    def apply(self, layout: PaneLayout) -> None:
        """Show, order and size the panes as `layout` says."""
        self.layout = layout
        widgets = self.widgets()
        widths = layout.widths()
        for name, widget in widgets.items():
            widget.display = name in layout.panes
            if name in widths:
                widget.styles.width = widths[name]
        if self.container.is_mounted:
            order = [widgets[n] for n in layout.panes] + [w for n, w in widgets.items() if n not in layout.panes]
            for i, widget in enumerate(order):
                if self.container.children.index(widget) != i:
                    self.container.move_child(widget, before=i)
        focused = self.app.focused
        if focused is not None and not all(w.display for w in focused.ancestors_with_self if isinstance(w, Widget)):
            self.app.set_focus(None)
        if "cells" not in layout.panes:
            self.focus(layout.panes[0])
        self.refresh(all_panes=True)

    def resized(self, columns: int) -> None:
        """The terminal changed size: a new size class gets its remembered or default layout."""
        if self.layout is None or self.chosen:
            return
        wanted = initial_layout(columns, None, read_remembered(self.config))
        if wanted.panes != self.layout.panes:
            self.apply(PaneLayout(wanted.panes, self.layout.weights))

    def toggle(self, pane: str) -> None:
        """Show or hide `pane`, and remember the choice for this terminal size class."""
        if self.layout is None:
            return
        layout = self.layout.toggled(pane)
        self.chosen = True
        self.apply(layout)
        try:
            remember(self.config, size_class(self.app.size.width), layout.panes)
        except OSError as e:
            log.warning("could not remember the layout in %s: %s", self.config, e)

    def focused_pane(self) -> str:
        """The pane holding the focus (the cells pane when nothing is focused)."""
        focused = self.app.focused
        for name, widget in self.widgets().items():
            if focused is not None and name != "cells" and (focused is widget or widget in focused.ancestors):
                return name
        return "cells"

    def focus(self, pane: str) -> None:
        """Give `pane` the keys."""
        if pane == "output":
            self.app.set_focus(self.output.view)
        elif pane == "kernel":
            self.app.set_focus(self.kernel.list)
        else:
            self.app.set_focus(None)

    def refresh(
        self, all_panes: bool = False, runtime: bool = True, cells: set[str] | None = None, peers: bool = False
    ) -> None:
        """Redraw the visible panes from the session: the output pane when its cell changed or another is selected.

        Reading a cell's outputs costs what they hold (a 20 MB stream is parsed
        again), so an edit elsewhere in the notebook never rereads them. A change
        of `peers` alone redraws the kernel pane at most once per PEERS_EVERY.
        """
        if not self.app.ready:
            return
        selected = self.app.selected
        if self.output.display and (all_panes or selected != self._shown_cell or (cells and selected in cells)):
            self._shown_cell = selected
            self.output.refresh_content()
        if self.kernel.display and (all_panes or runtime):
            self._refresh_kernel()
        elif self.kernel.display and peers and self._kernel_due is None:
            wait = self._kernel_at + PEERS_EVERY - time.monotonic()
            if wait <= 0:  # quiet for a while: at once (a timer of 0 s is not one Textual can run)
                self._refresh_kernel()
            else:
                self._kernel_due = self.app.set_timer(wait, self._refresh_kernel, name="kernel-pane-peers")

    def _refresh_kernel(self) -> None:
        if self._kernel_due is not None:
            self._kernel_due.stop()
            self._kernel_due = None
        self._kernel_at = time.monotonic()
        if self.app.ready and self.kernel.display:
            self.kernel.refresh_content()

    def tick(self) -> None:
        """Once a second: the running cell's timer and the kernel's uptime move on."""
        if self.app.ready and self.kernel.display and has_timer(self.app.session.runtime):
            self._refresh_kernel()


class PaneActions:
    """The app's side of the panes: what they show, and the actions bound to their keys."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app

    def shown_output(self) -> ShownCell | None:
        """The selected cell, for the output pane (following the running cell moves the selection)."""
        app = self.app
        cid = app.selected
        replica = app.session.replica
        if cid is None or replica is None or cid not in replica.doc:
            return None
        cell = replica.doc.cell(cid)
        number = app.cell_ids().index(cid) + 1
        if cell.cell_type != "code":
            return ShownCell(cid, number, None, (), cell_type=cell.cell_type)
        outputs = tuple(replica.resolved_outputs(cell)) if cell.outputs_json else ()
        status = app.cell_view.statuses.get(cid, ("", ""))[0]
        return ShownCell(cid, number, cell.execution_count, outputs, status == "running")

    def kernel_rows(self) -> list[Row]:
        """The kernel pane's rows from the runtime state and the peers."""
        session = self.app.session
        # The pane's order is the document's, as drawn: reading it from the document
        # again would cost ~0.1 s at 10,000 cells on every presence or runtime change.
        order = self.app.pane.order
        index: dict[str, int] = {}
        doc = session.doc

        def lookup(cid: str) -> tuple[int, str] | None:
            if not index:
                index.update((c, i) for i, c in enumerate(order))
            if cid not in index or cid not in doc:
                return None
            return index[cid] + 1, doc.source(cid).split("\n", 1)[0]

        return pane_rows(session.runtime, session.peers(), session.peer_id, lookup, time.time())

    def jump_to_cell(self, cid: str) -> None:
        """Select `cid` (Enter on a queue, history or peer row)."""
        app = self.app
        if cid in app.session.doc:
            app.view_actions.stop_following()
            app.cell_actions.select_cell(cid)
        else:
            app.notify("that cell was deleted", timeout=3)

    def action_toggle_pane(self, pane: str) -> None:
        self.app.panes.toggle(pane)

    def action_next_pane(self) -> None:
        panes = self.app.panes
        if panes.layout is None:
            return
        visible = list(panes.layout.panes)
        current = panes.focused_pane()
        panes.focus(visible[(visible.index(current) + 1) % len(visible)] if current in visible else visible[0])

    def action_resize_pane(self, step: int) -> None:
        panes = self.app.panes
        if panes.layout is not None:
            panes.apply(panes.layout.resized(panes.focused_pane(), step))

    def action_copy_source(self) -> None:
        """Copy the selected cell's source to the system clipboard (OSC 52)."""
        app = self.app
        if app.selected is not None:
            self._copy(app.session.doc.cell(app.selected).source, "cell source")

    def action_copy_output(self) -> None:
        """Copy every output of the selected cell to the system clipboard."""
        shown = self.shown_output()
        self._copy(outputs_plain(shown.outputs) if shown is not None else "", "output")

    def _copy(self, text: str, what: str) -> None:
        copied, message = copy_text(text, self.app.copy_to_clipboard, what)
        self.app.notify(message, severity="information" if copied else "warning", timeout=5)

    def action_clear_queue(self) -> None:
        """Drop every queued cell (the running one goes on)."""
        self.app.run_worker(self._clear_queue(), name="clear-queue", group="kernel", exit_on_error=False)

    async def _clear_queue(self) -> None:
        try:
            dropped = await self.app.session.clear_queue()
        except Exception as e:
            self.app.notify(f"clear queue: {e}", severity="error", timeout=6)
            return
        self.app.notify(f"cleared {dropped} queued cell{'s' if dropped != 1 else ''}", timeout=3)
