"""The build-progress panel, docked above the status bar while the notebook's environment builds.

Driven by the runtime `env` part, so every terminal on the notebook shows it;
it hides when the build ends (a failure is shown in full by screens/env.py).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from runt_tui.env.progress_view import CANCEL_HINT, BuildView
from runt_tui.render.sanitize import safe_text


class EnvProgressPanel(Vertical):
    """A title (step and package), a progress bar, uv's last line, and how to cancel."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: BuildView | None = None
        self.display = False

    def compose(self) -> ComposeResult:
        yield Static("", id="env-progress-title")
        yield ProgressBar(total=None, show_eta=False, id="env-progress-bar")
        yield Static("", id="env-progress-line")
        yield Static(CANCEL_HINT, id="env-progress-hint")

    def show(self, view: BuildView | None) -> None:
        """Show one frame of the build, or hide the panel (None)."""
        if view == self.view:
            return
        self.view = view
        self.display = view is not None
        if view is None or not self.is_mounted:
            return
        self.query_one("#env-progress-title", Static).update(safe_text(view.title, one_line=True))
        self.query_one("#env-progress-line", Static).update(safe_text(view.last_line, "dim", one_line=True))
        self.query_one("#env-progress-bar", ProgressBar).update(total=view.total, progress=view.done)

    def on_mount(self) -> None:
        view, self.view = self.view, None
        self.show(view)
