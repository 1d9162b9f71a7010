"""SVG snapshot of the widget gallery (examples/widgets.ipynb) drawn from its saved widget state.

No kernel runs: every widget is the static snapshot saved in
`metadata.widgets`, which is deterministic. Update the baseline with
`pytest tests/test_tui_widget_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from support.tui import screen_text, wait_until
from test_tui_snapshots import baselines_in_snapshots_dir, home
from textual.pilot import Pilot

from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.widgets.ipyw.view import WidgetView

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "examples" / "widgets.ipynb"


__all__ = ["baselines_in_snapshots_dir", "home"]


def gallery_app(home: Path) -> NotebookApp:
    path = home / "widgets.ipynb"
    shutil.copy(GALLERY, path)
    options = AppOptions(path=path, name="alice", embedded=True, home=home / "state", images="halfblock",
                         start_kernel=False)
    return NotebookApp(options)


async def drawn(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, NotebookApp)
    await wait_until(pilot, lambda: app.ready and app.pane.settled)
    await wait_until(pilot, lambda: "level='high'" in screen_text(app))
    await pilot.pause(0.2)


def test_widget_gallery(snap_compare: Any, home: Path) -> None:
    assert snap_compare(gallery_app(home), terminal_size=(110, 150), run_before=drawn)


async def test_saved_state_is_shown_as_static_snapshots(home: Path) -> None:
    app = gallery_app(home)
    async with app.run_test(size=(110, 150)) as pilot:
        await drawn(pilot)
        text = screen_text(app)
        views = list(app.query(WidgetView))
        assert len(views) == 12 and all(v._kind == "saved" for v in views)
        for shown in ("int ━━━", "1000/1000", "[ Press me ]", "☑ check", "colour ‹ green ›", "(•) a", "hello",
                      "x² + y²", "captured by an Output widget", "▾ one", "first pane", "you chose apple",
                      "⟨GaugeModel from my-gauges⟩"):
            assert shown in text, shown
        assert text.count("you do not see me") == 1  # in the source only: layout.display is none
        assert text.count("(saved state: run the cell to make it live)") == 12
