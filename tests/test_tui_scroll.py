"""The cells pane on long notebooks: a burst of `j` lands exactly and draws once, a
10,000-cell open builds only the cells it shows, bodies are reused on remount.

Everything asserted is app state or a count of work done (models built, widgets
mounted, bursts drawn, cache hits), never a time: see bench/bench_tui.py.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from support.tui import wait_until
from textual import events
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.cell_view import CellView
from runt_tui.tui.model import CellModel, ViewFlags
from runt_tui.tui.widgets import cell as cell_module
from runt_tui.tui.widgets.cell import BODIES, CellWidget
from runt_tui.tui.widgets.pane import MAX_MOUNTED, CellsPane


def write_cells(path: Path, count: int, tall: int = 0) -> Path:
    """A notebook of `count` cells, code and markdown of a few lines, as plain nbformat 4.5 JSON;
    with `tall`, every `tall`-th cell holds 15 lines (the first screen's cells do not tell their sizes)."""
    cells: list[dict[str, Any]] = []
    for i in range(count):
        if tall and i % tall == tall - 1 and i > 40:
            cells.append({"cell_type": "code", "id": f"c{i:05d}", "metadata": {}, "execution_count": None,
                          "outputs": [], "source": "\n".join(f"y{i}_{k} = {k}" for k in range(15))})
        elif i % 3 == 2:
            cells.append({"cell_type": "markdown", "id": f"c{i:05d}", "metadata": {},
                          "source": f"## Section {i}\n\nSome words about {i}."})
        else:
            cells.append({"cell_type": "code", "id": f"c{i:05d}", "metadata": {}, "execution_count": None,
                          "outputs": [], "source": f"x{i} = {i}\nprint(x{i})"})
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                     "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


class Counts:
    """Work done by the app, counted by wrapping the methods that do it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.models = 0
        self.mounts = 0
        model_for, init = CellView.model_for, CellWidget.__init__

        def counted_model_for(view: CellView, cell_id: str) -> CellModel:
            self.models += 1
            return model_for(view, cell_id)

        def counted_init(widget: CellWidget, model: CellModel, flags: ViewFlags) -> None:
            self.mounts += 1
            init(widget, model, flags)

        monkeypatch.setattr(CellView, "model_for", counted_model_for)
        monkeypatch.setattr(CellWidget, "__init__", counted_init)

    def reset(self) -> None:
        self.models = self.mounts = 0


@asynccontextmanager
async def opened(tmp_path: Path, cells: int, size: tuple[int, int] = (120, 40),
                 tall: int = 0) -> AsyncIterator[tuple[NotebookApp, Pilot[None]]]:
    path = write_cells(tmp_path / "long.ipynb", cells, tall)
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=size) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled, timeout=180)
            await pilot.pause()
            yield app, pilot
    finally:
        await session.close()
        shutil.rmtree(home, ignore_errors=True)


def burst(app: NotebookApp, key: str, times: int) -> None:
    """Keys arriving together, as from a terminal's input buffer (Pilot.press waits after each)."""
    driver = app._driver
    assert driver is not None
    for _ in range(times):
        driver.send_message(events.Key(key, key))


def selected_index(app: NotebookApp) -> int:
    assert app.selected is not None
    return app.pane.order.index(app.selected)


def on_screen(app: NotebookApp, cell_id: str) -> bool:
    widget = app.pane.widget_for(cell_id)
    if widget is None or not widget.is_attached:
        return False
    region, pane = widget.region, app.pane.region
    return region.height > 0 and region.y >= pane.y and region.y < pane.bottom


async def test_a_burst_of_j_lands_exactly_and_is_drawn_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = Counts(monkeypatch)
    async with opened(tmp_path, 1100) as (app, pilot):
        assert selected_index(app) == 0
        counts.reset()
        flushes = app.pane.flushes
        burst(app, "j", 200)
        target = app.pane.order[200]
        await wait_until(pilot, lambda: app.selected == target and app.pane.settled, timeout=60)
        await pilot.pause()
        assert selected_index(app) == 200
        assert on_screen(app, target)
        assert app.pane.widget_for(target).has_class("-selected")  # type: ignore[union-attr]
        # Drawn once for the burst (not once per key), mounting one window's worth of cells.
        assert counts.models <= 2 * MAX_MOUNTED
        assert counts.mounts <= MAX_MOUNTED
        assert app.pane.flushes - flushes <= 2
        # Clamped at both ends, still exact.
        burst(app, "j", 1200)
        last = app.pane.order[-1]
        await wait_until(pilot, lambda: app.selected == last and app.pane.settled, timeout=60)
        burst(app, "k", 1098)
        await wait_until(pilot, lambda: app.selected == app.pane.order[1] and app.pane.settled, timeout=60)
        await pilot.pause()
        assert selected_index(app) == 1
        assert on_screen(app, app.pane.order[1])
        assert [c for c in app.pane.mounted if app.pane.mounted[c].has_class("-selected")] == [app.pane.order[1]]


async def test_bursts_arriving_in_pieces_end_with_the_selection_on_screen(tmp_path: Path) -> None:
    """Keys read in chunks, each chunk landing while the window is still being changed for the last."""
    async with opened(tmp_path, 1100) as (app, pilot):
        for _ in range(20):
            burst(app, "j", 10)
            await asyncio.sleep(0.01)
        target = app.pane.order[200]
        await wait_until(pilot, lambda: app.selected == target and app.pane.settled, timeout=60)
        await pilot.pause()
        assert on_screen(app, target)


async def test_a_key_read_while_the_window_changes_keeps_its_cell_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every `j` here arrives right after the pane changed its window for a scroll and before the screen
    is laid out again: the view kept for that window change must not undo the scroll to the new cell."""
    async with opened(tmp_path, 1100) as (app, pilot):
        injected: list[int] = []
        sync = CellsPane._sync_window

        async def sync_then_key(pane: CellsPane, anchor: tuple[str, bool] | None, estimates_only: bool = False) -> None:
            await sync(pane, anchor, estimates_only)
            if anchor is None and len(injected) < 12:
                injected.append(selected_index(app))
                burst(app, "j", 1)

        monkeypatch.setattr(CellsPane, "_sync_window", sync_then_key)
        while len(injected) < 12 and selected_index(app) < 300:
            burst(app, "j", 1)
            await wait_until(pilot, lambda: app.pane.settled, timeout=60)
            await pilot.pause()
            assert on_screen(app, app.selected or ""), f"cell {selected_index(app)} off screen"
        assert len(injected) == 12  # the window did change under keys: the case was exercised


async def test_a_jump_on_a_very_tall_terminal_lands_on_screen(tmp_path: Path) -> None:
    """Two screens each side of the target hold more cells than are mounted: the window still holds the target."""
    async with opened(tmp_path, 1100, size=(100, 150)) as (app, pilot):
        for key, cell in (("G", -1), ("home", 0), ("G", -1)):
            target = app.pane.order[cell]
            burst(app, key, 1)
            await wait_until(pilot, lambda t=target: app.selected == t and app.pane.settled, timeout=60)
            await pilot.pause()
            assert on_screen(app, target)
            assert len(app.pane.mounted) <= MAX_MOUNTED


async def test_a_page_key_or_the_wheel_right_after_j_still_scrolls_the_view(tmp_path: Path) -> None:
    """The view the user scrolled to wins over the selection's scroll still waiting to be checked."""
    async with opened(tmp_path, 300, size=(80, 24)) as (app, pilot):
        burst(app, "j", 3)
        await wait_until(pilot, lambda: app.pane.settled and selected_index(app) == 3, timeout=60)
        top = app.pane.scroll_y
        burst(app, "j", 1)
        burst(app, "pagedown", 1)
        await wait_until(pilot, lambda: app.pane.settled and selected_index(app) == 4, timeout=60)
        await pilot.pause()
        assert app.pane.scroll_y >= top + app.pane.scrollable_content_region.height - 1
        # So does the mouse wheel.
        burst(app, "k", 1)
        await wait_until(pilot, lambda: app.pane.settled and selected_index(app) == 3, timeout=60)
        top = app.pane.scroll_y
        burst(app, "j", 1)
        assert app._driver is not None
        for _ in range(10):
            app._driver.send_message(events.MouseScrollDown(None, 10, 10, 0, 1, 0, False, False, False, screen_x=10, screen_y=10))
        await wait_until(pilot, lambda: app.pane.settled and selected_index(app) == 4, timeout=60)
        await pilot.pause()
        assert app.pane.scroll_y >= top + 10 and not on_screen(app, app.pane.order[4])


async def test_keys_after_a_burst_act_on_where_it_ended(tmp_path: Path) -> None:
    async with opened(tmp_path, 300, size=(80, 24)) as (app, pilot):
        burst(app, "j", 40)
        burst(app, "k", 3)
        await wait_until(pilot, lambda: app.pane.settled and selected_index(app) == 37, timeout=60)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.mode == "edit", timeout=30)
        assert app.edit.cell_id == app.pane.order[37]


