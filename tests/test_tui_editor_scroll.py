"""Text typed before the cell editor is laid out shows from the start of its line."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.tui import screen_text, wait_until
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
    session = AsyncSession(path=path, name="a", home=tmp_path / "h", kind="tui")
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
