"""Kernel actions: run, interrupt, restart, shut down, change kernel, complete, inspect, input()."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from runt_tui.tui.actions_cells import CellActions
from runt_tui.tui.screens.dialogs import (
    ChoiceScreen,
    CompletionScreen,
    ConfirmScreen,
    PromptScreen,
    TextScreen,
)
from runt_tui.tui.widgets.editor import CellEditor
from runt_tui.tui.widgets.status import kernel_state

log = logging.getLogger("runt_tui.tui")

LIVE_KERNEL = ("idle", "busy", "starting", "restarting")


class KernelActions(CellActions):
    """Everything that talks to the kernel, each request in a named worker."""

    # The kernel's state when the daemon was lost ("" while connected).
    _kernel_before_loss = ""

    def _kernel_call(self, coro: Awaitable[Any], name: str) -> None:
        async def go() -> None:
            try:
                await coro
            except Exception as e:
                self.notify(f"{name}: {e}", severity="error", timeout=6)

        self.run_worker(go(), name=name, group="kernel", exit_on_error=False)

    def _queue(self, cells: list[str]) -> None:
        if self.buffer is not None:
            self.buffer.commit()
        code = [c for c in cells if c in self.session.doc and self.session.doc.cell(c).cell_type == "code"]

        async def go() -> None:
            for cid in code:
                await self.session.queue_execution(cid)

        if code:
            self._kernel_call(go(), "run")

    def _run_selected(self) -> str | None:
        cid = self.selected
        if cid is None:
            return None
        if self.session.doc.cell(cid).cell_type == "code":
            self._queue([cid])
        return cid

    async def action_run_cell(self) -> None:
        self._run_selected()
        if self.mode == "edit" and self.session.doc.cell(self.selected or "").cell_type != "code":
            await self.action_command_mode()

    async def action_run_and_advance(self) -> None:
        was_editing = self.mode == "edit"
        if was_editing:
            await self.action_command_mode()
        if self._run_selected() is None:
            return
        order = self.pane.order
        i = self._index()
        if i + 1 < len(order):
            self.select_cell(order[i + 1])
        else:
            self.action_insert(1)
            if was_editing:
                await self.action_edit_mode()

    async def action_run_and_insert(self) -> None:
        was_editing = self.mode == "edit"
        if was_editing:
            await self.action_command_mode()
        self._run_selected()
        self.action_insert(1)
        if was_editing:
            await self.action_edit_mode()

    def action_run_all(self) -> None:
        self._queue(list(self.pane.order))

    def action_run_above(self) -> None:
        self._queue(self.pane.order[: self._index()])

    def action_run_below(self) -> None:
        self._queue(self.pane.order[self._index():])

    def action_clear_outputs(self) -> None:
        if self.selected is not None:
            self._kernel_call(self.session.clear_outputs([self.selected]), "clear outputs")

    def action_clear_all_outputs(self) -> None:
        self._kernel_call(self.session.clear_outputs(list(self.pane.order)), "clear outputs")

    def action_interrupt(self) -> None:
        self._kernel_call(self.session.interrupt(), "interrupt")
        self.notify("interrupting the kernel", timeout=2)

    def action_restart(self) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self._kernel_call(self.session.restart_kernel(), "restart")
                self.notify("restarting the kernel", timeout=2)

        self.push_screen(ConfirmScreen("Restart the kernel for everyone on this notebook?"), answer)

    def action_shutdown_kernel(self) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                self._kernel_call(self.session.shutdown_kernel(), "shut down")

        self.push_screen(ConfirmScreen("Shut the kernel down for everyone?"), answer)

    def action_change_kernel(self) -> None:
        self.run_worker(self._change_kernel(), name="change-kernel", group="kernel", exclusive=True)

    async def _change_kernel(self) -> None:
        """Offer the installed kernelspecs; typing a name is the fallback when they cannot be listed."""
        current = self.session.state.kernel.name or ""

        def chosen(name: str | None) -> None:
            if name and name.strip():
                async def go() -> None:
                    await self.session.shutdown_kernel()
                    await self.session.start_kernel(kernel_name=name.strip())

                self._kernel_call(go(), "change kernel")

        try:
            specs = await self.session.kernelspecs()
        except Exception as e:
            log.info("listing kernelspecs: %s", e)
            specs = {}
        if not specs:
            self.push_screen(PromptScreen("Kernel name (a kernelspec)", value=current or "python3"), chosen)
            return
        choices = [
            (f"{spec['display_name']}  ({name}{', running' if name == current else ''})", name)
            for name, spec in specs.items()
        ]
        self.push_screen(ChoiceScreen("Change the kernel for everyone on this notebook", choices, current), chosen)

    def action_save(self) -> None:
        async def go(force: bool = False) -> None:
            if self.buffer is not None:
                self.buffer.commit()
            await self.session.save(force=force)
            self.notify("saved", timeout=1.5)

        file = self.session.state.file
        if file.state != "invalid":
            self._kernel_call(go(), "save")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._kernel_call(go(force=True), "save")

        # Autosave stopped for this file (a git conflict, say): overwriting it is the user's call.
        reason = file.message or "the file on disk is not a valid notebook"
        self.push_screen(ConfirmScreen(f"{reason}.\nOverwrite the file with this notebook?"), answer)

    def action_help(self) -> None:
        from runt_tui.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    # ---- completion and inspection --------------------------------------------

    def on_cell_editor_complete(self, message: CellEditor.Complete) -> None:
        editor = message.editor
        code, pos = editor.text, editor.cursor_index

        async def go() -> None:
            reply = await self.session.complete(code, pos)
            found, first, last = reply.get("matches"), reply.get("cursor_start", pos), reply.get("cursor_end", pos)
            matches = [str(m) for m in found] if isinstance(found, list) else []
            start = first if isinstance(first, int) else pos
            end = last if isinstance(last, int) else pos
            if not matches:
                self.notify("no completions", timeout=1.5)
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
                self.push_screen(CompletionScreen(matches), insert)

        self._kernel_call(go(), "complete")

    def on_cell_editor_inspect(self, message: CellEditor.Inspect) -> None:
        editor = message.editor
        code, pos = editor.text, editor.cursor_index

        async def go() -> None:
            reply = await self.session.inspect(code, pos)
            data = reply.get("data")
            text = data.get("text/plain") if isinstance(data, dict) and reply.get("found", True) else None
            if not text:
                self.notify("nothing to inspect here", timeout=1.5)
                return
            self.push_screen(TextScreen("Inspect", str(text)))

        self._kernel_call(go(), "inspect")

    # ---- the daemon going away and coming back --------------------------------

    def action_reconnect(self) -> None:
        if self.session.connection_state == "stopped":
            self.session.reconnect()
        else:
            self.notify(f"the daemon is {self.session.connection_state}", timeout=2)

    def connection_changed(self, state: str) -> None:
        if state in ("stopped", "reconnecting") and not self._kernel_before_loss:
            self._kernel_before_loss = kernel_state(self._last_runtime)[1]
        if state == "stopped":
            why = self.session.stopped_reason or "stopped"
            self.notify("The notebook stays readable here; press Shift+R (or edit) to start the daemon again.",
                        title=f"Daemon stopped ({why})", severity="warning", timeout=15)
        elif state == "reconnecting":
            self.notify("lost the daemon: reconnecting (edits are kept)", severity="warning", timeout=4)
        elif state == "connected":
            before, self._kernel_before_loss = self._kernel_before_loss, ""
            self.pane.update_cells(self._runtime_changed())
            if before in LIVE_KERNEL and kernel_state(self.session.state)[1] not in LIVE_KERNEL:
                self.notify("Its variables are gone; press 0 0 to start a new kernel.",
                            title="The kernel was lost when the daemon restarted", severity="warning", timeout=20)
            else:
                self.notify("reconnected", timeout=2)

    # ---- input() --------------------------------------------------------------

    def ask_input(self, event: dict[str, Any]) -> None:
        prompt = str(event.get("prompt") or "")
        password = bool(event.get("password"))

        def answered(value: str | None) -> None:
            self._kernel_call(self.session.send_input(value or ""), "input")

        self.push_screen(PromptScreen("The kernel asks for input", prompt, password), answered)
