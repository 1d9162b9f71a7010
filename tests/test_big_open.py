"""Opening a big notebook for the first time: a client waiting for the room to open is never dropped.

A genuinely big notebook (thousands of cells with outputs) on a real daemon process
whose heartbeat timeout is far shorter than the room's open: the client sends
nothing while it waits for its join answer (it heartbeats only once joined), and
used to be dropped as silent mid-open, so the app exited with status 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import start_daemon_process

from runt_tui.client import AsyncSession

# A hang guard, not a timing claim: a loaded 2-core machine opens this slowly.
pytestmark = pytest.mark.timeout(300)

BIG_CELLS = 8000


def write_big_notebook(path: Path, cells: int = BIG_CELLS) -> None:
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
                "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"{i * 2}\n"]}],
            }
            for i in range(cells)
        ],
    }
    path.write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")


async def test_a_client_waiting_for_a_slow_room_open_is_not_dropped(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "big.ipynb"
    write_big_notebook(path)
    # Silence is dropped after 0.2 s, checked every 50 ms: the open takes far longer.
    await start_daemon_process(home, heartbeat_interval=0.05, heartbeat_timeout=0.2)
    s = AsyncSession(path=path, name="waiter", home=home, autostart=False)
    try:
        await s.connect()
        assert s.connection_state == "connected"
        assert len(s.doc) == BIG_CELLS
    finally:
        await s.close()
    log = (home / "daemon.log").read_text(encoding="utf-8")
    assert "waiter joined" in log
