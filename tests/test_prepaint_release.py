"""The pre-painted frame is held until the app's cells are drawn, however late their mount comes.

The real app, daemon and session (App.run_test); the cells pane's mount is held at a
gate, as a loaded machine delays it: the pre-paint's hold (tui/prepaint_driver.py)
must not end before the cells are in, else the terminal shows an empty pane between
the pre-painted cells and the app's. run_test runs its own driver, so the hold is a
stand-in registered where PrepaintDriver registers itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import pytest
from support.tui import screen_text, wait_until, write_notebook
from textual.pilot import Pilot
from textual.widget import Widget

from runt_tui.client import AsyncSession
from runt_tui.daemon.server import Daemon
from runt_tui.tui import prepaint_driver
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.widgets.cell import CellWidget
from runt_tui.tui.widgets.pane import CellsPane

CELLS = [("code", "alpha = 1"), ("code", "beta = 2"), ("code", "gamma = 3")]


class Hold:
    """PrepaintDriver's hold as release_after_paint sees it; notes the mounted cells at the release."""

    def __init__(self, app: NotebookApp) -> None:
        self.app = app
        self.holding = True
        self.cells_at_release: list[str] | None = None

    def release(self) -> None:
        if self.holding:
            self.holding = False
            self.cells_at_release = [c for c, w in self.app.pane.mounted.items() if w.is_attached]


async def refreshed(app: NotebookApp) -> None:
    """Return after the app has handled its queued messages and refreshed (as call_after_refresh)."""
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


@asynccontextmanager
async def gated_app(
    home: Path, path: Path, monkeypatch: pytest.MonkeyPatch, first_paint: bool
) -> AsyncIterator[tuple[NotebookApp, Pilot[None], Hold, asyncio.Event, asyncio.Event]]:
    """The app under a held pre-paint, its cells' mount waiting for `gate` (`at_gate`: it got there).

    `first_paint`: the session's connect waits for the gate too, so the read-only copy is drawn
    first; else the session is live before any cell is drawn (a warm or quick cold start).
    """
    at_gate, gate = asyncio.Event(), asyncio.Event()
    mount_all = CellsPane.mount_all

    async def gated_mount_all(pane: CellsPane, widgets: Iterable[Widget], *args: Any, **kwargs: Any) -> None:
        widgets = list(widgets)
        if any(isinstance(w, CellWidget) for w in widgets):  # not the pane's own compose
            at_gate.set()
            await gate.wait()
        await mount_all(pane, widgets, *args, **kwargs)

    monkeypatch.setattr(CellsPane, "mount_all", gated_mount_all)
    session = AsyncSession(path=path, name="ann", home=home, kind="tui", autostart=False)
    connecting = None
    if first_paint:

        async def connect() -> None:
            await gate.wait()
            await session.connect()

        connecting = asyncio.get_running_loop().create_task(connect())
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session, connecting=connecting)
    hold = Hold(app)
    prepaint_driver._holding[app] = cast(prepaint_driver.PrepaintDriver, hold)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            yield app, pilot, hold, at_gate, gate
    finally:
        gate.set()
        await session.close()


@pytest.mark.parametrize("first_paint", [False, True], ids=["live-first", "read-only-copy-first"])
async def test_the_hold_ends_only_once_the_cells_are_mounted(
    home: Path, daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_paint: bool
) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", CELLS)
    async with gated_app(home, path, monkeypatch, first_paint) as (app, pilot, hold, at_gate, gate):
        # The order is set (live, or the read-only copy's) and the pane's mount waits at the gate.
        await wait_until(pilot, lambda: at_gate.is_set() and app.pane.order)
        assert app.ready != first_paint and app.first_paint.active == first_paint
        for _ in range(3):  # the app refreshes meanwhile: frames of an empty pane, still held back
            await refreshed(app)
        assert hold.holding and hold.cells_at_release is None
        gate.set()
        await wait_until(pilot, lambda: not hold.holding)
        assert hold.cells_at_release == app.pane.order  # every cell of the screenful was in
        await wait_until(pilot, lambda: app.ready and "gamma = 3" in screen_text(app))


async def test_a_notebook_without_cells_ends_the_hold_at_its_first_frames(
    home: Path, daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing to wait for: a viewed empty notebook does not keep the pre-painted frame for the hold's seconds."""
    path = write_notebook(tmp_path / "empty.ipynb", [])
    session = AsyncSession(path=path, name="ann", home=home, kind="tui", autostart=False)
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False, view=True), session)
    hold = Hold(app)
    prepaint_driver._holding[app] = cast(prepaint_driver.PrepaintDriver, hold)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready)
            for _ in range(3):
                await refreshed(app)
            assert not hold.holding and hold.cells_at_release == []
    finally:
        await session.close()
