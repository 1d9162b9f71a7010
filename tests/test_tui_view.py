"""`runt-tui --view`: a read-only viewer, shown as such to the others; its edits are refused with a message."""

from __future__ import annotations

from pathlib import Path

from conftest import until
from power_support import opened, source
from support.tui import palette_run, screen_text, wait_until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.tui.view_mode import REFUSAL


def refusals(app: object) -> int:
    return sum(REFUSAL in n.message for n in app._notifications)  # type: ignore[attr-defined]


async def test_viewer_refuses_edits_with_a_message(tmp_path: Path) -> None:
    async with opened(tmp_path, view=True) as (app, pilot, session):
        assert session.kind == "viewer"
        assert "VIEW" in screen_text(app)
        before = [source(session, i) for i in range(4)]
        await pilot.press("j", "enter")
        await wait_until(pilot, lambda: refusals(app) == 1)
        assert app.mode == "command" and app.editor is None
        for keys in (["a"], ["d", "d"], ["m"], ["ctrl+e"], ["E"], ["s"], ["x"], ["ctrl+down"]):
            count = refusals(app)
            await pilot.press(*keys)
            await wait_until(pilot, lambda count=count: refusals(app) > count)  # type: ignore[misc]
        await palette_run(app, pilot, "Run all cells")
        await wait_until(pilot, lambda: refusals(app) >= 10)
        assert [source(session, i) for i in range(4)] == before
        assert len(session.doc) == 4
        # Looking around is fine: moving, searching, going to a cell.
        await pilot.press("G")
        assert app.selected == session.doc.cell_ids()[-1]
        await pilot.press("slash", *"y = 2", "enter")
        await wait_until(pilot, lambda: app.selected == session.doc.cell_ids()[2])


async def test_viewer_sees_edits_and_others_see_a_viewer(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session), AsyncSession(
        path=session.path, name="bob", home=tmp_path / "home", autostart=False, kind="viewer",
    ) as bob:
        await wait_until(pilot, lambda: "bob (viewer)" in screen_text(app))
        await session.set_source(session.doc.cell_ids()[1], "x = 42")
        await until(lambda: bob.doc.source(bob.doc.cell_ids()[1]) == "x = 42", "the edit at the viewer")


async def test_viewer_on_a_notebook_without_cells_adds_none(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "empty.ipynb", [])
    data = path.read_bytes()
    async with opened(tmp_path, path=path, view=True) as (_app, pilot, session):
        await pilot.pause(0.3)
        assert len(session.doc) == 0
    assert path.read_bytes() == data
