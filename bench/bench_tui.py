"""Benchmark runt-tui as a user sees it against nbterm, in the same run: issue 18's table.

    python bench/bench_tui.py [--runs 5] [--only first-use,warm,j-burst,keystroke,huge,daemon-start]
                              [--python PATH] [--keys 40] [--no-peer] [--peer-huge-runs 1] [--json FILE]
    python bench/bench_tui.py --panes-only     # only the kernel-pane comparison (issue 12)

Real processes in a private tmux server at 120x40 (escape-time 10 ms), timed by
polling `capture-pane` (each look's cost is measured and printed: every figure may
include up to one look). runt-tui runs with `--python` (default: this interpreter,
so the same bench can time an older checkout's venv for a "before" column); nbterm
runs from its own venv under ~/.cache/runt-tui-bench, installed when missing. Runs
are paired and alternate (runt-tui, nbterm, runt-tui, ...); medians and min–max are
printed. The rows, and exactly what each one waits for, are described in
tui_rows_open.py, tui_rows_keys.py and tui_rows_daemon.py; the notebooks are
gen_notebook's presets (small: 13 cells, large: 1,100, huge: 10,000), cached by the
generator's bytes. nbterm took ~70 s on the 10,000 cells: it runs once by default
and is killed after --peer-timeout seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import peer_nbterm
import tui_rows_daemon
import tui_rows_keys
import tui_rows_open
from peer_runt import Runt, drop_home, fresh_home
from tui_context import Bench
from tui_panes import kernel_pane_latency
from tui_report import Row, as_json, notes, table
from tui_tmux import TMUX, Tmux

ROWS = ["first-use", "warm", "j-burst", "keystroke", "huge", "daemon-start"]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="paired runs per row (default 5)")
    parser.add_argument("--only", default=",".join(ROWS), help=f"comma-separated rows: {','.join(ROWS)}")
    parser.add_argument("--python", default=sys.executable, help="the interpreter runt-tui runs with")
    parser.add_argument("--keys", type=int, default=40, help="keystroke samples per watcher (A->B and A->A)")
    parser.add_argument("--no-peer", action="store_true", help="runt-tui only (no nbterm)")
    parser.add_argument("--peer-huge-runs", type=int, default=1, help="nbterm runs on 10,000 cells (0: skip)")
    parser.add_argument("--peer-timeout", type=float, default=180, help="seconds before a stuck nbterm is killed")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file ('-': stdout)")
    parser.add_argument("--panes-only", action="store_true", help="only the kernel-pane latency comparison")
    args = parser.parse_args(argv)
    if shutil.which(args.python) is None:
        parser.error(f"--python {args.python}: no such interpreter")
    unknown = set(args.only.split(",")) - set(ROWS)
    if unknown:
        parser.error(f"unknown row(s) {', '.join(sorted(unknown))}; rows: {', '.join(ROWS)}")
    return args


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def runt_commit(python: str) -> str:
    """The git commit of the checkout the interpreter's runt_tui comes from, when it is one."""
    out = subprocess.run([python, "-c", "import runt_tui, os; print(os.path.dirname(runt_tui.__file__))"],
                         capture_output=True, text=True)
    where = out.stdout.strip()
    if not where:
        return "?"
    git = subprocess.run(["git", "-C", where, "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    return git.stdout.strip()[:72] or "?"


def context(b: Bench, args: argparse.Namespace) -> dict[str, Any]:
    probe = b.name("probe")
    b.t.start(probe, ["sleep", "60"], {}, b.work)
    look = b.t.look_cost(probe)
    b.t.run("kill-session", "-t", probe)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "load_before": load(), "cpus": os.cpu_count(),
        "runt_python": args.python, "runt_commit": runt_commit(args.python), "runt_version": b.runt.version(),
        "nbterm": None if b.nbterm is None else peer_nbterm.version(), "python": platform.python_version(),
        "tmux": subprocess.run([TMUX or "tmux", "-V"], capture_output=True, text=True).stdout.strip(),
        "capture_pane_ms": round(1000 * look, 2), "runs": args.runs,
    }


def measure(b: Bench, args: argparse.Namespace, only: list[str]) -> list[Row]:
    """Run the chosen rows in the issue's order; a row that fails is reported, not fatal."""
    rows: list[Row] = []
    warm_home: Path | None = None

    def warm() -> Path:
        nonlocal warm_home
        if warm_home is None:
            warm_home = fresh_home()
            b.runt.cli(warm_home, "daemon", "start", "--room-cleanup-delay", "0")
        return warm_home

    plan: dict[str, Callable[[], Row]] = {
        "first-use": lambda: tui_rows_open.first_use(b),
        "warm": lambda: tui_rows_open.warm(b),
        "j-burst": lambda: tui_rows_keys.j_burst(b, warm()),
        "keystroke": lambda: tui_rows_keys.keystroke(b, warm(), args.keys),
        "huge": lambda: tui_rows_open.huge(b, args.peer_huge_runs, args.peer_timeout),
        "daemon-start": lambda: tui_rows_daemon.daemon_start(b),
    }
    try:
        for key in ROWS:
            if key not in only:
                continue
            started = time.perf_counter()
            print(f"[{time.strftime('%H:%M:%S')}] {key} ...", file=sys.stderr, flush=True)
            try:
                rows.append(plan[key]())
            except (TimeoutError, AssertionError, ValueError, RuntimeError, subprocess.SubprocessError, OSError) as e:
                rows.append(Row(key, key, "s", [], met=False, notes=[f"FAILED: {type(e).__name__}: {e}"]))
            print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    finally:
        if warm_home is not None:
            drop_home(b.runt, warm_home)
    return rows


def report(rows: list[Row], ctx: dict[str, Any], json_path: Path | None) -> None:
    print(f"\nrunt-tui {ctx['runt_commit']} ({ctx['runt_python']}) vs nbterm {ctx['nbterm']}; "
          f"{ctx['date']}, {ctx['cpus']} CPUs, load {ctx['load_before']} -> {ctx['load_after']}; "
          f"{ctx['tmux']}, one capture-pane {ctx['capture_pane_ms']} ms (polling cost in every figure)\n")
    print(table(rows, "nbterm"))
    print("\n" + notes(rows))
    if json_path is not None:
        text = as_json(rows, ctx)
        if str(json_path) == "-":
            print(text)
        else:
            json_path.write_text(text + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if TMUX is None:
        print("tmux is not installed", file=sys.stderr)
        return 1
    only = args.only.split(",")
    wants_peer = not args.no_peer and not args.panes_only and bool({"first-use", "warm", "j-burst", "huge"} & set(only))
    work = Path(tempfile.mkdtemp(prefix="rt-bench-"))
    b = Bench(Tmux(), Runt(args.python), peer_nbterm.ensure() if wants_peer else None, work, args.runs)
    try:
        if args.panes_only:
            home = fresh_home()
            try:
                b.runt.cli(home, "daemon", "start")
                kernel_pane_latency(b, home, args.keys)
            finally:
                drop_home(b.runt, home)
            return 0
        ctx = context(b, args)
        rows = measure(b, args, only)
        ctx["load_after"] = load()
        report(rows, ctx, args.json)
        return 0
    finally:
        b.t.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
