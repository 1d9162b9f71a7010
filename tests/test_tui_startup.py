"""Start-up in a real terminal (a pty, outside tmux) prints nothing but the app.

The pty reports no pixel size and never answers queries, like `script -q` run in
a terminal: textual-image's cell-size query times out there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

from conftest import HANG_GUARD
from support.tui import write_notebook


def run_in_pty(argv: list[str], env: dict[str, str], ready: bytes, keys: bytes) -> bytes:
    """Run `argv` on a new 80x24 pty; once `ready` was printed, type `keys`; return every byte printed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = b""
    typed = False
    deadline = time.monotonic() + HANG_GUARD * 2
    try:
        while time.monotonic() < deadline:
            readable, _, _ = select.select([fd], [], [], 0.1)
            if readable:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # the child exited
                    break
                if not data:
                    break
                out += data
            if not typed and ready in out:
                os.write(fd, keys)
                typed = True
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    assert typed, f"never saw {ready!r}; printed: {out[-2000:]!r}"
    return out


def test_startup_outside_tmux_prints_no_traceback_nor_internal_names(home: Path, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "nb.ipynb", [("code", "x = 1")])
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env.update(TERM="xterm-256color", RUNT_TUI_HOME=str(home))
    argv = [sys.executable, "-c", "from runt_tui.cli import main; main()", str(nb)]
    out = run_in_pty(argv, env, ready=b"CMD", keys=b"q")
    for noise in (b"Traceback", b"TimeoutError", b"Spacer"):
        assert noise not in out, out[max(0, out.find(noise) - 300): out.find(noise) + 300]
    # The warning was kept, in the app's log.
    assert "Failed to get cell size" in (home / "tui.log").read_text()
