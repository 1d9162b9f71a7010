"""Which drawn rows of a cell changed: a remote keystroke repaints one row, not the cell and the screen's layout."""

from __future__ import annotations

from rich.segment import Segment

Rows = list[list[Segment]]


def changed_rows(old: Rows, new: Rows) -> list[int] | None:
    """Indices of the rows that differ, or None when the number of rows changed (the height moves)."""
    if len(old) != len(new):
        return None
    return [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
