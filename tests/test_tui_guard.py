"""A widget that fails to draw never takes the app down; nothing internal shows on screen."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from rich.console import RenderableType
from support.tui import screen_text, wait_until
from test_tui_keyorder import opened as open_app
from textual.geometry import Region
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.widgets.cell import CellBody, CellWidget

CELLS = [("code", "x = 1"), ("code", "y = 2"), ("markdown", "# Notes")]


def opened(tmp_path: Path) -> AbstractAsyncContextManager[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    """The app on CELLS, opened as the key-order tests open it."""
    return open_app(tmp_path, CELLS)


async def test_a_removed_editor_still_in_the_screen_map_draws_blank(tmp_path: Path) -> None:
    # The screen can repaint from its previous layout after an editor was removed (Esc)
    # and before it lays out again; the editor's styles are gone by then.
    async with opened(tmp_path) as (app, pilot, _session):
        await pilot.press("enter")
        editor = app.editor
        assert editor is not None
        await pilot.press("escape")
        assert not editor.is_attached
        strips = editor.render_lines(Region(0, 0, 30, 2))
        assert len(strips) == 2 and all(s.cell_length == 30 for s in strips)
        assert app.is_running


async def test_a_cell_that_fails_to_draw_shows_a_placeholder_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        broken = session.doc.cell_ids()[1]
        real = CellWidget.body_renderable

        def failing(self: CellWidget) -> RenderableType:
            if self.cell_id == broken:
                raise RuntimeError("a renderer bug")
            return real(self)

        monkeypatch.setattr(CellWidget, "body_renderable", failing)
        widget = app.pane.widget_for(broken)
        assert widget is not None
        widget._body_cache = None
        widget.query_one(CellBody).refresh(layout=True)
        await wait_until(pilot, lambda: "could not draw this (RuntimeError)" in screen_text(app))
        assert app.is_running
        text = screen_text(app)
        assert "x = 1" in text and "Notes" in text  # the other cells are drawn
        await pilot.press("j", "j")  # and the app still takes keys
        assert app.selected == session.doc.cell_ids()[2]
        monkeypatch.setattr(CellWidget, "body_renderable", real)
        await wait_until(pilot, lambda: "y = 2" in screen_text(app))
        assert "could not draw" not in screen_text(app)


async def test_spacers_draw_blank(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, _session):
        app.pane._bottom.styles.height = 5  # as at start-up, before the window is measured
        await pilot.pause(0.1)
        assert app.pane._bottom.region.height == 5
        assert "Spacer" not in screen_text(app)
