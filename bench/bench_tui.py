"""Benchmark the app as a user sees it: real `runt-tui` processes in tmux, timed by polling the screen.

    python bench/bench_tui.py [--cells 1100] [--keys 40] [--starts 5]

    python bench/bench_tui.py --panes-only     # only the kernel-pane comparison

Prints: process start to notebook visible (7 cells; 1,100 cells with resident
memory), keystroke in terminal A to the character on terminal B's screen (p50,
p90), and the jump to the last cell of the 1,100-cell notebook. Targets (issue
5): 0.35 s; 1.0 s and 250 MB; 50 ms; 0.2 s. Polling `capture-pane` costs a few
milliseconds per look, which is included in every figure.

Then, while a cell runs, the same keystroke latency with B showing the cells
pane alone (the baseline, same run) and with B also showing the kernel pane,
whose running-cell timer redraws every second (issue 12): the ratio of the
p50s should stay near 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TMUX = shutil.which("tmux")


class Tmux:
    """A private tmux server with shell windows we type commands into."""

    def __init__(self, home: Path) -> None:
        self.socket = f"rt-bench-{os.getpid()}"
        self.home = home

    def run(self, *args: str) -> str:
        assert TMUX is not None
        return subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True).stdout

    def shell(self, name: str, width: int = 80) -> None:
        self.run("new-session", "-d", "-s", name, "-x", str(width), "-y", "24", "sh")
        time.sleep(0.3)

    def launch(self, name: str, args: list[str]) -> float:
        argv = [sys.executable, "-c", "from runt_tui.cli import main; main()", *args]
        command = f"RUNT_TUI_HOME={shlex.quote(str(self.home))} TERM=xterm-256color exec {shlex.join(argv)}"
        start = time.perf_counter()
        self.run("send-keys", "-t", name, command, "Enter")
        return start

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def keys(self, name: str, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", name, *(["-l"] if literal else []), *keys)

    def wait(self, name: str, predicate: Callable[[str], bool], timeout: float = 60.0) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if predicate(self.screen(name)):
                return time.perf_counter()
            time.sleep(0.001)
        raise TimeoutError(f"{name}:\n{self.screen(name)}")

    def pane_pid(self, name: str) -> int:
        return int(self.run("display-message", "-p", "-t", name, "#{pane_pid}").strip())

    def close(self) -> None:
        self.run("kill-server")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def first_line(path: Path, index: int) -> str:
    cell = json.loads(path.read_text())["cells"][index]
    src = cell["source"]
    text = "".join(src) if isinstance(src, list) else src
    return text.splitlines()[0].lstrip("# ")[:40]


def runt(home: Path, *args: str) -> None:
    argv = [sys.executable, "-c", "from runt_tui.cli import main; main()", *args]
    subprocess.run(argv, env={**os.environ, "RUNT_TUI_HOME": str(home)}, capture_output=True, timeout=60)


def hold_room(home: Path, path: Path) -> subprocess.Popen[bytes]:
    """A script client keeping the room open, so the daemon has the notebook loaded."""
    code = (
        "import sys, time; from runt_tui.client import Session; "
        f"s = Session(path={str(path)!r}); print('ok', flush=True); time.sleep(600)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "RUNT_TUI_HOME": str(home)},
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    return proc


def run_forever(home: Path, path: Path) -> subprocess.Popen[bytes]:
    """A script client adding a cell that runs for minutes and queuing it (the kernel pane's timer ticks)."""
    code = (
        "import time; from runt_tui.client import Session; "
        f"s = Session(path={str(path)!r}); s.connect(); s.start_kernel(); "
        "c = s.create_cell('import time\\nwhile True: time.sleep(0.5)'); "
        "s.queue_execution(c); print('ok', flush=True); time.sleep(600)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "RUNT_TUI_HOME": str(home)},
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    return proc


def key_lags(t: Tmux, typist: str, watcher: str, count: int, typed: str) -> tuple[list[float], str]:
    """Type `count` letters in `typist`'s open editor; seconds until each shows on `watcher`'s screen."""
    lags: list[float] = []
    for i in range(count):
        typed += "abcdefghijklmnopqrstuvwxyz"[i % 26]
        needle = typed[-8:]
        start = time.perf_counter()
        t.keys(typist, typed[-1], literal=True)
        end = t.wait(watcher, lambda screen: needle in screen, timeout=10)  # noqa: B023 (waited for here)
        lags.append(end - start)
        time.sleep(0.03)
    return lags, typed


def kernel_pane_latency(t: Tmux, home: Path, small: Path, keys: int) -> None:
    """Keystroke A -> B while a cell runs: B with the cells pane alone, then with the kernel pane too."""
    t.shell("ka")
    t.launch("ka", [str(small), "--name", "ann", "--images", "halfblock", "--panes", "cells"])
    t.wait("ka", lambda s: " CMD " in s and "Welcome" in s)
    runner = run_forever(home, small)
    try:
        t.wait("ka", lambda s: "busy" in s)
        t.keys("ka", "j", "Enter")
        t.wait("ka", lambda s: " EDIT " in s)
        t.keys("ka", "End")
        # Both watchers run at once (same load); rounds alternate which one is timed.
        windows = {"kb": "cells", "kc": "cells,kernel"}
        for name, panes in windows.items():
            t.shell(name, width=160)  # wide enough to show the typed line whole
            t.launch(name, [str(small), "--name", name, "--images", "halfblock", "--panes", panes])
            t.wait(name, lambda s: " CMD " in s and "import sys" in s)
        t.wait("kc", lambda s: "▶" in s)  # the running cell's timer is on screen
        time.sleep(0.5)
        typed = ""
        lags: dict[str, list[float]] = {"kb": [], "kc": []}
        rounds = 8
        for r in range(rounds):
            for name in (("kb", "kc") if r % 2 == 0 else ("kc", "kb")):
                more, typed = key_lags(t, "ka", name, max(1, keys // rounds), typed)
                lags[name] += more
        p50s = {}
        for name, label in (("kb", "cells pane only (baseline)"), ("kc", "cells + kernel pane")):
            p50s[name] = statistics.median(lags[name]) * 1000
            p90 = statistics.quantiles(lags[name], n=10)[-1] * 1000
            print(f"keystroke A -> B, cell running, {label:27s} p50 {p50s[name]:.0f} ms  p90 {p90:.0f} ms")
        print(f"kernel pane timer: p50 ratio with/without {p50s['kc'] / p50s['kb']:.2f} "
              "(1.00 = unchanged; noise on a shared machine ~±0.2)")
        for name in windows:
            t.keys(name, "q")
    finally:
        runner.terminate()


def start_to_visible(t: Tmux, name: str, path: Path, marker: str) -> tuple[float, float]:
    t.shell(name)
    start = t.launch(name, [str(path), "--name", name, "--images", "halfblock"])
    end = t.wait(name, lambda s: marker in s and " CMD " in s)
    time.sleep(0.5)
    return end - start, rss_mb(t.pane_pid(name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", type=int, default=1100)
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--starts", type=int, default=5, help="launches per notebook (the median is printed)")
    parser.add_argument("--panes-only", action="store_true", help="only the kernel-pane latency comparison")
    args = parser.parse_args()
    if TMUX is None:
        print("tmux is not installed")
        return
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    work = Path(tempfile.mkdtemp(prefix="rt-bench-"))
    t = Tmux(home)
    holders: list[subprocess.Popen[bytes]] = []
    try:
        small = work / "tour.ipynb"
        shutil.copy(ROOT / "examples" / "tour.ipynb", small)
        if args.panes_only:
            runt(home, "daemon", "start")
            kernel_pane_latency(t, home, small, args.keys)
            return
        big = work / "big.ipynb"
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_notebook.py"), str(big), "--cells", str(args.cells)],
                       check=True, capture_output=True)
        runt(home, "daemon", "start")
        holders = [hold_room(home, small), hold_room(home, big)]

        # Every start but the last quits again; the last stays open for the next parts.
        for label, name, path, marker, target in (
            ("7 cells:       ", "small", small, "Welcome to runt-tui", "0.35 s"),
            (f"{args.cells} cells:   ", "big", big, first_line(big, 0)[:20], "1.0 s "),
        ):
            runs = []
            for i in range(args.starts):
                last = i == args.starts - 1
                secs, rss = start_to_visible(t, name if last else f"{name}{i}", path, marker)
                runs.append(secs)
                if not last:
                    t.keys(f"{name}{i}", "q")
            extra = " (target 250 MB)" if name == "big" else ""
            spread = f"min {min(runs):.3f} max {max(runs):.3f}, {len(runs)} starts" if len(runs) > 1 else "1 start"
            print(f"start -> visible, {label} median {statistics.median(runs):.3f} s  ({spread}; target {target})"
                  f"  RSS {rss:.0f} MB{extra}")

        marker = first_line(big, args.cells - 1)[:24]
        start = time.perf_counter()
        t.keys("big", "End")
        end = t.wait("big", lambda s: marker in s)
        print(f"jump to the last cell:            {end - start:.3f} s  (target 0.2 s)")

        t.shell("b")
        t.launch("b", [str(small), "--name", "bob", "--images", "halfblock"])
        t.wait("b", lambda s: " CMD " in s and "small" in s)
        t.keys("small", "j", "Enter")
        t.wait("small", lambda s: " EDIT " in s)
        t.keys("small", "End")
        time.sleep(0.5)
        lags, _ = key_lags(t, "small", "b", args.keys, "")
        p50 = statistics.median(lags) * 1000
        p90 = statistics.quantiles(lags, n=10)[-1] * 1000
        print(f"keystroke A -> B screen:          p50 {p50:.0f} ms  p90 {p90:.0f} ms  (target p50 50 ms)")
        for name in ("small", "big", "b"):
            t.keys(name, "Escape", "q")
        kernel_pane_latency(t, home, small, args.keys)
    finally:
        t.close()
        for proc in holders:
            proc.terminate()
        runt(home, "daemon", "stop")
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
