"""The notebook's environment in the app: the approval dialog, build progress, failures, deps.

Every terminal on a notebook whose dependencies wait for approval shows the dialog
(any of them may approve); when one does, the others' dialogs close and say who.
An approval names the digest of the list the dialog showed: if a collaborator changed
the dependencies meanwhile the daemon refuses it and the dialog comes back with the
new list. A failed build is shown in full (uv's own error).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from runt_tui.client import DaemonError
from runt_tui.env.describe import describe_trust
from runt_tui.env.progress_view import BuildView, build_view
from runt_tui.render.sanitize import safe_text
from runt_tui.tui.screens.dialogs import PromptScreen, TextScreen

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp


class TrustScreen(ModalScreen[str | None]):
    """The dependencies waiting for approval: a approves, d declines, Esc decides later."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "answer('approve')", "Approve"),
        Binding("d", "answer('decline')", "Decline"),
        Binding("escape", "answer(None)", "Later"),
    ]

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__()
        self.status = status

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog dialog-wide", id="trust-dialog"):
            yield Static(safe_text("Waiting for approval: this notebook's dependencies are not trusted on "
                                   "this machine. Nothing is installed and no kernel starts until someone approves."),
                         classes="dialog-title")
            yield Static(safe_text(describe_trust(self.status)), id="trust-deps")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Approve and install (a)", variant="warning", id="approve")
                yield Button("Decline (d)", id="decline")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)

    def action_answer(self, value: str | None) -> None:
        self.dismiss(value)


class EnvActions:
    """The environment actions (listed in app.ACTION_OBJECTS) and the app's reaction to the runtime `env` part."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        self._dialog: TrustScreen | None = None

    def env_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """The runtime `env` part changed (old and new as JSON): dialog, who approved, a failure."""
        before, now = old.get("status"), new.get("status")
        if now == "awaiting_approval" and before != "awaiting_approval":
            self.action_env_trust()
        if before == "awaiting_approval" and now != "awaiting_approval":
            self._close_dialog()
            who = new.get("approved_by")
            if who:
                self.app.notify(f"dependencies approved by {who}", timeout=6)
        if now == "failed" and before != "failed":
            self.app.push_screen(TextScreen("The notebook's environment could not be made", str(new.get("error") or "")))

    def build_view(self) -> BuildView | None:
        """The progress panel's frame for the build running now (None: no build runs)."""
        return build_view(self.app.session.state.env.to_json())

    def _close_dialog(self) -> None:
        screen, self._dialog = self._dialog, None
        if screen is not None and screen.is_attached:
            screen.dismiss(None)

    def action_env_trust(self) -> None:
        """Show the dependencies for approval (also from the palette)."""
        self.app.run_worker(self._ask(), name="env-trust", group="env", exclusive=True, exit_on_error=False)

    async def _ask(self) -> None:
        app = self.app
        status = await app.session.trust_status()
        if status.get("trusted") or status.get("digest") is None:
            app.notify(describe_trust(status) + ("\nTrusted." if status.get("trusted") else ""), timeout=6)
            return
        self._close_dialog()
        screen = TrustScreen(status)
        self._dialog = screen

        async def answered(choice: str | None) -> None:
            if self._dialog is screen:
                self._dialog = None
            if choice == "approve":
                await self._approve(str(status["digest"]))
            elif choice == "decline":
                await app.session.cancel_env_build()

        app.push_screen(screen, answered)

    async def _approve(self, digest: str) -> None:
        try:
            await self.app.session.approve_trust(digest)
        except DaemonError as e:
            if e.code != "CONFLICT":
                raise
            self.app.notify(e.message, severity="warning", timeout=6)
            self.action_env_trust()

    def action_env_cancel(self) -> None:
        """Cancel the environment build (or the wait for approval)."""

        async def go() -> None:
            if not await self.app.session.cancel_env_build():
                self.app.notify("no environment is being built", timeout=3)

        self.app.run_worker(go(), name="env-cancel", group="env", exit_on_error=False)

    def action_env_deps(self, action: str) -> None:
        """Ask for packages to add (PEP 508) or names to remove, then change the notebook's list."""
        app = self.app
        title = "Add dependencies (space-separated, e.g. numpy>=2 pandas)" if action == "add" else "Remove dependencies (names)"

        async def change(text: str | None) -> None:
            items = (text or "").split()
            if not items:
                return
            try:
                result = await (app.session.add_dependencies(items) if action == "add"
                                else app.session.remove_dependencies(items))
            except DaemonError as e:
                app.notify(e.message, severity="error", timeout=6)
                return
            missing = result.get("missing") or []
            if missing:
                app.notify(f"not dependencies: {' '.join(missing)}", severity="warning")
            if result.get("restart_needed"):
                app.notify("restart the kernel (0 0) to use the new environment", timeout=8)

        app.push_screen(PromptScreen(title), change)
