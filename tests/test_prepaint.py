"""The pre-paint (runt_tui/prepaint.py, render/prepaint.py): the notebook drawn before Textual loads.

Pure layout and sanitising on their own; the real CLI in a fresh interpreter on a
real pty for what reaches the terminal, what is imported by then, and how the
terminal is left.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import HANG_GUARD
from support.tui import write_notebook

from runt_tui import prepaint
from runt_tui.render.prepaint import Sketch, frame, sketch_cells

ESCAPES = {
    "osc52": "\x1b]52;c;SGVsbG8=\x07",
    "title": "\x1b]2;pwned\x1b\\",
    "clear": "\x1b[2J",
    "c1": "\x9b31m",
    "bell": "\x07",
}
# The only sequences the pre-paint itself writes: colours, cursor moves, private modes.
OWN = re.compile(r"\x1b\[[0-9;?]*[mHhl]")


def evil_notebook(path: Path) -> Path:
    """A notebook with terminal escapes in every string the pre-paint draws."""
    bad = "".join(ESCAPES.values())
    return write_notebook(
        path,
        [("markdown", f"# Title {bad} end\n\ntext {bad} more"), ("code", f"print('{bad}')\nSECOND_LINE = 1"),
         ("raw", f"raw {bad}")],
        outputs={1: [{"output_type": "stream", "name": "stdout", "text": f"out {bad} put\n"},
                     {"output_type": "error", "ename": "E", "evalue": "v", "traceback": [f"tb {bad}"]},
                     {"output_type": "execute_result", "execution_count": 2, "metadata": {},
                      "data": {"text/plain": f"res {bad}"}}]},
    )


def visible(text: str) -> str:
    """The frame's text with its own sequences removed."""
    return OWN.sub("", text)


def screen_rows(text: str) -> list[str]:
    """The frame's rows, top to bottom (it positions each row itself, in any order)."""
    parts = re.split(r"\x1b\[(\d+);1H", text)
    rows = {int(parts[i]): visible(parts[i + 1]) for i in range(1, len(parts), 2)}
    return [rows[y] for y in sorted(rows)]


def test_frame_has_the_apps_layout_and_exact_size() -> None:
    cells = [Sketch("markdown", "## Heading\n\nsome words", None, ()),
             Sketch("code", "x = 1\nprint(x)", 7, ("1\n",))]
    text = frame(cells, 100, 12, 57, "nb.ipynb")
    rows = screen_rows(text)
    assert len(rows) == 12 and all(len(r) == 100 for r in rows), [len(r) for r in rows]
    assert rows[0].startswith("▌      Heading")  # the selection bar, the gutter, no #s
    assert rows[2].startswith("▌      some words")
    assert rows[4].startswith("   [7] x = 1")
    assert rows[5].startswith("       print(x)") and rows[6].startswith("       1 ")
    assert all(r[57] == "▏" for r in rows[:-1])  # the side pane's border, where the app draws it
    assert "READ-ONLY" in rows[-1] and "connecting" in rows[-1] and "nb.ipynb" in rows[-1]
    assert text.index("READ-ONLY") < text.index("Heading")  # a partly drawn frame has its status bar


def test_frame_cuts_at_the_screen_and_wide_characters_keep_the_width() -> None:
    cells = [Sketch("code", "\n".join(f"line {i} 漢字漢字" for i in range(50)), None, ())] * 3
    text = frame(cells, 40, 10, 40, "")
    rows = screen_rows(text)
    assert len(rows) == 10
    widths = [sum(2 if "\u4e00" <= c <= "\u9fff" else 1 for c in r) for r in rows]
    assert widths == [40] * 10


