"""Vi motions and the text ranges operators act on (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from runt_tui.tui.vi.text import (
    at_column,
    char_class,
    first_nonblank,
    last_row,
    line_end,
    line_start,
    next_word,
    prev_word,
    row_of,
    row_start,
    word_end,
)

EXCLUSIVE, INCLUSIVE, LINEWISE = "exclusive", "inclusive", "linewise"
# The wanted column after `$`: the end of every line j / k reach.
END_COLUMN = 1 << 30

MOTIONS = frozenset({
    "h", "l", "j", "k", "w", "b", "e", "W", "B", "E", "0", "^", "$", "gg", "G", " ", "backspace", "enter", "-",
    "f", "F", "t", "T",
})


@dataclass(frozen=True)
class Motion:
    """Where a motion lands, how an operator takes the text up to there, the column j / k keep."""

    target: int
    kind: str
    column: int | None = None


def _repeat(fn: object, text: str, pos: int, count: int, big: bool) -> int:
    for _ in range(count):
        pos = fn(text, pos, big)  # type: ignore[operator]
    return pos


def _vertical(text: str, pos: int, rows: int, column: int | None) -> Motion | None:
    row = row_of(text, pos)
    target_row = max(0, min(last_row(text), row + rows))
    if target_row == row:
        return None
    want = column if column is not None else pos - line_start(text, pos)
    return Motion(at_column(text, target_row, want), LINEWISE, want)


def _to_row(text: str, row: int) -> Motion:
    start = row_start(text, max(0, min(row, last_row(text))))
    return Motion(first_nonblank(text, start), LINEWISE)


def _horizontal(text: str, pos: int, key: str, count: int) -> Motion | None:
    start, end = line_start(text, pos), line_end(text, pos)
    if key in ("h", "backspace"):
        return None if pos <= start else Motion(max(start, pos - count), EXCLUSIVE)
    if pos >= end:
        return None
    return Motion(min(end, pos + count), EXCLUSIVE)


def _line_end_motion(text: str, pos: int, count: int) -> Motion:
    row = min(last_row(text), row_of(text, pos) + count - 1)
    start = row_start(text, row)
    end = line_end(text, start)
    if end == start:
        return Motion(start, EXCLUSIVE, END_COLUMN)
    return Motion(end - 1, INCLUSIVE, END_COLUMN)


def _find(text: str, pos: int, key: str, count: int, char: str) -> Motion | None:
    """`f` / `t` (forwards) and `F` / `T` (backwards): the count-th `char` on the line."""
    start, end = line_start(text, pos), line_end(text, pos)
    at = pos
    for _ in range(count):
        at = text.find(char, at + 1, end) if key in "ft" else text.rfind(char, start, at)
        if at < 0:
            return None
    if key == "f":
        return Motion(at, INCLUSIVE)
    if key == "t":
        return Motion(at - 1, INCLUSIVE) if at - 1 > pos else None
    return Motion(at if key == "F" else at + 1, EXCLUSIVE)


def move(
    text: str, pos: int, key: str, count: int, has_count: bool, column: int | None, arg: str = "",
) -> Motion | None:
    """Where motion `key` (repeated `count` times) takes the cursor at `pos`; None when it cannot move."""
    if key in ("f", "F", "t", "T"):
        return _find(text, pos, key, count, arg)
    if key in ("h", "l", " ", "backspace"):
        return _horizontal(text, pos, key, count)
    if key in ("j", "k"):
        return _vertical(text, pos, count if key == "j" else -count, column)
    if key in ("w", "W"):
        return Motion(_repeat(next_word, text, pos, count, key == "W"), EXCLUSIVE)
    if key in ("b", "B"):
        return Motion(_repeat(prev_word, text, pos, count, key == "B"), EXCLUSIVE)
    if key in ("e", "E"):
        return Motion(_repeat(word_end, text, pos, count, key == "E"), INCLUSIVE)
    if key == "0":
        return Motion(line_start(text, pos), EXCLUSIVE)
    if key == "^":
        return Motion(first_nonblank(text, line_start(text, pos)), EXCLUSIVE)
    if key == "$":
        return _line_end_motion(text, pos, count)
    if key in ("enter", "-"):
        row = row_of(text, pos) + (count if key == "enter" else -count)
        return _to_row(text, row) if 0 <= row <= last_row(text) else None
    if key == "gg":
        return _to_row(text, count - 1 if has_count else 0)
    if key == "G":
        return _to_row(text, count - 1 if has_count else last_row(text))
    return None


def change_word_end(text: str, pos: int, count: int, big: bool) -> Motion:
    """`cw` on a word changes to the end of the word (not the blanks after it), as vim does."""
    cls = char_class(text[pos], big)
    at_end = pos + 1 >= len(text) or char_class(text[pos + 1], big) != cls
    end = pos if at_end else word_end(text, pos, big)
    return Motion(_repeat(word_end, text, end, count - 1, big), INCLUSIVE)


def word_for_operator(text: str, pos: int, motion: Motion) -> Motion:
    """`dw` at the last word of a line stops at the line's end, not at the next line's first word."""
    target = motion.target
    if target <= pos or line_start(text, target) == line_start(text, pos):
        return motion
    start = line_start(text, target)
    if first_nonblank(text, start) >= target:
        return Motion(max(pos, start - 1), EXCLUSIVE)
    return motion


def span(text: str, pos: int, motion: Motion) -> tuple[int, int, bool]:
    """The text an operator takes from `pos` to a motion's target: (start, end, linewise)."""
    a, b = sorted((pos, motion.target))
    if motion.kind == LINEWISE:
        start, end = line_start(text, a), line_end(text, b)
        return start, min(len(text), end + 1), True
    if motion.kind == INCLUSIVE:
        return a, min(len(text), b + 1), False
    return a, b, False


def line_span(text: str, pos: int, count: int) -> tuple[int, int] | None:
    """`count` whole lines from the one at `pos`: (start, end with its newline); None past the end."""
    row = row_of(text, pos)
    if row + count - 1 > last_row(text):
        return None
    start = line_start(text, pos)
    end = line_end(text, row_start(text, row + count - 1))
    return start, min(len(text), end + 1)
