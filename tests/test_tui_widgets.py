"""Pilot tests of ipywidgets in the app: drawn from a real kernel, driven by keys and mouse, shared with a script."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from support.tui import screen_text, wait_until, write_notebook
from textual.pilot import Pilot
from textual.widgets import Input

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.widgets.ipyw.base import ModelView
from runt_tui.tui.widgets.ipyw.buttons import ButtonView, ToggleView
from runt_tui.tui.widgets.ipyw.progress import ProgressView
from runt_tui.tui.widgets.ipyw.selection import SelectionView
from runt_tui.tui.widgets.ipyw.sliders import SliderView
from runt_tui.tui.widgets.ipyw.view import WidgetView


@asynccontextmanager
async def widget_app(tmp_path: Path, source: str) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    path = write_notebook(tmp_path / "nb.ipynb", [("code", source), ("code", "")])
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="alice", embedded=True, home=home, kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock"), session=session)
    try:
        async with app.run_test(size=(110, 40)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await wait_until(pilot, lambda: session.kernel_status() == "idle", timeout=60)
            await pilot.press("ctrl+e")
            await wait_until(pilot, lambda: bool(app.query(WidgetView)) and _drawn(app), timeout=60)
            yield app, pilot, session
            await session.shutdown_kernel()
    finally:
        await session.close()
        shutil.rmtree(home, ignore_errors=True)


def _drawn(app: NotebookApp) -> bool:
    """Every widget view shows its model (none is waiting for it)."""
    views = list(app.query(ModelView))
    return bool(views) and not any(type(v).__name__ == "MissingView" for v in views)


async def run_code(session: AsyncSession, code: str) -> str:
    cid = await session.create_cell(code)
    return (await session.execute_cell(cid)).stdout.strip()


async def test_slider_keys_reach_kernel_and_script_changes_reach_screen(tmp_path: Path) -> None:
    src = "import ipywidgets as w\ns = w.IntSlider(value=5, max=10, description='speed')\ns"
    async with widget_app(tmp_path, src) as (app, pilot, session):
        slider = app.query_one(SliderView)
        assert "speed" in screen_text(app) and " 5" in screen_text(app)
        slider.focus()
        await pilot.press("right", "right", "left", "right")
        await wait_until(pilot, lambda: (session.widget_mirror().models[slider.model_id]["value"] == 7
                                         and not session.widget_mirror()._pending.get(slider.model_id)))
        assert await run_code(session, "print(s.value)") == "7"
        await pilot.press("end")
        await wait_until(pilot, lambda: "10" in screen_text(app))
        # The kernel hides it (layout.display) and disables it: keys no longer change it.
        await run_code(session, "s.layout.display = 'none'")
        await wait_until(pilot, lambda: "speed ━" not in screen_text(app))
        await run_code(session, "s.layout.display = None\ns.disabled = True")
        await wait_until(pilot, lambda: "speed ━" in screen_text(app) and slider.has_class("-disabled"))
        slider.focus()
        await pilot.press("left")
        assert session.widget_mirror().models[slider.model_id]["value"] == 10
        await run_code(session, "s.disabled = False")
        # A change from another client (a script) moves the slider on screen.
        other = AsyncSession(path=app.options.path, name="bob", home=session.home, autostart=False)
        await other.connect()
        try:
            await other.update_widget(slider.model_id, value=2)
            await wait_until(pilot, lambda: session.widget_mirror().models[slider.model_id]["value"] == 2)
            await pilot.pause(0.05)
            assert "speed" in screen_text(app) and " 2" in screen_text(app)
        finally:
            await other.close()
        # A restart clears the models: the view says so where the slider was.
        await session.restart_kernel()
        await wait_until(pilot, lambda: "gone: kernel restarted" in screen_text(app))
        assert not app.query(SliderView)


async def test_button_enter_and_tab_between_widgets(tmp_path: Path) -> None:
    src = ("import ipywidgets as w\nclicks = []\nb = w.Button(description='Go')\nb.on_click(lambda _: clicks.append(1))\n"
           "c = w.Checkbox(description='tick')\nd = w.Dropdown(options=['a', 'b', 'c'])\nw.VBox([b, c, d])")
    async with widget_app(tmp_path, src) as (app, pilot, session):
        await wait_until(pilot, lambda: bool(app.query(ButtonView)) and bool(app.query(SelectionView)))
        # Tab in command mode focuses the selected cell's first widget.
        assert app.focused is None and app.selected == session.doc.cell_ids()[0]
        await pilot.press("tab")
        assert isinstance(app.focused, ButtonView)
        await pilot.press("enter", "space")
        await wait_until(pilot, lambda: True)
        await pilot.press("tab")
        assert isinstance(app.focused, ToggleView)
        await pilot.press("space")
        await pilot.press("tab")
        assert isinstance(app.focused, SelectionView)
        await pilot.press("down", "down")
        await pilot.press("shift+tab")
        assert isinstance(app.focused, ToggleView)
        await pilot.press("escape")
        assert app.focused is None
        mirror = session.widget_mirror()
        await wait_until(pilot, lambda: not any(mirror._pending.values()))
        out = await run_code(session, "print(len(clicks), c.value, d.value)")
        assert out == "2 True c"
        await run_code(session, "b.close()")
        await wait_until(pilot, lambda: "closed by the kernel" in screen_text(app))


async def test_click_presses_and_tqdm_bar_draws(tmp_path: Path) -> None:
    src = ("import ipywidgets as w\nn = []\nb = w.Button(description='Press')\nb.on_click(lambda _: n.append(1))\nb")
    async with widget_app(tmp_path, src) as (app, pilot, session):
        await pilot.click(ButtonView)
        await wait_until(pilot, lambda: True)
        # Another client runs a cell: its progress bar is drawn here too.
        other = AsyncSession(path=app.options.path, name="bob", home=session.home, autostart=False)
        await other.connect()
        try:
            cid = await other.create_cell("from tqdm.auto import tqdm\nfor i in tqdm(range(200)): pass", index=1)
            await other.execute_cell(cid)
        finally:
            await other.close()
        await wait_until(pilot, lambda: any("█" * 30 in str(v.render()) for v in app.query(ProgressView)), timeout=30)
        await wait_until(pilot, lambda: "200/200" in screen_text(app))
        assert await run_code(session, "print(len(n))") == "1"


async def test_text_box_typing_reaches_kernel(tmp_path: Path) -> None:
    src = "import ipywidgets as w\nt = w.Text(value='', description='name')\nt"
    async with widget_app(tmp_path, src) as (app, pilot, session):
        box = app.query_one(WidgetView).query_one(Input)
        box.focus()
        await pilot.press("h", "i")
        mirror = session.widget_mirror()
        await wait_until(pilot, lambda: not any(mirror._pending.values()) and "hi" in str(mirror.models.values()))
        assert await run_code(session, "print(t.value)") == "hi"
