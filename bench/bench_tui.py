"""Benchmark the app as a user sees it: real `runt-tui` processes in tmux, timed by polling the screen.

    python bench/bench_tui.py [--cells 1100] [--keys 40] [--starts 5]

Prints: process start to notebook visible (7 cells; 1,100 cells with resident
memory), keystroke in terminal A to the character on terminal B's screen (p50,
p90), and the jump to the last cell of the 1,100-cell notebook. Targets (issue
5): 0.35 s; 1.0 s and 250 MB; 50 ms; 0.2 s. Polling `capture-pane` costs a few
milliseconds per look, which is included in every figure.
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

    def shell(self, name: str) -> None:
        self.run("new-session", "-d", "-s", name, "-x", "80", "-y", "24", "sh")
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
        lags: list[float] = []
        typed = ""
        for i in range(args.keys):
            ch = "abcdefghijklmnopqrstuvwxyz"[i % 26]
            typed += ch
            needle = typed[-8:]
            start = time.perf_counter()
            t.keys("small", ch, literal=True)
            end = t.wait("b", lambda s, n=needle: n in s, timeout=10)
            lags.append(end - start)
            time.sleep(0.03)
        p50 = statistics.median(lags) * 1000
        p90 = statistics.quantiles(lags, n=10)[-1] * 1000
        print(f"keystroke A -> B screen:          p50 {p50:.0f} ms  p90 {p90:.0f} ms  (target p50 50 ms)")
    finally:
        t.close()
        for proc in holders:
            proc.terminate()
        runt(home, "daemon", "stop")
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
