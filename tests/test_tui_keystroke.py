"""A key typed in one app reaches the other at once: the edit batch timer only batches what follows."""

from __future__ import annotations

from pathlib import Path

from conftest import HANG_GUARD
from support.tui import screen_text, wait_until
from test_tui_collab import two_apps


async def test_the_first_key_of_a_burst_shows_in_the_other_terminal_without_waiting_for_the_batch(
    tmp_path: Path,
) -> None:
    # A batch window longer than any wait here: only the leading edge can send the key.
    slow = int(3 * HANG_GUARD * 1000)
    async with two_apps(tmp_path, batch_ms=slow) as (a, pa, _sa, b, pb, sb):
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
