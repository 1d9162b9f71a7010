"""Stream text (stdout/stderr): terminal-style \\r and \\b folding, ANSI colour, line caps."""

from __future__ import annotations

import re
from typing import Literal

from rich.console import Group, RenderableType
from rich.padding import Padding

from .common import marker, plural
from .render_options import RenderOptions
from .sanitize import ansi_text

# Zero-width control sequences we must step over when overwriting characters:
# CSI (colours, cursor), OSC (hyperlinks, titles) and two-byte escapes.
_TOKEN = re.compile(
    r"(\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\r|\x08)"
)
# Erase-in-line (ESC[K, ESC[1K, ESC[2K) is what many progress bars use instead of padding.
_ERASE = re.compile(r"\x1b\[([012]?)K")

STDERR_STYLE = {"dark": "on #3a1c1c", "light": "on #fde7e7"}


def _fold_overlay(segments: list[str]) -> str:
    """Overlay \\r-separated plain segments: each rewrites the line from column 0."""
    # Fast path for the common progress bar (hundreds of "\r 45%|####   |" updates):
    # walking back from the last write, an earlier write only shows where it was
    # longer than everything written after it.
    result = segments[-1]
    for seg in reversed(segments[:-1]):
        if len(seg) > len(result):
            result += seg[len(result) :]
    return result


def _fold_cells(line: str) -> str:
    """Replay a line character by character like a terminal; handles \\b and escapes."""
    cells: list[str] = []  # one visible char each, prefixed by the escapes before it
    pending = ""  # escapes seen since the last visible char
    col = 0
    for piece in _TOKEN.split(line):
        if not piece:
            continue
        if piece == "\r":
            col = 0
        elif piece == "\b":
            col = max(0, col - 1)
        elif piece[0] == "\x1b":
            erase = _ERASE.fullmatch(piece)
            if erase is None:
                pending += piece
            elif erase.group(1) in ("", "0"):
                del cells[col:]
            elif erase.group(1) == "1":
                cells[: col + 1] = [" "] * min(col + 1, len(cells))
            else:
                # Whole line erased; the cursor stays, and writing past the end
                # pads with spaces again, so nothing invisible is left behind.
                cells = []
        else:
            for ch in piece:
                if col < len(cells):
                    # Keep the overwritten cell's escapes: dropping an SGR here would
                    # lose colour for every later character, which is worse.
                    old = cells[col]
                    cells[col] = old[:-1] + pending + ch
                else:
                    if col > len(cells):
                        cells.extend(" " * (col - len(cells)))
                    cells.append(pending + ch)
                pending = ""
                col += 1
    return "".join(cells) + pending


def fold_line(line: str) -> str:
    """Fold one line (no \\n) as a terminal would display it."""
    has_cr = "\r" in line
    has_bs = "\b" in line
    has_erase = "\x1b[" in line and _ERASE.search(line) is not None
    if not (has_cr or has_bs or has_erase):
        return line
    if has_cr and not has_bs and "\x1b" not in line:
        return _fold_overlay(line.split("\r"))
    return _fold_cells(line)


def fold_stream(text: str) -> str:
    """Apply \\r (back to line start, overwrite) and \\b (cursor left) as a terminal would."""
    # \r and \b never cross a \n, so folding is line-local; "\r\n" needs no special
    # case because a \r followed by nothing leaves the line as it was.
    if "\r" not in text and "\b" not in text and "\x1b[" not in text:
        return text
    return "\n".join(fold_line(line) for line in text.split("\n"))


def count_lines(text: str) -> int:
    """Number of display lines, not counting the empty line after a final newline."""
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def cap_lines(text: str, max_lines: int, keep: Literal["head", "tail"]) -> tuple[str, int]:
    """Keep the first or last `max_lines` lines of text; return (kept, hidden line count)."""
    # Only str.count and a few hundred find/rfind calls touch the whole text, both
    # in C, so a 100,000-line stream costs milliseconds.
    if text.endswith("\n"):
        text = text[:-1]
    total = text.count("\n") + 1
    max_lines = max(1, max_lines)
    if total <= max_lines:
        return text, 0
    if keep == "tail":
        pos = len(text)
        for _ in range(max_lines):
            pos = text.rfind("\n", 0, pos)
        return text[pos + 1 :], total - max_lines
    pos = -1
    for _ in range(max_lines):
        pos = text.find("\n", pos + 1)
    return text[:pos], total - max_lines


def cap_chars(text: str, max_chars: int, keep: Literal["head", "tail"]) -> tuple[str, int]:
    """Keep at most `max_chars` characters from one end; return (kept, hidden chars)."""
    if len(text) <= max_chars:
        return text, 0
    hidden = len(text) - max_chars
    return (text[-max_chars:] if keep == "tail" else text[:max_chars]), hidden


def ansi_block(
    text: str,
    options: RenderOptions,
    *,
    keep: Literal["head", "tail"],
    style: str = "",
) -> tuple[RenderableType, int]:
    """Render possibly huge ANSI text capped to N lines; return (renderable, hidden lines)."""
    hidden_lines = 0
    if not options.show_all:
        text, hidden_lines = cap_lines(text, options.max_stream_lines, keep)
    elif text.endswith("\n"):
        text = text[:-1]
    text, hidden_chars = cap_chars(text, options.max_text_chars, keep)
    # Fold only what will be shown: the cut happened on \n boundaries, which
    # folding never crosses, so the result equals folding everything first.
    # Folding reads the escapes (as zero-width) first; only SGR survives the sanitizer.
    body = ansi_text(fold_stream(text), style=style)
    notes: list[str] = []
    if hidden_lines:
        notes.append(f"… {plural(hidden_lines, 'more line')}")
    if hidden_chars:
        notes.append(f"… {plural(hidden_chars, 'more character')}")
    if not notes:
        return body, 0
    note = marker("  ".join(notes))
    parts: list[RenderableType] = [note, body] if keep == "tail" else [body, note]
    return Group(*parts), hidden_lines


def render_stream(
    text: str, name: str, options: RenderOptions
) -> tuple[RenderableType, int]:
    """Render a stream output: last N lines, ANSI colours, stderr on a tinted background."""
    if name == "stderr":
        tint = STDERR_STYLE[options.theme]
        block, hidden = ansi_block(text, options, keep="tail")
        # Padding with expand fills the whole width, so the tint reads as a panel
        # rather than a highlight behind each character.
        return Padding(block, (0, 0), style=tint, expand=True), hidden
    return ansi_block(text, options, keep="tail")
