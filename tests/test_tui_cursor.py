"""In edit mode the cursor's line stays on screen: typing, pasting, and edits by others above it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from support.tui import wait_until, write_notebook
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

CELLS = [("code", f"a{i} = {i}\nb{i} = {i}") for i in range(12)]


@asynccontextmanager
async def opened(tmp_path: Path) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    """The app with a notebook taller than the screen, and a second peer (`bob`) on it."""
    path = write_notebook(tmp_path / "nb.ipynb", CELLS)
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    bob = AsyncSession(path=path, name="bob", home=home, autostart=False)
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await bob.connect()
            yield app, pilot, bob
    finally:
        await bob.close()
        await session.close()
        shutil.rmtree(home, ignore_errors=True)


def cursor_on_screen(app: NotebookApp) -> bool:
    """The cursor's screen row is inside the pane, once the screen's layout has caught up."""
    editor = app.editor
    assert editor is not None
    laid_out = editor.region.height >= editor.document.line_count
    return laid_out and app.pane.content_region.contains(0, editor.cursor_screen_offset.y)


async def edit_last_visible_cell(app: NotebookApp, pilot: Pilot[None]) -> None:
    """Select the lowest cell that is fully on screen and open it with the cursor at its end."""
    view = app.pane.content_region
    for _ in range(len(CELLS)):
        await pilot.press("j")
        await pilot.pause(0.05)
        widget = app.pane.widget_for(app.selected or "")
        assert widget is not None
        if widget.region.bottom >= view.bottom - 2:
            break
    await pilot.press("enter")
    assert app.editor is not None
    app.editor.move_cursor(app.editor.document.end)
    await wait_until(pilot, lambda: app.editor is not None and cursor_on_screen(app))


async def test_new_lines_at_the_bottom_scroll_the_pane(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, _bob):
        await edit_last_visible_cell(app, pilot)
        for _ in range(6):
            await pilot.press("enter")
            await wait_until(pilot, lambda: cursor_on_screen(app))


async def test_a_paste_taller_than_the_screen_keeps_the_cursor_visible(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, _bob):
        await edit_last_visible_cell(app, pilot)
        assert app.editor is not None
        app.editor.insert("".join(f"line {i}\n" for i in range(40)))
        assert app.editor.cursor_location[0] > 40
        await wait_until(pilot, lambda: cursor_on_screen(app))


async def test_a_remote_edit_above_keeps_the_cursor_visible(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, bob):
        await edit_last_visible_cell(app, pilot)
        first = bob.doc.cell_ids()[0]
        await bob.set_source(first, "\n".join(f"c{i} = {i}" for i in range(30)))
        await wait_until(pilot, lambda: "c29 = 29" in app.session.doc.source(first))
        await wait_until(pilot, lambda: cursor_on_screen(app))


async def test_a_remote_edit_above_the_cursor_in_the_same_cell(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, bob):
        await edit_last_visible_cell(app, pilot)
        cid = app.selected
        assert cid is not None
        await bob.set_source(cid, "\n" * 30 + bob.doc.source(cid))
        await wait_until(pilot, lambda: app.editor is not None and app.editor.text.startswith("\n" * 30))
        await wait_until(pilot, lambda: cursor_on_screen(app))
