"""A keystroke within one row repaints that row alone, and the screen is always what a full redraw draws."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from rich.segment import Segment
from support.tui import layouts_counted, wait_until, write_notebook
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.widgets.editor import WIDTH_STEP, CellEditor

SOURCE = 'x = 1\ntotal = x + 2\nname = "abc"\nfor i in items:\n    total += i\n# see [\n# the\n# ]'
KEY_NAMES = {" ": "space", '"': "quotation_mark", "#": "number_sign", "(": "left_parenthesis",
             ")": "right_parenthesis", "[": "left_square_bracket", "]": "right_square_bracket",
             "=": "equals_sign", "+": "plus", ":": "colon", "'": "apostrophe"}


def drawn(app: NotebookApp) -> list[list[Segment]]:
    """The screen as the terminal was last told it: each widget's cached lines where not repainted."""
    return [list(Segment.simplify(strip)) for strip in app.screen._compositor.render_strips()]


async def redrawn_in_full(app: NotebookApp, pilot: Pilot[object], editor: CellEditor) -> list[list[Segment]]:
    editor.refresh()
    await pilot.pause()
    return drawn(app)


def rows_rendered(editor: CellEditor) -> list[int]:
    """Record the rows the editor renders from now on."""
    rows: list[int] = []
    render_line = editor.render_line

    def recorded(y: int) -> object:
        rows.append(y)
        return render_line(y)

    editor.render_line = recorded  # type: ignore[method-assign]
    return rows


@contextlib.asynccontextmanager
async def editing(path: Path, source: str) -> AsyncIterator[tuple[NotebookApp, Pilot[object], CellEditor, AsyncSession]]:
    """An 80x24 app on a one-cell notebook, its cell open in the editor and highlighted."""
    write_notebook(path, [("code", source)])
    session = AsyncSession(path=path, name="a", home=path.parent / "h", kind="tui", embedded=True)
    app = NotebookApp(AppOptions(path=path, start_kernel=False), session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.editor is not None and app.editor.size.width > 0)
            await wait_until(pilot, lambda: app.editor is not None and bool(app.editor._highlights))
            assert app.editor is not None
            yield app, pilot, app.editor, session
    finally:
        await session.close()


async def test_a_key_within_a_row_repaints_that_row_alone(tmp_path: Path) -> None:
    # TextArea repainted every line of the cell at each key: a render of the whole cell
    # and its bytes through the terminal, on the typist's side of every keystroke.
    async with editing(tmp_path / "rows.ipynb", SOURCE) as (app, pilot, editor, session):
        await pilot.press("down", "end")
        await pilot.pause()
        rows = rows_rendered(editor)
        await pilot.press("space", "plus", "space", "y")
        await pilot.pause()
        assert editor.document.get_line(1) == "total = x + 2 + y"
        assert set(rows) == {1}
        assert drawn(app) == await redrawn_in_full(app, pilot, editor)
        assert session.doc.source(session.doc.cell_ids()[0]).splitlines()[1] == "total = x + 2 + y"
        # A new line is not within a row: every row below it moves.
        rows.clear()
        await pilot.press("enter")
        await pilot.pause()
        assert {2, 3, 4, 5, 6} <= set(rows)


async def test_keys_that_change_other_rows_redraw_them(tmp_path: Path) -> None:
    # A row's edit can change how others draw (opening a triple-quoted string, a bracket
    # that now matches one on another row): after every key the screen must be what a
    # full redraw draws.
    async with editing(tmp_path / "rows.ipynb", SOURCE) as (app, pilot, editor, session):
        await pilot.press("down")
        await pilot.pause()
        rows = rows_rendered(editor)
        plan = ['"', '"', '"', "backspace", "backspace", "backspace", "#", "backspace",
                "end", "(", ")", "left", "[", "home", "'", "'", "'", "delete", "z"]
        others = False
        for key in plan:
            rows.clear()
            await pilot.press(KEY_NAMES.get(key, key))
            await pilot.pause()
            others = others or any(y != editor.cursor_location[0] for y in rows)
            assert drawn(app) == await redrawn_in_full(app, pilot, editor), (key, editor.text)
        assert others  # the triple quote did restyle the rows below it
        assert editor.text == session.doc.source(session.doc.cell_ids()[0])
        # On an opening bracket, its partner two rows down is marked; deleting the
        # bracket (in a comment: no other row's highlighting changes) unmarks it.
        row = editor.text.splitlines().index("# see [")
        editor.cursor_location = (row, 6)
        await pilot.pause()
        assert editor._matching_bracket_location == (row + 2, 2)
        rows.clear()
        await pilot.press("delete")
        await pilot.pause()
        assert editor._matching_bracket_location is None
        assert row + 2 in rows
        assert drawn(app) == await redrawn_in_full(app, pilot, editor)
        # A selection over three rows, then an edit in the cursor's row that collapses it.
        editor.cursor_location = (1, 0)
        await pilot.press("shift+down", "shift+down")
        await pilot.pause()
        assert editor.selection.start[0] == 1 and editor.cursor_location[0] == 3
        editor.replace_range(editor.index_of((3, 1)), 0, "q", "edit")
        await pilot.pause()
        assert editor.selection.is_empty
        assert drawn(app) == await redrawn_in_full(app, pilot, editor)
        # Past the view's width the editor scrolls: every row moves left.
        await pilot.press("end", *["a"] * (editor.size.width + 3))
        await wait_until(pilot, lambda: editor.scroll_x > 0)
        await pilot.pause()
        assert drawn(app) == await redrawn_in_full(app, pilot, editor)


async def test_typing_in_a_line_wider_than_the_view_seldom_lays_out(tmp_path: Path) -> None:
    # Textual lays out the whole screen when a virtual size changes, and a line wider
    # than the view changed the editor's width at every key typed into it.
    long = "# " + "w" * 120
    async with editing(tmp_path / "wide.ipynb", long + "\nx = 1") as (app, pilot, editor, _):
        for keys in (("home", "right"), ("end",)):  # the cursor in view, then at the end (it scrolls)
            await pilot.press(*keys)
            await pilot.pause()
            with layouts_counted(app) as layouts:
                await pilot.press(*["v"] * WIDTH_STEP)
                await pilot.pause()
            assert len(layouts) <= 2, len(layouts)
            assert drawn(app) == await redrawn_in_full(app, pilot, editor)
        assert editor.document.get_line(0) == "#" + "v" * WIDTH_STEP + " " + "w" * 120 + "v" * WIDTH_STEP
        assert editor.scroll_x > 0
        assert editor.cursor_screen_offset.x < app.screen.size.width
