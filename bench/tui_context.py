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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import peer_nbterm
from peer_runt import QUIT as RUNT_QUIT
from peer_runt import Runt
from tui_report import Row
from tui_tmux import WIDTH, ProgramExited, Seen, Tmux

T = TypeVar("T")
FAILURES = peer_nbterm.CACHE / "failures"

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
    """Start runt-tui on path in a new session and wait for its content, then for it to be live."""
    session = b.name("runt")
    argv = b.runt.app(path, session, *extra)
    start = b.t.start(session, argv, {"RUNT_TUI_HOME": str(home)}, path.parent, width=width)
    marker = content_marker(path)
    opened = _visible(b, session, start, marker, RUNT_QUIT, timeout)
    if not runt_live(opened.seen.screen):
        try:
            opened.live = b.t.wait(session, lambda s: marker in s and runt_live(s), timeout=timeout).at
        except (TimeoutError, ProgramExited):
            b.t.finish(session, RUNT_QUIT, timeout=2)
            raise
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
    except (TimeoutError, ProgramExited):
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


def attempt(row: Row, label: str, run: Callable[[], T]) -> T | None:
    """run(), or None when it timed out or its program exited: noted on the row, screen kept in a file.

    A failed runt-tui run makes the row's target unmet; the other runs still count.
    """
    try:
        return run()
    except (TimeoutError, ProgramExited) as e:
        FAILURES.mkdir(parents=True, exist_ok=True)
        path = FAILURES / f"{time.strftime('%H%M%S')}-{row.key}-{label.replace(' ', '-')}.txt"
        path.write_text(str(e) + "\n")
        row.notes.append(f"{label} FAILED ({type(e).__name__}: {str(e).splitlines()[0]}); screen in {path}")
        if label.startswith("runt-tui"):
            row.extra["failed_runs"] = row.extra.get("failed_runs", 0) + 1
        return None


def judge(row: Row, met: bool | None) -> None:
    """The row's verdict: unmet whenever a runt-tui run failed or none succeeded."""
    row.met = False if row.extra.get("failed_runs") or not row.runt else met
