"""Pilot tests: a notebook with 20 MB outputs (stream, text/plain) and a ~5 MB PNG stays usable.

The notebook is written to disk with nbformat and opened through an embedded
daemon, like the other app tests. Everything asserted is app state or screen
text after the keys were handled: no timing claims (see bench/bench_tui_large.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from support.tui import png, screen_text, wait_until, write_notebook
from textual.pilot import Pilot

from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

LINE = "0123456789 " * 7 + "\n"  # 78 characters
BIG_LINES = -(-20_000_000 // len(LINE))  # 256,411 lines, just over 20 MB
STREAM_CAP = 200  # RenderOptions.max_stream_lines

# A hang guard, not a timing claim: each test opens a 45 MB notebook, which on a loaded 2-core machine
# (the suite's other worker opening one too) takes longer than the suite's default 120 s guard.
pytestmark = pytest.mark.timeout(360)

CELLS = [
    ("code", "a = 1"),
    ("code", "print(big)"),
    ("code", "b = 2"),
    ("code", "big"),
    ("code", "figure"),
    ("code", "c = 3"),
]


def big_outputs() -> dict[int, list[dict[str, Any]]]:
    """Cell index -> outputs: a 20 MB stdout stream, a 20 MB text/plain result, a ~5 MB PNG."""
    big = LINE * BIG_LINES
    return {
        1: [{"output_type": "stream", "name": "stdout", "text": big}],
        3: [{"output_type": "execute_result", "execution_count": 4, "metadata": {},
             "data": {"text/plain": big}}],
        4: [{"output_type": "display_data", "metadata": {},
             "data": {"image/png": png(1300, 1300, noise=True), "text/plain": "<Figure size 1300x1300>"}}],
    }


@cache
def big_notebook_bytes() -> bytes:
    """The notebook file, made once per test session (writing 45 MB of JSON takes a second)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = write_notebook(Path(tmp) / "big.ipynb", CELLS, big_outputs())
        return path.read_bytes()


@asynccontextmanager
async def opened(tmp_path: Path, size: tuple[int, int] = (80, 24)) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    path = tmp_path / "big.ipynb"
    path.write_bytes(big_notebook_bytes())
    session = AsyncSession(path=path, name="alice", embedded=True, home=tmp_path / "home", kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    try:
        async with app.run_test(size=size) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled, timeout=120)
            await pilot.pause()
            yield app, pilot, session
    finally:
        await session.close()


async def settle(app: NotebookApp, pilot: Pilot[None]) -> None:
    await wait_until(pilot, lambda: app.pane.settled, timeout=60)
    await pilot.pause()


def test_notebook_really_is_large() -> None:
    import nbformat

    nb = nbformat.reads(big_notebook_bytes().decode(), as_version=4)
    assert len(nb.cells[1].outputs[0]["text"]) >= 20_000_000
    assert len(nb.cells[3].outputs[0]["data"]["text/plain"]) >= 20_000_000
    assert len(nb.cells[4].outputs[0]["data"]["image/png"]) * 3 // 4 > 4_500_000


async def test_navigate_onto_and_past_big_outputs(tmp_path: Path) -> None:
    hidden = f"{BIG_LINES - STREAM_CAP:,}"
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        assert app.selected == ids[0]
        for i in range(1, len(ids)):
            await pilot.press("j")
            assert app.selected == ids[i]
            await settle(app, pilot)
            widget = app.pane.widget_for(ids[i])
            assert widget is not None and widget.has_class("-selected")
            if i == 1:
                # The stream keeps its tail: the markers sit above the last lines.
                text = screen_text(app)
                assert f"… {hidden} more lines" in text
                assert f"(o: show all {hidden} hidden lines)" in text
        assert "c = 3" in screen_text(app)
        for i in range(len(ids) - 2, -1, -1):
            await pilot.press("k")
            assert app.selected == ids[i]
            await settle(app, pilot)
        assert "a = 1" in screen_text(app)
        assert app.mode == "command"


async def test_capped_views_and_the_image_are_bounded(tmp_path: Path) -> None:
    async with opened(tmp_path, size=(100, 40)) as (app, pilot, session):
        ids = session.doc.cell_ids()
        await pilot.press("j", "j", "j")
        await settle(app, pilot)
        result = app.pane.widget_for(ids[3])
        image = app.pane.widget_for(ids[4])
        assert result is not None and image is not None
        # Capped to 200 lines plus markers, however big the payload.
        assert STREAM_CAP < result.outer_size.height < STREAM_CAP + 10
        assert image.outer_size.height <= 45  # half blocks: at most 40 rows
        # text/plain keeps its head: page down to the marker under the first 200 lines.
        marker = f"… {BIG_LINES - STREAM_CAP:,} more lines"
        for _ in range(20):
            if marker in screen_text(app):
                break
            before = app.pane.scroll_y
            await pilot.press("pagedown")
            await settle(app, pilot)
            assert app.pane.scroll_y > before
        assert marker in screen_text(app)
        assert app.selected == ids[3]  # paging scrolls, it does not move the selection


async def test_scroll_through_everything_and_back(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        positions = [app.pane.scroll_y]
        while app.pane.scroll_y < app.pane.max_scroll_y and len(positions) < 100:
            await pilot.press("pagedown")
            await settle(app, pilot)
            assert app.pane.scroll_y > positions[-1]
            positions.append(app.pane.scroll_y)
        assert "c = 3" in screen_text(app)
        assert len(positions) > 20  # two capped 200-line outputs and an image
        await pilot.press("end")
        await settle(app, pilot)
        assert app.selected == ids[-1]
        await pilot.press("home")
        await settle(app, pilot)
        assert app.selected == ids[0]
        assert app.pane.scroll_y == 0
        assert "a = 1" in screen_text(app)


async def test_edit_a_cell_with_a_huge_output(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        await pilot.press("j", "enter")
        await settle(app, pilot)
        assert app.mode == "edit" and app.editor is not None
        assert app.selected == ids[1]
        await pilot.press("end", "x")
        await wait_until(pilot, lambda: session.doc.source(ids[1]) == "print(big)x")
        text = screen_text(app)
        assert "print(big)x" in text and "more lines" in text
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.mode == "command" and app.editor is None
        await pilot.press("j", "j", "enter")
        await settle(app, pilot)
        assert app.mode == "edit" and app.selected == ids[3]
        await pilot.press("escape", "j")
        await settle(app, pilot)
        assert app.mode == "command" and app.selected == ids[4]


async def test_expand_a_huge_stream_is_still_bounded(tmp_path: Path) -> None:
    async with opened(tmp_path) as (app, pilot, session):
        ids = session.doc.cell_ids()
        await pilot.press("j")
        await settle(app, pilot)
        capped = app.pane.widget_for(ids[1])
        assert capped is not None
        capped_height = capped.outer_size.height
        await pilot.press("o")
        await settle(app, pilot)
        assert ids[1] in app.expanded
        expanded = app.pane.widget_for(ids[1])
        assert expanded is not None
        # Expanded shows every line up to the character cap (200,000), not 20 MB
        # (each 78-character line may wrap to two rows).
        assert capped_height < expanded.outer_size.height < 2 * (200_000 // len(LINE)) + 20
        assert "more characters" in screen_text(app)
        assert "hidden lines" not in screen_text(app)
        await pilot.press("o")
        await settle(app, pilot)
        assert ids[1] not in app.expanded
        widget = app.pane.widget_for(ids[1])
        assert widget is not None and widget.outer_size.height == capped_height
        await pilot.press("j")
        assert app.selected == ids[2]
