"""End to end in tmux: `--keys vi`, `E` with a real suspend of the app, and `--view`, as real processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.tui import write_notebook
from test_tui_tmux import TMUX, Tmux, runt_tui

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

EDITOR = textwrap.dedent('''
    import pathlib, sys, time
    path = pathlib.Path(sys.argv[-1])
    go = pathlib.Path(sys.argv[1])
    print("EDITOR OPEN ON", path.name, flush=True)
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    path.write_text(path.read_text().replace("one", "ONE"))
''')


@pytest.fixture
def term() -> Iterator[Tmux]:
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    t = Tmux(home)
    try:
        yield t
    finally:
        t.close()
        subprocess.run(runt_tui("daemon", "stop"), env={**os.environ, "RUNT_TUI_HOME": str(home)},
                       capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)


def test_vi_keys_editor_and_viewer(term: Tmux, tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "p.ipynb", [("code", "x = 'one'"), ("code", "y = 2")])
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    go = tmp_path / "go"
    editor = f"{sys.executable} {script} {go}"
    term.start("a", ["env", f"EDITOR={editor}", "VISUAL=", *runt_tui(str(nb), "--name", "ann", "--keys", "vi")])
    term.wait("a", lambda s: "x = 'one'" in s and "idle" in s)
    # vi: Enter opens in insert mode, Esc to normal, then dw and u.
    term.keys("a", "Enter")
    term.wait("a", lambda s: "INSERT" in s)
    term.keys("a", "Escape")
    term.wait("a", lambda s: "NORMAL" in s)
    term.keys("a", "0", "d", "w")
    term.wait("a", lambda s: "= 'one'" in s and "x = 'one'" not in s)
    term.keys("a", "u")
    term.wait("a", lambda s: "x = 'one'" in s)
    term.keys("a", "Escape")
    term.wait("a", lambda s: "CMD" in s)
    # E: the terminal is the editor's until it exits, then the app is back with the change.
    term.keys("a", "E")
    term.wait("a", lambda s: "EDITOR OPEN ON cell.py" in s)
    go.write_text("")
    term.wait("a", lambda s: "x = 'ONE'" in s and "CMD" in s)
    # A viewer: shown as such, refuses edits.
    term.start("v", runt_tui(str(nb), "--name", "vic", "--view"))
    term.wait("v", lambda s: "x = 'ONE'" in s and "VIEW" in s)
    term.wait("a", lambda s: "vic (viewer)" in s)
    term.keys("v", "Enter")
    term.wait("v", lambda s: "read-only view" in s)
    term.keys("v", "q")
    term.keys("a", "q")
