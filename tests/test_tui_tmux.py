"""End to end: two real `runt-tui` processes in tmux on one notebook.

Type in one terminal and see it in the other; run in one and see the output in both.
Skipped only where tmux is missing.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.tui import write_notebook

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


class Tmux:
    """A private tmux server (its own socket) holding one window per terminal."""

    def __init__(self, home: Path) -> None:
        self.socket = f"rt-{os.getpid()}-{int(time.time() * 1000) % 100000}"
        self.home = home

    def run(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, timeout=30)
        return done.stdout

    def start(self, name: str, argv: list[str]) -> None:
        config = shlex.quote(str(self.home / "config"))
        env = f"RUNT_TUI_HOME={shlex.quote(str(self.home))} XDG_CONFIG_HOME={config} TERM=xterm-256color"
        command = f"env {env} {shlex.join(argv)}; sleep 60"
        self.run("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", name, *(["-l"] if literal else []), *keys)

    def wait(self, name: str, predicate: Callable[[str], bool], timeout: float = 60.0, interval: float = 0.05) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen(name)
            if predicate(text):
                return text
            time.sleep(interval)
        raise AssertionError(f"timed out; {name} shows:\n{text}")

    def close(self) -> None:
        self.run("kill-server")


def runt_tui(*args: str) -> list[str]:
    return [sys.executable, "-c", "from runt_tui.cli import main; main()", *args]


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    t = Tmux(home)
    try:
        yield t
    finally:
        t.close()
        subprocess.run(runt_tui("daemon", "stop"), env={**os.environ, "RUNT_TUI_HOME": str(home)},
                       capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def test_two_terminals_share_edits_and_outputs(tmux: Tmux, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "shared.ipynb", [("code", "print('from ' + 'A')"), ("code", "y = 2")])
    tmux.start("a", runt_tui(str(nb), "--name", "ann"))
    tmux.wait("a", lambda s: "from ' + 'A'" in s and "idle" in s)
    tmux.start("b", runt_tui(str(nb), "--name", "bob"))
    tmux.wait("b", lambda s: "from ' + 'A'" in s and "ann" in s)
    # Type in A, see it in B.
    tmux.keys("a", "Enter")
    tmux.wait("a", lambda s: "EDIT" in s)
    tmux.keys("a", "zz = 3; ", literal=True)
    tmux.wait("b", lambda s: "zz = 3; print(" in s)
    # Run in A (Ctrl+E works in edit mode), see the output in both.
    tmux.keys("a", "C-e")
    tmux.wait("a", lambda s: "[1]" in s and "from A" in s)
    tmux.wait("b", lambda s: "[1]" in s and "from A" in s)
    tmux.keys("b", "q")
    tmux.keys("a", "Escape")
    tmux.wait("a", lambda s: "CMD" in s)
    tmux.keys("a", "q")


def selected_line(screen: str, text: str) -> bool:
    """True when the screen line showing `text` carries the selection bar (its cell is selected)."""
    return any(line.startswith("▌") for line in screen.splitlines() if text in line)


def test_keys_in_one_burst_and_esc_sequences_in_tmux(tmux: Tmux, tmp_path: Path) -> None:
    # tmux's default escape-time (500 ms) is kept: Esc+key arrives as one ESC-prefixed sequence.
    nb = write_notebook(tmp_path / "keys.ipynb", [("code", "a = 1"), ("code", "b = 2")])
    tmux.start("a", runt_tui(str(nb), "--name", "ann"))
    # A cold start (no daemon yet): typed at first sight, while the cells are still the
    # read-only copy drawn from the file. Enter and the text in one send-keys: every
    # character reaches the cell, none runs as a command (`r` raw, `d d` delete).
    tmux.wait("a", lambda s: "a = 1" in s)
    tmux.keys("a", "Enter", "hello world")
    tmux.wait("a", lambda s: "hello worlda = 1" in s and "EDIT" in s)
    tmux.wait("a", lambda s: "escape-time is 500 ms" in s)  # the start-up notice
    # ESC j as one sequence (what Esc then j becomes in tmux): leave edit mode, move down.
    tmux.keys("a", "-H", "1b", "6a")
    screen = tmux.wait("a", lambda s: "CMD" in s and selected_line(s, "b = 2"))
    assert "hello worlda = 1" in screen and not selected_line(screen, "hello world")
    # ESC Enter twice (Esc, Enter: back into the same cell), then text: no ^, no newline.
    tmux.keys("a", "Enter", "zz")
    tmux.wait("a", lambda s: "zzb = 2" in s)
    tmux.keys("a", "-H", "1b", "0d", "1b", "0d")
    tmux.keys("a", "qq")
    screen = tmux.wait("a", lambda s: "qqzzb = 2" in s and "EDIT" in s)
    assert "^" not in screen
    tmux.keys("a", "Escape")
    tmux.wait("a", lambda s: "CMD" in s)
    tmux.keys("a", "q")
    deadline = time.monotonic() + 60
    while "qqzzb = 2" not in nb.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # the daemon saves a moment after the last edit
    cells = json.loads(nb.read_text())["cells"]
    assert [("".join(c["source"]), c["cell_type"]) for c in cells] == [("hello worlda = 1", "code"), ("qqzzb = 2", "code")]


def test_output_pane_follows_and_kernel_pane_names_the_runner(tmux: Tmux, tmp_path: Path) -> None:
    """A runs cells; B shows only the running cell's outputs (`--panes output --follow`), C only the kernel."""
    code = "import time\nfor i in range(40):\n    print(f'tick {i}', flush=True)\n    time.sleep(0.1)"
    nb = write_notebook(tmp_path / "panes.ipynb", [("code", code), ("code", "print('done ' + 'here')")])
    tmux.start("ann", runt_tui(str(nb), "--name", "ann"))
    tmux.wait("ann", lambda s: "tick" in s and "idle" in s)
    tmux.start("bob", runt_tui(str(nb), "--name", "bob", "--panes", "output", "--follow"))
    tmux.wait("bob", lambda s: "following the running cell" in s)
    tmux.start("cy", runt_tui(str(nb), "--name", "cy", "--panes", "kernel"))
    tmux.wait("cy", lambda s: "Peers 3" in s)
    tmux.keys("ann", "C-r")  # run the first cell and select the second
    tmux.keys("ann", "C-e")  # queue the second
    screen = tmux.wait("bob", lambda s: "tick 5" in s and "running" in s)
    assert "import time" not in screen  # the output pane alone: no sources
    tmux.wait("cy", lambda s: "▶" in s and "ann #1 import time" in s and "queued ann #2" in s)
    tmux.wait("bob", lambda s: "done here" in s)  # following moved to the next running cell
    tmux.wait("cy", lambda s: "✓ [2]" in s and "ann #2 print(" in s)
    # Copy B's output. tmux drops OSC 52 from programs unless set-clipboard is on:
    # then the text goes to tmux's paste buffer directly, and B says why.
    tmux.run("set", "-g", "set-clipboard", "off")
    tmux.keys("bob", "w")
    tmux.keys("bob", "y")
    tmux.wait("bob", lambda s: "paste buffer" in s)
    assert tmux.run("show-buffer") == "done here\n"
    tmux.run("delete-buffer")
    # With set-clipboard on, OSC 52 goes through: tmux takes it into its paste buffer.
    tmux.run("set", "-g", "set-clipboard", "on")
    tmux.keys("bob", "y")
    deadline = time.monotonic() + 30
    while "done here" not in tmux.run("show-buffer") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert tmux.run("show-buffer") == "done here\n"
    tmux.wait("bob", lambda s: "OSC 52 through tmux" in s)
    for name in ("ann", "bob", "cy"):
        tmux.keys(name, "q")
