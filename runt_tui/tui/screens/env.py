"""The notebook's environment in the app: the approval dialog, build progress, failures, deps.

Every terminal on a notebook whose dependencies wait for approval shows the dialog
(any of them may approve); when one does, the others' dialogs close and say who.
An approval names the digest of the list the dialog showed: if a collaborator changed
the dependencies meanwhile the daemon refuses it and the dialog comes back with the
new list. A failed build is shown in full (uv's own error).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from runt_tui.client import AsyncSession, DaemonError
from runt_tui.env.describe import describe_trust
from runt_tui.render.sanitize import safe_text
from runt_tui.tui.screens.dialogs import PromptScreen, TextScreen


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
    """The app's environment actions and its reaction to the runtime `env` state (mixed into the app)."""

    session: AsyncSession
    _trust_screen: TrustScreen | None = None

    def env_runtime_changed(self: Any, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Hook: the runtime `env` state changed (called with the old and new state)."""
        before, now = old.get("status"), new.get("status")
        if now == "awaiting_approval" and before != "awaiting_approval":
            self.action_env_trust()
        if before == "awaiting_approval" and now != "awaiting_approval":
            EnvActions._close_dialog(self)
            who = new.get("approved_by")
            if who:
                self.notify(safe_text(f"dependencies approved by {who}", one_line=True), timeout=6)
        if now == "failed" and before != "failed":
            self.push_screen(TextScreen("The notebook's environment could not be made", str(new.get("error") or "")))

    def _close_dialog(self: Any) -> None:
        screen = self._trust_screen
        self._trust_screen = None
        if screen is not None and screen.is_attached:
            screen.dismiss(None)

    def action_env_trust(self: Any) -> None:
        """Show the dependencies for approval (also from the palette)."""
        self.run_worker(EnvActions._ask(self), name="env-trust", group="env", exclusive=True, exit_on_error=False)

    async def _ask(self: Any) -> None:
        status = await self.session.trust_status()
        if status.get("trusted") or status.get("digest") is None:
            self.notify(safe_text(describe_trust(status) + ("\nTrusted." if status.get("trusted") else "")), timeout=6)
            return
        EnvActions._close_dialog(self)
        screen = TrustScreen(status)
        self._trust_screen = screen

        async def answered(choice: str | None) -> None:
            if self._trust_screen is screen:
                self._trust_screen = None
            if choice == "approve":
                await EnvActions._approve(self, str(status["digest"]))
            elif choice == "decline":
                await self.session.cancel_env_build()

        self.push_screen(screen, answered)

    async def _approve(self: Any, digest: str) -> None:
        try:
            await self.session.approve_trust(digest)
        except DaemonError as e:
            if e.code != "CONFLICT":
                raise
            self.notify(safe_text(e.message, one_line=True), severity="warning", timeout=6)
            EnvActions.action_env_trust(self)

    def action_env_cancel(self: Any) -> None:
        """Cancel the environment build (or the wait for approval)."""

        async def go() -> None:
            if not await self.session.cancel_env_build():
                self.notify("no environment is being built", timeout=3)

        self.run_worker(go(), name="env-cancel", group="env", exit_on_error=False)

    def action_env_deps(self: Any, action: str) -> None:
        """Ask for packages to add (PEP 508) or names to remove, then change the notebook's list."""
        title = "Add dependencies (space-separated, e.g. numpy>=2 pandas)" if action == "add" else "Remove dependencies (names)"

        async def change(text: str | None) -> None:
            items = (text or "").split()
            if not items:
                return
            try:
                result = await (self.session.add_dependencies(items) if action == "add"
                                else self.session.remove_dependencies(items))
            except DaemonError as e:
                self.notify(safe_text(e.message, one_line=True), severity="error", timeout=6)
                return
            missing = result.get("missing") or []
            if missing:
                self.notify(safe_text(f"not dependencies: {' '.join(missing)}", one_line=True), severity="warning")
            if result.get("restart_needed"):
                self.notify("restart the kernel (0 0) to use the new environment", timeout=8)

        self.push_screen(PromptScreen(title), change)
