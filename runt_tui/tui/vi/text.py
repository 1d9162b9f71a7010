"""Positions in a cell's text for the vi engine: lines, columns, words (pure, code-point offsets)."""

from __future__ import annotations

_BLANK = " \t\n\r"


def line_start(text: str, pos: int) -> int:
    """Offset of the first character of the line holding `pos`."""
    return text.rfind("\n", 0, pos) + 1


def line_end(text: str, pos: int) -> int:
    """Offset of the newline ending the line holding `pos` (or the text's length)."""
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def row_of(text: str, pos: int) -> int:
    """The 0-based line number of `pos`."""
    return text.count("\n", 0, pos)


def last_row(text: str) -> int:
    """The 0-based number of the last line."""
    return text.count("\n")


def row_start(text: str, row: int) -> int:
    """Offset of the first character of line `row` (clamped to the last line)."""
    pos = 0
    for _ in range(max(0, row)):
        nl = text.find("\n", pos)
        if nl < 0:
            break
        pos = nl + 1
    return pos


def first_nonblank(text: str, start: int) -> int:
    """The first character of the line at `start` that is not a space or tab (the line end if none)."""
    i = start
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def indent_of(text: str, pos: int) -> str:
    """The leading spaces and tabs of the line holding `pos`."""
    start = line_start(text, pos)
    return text[start : first_nonblank(text, start)]


def clamp_normal(text: str, pos: int) -> int:
    """Where the cursor may rest in normal mode: on a character, never past a line's last one."""
    pos = max(0, min(pos, len(text)))
    start, end = line_start(text, pos), line_end(text, pos)
    return end - 1 if pos >= end > start else pos


def at_column(text: str, row: int, column: int) -> int:
    """Offset of `column` on line `row`, kept on the line's last character."""
    start = row_start(text, row)
    length = line_end(text, start) - start
    return start + max(0, min(column, length - 1))


def char_class(c: str, big: bool) -> int:
    """0 for blanks, 2 for word characters, 1 for other punctuation (1 for any non-blank if `big`)."""
    if c in _BLANK:
        return 0
    if big:
        return 1
    return 2 if c.isalnum() or c == "_" else 1


def _empty_line_at(text: str, i: int) -> bool:
    return text[i] == "\n" and (i == 0 or text[i - 1] == "\n")


def next_word(text: str, pos: int, big: bool = False) -> int:
    """`w`: the start of the next word (an empty line counts as one), or the text's end."""
    n = len(text)
    if pos >= n:
        return n
    i = pos
    cls = char_class(text[i], big)
    if cls:
        while i < n and char_class(text[i], big) == cls:
            i += 1
    elif _empty_line_at(text, i):
        i += 1
        if i < n and text[i] == "\n":
            return i
    while i < n and text[i] in _BLANK:
        if text[i] == "\n" and i + 1 < n and text[i + 1] == "\n":
            return i + 1
        i += 1
    return i


def word_end(text: str, pos: int, big: bool = False) -> int:
    """`e`: the last character of the word ending after `pos`."""
    n = len(text)
    i = pos + 1
    while i < n and text[i] in _BLANK:
        i += 1
    if i >= n:
        return max(0, n - 1)
    cls = char_class(text[i], big)
    while i + 1 < n and char_class(text[i + 1], big) == cls:
        i += 1
    return i


def prev_word(text: str, pos: int, big: bool = False) -> int:
    """`b`: the start of the word before `pos` (an empty line counts as one)."""
    i = pos - 1
    while i >= 0 and text[i] in _BLANK:
        if _empty_line_at(text, i):
            return i
        i -= 1
    if i < 0:
        return 0
    cls = char_class(text[i], big)
    while i > 0 and char_class(text[i - 1], big) == cls:
        i -= 1
    return i


def find_text(text: str, pattern: str, pos: int, forward: bool) -> tuple[int, bool] | None:
    """The next match of `pattern` after (or before) `pos`, wrapping; (offset, wrapped) or None.

    Case-insensitive while the pattern has no capital letter (vim's smartcase).
    """
    if not pattern:
        return None
    hay, needle = (text.lower(), pattern.lower()) if pattern == pattern.lower() else (text, pattern)
    if forward:
        found = hay.find(needle, pos + 1)
        if found >= 0:
            return found, False
        found = hay.find(needle)
    else:
        found = hay.rfind(needle, 0, max(0, pos + len(needle) - 1))
        if found >= 0 and found < pos:
            return found, False
        found = hay.rfind(needle)
    return (found, True) if found >= 0 else None
