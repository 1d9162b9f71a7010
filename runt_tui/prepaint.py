"""The pre-paint: the notebook on the terminal before Textual is even imported.

`runt-tui NB.ipynb` spends ~0.4 s importing and starting Textual before its first
frame. Meanwhile this module reads the file (json.loads, bounded), draws one frame
of it (render/prepaint.py: the app's layout at this size, READ-ONLY, connecting) on
the alternate screen and turns the terminal's echo off, so that keys typed now wait,
unechoed and in order, in the terminal's input queue for the app.

The app's driver (tui/prepaint_driver.py) then adopts the terminal: it does not
enter the alternate screen again (that would clear it), it restores the settings
saved here on exit and suspend, and it keeps the frame until the app has cells to
draw. If the app never takes over (an error before it starts), `restore` puts the
terminal back as it was, also at interpreter exit.

Only a real terminal (stdin, stdout and stderr all ttys) of known size gets a
pre-paint; any file the quick parse does not understand gets none (the app's own
message follows as before). RUNT_TUI_PREPAINT=0 turns it off.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

ENV_SWITCH = "RUNT_TUI_PREPAINT"
# Tests: after the frame, write what the interpreter has imported to this file and exit.
ENV_PROBE = "RUNT_TUI_PREPAINT_PROBE"
# Above HEAD_BYTES only the file's first HEAD_BYTES (its first cells) and last TAIL_BYTES (its
# nbformat) are read; a file above MAX_BYTES that is not laid out for that gets no pre-paint:
# parsing all of it here too would delay the app itself.
HEAD_BYTES = 256 * 1024
TAIL_BYTES = 4096
MAX_BYTES = 2 * 1024 * 1024
ENTER = "\x1b[?1049h\x1b[?25l\x1b[?7l"  # alternate screen, no cursor, no line wrap (as Textual)
LEAVE = "\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l"


@dataclass
class _Painted:
    """The terminal as the pre-paint left it: which fd, its settings before."""

    fd: int
    attrs: list[Any] | None
    handed_over: bool = False


_painted: _Painted | None = None


def _terminal_size() -> tuple[int, int] | None:
    if os.environ.get(ENV_SWITCH, "1") == "0" or os.environ.get("TERM", "dumb") in ("", "dumb"):
        return None
    try:
        if not (os.isatty(0) and os.isatty(1) and os.isatty(2)):
            return None
        size = os.get_terminal_size(2)
    except (OSError, ValueError):
        return None
    return (size.columns, size.lines) if size.columns >= 20 and size.lines >= 5 else None


def _load(path: Path, limit: int) -> Any:
    """The parsed file (its first `limit` cells at least), or a str saying why there is nothing to draw."""
    try:
        if not path.is_file():
            return "no file"
        size = path.stat().st_size
        if size > HEAD_BYTES:
            with path.open("rb") as f:
                head = f.read(HEAD_BYTES)
                f.seek(max(0, size - TAIL_BYTES))
                tail = f.read()
            first = first_cells(head, tail, limit)
            if first is not None or size > MAX_BYTES:
                return first if first is not None else f"larger than {MAX_BYTES // (1024 * 1024)} MB"
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError) as e:
        return f"unreadable: {type(e).__name__}"


_CELLS_FIRST = re.compile(rb'\A\s*\{\s*"cells"\s*:\s*\[')
_NBFORMAT_4 = re.compile(rb'"nbformat"\s*:\s*4\s*[,}]')


def first_cells(head: bytes, tail: bytes, limit: int) -> dict[str, Any] | None:
    """The first cells of a big notebook from its first and last bytes (None: not laid out as
    nbformat writes it, with "cells" first and "nbformat": 4 near the end)."""
    start = _CELLS_FIRST.match(head)
    if start is None or _NBFORMAT_4.search(tail) is None:
        return None
    text = head.decode("utf-8", "replace")
    decoder = json.JSONDecoder()
    pos = len(head[: start.end()].decode("utf-8", "replace"))
    cells: list[Any] = []
    while len(cells) < limit:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        try:
            cell, pos = decoder.raw_decode(text, pos)
        except ValueError:  # the head ends inside this cell
            break
        cells.append(cell)
    return {"nbformat": 4, "cells": cells} if cells else None


def paint(path: Path, cells_width: Callable[[int], int | None], title: str) -> str | None:
    """Draw `path`'s first screenful; None when drawn, else why not (nothing was written then).

    `cells_width(columns)` is the cells pane's width at that terminal width (None: the
    layout shows no cells pane, so nothing is drawn).
    """
    global _painted
    size = _terminal_size()
    if size is None:
        return "not a terminal of known size"
    width, height = size
    wide = cells_width(width)
    if wide is None:
        return "no cells pane"
    loaded = _load(path, limit=height)
    if isinstance(loaded, str):
        return loaded
    from runt_tui.render.prepaint import frame, sketch_cells

    cells = sketch_cells(loaded, limit=height)
    if isinstance(cells, str):
        return cells
    text = ENTER + frame(cells, width, height, wide, title)
    attrs = _quiet(0)
    _painted = _Painted(0, attrs)
    atexit.register(restore)
    _restore_before_tracebacks()
    _write(2, text)
    if os.environ.get(ENV_PROBE):
        _probe(Path(os.environ[ENV_PROBE]))
    return None


def _restore_before_tracebacks() -> None:
    """An uncaught exception's traceback is printed after the screen is restored (else it is lost
    with the alternate screen at exit)."""
    shown = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        restore()
        shown(kind, value, tb)

    sys.excepthook = hook


def _quiet(fd: int) -> list[Any] | None:
    """Turn echo and line editing off (keys typed now wait for the app, unechoed); the old settings.

    The input flags are the app's (Textual's driver) from now on: a key typed before it starts
    is queued as the bytes the app would have read (Enter as CR, not translated to LF, which
    the app reads as Ctrl+J; Ctrl+Q and Ctrl+S as keys, not flow control). Ctrl+C still
    interrupts until the app takes over.
    """
    try:
        import termios
    except ImportError:
        return None
    try:
        attrs = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[0] &= ~(termios.IXON | termios.IXOFF | termios.ICRNL | termios.INLCR | termios.IGNCR)
        quiet[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN)
        quiet[6][termios.VMIN] = 1
        quiet[6][termios.VTIME] = 0
        termios.tcsetattr(fd, termios.TCSANOW, quiet)  # TCSANOW: keys already typed are kept
        return attrs
    except (OSError, termios.error):
        return None


def _write(fd: int, text: str) -> None:
    data = text.encode("utf-8", "replace")
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError:
        pass


def active() -> bool:
    """True while a pre-painted frame waits for the app to adopt the terminal."""
    return _painted is not None and not _painted.handed_over


def hand_over() -> list[Any] | None:
    """The app's driver takes the terminal: the settings to restore on exit (None: keep its own)."""
    if _painted is None or _painted.handed_over:
        return None
    _painted.handed_over = True
    return _painted.attrs


def restore() -> None:
    """Leave the pre-paint's screen and settings when the app did not take the terminal over."""
    if _painted is None or _painted.handed_over:
        return
    _painted.handed_over = True
    _write(2, LEAVE)
    if _painted.attrs is not None:
        import termios  # it loaded when the settings were saved

        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(_painted.fd, termios.TCSANOW, _painted.attrs)


def _probe(out: Path) -> None:
    """Tests: record which heavy packages this interpreter had loaded when the frame was out, and exit."""
    loaded = sorted({name.split(".")[0] for name in sys.modules} & {"textual", "rich", "typer", "click"})
    out.write_text(json.dumps({"loaded": loaded}), encoding="utf-8")
    restore()
    sys.exit(0)
