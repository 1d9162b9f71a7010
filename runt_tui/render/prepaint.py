"""The pre-paint's frame: a notebook's first screenful as plain ANSI text, drawn before Textual loads.

Pure functions, no Rich and no Textual (importing Rich alone costs ~30 ms of a
~100 ms budget): `sketch_cells` takes what `json.loads` made of a file and keeps
what a first screen shows; `frame` lays it out as the app's first frame does at
that size (the selected cell's accent bar, the six-column prompt gutter, sources,
text outputs, the side pane's border and background, the status bar saying
READ-ONLY and connecting), so that the app's first real frame replaces it without
a visible jump. Markdown is shown as its text (headings without their #s),
rich outputs as their text/plain and images not at all: the app's frame redraws
them a moment later. Every string from the notebook goes through sanitize.py.
"""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass
from typing import Any

from runt_tui.render.nbtext import text_of
from runt_tui.render.sanitize import strip_controls, visible_controls

GUTTER = 6  # the app's prompt gutter: "  [12]" then the source
# The app's colours in the 256-colour palette (textual-dark, as Textual draws them there).
BG, SOURCE_BG, SIDE_BG, STATUS_BG, TRACK_BG = 233, 232, 234, 17, 16
TEXT, CODE, COMMENT, PROMPT, ACCENT, BORDER, HEADING, MUTED = 253, 231, 244, 246, 214, 239, 197, 247
# Synchronized output (mode 2026): terminals that know it show the frame at once, others ignore it.
SYNC_START, SYNC_END = "\x1b[?2026h", "\x1b[?2026l"
_CELL_TYPES = ("code", "markdown", "raw")
_MAX_LINES_PER_CELL = 200  # the source lines kept per cell: more never fit on a screen


@dataclass(frozen=True)
class Sketch:
    """What the pre-paint draws of one cell."""

    cell_type: str
    source: str
    execution_count: int | None
    outputs: tuple[str, ...]  # the text of each output, in order


def _output_text(output: Any) -> str:
    """The text an output shows before the app renders it richly ("" for an image or unknown)."""
    if not isinstance(output, dict):
        return ""
    kind = output.get("output_type")
    if kind == "stream":
        return text_of(output.get("text")) or ""
    if kind == "error":
        return "\n".join(t for t in output.get("traceback") or [] if isinstance(t, str))
    data = output.get("data")
    if isinstance(data, dict):
        return text_of(data.get("text/plain")) or ""
    return ""


