"""Helpers for tests and benchmarks of the app (no pytest import here)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot


def screen_text(app: App[object]) -> str:
    """The screen as plain text, one line per row (what a user would read)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


async def wait_until(pilot: Pilot[object], predicate: Callable[[], object], timeout: float = 30.0) -> None:
    """Let the app run until `predicate()` is true; raise AssertionError after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(predicate, '__name__', predicate)}")
        await pilot.pause(0.02)


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
