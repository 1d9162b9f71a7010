"""Pilot tests of the kernel and output panes and the layout, against a real daemon and ipykernel."""

from __future__ import annotations

import asyncio
import base64
import itertools
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from support.tui import screen_text, wait_until, write_notebook
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.pane_layout import read_remembered
from runt_tui.tui.panes import PEERS_EVERY

SLEEPER = "import time\nfor _ in range(600): time.sleep(0.05)"
Pair = tuple[NotebookApp, Pilot[None], AsyncSession, AsyncSession]


@asynccontextmanager
async def alice_and_bob(tmp_path: Path, cells: list[tuple[str, str]], panes: tuple[str, ...] | None = ("cells", "kernel"),
                        size: tuple[int, int] = (160, 45), kernel: bool = True,
                        outputs: dict[int, list[dict[str, Any]]] | None = None) -> AsyncIterator[Pair]:
    """Alice in the app (kernel pane shown), Bob as a second client on the same daemon."""
    path = write_notebook(tmp_path / "nb.ipynb", cells, outputs)
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    sa = AsyncSession(path=path, name="alice", embedded=True, home=home, kind="tui")
    sb = AsyncSession(path=path, name="bob", home=home, kind="tui", autostart=False)
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=kernel, panes=panes,
                                 config=tmp_path / "config.toml"), session=sa)
    try:
        async with app.run_test(size=size) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await sb.connect()
            if kernel:
                await wait_until(pilot, lambda: sa.kernel_status() == "idle", timeout=60)
            yield app, pilot, sa, sb
            if kernel:
                await sa.shutdown_kernel()
    finally:
        await sb.close()
        await sa.close()
        shutil.rmtree(home, ignore_errors=True)


def kernel_text(app: NotebookApp) -> str:
    return app.panes.kernel.plain()


async def test_kernel_pane_names_who_queued_and_interrupt_tells_the_requester(tmp_path: Path) -> None:
    cells = [("code", SLEEPER), ("code", "print('second')"), ("code", "x = 3")]
    async with alice_and_bob(tmp_path, cells) as (app, pilot, _sa, sb):
        notices: list[dict[str, Any]] = []
        sb.event_listeners.append(lambda e: notices.append(e) if e.get("type") == "notice" else None)
        ids = sb.doc.cell_ids()
        await sb.queue_execution(ids[0])
        await sb.queue_execution(ids[1])
        await wait_until(pilot, lambda: "… queued bob #2 print('second')" in kernel_text(app))
        await wait_until(pilot, lambda: "▶" in kernel_text(app) and "bob #1 import time" in kernel_text(app))
        # The cells pane marks the queued cell apart from the running one.
        await wait_until(pilot, lambda: "[…]" in screen_text(app) and "[*]" in screen_text(app))
        app.panes.focus("kernel")
        await pilot.press("i")
        await wait_until(pilot, lambda: "cancelled by alice" in kernel_text(app))
        await wait_until(pilot, lambda: any("cancelled by alice" in str(n.get("message")) for n in notices))
        message = next(str(n["message"]) for n in notices if "cancelled by alice" in str(n.get("message")))
        assert "#2 print('second')" in message and "interrupted" in message
        # The running cell ended by the interrupt and is in the history, newest first.
        await wait_until(pilot, lambda: "✗" in kernel_text(app).split("History")[1].split("Peers")[0])


async def test_history_enter_jumps_to_the_cell(tmp_path: Path) -> None:
    cells = [("code", "a = 1"), ("code", "b = 2"), ("code", "1/0")]
    async with alice_and_bob(tmp_path, cells) as (app, pilot, _sa, sb):
        ids = sb.doc.cell_ids()
        await sb.execute_cell(ids[1])
        await sb.execute_cell(ids[2])
        await wait_until(pilot, lambda: "bob #3 1/0" in kernel_text(app).split("History", 1)[1])
        history = kernel_text(app).split("History", 1)[1]
        assert history.index("#3 1/0") < history.index("#2 b = 2")  # newest first
        assert "✗" in screen_text(app)  # the failed cell is marked in the cells pane
        app.panes.focus("kernel")
        rows = app.panes.kernel.rows
        target = next(i for i, r in enumerate(rows) if r.section == "History" and r.cell == ids[1])
        app.panes.kernel.list.highlighted = target
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.selected == ids[1])


