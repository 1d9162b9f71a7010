"""The history screen (tui/screens/history.py) through Pilot, on a real daemon with a second client.

Stepping back shows the notebook as it was, read-only, with its differences
from now; `r` and `c` restore as new changes, which the other client sees.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import InProcessDaemons, until, write_notebook
from support.tui import screen_text, wait_until
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from runt_tui.client import AsyncSession
from runt_tui.tui.screens.history_screen import HistoryScreen


class Host(App[None]):
    """Just enough app to show the screen (the notebook app opens it with `h`)."""

    def __init__(self, session: AsyncSession, cell_id: str | None) -> None:
        super().__init__()
        self.session = session
        self.cell_id = cell_id

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(HistoryScreen(self.session, self.cell_id))


async def test_step_back_and_restore_seen_by_another_client(home: Path, daemons: InProcessDaemons, tmp_path: Path) -> None:
    await daemons.start()
    path = tmp_path / "nb.ipynb"
    c0, c1 = write_notebook(path, ["a = 1", "b = 1"])
    alice = AsyncSession(path=path, name="alice", home=home, autostart=False)
    bob = AsyncSession(path=path, name="bob", home=home, autostart=False)
    await alice.connect()
    await bob.connect()
    try:
        await bob.set_source(c0, "a = 2  # bob")
        await bob.set_source(c1, "b = 2  # bob")
        await until(lambda: alice.get_cell(c1).source == "b = 2  # bob", "alice to see bob's edits")
        app = Host(alice, c1)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_until(pilot, lambda: "bob" in screen_text(app))
            text = screen_text(app)
            assert "The notebook after change" in text and "Differences from now" not in text  # newest: same as now
            await pilot.press("end")  # all the way back: the notebook as it was opened
            await wait_until(pilot, lambda: "Differences from now" in screen_text(app))
            text = screen_text(app)
            assert "    a = 1" in text and "    b = 1" in text and "created" in text
            assert "a = 1" in text and "-a = 1" in text and "+a = 2  # bob" in text
            assert alice.get_cell(c0).source == "a = 2  # bob"  # looking back changes nothing
            await pilot.press("c", "y")  # restore the selected cell only
            await until(lambda: bob.get_cell(c1).source == "b = 1", "bob to see alice's cell restore")
            assert bob.get_cell(c0).source == "a = 2  # bob"
            await wait_until(pilot, lambda: "alice" in screen_text(app))  # the restore is in the timeline
            await pilot.press("end", "r", "y")  # the whole notebook, to before bob's edits
            await until(lambda: bob.get_cell(c0).source == "a = 1", "bob to see the notebook restore")
            assert [c.source for c in bob.get_cells()] == ["a = 1", "b = 1"]
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, HistoryScreen))
    finally:
        await alice.close()
        await bob.close()


# ---- snapshot ----------------------------------------------------------------------------------


def test_history_screen_snapshot(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The screen over the notebook app: two authors' edits, stepped back to before them.

    Times come from a fixed clock in UTC (the embedded daemon and the app share it).
    """
    from pytest_textual_snapshot import SVGImageExtension
    from support.tui import write_notebook as write_cells

    import runt_tui.doc.writer as writer
    from runt_tui.tui.app import NotebookApp
    from runt_tui.tui.app_options import AppOptions

    snapshots = Path(__file__).resolve().parent.parent / "snapshots"
    monkeypatch.setattr(SVGImageExtension, "dirname", classmethod(
        lambda cls, *, test_location: str(snapshots / Path(test_location.filepath).stem)))
    clock = [1_767_225_600.0]  # 2026-01-01 00:00 UTC
    monkeypatch.setattr(writer, "now", lambda: clock[0])
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    path = write_cells(home / "notebook.ipynb", [("markdown", "# Rain"), ("code", "rain = [3, 1, 2]\nsum(rain)")])
    app = NotebookApp(AppOptions(path=path, name="alice", embedded=True, home=home / "state", images="halfblock",
                                 start_kernel=False))

    async def history(pilot: Pilot[None]) -> None:
        await wait_until(pilot, lambda: app.ready and app.pane.settled)
        cells = app.session.get_cells()
        await app.session.set_source(cells[1].id, "rain = [3, 1, 2, 5]\nsum(rain)")
        clock[0] += 120
        await app.session.set_source(cells[0].id, "# Rain, by city")
        await pilot.press("j", "H")  # the key, on the second cell (the one `c` restores)
        await wait_until(pilot, lambda: "Same as now" in screen_text(app))
        await pilot.press("end")
        await wait_until(pilot, lambda: "Differences from now" in screen_text(app))
        await pilot.pause(0.2)

    try:
        assert snap_compare(app, terminal_size=(110, 30), run_before=history)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
        shutil.rmtree(home, ignore_errors=True)
