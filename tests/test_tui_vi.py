"""Vi keys in the app (`--keys vi`): Enter opens in insert mode, Esc to normal, Esc again to command mode."""

from __future__ import annotations

from pathlib import Path

from conftest import until
from power_support import opened, source
from support.tui import screen_text, wait_until

from runt_tui.client import AsyncSession
from runt_tui.doc import Edit


async def test_insert_normal_and_command_modes(tmp_path: Path) -> None:
    async with opened(tmp_path, keys="vi") as (app, pilot, session):
        await pilot.press("j", "enter")
        assert app.mode == "edit" and app.vi is not None and app.vi.label == "INSERT"
        await pilot.press("end", *"  # one")
        await pilot.press("escape")
        assert app.mode == "edit" and app.vi.label == "NORMAL"
        assert "NORMAL" in screen_text(app)
        # Normal mode: these keys are commands, not text.
        await pilot.press("0", "d", "w")  # "x = 1  # one" -> "= 1  # one"
        await pilot.press("A", *"!", "escape")
        await wait_until(pilot, lambda: source(session, 1) == "= 1  # one!")
        await pilot.press("enter", "space", "backspace")  # motions in normal mode, not typing
        await pilot.press("A", *"?", "escape")
        await wait_until(pilot, lambda: source(session, 1) == "= 1  # one!?")
        await pilot.press("escape")
        assert app.mode == "command" and app.editor is None
        assert "CMD" in screen_text(app)


async def test_operators_counts_dot_and_own_undo(tmp_path: Path) -> None:
    cells = [("code", "a = 1\nb = 2\nc = 3\nd = 4")]
    async with opened(tmp_path, cells, keys="vi") as (app, pilot, session):
        await pilot.press("enter", "escape")
        await pilot.press("g", "g", "d", "d")
        await wait_until(pilot, lambda: source(session, 0) == "b = 2\nc = 3\nd = 4")
        await pilot.press(".")
        await wait_until(pilot, lambda: source(session, 0) == "c = 3\nd = 4")
        await pilot.press("y", "y", "p")
        await wait_until(pilot, lambda: source(session, 0) == "c = 3\nc = 3\nd = 4")
        # Someone else types meanwhile: vi's undo takes back only this terminal's edits.
        async with AsyncSession(path=session.path, name="bob", home=tmp_path / "home", autostart=False) as bob:
            cid = bob.doc.cell_ids()[0]
            await until(lambda: bob.doc.source(cid) == "c = 3\nc = 3\nd = 4", "alice's edits at bob")
            bob.edit(lambda d: d.splice_source(cid, [Edit(len(d.source(cid)), 0, "\n# theirs")]))
            await bob.sync_now()
        await wait_until(pilot, lambda: app.editor is not None and app.editor.text.endswith("# theirs"))
        await pilot.press("u")
        await wait_until(pilot, lambda: source(session, 0) == "c = 3\nd = 4\n# theirs")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: source(session, 0) == "c = 3\nc = 3\nd = 4\n# theirs")
        await pilot.press("2", "u")
        await wait_until(pilot, lambda: source(session, 0) == "b = 2\nc = 3\nd = 4\n# theirs")
        assert app.mode == "edit"


async def test_visual_mode_and_search_in_the_cell(tmp_path: Path) -> None:
    cells = [("code", "alpha beta gamma\ndelta beta")]
    async with opened(tmp_path, cells, keys="vi") as (app, pilot, session):
        await pilot.press("enter", "escape", "g", "g")
        await pilot.press("slash", *"beta", "enter")  # `/` inside the cell searches the cell
        assert app.vi is not None and app.editor is not None and app.editor.cursor_location == (0, 6)
        await pilot.press("n")
        assert app.editor.cursor_location == (1, 6)
        await pilot.press("v", "e")
        assert app.vi.label == "VISUAL"
        assert app.editor.selected_text == "beta"
        await pilot.press("d")
        await wait_until(pilot, lambda: source(session, 0) == "alpha beta gamma\ndelta ")
        assert app.vi.label == "NORMAL"


async def test_default_keys_are_unchanged(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        assert app.vi is None
        await pilot.press("j", "enter", "end", *"dd", "escape")
        await wait_until(pilot, lambda: source(session, 1) == "x = 1dd")
        assert app.mode == "command"


async def test_esc_then_a_key_merged_by_tmux_is_esc_then_that_key(tmp_path: Path) -> None:
    async with opened(tmp_path, [("code", "abc")], keys="vi") as (app, pilot, session):
        await pilot.press("enter", "end", "alt+x")  # Esc (to normal: on "c"), then x deletes it
        await wait_until(pilot, lambda: source(session, 0) == "ab")
        assert app.mode == "edit" and app.vi is not None and app.vi.label == "NORMAL"
        await pilot.press("alt+j")  # Esc in normal mode leaves the cell, then j moves in command mode
        await wait_until(pilot, lambda: app.mode == "command")


async def test_j_and_k_at_the_edge_walk_to_the_next_cell_in_normal_mode(tmp_path: Path) -> None:
    cells = [("code", "a = 1\nb = 2"), ("code", "c = 3")]
    async with opened(tmp_path, cells, keys="vi") as (app, pilot, session):
        ids = session.doc.cell_ids()
        await pilot.press("enter", "escape", "j", "j")
        await wait_until(pilot, lambda: app.editor is not None and app.editor.cell_id == ids[1])
        assert app.vi is not None and app.vi.label == "NORMAL"
        await pilot.press("x")
        await wait_until(pilot, lambda: source(session, 1) == " = 3")
        await pilot.press("k")
        await wait_until(pilot, lambda: app.editor is not None and app.editor.cell_id == ids[0])
        assert app.vi.label == "NORMAL"