async def test_kernel_pane_shows_process_facts_peers_and_log(tmp_path: Path) -> None:
    cells = [("code", "import sys, os\nos.write(2, b'kernel-stderr-line\\n')")]
    async with alice_and_bob(tmp_path, cells) as (app, pilot, sa, sb):
        await sb.set_presence(sb.doc.cell_ids()[0], None, "edit", follow=sa.peer_id)
        await wait_until(pilot, lambda: "pid " in kernel_text(app) and "mem " in kernel_text(app), timeout=30)
        text = kernel_text(app)
        assert "python3" in text and "transport ipc" in text and "env " in text
        bob = "bob  #1 import sys, os  edit  follows alice"
        await wait_until(pilot, lambda: bob in kernel_text(app).split("Peers", 1)[1])
        assert "alice (you)" in kernel_text(app).split("Peers", 1)[1]
        # The kernel's own stderr (fd 2, outside any output capture) reaches the log section.
        await sb.execute_cell(sb.doc.cell_ids()[0])
        await wait_until(pilot, lambda: "kernel-stderr-line" in kernel_text(app).split("Kernel log", 1)[1], timeout=30)


async def test_clear_queue_keeps_the_running_cell(tmp_path: Path) -> None:
    cells = [("code", SLEEPER), ("code", "y = 2")]
    async with alice_and_bob(tmp_path, cells) as (app, pilot, sa, sb):
        ids = sb.doc.cell_ids()
        await sb.queue_execution(ids[0])
        await sb.queue_execution(ids[1])
        await wait_until(pilot, lambda: "bob #2 y = 2" in kernel_text(app))
        app.panes.focus("kernel")
        await pilot.press("C")
        await wait_until(pilot, lambda: "cancelled by alice (queue cleared)" in kernel_text(app))
        assert sa.runtime["queue"][0]["cell"] == ids[0]  # still running
        await sa.interrupt()


LONG = "".join(f"line {i} of the output\n" for i in range(3000))


async def test_output_pane_shows_everything_searches_and_copies(tmp_path: Path) -> None:
    outputs = {0: [{"output_type": "stream", "name": "stdout", "text": LONG}]}
    async with alice_and_bob(tmp_path, [("code", "print('x')")], panes=("cells", "output"), kernel=False,
                             outputs=outputs) as (app, pilot, _sa, _sb):
        view = app.panes.output.view
        await wait_until(pilot, lambda: len(view.content.lines) == 3000)
        app.panes.focus("output")
        await pilot.press("G")
        await wait_until(pilot, lambda: "line 2999 of the output" in screen_text(app))
        await pilot.press("g")
        await wait_until(pilot, lambda: "line 0 of the output" in screen_text(app))
        await pilot.press("slash")
        await pilot.press(*"line 1500 ", "enter")
        await wait_until(pilot, lambda: view.matches == [(1500, 0)])
        assert "line 1500 of the output" in screen_text(app) and "1/1" in screen_text(app)
        written: list[str] = []
        app._driver.write = written.append  # type: ignore[union-attr,method-assign]
        await pilot.press("v", "j", "y")
        payload = next(w for w in written if w.startswith("\x1b]52;c;"))
        assert base64.b64decode(payload[7:-1]).decode() == "line 1500 of the output\nline 1501 of the output\n"


async def test_layout_toggles_and_is_remembered_per_size_class(tmp_path: Path) -> None:
    async with alice_and_bob(tmp_path, [("code", "1")], panes=None, size=(130, 30), kernel=False) as (app, pilot, _sa, _sb):
        assert app.panes.layout is not None and app.panes.layout.panes == ("cells", "kernel")
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.panes.output.display)
        assert app.panes.layout.panes == ("cells", "output", "kernel")
        assert read_remembered(tmp_path / "config.toml") == {"medium": ("cells", "output", "kernel")}
        await pilot.press("f4")
        assert read_remembered(tmp_path / "config.toml") == {"medium": ("cells", "output")}
        assert not app.panes.kernel.display


