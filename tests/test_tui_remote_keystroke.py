"""A keystroke typed in another terminal costs this one a repaint of one row.

The app (terminal B) shows a cell with outputs; `bob` (terminal A, a second
real peer on the same real daemon) types into its source. B must repaint the
row that changed only: no layout of the whole screen, no other rows, and no
rendering of the cell's outputs again (an HTML table or an image per keystroke).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from support.tui import wait_until, write_notebook
from textual.pilot import Pilot
from textual.strip import Strip

import runt_tui.render
from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.widgets.cell import CellBody

CELLS = [("code", "x = 1\ny = 2\nz = 3\nw = 4"), ("code", "a = 1")]
OUTPUTS: dict[int, list[dict[str, Any]]] = {0: [
    {"output_type": "stream", "name": "stdout", "text": "hello\n"},
    {"output_type": "execute_result", "execution_count": 1, "metadata": {},
     "data": {"text/html": "<table><tr><td>one</td><td>two</td></tr></table>", "text/plain": "t"}},
]}
CID = "cell000"


@asynccontextmanager
async def opened(tmp_path: Path) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    """The app on a notebook whose first cell has outputs, and a second peer (`bob`) on it."""
    path = write_notebook(tmp_path / "nb.ipynb", CELLS, OUTPUTS)
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    bob = AsyncSession(path=path, name="bob", home=home, autostart=False)
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await bob.connect()
            await wait_until(pilot, lambda: len(app.session.peer_list) == 2)
            yield app, pilot, bob
    finally:
        await bob.close()
        await session.close()
        shutil.rmtree(home, ignore_errors=True)


class Counted:
    """Rows painted by a cell's body and layouts of the screen, from now on."""

    def __init__(self, app: NotebookApp) -> None:
        widget = app.pane.widget_for(CID)
        assert widget is not None
        self.body = widget.query_one(CellBody)
        self.rows: list[int] = []
        self.layouts = 0
        paint, layout = self.body.render_line, app.screen._refresh_layout

        def render_line(y: int) -> Strip:
            self.rows.append(y)
            return paint(y)

        def refresh_layout(*args: Any, **kwargs: Any) -> None:
            self.layouts += 1
            layout(*args, **kwargs)

        self.body.render_line = render_line  # type: ignore[method-assign]
        app.screen._refresh_layout = refresh_layout  # type: ignore[method-assign]


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(5):
        await pilot.pause(0.05)


async def test_a_remote_keystroke_repaints_only_its_row_without_a_layout(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, bob):
        await settle(pilot)
        counted = Counted(app)
        await bob.set_source(CID, "x = 1\ny = 29\nz = 3\nw = 4")
        await wait_until(pilot, lambda: 1 in counted.rows)
        await settle(pilot)
        assert counted.body.size.height == len(counted.body._rows(counted.body.size.width))
        assert set(counted.rows) == {1}, counted.rows
        assert counted.layouts == 0


async def test_a_remote_new_line_still_grows_the_cell(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, bob):
        await settle(pilot)
        counted = Counted(app)
        height = counted.body.size.height
        await bob.set_source(CID, "x = 1\ny = 2\nz = 3\nw = 4\nv = 5")
        await wait_until(pilot, lambda: counted.body.size.height == height + 1)
        assert counted.layouts >= 1


async def test_a_remote_keystroke_does_not_render_the_outputs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with opened(tmp_path) as (app, pilot, bob):
        await settle(pilot)
        counted = Counted(app)
        real = runt_tui.render.render_output
        calls: list[object] = []

        def render_output(*args: Any, **kwargs: Any) -> Any:
            calls.append(args[0])
            return real(*args, **kwargs)

        monkeypatch.setattr(runt_tui.render, "render_output", render_output)
        await bob.set_source(CID, "x = 1\ny = 2\nz = 37\nw = 4")
        await wait_until(pilot, lambda: 2 in counted.rows)
        await settle(pilot)
        assert calls == []


def test_changed_rows_names_the_rows_that_differ_or_none_when_the_height_moves() -> None:
    from rich.segment import Segment

    from runt_tui.tui.widgets.rowdiff import changed_rows

    old = [[Segment("a")], [Segment("b")], [Segment("c")]]
    assert changed_rows(old, [[Segment("a")], [Segment("B")], [Segment("c")]]) == [1]
    assert changed_rows(old, [list(r) for r in old]) == []
    assert changed_rows(old, [[Segment("a")], [Segment("b", style=None), Segment("!")], [Segment("c")]]) == [1]
    assert changed_rows(old, old[:2]) is None


async def test_a_remote_keystroke_renders_only_its_source_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.text import Text

    async with opened(tmp_path) as (app, pilot, bob):
        await settle(pilot)
        counted = Counted(app)
        real = Text.__rich_console__
        rendered: list[str] = []

        def rich_console(self: Text, *args: Any) -> Any:
            rendered.append(self.plain)
            return real(self, *args)

        monkeypatch.setattr(Text, "__rich_console__", rich_console)
        await bob.set_source(CID, "x = 1\ny = 2\nz = 3\nw = 41")
        await wait_until(pilot, lambda: 3 in counted.rows)
        await settle(pilot)
        assert "w = 41" in rendered
        assert not {"x = 1", "y = 2", "z = 3"} & set(rendered), rendered


async def test_a_remote_keystroke_is_drawn_before_it_is_lexed_and_its_colours_follow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runt_tui.tui.widgets import syntax_lines

    async with opened(tmp_path) as (app, pilot, bob):
        await bob.set_source(CID, "x = 1\ny = 2\nz = 3\nw = 4 i")
        await settle(pilot)
        counted = Counted(app)
        events: list[str] = []
        paint, lex = counted.body.render_line, syntax_lines.exact_tokens

        def render_line(y: int) -> Strip:
            events.append(f"paint {y}")
            return paint(y)

        def exact_tokens(code: str, language: str, dark: bool) -> list[syntax_lines.Token]:
            events.append("lex " + code.splitlines()[-1])
            return lex(code, language, dark)

        counted.body.render_line = render_line  # type: ignore[method-assign]
        monkeypatch.setattr(syntax_lines, "exact_tokens", exact_tokens)
        # `i` becomes the keyword `if`: the key is on screen before the lexer runs, in the
        # style of the word it extends; the keyword's colour follows, on that row only.
        await bob.set_source(CID, "x = 1\ny = 2\nz = 3\nw = 4 if")
        await wait_until(pilot, lambda: "lex w = 4 if" in events)
        await settle(pilot)
        assert events.index("paint 3") < events.index("lex w = 4 if"), events
        assert events[events.index("lex w = 4 if") + 1:].count("paint 3") == 1, events
        assert {e for e in events if e.startswith("paint")} == {"paint 3"}, events
        owner = counted.body.owner
        assert not owner.body_renderable().approximate  # type: ignore[attr-defined]
        row = counted.body._rows(counted.body.size.width)[3]
        drawn = {seg.text.strip(): seg.style for seg in row if seg.text.strip()}
        keyword = {t.strip(): s for t, s in lex("w = 4 if\n", owner.flags.language, owner.flags.dark)}["if"]
        assert drawn["if"] is not None and keyword is not None
        assert drawn["if"].color == keyword.color != drawn["4"].color  # type: ignore[union-attr]
