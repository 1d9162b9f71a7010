"""What vi's operators, puts and insert commands do to the text (pure)."""

from __future__ import annotations

from dataclasses import replace

from runt_tui.tui.vi.state import INSERT, NORMAL, Change, Register, ViResult, ViState
from runt_tui.tui.vi.text import clamp_normal, first_nonblank, indent_of, line_end, line_start


def delete_lines(text: str, start: int, end: int) -> tuple[str, int]:
    """Remove whole lines [start, end); the cursor on the first non-blank of the line now there."""
    if end >= len(text) and not text[start:end].endswith("\n") and start > 0:
        start -= 1  # the last line has no newline of its own: take the one before it
        new = text[:start] + text[end:]
        return new, first_nonblank(new, line_start(new, start))
    new = text[:start] + text[end:]
    return new, first_nonblank(new, min(start, len(new)))


def apply_operator(
    state: ViState, op: str, span: tuple[int, int, bool], text: str, cursor: int, change: Change | None,
) -> ViResult:
    """Delete (`d`), change (`c`) or yank (`y`) the span; `change` is remembered for `.`."""
    start, end, linewise = span
    piece = text[start:end]
    if linewise and not piece.endswith("\n"):
        piece += "\n"
    register = Register(piece, linewise) if piece else state.register
    state = replace(state, register=register, keys=(), mode=NORMAL, column=None)
    if op == "y":
        moved = cursor if linewise and line_start(text, cursor) == start else start
        return ViResult(state, text, clamp_normal(text, moved))
    last = change if change is not None else state.last_change
    if op == "d":
        if linewise:
            new, at = delete_lines(text, start, end)
        else:
            new, at = text[:start] + text[end:], start
        return ViResult(replace(state, last_change=last), new, clamp_normal(new, at))
    if linewise:
        indent = indent_of(text, start)
        new = text[:start] + indent + ("\n" if text[start:end].endswith("\n") else "") + text[end:]
        at = start + len(indent)
    else:
        new, at = text[:start] + text[end:], start
    return ViResult(replace(state, mode=INSERT, recording=change, recording_done=change is None), new, at)


def put(state: ViState, text: str, cursor: int, count: int, before: bool) -> tuple[str, int] | None:
    """`p` / `P`: the register `count` times after (before) the cursor, or its line; None if empty."""
    reg = state.register
    if not reg.text:
        return None
    block = reg.text * count
    if reg.linewise:
        if before:
            at = line_start(text, cursor)
        else:
            end = line_end(text, cursor)
            if end >= len(text):
                new = text + "\n" + block[:-1]
                return new, first_nonblank(new, end + 1)
            at = end + 1
        new = text[:at] + block + text[at:]
        return new, first_nonblank(new, at)
    at = cursor if before or cursor >= line_end(text, cursor) else cursor + 1
    new = text[:at] + block + text[at:]
    return new, at if "\n" in block else at + len(block) - 1


def insert_at(key: str, text: str, cursor: int) -> tuple[str, int]:
    """Where `i a I A o O` start typing (`o` and `O` open a line with the current indent)."""
    start, end = line_start(text, cursor), line_end(text, cursor)
    if key == "a":
        return text, min(cursor + 1, end)
    if key == "I":
        return text, first_nonblank(text, start)
    if key == "A":
        return text, end
    indent = indent_of(text, cursor)
    if key == "o":
        return text[:end] + "\n" + indent + text[end:], end + 1 + len(indent)
    if key == "O":
        return text[:start] + indent + "\n" + text[start:], start + len(indent)
    return text, cursor


def typeable(key: str) -> bool:
    """True for keys insert mode types that `.` can type again."""
    return len(key) == 1 or key in ("enter", "backspace")


def type_key(text: str, cursor: int, key: str) -> tuple[str, int]:
    """Type one key in insert mode as the editor does (a character, Enter, Backspace)."""
    if key == "backspace":
        if cursor == 0:
            return text, cursor
        return text[: cursor - 1] + text[cursor:], cursor - 1
    char = "\n" if key == "enter" else key
    return text[:cursor] + char + text[cursor:], cursor + len(char)


def type_keys(text: str, cursor: int, keys: tuple[str, ...]) -> tuple[str, int]:
    """Type keys one after the other."""
    for key in keys:
        text, cursor = type_key(text, cursor, key)
    return text, cursor


def small_change(key: str, text: str, cursor: int, count: int, arg: str) -> tuple[str, int] | None:
    """`r` (replace characters), `J` (join lines), `~` (switch case); None when it cannot be done."""
    end = line_end(text, cursor)
    if key == "r":
        if cursor + count > end:
            return None
        return text[:cursor] + arg * count + text[cursor + count :], cursor + count - 1
    if key == "~":
        stop = min(end, cursor + count)
        if stop <= cursor:
            return None
        new = text[:cursor] + text[cursor:stop].swapcase() + text[stop:]
        return new, clamp_normal(new, stop)
    at = cursor
    for _ in range(max(1, count - 1)):
        nl = line_end(text, at)
        if nl >= len(text):
            return None if at == cursor else (text, at)
        nxt = first_nonblank(text, nl + 1)
        rest = text[nxt : line_end(text, nxt)]
        left = text[:nl].rstrip(" \t") if rest else text[:nl]
        glue = "" if not rest or not left or left.endswith("\n") or rest.startswith(")") else " "
        text = left + glue + text[nxt:]
        at = len(left)
    return text, at
