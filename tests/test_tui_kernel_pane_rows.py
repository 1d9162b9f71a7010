"""A peer's presence changing (it types, moves, switches mode) repaints its one row of the kernel pane.

Presence updates arrive while other terminals type; repainting the whole
pane for each one competes with drawing the keystrokes themselves.
"""

from __future__ import annotations

from pathlib import Path

from support.tui import wait_until
from test_tui_panes import alice_and_bob, kernel_text
from textual.strip import Strip


def bob_row(text: str) -> str:
    return next(line for line in text.split("Peers", 1)[1].splitlines() if "bob" in line)


async def test_a_peer_row_change_repaints_that_row_alone(tmp_path: Path) -> None:
    cells = [("code", "x = 1"), ("code", "y = 2")]
    async with alice_and_bob(tmp_path, cells, kernel=False) as (app, pilot, _sa, sb):
        ids = sb.doc.cell_ids()
        await sb.set_presence(ids[0], None, "command")
        await wait_until(pilot, lambda: "bob" in kernel_text(app).split("Peers", 1)[1])
        for _ in range(5):
            await pilot.pause(0.05)
        kernel_list = app.panes.kernel.list
        lines_before = len(kernel_list._lines)
        drawn: list[int] = []
        real = kernel_list.render_line

        def render_line(y: int) -> Strip:
            drawn.append(y)
            return real(y)

        kernel_list.render_line = render_line  # type: ignore[method-assign]
        before = bob_row(kernel_text(app))
        await sb.set_presence(ids[0], None, "edit")
        await wait_until(pilot, lambda: bob_row(kernel_text(app)) != before and bool(drawn))
        for _ in range(5):
            await pilot.pause(0.05)
        row = next(i for i, r in enumerate(app.panes.kernel.rows) if "bob" in r.text.plain and r.section == "Peers")
        assert set(drawn) == {row - kernel_list.scroll_offset.y}, (drawn, row)
        assert len(kernel_list._lines) == lines_before
