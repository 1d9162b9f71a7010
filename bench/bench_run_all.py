"""Running every cell of a many-cell notebook: `runt-tui run` vs raw jupyter_client, same run.

    python bench/bench_run_all.py [--cells 1000]

A notebook of --cells tiny code cells (`x{i} = {i}`) is run three ways:
1. `runt-tui run NOTEBOOK` as a user types it (a daemon already running in a
   private RUNT_TUI_HOME, so daemon start-up is not counted; the kernel start is);
2. the same, timed inside one Session from connect to the last cell (no process
   or kernel start: the per-cell cost through the daemon);
3. raw jupyter_client: one kernel, `execute_interactive` per cell (what nbclient does);
4. Run All as the app does it: every cell queued at once by one Session while a
   second Session watches the room (daemon CPU printed too).
Prints seconds and ratios only; nothing is asserted. No target in the issues:
this guards against costs that grow with the notebook (a run of n cells must stay
linear in n).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager

from runt_tui import Session


def make_notebook(path: Path, cells: int) -> list[str]:
    sources = [f"x{i} = {i}" for i in range(cells)]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return sources


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", "from runt_tui.cli import main; main()", *args]
    return subprocess.run(argv, env={**os.environ, "RUNT_TUI_HOME": str(home)}, capture_output=True, text=True, timeout=900)


def raw_run(sources: list[str]) -> float:
    km = KernelManager(kernel_name="python3")
    km.start_kernel()
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        t0 = time.perf_counter()
        for src in sources:
            kc.execute_interactive(src, timeout=60, output_hook=lambda _msg: None)
        return time.perf_counter() - t0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def session_run(home: Path, path: Path) -> float:
    with Session(path=str(path), home=home, name="bench") as s:
        s.start_kernel()
        ids = [c.id for c in s.get_cells() if c.cell_type == "code"]
        t0 = time.perf_counter()
        for cid in ids:
            if not s.execute_cell(cid).success:
                raise RuntimeError(f"cell {cid} failed")
        elapsed = time.perf_counter() - t0
        s.shutdown_kernel()
    return elapsed


def queued_run(home: Path, path: Path) -> tuple[float, float]:
    """Every cell queued at once, a second client watching; wall seconds and daemon CPU seconds."""
    import psutil  # type: ignore[import-untyped]

    daemon = psutil.Process(int((home / "daemon.pid").read_text().split()[0]))
    with Session(path=str(path), home=home, name="runner") as s, Session(path=str(path), home=home, name="watcher") as w:
        s.start_kernel()
        ids = [c.id for c in s.get_cells() if c.cell_type == "code"]
        cpu0 = sum(daemon.cpu_times()[:2])
        t0 = time.perf_counter()
        for cid in ids:
            s.queue_execution(cid)
        if not s.execute_cell(ids[-1]).success:  # the last one's execution: waits for it
            raise RuntimeError("the last cell failed")
        elapsed = time.perf_counter() - t0
        cpu = sum(daemon.cpu_times()[:2]) - cpu0
        while w.get_cell(ids[-1]).execution_count is None:
            time.sleep(0.01)
        s.shutdown_kernel()
    return elapsed, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells", type=int, default=1000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rt-runall-", dir="/tmp"))
    home = work / "home"
    sources = make_notebook(work / "a.ipynb", args.cells)
    make_notebook(work / "b.ipynb", args.cells)
    make_notebook(work / "c.ipynb", args.cells)
    cli(home, "daemon", "start")
    try:
        t0 = time.perf_counter()
        done = cli(home, "run", str(work / "a.ipynb"))
        ours_cli = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"runt-tui run failed:\n{done.stderr[-2000:]}")
        ours = session_run(home, work / "b.ipynb")
        queued, queued_cpu = queued_run(home, work / "c.ipynb")
    finally:
        cli(home, "daemon", "stop")
    raw = raw_run(sources)
    print(f"{args.cells:,} cells, python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"  runt-tui run (process + kernel start)   {ours_cli:7.2f} s")
    print(f"  Session.execute_cell per cell, in order {ours:7.2f} s   {ours / args.cells * 1000:6.2f} ms/cell")
    print(f"  raw jupyter_client execute_interactive  {raw:7.2f} s   {raw / args.cells * 1000:6.2f} ms/cell")
    print(f"  ratio (Session / raw)                   {ours / raw:7.2f} x")
    print(f"  Run All: all queued at once, 2 clients  {queued:7.2f} s   {queued / args.cells * 1000:6.2f} ms/cell"
          f"   daemon CPU {queued_cpu:.2f} s   {queued / raw:.2f}x raw")


if __name__ == "__main__":
    main()
