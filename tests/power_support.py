"""Opening the app for the tests of vi keys, search, $EDITOR and --view."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from support.tui import wait_until, write_notebook
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

CELLS = [("markdown", "# Title"), ("code", "x = 1"), ("code", "y = 2"), ("raw", "raw text")]


@asynccontextmanager
async def opened(
    tmp_path: Path, cells: list[tuple[str, str]] | None = None, size: tuple[int, int] = (80, 24),
    outputs: dict[int, list[dict[str, Any]]] | None = None, path: Path | None = None, **options: Any,
) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    """The app on a notebook (written unless `path` exists), with an embedded daemon in tmp_path/home."""
    if path is None:
        path = write_notebook(tmp_path / "nb.ipynb", cells or CELLS, outputs)
    kind = "viewer" if options.get("view") else "tui"
    session = AsyncSession(path=path, name="alice", embedded=True, home=tmp_path / "home", kind=kind)
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False, **options), session=session)
    try:
        async with app.run_test(size=size) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.pause()
            yield app, pilot, session
    finally:
        await session.close()


def source(session: AsyncSession, index: int) -> str:
    return session.doc.source(session.doc.cell_ids()[index])
