"""Which drawn rows changed: a keystroke repaints one row, not the cell (nor the screen's layout)."""

from __future__ import annotations

from rich.segment import Segment

Rows = list[list[Segment]]
# One highlight of an editor line, as Textual's TextArea keeps them: start, end (None: to the end), name.
Highlight = tuple[int, int | None, str]


def changed_rows(old: Rows, new: Rows) -> list[int] | None:
    """Indices of the rows that differ, or None when the number of rows changed (the height moves)."""
    if len(old) != len(new):
        return None
    return [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]


def changed_lines(
    old: list[str], old_marks: dict[int, list[Highlight]], new: list[str], new_marks: dict[int, list[Highlight]]
) -> set[int] | None:
    """Editor lines whose text or highlights differ, or None when lines were added or removed."""
    if len(old) != len(new):
        return None
    return {
        i for i, (a, b) in enumerate(zip(old, new, strict=True))
        if a != b or old_marks.get(i, []) != new_marks.get(i, [])
    }
