"""Typing in the cell editor redraws the line typed on, not every line of the cell.

Textual's TextArea forgets every drawn line at each edit; the editor keeps the
lines whose text and highlights are unchanged, so a keystroke's frame costs one
line (the app's own echo and, through it, the keystroke's trip to other terminals).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from support.tui import wait_until, write_notebook
from textual.strip import Strip

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.widgets.editor import CellEditor

SOURCE = "a = 1\nb = 2\nc = 3\nd = [4]\ne = '''5'''"


async def type_and_count(tmp_path: Path, keys: list[str], shown: str) -> tuple[set[int], CellEditor]:
    """Edit the cell at the end of its second line, press keys; the lines drawn for them."""
    path = write_notebook(tmp_path / "nb.ipynb", [("code", SOURCE)])
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.editor is not None and app.editor.region.height >= 5)
            editor = app.editor
            assert editor is not None
            await pilot.press("down", "end")
            await wait_until(pilot, lambda: editor.cursor_location == (1, 5))
            for _ in range(5):
                await pilot.pause(0.05)
            drawn: list[int] = []
            real = editor._render_line

            def render_line(y: int) -> Strip:
                drawn.append(y)
                return real(y)

            editor._render_line = render_line  # type: ignore[method-assign]
            await pilot.press(*keys)
            await wait_until(pilot, lambda: shown in editor.text and bool(drawn))
            for _ in range(5):
                await pilot.pause(0.05)
            return set(drawn), editor
    finally:
        await session.close()
        shutil.rmtree(home, ignore_errors=True)


async def test_a_keystroke_redraws_only_its_line(tmp_path: Path) -> None:
    drawn, _ = await type_and_count(tmp_path, ["x"], "b = 2x")
    assert drawn == {1}


async def test_an_edit_that_changes_other_lines_highlights_redraws_them(tmp_path: Path) -> None:
    # Opening a triple-quoted string turns the lines after it into a string: they must be drawn again.
    drawn, editor = await type_and_count(tmp_path, ["apostrophe"] * 3, "b = 2'''")
    assert editor.language == "python"
    assert drawn >= {1, 2, 3, 4}


async def test_a_new_line_redraws_the_lines_below(tmp_path: Path) -> None:
    drawn, _ = await type_and_count(tmp_path, ["enter"], "b = 2\n\nc")
    assert drawn >= {2, 3, 4, 5}


def test_changed_lines_compares_text_and_highlights() -> None:
    from runt_tui.tui.widgets.rowdiff import changed_lines

    marks: dict[int, list[Any]] = {0: [(0, 1, "variable")]}
    assert changed_lines(["a", "b"], marks, ["a", "bx"], marks) == {1}
    assert changed_lines(["a", "b"], marks, ["a", "b"], {0: [(0, 1, "string")]}) == {0}
    assert changed_lines(["a", "b"], marks, ["a", "b"], {**marks, 1: []}) == set()
    assert changed_lines(["a", "b"], marks, ["a", "b", "c"], marks) is None
