"""Opening a big notebook for the first time: a client waiting for the room to open is never dropped.

A genuinely big notebook (thousands of cells with outputs) on a real daemon process
whose heartbeat timeout is far shorter than the room's open: the client sends
nothing while it waits for its join answer (it heartbeats only once joined), and
used to be dropped as silent mid-open, so the app exited with status 1.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from conftest import start_daemon_process
from support.tui import screen_text, wait_until

from runt_tui.client import AsyncSession
from runt_tui.client.preview import PREVIEW_MAX_BYTES
from runt_tui.tui import open_wait
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

# A hang guard, not a timing claim: a loaded 2-core machine opens this slowly.
pytestmark = pytest.mark.timeout(300)

BIG_CELLS = 8000
# Silence is dropped after 0.4 s, checked every 50 ms: the first open of BIG_CELLS cells
# (~5 MB) takes seconds here, while a joined client's own pauses stay well under it.
SHORT_HEARTBEAT = {"heartbeat_interval": 0.05, "heartbeat_timeout": 0.4}


def write_big_notebook(path: Path, cells: int = BIG_CELLS, output_chars: int = 0) -> None:
    """A v4.5 notebook of `cells` code cells, each with a few source lines and a stream output."""
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {
                "id": f"c{i}",
                "cell_type": "code",
                "metadata": {},
                "execution_count": i + 1,
                "source": [f"x{i} = {i}\n", f"print(x{i} * 2)\n", "# a comment line\n"],
                "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"{i * 2}\n", "o" * output_chars]}],
            }
            for i in range(cells)
        ],
    }
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


async def test_a_client_waiting_for_a_slow_room_open_is_not_dropped(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "big.ipynb"
    write_big_notebook(path, output_chars=600)
    await start_daemon_process(home, **SHORT_HEARTBEAT)
    s = AsyncSession(path=path, name="waiter", home=home, autostart=False)
    try:
        await s.connect()
        assert s.connection_state == "connected"
        assert len(s.doc) == BIG_CELLS
    finally:
        await s.close()
    log = (home / "daemon.log").read_text(encoding="utf-8")
    assert "waiter joined" in log


async def test_the_app_waits_through_a_slow_first_open_and_says_so(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Too big for the read-only first paint: the screen has nothing to show meanwhile.
    path = tmp_path / "big.ipynb"
    write_big_notebook(path, output_chars=600)
    size = path.stat().st_size
    assert size > PREVIEW_MAX_BYTES
    await start_daemon_process(home, **SHORT_HEARTBEAT)
    monkeypatch.setattr(open_wait, "SAY_AFTER", 0.0)  # said at once: the open is certainly slower
    session = AsyncSession(path=path, name="alice", home=home, kind="tui", autostart=False)
    connecting = asyncio.ensure_future(session.connect())
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False, config=tmp_path / "config.toml"),
                      session=session, connecting=connecting)
    said = f"connecting · the daemon is opening big.ipynb ({size / 1e6:.1f} MB)"
    try:
        async with app.run_test(size=(140, 30)) as pilot:
            await wait_until(pilot, lambda: app.ready or said in screen_text(app), timeout=120)
            assert not app.ready
            await wait_until(pilot, lambda: app.ready and app.pane.settled, timeout=120)
            await pilot.pause()
            assert app.return_code is None and app.is_running
            shown = screen_text(app)
            assert "x0 = 0" in shown and "opening" not in shown and "connecting" not in shown
    finally:
        await session.close()