def sketch_cells(nb: Any, limit: int) -> list[Sketch] | str:
    """The first `limit` cells of a parsed nbformat-4 notebook, or why it is not one.

    Anything unexpected is a reason, never an exception: the app reports the file
    itself (the pre-paint only ever skips).
    """
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        return "not an nbformat 4 notebook"
    cells: list[Sketch] = []
    for cell in nb["cells"][:limit]:
        if not isinstance(cell, dict) or cell.get("cell_type") not in _CELL_TYPES:
            return "a cell that is not a notebook cell"
        source = text_of(cell.get("source"))
        if source is None:
            return "a cell whose source is not text"
        count = cell.get("execution_count")
        outputs = cell.get("outputs") if cell["cell_type"] == "code" else None
        texts = tuple(_output_text(o) for o in outputs) if isinstance(outputs, list) else ()
        cells.append(Sketch(cell["cell_type"], source, count if isinstance(count, int) else None, texts))
    return cells


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def _fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` terminal columns."""
    if text.isascii():
        return text[:width].ljust(width)
    out, used = [], 0
    for c in text:
        w = _width(c)
        if used + w > width:
            break
        out.append(c)
        used += w
    return "".join(out) + " " * (width - used)


def _sgr(fg: int, bg: int, extra: str = "") -> str:
    return f"\x1b[0;{extra}38;5;{fg};48;5;{bg}m"


def _markdown_lines(source: str, width: int) -> list[tuple[str, str]]:
    """Markdown as the app's paragraphs: headings without #s, paragraphs wrapped to `width`."""
    out: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.extend((line, "") for line in textwrap.wrap(" ".join(paragraph), max(1, width)) or [""])
            out.append(("", ""))
            paragraph.clear()

    for raw in source.split("\n"):
        line = raw.strip()
        if line.startswith("#"):
            flush()
            out.append((line.lstrip("#").strip(), "heading"))
            out.append(("", ""))
        elif not line:
            flush()
        else:
            paragraph.append(line)
    flush()
    while out and not out[-1][0]:
        out.pop()
    return out


def cell_rows(cell: Sketch, width: int) -> list[str]:
    """One cell as rows of exactly `width` columns (gutter included, selection bar excluded)."""
    body = max(1, width - GUTTER)
    rows: list[str] = []
    pad = _sgr(TEXT, BG) + " " * GUTTER
    if cell.cell_type == "markdown" and not cell.source.strip():
        rows.append(pad + _sgr(PROMPT, BG, "3;") + _fit("empty markdown cell — Enter to edit", body))
    elif cell.cell_type == "markdown":
        for text, kind in _markdown_lines(strip_controls(cell.source), body):
            style = _sgr(HEADING, BG, "4;") if kind == "heading" else _sgr(TEXT, BG)
            rows.append(pad + style + _fit(text, body))
    else:
        lines = visible_controls(cell.source).split("\n")[:_MAX_LINES_PER_CELL] or [""]
        label = f"[{cell.execution_count if cell.execution_count is not None else ' '}]"
        prompt = _sgr(PROMPT, BG) + label.rjust(GUTTER - 1)[-(GUTTER - 1):] + " " if cell.cell_type == "code" else pad
        for i, line in enumerate(lines):
            style = _sgr(COMMENT if line.lstrip().startswith("#") else CODE, SOURCE_BG)
            text = _fit(line.replace("\t", "    "), body)
            used = len(text.rstrip())
            rows.append((prompt if i == 0 else pad) + style + text[:used] + _sgr(TEXT, BG) + text[used:])
        for output in cell.outputs:
            text = strip_controls(output).replace("\t", "    ").rstrip("\n")
            if text:
                rows.extend(pad + _sgr(TEXT, BG) + _fit(line, body) for line in text.split("\n")[:_MAX_LINES_PER_CELL])
    rows.append(_sgr(TEXT, BG) + " " * width)  # the cell's bottom padding
    return rows


def status_row(width: int, title: str) -> str:
    """The app's status bar while it connects: READ-ONLY, the file's name."""
    left = [(_sgr(TEXT, STATUS_BG, "7;"), " CMD "), (_sgr(TEXT, STATUS_BG, "1;"), " READ-ONLY "),
            (_sgr(TEXT, STATUS_BG), " "), (_sgr(TEXT, STATUS_BG, "1;"), "kernel "),
            (_sgr(MUTED, STATUS_BG), "● none"), (_sgr(TEXT, STATUS_BG), "  "), (_sgr(112, STATUS_BG), "saved"),
            (_sgr(196, STATUS_BG, "1;7;"), "  connecting")]
    used = sum(len(t) for _, t in left)
    name = strip_controls(title, one_line=True)
    rest = _fit(f"  {name}" if name else "", max(0, width - used))
    line = "".join(s + t for s, t in left) + _sgr(MUTED, STATUS_BG) + rest
    return line if used <= width else _sgr(TEXT, STATUS_BG) + _fit(" CMD  READ-ONLY  connecting", width)


def frame(cells: list[Sketch], width: int, height: int, cells_width: int, title: str) -> str:
    """The whole screen: `cells_width` columns of cells (from column 0), the side pane beside them,
    the status bar on the last row. Rows are positioned absolutely (no scrolling, no wrap)."""
    cells_width = max(GUTTER + 4, min(cells_width, width))
    inner = cells_width - 3  # the selection bar, the right border, the scrollbar
    rows: list[str] = []
    for index, cell in enumerate(cells):
        bar = _sgr(ACCENT, BG) + "▌" if index == 0 else _sgr(TEXT, BG) + " "
        rows.extend(bar + row + _sgr(TEXT, BG) + " " for row in cell_rows(cell, inner))
        if len(rows) >= height - 1:
            break
    rows = rows[: height - 1]
    rows += [_sgr(TEXT, BG) + " " * (inner + 2)] * (height - 1 - len(rows))
    side = ""
    if width > cells_width:
        side = _sgr(BORDER, BG) + "▏" + _sgr(TEXT, SIDE_BG) + " " * (width - cells_width - 1)
    # The status bar first: a terminal showing part of the frame never shows cells without it.
    out = [f"\x1b[{height};1H" + status_row(width, title)]
    out += [f"\x1b[{y + 1};1H" + row + _sgr(TEXT, TRACK_BG) + " " + side for y, row in enumerate(rows)]
    return SYNC_START + "".join(out) + "\x1b[0m" + SYNC_END
