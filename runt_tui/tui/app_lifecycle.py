"""Opening the notebook (connect, first cells, kernel) and leaving it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from runt_tui.client import DaemonError, DaemonUnavailable
from runt_tui.doc import DocError
from runt_tui.render.sanitize import safe_text
from runt_tui.tui.open_wait import say_waiting
from runt_tui.tui.prepaint_driver import release_after_paint

if TYPE_CHECKING:
    from runt_tui.tui.app import NotebookApp

log = logging.getLogger("runt_tui.tui")


def _warm_markdown() -> None:
    import runt_tui.render.markdown  # noqa: F401


def _warm_outputs() -> None:
    import runt_tui.render.output  # noqa: F401


def _warm_syntax() -> None:
    from runt_tui.tui.widgets.syntax_lines import exact_tokens

    exact_tokens(" \n", "python", True)  # compiles the lexer's rules, once per process


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


class Lifecycle:
    """Connects, shows the first cells, starts the kernel if asked, and leaves the room."""

    def __init__(self, app: NotebookApp, connecting: asyncio.Task[None] | None, owns_session: bool) -> None:
        self.app = app
        # `connecting`: session.connect() already under way (started by startup.py), ours to close.
        self.connecting = connecting
        self.owns_session = owns_session

    async def open(self) -> None:
        """Connect (or finish connecting), then show the notebook."""
        app = self.app
        session = app.session
        try:
            connecting, self.connecting = self.connecting, None
            if connecting is not None:
                # A daemon still coming up: draw the file's cells read-only meanwhile.
                await app.first_paint.show(connecting)
                waiting = asyncio.ensure_future(say_waiting(app, connecting))
                await _warm_up(connecting)
                try:
                    await connecting
                finally:
                    waiting.cancel()
            elif session.replica is None:
                await session.connect()
        except (DaemonError, DaemonUnavailable, DocError, OSError) as e:
            message = e.message if isinstance(e, DaemonError) else str(e)
            # Printed after the app ends: it quotes file names, never markup nor escapes.
            app.exit(return_code=1, message=safe_text(f"runt-tui: {message}"))
            return
        doc = session.doc
        if len(doc) == 0 and not app.options.view:  # a viewer changes nothing
            session.edit(lambda d: d.insert_cell(0, "code", ""))
        app.bridge.attach()
        order = doc.cell_ids()
        app.cell_view.reset()
        app.session_updates.reset()
        shown = app.first_paint.active
        app.set_reactive(type(app).selected, app.first_paint.switch(order))
        app.pane.set_order(order, anchor=app.selected)
        release_after_paint(app, app.pane.painted if order else None)
        if shown:  # the read-only copy's widgets stay: give them the live cells
            app.pane.update_cells([c for c in app.pane.mounted if c in doc])
        app.ready = True
        app.key_router.typeahead.release()
        app.refresh_status()
        app.publish_presence()
        app.env_actions.env_changed({}, app.session.state.env.to_json())
        if app.follow is not None:
            app.view_actions.apply_follow()
        app.panes.refresh(all_panes=True)
        if app.options.start_kernel:
            app.run_worker(self.start_kernel(), name="start-kernel", group="kernel")

    async def start_kernel(self) -> None:
        """Start the kernel asked for on the command line, unless one already runs."""
        app = self.app
        # Starting a kernel keeps the daemon and a new process busy: draw the notebook first.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(app.pane.painted.wait(), 2.0)
        running = app.session.state.kernel
        if running.status in ("idle", "busy", "starting"):
            wanted = app.options.kernel
            if wanted and running.name != wanted:
                app.notify(
                    f"The notebook's {running.name} kernel is already running for everyone on it; "
                    f"use Change kernel (Ctrl+P) to switch to {wanted}.",
                    severity="warning", timeout=10,
                )
            return
        try:
            await app.session.start_kernel(kernel_name=app.options.kernel)
        except Exception as e:
            app.notify(f"kernel: {e}", severity="error", timeout=8)

    async def close(self) -> None:
        """Commit pending edits and leave the room (the daemon and kernel live on)."""
        app = self.app
        app.edit.close()
        app.bridge.detach()
        session = app.session
        if self.owns_session and session.replica is not None and session.connection_state != "closed":
            try:
                await session.close()
            except Exception as e:  # leaving must never hang the terminal
                log.warning("closing the session: %s", e)
