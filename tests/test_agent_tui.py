"""An agent (through `runt-tui mcp`) and a person in the Textual app on one notebook."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from agent_support import agent, call
from support.tui import screen_text, wait_until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions


async def test_undo_in_a_terminal_never_undoes_the_agents_work(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1"), ("code", "y = 2")])
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            first = session.doc.cell_ids()[0]
            await pilot.press("enter", "end", *" + 2")
            await wait_until(pilot, lambda: session.doc.source(first) == "x = 1 + 2")
            async with agent(home, name="claude") as c:
                await call(c, "replace_in_cell", notebook=str(path), cell_id=first, old="x = 1", new="# x = 1")
                await wait_until(pilot, lambda: app.editor is not None and app.editor.text == "# x = 1 + 2")
                # The agent shows in ann's status bar while it works.
                await wait_until(pilot, lambda: "claude" in screen_text(app).splitlines()[-1])
                await pilot.press("ctrl+z")
                await wait_until(pilot, lambda: session.doc.source(first) == "# x = 1")
                await pilot.press("ctrl+z")  # nothing of ann's is left to undo in this cell
                await pilot.pause(0.2)
                assert session.doc.source(first) == "# x = 1"
    finally:
        await session.close()
        shutil.rmtree(home, ignore_errors=True)
