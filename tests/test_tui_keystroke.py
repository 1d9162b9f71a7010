"""A key typed in one app reaches the other at once: the edit batch timer only batches what follows."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from conftest import HANG_GUARD
from support.tui import screen_text, wait_until, write_notebook

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions


async def test_the_first_key_of_a_burst_shows_in_the_other_terminal_without_waiting_for_the_batch(
    tmp_path: Path,
) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1"), ("code", "y = 2")])
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    sa = AsyncSession(path=path, name="ann", embedded=True, home=home, kind="tui")
    sb = AsyncSession(path=path, name="bob", home=home, kind="tui", autostart=False)
    # A batch window longer than any wait here: only the leading edge can send the key.
    slow = int(3 * HANG_GUARD * 1000)
    a = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False, batch_ms=slow), session=sa)
    b = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=sb)
    try:
        async with a.run_test(size=(80, 24)) as pa:
            await wait_until(pa, lambda: a.ready and a.pane.settled)
            async with b.run_test(size=(80, 24)) as pb:
                await wait_until(pb, lambda: b.ready and b.pane.settled)
                await pa.press("enter")
                await wait_until(pa, lambda: a.edit.buffer is not None and a.edit.buffer.ready)
                await pa.press("Q")
                await wait_until(pb, lambda: "Qx = 1" in screen_text(b))
                # The next keys of the burst wait for the window; leaving the editor sends them.
                await pa.press(*"RS")
                await pa.pause()
                assert sb.doc.source(sb.doc.cell_ids()[0]) == "Qx = 1"
                await pa.press("escape")
                await wait_until(pb, lambda: "QRSx = 1" in screen_text(b))
    finally:
        await sb.close()
        await sa.close()
        shutil.rmtree(home, ignore_errors=True)
