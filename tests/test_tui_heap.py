"""Once live, the app keeps what start-up built out of later full collections (gc.freeze)."""

from __future__ import annotations

import gc
from pathlib import Path

from support.tui import wait_until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_lifecycle import freeze_heap
from runt_tui.tui.app_options import AppOptions


def test_freeze_heap_moves_the_live_objects_out_of_the_collectors_walk() -> None:
    built = [[i] for i in range(1000)]  # tracked objects, as widgets and caches are
    before = gc.get_freeze_count()
    try:
        freeze_heap()
        assert gc.get_freeze_count() >= before + len(built)
        assert gc.get_count()[0] < 700  # the young generation starts again empty
    finally:
        gc.unfreeze()  # this process runs many more tests


async def test_a_headless_app_never_freezes_its_process(tmp_path: Path) -> None:
    # Tests run many apps in one process: frozen cycles of finished apps would never be freed.
    path = write_notebook(tmp_path / "h.ipynb", [("code", "x = 1")])
    session = AsyncSession(path=path, name="a", home=tmp_path / "h", kind="tui", embedded=True)
    app = NotebookApp(AppOptions(path=path, start_kernel=False), session)
    before = gc.get_freeze_count()
    try:
        async with app.run_test(size=(80, 20)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.pause(0.2)
            assert gc.get_freeze_count() == before
    finally:
        await session.close()
