"""Helpers for tests and benchmarks of the app (no pytest import here): screen text, waiting, notebooks, PNGs."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot


def screen_text(app: App[object]) -> str:
    """The screen as plain text, one line per row (what a user would read)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


@contextlib.contextmanager
def layouts_counted(app: App[object]) -> Iterator[list[object]]:
    """Record each layout of the screen (Textual's `_refresh_layout`) while the block runs."""
    layouts: list[object] = []
    screen = app.screen
    refresh_layout = screen._refresh_layout

    def counted(*args: Any, **kwargs: Any) -> None:
        layouts.append(args)
        refresh_layout(*args, **kwargs)

    screen._refresh_layout = counted  # type: ignore[method-assign]
    try:
        yield layouts
    finally:
        del screen._refresh_layout  # the class's method again


async def wait_until(pilot: Pilot[object], predicate: Callable[[], object], timeout: float = 30.0) -> None:
    """Let the app run until `predicate()` is true; raise AssertionError after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(predicate, '__name__', predicate)}")
        await pilot.pause(0.02)


async def palette_run(app: App[object], pilot: Pilot[object], title: str, timeout: float = 30.0) -> None:
    """Open the command palette, type `title`, and press Enter once its first match is that command.

    The palette searches in the background: Enter before the match is listed picks nothing.
    """
    from textual.command import CommandList, CommandPalette

    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), timeout)
    await pilot.press(*title)

    def first_match() -> bool:
        options = app.screen.query(CommandList)
        if not options:
            return False
        found = options.first()
        index = found.highlighted
        return index is not None and title.lower() in str(found.get_option_at_index(index).prompt).lower()

    await wait_until(pilot, first_match, timeout)
    await pilot.press("enter")


def write_notebook(path: Path, cells: list[tuple[str, str]], outputs: dict[int, list[dict[str, Any]]] | None = None) -> Path:
    """Write a small notebook of (cell_type, source) pairs, with optional outputs by index."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

    made = []
    for i, (kind, source) in enumerate(cells):
        if kind == "code":
            cell = new_code_cell(source, outputs=[nbformat.from_dict(o) for o in (outputs or {}).get(i, [])])
            if (outputs or {}).get(i):
                cell.execution_count = i + 1
        elif kind == "markdown":
            cell = new_markdown_cell(source)
        else:
            cell = new_raw_cell(source)
        cell.id = f"cell{i:03d}"
        made.append(cell)
    nb = new_notebook(cells=made, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, str(path))
    return path


def png(width: int, height: int, *, noise: bool = False, broken: bool = False) -> str:
    """A base64 RGB PNG: a gradient, random pixels (stored, not deflated: big and cheap to make), or a valid header over a corrupt body."""
    if noise:
        rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    else:
        rows = b"".join(
            b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128)) for x in range(width))
            for y in range(height)
        )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = b"definitely not zlib" if broken else zlib.compress(rows, 0 if noise else 6)
    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    return base64.b64encode(raw).decode()
