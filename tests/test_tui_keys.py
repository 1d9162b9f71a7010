"""Pilot tests of every command-mode and edit-mode key, against a real (embedded) daemon."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from rich.console import Console
from support.tui import palette_run, screen_text, wait_until, write_notebook
from textual.command import CommandPalette
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.keys import KEYS
from runt_tui.tui.screens.dialogs import ConfirmScreen
from runt_tui.tui.screens.help import HelpScreen, help_table
from runt_tui.tui.widgets.editor import HIGHLIGHT_MAX_LINES

CELLS = [("markdown", "# Title"), ("code", "x = 1"), ("code", "y = 2"), ("raw", "raw text")]


@asynccontextmanager
async def opened(tmp_path: Path, cells: list[tuple[str, str]] | None = None,
                 size: tuple[int, int] = (80, 24)) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    path = write_notebook(tmp_path / "nb.ipynb", cells or CELLS)
    session = AsyncSession(path=path, name="alice", embedded=True, home=tmp_path / "home", kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=size) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.pause()
            yield app, pilot, session
    finally:
        await session.close()


def sources(session: AsyncSession) -> list[str]:
    return [session.doc.source(c) for c in session.doc.cell_ids()]


def types(session: AsyncSession) -> list[str]:
    return [session.doc.cell(c).cell_type for c in session.doc.cell_ids()]


async def test_opens_with_first_cell_selected_in_command_mode(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, _pilot, session):
        assert app.selected == session.doc.cell_ids()[0]
        assert app.mode == "command"
        text = screen_text(app)
        assert "Title" in text and "x = 1" in text and "CMD" in text


@pytest.mark.parametrize("down,up", [("j", "k"), ("down", "up")])
async def test_move_selection(tmp_path: Path, down: str, up: str) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        await pilot.press(down, down)
        assert app.selected == ids[2]
        await pilot.press(up)
        assert app.selected == ids[1]


@pytest.mark.parametrize("key", ["end", "G"])
async def test_first_and_last_cell(tmp_path: Path, key: str) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        await pilot.press(key)
        assert app.selected == session.doc.cell_ids()[-1]
        await pilot.press("home")
        assert app.selected == session.doc.cell_ids()[0]


async def test_enter_edits_and_escape_returns(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        await pilot.press("j", "enter")
        assert app.mode == "edit" and app.editor is not None
        await pilot.press("a", "b")
        await pilot.press("escape")
        assert app.mode == "command" and app.editor is None
        assert sources(session)[1] == "abx = 1"


async def test_editor_opens_prepared_and_highlights_code(tmp_path: Path) -> None:
    cells = [("code", "def area(r):\n    return 3.14 * r ** 2"), ("markdown", "# Head\n*text*")]
    async with opened(tmp_path, cells) as (app, pilot, session):
        cid = session.doc.cell_ids()[0]
        assert not session.doc.source_editable(cid)  # a plain string until first edited
        await pilot.press("enter")
        assert app.editor is not None and session.doc.source_editable(cid)
        assert app.editor.language == "python"

        def colours(row: int) -> set[object]:
            assert app.editor is not None
            return {s.style.color for s in app.editor.render_line(row) if s.style and s.text.strip()}

        assert len(colours(0)) >= 3  # keyword, function name, punctuation
        await pilot.press("escape", "j", "enter")
        assert app.editor is not None and app.editor.language == "markdown"


async def test_very_long_cells_are_edited_without_highlighting(tmp_path: Path) -> None:
    long = "\n".join(f"v{i} = {i}" for i in range(HIGHLIGHT_MAX_LINES + 200))
    async with opened(tmp_path, [("code", long), ("code", "x = 1")]) as (app, pilot, session):
        await pilot.press("enter")
        assert app.editor is not None and app.editor.language is None
        await pilot.press("escape", "j", "enter")
        assert app.editor is not None and app.editor.language == "python"
        # A paste that makes the cell too long turns highlighting off, typing stays exact.
        app.editor.insert(long + "\n")
        assert app.editor.language is None
        await pilot.press("escape")
        assert session.doc.source(session.doc.cell_ids()[1]) == long + "\nx = 1"


async def test_insert_above_and_below(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        await pilot.press("j", "a")
        assert sources(session)[1] == "" and app.selected == session.doc.cell_ids()[1]
        await pilot.press("b")
        assert len(sources(session)) == 6 and app.selected == session.doc.cell_ids()[2]


async def test_dd_deletes_and_z_brings_back(tmp_path: Path) -> None:
    async with opened(tmp_path) as (_app, pilot, session):
        await pilot.press("j", "d")
        assert len(sources(session)) == 4  # one d does nothing
        await pilot.press("d")
        assert sources(session) == ["# Title", "y = 2", "raw text"]
        await pilot.press("z")
        assert sources(session) == ["# Title", "x = 1", "y = 2", "raw text"]


async def test_cut_copy_paste(tmp_path: Path) -> None:
    async with opened(tmp_path) as (_app, pilot, session):
        await pilot.press("j", "x")
        assert sources(session) == ["# Title", "y = 2", "raw text"]
        await pilot.press("v")
        assert sources(session) == ["# Title", "y = 2", "x = 1", "raw text"]
        await pilot.press("c", "V")
        assert sources(session) == ["# Title", "y = 2", "x = 1", "x = 1", "raw text"]


async def test_change_cell_type(tmp_path: Path) -> None:
    async with opened(tmp_path) as (_app, pilot, session):
        await pilot.press("j", "m")
        assert types(session)[1] == "markdown"
        await pilot.press("r")
        assert types(session)[1] == "raw"
        await pilot.press("y")
        assert types(session)[1] == "code"


async def test_move_cell_up_and_down(tmp_path: Path) -> None:
    async with opened(tmp_path) as (_app, pilot, session):
        await pilot.press("j", "ctrl+down")
        assert sources(session)[:3] == ["# Title", "y = 2", "x = 1"]
        await pilot.press("ctrl+up", "ctrl+up")
        assert sources(session)[:2] == ["x = 1", "# Title"]


@pytest.mark.parametrize("key", ["ctrl+s", "s"])
async def test_save(tmp_path: Path, key: str) -> None:
    async with opened(tmp_path) as (_app, pilot, _session):
        await pilot.press("j", "enter", "z", "escape", key)
        path = tmp_path / "nb.ipynb"
        await wait_until(pilot, lambda: "zx = 1" in path.read_text())
        assert "".join(json.loads(path.read_text())["cells"][1]["source"]) == "zx = 1"


async def test_expand_layout_line_numbers(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, _session):
        await pilot.press("j", "o")
        assert app.selected in app.expanded
        await pilot.press("o")
        assert app.selected not in app.expanded
        await pilot.press("O")
        assert app.layout_mode == "outputs" and app.has_class("-layout-outputs")
        await pilot.press("O")
        assert app.layout_mode == "cells"
        await pilot.press("l")
        assert app.line_numbers
        await wait_until(pilot, lambda: "1 x = 1" in screen_text(app))


async def test_follow_keys(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, _session):
        await pilot.press("f")
        assert app.follow == "" and "following running cell" in screen_text(app)
        await pilot.press("f")
        assert app.follow is None
        await pilot.press("F")  # nobody else here: stays off
        assert app.follow is None


@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_screen(tmp_path: Path, key: str) -> None:
    async with opened(tmp_path) as (app, pilot, _session):
        await pilot.press(key)
        assert isinstance(app.screen, HelpScreen)
        await wait_until(pilot, lambda: "Select the next cell" in screen_text(app))
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def test_help_lists_every_key() -> None:
    console = Console(width=100, record=True)
    console.print(help_table())
    text = console.export_text()
    for key in KEYS:
        assert key.description in text


async def test_command_palette_lists_actions(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, _session):
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"run all")
        await wait_until(pilot, lambda: "Run all cells" in screen_text(app))
        await pilot.press("escape")
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for needed in ("Run all cells", "Run all above", "Run selected and below", "Clear all outputs",
                       "Restart kernel", "Interrupt kernel", "Shut down kernel", "Change kernel",
                       "Save notebook", "Toggle line numbers"):
            assert needed in titles


async def test_palette_runs_an_action(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, _session):
        await palette_run(app, pilot, "toggle line numbers")
        await wait_until(pilot, lambda: app.line_numbers)


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_quit(tmp_path: Path, key: str) -> None:
    async with opened(tmp_path) as (app, pilot, _session):
        await pilot.press(key)
        await wait_until(pilot, lambda: not app.is_running)


async def test_chords_need_two_presses(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, _session):
        await pilot.press("0")
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("0")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen)


# ---- edit mode ---------------------------------------------------------------


async def test_undo_redo_own_edits(tmp_path: Path) -> None:
    async with opened(tmp_path) as (_app, pilot, session):
        await pilot.press("j", "enter", "end")
        await pilot.press(*"23")
        await wait_until(pilot, lambda: sources(session)[1] == "x = 123")
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: sources(session)[1] == "x = 1")
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: sources(session)[1] == "x = 123")
        await pilot.press("ctrl+z", "ctrl+shift+z")
        await pilot.pause(0.1)
        assert sources(session)[1] == "x = 123"


async def test_edit_mode_keys_do_not_trigger_commands(tmp_path: Path) -> None:
    async with opened(tmp_path) as (_app, pilot, session):
        await pilot.press("j", "enter", *"ddxz")
        await pilot.press("escape")
        assert sources(session)[1] == "ddxzx = 1"
        assert len(sources(session)) == 4


async def test_arrows_walk_between_cells_in_edit_mode(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        await pilot.press("j", "enter", "down")
        await wait_until(pilot, lambda: app.selected == ids[2] and app.mode == "edit" and app.editor is not None)
        await pilot.press("up")
        await wait_until(pilot, lambda: app.selected == ids[1] and app.editor is not None)


async def test_tab_indents_at_line_start(tmp_path: Path) -> None:
    async with opened(tmp_path) as (_app, pilot, session):
        await pilot.press("j", "enter", "home", "tab", "escape")
        assert sources(session)[1] == "    x = 1"


async def test_large_paste_and_key_repeat(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        await pilot.press("j", "enter")
        assert app.editor is not None
        big = "".join(f"line {i} " + "x" * 40 + "\n" for i in range(220))
        assert len(big) > 10_000
        app.editor.insert(big)
        await pilot.press(*("k" * 50))
        await pilot.press("escape")
        assert sources(session)[1] == big + "k" * 50 + "x = 1"


async def test_missing_notebook_is_created_with_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "new.ipynb"
    session = AsyncSession(path=path, name="alice", embedded=True, home=tmp_path / "home", kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            assert len(session.doc) == 1 and app.selected == session.doc.cell_ids()[0]
            await pilot.press("enter", *"print(1)", "escape", "ctrl+s")
            await wait_until(pilot, lambda: path.exists() and "print(1)" in path.read_text())
    finally:
        await session.close()


async def test_bad_notebook_exits_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text("{not json")
    session = AsyncSession(path=path, name="alice", embedded=True, home=tmp_path / "home", kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: not app.is_running)
        assert app.return_code == 1
        assert path.read_text() == "{not json"
    finally:
        await session.close()
