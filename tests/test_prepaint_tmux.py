"""End to end in tmux: the pre-painted notebook, replaced by the live app, keys typed meanwhile kept.

A real `runt-tui` (cold: no daemon yet) in a private tmux server. The cells are on
screen, read-only, before the app is live; keys typed right after the command
starts all act, in order, once the app has the cells; quitting leaves the shell's
screen and terminal settings as they were.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from support.tui import write_notebook
from test_tui_tmux import TMUX, Tmux, runt_tui, selected_line, tmux  # noqa: F401 (the fixture)

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def live(screen: str) -> bool:
    """The app's status bar says the notebook is live (as bench/tui_context.runt_live)."""
    lines = screen.rstrip().splitlines()
    status = lines[-1] if lines else ""
    return "CMD" in status and "connecting" not in status and "READ-ONLY" not in status


def test_pre_paint_then_live_app_with_every_early_key(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    cells = [("markdown", "# Prepaint title"), *[("code", f"value_{i} = {i}") for i in range(1, 6)]]
    nb = write_notebook(tmp_path / "pp.ipynb", cells)
    # The hold outlasts any cold start here, so that a frame without cells is the driver's fault.
    app = "RUNT_TUI_PREPAINT_HOLD=120 " + shlex.join(runt_tui(str(nb), "--name", "ann"))
    # The shell says what the terminal is like after the app: echo and line editing back on.
    tmux.start("a", ["sh", "-c", f"echo BEFORE-APP; {app}; echo EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -- '-*echo\\|-*icanon'"])
    tmux.keys("a", "j", "j", "j")  # typed while the pre-paint (or nothing yet) is on screen
    seen: list[str] = []

    def live_on_value_3(screen: str) -> bool:
        seen.append(screen)  # every screen, polled back to back: a blank frame between must show
        return live(screen) and selected_line(screen, "value_3 = 3")

    tmux.wait("a", live_on_value_3, interval=0)
    first = next(i for i, s in enumerate(seen) if "value_1 = 1" in s)
    early = seen[first]
    # The first screen with cells is read-only (pre-paint or the app's own first paint) ...
    assert "READ-ONLY" in early and "connecting" in early and "Prepaint title" in early
    assert "BEFORE-APP" not in early  # on the alternate screen
    # ... and every screen from then on shows the cells: no blank frame in between.
    blank = [s for s in seen[first:] if "value_1 = 1" not in s and "value_2 = 2" not in s]
    assert not blank, f"a frame without the cells:\n{blank[0]}"
    # The three j's all acted, on the live cells, in order.
    final = seen[-1]
    assert selected_line(final, "value_3 = 3") and not selected_line(final, "value_1 = 1")
    tmux.keys("a", "q")
    after = tmux.wait("a", lambda s: "EXIT=" in s and "icanon" in s)
    assert "BEFORE-APP" in after and "EXIT=0" in after
    assert "-echo" not in after and "-icanon" not in after and "echo" in after.split()


def test_suspend_and_resume_after_a_pre_paint_leave_the_shells_terminal_settings(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    """SIGTSTP (a shell's Ctrl+Z) gives the shell its echo and line editing back; fg resumes the app,
    cells redrawn; quitting leaves the shell's settings."""
    import os
    import signal

    nb = write_notebook(tmp_path / "z.ipynb", [("code", "zed_1 = 1"), ("code", "zed_2 = 2")])
    tmux.start("a", ["env", "PS1=PROMPT$ ", "bash", "--norc", "-i"])
    tmux.wait("a", lambda s: "PROMPT$" in s)
    tmux.keys("a", shlex.join(runt_tui(str(nb))) + "; echo EXIT=$?", "Enter")
    tmux.wait("a", lambda s: live(s) and "zed_1 = 1" in s)
    app = _process_with(f"main() {nb}")
    os.kill(app, signal.SIGTSTP)
    tmux.wait("a", lambda s: "Stopped" in s)
    check = "stty -a | tr ' ' '\\n' | grep -x -- '-*echo\\|-*icanon' | tr '\\n' ' '; echo STTY"
    tmux.keys("a", check, "Enter")
    screen = tmux.wait("a", lambda s: "echo STTY" in s.replace("icanon ", ""))
    assert "-echo" not in screen and "-icanon" not in screen
    tmux.keys("a", "clear; fg; echo EXIT=$?", "Enter")
    tmux.wait("a", lambda s: live(s) and "zed_1 = 1" in s)  # the whole screen is the app's again
    tmux.keys("a", "q")
    tmux.wait("a", lambda s: "EXIT=0" in s)
    tmux.keys("a", "clear; " + check, "Enter")
    screen = tmux.wait("a", lambda s: "echo STTY" in s.replace("icanon ", ""))
    assert "-echo" not in screen and "-icanon" not in screen


def _process_with(text: str) -> int:
    """The pid of the one process whose command line holds `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_text().replace("\0", " ")
            except OSError:
                continue
            if text in cmdline and "bash" not in cmdline:
                found.append(int(entry.name))
    assert len(found) == 1, found
    return found[0]
