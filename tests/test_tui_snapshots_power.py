"""SVG snapshots of vi's normal mode, the notebook search (prompt and highlighted matches) and --view.

Update the baselines with `pytest tests/test_tui_snapshots_power.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.tui import write_notebook
from test_tui_snapshots import TOUR, TOUR_OUTPUTS, baselines_in_snapshots_dir, home, settled
from textual.pilot import Pilot

from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

__all__ = ["baselines_in_snapshots_dir", "home"]


def make_app(home: Path, **options: Any) -> NotebookApp:
    path = write_notebook(home / "notebook.ipynb", TOUR, TOUR_OUTPUTS)
    return NotebookApp(AppOptions(path=path, name="alice", embedded=True, home=home / "state", images="halfblock",
                                  start_kernel=False, **options))


def test_vi_normal_mode(snap_compare: Any, home: Path) -> None:
    async def normal(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.press("j", "j", "enter", "escape", "j", "w")
        await pilot.pause(0.2)

    assert snap_compare(make_app(home, keys="vi"), terminal_size=(80, 24), run_before=normal)


def test_vi_visual_line(snap_compare: Any, home: Path) -> None:
    async def visual(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.press("j", "j", "enter", "escape", "V", "j")
        await pilot.pause(0.2)

    assert snap_compare(make_app(home, keys="vi"), terminal_size=(80, 24), run_before=visual)


def test_search_prompt(snap_compare: Any, home: Path) -> None:
    async def prompt(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.press("slash", *"print")
        await pilot.pause(0.2)

    assert snap_compare(make_app(home), terminal_size=(80, 24), run_before=prompt)


def test_search_matches(snap_compare: Any, home: Path) -> None:
    async def found(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.press("slash", *"the", "enter")
        await settled(pilot)

    assert snap_compare(make_app(home), terminal_size=(80, 24), run_before=found)


def test_view_mode(snap_compare: Any, home: Path) -> None:
    assert snap_compare(make_app(home, view=True), terminal_size=(80, 24), run_before=settled)