async def test_a_jump_typed_after_a_burst_is_where_the_view_ends(tmp_path: Path) -> None:
    async with opened(tmp_path, 300, size=(80, 24)) as (app, pilot):
        burst(app, "j", 5)
        burst(app, "G", 1)
        last = app.pane.order[-1]
        await wait_until(pilot, lambda: app.pane.settled and app.selected == last, timeout=60)
        await pilot.pause()
        assert on_screen(app, last)
        burst(app, "k", 30)
        burst(app, "home", 1)
        first = app.pane.order[0]
        await wait_until(pilot, lambda: app.pane.settled and app.selected == first, timeout=60)
        await pilot.pause()
        assert on_screen(app, first)


async def test_ten_thousand_cells_build_only_the_cells_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = Counts(monkeypatch)
    async with opened(tmp_path, 10_000) as (app, pilot):
        assert len(app.pane.order) == 10_000
        # Settled: models for the first screen and the window around it, none to size the spacers.
        assert counts.models <= 2 * MAX_MOUNTED
        assert counts.mounts <= MAX_MOUNTED
        counts.reset()
        await pilot.press("G")
        last = app.pane.order[-1]
        await wait_until(pilot, lambda: app.selected == last and app.pane.settled and on_screen(app, last), timeout=60)
        assert counts.models <= 2 * MAX_MOUNTED
        # Scrolled to the end: the spacers add up, so the last cell is the last thing in the pane.
        pane = app.pane
        assert pane.max_scroll_y - pane.scroll_y < 1
        await pilot.press("home")
        first = app.pane.order[0]
        await wait_until(pilot, lambda: app.pane.settled and on_screen(app, first), timeout=60)
        assert app.pane.scroll_y == 0


