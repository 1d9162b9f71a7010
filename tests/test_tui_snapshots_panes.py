"""SVG snapshots of the output and kernel panes and the three-pane layout (baselines in snapshots/).

The kernel pane is drawn from a fixed runtime state and peer list (and a fixed
clock), so pids, timers and peers' idle times do not vary between runs.
Update the baselines with `pytest tests/test_tui_snapshots_panes.py --snapshot-update`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from support.tui import wait_until, write_notebook
from test_tui_snapshots import (
    GALLERY,
    GALLERY_OUTPUTS,
    TOUR,
    TOUR_OUTPUTS,
    baselines_in_snapshots_dir,
    home,
)
from textual.pilot import Pilot

from runt_tui.protocol.codec import decode
from runt_tui.protocol.payloads import PeerInfo
from runt_tui.protocol.runtime import decode_runtime
from runt_tui.tui import panes as panes_module
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

__all__ = ["baselines_in_snapshots_dir", "home"]

NOW = 1_700_000_100.0
BOB = {"peer_id": "p2", "name": "bob", "colour": "#61afef"}
ANN = {"peer_id": "p3", "name": "ann", "colour": "#98c379"}


def runtime(running: str, queued: str) -> dict[str, Any]:
    """A kernel with a running cell (bob's), a queued one (ann's), history, a cancellation and log lines."""
    return {
        "kernel": {"status": "busy", "name": "python3", "pid": 4242},
        "kernel_info": {"display_name": "Python 3 (ipykernel)", "started_at": NOW - 754, "rss": 87 * 2**20,
                        "cpu": 12.5, "env": "/home/alice/proj/.venv", "transport": "ipc"},
        "queue": [
            {"exec_id": "x7", "seq": 7, "cell": running, "status": "running", "requester": BOB},
            {"exec_id": "x8", "seq": 8, "cell": queued, "status": "queued", "requester": ANN},
        ],
        "executions": {
            running: {"exec_id": "x7", "cell": running, "status": "running", "requester": BOB,
                      "queued_at": NOW - 20, "started_at": NOW - 13},
            queued: {"exec_id": "x8", "cell": queued, "status": "queued", "requester": ANN, "queued_at": NOW - 5},
        },
        "history": {
            "x6": {"exec_id": "x6", "cell": queued, "status": "error", "requester": ANN, "execution_count": 5,
                   "duration": 0.3, "finished_at": NOW - 40},
            "x5": {"exec_id": "x5", "cell": running, "status": "done", "requester": BOB, "execution_count": 4,
                   "duration": 74.0, "finished_at": NOW - 60},
        },
        "cancelled": {"x4": {"exec_id": "x4", "cell": queued, "requester": ANN, "by": BOB, "reason": "interrupted",
                             "at": NOW - 30}},
        "kernel_log": {"0": "[IPKernelApp] WARNING | debugger warning: It seems that frozen modules are being used",
                       "1": "/tmp/x.py:3: DeprecationWarning: old API"},
    }


def peers(ids: list[str], me: str) -> list[dict[str, Any]]:
    return [
        {"peer_id": me, "name": "alice", "colour": "#e06c75", "kind": "tui", "cell": ids[0], "mode": "command", "active_at": NOW},
        {**BOB, "kind": "tui", "cell": ids[2], "mode": "edit", "active_at": NOW - 3},
        {**ANN, "kind": "tui", "cell": ids[1], "mode": "command", "active_at": NOW - 125, "follow": "p2"},
    ]


def make_app(home: Path, cells: list[tuple[str, str]], outputs: dict[int, list[dict[str, Any]]],
             panes: tuple[str, ...], theme: str | None = None) -> NotebookApp:
    path = write_notebook(home / "notebook.ipynb", cells, outputs)
    options = AppOptions(path=path, name="alice", embedded=True, home=home / "state", images="halfblock",
                         start_kernel=False, theme=theme, panes=panes, config=home / "config.toml")
    return NotebookApp(options)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(panes_module.time, "time", lambda: NOW)


def frozen(steps: Callable[[Pilot[None]], Awaitable[None]] | None = None) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Open the notebook, stop live updates, give the session the fixed runtime and peers, then `steps`."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, NotebookApp)
        await wait_until(pilot, lambda: app.ready and app.pane.settled)
        await pilot.pause(0.3)
        app.bridge.detach()
        ids = app.cell_ids()
        code = [c for c in ids if app.session.doc.cell(c).cell_type == "code"]
        app.session._set_state(decode_runtime(runtime(code[-1], code[0])))
        app.session.peer_list = [decode(PeerInfo, p) for p in peers(ids, str(app.session.peer_id))]
        app.cell_view.reset()
        app.pane.refresh_all()
        app.refresh_status()
        app.panes.refresh(all_panes=True)
        if steps is not None:
            await steps(pilot)
            # The steps may move the cells pane: its window (and so its scrollbar) must be done too.
            await wait_until(pilot, lambda: app.pane.settled)
        await pilot.pause(0.3)

    return run_before


ALL = ("cells", "output", "kernel")


def test_three_panes_wide(snap_compare: Any, home: Path) -> None:
    assert snap_compare(make_app(home, TOUR, TOUR_OUTPUTS, ALL), terminal_size=(160, 45), run_before=frozen())


def test_three_panes_small(snap_compare: Any, home: Path) -> None:
    assert snap_compare(make_app(home, TOUR, TOUR_OUTPUTS, ALL), terminal_size=(80, 24), run_before=frozen())


def test_three_panes_light(snap_compare: Any, home: Path) -> None:
    app = make_app(home, TOUR, TOUR_OUTPUTS, ALL, theme="textual-light")
    assert snap_compare(app, terminal_size=(160, 45), run_before=frozen())


@pytest.mark.parametrize("size", [(160, 45), (80, 24)])
def test_kernel_pane_alone(snap_compare: Any, home: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(home, TOUR, TOUR_OUTPUTS, ("kernel",)), terminal_size=size, run_before=frozen())


@pytest.mark.parametrize("size", [(160, 45), (80, 24)])
def test_output_pane_alone_image_full_width(snap_compare: Any, home: Path, size: tuple[int, int]) -> None:
    async def to_image(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, NotebookApp)
        app.select_cell(app.cell_ids()[4])
        await pilot.pause(0.2)

    app = make_app(home, GALLERY, GALLERY_OUTPUTS, ("output",))
    assert snap_compare(app, terminal_size=size, run_before=frozen(to_image))


def test_output_pane_search_light(snap_compare: Any, home: Path) -> None:
    async def search(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, NotebookApp)
        app.select_cell(app.cell_ids()[6])
        await pilot.pause(0.2)
        app.panes.focus("output")
        await pilot.press("slash", *"7", "enter", "n")
        await pilot.pause(0.2)

    app = make_app(home, GALLERY, GALLERY_OUTPUTS, ("cells", "output"), theme="textual-light")
    assert snap_compare(app, terminal_size=(80, 24), run_before=frozen(search))
