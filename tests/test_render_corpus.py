"""Every output and markdown cell of the real-notebook corpus renders without an exception."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from runt_tui.doc import NotebookFileError, read_notebook
from runt_tui.render import RenderOptions, render_markdown_cell, render_output

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(p for sub in ("real", "edge", "lenient") for p in (CORPUS / sub).rglob("*.ipynb"))


def _draw(renderable: object) -> str:
    console = Console(width=80, record=True, color_system="truecolor", file=io.StringIO())
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
@pytest.mark.parametrize("images", ["halfblock", "none"])
def test_corpus_outputs_render(path: Path, images: str) -> None:
    try:
        nb = read_notebook(path)
    except NotebookFileError:
        pytest.skip("refused at load (a lenient file)")
    options = RenderOptions(images=images)  # type: ignore[arg-type]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            _draw(render_markdown_cell(cell.source, cell.get("attachments"), width=80, options=options))
        for output in cell.get("outputs", []):
            text = _draw(render_output(dict(output), width=80, options=options).renderable)
            payload = json.dumps(output.get("data") or output.get("text") or output.get("traceback") or "")
            # Drawing is where Rich raises; nothing visible is only fine for empty or markup-only payloads.
            assert text.strip() or "<" in payload or payload in ('""', "[]", "{}"), output
