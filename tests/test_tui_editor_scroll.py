"""Text typed before the cell editor is laid out shows from the start of its line."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.tui import layouts_counted, screen_text, wait_until, write_notebook
from textual import events

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

TOUR = Path(__file__).resolve().parent.parent / "examples" / "tour.ipynb"


async def test_enter_and_text_in_one_burst_leave_the_editor_unscrolled(tmp_path: Path) -> None:
    # The editor scrolled its view, not yet sized, to the cursor and kept that scroll:
    # the first line showed without the 12 characters typed, although it fits.
    path = tmp_path / "tour.ipynb"
    shutil.copy(TOUR, path)
    session = AsyncSession(path=path, name="a", home=tmp_path / "h", kind="tui", embedded=True)
    app = NotebookApp(AppOptions(path=path, start_kernel=False), session)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            first = session.doc.cell_ids()[0]
            before = session.doc.source(first)
            assert app._driver is not None
            for key, char in [("enter", "\r"), *(("space" if c == " " else c, c) for c in "hello world ")]:
                app._driver.send_message(events.Key(key, char))
            await wait_until(pilot, lambda: session.doc.source(first) == "hello world " + before)
            await pilot.pause(0.5)  # every edit, its echo and the cursor's moves drawn
            assert app.editor is not None and app.editor.size.width > 0
            assert app.editor.scroll_x == 0
            assert "hello world " + before.splitlines()[0] in screen_text(app)
    finally:
        await session.close()


async def test_typing_at_the_end_of_the_longest_line_lays_out_nothing_until_it_must_scroll(tmp_path: Path) -> None:
    # Each key made the line, and so the editor's virtual width, longer: Textual laid out
    # the whole screen at every key. Only the line count (or a line wider than the view) may.
    path = write_notebook(tmp_path / "long.ipynb", [("code", "x = 1\nthe_longest_line = 2")])
    session = AsyncSession(path=path, name="a", home=tmp_path / "h", kind="tui", embedded=True)
    app = NotebookApp(AppOptions(path=path, start_kernel=False), session)
    try:
        async with app.run_test(size=(80, 20)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.editor is not None and app.editor.size.width > 0)
            editor = app.editor
            assert editor is not None
            await pilot.press("down", "end")
            await pilot.pause(0.2)
            with layouts_counted(app) as layouts:
                for ch in " + 12345":
                    await pilot.press("space" if ch == " " else "plus" if ch == "+" else ch)
                    await pilot.pause()
                await wait_until(pilot, lambda: "the_longest_line = 2 + 12345" in screen_text(app))
                assert layouts == []
                assert session.doc.source(session.doc.cell_ids()[0]).endswith("the_longest_line = 2 + 12345")
                # Wider than the view: the editor scrolls to keep the cursor in sight, as before.
                await pilot.press(*["a"] * (editor.size.width + 5))
                await wait_until(pilot, lambda: editor.scroll_x > 0)
                await wait_until(pilot, lambda: "aaaaaaaaaa" in screen_text(app))
                height = editor.size.height
                await pilot.press("enter")  # a new line still grows the editor: that is a layout
                await wait_until(pilot, lambda: editor.size.height == height + 1)
                assert editor.document.line_count == 3 and layouts
    finally:
        await session.close()
