"""The output pane's content as lines: text outputs kept as raw lines (drawn lazily), others as blocks.

Pure (no Textual): a 20 MB stream becomes a list of strings once, grows by
its new tail when the running cell prints more, and only the lines on screen
are ever turned into Rich Text. Rich outputs (images, tables, markdown) are
rendered by the widget and stand here as blocks of a known height.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.cells import cell_len

from runt_tui.render.sanitize import strip_controls
from runt_tui.render.stream import fold_line
from runt_tui.tui.output_text import search_lines


def _text(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


@dataclass
class Block:
    """A rich output: index of the output it renders, and its height once rendered."""

    output: int
    height: int = 1


Line = str | tuple[Block, int]  # a raw text line, or row n of a block


def is_text(output: Mapping[str, Any]) -> bool:
    """Outputs shown as plain (ANSI-coloured) lines: streams, errors, text-only results."""
    kind = output.get("output_type")
    if kind in ("stream", "error"):
        return True
    data = output.get("data")
    return isinstance(data, dict) and set(data) <= {"text/plain"}


def text_lines(output: Mapping[str, Any]) -> list[str]:
    """A text output's raw lines (SGR kept, drawn through the sanitizer later)."""
    kind = output.get("output_type")
    if kind == "stream":
        text = _text(output.get("text"))
    elif kind == "error":
        trace = output.get("traceback")
        text = "\n".join(str(t) for t in trace) if isinstance(trace, list) and trace else f"{output.get('ename')}: {output.get('evalue')}"
    else:
        text = _text((output.get("data") or {}).get("text/plain"))
    lines = text.split("\n")
    if len(lines) > 1 and not lines[-1]:  # a final newline ends the last line (no copy of a big text)
        lines.pop()
    return lines


@dataclass
class OutputLines:
    """Every line of one cell's outputs, with incremental growth for a stream being printed."""

    outputs: list[Mapping[str, Any]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    # Where each output's lines start, and the output's text length when it was split.
    starts: list[int] = field(default_factory=list)
    _sizes: list[int] = field(default_factory=list)
    _plain: dict[int, str] = field(default_factory=dict)
    # The longest text line seen (in code points; escapes counted): the width to scroll sideways.
    widest: int = 0

    def _extend(self, lines: list[str]) -> None:
        if lines:
            self.widest = max(self.widest, max(map(len, lines)))
        self.lines.extend(lines)

    def set_outputs(self, outputs: Sequence[Mapping[str, Any]], heights: Mapping[int, int]) -> int:
        """Take the cell's outputs; returns the first line that changed (len(lines) if none).

        Outputs equal to those held are kept; a stream that only grew is extended
        by its new tail, so a long print costs what it added, not what it holds.
        """
        keep, common = 0, min(len(self.outputs), len(outputs))
        while keep < common and (self.outputs[keep] is outputs[keep] or self.outputs[keep] == outputs[keep]):
            keep += 1
        if keep == len(self.outputs) == len(outputs):
            return len(self.lines)
        grown = self._grown_stream(outputs, keep)
        if grown is not None:
            return grown
        first = self.starts[keep] if keep < len(self.starts) else len(self.lines)
        del self.lines[first:]
        del self.starts[keep:]
        del self._sizes[keep:]
        self._plain = {k: v for k, v in self._plain.items() if k < first}
        self.outputs = list(outputs)
        for i in range(keep, len(outputs)):
            self._append(i, outputs[i], heights.get(i, 1))
        return first

    def _grown_stream(self, outputs: Sequence[Mapping[str, Any]], keep: int) -> int | None:
        last = len(self.outputs) - 1
        if keep != last or len(outputs) != len(self.outputs) or last < 0:
            return None
        old, new = self.outputs[last], outputs[last]
        if old.get("output_type") != "stream" or new.get("output_type") != "stream" or old.get("name") != new.get("name"):
            return None
        old_text, new_text = _text(old.get("text")), _text(new.get("text"))
        if len(new_text) < len(old_text) or not new_text.startswith(old_text):
            return None
        if old_text.endswith("\n"):
            first, tail = len(self.lines), new_text[len(old_text):]
        else:  # the last line held was partial: split it again with what follows
            first, tail = len(self.lines) - 1, new_text[old_text.rfind("\n") + 1:]
        added = bool(tail) or not old_text.endswith("\n")
        if tail.endswith("\n"):
            tail = tail[:-1]
        del self.lines[first:]
        self._plain = {k: v for k, v in self._plain.items() if k < first}
        if added:
            self._extend(tail.split("\n"))
        self.outputs[last] = new
        self._sizes[last] = len(new_text)
        return first

    def _append(self, index: int, output: Mapping[str, Any], height: int) -> None:
        self.starts.append(len(self.lines))
        if is_text(output):
            self._extend(text_lines(output))
            self._sizes.append(len(_text(output.get("text"))))
        else:
            block = Block(index, max(1, height))
            self.lines.extend((block, row) for row in range(block.height))
            self._sizes.append(0)

    def plain(self, index: int, block_text: Mapping[int, list[str]] | None = None) -> str:
        """Line `index` as a reader sees it (escapes applied and removed)."""
        hit = self._plain.get(index)
        if hit is not None:
            return hit
        line = self.lines[index]
        if isinstance(line, str):
            text = strip_controls(fold_line(line)) if ("\x1b" in line or "\r" in line or "\b" in line) else line
        else:
            rows = (block_text or {}).get(line[0].output) or []
            text = rows[line[1]] if line[1] < len(rows) else ""
        self._plain[index] = text
        return text

    def search(self, query: str, block_text: Mapping[int, list[str]] | None = None) -> list[tuple[int, int]]:
        """Every match of `query` as (line, column)."""
        return search_lines([self.plain(i, block_text) for i in range(len(self.lines))], query)


def wrap_starts(lines: OutputLines, width: int) -> list[int]:
    """The first screen row of each line when long text lines wrap at `width` (plus the total at the end)."""
    width = max(1, width)
    starts = [0] * (len(lines.lines) + 1)
    row = 0
    for i, line in enumerate(lines.lines):
        starts[i] = row
        if isinstance(line, str):
            plain = lines.plain(i)
            cells = len(plain) if plain.isascii() else cell_len(plain)
            row += max(1, -(-cells // width))
        else:
            row += 1
    starts[-1] = row
    return starts
