"""The kernel-pane comparison (`bench_tui.py --panes-only`, issue 12): keystroke A -> B while a cell runs.

B with the cells pane alone is the baseline; B with the kernel pane too, whose
running-cell timer redraws every second, is compared to it in the same run (both
watch at once; samples alternate which one is timed). The ratio of p50s should stay
near 1. Keystrokes use the unique markers of tui_rows_keys.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from peer_runt import env
from tui_context import HERE, Bench, close, open_runt
from tui_report import percentile
from tui_rows_keys import Lags, sample, start_editing
from tui_tmux import idle_after


def run_forever(home: Path, path: Path) -> subprocess.Popen[bytes]:
    """A script client adding a cell that runs for minutes and queuing it (the kernel pane's timer ticks)."""
    code = (
        "import time; from runt_tui.client import Session; "
        f"s = Session(path={str(path)!r}); s.connect(); s.start_kernel(); "
        "c = s.create_cell('import time\\nwhile True: time.sleep(0.5)'); "
        "s.queue_execution(c); print('ok', flush=True); time.sleep(600)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env=env(home), stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    return proc


def kernel_pane_latency(b: Bench, home: Path, keys: int) -> None:
    """Print p50/p90 of A -> B with B showing cells only, and cells + kernel pane; their ratio."""
    small = b.work / "tour.ipynb"
    shutil.copy(HERE.parent / "examples" / "tour.ipynb", small)
    a = open_runt(b, small, home, extra=("--panes", "cells"))
    runner = run_forever(home, small)
    watchers = []
    try:
        b.t.wait(a.session, lambda s: "busy" in s)
        start_editing(b, a)
        for panes in ("cells", "cells,kernel"):  # wide enough to show the edited line whole
            watchers.append(open_runt(b, small, home, extra=("--panes", panes), width=160))
        b.t.wait(watchers[1].session, lambda s: "▶" in s)  # the running cell's timer is on screen
        for w in watchers:
            idle_after(w.pid, 0.0, quiet=0.2, timeout=10)
        lags = Lags()
        for i in range(2 * keys):
            sample(b.t, a.session, watchers[i % 2].session, lags)
        p50s = []
        for w, label in zip(watchers, ("cells pane only (baseline)", "cells + kernel pane"), strict=True):
            values = lags.seconds[w.session]
            p50s.append(statistics.median(values) * 1000)
            print(f"keystroke A -> B, cell running, {label:27s} p50 {p50s[-1]:.0f} ms  "
                  f"p90 {1000 * percentile(values, 0.9):.0f} ms  (n={len(values)})")
        print(f"kernel pane timer: p50 ratio with/without {p50s[1] / p50s[0]:.2f} "
              f"(1.00 = unchanged; noise on a shared machine ~±0.2); {lags.invalid} invalid samples dropped")
    finally:
        for opened in [a, *watchers]:
            close(b, opened)
        runner.terminate()

