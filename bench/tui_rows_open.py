"""Rows 1, 2 and 5 of issue 18: process start -> notebook content visible, runt-tui vs nbterm.

- first-use: 13 cells, a fresh RUNT_TUI_HOME per runt-tui run and no daemon (the app
  starts it); the daemon is stopped and the home removed after each run.
- warm: 13 cells, a daemon started once (`daemon start --room-cleanup-delay 0`) plus one
  untimed open of the file; every timed open then finds the daemon running but the
  notebook not loaded in it (its room closed when the previous app quit).
- huge: 10,000 cells opened for the first time ever (fresh home, no daemon), plus how
  long the app's process keeps using CPU after the live notebook is on screen (a
  read-only first paint idles while it waits for the daemon, so its idle would say
  nothing; the wait itself shows in the "live" note).
"""

from __future__ import annotations

import statistics
import subprocess
from pathlib import Path

from peer_runt import drop_home, env, fresh_home, terminate
from tui_context import Bench, Opened, attempt, close, judge, notebook, open_nbterm, open_runt
from tui_report import Row, spread
from tui_tmux import idle_after, rss_mb


def runt_run(b: Bench, row: Row, i: int, path: Path, home: Path, live: list[float],
             timeout: float = 120) -> Opened | None:
    """One timed runt-tui open (left open for the caller), or None when it failed (noted)."""
    opened = attempt(row, f"runt-tui run {i + 1}", lambda: open_runt(b, path, home, timeout=timeout))
    if opened is not None:
        row.runt.append(opened.seconds)
        live.append(opened.live - opened.start)
    return opened


def peer_run(b: Bench, row: Row, i: int, path: Path, timeout: float = 120) -> None:
    """One timed nbterm open, closed again; nothing without nbterm or when it failed (noted)."""
    if b.nbterm is None:
        return
    peer = attempt(row, f"nbterm run {i + 1}", lambda: open_nbterm(b, path, timeout=timeout))
    if peer is not None:
        row.peer.append(peer.seconds)
        close(b, peer)


def first_use(b: Bench) -> Row:
    path = notebook("small", b.work)
    row = Row("first-use", "first use, 13 cells, no daemon running", "s", [], target="≤ 1.0× nbterm")
    live: list[float] = []
    for i in range(b.runs):
        home = fresh_home()
        try:
            opened = runt_run(b, row, i, path, home, live)
            if opened is not None:
                close(b, opened)
        finally:
            drop_home(b.runt, home)
        peer_run(b, row, i, path)
    live_note(row, live)
    ratio = row.ratio()
    judge(row, None if ratio is None else ratio <= 1.0)
    return row


def live_note(row: Row, live: list[float]) -> None:
    """Record when runt-tui's notebook was live (taking edits), after its first paint."""
    row.extra["live"] = live
    row.notes.append(f"runt-tui live (status no longer connecting/READ-ONLY): {spread(live, 's')}")


def warm(b: Bench) -> Row:
    path = notebook("small", b.work)
    row = Row("warm", "daemon running, 13 cells", "s", [], target="≤ 0.7× nbterm")
    row.notes.append("daemon started with --room-cleanup-delay 0 and the file opened once untimed: "
                     "each timed open finds the daemon up but the notebook not loaded")
    live: list[float] = []
    home = fresh_home()
    try:
        b.runt.cli(home, "daemon", "start", "--room-cleanup-delay", "0")
        close(b, open_runt(b, path, home))
        for i in range(b.runs):
            opened = runt_run(b, row, i, path, home, live)
            if opened is not None:
                close(b, opened)
            peer_run(b, row, i, path)
        held = held_opens(b, row, path, home)
    finally:
        drop_home(b.runt, home)
    row.extra["room_held"] = held
    live_note(row, live)
    row.notes.append(f"with the notebook already open in the daemon (a script client holds it): {spread(held, 's')}")
    ratio = row.ratio()
    judge(row, None if ratio is None else ratio <= 0.7)
    return row


def held_opens(b: Bench, row: Row, path: Path, home: Path) -> list[float]:
    """runt-tui's opens while another client keeps the notebook loaded in the daemon."""
    code = (f"import time; from runt_tui.client import Session; s = Session(path={str(path)!r}); "
            "s.connect(); print('ok', flush=True); time.sleep(600)")
    holder = subprocess.Popen([b.runt.python, "-c", code], env=env(home), stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        holder.stdout.readline()
        seconds = []
        for _ in range(b.runs):
            opened = attempt(row, "runt-tui run (room held)", lambda: open_runt(b, path, home))
            if opened is not None:
                seconds.append(opened.seconds)
                close(b, opened)
        return seconds
    finally:
        terminate(holder)


def huge(b: Bench, peer_runs: int, peer_timeout: float) -> Row:
    path = notebook("huge", b.work)
    row = Row("huge", "first open ever, 10,000 cells", "s", [],
              target="≤ 1.2 s, app idle ≤ 0.2 s after visible (live)")
    idle: list[float] = []
    live: list[float] = []
    rss: list[float] = []
    for i in range(b.runs):
        home = fresh_home()
        try:
            opened = runt_run(b, row, i, path, home, live, timeout=peer_timeout)
            if opened is not None:
                idle.append(idle_after(opened.pid, opened.live))
                rss.append(rss_mb(opened.pid))
                close(b, opened)
        finally:
            drop_home(b.runt, home)
        if i < peer_runs:
            peer_run(b, row, i, path, timeout=peer_timeout)
    if not idle:
        judge(row, False)
        return row
    idle_med = statistics.median(idle)
    row.extra.update(idle_after_visible=idle, rss_mb=rss)
    row.extra["runt_text"] = (f"{spread(row.runt, 's')}; idle {1000 * idle_med:.0f} ms after live "
                              f"({1000 * min(idle):.0f}–{1000 * max(idle):.0f})")
    live_note(row, live)
    row.notes.append(f"app RSS at idle: median {statistics.median(rss):.0f} MB; idle = the app's CPU time "
                     "(utime+stime) grew < 1 tick over 100 ms, sampled every 5 ms, counted from the live "
                     "notebook on screen (from the first paint when that is the live one)")
    judge(row, statistics.median(row.runt) <= 1.2 and idle_med <= 0.2)
    return row
