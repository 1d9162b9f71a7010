"""View actions: output expansion, layout, line numbers, theme, history, and follow mode.

Layout, line numbers and follow are app reactives (app.py): these actions only
flip them, and the app's watchers redraw, set CSS classes and refresh the
status bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runt_tui.tui.derive import follow_target, last_started, next_follow, other_peer_names

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp


class ViewActions:
    """How the notebook is shown, and which cell is kept in view."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app

    def action_toggle_expand(self) -> None:
        cell_id = self.app.selected
        if cell_id is not None:
            self.app.cell_view.toggle_expanded(cell_id)
            self.app.pane.update_cells([cell_id])

    def action_toggle_layout(self) -> None:
        self.app.layout_mode = "cells" if self.app.layout_mode == "outputs" else "outputs"

    def action_toggle_line_numbers(self) -> None:
        self.app.line_numbers = not self.app.line_numbers

    def action_toggle_dark(self) -> None:
        self.app.theme = "textual-light" if self.app.current_theme.dark else "textual-dark"

    def action_history(self) -> None:
        """The history screen, with the selected cell as the one `c` restores."""
        from runt_tui.tui.screens.history_screen import HistoryScreen

        self.app.push_screen(HistoryScreen(self.app.session, self.app.selected))

    # ---- follow -----------------------------------------------------------------

    def action_follow_running(self) -> None:
        self.app.follow = None if self.app.follow == "" else ""

    def action_follow_next_peer(self) -> None:
        session = self.app.session
        names = other_peer_names(session.peer_list, session.peer_id)
        if not names:
            self.app.notify("nobody else is here to follow", timeout=2)
            return
        self.app.follow = next_follow(self.app.follow, names)

    def action_unfollow(self) -> None:
        self.stop_following()

    def stop_following(self) -> None:
        """Stop following (moving the selection by hand does this)."""
        self.app.follow = None

    def apply_follow(self, changed: set[str] | None = None) -> None:
        """Select the followed cell; `changed`: the cells that just changed (None: always move)."""
        app = self.app
        session = app.session
        target = follow_target(app.follow, session.state, session.peer_list, session.peer_id)
        if target is None and app.follow == "":  # nothing runs now: keep the cell that ran last
            target = last_started(session.state)
        if target is None or target not in session.doc or app.mode == "edit":
            return
        if target != app.selected or changed is None or target in changed:
            app.cell_actions.select_cell(target, bottom=True)
