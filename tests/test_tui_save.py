"""Saving from the TUI over a file on disk that is not a valid notebook asks first (Pilot, embedded daemon)."""

from __future__ import annotations

import json
from pathlib import Path

from support.tui import screen_text, wait_until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.screens.dialogs import ConfirmScreen

CONFLICT = "<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> theirs\n"


async def test_save_over_an_invalid_file_asks_before_overwriting(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1")])
    session = AsyncSession(path=path, name="alice", embedded=True, home=tmp_path / "home", kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(100, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            path.write_text(CONFLICT, encoding="utf-8")
            await wait_until(pilot, lambda: (session.runtime.get("file") or {}).get("state") == "invalid")
            await pilot.press("s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "not a valid notebook" in screen_text(app) and "Overwrite" in screen_text(app)
            await pilot.press("n")
            await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
            await pilot.pause(0.3)
            assert path.read_text(encoding="utf-8") == CONFLICT
            await pilot.press("s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await wait_until(pilot, lambda: path.read_text(encoding="utf-8") != CONFLICT)
            assert "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"]) == "x = 1"
    finally:
        await session.close()