async def test_output_pane_holds_a_20_mb_stream_in_full(tmp_path: Path) -> None:
    from test_tui_large import BIG_LINES, big_notebook_bytes

    path = tmp_path / "big.ipynb"
    path.write_bytes(big_notebook_bytes())
    session = AsyncSession(path=path, name="alice", embedded=True, home=tmp_path / "home", kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False, panes=("cells", "output"),
                                 config=tmp_path / "config.toml"), session=session)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled, timeout=120)
            view = app.panes.output.view
            ids = session.doc.cell_ids()
            await pilot.press("j")
            await wait_until(pilot, lambda: len(view.content.lines) == BIG_LINES, timeout=60)
            assert "Out #2 [2]  1 output" in screen_text(app)
            app.panes.focus("output")
            await pilot.press("G")
            await wait_until(pilot, lambda: view.cursor == BIG_LINES - 1)
            await pilot.press("escape", "j", "j")  # back to the cells pane: the next big output
            await wait_until(pilot, lambda: app.selected == ids[3])
            await wait_until(pilot, lambda: len(view.content.lines) == BIG_LINES, timeout=60)
            await pilot.press("j")  # the 5 MB PNG, drawn at the pane's width
            await wait_until(pilot, lambda: app.selected == ids[4] and len(view.content.lines) > 20, timeout=60)
            assert app.pane.settled
    finally:
        await session.close()


async def test_output_pane_saves_by_mime_wraps_and_cells_pane_copies_source(tmp_path: Path) -> None:
    from support.tui import png

    image = png(8, 4)
    outputs = {0: [{"output_type": "stream", "name": "stdout", "text": "w" * 150 + "\n"},
                   {"output_type": "display_data", "metadata": {}, "data": {"image/png": image, "text/plain": "<img>"}}]}
    async with alice_and_bob(tmp_path, [("code", "show()")], panes=("cells", "output"), kernel=False,
                             size=(120, 40), outputs=outputs) as (app, pilot, _sa, _sb):
        view = app.panes.output.view
        await wait_until(pilot, lambda: len(view.content.lines) > 2)
        written: list[str] = []
        app._driver.write = written.append  # type: ignore[union-attr,method-assign]
        await pilot.press("Y")  # the cells pane: the selected cell's source, through OSC 52
        assert written == ["\x1b]52;c;" + base64.b64encode(b"show()").decode() + "\x07"]
        app.panes.focus("output")
        assert "w" * 100 not in screen_text(app)  # cut at the pane's edge
        await pilot.press("W")
        await wait_until(pilot, lambda: view.wrap)
        await wait_until(pilot, lambda: sum(1 for line in screen_text(app).splitlines() if "wwwwwwwwww" in line) >= 3)
        target = tmp_path / "picture.png"
        await pilot.press("G", "S")
        await wait_until(pilot, lambda: len(app.screen_stack) > 1)
        prompt = app.screen.query_one("Input")
        prompt.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(pilot, lambda: target.exists())
        assert target.read_bytes() == base64.b64decode(image)
        await pilot.press("g", "S")  # the stream, as text, to a file that exists: refused
        await wait_until(pilot, lambda: len(app.screen_stack) > 1)
        prompt = app.screen.query_one("Input")
        prompt.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1)
        assert target.read_bytes() == base64.b64decode(image)  # never overwritten


async def test_panes_resize_and_focus_from_the_keyboard(tmp_path: Path) -> None:
    async with alice_and_bob(tmp_path, [("code", "1")], panes=("cells", "output", "kernel"), size=(160, 30),
                             kernel=False) as (app, pilot, _sa, _sb):
        output = app.panes.output
        before = output.size.width
        await pilot.press("w")  # the keys go to the output pane
        assert app.panes.focused_pane() == "output"
        await pilot.press("greater_than_sign", "greater_than_sign")
        await wait_until(pilot, lambda: output.size.width > before)
        await pilot.press("w")
        assert app.panes.focused_pane() == "kernel"
        await pilot.press("w", "w")
        assert app.panes.focused_pane() == "output"
        await pilot.press("less_than_sign", "less_than_sign", "less_than_sign", "less_than_sign")
        await wait_until(pilot, lambda: output.size.width < before)
        await pilot.press("escape")  # back to the cells
        assert app.panes.focused_pane() == "cells"


