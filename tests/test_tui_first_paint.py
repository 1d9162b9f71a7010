"""The read-only first paint: cells drawn from the file while the session is held back, then live in place."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from support.tui import screen_text, wait_until, write_notebook
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.client.preview import PREVIEW_MAX_BYTES, local_replica, position_map
from runt_tui.daemon.server import Daemon
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.first_paint import REFUSAL
from runt_tui.tui.typeahead import HELD

CELLS = [("code", "x = 1"), ("markdown", "# Notes here"), ("code", "print('third')")]


@asynccontextmanager
async def held_app(home: Path, path: Path) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession, asyncio.Event]]:
    """The app with its session's connect held back until the event is set (a daemon still starting)."""
    session = AsyncSession(path=path, name="ann", home=home, kind="tui", autostart=False)
    release = asyncio.Event()

    async def connect() -> None:
        await release.wait()
        await session.connect()

    connecting = asyncio.get_running_loop().create_task(connect())
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session, connecting=connecting)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            yield app, pilot, session, release
    finally:
        release.set()
        await session.close()


async def test_cells_show_read_only_before_the_session_is_live_and_stay_in_place_after(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", CELLS)
    async with held_app(home, path) as (app, pilot, session, release):
        await wait_until(pilot, lambda: "print('third')" in screen_text(app) and app.pane.settled)
        assert session.replica is None and not app.ready
        assert "READ-ONLY" in screen_text(app).splitlines()[-1]
        widgets = dict(app.pane.mounted)
        assert list(widgets) == ["cell000", "cell001", "cell002"] and app.selected == "cell000"
        # Moving over the cells works at once, and is drawn.
        await pilot.press("j")
        await wait_until(pilot, lambda: app.pane.mounted["cell001"].model.selected)
        assert app.selected == "cell001" and not app.pane.mounted["cell000"].model.selected
        # Keys that would edit, and every key after them, are held with a word: nothing acts on the copy.
        await pilot.press("enter", *"typed ", "escape", "j", "b", "r")
        await wait_until(pilot, lambda: any(n.message == HELD for n in app._notifications))
        await pilot.pause()
        assert app.mode == "command" and app.editor is None and app.selected == "cell001"
        assert sum(n.message == HELD for n in app._notifications) == 1  # one word for the burst
        assert not any(n.message == REFUSAL for n in app._notifications)
        release.set()
        await wait_until(pilot, lambda: app.ready and app.pane.settled and not app.key_router.typeahead.holding)
        assert not app.first_paint.active
        assert "READ-ONLY" not in screen_text(app).splitlines()[-1]
        # The same widgets, in the same place: nothing was taken down and drawn again.
        assert all(app.pane.mounted[cid] is w for cid, w in widgets.items())
        # Once live, the held keys ran in order: typed into the cell the copy had selected, then
        # Esc, `j` to the next cell, `b` a cell below it, `r` that new cell made raw.
        doc = session.doc
        ids = doc.cell_ids()
        assert [doc.source(c) for c in ids] == ["x = 1", "typed # Notes here", "print('third')", ""]
        assert [doc.cell(c).cell_type for c in ids] == ["code", "markdown", "code", "raw"]
        assert app.selected == ids[3] and app.mode == "command"
        # Now live: an edit lands in the shared document.
        await pilot.press("home", "enter", *"y")
        await wait_until(pilot, lambda: session.doc.source("cell000") == "yx = 1")


async def test_keys_typed_before_anything_is_shown_run_once_live(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    # A file too big for the read-only copy: nothing is drawn until the daemon answers.
    big = {0: [{"output_type": "stream", "name": "stdout", "text": "z" * (PREVIEW_MAX_BYTES + 1)}]}
    path = write_notebook(tmp_path / "big.ipynb", CELLS, outputs=big)
    async with held_app(home, path) as (app, pilot, session, release):
        await pilot.press("enter", *"ab", "escape", "b", "m")
        await wait_until(pilot, lambda: any(n.message == HELD for n in app._notifications))
        assert not app.ready and not app.first_paint.active and app.key_router.typeahead.held
        release.set()
        await wait_until(pilot, lambda: app.ready and app.pane.settled and not app.key_router.typeahead.holding)
        doc = session.doc
        ids = doc.cell_ids()
        assert [doc.source(c) for c in ids] == ["abx = 1", "", "# Notes here", "print('third')"]
        assert doc.cell(ids[1]).cell_type == "markdown" and app.selected == ids[1]


async def test_ctrl_q_quits_at_once_with_keys_held(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", CELLS)
    before = path.read_bytes()
    async with held_app(home, path) as (app, pilot, _session, _release):
        await wait_until(pilot, lambda: app.first_paint.active and app.pane.settled)
        await pilot.press("enter", "x", "ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None)
        assert not app.ready
    assert path.read_bytes() == before


async def test_a_file_without_cell_ids_keeps_its_widgets_renamed_by_position(
    home: Path, daemon: Daemon, tmp_path: Path
) -> None:
    path = write_notebook(tmp_path / "old.ipynb", CELLS)
    nb = json.loads(path.read_text())
    nb["nbformat_minor"] = 4
    for cell in nb["cells"]:
        del cell["id"]
    path.write_text(json.dumps(nb))
    async with held_app(home, path) as (app, pilot, session, release):
        await wait_until(pilot, lambda: "print('third')" in screen_text(app) and app.pane.settled)
        preview_ids = list(app.pane.order)
        widgets = [app.pane.mounted[c] for c in preview_ids]
        await pilot.press("end")
        await wait_until(pilot, lambda: app.selected == preview_ids[2])
        release.set()
        await wait_until(pilot, lambda: app.ready and app.pane.settled)
        live = session.doc.cell_ids()
        assert set(live).isdisjoint(preview_ids)  # the daemon gave the cells its own ids
        assert [app.pane.mounted[c] for c in live] == widgets
        assert [w.cell_id for w in widgets] == live and [w.model.id for w in widgets] == live
        assert app.selected == live[2]  # the same cell, by position
        await pilot.press("k")
        await wait_until(pilot, lambda: app.selected == live[1])


async def test_no_first_paint_when_the_session_is_live_first(home: Path, daemon: Daemon, tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", CELLS)
    async with held_app(home, path) as (app, pilot, _session, release):
        release.set()
        await wait_until(pilot, lambda: app.ready and app.pane.settled)
        assert app.first_paint.replica is None and "READ-ONLY" not in screen_text(app)


def test_local_replica_refuses_quietly_what_it_cannot_show(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    assert local_replica(bad) is None
    assert local_replica(tmp_path / "missing.ipynb") is None
    good = write_notebook(tmp_path / "good.ipynb", CELLS)
    assert local_replica(good, max_bytes=10) is None
    replica = local_replica(good)
    assert replica is not None and replica.doc.cell_ids() == ["cell000", "cell001", "cell002"]


def test_position_map_only_when_no_id_is_shared() -> None:
    assert position_map(["a", "b"], ["x", "y", "z"]) == {"a": "x", "b": "y"}
    assert position_map(["a", "b"], ["a", "y"]) == {}
    assert position_map([], ["x"]) == {}
