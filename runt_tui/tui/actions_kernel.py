"""Kernel actions: run, interrupt, restart, shut down, change kernel, save, complete, inspect, input().

Each `action_*` method here is an app action (app.py forwards it); every
request to the daemon runs in a named worker and reports failures as a toast.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from runt_tui.tui.derive import kernel_state
from runt_tui.tui.screens.dialogs import (
    ChoiceScreen,
    CompletionScreen,
    ConfirmScreen,
    PromptScreen,
    TextScreen,
)
from runt_tui.tui.widgets.editor import CellEditor

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

log = logging.getLogger("runt_tui.tui")

LIVE_KERNEL = ("idle", "busy", "starting", "restarting")


class KernelActions:
    """Everything that talks to the kernel, each request in a named worker."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        # The kernel's state when the daemon was lost ("" while connected).
        self._kernel_before_loss = ""

    def _kernel_call(self, coro: Awaitable[Any], name: str) -> None:
        async def go() -> None:
            try:
                await coro
            except Exception as e:
                self.app.notify(f"{name}: {e}", severity="error", timeout=6)

        self.app.run_worker(go(), name=name, group="kernel", exit_on_error=False)

    def _queue(self, cells: list[str]) -> None:
        self.app.edit.commit()
        code = [c for c in cells if c in self.app.session.doc and self.app.session.doc.cell(c).cell_type == "code"]

        async def go() -> None:
            for cell_id in code:
                await self.app.session.queue_execution(cell_id)

        if code:
            self._kernel_call(go(), "run")

    def _run_selected(self) -> str | None:
        cell_id = self.app.selected
        if cell_id is None:
            return None
        if self.app.session.doc.cell(cell_id).cell_type == "code":
            self._queue([cell_id])
        return cell_id

    async def action_run_cell(self) -> None:
        self._run_selected()
        if self.app.mode == "edit" and self.app.session.doc.cell(self.app.selected or "").cell_type != "code":
            await self.app.edit_actions.action_command_mode()

    async def action_run_and_advance(self) -> None:
        was_editing = self.app.mode == "edit"
        if was_editing:
            await self.app.edit_actions.action_command_mode()
        if self._run_selected() is None:
            return
        order = self.app.pane.order
        i = self.app.cell_actions.index()
        if i + 1 < len(order):
            self.app.cell_actions.select_cell(order[i + 1])
        else:
            self.app.cell_actions.action_insert(1)
            if was_editing:
                await self.app.edit_actions.action_edit_mode()

    async def action_run_and_insert(self) -> None:
        was_editing = self.app.mode == "edit"
        if was_editing:
            await self.app.edit_actions.action_command_mode()
        self._run_selected()
        self.app.cell_actions.action_insert(1)
        if was_editing:
            await self.app.edit_actions.action_edit_mode()

    def action_run_all(self) -> None:
        self._queue(list(self.app.pane.order))

    def action_run_above(self) -> None:
        self._queue(self.app.pane.order[: self.app.cell_actions.index()])

    def action_run_below(self) -> None:
        self._queue(self.app.pane.order[self.app.cell_actions.index():])

    def action_clear_outputs(self) -> None:
        if self.app.selected is not None:
            self._kernel_call(self.app.session.clear_outputs([self.app.selected]), "clear outputs")

    def action_clear_all_outputs(self) -> None:
        self._kernel_call(self.app.session.clear_outputs(list(self.app.pane.order)), "clear outputs")

    def action_interrupt(self) -> None:
        self._kernel_call(self.app.session.interrupt(), "interrupt")
        self.app.notify("interrupting the kernel", timeout=2)

    def action_restart(self) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self._kernel_call(self.app.session.restart_kernel(), "restart")
                self.app.notify("restarting the kernel", timeout=2)

        self.app.push_screen(ConfirmScreen("Restart the kernel for everyone on this notebook?"), answer)

    def action_shutdown_kernel(self) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self._kernel_call(self.app.session.shutdown_kernel(), "shut down")

        self.app.push_screen(ConfirmScreen("Shut the kernel down for everyone?"), answer)

    def action_change_kernel(self) -> None:
        self.app.run_worker(self._change_kernel(), name="change-kernel", group="kernel", exclusive=True)

    async def _change_kernel(self) -> None:
        """Offer the installed kernelspecs; typing a name is the fallback when they cannot be listed."""
        current = self.app.session.state.kernel.name or ""

        def chosen(name: str | None) -> None:
            if name and name.strip():
                async def go() -> None:
                    await self.app.session.shutdown_kernel()
                    await self.app.session.start_kernel(kernel_name=name.strip())

                self._kernel_call(go(), "change kernel")

        try:
            specs = await self.app.session.kernelspecs()
        except Exception as e:
            log.info("listing kernelspecs: %s", e)
            specs = {}
        if not specs:
            self.app.push_screen(PromptScreen("Kernel name (a kernelspec)", value=current or "python3"), chosen)
            return
        choices = [
            (f"{spec['display_name']}  ({name}{', running' if name == current else ''})", name)
            for name, spec in specs.items()
        ]
        self.app.push_screen(ChoiceScreen("Change the kernel for everyone on this notebook", choices, current), chosen)

    def action_save(self) -> None:
        async def go(force: bool = False) -> None:
            self.app.edit.commit()
            await self.app.session.save(force=force)
            self.app.notify("saved", timeout=1.5)

        file = self.app.session.state.file
        if file.state != "invalid":
            self._kernel_call(go(), "save")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._kernel_call(go(force=True), "save")

        # Autosave stopped for this file (a git conflict, say): overwriting it is the user's call.
        reason = file.message or "the file on disk is not a valid notebook"
        self.app.push_screen(ConfirmScreen(f"{reason}.\nOverwrite the file with this notebook?"), answer)

    def action_help(self) -> None:
        from runt_tui.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    # ---- completion and inspection --------------------------------------------

    def complete(self, message: CellEditor.Complete) -> None:
        """Ask the kernel for completions at the editor's cursor; insert one or offer a list."""
        editor = message.editor
        code, pos = editor.text, editor.cursor_index

        async def go() -> None:
            reply = await self.app.session.complete(code, pos)
            found, first, last = reply.get("matches"), reply.get("cursor_start", pos), reply.get("cursor_end", pos)
            matches = [str(m) for m in found] if isinstance(found, list) else []
            start = first if isinstance(first, int) else pos
            end = last if isinstance(last, int) else pos
            if not matches:
                self.app.notify("no completions", timeout=1.5)
                return
            if editor.text != code or editor.cursor_index != pos:
                return  # typed on meanwhile: a stale answer

            def insert(choice: str | None) -> None:
                if choice is not None and editor.is_attached:
                    editor.replace_range(start, end - start, choice, "edit")
                    editor.focus()

            if len(matches) == 1:
                insert(matches[0])
            else:
                self.app.push_screen(CompletionScreen(matches), insert)

        self._kernel_call(go(), "complete")

    def inspect(self, message: CellEditor.Inspect) -> None:
        """Show what the kernel knows of the name at the editor's cursor."""
        editor = message.editor
        code, pos = editor.text, editor.cursor_index

        async def go() -> None:
            reply = await self.app.session.inspect(code, pos)
            data = reply.get("data")
            text = data.get("text/plain") if isinstance(data, dict) and reply.get("found", True) else None
            if not text:
                self.app.notify("nothing to inspect here", timeout=1.5)
                return
            self.app.push_screen(TextScreen("Inspect", str(text)))

        self._kernel_call(go(), "inspect")

    # ---- the daemon going away and coming back --------------------------------

    def action_reconnect(self) -> None:
        if self.app.session.connection_state == "stopped":
            self.app.session.reconnect()
        else:
            self.app.notify(f"the daemon is {self.app.session.connection_state}", timeout=2)

    def connection_changed(self, state: str) -> None:
        """The daemon went away or came back: say so, and whether the kernel survived."""
        if state in ("stopped", "reconnecting") and not self._kernel_before_loss:
            self._kernel_before_loss = kernel_state(self.app.session_updates.last_runtime)[1]
        if state == "stopped":
            why = self.app.session.stopped_reason or "stopped"
            self.app.notify("The notebook stays readable here; press Shift+R (or edit) to start the daemon again.",
                            title=f"Daemon stopped ({why})", severity="warning", timeout=15)
        elif state == "reconnecting":
            self.app.notify("lost the daemon: reconnecting (edits are kept)", severity="warning", timeout=4)
        elif state == "connected":
            before, self._kernel_before_loss = self._kernel_before_loss, ""
            self.app.pane.update_cells(self.app.session_updates.runtime_changed())
            if before in LIVE_KERNEL and kernel_state(self.app.session.state)[1] not in LIVE_KERNEL:
                self.app.notify("Its variables are gone; press 0 0 to start a new kernel.",
                                title="The kernel was lost when the daemon restarted", severity="warning", timeout=20)
            else:
                self.app.notify("reconnected", timeout=2)

    # ---- input() --------------------------------------------------------------

    def ask_input(self, event: dict[str, Any]) -> None:
        """The kernel's input() asks this terminal for a line."""
        prompt = str(event.get("prompt") or "")
        password = bool(event.get("password"))

        def answered(value: str | None) -> None:
            self._kernel_call(self.app.session.send_input(value or ""), "input")

        self.app.push_screen(PromptScreen("The kernel asks for input", prompt, password), answered)
