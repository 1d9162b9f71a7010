"""`--images auto|kitty|sixel|halfblock|none`: each mode draws PNG outputs in a Pilot app.

kitty and sixel use textual-image's real widgets and encoders. Under pytest
stdout is no terminal, so textual-image's capability queries answer "unicode";
`auto` is tested by faking only their outcome (is there a terminal, which
protocol did textual-image pick) — everything after that runs for real.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import textual_image.renderable as ti_renderable
from support.tui import png, screen_text, wait_until, write_notebook
from textual.pilot import Pilot
from textual.widgets import Static
from textual_image.widget import SixelImage, TGPImage

from runt_tui.client import AsyncSession
from runt_tui.render import ImagePayload
from runt_tui.tui import graphics as images
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions, ImagesFlag


def image_output(data: str) -> dict[str, Any]:
    return {"output_type": "display_data", "metadata": {}, "data": {"image/png": data, "text/plain": "<Figure>"}}


CELLS = [("code", "figure"), ("code", "broken"), ("code", "x = 1")]
OUTPUTS = {0: [image_output(png(64, 48))], 1: [image_output(png(8, 8, broken=True))]}


@pytest.fixture(autouse=True)
def fresh_images_mode() -> Iterator[None]:
    """prepare_images keeps the resolved mode in a module global: start and end clean."""
    images.reset_images()
    yield
    images.reset_images()


@asynccontextmanager
async def opened(tmp_path: Path, mode: ImagesFlag, outputs: dict[int, list[dict[str, Any]]] | None = None,
                 size: tuple[int, int] = (80, 30)) -> AsyncIterator[tuple[NotebookApp, Pilot[None], AsyncSession]]:
    """The app on a notebook of image outputs, after `prepare_images(mode)` as `runt-tui` does."""
    images.prepare_images(mode)
    path = write_notebook(tmp_path / "nb.ipynb", CELLS, OUTPUTS if outputs is None else outputs)
    session = AsyncSession(path=path, name="alice", embedded=True, home=tmp_path / "home", kind="tui")
    app = NotebookApp(AppOptions(path=path, images=mode, start_kernel=False), session=session)
    try:
        async with app.run_test(size=size) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled)
            await pilot.pause(0.1)
            yield app, pilot, session
    finally:
        await session.close()


async def settle(app: NotebookApp, pilot: Pilot[None]) -> None:
    await wait_until(pilot, lambda: app.pane.settled)
    await pilot.pause(0.05)


async def use_it(app: NotebookApp, pilot: Pilot[None], session: AsyncSession) -> None:
    """Select, edit and leave the image cells: none of it may crash or hang."""
    ids = session.doc.cell_ids()
    for key, want in (("j", 1), ("j", 2), ("k", 1), ("k", 0)):
        await pilot.press(key)
        await settle(app, pilot)
        assert app.selected == ids[want]
    await pilot.press("enter")
    await settle(app, pilot)
    assert app.mode == "edit"
    await pilot.press("escape")
    await settle(app, pilot)
    assert app.mode == "command"


def image_widgets(app: NotebookApp, cell_id: str) -> list[Any]:
    widget = app.pane.widget_for(cell_id)
    assert widget is not None
    return list(widget.query(".cell-image"))


async def test_kitty_draws_with_the_terminal_graphics_protocol(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    async with opened(tmp_path, "kitty") as (app, pilot, session):
        ids = session.doc.cell_ids()
        assert app.view_flags().images == "kitty"
        await wait_until(pilot, lambda: bool(image_widgets(app, ids[0])) and bool(image_widgets(app, ids[1])))
        [figure] = image_widgets(app, ids[0])
        assert isinstance(figure, TGPImage)
        cols, rows = images.image_cells(ImagePayload.probe("image/png", png(64, 48)))
        assert (figure.size.width, figure.size.height) == (cols, rows)
        # The corrupt PNG fails when decoded for the widget, and says so in one line.
        [broken] = image_widgets(app, ids[1])
        assert isinstance(broken, Static)
        assert "[image/png 8×8" in screen_text(app) and "cannot draw" in screen_text(app)
        await use_it(app, pilot, session)
    # textual-image sent the pixels to the terminal (here: pytest's captured fd 1).
    assert "\x1b_G" in capfd.readouterr().out


async def test_sixel_draws_sixel_data(tmp_path: Path) -> None:
    async with opened(tmp_path, "sixel") as (app, pilot, session):
        ids = session.doc.cell_ids()
        assert app.view_flags().images == "sixel"
        await wait_until(pilot, lambda: bool(image_widgets(app, ids[0])))
        await pilot.pause(0.1)
        [figure] = image_widgets(app, ids[0])
        assert isinstance(figure, SixelImage)
        # The sixel encoder's output (a DCS "q" sequence) is part of the painted screen.
        assert "\x1bP" in screen_text(app)
        await wait_until(pilot, lambda: "cannot draw" in screen_text(app))
        await use_it(app, pilot, session)


async def test_halfblock_draws_in_text(tmp_path: Path) -> None:
    async with opened(tmp_path, "halfblock") as (app, pilot, session):
        ids = session.doc.cell_ids()
        assert app.view_flags().images == "halfblock"
        text = screen_text(app)
        assert "▀" in text
        assert "cannot decode" in text  # the corrupt PNG, as a placeholder line
        assert image_widgets(app, ids[0]) == []
        await use_it(app, pilot, session)


async def test_none_shows_the_placeholder(tmp_path: Path) -> None:
    async with opened(tmp_path, "none") as (app, pilot, session):
        ids = session.doc.cell_ids()
        assert app.view_flags().images == "none"
        text = screen_text(app)
        assert "[image/png 64×48," in text
        assert "[image/png 8×8," in text
        assert "▀" not in text
        assert image_widgets(app, ids[0]) == [] and image_widgets(app, ids[1]) == []
        await use_it(app, pilot, session)


def test_auto_without_a_terminal_or_inside_tmux_is_halfblock(monkeypatch: pytest.MonkeyPatch) -> None:
    assert images.prepare_images("auto") == "halfblock"  # pytest's stdout is no terminal
    monkeypatch.setattr(images, "_is_terminal", lambda: True)
    monkeypatch.setattr(ti_renderable, "Image", ti_renderable.TGPImage)
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    assert images.prepare_images("auto") == "halfblock"


@pytest.mark.parametrize("found,expected", [("TGPImage", "kitty"), ("SixelImage", "sixel"),
                                            ("HalfcellImage", "halfblock"), ("UnicodeImage", "halfblock")])
def test_auto_follows_the_terminal_capability(monkeypatch: pytest.MonkeyPatch, found: str, expected: str) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setattr(images, "_is_terminal", lambda: True)
    monkeypatch.setattr(ti_renderable, "Image", getattr(ti_renderable, found))
    assert images.prepare_images("auto") == expected
    assert images.resolved_mode() == expected


@pytest.mark.parametrize("found,widget_type", [("TGPImage", TGPImage), ("SixelImage", SixelImage)])
async def test_auto_in_a_graphics_terminal_draws_pixels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        found: str, widget_type: type) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setattr(images, "_is_terminal", lambda: True)
    monkeypatch.setattr(ti_renderable, "Image", getattr(ti_renderable, found))
    async with opened(tmp_path, "auto") as (app, pilot, session):
        ids = session.doc.cell_ids()
        await wait_until(pilot, lambda: bool(image_widgets(app, ids[0])))
        assert isinstance(image_widgets(app, ids[0])[0], widget_type)
        await use_it(app, pilot, session)


@pytest.mark.parametrize("mode", ["kitty", "sixel"])
async def test_a_5_mb_image_is_shrunk_once_and_keeps_its_aspect(tmp_path: Path, mode: ImagesFlag) -> None:
    outputs = {0: [image_output(png(1300, 1300, noise=True))]}
    async with opened(tmp_path, mode, outputs) as (app, pilot, session):
        ids = session.doc.cell_ids()
        await wait_until(pilot, lambda: bool(image_widgets(app, ids[0])))
        [figure] = image_widgets(app, ids[0])
        cell_w, cell_h = images.cell_size()
        cols, rows = figure.styles.width.value, figure.styles.height.value
        assert rows <= images.MAX_ROWS and cols <= images.MAX_COLS
        assert abs(cols * cell_w - rows * cell_h) <= cell_w  # square on screen
        # The widget holds the bitmap at screen size, not 1300×1300.
        assert figure.image.size == (int(cols) * cell_w, int(rows) * cell_h)
        await use_it(app, pilot, session)


def test_image_cells_keeps_the_aspect_within_bounds() -> None:
    cell_w, cell_h = images.cell_size()
    wide = ImagePayload.probe("image/png", png(4000, 100))
    cols, rows = images.image_cells(wide, max_cols=70)
    assert cols == 70 and rows >= 1
    tall = ImagePayload.probe("image/png", png(50, 3000))
    cols, rows = images.image_cells(tall)
    assert rows == images.MAX_ROWS and cols * cell_w <= 50 * rows * cell_h / 3000 + cell_w
    tiny = ImagePayload.probe("image/png", png(3, 2))
    assert images.image_cells(tiny) == (1, 1)


@pytest.mark.parametrize("mode", ["kitty", "sixel"])
async def test_pixel_images_keep_their_place_between_text_outputs(tmp_path: Path, mode: ImagesFlag) -> None:
    def stream(text: str) -> dict[str, Any]:
        return {"output_type": "stream", "name": "stdout", "text": text}

    outputs = {0: [stream("BEFORE the figure\n"), image_output(png(64, 48)), stream("AFTER the figure\n"),
                   image_output(png(32, 32)), {"output_type": "execute_result", "execution_count": 1,
                                               "metadata": {}, "data": {"text/plain": "'LAST'"}}]}
    async with opened(tmp_path, mode, outputs=outputs, size=(80, 60)) as (app, pilot, session):
        cid = session.doc.cell_ids()[0]
        widget = app.pane.widget_for(cid)
        assert widget is not None
        await wait_until(pilot, lambda: len(image_widgets(app, cid)) == 2)
        await pilot.pause(0.1)
        first, second = image_widgets(app, cid)
        after = list(widget.query(".cell-after-image"))
        assert len(after) == 2
        rows = {line: y for y, line in enumerate(screen_text(app).splitlines())}

        def row_of(needle: str) -> int:
            return next(y for line, y in rows.items() if needle in line)

        assert row_of("BEFORE the figure") < first.region.y
        assert first.region.bottom <= row_of("AFTER the figure") < second.region.y
        assert second.region.bottom <= row_of("'LAST'")
        await use_it(app, pilot, session)
