"""Keys sent in one burst (as tmux send-keys, a paste or a fast typist does) are handled in order.

The keys go straight into the app's queue with no pause between them, the way
a terminal delivers them, while the editor is still opening or closing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from support.tui import wait_until, write_notebook
from textual import events
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

CELLS = [("code", "x = 1"), ("code", "y = 2"), ("code", "z = 3")]


@asynccontextmanager
async def opened(tmp_path: Path, cells: list[tuple[str, str]] | None = None) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    path = write_notebook(tmp_path / "nb.ipynb", cells or CELLS)
    session = AsyncSession(path=path, name="alice", embedded=True, home=tmp_path / "home", kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.pause()
            yield app, pilot, session
    finally:
        await session.close()


def key_event(key: str, character: str | None = None) -> events.Key:
    if character is None:
        character = {"space": " ", "enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
    return events.Key(key, character)


def burst(app: NotebookApp, *keys: str | events.Key) -> None:
    """Put keys into the app's queue at once, as a terminal read of several bytes does."""
    assert app._driver is not None
    for key in keys:
        event = key if isinstance(key, events.Key) else key_event(key)
        app._driver.send_message(event)


def typed(text: str) -> list[str]:
    return ["space" if c == " " else c for c in text]


def sources(session: AsyncSession) -> list[str]:
    return [session.doc.source(c) for c in session.doc.cell_ids()]


async def settle(pilot: Pilot[None], app: NotebookApp) -> None:
    await pilot.pause(0.3)
    await wait_until(pilot, lambda: app.pane.settled)


async def test_text_right_after_enter_reaches_the_cell(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        burst(app, "j", "enter", *typed("hello world"))
        await wait_until(pilot, lambda: sources(session)[1] == "hello worldy = 2")
        assert app.mode == "edit" and not app.line_numbers  # no `l` ran as a command
        assert [session.doc.cell(c).cell_type for c in session.doc.cell_ids()] == ["code"] * 3


async def test_text_after_enter_survives_a_slow_daemon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        real = session.prepare_sources

        async def slow(cell_ids: list[str], timeout: float = 10.0, force: bool = False) -> None:
            await asyncio.sleep(0.3)  # a loaded machine: the editor opens late
            await real(cell_ids, timeout=timeout, force=force)

        monkeypatch.setattr(session, "prepare_sources", slow)
        burst(app, "enter", *typed("abc"))
        await asyncio.sleep(0.1)
        burst(app, *typed("def"))  # still before the editor is there
        await wait_until(pilot, lambda: sources(session)[0] == "abcdefx = 1")


async def test_escape_then_command_keys_are_commands(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        burst(app, "enter", *typed("a"), "escape", "j", "j")
        await wait_until(pilot, lambda: app.selected == ids[2] and app.mode == "command")
        await settle(pilot, app)
        assert sources(session) == ["ax = 1", "y = 2", "z = 3"]


async def test_moves_and_typing_keep_their_order(tmp_path: Path) -> None:
    async with opened(tmp_path, [("code", "")]) as (app, pilot, session):
        burst(app, "enter", "a", "b", "left", "c", "home", "d", "end", "e")
        await wait_until(pilot, lambda: sources(session)[0] == "dacbe")


async def test_undo_applies_where_it_was_pressed(tmp_path: Path) -> None:
    async with opened(tmp_path, [("code", "")]) as (app, pilot, session):
        # "ab" is one undo step, "c" (typed elsewhere) the next: Ctrl+Z takes "c" back.
        burst(app, "enter", "a", "b", "left", "c", "ctrl+z", "d")
        await wait_until(pilot, lambda: sources(session)[0] == "adb")


async def test_walking_off_a_cell_then_typing_types_in_the_next(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        # Down enters the next cell at its start, up the previous one at its end.
        burst(app, "enter", "down", *typed("q"), "down", *typed("w"), "up", "up", "e")
        await wait_until(pilot, lambda: sources(session) == ["x = 1e", "qy = 2", "wz = 3"])
        assert app.selected == session.doc.cell_ids()[0]


async def test_run_and_advance_then_keys_are_commands(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        burst(app, "enter", *typed("k"), "ctrl+r", "j")
        await wait_until(pilot, lambda: app.selected == ids[2] and app.mode == "command")
        await settle(pilot, app)
        assert sources(session) == ["kx = 1", "y = 2", "z = 3"]


@pytest.mark.parametrize("character", ["j", None], ids=["legacy", "csi-u"])
async def test_alt_key_in_edit_mode_is_escape_then_key(tmp_path: Path, character: str | None) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        burst(app, "enter", *typed("a"), events.Key("alt+j", character))
        await wait_until(pilot, lambda: app.selected == ids[1] and app.mode == "command")
        await settle(pilot, app)
        assert sources(session) == ["ax = 1", "y = 2", "z = 3"]


async def test_alt_key_in_command_mode_is_the_key(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        burst(app, events.Key("alt+j", "j"), events.Key("alt+j", "j"))
        await wait_until(pilot, lambda: app.selected == ids[2])


async def test_alt_enter_in_edit_mode_is_escape_then_enter(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        # Each Esc, Enter reopens the cell with the cursor at its start.
        burst(app, "enter", *typed("a"), events.Key("alt+enter", None), *typed("b"),
              events.Key("alt+enter", None), *typed("c"))
        await wait_until(pilot, lambda: sources(session)[0] == "cbax = 1")
        await settle(pilot, app)
        assert app.mode == "edit" and len(session.doc) == 3  # nothing ran, nothing inserted


async def test_alt_enter_in_command_mode_runs_and_inserts(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        burst(app, events.Key("alt+enter", None))
        await wait_until(pilot, lambda: len(session.doc) == 4)
        assert app.selected == session.doc.cell_ids()[1]
