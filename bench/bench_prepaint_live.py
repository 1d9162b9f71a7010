"""Does the pre-paint delay the live notebook? runt-tui with and without it, paired, in tmux.

    python bench/bench_prepaint_live.py [--runs 5]

First use of the 13-cell notebook (fresh RUNT_TUI_HOME, no daemon), alternating
RUNT_TUI_PREPAINT=0 and the default, at 120x40 as bench_tui.py runs it: "visible"
is the notebook's content on screen (the pre-paint counts), "live" the status bar
no longer connecting/READ-ONLY (tui_context.py). Prints medians and min–max.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from peer_runt import Runt, drop_home, fresh_home
from tui_context import Bench, close, notebook, open_runt
from tui_tmux import Tmux


class Switched(Runt):
    """runt-tui with RUNT_TUI_PREPAINT set to `value`."""

    def __init__(self, python: str, value: str) -> None:
        super().__init__(python)
        self.value = value

    def app(self, path: Path, name: str, *extra: str) -> list[str]:
        return ["env", f"RUNT_TUI_PREPAINT={self.value}", *super().app(path, name, *extra)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rt-bench-"))
    t = Tmux()
    results: dict[str, tuple[list[float], list[float]]] = {"0": ([], []), "1": ([], [])}
    try:
        path = notebook("small", work)
        for _ in range(args.runs):
            for value in ("0", "1"):
                b = Bench(t, Switched(sys.executable, value), None, work, 1)
                b.opened = len(results["0"][0]) * 2 + int(value)
                home = fresh_home()
                try:
                    opened = open_runt(b, path, home)
                    results[value][0].append(opened.seconds)
                    results[value][1].append(opened.live - opened.start)
                    close(b, opened)
                finally:
                    drop_home(b.runt, home)
    finally:
        t.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"first use, 13 cells, {args.runs} paired runs, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for value, label in (("0", "RUNT_TUI_PREPAINT=0"), ("1", "with the pre-paint")):
        visible, live = results[value]
        print(f"  {label:20} visible {statistics.median(visible):.3f} s ({min(visible):.3f}–{max(visible):.3f})"
              f"  live {statistics.median(live):.3f} s ({min(live):.3f}–{max(live):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