async def test_kernel_pane_actions_restart_asks_change_kernel_lists_run_all(tmp_path: Path) -> None:
    from runt_tui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen

    cells = [("code", "a = 1"), ("code", "b = a + 1"), ("code", "b * 10")]
    async with alice_and_bob(tmp_path, cells) as (app, pilot, sa, _sb):
        app.panes.focus("kernel")
        await pilot.press("0")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1)
        await pilot.press("K")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: len(app.screen_stack) == 1)
        app.panes.focus("kernel")
        await pilot.press("A")
        ids = sa.doc.cell_ids()
        await wait_until(pilot, lambda: all(sa.doc.cell(c).execution_count for c in ids), timeout=60)
        await wait_until(pilot, lambda: "✓ [3]" in kernel_text(app) and "alice #3 b * 10" in kernel_text(app))


async def test_kernel_rows_cut_at_a_stale_width_are_cut_again_at_the_list_width(tmp_path: Path) -> None:
    async with alice_and_bob(tmp_path, [("code", "x = 1")], size=(80, 24), kernel=False) as (app, pilot, _sa, _sb):
        pane = app.panes.kernel
        await wait_until(pilot, lambda: bool(pane.rows))
        # Rows built while the list still had an earlier, wider layout (what a busy machine produces).
        pane.list.fitted_width = 60
        pane.list.set_options(pane._fit(r, 60).text for r in pane.source())
        pane.rows = [pane._fit(r, 60) for r in pane.source()]
        pane.list.refresh()
        width = pane.list.scrollable_content_region.width
        await wait_until(pilot, lambda: pane.list.fitted_width == width)
        await pilot.pause(0.1)
        assert all(r.text.cell_len <= width for r in pane.rows)


async def test_a_peer_moving_fast_redraws_the_kernel_pane_a_few_times_and_ends_where_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = [("code", f"x{i} = {i}") for i in range(6)]
    async with alice_and_bob(tmp_path, cells, kernel=False) as (app, pilot, _sa, sb):
        ids = sb.doc.cell_ids()
        await wait_until(pilot, lambda: "bob" in kernel_text(app).split("Peers", 1)[1])
        redraws: list[float] = []
        pane = app.panes.kernel
        plain_refresh = pane.refresh_content

        def counted() -> None:
            redraws.append(time.monotonic())
            plain_refresh()

        monkeypatch.setattr(pane, "refresh_content", counted)
        start = time.monotonic()
        for n in range(60):  # bob runs down and up the notebook: every move a presence change
            await sb.set_presence(ids[n % len(ids)], None, "command")
            await asyncio.sleep(0.01)  # a brisk typist's pace, not one burst the bridge merges
        await sb.set_presence(ids[4], None, "edit")
        await wait_until(pilot, lambda: "bob  #5 x4 = 4  edit" in kernel_text(app))
        elapsed = time.monotonic() - start
        # Each of bob's 61 moves reached alice; her pane was redrawn only once per PEERS_EVERY
        # (and once more at the end), never at the rate of the moves.
        assert 1 <= len(redraws) <= elapsed / PEERS_EVERY + 2, (len(redraws), elapsed)
        assert all(b - a >= PEERS_EVERY * 0.9 for a, b in itertools.pairwise(redraws))


async def test_a_peer_moving_after_a_quiet_spell_is_shown_at_once_every_time(tmp_path: Path) -> None:
    cells = [("code", f"x{i} = {i}") for i in range(6)]
    async with alice_and_bob(tmp_path, cells, kernel=False) as (app, pilot, _sa, sb):
        ids = sb.doc.cell_ids()
        await wait_until(pilot, lambda: "bob" in kernel_text(app).split("Peers", 1)[1])
        for n in (2, 4, 1):
            await asyncio.sleep(PEERS_EVERY * 1.5)  # quiet: the next move is drawn at once, not timed
            await sb.set_presence(ids[n], None, "command")
            await wait_until(pilot, lambda n=n: f"bob  #{n + 1} x{n} = {n}" in kernel_text(app))
