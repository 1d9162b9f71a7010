"""Applying what the session reports (document deltas, runtime, presence, events) to the screen.

The bridge (bridge.py) coalesces the session's callbacks into one
`SessionUpdate` per frame; `SessionUpdates.apply` turns one into redraws of the
affected cells, a new status bar, toasts, and follow-mode moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runt_tui.client import RuntimeState
from runt_tui.tui.bridge import Pending
from runt_tui.tui.derive import runtime_notices

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp


class SessionUpdates:
    """The app's side of the session bridge."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        # The runtime state as last seen, to tell what changed.
        self.last_runtime = RuntimeState()

    def reset(self) -> None:
        """Start from the session's current state (once connected)."""
        self.last_runtime = self.app.session.state

    def edited_cell_changed(self) -> None:
        """Called synchronously by the bridge when the edited cell changed in the document."""
        app = self.app
        if not app.edit.remote_changed():
            app.mode = "command"
            app.notify("the cell you were editing was deleted by someone else", severity="warning")

    def apply(self, p: Pending) -> None:
        """Redraw what one coalesced batch of changes touched."""
        app = self.app
        changed: set[str] = set(p.cells)
        if p.runtime:
            changed |= self.runtime_changed()
        if p.presence:
            changed |= app.cell_view.presence_changed()
        if p.blobs:
            changed |= app.cell_view.blobs_arrived(list(app.pane.mounted))
        if p.structure:
            self._order_changed()
        if p.metadata:
            app.pane.refresh_all()
        live = set(app.pane.order)
        app.pane.update_cells(c for c in changed if c in live)
        self._handle_events(p)
        app.refresh_status()
        if app.follow is not None and (p.runtime or p.presence or changed):
            app.view_actions.apply_follow(changed)
        if app.mode == "edit":  # a remote edit above may have pushed the cursor off screen
            app.call_after_refresh(app.edit_actions.keep_cursor_visible)
        app.panes.refresh(runtime=bool(p.runtime or p.structure), cells=changed, peers=p.presence)

    def _order_changed(self) -> None:
        app = self.app
        order = app.cell_ids()
        if app.selected not in order:
            old = app.pane.order
            idx = old.index(app.selected) if app.selected in old else 0
            app.selected = order[min(idx, len(order) - 1)] if order else None
        app.pane.set_order(order)

    def runtime_changed(self) -> set[str]:
        """The runtime state changed: toasts for what went wrong, and the cells to redraw."""
        app = self.app
        runtime = app.session.state
        old, self.last_runtime = self.last_runtime, runtime
        for notice in runtime_notices(old, runtime):
            app.notify(notice.message, title=notice.title, severity=notice.severity, timeout=10)
        if runtime.env != old.env:
            app.env_actions.env_changed(old.env.to_json(), runtime.env.to_json())
        return app.cell_view.runtime_changed()

    def _handle_events(self, p: Pending) -> None:
        app = self.app
        for level, text in p.notices:
            if level in ("error", "warning"):
                app.notify(text, severity="error" if level == "error" else "warning", timeout=6)
            else:
                app.notify(text, timeout=6)
        if p.connection:
            app.kernel_actions.connection_changed(p.connection)
        for event in p.inputs:
            app.kernel_actions.ask_input(event)
        for event in p.prompts:
            if event.get("peer_id") != app.session.peer_id and not p.inputs:
                who = (event.get("requester") or {}).get("name") or "another terminal"
                app.notify(f"a cell run by {who} is waiting for input there", timeout=4)
