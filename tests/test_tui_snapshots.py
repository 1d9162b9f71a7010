"""SVG snapshots of the app (baselines in snapshots/, half-block images, fixed sizes).

Update the baselines with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import base64
import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension
from support.tui import wait_until, write_notebook
from textual.pilot import Pilot

from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"


@pytest.fixture(autouse=True)
def baselines_in_snapshots_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the SVG baselines in the repository's snapshots/ directory."""

    def dirname(cls: type, *, test_location: Any) -> str:
        return str(SNAPSHOTS / Path(test_location.filepath).stem)

    monkeypatch.setattr(SVGImageExtension, "dirname", classmethod(dirname))


@pytest.fixture
def home() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def png(width: int, height: int) -> str:
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128)) for x in range(width))
        for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()


TOUR = [
    ("markdown", "# Tour\nA *shared* notebook: `j`/`k` move, **Enter** edits."),
    ("code", "import sys\nprint('hello from the kernel')\nprint('careful', file=sys.stderr)"),
    ("code", "def area(r):\n    return 3.14159 * r ** 2\n\narea(2)"),
    ("raw", "raw cell text"),
]
TOUR_OUTPUTS: dict[int, list[dict[str, Any]]] = {
    1: [
        {"output_type": "stream", "name": "stdout", "text": "hello from the kernel\n"},
        {"output_type": "stream", "name": "stderr", "text": "careful\n"},
    ],
    2: [{"output_type": "execute_result", "execution_count": 3, "metadata": {}, "data": {"text/plain": "12.56636"}}],
}

GALLERY = [
    ("code", "print(stream)"),
    ("code", "raise ValueError"),
    ("code", "display(markdown, html)"),
    ("code", "display(json, latex)"),
    ("code", "display(image)"),
    ("code", "display(unknown)"),
    ("code", "for i in range(300): print(i)"),
]
GALLERY_OUTPUTS: dict[int, list[dict[str, Any]]] = {
    0: [{"output_type": "stream", "name": "stdout", "text": "progress 100%\n\x1b[32mgreen\x1b[0m text\n"}],
    1: [{"output_type": "error", "ename": "ValueError", "evalue": "bad value",
         "traceback": ["\x1b[0;31mValueError\x1b[0m: bad value"]}],
    2: [
        {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": "## Heading\n- one\n- two"}},
        {"output_type": "display_data", "metadata": {}, "data": {
            "text/html": "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>",
            "text/plain": "table"}},
    ],
    3: [
        {"output_type": "display_data", "metadata": {}, "data": {"application/json": {"k": [1, 2], "ok": True}}},
        {"output_type": "display_data", "metadata": {}, "data": {"text/latex": r"$\alpha + \beta^2$"}},
    ],
    4: [{"output_type": "display_data", "metadata": {}, "data": {"image/png": png(48, 24), "text/plain": "<Figure>"}}],
    5: [{"output_type": "display_data", "metadata": {}, "data": {"application/x-unknown": "???"}}],
    6: [{"output_type": "stream", "name": "stdout", "text": "".join(f"{i}\n" for i in range(300))}],
}


def make_app(home: Path, cells: list[tuple[str, str]], outputs: dict[int, list[dict[str, Any]]],
             theme: str | None = None, layout: str = "cells") -> NotebookApp:
    path = write_notebook(home / "notebook.ipynb", cells, outputs)
    options = AppOptions(path=path, name="alice", embedded=True, home=home / "state", images="halfblock",
                         start_kernel=False, theme=theme, layout=layout)  # type: ignore[arg-type]
    return NotebookApp(options)


async def settled(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, NotebookApp)
    await wait_until(pilot, lambda: app.ready and app.pane.settled)
    await pilot.pause(0.2)


def test_tour_command_mode(snap_compare: Any, home: Path) -> None:
    assert snap_compare(make_app(home, TOUR, TOUR_OUTPUTS), terminal_size=(80, 24), run_before=settled)


def test_tour_light_theme(snap_compare: Any, home: Path) -> None:
    app = make_app(home, TOUR, TOUR_OUTPUTS, theme="textual-light")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled)


def test_edit_mode(snap_compare: Any, home: Path) -> None:
    async def edit(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.press("j", "j", "enter")
        await pilot.pause(0.2)

    assert snap_compare(make_app(home, TOUR, TOUR_OUTPUTS), terminal_size=(80, 24), run_before=edit)


def test_help_screen(snap_compare: Any, home: Path) -> None:
    async def show_help(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(make_app(home, TOUR, TOUR_OUTPUTS), terminal_size=(80, 24), run_before=show_help)


def test_output_gallery(snap_compare: Any, home: Path) -> None:
    assert snap_compare(make_app(home, GALLERY, GALLERY_OUTPUTS), terminal_size=(100, 60), run_before=settled)


def test_output_gallery_capped_stream(snap_compare: Any, home: Path) -> None:
    async def to_end(pilot: Pilot[None]) -> None:
        await settled(pilot)
        await pilot.press("end")
        await settled(pilot)

    assert snap_compare(make_app(home, GALLERY, GALLERY_OUTPUTS), terminal_size=(80, 24), run_before=to_end)


def test_outputs_layout(snap_compare: Any, home: Path) -> None:
    app = make_app(home, GALLERY, GALLERY_OUTPUTS, layout="outputs")
    assert snap_compare(app, terminal_size=(80, 40), run_before=settled)
