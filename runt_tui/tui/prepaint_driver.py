"""Textual's Linux driver, adopting a terminal the pre-paint (runt_tui/prepaint.py) already drew on.

Textual's start enters the alternate screen (`CSI ?1049h`, which clears it) and its
first frames show empty panes until the notebook's cells are mounted: either would
flash away the pre-painted notebook. So, on its first start only, this driver skips
that enter, takes the terminal settings saved before the pre-paint as the ones to
restore (exit, suspend, Ctrl+Z and a crash all leave the terminal as they found it),
and holds every frame back until the app's cells pane has drawn its cells
(`release_after_paint`) or HOLD_SECONDS pass; the frame it then writes repaints the whole screen. After
a suspend (SIGTSTP, `$EDITOR`) it repaints the whole screen too: the shell drew on
it meanwhile, and Textual's own resume left the cells pane blank. Keys are
not read while the frame is held: typed during the pre-paint or the hold, they
wait in the terminal's queue and then act, in order, on the cells on screen.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any

from textual.drivers.linux_driver import LinuxDriver

from runt_tui import prepaint

if TYPE_CHECKING:
    from textual.app import App

ENTER_ALT_SCREEN = "\x1b[?1049h"
# The driver holding each app's frames (Textual keeps its driver private).
_holding: weakref.WeakKeyDictionary[App[Any], PrepaintDriver] = weakref.WeakKeyDictionary()
# The longest the pre-painted frame stays while the app has no cells to show (a slow daemon,
# a big notebook the app does not preview); a dialog ends the hold at once.
HOLD_SECONDS = 5.0


class PrepaintDriver(LinuxDriver):
    """A LinuxDriver that keeps the pre-painted frame until the app's own frame has cells."""

    def __init__(self, app: App[Any], **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._adopting = True  # only the first start adopts the pre-paint's screen
        self._skip_enter = False
        self.holding = False
        # Keys are read once the frame is released: typed earlier, they wait in the terminal's
        # queue, in order, and then act on the cells they were typed at.
        self._reading = threading.Event()
        self._reading.set()

    def start_application_mode(self) -> None:
        adopting, self._adopting = self._adopting, False
        attrs = prepaint.hand_over() if adopting else None
        if attrs is None:
            super().start_application_mode()  # type: ignore[no-untyped-call]
            if not adopting:  # back from a suspend: the screen was the shell's meanwhile
                asyncio.get_running_loop().call_soon(self._repaint)
            return
        self._skip_enter = True
        self._reading.clear()
        try:
            super().start_application_mode()  # type: ignore[no-untyped-call]
        finally:
            self._skip_enter = False
        self.attrs_before = attrs  # what the terminal was before the pre-paint turned echo off
        self.holding = True
        _holding[self._app] = self
        asyncio.get_running_loop().call_later(hold_seconds(), self.release)

    def stop_application_mode(self) -> None:
        self.holding = False  # leaving: the restoring sequences must reach the terminal
        self._reading.set()
        super().stop_application_mode()

    def run_input_thread(self) -> None:
        self._reading.wait()
        super().run_input_thread()

    def write(self, data: str) -> None:
        if self.holding:
            if len(self._app.screen_stack) > 1:  # a dialog opened: it must be seen (and answered)
                self.release()
            return
        if self._skip_enter and data == ENTER_ALT_SCREEN:
            return
        super().write(data)

    def _repaint(self) -> None:
        self._app.refresh(repaint=True, layout=True)

    def release(self) -> None:
        """Let frames through again, starting with a full repaint over the pre-painted one."""
        if not self.holding:
            return
        self.holding = False
        self._app.refresh(repaint=True, layout=True)
        self._reading.set()


def hold_seconds() -> float:
    """HOLD_SECONDS, or RUNT_TUI_PREPAINT_HOLD (tests on a busy machine, where a cold start can
    take longer than that)."""
    try:
        return float(os.environ.get("RUNT_TUI_PREPAINT_HOLD", HOLD_SECONDS))
    except ValueError:
        return HOLD_SECONDS


def driver_class() -> type[LinuxDriver] | None:
    """The driver to run the app with in a terminal: this one (None on Windows: Textual's choice).

    Without a pre-paint it is Textual's LinuxDriver plus the repaint after a suspend.
    """
    return None if sys.platform == "win32" else PrepaintDriver


def release_after_paint(app: App[Any], painted: asyncio.Event | None) -> None:
    """The cells are set: show the app's frames once `painted` says they are drawn.

    The cells pane mounts its widgets in a worker, which on a loaded machine finishes
    many refreshes later: a release on the next refresh would flash an empty pane
    between the pre-painted cells and the app's. None: nothing to wait for (no cells).
    """
    driver = _holding.get(app)
    if driver is None or not driver.holding:
        return
    if painted is None:
        app.call_after_refresh(app.call_after_refresh, driver.release)
        return

    async def release_when_painted() -> None:
        await painted.wait()
        driver.release()

    app.run_worker(release_when_painted(), name="prepaint-release", group="prepaint", exit_on_error=False)
