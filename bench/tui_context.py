"""What every row of the terminal benchmark shares: tmux, both programs, the notebooks, one open.

A program is "visible" when its screen shows the notebook's content: the second source
line of the first code cell (a `def ...` line gen_notebook writes, drawn verbatim by
runt-tui and nbterm alike). runt-tui's read-only first paint counts as visible; the
moment its status line stops saying "connecting"/"READ-ONLY" (the live notebook, taking
edits) is recorded too, and every row that types waits for it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import peer_nbterm
from peer_runt import QUIT as RUNT_QUIT
from peer_runt import Runt
from tui_tmux import WIDTH, Seen, Tmux

HERE = Path(__file__).resolve().parent
GEN = HERE / "gen_notebook.py"


@dataclass
class Bench:
    """The run's shared state: the tmux server, runt-tui's interpreter, nbterm, a work directory."""

    t: Tmux
    runt: Runt
    nbterm: Path | None
    work: Path
    runs: int
    opened: int = field(default=0)

    def name(self, prefix: str) -> str:
        self.opened += 1
        return f"{prefix}{self.opened}"


def notebook(preset: str, work: Path) -> Path:
    """gen_notebook's preset, cached by the generator's own bytes (the 10,000 cells take ~15 s)."""
    digest = hashlib.sha256(GEN.read_bytes()).hexdigest()[:12]
    cached = peer_nbterm.CACHE / "notebooks" / f"{preset}-{digest}.ipynb"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        subprocess.run([sys.executable, str(GEN), str(tmp), "--preset", preset], check=True, capture_output=True)
        tmp.replace(cached)
    target = work / f"{preset}.ipynb"
    shutil.copy(cached, target)
    return target


def source(path: Path, index: int) -> list[str]:
    cell = json.loads(path.read_text())["cells"][index]
    src = cell["source"]
    return ("".join(src) if isinstance(src, list) else src).splitlines()


def content_marker(path: Path) -> str:
    """The first code cell's second line: on screen as soon as the notebook's cells are drawn."""
    cells = json.loads(path.read_text())["cells"]
    first = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    return source(path, first)[1].strip()


@dataclass
class Opened:
    """A program showing a notebook in a tmux session."""

    session: str
    pid: int
    start: float
    seen: Seen
    quit: list[str]
    live: float = 0.0  # when it took edits: runt-tui's live replica (after a read-only first paint)

    @property
    def seconds(self) -> float:
        return self.seen.at - self.start


def open_runt(b: Bench, path: Path, home: Path, timeout: float = 120, extra: tuple[str, ...] = (),
              width: int = WIDTH) -> Opened:
    """Start runt-tui on path in a new session and wait for its content."""
    session = b.name("runt")
    argv = b.runt.app(path, session, *extra)
    start = b.t.start(session, argv, {"RUNT_TUI_HOME": str(home)}, path.parent, width=width)
    marker = content_marker(path)
    opened = _visible(b, session, start, marker, RUNT_QUIT, timeout)
    if runt_live(opened.seen.screen):
        opened.live = opened.seen.at
    else:
        opened.live = b.t.wait(session, lambda s: marker in s and runt_live(s), timeout=timeout).at
    return opened


def runt_live(screen: str) -> bool:
    """Whether runt-tui's status line says the notebook is live (not connecting, not read-only)."""
    lines = screen.rstrip().splitlines()
    status = lines[-1] if lines else ""
    return "connecting" not in status and "READ-ONLY" not in status


def open_nbterm(b: Bench, path: Path, timeout: float = 120) -> Opened:
    """Start nbterm on path in a new session and wait for its content."""
    assert b.nbterm is not None
    session = b.name("nbterm")
    start = b.t.start(session, peer_nbterm.argv(b.nbterm, path), {}, path.parent)
    return _visible(b, session, start, content_marker(path), peer_nbterm.QUIT, timeout)


def _visible(b: Bench, session: str, start: float, marker: str, quit: list[str], timeout: float) -> Opened:
    pid = b.t.pane_pid(session)
    try:
        seen = b.t.wait(session, lambda s: marker in s, timeout=timeout)
    except TimeoutError:
        b.t.finish(session, quit, timeout=2)
        raise
    return Opened(session, pid, start, seen, quit, live=seen.at)


def close(b: Bench, opened: Opened) -> None:
    b.t.finish(opened.session, opened.quit)


def alternate(runs: int, first: Callable[[], None], second: Callable[[], None] | None) -> None:
    """first, second, first, second, ...: paired runs under the same load."""
    for _ in range(runs):
        first()
        if second is not None:
            second()