async def test_a_remounted_cell_reuses_its_drawn_body(tmp_path: Path) -> None:
    async with opened(tmp_path, 400, size=(80, 24)) as (app, pilot):
        first = app.pane.order[0]
        widget = app.pane.widget_for(first)
        assert widget is not None
        body = widget.body_renderable()
        await pilot.press("G")
        await wait_until(pilot, lambda: app.pane.settled and app.pane.widget_for(first) is None, timeout=60)
        hits = BODIES.hits
        await pilot.press("home")
        await wait_until(pilot, lambda: app.pane.settled and on_screen(app, first), timeout=60)
        again = app.pane.widget_for(first)
        assert again is not None and again is not widget
        assert again.body_renderable() is body
        assert BODIES.hits > hits


def test_the_body_cache_is_keyed_by_content_and_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cell_module, "BODIES", type(BODIES)())
    model = CellModel(id="a", cell_type="code", source="x = 1", rev="r1", orev="o1")
    flags = ViewFlags(width=100)
    body = CellWidget(model, flags).body_renderable()
    assert CellWidget(model, flags).body_renderable() is body
    # Selection, edit state and search marks are drawn over the same body.
    assert CellWidget(replace(model, selected=True, search="x"), flags).body_renderable() is body
    # An edit (new rev), new outputs (new orev), another width or theme draw it again.
    assert CellWidget(replace(model, source="x = 2", rev="r2"), flags).body_renderable() is not body
    assert CellWidget(replace(model, orev="o2"), flags).body_renderable() is not body
    assert CellWidget(model, replace(flags, width=90)).body_renderable() is not body
    assert CellWidget(model, replace(flags, dark=False)).body_renderable() is not body
    # rev and orev stand for the content only within one document: another epoch draws again.
    assert CellWidget(replace(model, epoch="other"), flags).body_renderable() is not body


def test_the_body_cache_is_bounded() -> None:
    cache: Any = type(BODIES)(max_entries=3, max_rows=10)
    for i in range(5):
        cache.put(i, str(i), 1)
    assert len(cache) == 3 and cache.get(0) is None and cache.get(4) == "4"
    cache.get(2)
    cache.put(5, "5", 1)
    assert cache.get(2) == "2" and cache.get(3) is None  # 2 was used more recently than 3
    cache.put(6, "6", 10)
    assert len(cache) == 1 and cache.get(6) == "6"  # the rows bound dropped the others


async def test_cells_on_screen_stay_put_while_unseen_cells_are_measured(tmp_path: Path) -> None:
    """From the end of a long notebook upwards, every cell above was sized by a guess until seen:
    moving onto a cell already on screen never moves it, and the selection stays on screen."""
    async with opened(tmp_path, 2000, size=(80, 24), tall=4) as (app, pilot):
        await pilot.press("G")
        await wait_until(pilot, lambda: app.pane.settled and on_screen(app, app.pane.order[-1]), timeout=60)
        for _ in range(80):
            i = selected_index(app)
            target = app.pane.order[i - 1]
            widget = app.pane.widget_for(target)
            before = widget.region.y if widget is not None and on_screen(app, target) else None
            await pilot.press("k")
            await wait_until(pilot, lambda t=target: app.pane.settled and on_screen(app, t), timeout=30)
            await pilot.pause()
            assert on_screen(app, target)
            if before is not None:
                moved = app.pane.widget_for(target)
                assert moved is not None and moved.region.y == before, f"cell {i - 1} moved"