def test_escapes_in_the_notebook_draw_none_of_them(tmp_path: Path) -> None:
    nb = json.loads(evil_notebook(tmp_path / "evil.ipynb").read_text())
    cells = sketch_cells(nb, limit=50)
    assert not isinstance(cells, str)
    text = frame(cells, 120, 40, 68, "evil\x1b]2;x\x07.ipynb")
    rest = visible(text)
    assert "\x1b" not in rest and "\x07" not in rest and "\x9b" not in rest, repr(rest)
    for word in ("Title", "print(", "SECOND_LINE", "raw", "out", "put", "tb", "res", "evil"):
        assert word in rest
    assert "␛]52" in rest  # a source shows its controls as visible stand-ins, as the app does


@pytest.mark.parametrize("content, reason", [
    (b"{not json", "unreadable"),
    (b'{"cells": []', "unreadable"),
    (b"[1, 2]", "not an nbformat 4 notebook"),
    (b'{"nbformat": 3, "worksheets": []}', "not an nbformat 4 notebook"),
    (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}', "source is not text"),
    (b'{"nbformat": 4, "cells": [{"cell_type": "picture", "source": ""}]}', "not a notebook cell"),
])
def test_bad_files_get_no_frame_and_say_why(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    loaded = prepaint._load(path, limit=10)
    found = loaded if isinstance(loaded, str) else sketch_cells(loaded, limit=10)
    assert isinstance(found, str) and reason in found


def test_a_huge_file_not_laid_out_as_nbformat_writes_it_or_a_missing_one_is_not_parsed(tmp_path: Path) -> None:
    big = tmp_path / "big.ipynb"
    big.write_bytes(b'{"nbformat": 4, "cells": [' + b" " * (prepaint.MAX_BYTES + 1) + b"]}")
    assert prepaint._load(big, limit=10) == "larger than 2 MB"
    assert prepaint._load(tmp_path / "missing.ipynb", limit=10) == "no file"


def test_a_big_notebook_is_read_from_its_first_cells_only(tmp_path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [new_code_cell(f"cell_{i} = {i}\n" + "# padding\n" * 200) for i in range(3000)]
    path = tmp_path / "big.ipynb"
    nbformat.write(new_notebook(cells=cells), str(path))
    assert path.stat().st_size > prepaint.MAX_BYTES
    loaded = prepaint._load(path, limit=5)
    sketches = sketch_cells(loaded, limit=5)
    assert not isinstance(sketches, str)
    assert [c.source.split("\n")[0] for c in sketches] == [f"cell_{i} = {i}" for i in range(5)]
    head = path.read_bytes()[: prepaint.HEAD_BYTES]
    # The head ends inside a cell: the cells before it are kept.
    some = prepaint.first_cells(head, path.read_bytes()[-100:], limit=10**6)
    assert some is not None and 0 < len(some["cells"]) < 3000
    # Not nbformat 4 at the end, or "cells" not the first key: nothing.
    assert prepaint.first_cells(head, b'"nbformat": 3\n}', limit=5) is None
    assert prepaint.first_cells(b'{"metadata": {}, "cells": [', b'"nbformat": 4\n}', limit=5) is None


# ---- the real CLI on a real terminal ------------------------------------------------------------


def run_on_pty(argv: list[str], env: dict[str, str], rows: int = 30, cols: int = 100) -> tuple[bytes, int, bool]:
    """Run `argv` on a new pty of that size until it exits: what it printed, its exit status, and
    whether the terminal echoes again afterwards."""
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = b""
    status = None
    deadline = time.monotonic() + HANG_GUARD * 2
    try:
        while time.monotonic() < deadline and status is None:
            if select.select([fd], [], [], 0.1)[0]:
                with contextlib.suppress(OSError):
                    out += os.read(fd, 65536)
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(code)
        echo = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
        # The rest of its output: the pty hands it over asynchronously (late on a busy machine);
        # the end is EOF or EIO, once every byte the child wrote was read.
        end = time.monotonic() + HANG_GUARD
        while time.monotonic() < end:
            if not select.select([fd], [], [], 1.0)[0]:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
    finally:
        if status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert status is not None, f"still running; printed: {out[-2000:]!r}"
    return out, status, echo


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNT_TUI_", "TMUX"))}
    env.update(TERM="xterm-256color", RUNT_TUI_HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), **extra)
    return env


CLI = [sys.executable, "-c", "from runt_tui.cli import main; main()"]


def test_the_frame_is_out_before_textual_is_imported(home: Path, tmp_path: Path) -> None:
    nb = evil_notebook(tmp_path / "nb.ipynb")
    probe = tmp_path / "probe.json"
    out, status, echo = run_on_pty([*CLI, str(nb), "--embedded"], cli_env(home, RUNT_TUI_PREPAINT_PROBE=str(probe)))
    assert status == 0 and probe.exists(), out[-2000:]
    assert json.loads(probe.read_text())["loaded"] == []  # no textual, rich, typer nor click yet
    text = out.decode("utf-8", "replace")
    assert text.startswith(prepaint.ENTER) and text.rstrip("\r\n").endswith(prepaint.LEAVE)
    shown = visible(text)
    assert "SECOND_LINE = 1" in shown and "READ-ONLY" in shown
    assert "\x1b" not in shown and "\x07" not in shown, repr(shown)  # nothing of the notebook's escapes
    assert echo  # the terminal is left as it was found


def test_a_crash_before_the_app_leaves_the_terminal_as_it_was(tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1\ny = 2")])
    code = ("from pathlib import Path; from runt_tui import prepaint; "
            f"assert prepaint.paint(Path({str(nb)!r}), lambda c: c, 'nb') is None; raise RuntimeError('boom')")
    out, status, echo = run_on_pty([sys.executable, "-c", code], cli_env(tmp_path))
    text = out.decode("utf-8", "replace")
    assert status == 1 and "y = 2" in text
    assert text.index(prepaint.LEAVE) < text.index("RuntimeError: boom")  # the traceback is readable
    assert echo


@pytest.mark.parametrize("content", [b"{not json", b'{"nbformat": 3, "worksheets": []}'])
def test_a_bad_file_gets_no_pre_paint_and_the_apps_message(home: Path, tmp_path: Path, content: bytes) -> None:
    nb = tmp_path / "bad.ipynb"
    nb.write_bytes(content)
    probe = tmp_path / "probe.json"
    out, status, echo = run_on_pty([*CLI, str(nb), "--embedded"], cli_env(home, RUNT_TUI_PREPAINT_PROBE=str(probe)))
    text = out.decode("utf-8", "replace")
    assert not probe.exists() and "READ-ONLY" not in text
    assert status == 1 and f"runt-tui: {nb}" in text.replace("\r\n", ""), text[-2000:]  # wrapped at the width
    assert nb.read_bytes() == content and echo


def test_no_pre_paint_off_a_terminal_or_when_switched_off(tmp_path: Path) -> None:
    import subprocess

    nb = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1")])
    code = f"from pathlib import Path; from runt_tui import prepaint; print(prepaint.paint(Path({str(nb)!r}), lambda c: c, 'x'))"
    piped = subprocess.run([sys.executable, "-c", code], env=cli_env(tmp_path), capture_output=True, text=True,
                           timeout=HANG_GUARD)
    assert piped.stdout.strip() == "not a terminal of known size"
    out, status, echo = run_on_pty([sys.executable, "-c", code], cli_env(tmp_path))
    assert status == 0 and b"None" in out  # drawn on a pty
    out, status, echo = run_on_pty([sys.executable, "-c", code], cli_env(tmp_path, RUNT_TUI_PREPAINT="0"))
    assert b"not a terminal of known size" in out and b"\x1b[?1049h" not in out and echo


def test_a_failing_pre_paint_never_stops_the_open(tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1")])
    code = ("from pathlib import Path; import runt_tui.cli_prepaint as c\n"
            "def boom(*args): raise RuntimeError('layout')\n"
            f"c.cells_width = boom; c.prepaint(Path({str(nb)!r}), None); print('GOES ON')")
    out, status, echo = run_on_pty([sys.executable, "-c", code], cli_env(tmp_path))
    assert status == 0 and b"GOES ON" in out and b"Traceback" not in out and echo
