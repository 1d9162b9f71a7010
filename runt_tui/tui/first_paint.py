"""The read-only first paint: the notebook drawn from a local parse while the daemon comes up.

A cold start waits for a daemon process to start and load the notebook. Meanwhile
the cells are drawn from the file itself (client/preview.py), marked READ-ONLY:
nothing is applied into a document that is about to be replaced. Moving the
selection and scrolling work; a key that would act on the notebook is held with
every key after it and replayed once the notebook is live (typeahead.py); a
click that would act is refused with a short message. When the session is live,
the pane is handed over to the live replica in place: the same widgets keep
their place (cells renamed by position when the file has no cell ids), so
nothing flashes, and the selection stays on its cell.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from runt_tui.client.preview import local_replica, position_map
from runt_tui.client.replica import Replica
from runt_tui.tui.prepaint_driver import release_after_paint
from runt_tui.tui.widgets.status import StatusInfo

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

REFUSAL = "Opening the notebook: read-only until the daemon answers (a moment)."
# Actions that run while the copy shows: quitting, and moving over the cells (the
# selection is kept when the live notebook takes over); keys for the rest wait in the typeahead.
ALLOWED = frozenset({"quit", "help", "command_palette", "select", "select_edge", "page"})
# What runs before the notebook is shown, when no copy is on screen.
STARTING_ALLOWED = frozenset({"quit", "help", "command_palette"})
# How long a warm start waits for the live notebook before drawing from the file.
WARM_GRACE = 0.05
# A burst of refused keys gets one message, not one each.
_REFUSAL_EVERY = 2.0


class FirstPaint:
    """Shows the local copy until the session is live, then hands the pane over."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        # The local copy while it is shown; None before and after.
        self.replica: Replica | None = None
        self._refused_at = -_REFUSAL_EVERY

    @property
    def active(self) -> bool:
        """True while the read-only copy is on screen."""
        return self.replica is not None

    @property
    def allowed(self) -> frozenset[str]:
        """The actions that may run now, before the notebook is live."""
        return ALLOWED if self.active else STARTING_ALLOWED

    async def show(self, connecting: asyncio.Task[None]) -> None:
        """Draw the file's cells unless the session is live first (or the file cannot be read)."""
        app = self.app
        if app.options.url is not None or connecting.done():
            return
        if (app.session.home / "daemon.sock").exists():
            # A daemon is up (warm start): its answer is usually on its way; parsing
            # the file meanwhile would only compete with reading that answer.
            await asyncio.wait((connecting,), timeout=WARM_GRACE)
            if connecting.done():
                return
        parsing = asyncio.ensure_future(asyncio.to_thread(local_replica, app.options.path))
        # The live notebook arriving first wins: no need to wait for the parse then.
        await asyncio.wait((parsing, connecting), return_when=asyncio.FIRST_COMPLETED)
        if connecting.done() or app.ready:
            return
        replica = await parsing
        if replica is None or connecting.done():
            return
        self.replica = replica
        order = replica.doc.cell_ids()
        app.set_reactive(type(app).selected, order[0] if order else None)
        app.pane.set_order(order, anchor=app.selected)
        app.status_bar.show(StatusInfo(
            mode="command", detail="READ-ONLY", connection="connecting",
            title=str(app.options.path).rsplit("/", 1)[-1], kernel_name=app.options.kernel or "",
        ))
        release_after_paint(app, app.pane.painted if order else None)

    def switch(self, order: list[str]) -> str | None:
        """Hand the pane over to the live document (cell ids `order`); the cell to select."""
        replica, self.replica = self.replica, None
        if replica is None:
            return order[0] if order else None
        preview = list(self.app.pane.order)
        mapping = position_map(preview, order)
        if mapping:
            self.app.pane.rename_cells(mapping)
        selected = self.app.selected
        if selected is not None and selected in mapping:
            return mapping[selected]
        if selected in order:
            return selected
        if selected in preview and order:
            return order[min(preview.index(selected), len(order) - 1)]
        return order[0] if order else None

    def refuse(self) -> None:
        """Say (once per burst) that nothing can be changed yet."""
        now = time.monotonic()
        if now - self._refused_at >= _REFUSAL_EVERY:
            self._refused_at = now
            self.app.notify(REFUSAL, severity="warning", timeout=3)
