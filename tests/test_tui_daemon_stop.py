"""`runt-tui daemon stop` with terminals open: they say so, stay readable, and start no daemon
until the user acts; a crash still reconnects on its own. Real daemon processes throughout."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from conftest import HANG_GUARD, daemon_answers, daemon_processes
from support.tui import screen_text, wait_until, write_notebook
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

# Longer than a silent respawn used to take (well under a second): nothing may appear in it.
QUIET_WINDOW = 2.0


async def daemon_stop(home: Path) -> None:
    """`runt-tui daemon stop`, as a user types it in another terminal."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from runt_tui.cli import main; main()", "daemon", "stop",
        env={**os.environ, "RUNT_TUI_HOME": str(home)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), HANG_GUARD)
    assert proc.returncode == 0 and b"daemon stopped" in out, (out, err)


def notices(app: NotebookApp) -> str:
    return "\n".join(f"{n.title} {n.message}" for n in app._notifications)


@asynccontextmanager
async def app_on_daemon(home: Path, tmp_path: Path) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    """The app on a notebook, joined to a daemon process it started (as `runt-tui NOTEBOOK` does)."""
    nb = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1"), ("code", "y = 2")])
    session = AsyncSession(path=nb, name="ann", home=home, kind="tui")
    app = NotebookApp(AppOptions(path=nb, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            yield app, pilot, session
    finally:
        await session.close()


async def test_daemon_stop_keeps_the_notebook_readable_and_waits_for_the_user(home: Path, tmp_path: Path) -> None:
    async with app_on_daemon(home, tmp_path) as (app, pilot, session):
        await daemon_stop(home)
        await wait_until(pilot, lambda: session.connection_state == "stopped")
        await wait_until(pilot, lambda: "daemon stopped" in screen_text(app))
        assert "Daemon stopped (runt-tui daemon stop)" in notices(app)
        await pilot.press("j")  # reading and moving around go on
        assert app.selected == session.doc.cell_ids()[1]
        await asyncio.sleep(QUIET_WINDOW)
        assert daemon_processes(home) == [] and not daemon_answers(home)
        assert session.connection_state == "stopped" and "x = 1" in screen_text(app)
        await pilot.press("R")
        await wait_until(pilot, lambda: session.connection_state == "connected", timeout=HANG_GUARD)
        assert daemon_processes(home)
        await wait_until(pilot, lambda: "daemon stopped" not in screen_text(app))


async def test_an_edit_after_daemon_stop_starts_it_and_reaches_the_file(home: Path, tmp_path: Path) -> None:
    async with app_on_daemon(home, tmp_path) as (_app, pilot, session):
        await daemon_stop(home)
        await wait_until(pilot, lambda: session.connection_state == "stopped")
        await pilot.press("j", "b", "enter", *"z = 3", "escape")
        await wait_until(pilot, lambda: session.connection_state == "connected", timeout=HANG_GUARD)
        nb = tmp_path / "nb.ipynb"
        await wait_until(pilot, lambda: "z = 3" in nb.read_text(), timeout=HANG_GUARD)


async def test_a_crash_reconnects_by_itself_and_says_the_kernel_was_lost(home: Path, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1")])
    session = AsyncSession(path=nb, name="ann", home=home, kind="tui")
    app = NotebookApp(AppOptions(path=nb, images="halfblock"), session=session)  # starts the kernel
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: session.kernel_status() == "idle", timeout=HANG_GUARD * 2)
            await asyncio.sleep(0.2)  # the app has seen the idle kernel
            (daemon,) = daemon_processes(home)
            daemon.kill()  # kill -9: no stop message
            await wait_until(pilot, lambda: session.connection_state == "connected" and session.room != "", timeout=HANG_GUARD)
            await wait_until(pilot, lambda: "kernel was lost when the daemon restarted" in notices(app), timeout=HANG_GUARD)
            assert "press 0 0" in notices(app)
    finally:
        await session.close()


async def test_a_script_session_waits_for_its_next_call_after_daemon_stop(home: Path, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1")])
    async with AsyncSession(path=nb, name="script", home=home) as s:
        await daemon_stop(home)
        for _ in range(int(HANG_GUARD / 0.05)):
            if s.connection_state == "stopped":
                break
            await asyncio.sleep(0.05)
        assert s.connection_state == "stopped" and s.stopped_reason == "runt-tui daemon stop"
        await asyncio.sleep(QUIET_WINDOW)
        assert daemon_processes(home) == []
        cid = await s.create_cell("z = 3")  # needs the daemon: starts it
        assert s.connection_state == "connected" and cid in s.doc
