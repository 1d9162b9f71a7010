"""The app's state and plumbing: session, selection, modes, models handed to the cells."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from textual.app import App
from textual.notifications import SeverityLevel

from runt_tui.client import AsyncSession, DaemonError, DaemonUnavailable, RuntimeState
from runt_tui.doc import DocError
from runt_tui.env.describe import env_label
from runt_tui.render.sanitize import safe_text, strip_controls
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.bridge import Pending, SessionBridge, SessionUpdate
from runt_tui.tui.editsync import EditBuffer, UndoHistory
from runt_tui.tui.graphics import resolved_mode
from runt_tui.tui.model import CellCopy, CellModel, PeerMark, ViewFlags
from runt_tui.tui.widgets.editor import CellEditor
from runt_tui.tui.widgets.pane import CellsPane
from runt_tui.tui.widgets.status import StatusBar, StatusInfo, kernel_state

log = logging.getLogger("runt_tui.tui")


def _warm_markdown() -> None:
    import runt_tui.render.markdown  # noqa: F401


def _warm_outputs() -> None:
    import runt_tui.render.output  # noqa: F401


def _warm_syntax() -> None:
    from rich.syntax import Syntax

    _ = Syntax(" ", "python", theme="monokai").lexer  # compiles the lexer's rules, once per process


async def _warm_up(connecting: asyncio.Task[None]) -> None:
    """While the daemon prepares a big notebook for us, load what drawing the first cells needs."""
    for step in (_warm_syntax, _warm_markdown, _warm_outputs):
        await asyncio.sleep(0)
        if connecting.done():
            return
        try:
            step()
        except Exception:  # only ever an optimisation
            log.debug("warm-up step %s failed", step.__name__, exc_info=True)


class AppCore(App[None]):
    """State shared by the action mixins; app.py adds the layout and the bindings."""

    AUTO_FOCUS = None

    def __init__(
        self, options: AppOptions, session: AsyncSession | None = None,
        connecting: asyncio.Task[None] | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        # `connecting`: session.connect() already under way (started by launch.py), ours to close.
        self.owns_session = session is None or connecting is not None
        self._connecting = connecting
        self.session = session or AsyncSession(
            path=None if options.url else options.path, url=options.url, name=options.name,
            embedded=options.embedded, home=options.home, kind="tui",
        )
        self.selected: str | None = None
        self.mode = "command"
        self.expanded: set[str] = set()
        self.follow: str | None = options.follow
        self.layout_mode = options.layout
        self.line_numbers = options.line_numbers
        self.histories: dict[str, UndoHistory] = {}
        self.buffer: EditBuffer | None = None
        self.editor: CellEditor | None = None
        self.ready = False
        self.blobs_epoch = 0
        self.cursor_pos: int | None = None
        self.cell_clipboard: list[CellCopy] = []
        self.deleted: list[CellCopy] = []
        self._marks: dict[str, tuple[PeerMark, ...]] = {}
        self._statuses: dict[str, tuple[str, str]] = {}
        self._last_runtime = RuntimeState()
        self._presence_timer: Any = None
        self.bridge = SessionBridge(self.session, self, lambda: self.selected if self.buffer else None,
                                    self._edited_cell_changed)
        self.pane = CellsPane(self.model_for, self.view_flags, id="cells")
        self.pane.caret = self.caret
        self.status_bar = StatusBar(id="status")

    def notify(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information",
        timeout: float | None = None, markup: bool = False,
    ) -> None:
        """A toast whose text is never markup and never holds a control character.

        Notifications quote kernel errors, daemon messages and peer names, all untrusted.
        """
        super().notify(strip_controls(str(message)), title=strip_controls(str(title), one_line=True),
                       severity=severity, timeout=timeout, markup=False)

    # ---- opening and closing ----------------------------------------------

    def on_mount(self) -> None:
        if self.options.theme:
            self.theme = self.options.theme
        self.set_class(self.layout_mode == "outputs", "-layout-outputs")
        self.run_worker(self._open(), name="open-notebook", group="session", exclusive=True)

    async def _open(self) -> None:
        try:
            connecting, self._connecting = self._connecting, None
            if connecting is not None:
                await _warm_up(connecting)
                await connecting
            elif self.session.replica is None:
                await self.session.connect()
        except (DaemonError, DaemonUnavailable, DocError, OSError) as e:
            message = e.message if isinstance(e, DaemonError) else str(e)
            # Printed after the app ends: it quotes file names, never markup nor escapes.
            self.exit(return_code=1, message=safe_text(f"runt-tui: {message}"))
            return
        doc = self.session.doc
        if len(doc) == 0:
            self.session.edit(lambda d: d.insert_cell(0, "code", ""))
        self.bridge.attach()
        order = doc.cell_ids()
        self._statuses = self._cell_statuses()
        self._marks = self._peer_marks()
        self._last_runtime = self.session.state
        self.selected = order[0] if order else None
        self.pane.set_order(order, anchor=self.selected)
        self.ready = True
        self.refresh_status()
        self.env_runtime_changed({}, self.session.state.env.to_json())
        self.publish_presence()
        if self.follow is not None:
            self.apply_follow()
        if self.options.start_kernel:
            self.run_worker(self._start_kernel(), name="start-kernel", group="kernel")

    async def _start_kernel(self) -> None:
        # Starting a kernel keeps the daemon and a new process busy: draw the notebook first.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.pane.painted.wait(), 2.0)
        running = self.session.state.kernel
        if running.status in ("idle", "busy", "starting"):
            wanted = self.options.kernel
            if wanted and running.name != wanted:
                self.notify(
                    f"The notebook's {running.name} kernel is already running for everyone on it; "
                    f"use Change kernel (Ctrl+P) to switch to {wanted}.",
                    severity="warning", timeout=10,
                )
            return
        try:
            await self.session.start_kernel(kernel_name=self.options.kernel)
        except Exception as e:
            self.notify(f"kernel: {e}", severity="error", timeout=8)

    async def close_session(self) -> None:
        """Commit pending edits and leave the room (the daemon and kernel live on)."""
        if self.buffer is not None:
            self.buffer.close()
            self.buffer = None
        self.bridge.detach()
        if self.owns_session and self.session.replica is not None and self.session.connection_state != "closed":
            try:
                await self.session.close()
            except Exception as e:  # leaving must never hang the terminal
                log.warning("closing the session: %s", e)

    async def on_unmount(self) -> None:
        await self.close_session()

    async def action_quit(self) -> None:
        await self.close_session()
        self.exit()

    # ---- models for the cells ---------------------------------------------

    def view_flags(self) -> ViewFlags:
        """App-wide display settings."""
        return ViewFlags(
            line_numbers=self.line_numbers,
            layout=self.layout_mode,
            dark=self.current_theme.dark,
            images=resolved_mode(self.options.images if self.options.images in ("halfblock", "none") else "halfblock"),
            language=self.language(),
            width=self.size.width,
        )

    def language(self) -> str:
        """The notebook's language (kernelspec / language_info), python by default."""
        if self.session.replica is None:
            return "python"
        meta = self.session.doc.metadata()
        info = meta.get("language_info") or {}
        spec = meta.get("kernelspec") or {}
        name = info.get("name") or spec.get("language") or "python"
        return str(name).lower()

    def model_for(self, cid: str) -> CellModel:
        """A snapshot of one cell for its widget."""
        replica = self.session.replica
        assert replica is not None
        v = replica.doc.cell(cid)
        status, requester = self._statuses.get(cid, ("", ""))
        outputs: tuple[dict[str, Any], ...] = ()
        if v.cell_type == "code" and v.outputs_json:
            outputs = tuple(replica.resolved_outputs(v))
        return CellModel(
            id=cid, cell_type=v.cell_type, source=v.source, rev=v.rev, orev=v.orev,
            execution_count=v.execution_count, status=status, requester=requester,
            outputs=outputs, attachments=v.attachments, peers=self._marks.get(cid, ()),
            expanded=cid in self.expanded, blobs_epoch=self.blobs_epoch if outputs else 0,
            selected=cid == self.selected, editing=cid == self.selected and self.mode == "edit",
        )

    def _cell_statuses(self) -> dict[str, tuple[str, str]]:
        runtime = self.session.state
        out: dict[str, tuple[str, str]] = {}
        for cid, ex in runtime.executions.items():
            if ex.status in ("error", "cancelled"):
                out[cid] = (ex.status, "")
        for item in runtime.queue:
            if item.cell:
                out[item.cell] = (item.status or "queued", item.requester.name)
        return out

    def _peer_marks(self) -> dict[str, tuple[PeerMark, ...]]:
        marks: dict[str, list[PeerMark]] = {}
        for peer in self.session.peer_list:
            if peer.peer_id == self.session.peer_id or not peer.cell:
                continue
            cursor = peer.cursor
            editing = peer.mode == "edit"
            mark = PeerMark(
                peer_id=peer.peer_id, name=peer.name or "peer",
                colour=peer.colour or "#888888",
                cursor=cursor if isinstance(cursor, int) and editing else None, editing=editing,
            )
            marks.setdefault(peer.cell, []).append(mark)
        return {k: tuple(v) for k, v in marks.items()}

    def cell_ids(self) -> list[str]:
        """The current cell order."""
        return self.session.doc.cell_ids() if self.session.replica is not None else []

    # ---- updates from the session ------------------------------------------

    def _edited_cell_changed(self) -> None:
        buffer = self.buffer
        if buffer is None:
            return
        if buffer.cell_id not in self.session.doc:
            self.buffer = None
            self.mode = "command"
            self.set_class(False, "-edit-mode")
            self.notify("the cell you were editing was deleted by someone else", severity="warning")
            return
        buffer.remote_changed()

    def on_session_update(self, message: SessionUpdate) -> None:
        if not self.ready:
            return
        p = message.pending
        changed: set[str] = set(p.cells)
        if p.runtime:
            changed |= self._runtime_changed()
        if p.presence:
            marks = self._peer_marks()
            for cid in set(marks) | set(self._marks):
                if marks.get(cid) != self._marks.get(cid):
                    changed.add(cid)
            self._marks = marks
        if p.blobs:
            self.blobs_epoch += 1
            changed |= {c for c in self.pane.mounted if self.session.doc.cell(c).outputs_json}
        if p.structure:
            order = self.cell_ids()
            if self.selected not in order:
                old = self.pane.order
                idx = old.index(self.selected) if self.selected in old else 0
                self.selected = order[min(idx, len(order) - 1)] if order else None
            self.pane.set_order(order)
        if p.metadata:
            self.pane.refresh_all()
        live = set(self.pane.order)
        self.pane.update_cells(c for c in changed if c in live)
        self._handle_events(p)
        self.refresh_status()
        if self.follow is not None and (p.runtime or p.presence or changed):
            self.apply_follow(changed)
        if self.mode == "edit":  # a remote edit above may have pushed the cursor off screen
            self.call_after_refresh(self.keep_cursor_visible)

    def _runtime_changed(self) -> set[str]:
        runtime = self.session.state
        old = self._last_runtime
        self._last_runtime = runtime
        statuses = self._cell_statuses()
        changed = {c for c in set(statuses) | set(self._statuses) if statuses.get(c) != self._statuses.get(c)}
        self._statuses = statuses
        _, old_kernel, _ = kernel_state(old)
        name, kernel, _ = kernel_state(runtime)
        if kernel == "dead" and old_kernel != "dead":
            error = runtime.kernel.exception or "the kernel died"
            self.notify(f"{name or 'kernel'}: {error}", title="Kernel died", severity="error", timeout=10)
        save, old_save = runtime.save, old.save
        if save.state in ("error", "read-only") and save != old_save:
            self.notify(save.message or save.state, title="Save", severity="error", timeout=10)
        file_state, old_file = runtime.file, old.file
        if file_state.state in ("deleted", "invalid") and file_state != old_file:
            self.notify(file_state.message or file_state.state, title="File", severity="warning", timeout=10)
        if runtime.env != old.env:
            self.env_runtime_changed(old.env.to_json(), runtime.env.to_json())
        return changed

    def _handle_events(self, p: Pending) -> None:
        for level, text in p.notices:
            if level in ("error", "warning"):
                self.notify(text, severity="error" if level == "error" else "warning", timeout=6)
            else:
                self.notify(text, timeout=6)
        if p.connection:
            self.connection_changed(p.connection)
        for event in p.inputs:
            self.ask_input(event)
        for event in p.prompts:
            if event.get("peer_id") != self.session.peer_id and not p.inputs:
                who = (event.get("requester") or {}).get("name") or "another terminal"
                self.notify(f"a cell run by {who} is waiting for input there", timeout=4)

    def env_runtime_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Hook: the notebook's environment state changed (see screens/env.py)."""

    def ask_input(self, event: dict[str, Any]) -> None:
        """Hook for the kernel's input() prompt (see KernelActions)."""

    def connection_changed(self, state: str) -> None:
        """Hook: the daemon went away or came back (see KernelActions)."""

    def apply_follow(self, changed: set[str] | None = None) -> None:
        """Hook for follow mode (see CellActions)."""

    def keep_cursor_visible(self) -> None:
        """Hook: scroll the editor's cursor into view (see CellActions)."""

    def caret(self) -> tuple[str, int] | None:
        """Hook: the edited cell and its cursor's screen row (see CellActions)."""
        return None

    # ---- status and presence ------------------------------------------------

    def refresh_status(self) -> None:
        """Rebuild the status bar from the session."""
        runtime = self.session.state
        name, status, queue = kernel_state(runtime)
        peers = tuple(
            (p.name or "peer", p.colour)
            for p in self.session.peer_list
            if p.peer_id != self.session.peer_id
        )
        path = self.session.path or ""
        self.status_bar.show(StatusInfo(
            kernel_name=name or self.options.kernel or "", kernel_status=status, queue=queue,
            save=runtime.save.state or "saved",
            file=runtime.file.state or "ok",
            connection=self.session.connection_state, mode=self.mode, follow=self.follow,
            peers=peers, me=(self.session.name, self.session.colour),
            title=path.rsplit("/", 1)[-1], env=env_label(runtime.env.to_json()),
        ))

    def publish_presence(self) -> None:
        """Tell the others where we are (throttled to one request per 50 ms)."""
        if self._presence_timer is None and self.ready and self.session.connection_state != "stopped":
            self._presence_timer = self.set_timer(0.05, self._send_presence)

    def _send_presence(self) -> None:
        self._presence_timer = None
        cursor = self.cursor_pos if self.mode == "edit" else None
        coro = self.session.set_presence(self.selected, cursor, self.mode)
        self.run_worker(coro, name="presence", group="presence", exclusive=True, exit_on_error=False)
