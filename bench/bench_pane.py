"""Benchmark the cells pane on long notebooks, this tree against another git ref in the same run.

    python bench/bench_pane.py [--against main] [--runs 5] [--cells 1100] [--large 10000] [--keys 200]

Two cases, each run in a fresh process under Textual's Pilot (headless, 120x40,
a daemon process of its own per run, no kernel), alternating between this tree
and `--against` (extracted with `git archive`):

- open: a `--large`-cell notebook (bench/gen_notebook.py). Counts the cell
  models built before the pane settled; from the first frame showing a cell
  ("visible"): wall time until the pane settled, the app's CPU time until
  then and until one second after (issue 18: app idle <= 0.2 s after visible).
- burst: `--keys` `j` arriving at once (as from a terminal's input buffer) on a
  `--cells`-cell notebook. Wall and CPU time until the selection is on the
  target cell and the pane settled, screen frames drawn, cell widgets mounted,
  cell models built.

Counts are robust on a busy machine; times are medians with min-max. The ratio
column is this tree over the other, from the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs inside the child process, with the tree to measure first on sys.path.
CHILD = r'''
import asyncio, json, sys, tempfile, time
from pathlib import Path
tree, case, path, keys = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path[:0] = [tree, tree + "/tests"]
from support.tui import wait_until
from textual import events
from textual.screen import Screen
from runt_tui.client import AsyncSession
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.cell_view import CellView
from runt_tui.tui.widgets.cell import CellWidget
assert __import__("runt_tui").__file__.startswith(tree)
counts = {"models": 0, "mounts": 0, "frames": 0}
def wrap(cls, name, key):
    orig = getattr(cls, name)
    def counted(*a, **k):
        counts[key] += 1
        return orig(*a, **k)
    setattr(cls, name, counted)
wrap(CellView, "model_for", "models")
wrap(CellWidget, "__init__", "mounts")
wrap(Screen, "_compositor_refresh", "frames")
seen = {}
draw = Screen._compositor_refresh
def first_cells_drawn(screen):
    # The first frame with a cell on it: "visible", the same moment in every tree.
    draw(screen)
    pane = getattr(screen.app, "pane", None)
    if "cpu" not in seen and pane is not None and any(w.size.height for w in pane.mounted.values()):
        seen["cpu"], seen["wall"] = time.process_time(), time.perf_counter()
Screen._compositor_refresh = first_cells_drawn

async def main():
    out = {}
    with tempfile.TemporaryDirectory(prefix="rtb-", dir="/tmp") as tmp:
        session = AsyncSession(path=Path(path), name="bench", home=Path(tmp) / "h", kind="tui")
        app = NotebookApp(AppOptions(path=Path(path), start_kernel=False), session=session)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await wait_until(pilot, lambda: "cpu" in seen, timeout=600)
                await wait_until(pilot, lambda: app.ready and app.pane.settled, timeout=600)
                out["settled_after"] = time.perf_counter() - seen["wall"]
                out["settle_cpu"] = time.process_time() - seen["cpu"]
                out["open_models"] = counts["models"]
                await pilot.pause(1.0)
                out["visible_cpu"] = time.process_time() - seen["cpu"]
                if case == "burst":
                    for k in counts:
                        counts[k] = 0
                    target = app.pane.order[min(keys, len(app.pane.order) - 1)]
                    start, cpu = time.perf_counter(), time.process_time()
                    for _ in range(keys):
                        app._driver.send_message(events.Key("j", "j"))
                    await wait_until(pilot, lambda: app.selected == target and app.pane.settled, timeout=120)
                    await pilot.pause()
                    out["burst_wall"] = time.perf_counter() - start
                    out["burst_cpu"] = time.process_time() - cpu
                    out.update({f"burst_{k}": v for k, v in counts.items()})
        finally:
            await session.close()
    print("RESULT " + json.dumps(out))

asyncio.run(main())
'''


def notebook(cells: int, where: Path) -> Path:
    path = where / f"nb{cells}.ipynb"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_notebook.py"), str(path), "--cells", str(cells)],
                       check=True, capture_output=True)
    return path


def run_child(tree: Path, case: str, path: Path, keys: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-c", CHILD, str(tree), case, str(path), str(keys)],
                            capture_output=True, text=True, timeout=900, env=env, cwd=tree)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            parsed: dict[str, float] = json.loads(line[7:])
            return parsed
    raise RuntimeError(f"{tree} {case}: no result\n{result.stderr[-2000:]}")


def summary(values: list[float], unit: str) -> str:
    if unit == "n":
        return f"{statistics.median(values):8.0f}   ({min(values):.0f}-{max(values):.0f})"
    return f"{statistics.median(values):8.3f} s ({min(values):.3f}-{max(values):.3f})"


def report(title: str, mine: list[dict[str, float]], theirs: list[dict[str, float]], fields: list[tuple[str, str]],
           against: str) -> None:
    print(f"\n{title}  (this tree | {against} | ratio)")
    for key, unit in fields:
        a = [r[key] for r in mine]
        b = [r[key] for r in theirs]
        ratio = statistics.median(a) / statistics.median(b) if statistics.median(b) else float("nan")
        print(f"  {key:12} {summary(a, unit)} | {summary(b, unit)} | {ratio:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", default="main", help="git ref to compare with (default: main)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cells", type=int, default=1100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rt-bench-pane-") as tmp_name:
        tmp = Path(tmp_name)
        other = tmp / "other"
        other.mkdir()
        archive = subprocess.run(["git", "archive", args.against], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
        cases = [("open", notebook(args.large, tmp)), ("burst", notebook(args.cells, tmp))]
        for case, path in cases:
            mine: list[dict[str, float]] = []
            theirs: list[dict[str, float]] = []
            for i in range(args.runs):  # alternating, so load on the machine hits both alike
                pair = [(ROOT, mine), (other, theirs)]
                for tree, into in pair if i % 2 == 0 else pair[::-1]:
                    into.append(run_child(tree, case, path, args.keys))
            if case == "open":
                report(f"open {args.large:,} cells", mine, theirs,
                       [("open_models", "n"), ("settled_after", "s"), ("settle_cpu", "s"), ("visible_cpu", "s")], args.against)
            else:
                report(f"{args.keys} j in one burst, {args.cells:,} cells", mine, theirs,
                       [("burst_wall", "s"), ("burst_cpu", "s"), ("burst_frames", "n"), ("burst_mounts", "n"),
                        ("burst_models", "n")], args.against)


if __name__ == "__main__":
    main()
