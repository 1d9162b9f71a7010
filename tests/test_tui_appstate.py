"""The app's state: reactives whose watchers keep classes, status bar and presence in step, and the edit session."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from support.tui import screen_text, wait_until, write_notebook
from textual.binding import Binding
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.keys import COMMANDS, EDITOR_KEYS, KEYS
from runt_tui.tui.widgets.editor import CellEditor

Opened = tuple[NotebookApp, Pilot[None], AsyncSession, AsyncSession]


@asynccontextmanager
async def app_and_script(tmp_path: Path) -> AsyncIterator[Opened]:
    """An app on a notebook of three cells, and a script session on the same notebook."""
    path = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1"), ("code", "y = 2"), ("code", "z = 3")])
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    script = AsyncSession(path=path, name="bot", home=home, autostart=False)
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await script.connect()
            yield app, pilot, session, script
    finally:
        await script.close()
        await session.close()
        shutil.rmtree(home, ignore_errors=True)


def _action_name(action: str) -> str:
    return action.split("(")[0]


def test_every_key_and_command_is_an_app_action() -> None:
    """The action objects' methods are forwarded as app actions (no app needed)."""
    app_keys = [k for k in KEYS if k.target == "app"]
    for name in {_action_name(k.action) for k in app_keys} | {_action_name(c.action) for c in COMMANDS}:
        assert callable(getattr(NotebookApp, f"action_{name}", None)), name
    for key in (*KEYS, *EDITOR_KEYS):
        if key.target == "editor":
            assert callable(getattr(CellEditor, f"action_{_action_name(key.action)}", None)), key.action


def test_editor_bindings_come_from_the_key_table() -> None:
    """Every key of edit mode, each bound once, to what the editor bound by hand before the table."""
    bound: dict[str, str] = {}
    for binding in CellEditor.BINDINGS:
        assert isinstance(binding, Binding)
        for key in binding.key.split(","):
            assert key not in bound, key
            bound[key] = binding.action
    assert bound == {
        "escape": "app.command_mode", "ctrl+e": "app.run_cell", "ctrl+enter": "app.run_cell",
        "ctrl+r": "app.run_and_advance", "shift+enter": "app.run_and_advance", "ctrl+s": "app.save",
        "tab": "complete", "shift+tab": "inspect", "ctrl+z": "app.undo", "super+z": "app.undo",
        "ctrl+shift+z": "app.redo", "ctrl+y": "app.redo", "super+y": "app.redo",
        "up": "cursor_up_or_leave", "down": "cursor_down_or_leave",
    }


async def test_deleting_the_edited_cell_elsewhere_closes_the_whole_editor(tmp_path: Path) -> None:
    async with app_and_script(tmp_path) as (app, pilot, session, script):
        first = session.doc.cell_ids()[0]
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.editor is not None and app.has_class("-edit-mode"))
        await script.delete_cell(first)
        await wait_until(pilot, lambda: app.mode == "command")
        # The editor goes with its buffer: nothing is left pointing at the deleted cell.
        assert app.editor is None and app.edit.buffer is None and app.edit.cell_id is None
        assert not app.has_class("-edit-mode")
        await wait_until(pilot, lambda: "CMD" in screen_text(app).splitlines()[-1])
        # Enter opens the newly selected cell, which it could not while a stale editor was kept.
        await wait_until(pilot, lambda: app.selected in session.doc and app.pane.settled)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.editor is not None and app.editor.cell_id == app.selected)


async def test_setting_the_reactives_updates_classes_status_and_presence(tmp_path: Path) -> None:
    async with app_and_script(tmp_path) as (app, pilot, session, script):
        ids = session.doc.cell_ids()
        app.layout_mode = "outputs"
        assert app.has_class("-layout-outputs")
        app.layout_mode = "cells"
        assert not app.has_class("-layout-outputs")
        app.follow = ""
        await wait_until(pilot, lambda: "following running cell" in screen_text(app).splitlines()[-1])
        app.follow = None
        await wait_until(pilot, lambda: "following" not in screen_text(app).splitlines()[-1])
        app.selected = ids[2]
        # The cell redraws as selected, and the other peers are told where we are.
        assert app.pane.mounted[ids[2]].model.selected and not app.pane.mounted[ids[0]].model.selected
        await wait_until(pilot, lambda: any(p.name == "ann" and p.cell == ids[2]
                                            for p in script.peer_list))
        app.line_numbers = True
        await wait_until(pilot, lambda: app.pane.mounted[ids[0]].flags.line_numbers)
