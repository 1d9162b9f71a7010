"""Cold start, warm start and keystroke A -> B of this tree against another tree, paired and alternating.

    git archive main | tar -x -C /tmp/rt-before
    python bench/bench_firstpaint.py --before /tmp/rt-before [--runs 5] [--keys 45] [--only cold,warm,keys]

Each case runs the other tree ("before") and this one ("after") in alternating
order in the same tmux server, so machine load hits both alike; the ratio
after/before of the medians is printed with the min-max.

- cold: no daemon for the state dir (a fresh one per start): `runt-tui NB` until
  the first cell's line and the status bar are on screen (the read-only first
  paint counts: it is what the user sees); resident memory 1.5 s later.
- warm: a daemon running (the notebook not yet loaded), otherwise the same.
- keys: two terminals A and B on one notebook; a letter typed in A's editor until
  it shows on B's screen (one key in three timed on A's own screen instead).
  Letters are random, so every awaited 10-letter tail is unique.

The before tree runs with this venv's interpreter, its own code first on the path
(the clients only: the daemon a client spawns is this tree's). Polling
`capture-pane` costs a few milliseconds per look, included in every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
SOCKET = f"rt-fp-{os.getpid()}"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def code(tree: str | None) -> str:
    """`python -c` code running the CLI from `tree` (None: this venv's editable install)."""
    if tree is None:
        return "from runt_tui.cli import main; main()"
    return ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in type(f).__module__]; "
            f"sys.path.insert(0, {tree!r}); from runt_tui.cli import main; main()")


def runt(home: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-c", code(None), *args], env={**os.environ, "RUNT_TUI_HOME": str(home)},
                   capture_output=True, timeout=120)


def launch(name: str, tree: str | None, home: Path, nb: Path, who: str) -> float:
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", "sh")
    time.sleep(0.3)
    argv = [sys.executable, "-c", code(tree), str(nb), "--name", who, "--images", "halfblock"]
    env = f"RUNT_TUI_HOME={shlex.quote(str(home))} TERM=xterm-256color"
    start = time.perf_counter()
    tmux("send-keys", "-t", name, f"{env} exec {shlex.join(argv)}", "Enter")
    return start


def wait(name: str, predicate: Callable[[str], bool], timeout: float = 60.0) -> float:
    deadline = time.perf_counter() + timeout
    screen = ""
    while time.perf_counter() < deadline:
        screen = tmux("capture-pane", "-p", "-t", name)
        if predicate(screen):
            return time.perf_counter()
        time.sleep(0.001)
    raise TimeoutError(f"{name}:\n{screen}")


def rss_mb(name: str) -> float:
    pid = int(tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_start(tree: str | None, warm: bool, nb: Path, marker: str, tag: str) -> tuple[float, float]:
    home = Path(tempfile.mkdtemp(prefix="rt-fph-", dir="/tmp"))
    try:
        if warm:
            runt(home, "daemon", "start")
        start = launch(tag, tree, home, nb, "ann")
        end = wait(tag, lambda s: marker in s and " CMD " in s)
        time.sleep(1.5)
        rss = rss_mb(tag)
        tmux("send-keys", "-t", tag, "q")
        time.sleep(0.5)
        tmux("kill-session", "-t", tag)
        return end - start, rss
    finally:
        runt(home, "daemon", "stop")
        shutil.rmtree(home, ignore_errors=True)


def key_block(tree: str | None, nb0: Path, keys: int, rng: random.Random, tag: str) -> tuple[list[float], list[float]]:
    """(A -> B lags, A -> A lags) in seconds, for `keys` letters typed in A."""
    home = Path(tempfile.mkdtemp(prefix="rt-fpk-", dir="/tmp"))
    nb = nb0.with_name(f"keys-{tag}.ipynb")
    shutil.copy(nb0, nb)
    a, b = f"a{tag}", f"b{tag}"
    try:
        runt(home, "daemon", "start")
        launch(a, tree, home, nb, "ann")
        wait(a, lambda s: " CMD " in s and "first" in s)
        launch(b, tree, home, nb, "bob")
        wait(b, lambda s: " CMD " in s and "first" in s and "ann" in s)
        tmux("send-keys", "-t", a, "Enter")
        wait(a, lambda s: " EDIT " in s)
        tmux("send-keys", "-t", a, "End")
        time.sleep(0.5)
        typed, to_b, to_a = "first", [], []
        for i in range(keys):
            typed += rng.choice("abcdefghijklmnopqrstuvwxyz")
            needle = typed[-10:]
            watch = a if i % 3 == 2 else b
            start = time.perf_counter()
            tmux("send-keys", "-t", a, "-l", typed[-1])
            end = wait(watch, lambda s: needle in s, 10)  # noqa: B023 (waited for here)
            (to_a if watch == a else to_b).append(end - start)
            if watch == a:
                wait(b, lambda s: needle in s, 10)  # noqa: B023
            time.sleep(0.03)
        for name in (a, b):
            tmux("send-keys", "-t", name, "Escape")
            time.sleep(0.2)
            tmux("send-keys", "-t", name, "q")
        time.sleep(0.5)
        return to_b, to_a
    finally:
        for name in (a, b):
            tmux("kill-session", "-t", name)
        runt(home, "daemon", "stop")
        shutil.rmtree(home, ignore_errors=True)


def summary(label: str, before: list[float], after: list[float], unit: str = "s", scale: float = 1.0) -> str:
    mb, ma = statistics.median(before) * scale, statistics.median(after) * scale
    return (f"{label:18s} before {mb:7.3f} {unit} ({min(before) * scale:.3f}-{max(before) * scale:.3f})  "
            f"after {ma:7.3f} {unit} ({min(after) * scale:.3f}-{max(after) * scale:.3f})  ratio {ma / mb:.2f}  n={len(after)}")


def p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10)[-1] if len(xs) > 1 else xs[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="a source tree of runt-tui to compare with (e.g. main's)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=45, help="letters per key block (two blocks per tree)")
    parser.add_argument("--only", default="cold,warm,keys")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed")
        return
    cases = args.only.split(",")
    work = Path(tempfile.mkdtemp(prefix="rt-fp-"))
    trees: list[tuple[str, str | None]] = [("before", args.before), ("after", None)]
    tmux("new-session", "-d", "-s", "keep", "sh")
    try:
        nb = work / "nb13.ipynb"
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_notebook.py"), str(nb), "--cells", "13"],
                       check=True, capture_output=True)
        src = json.loads(nb.read_text())["cells"][0]["source"]
        marker = ("".join(src) if isinstance(src, list) else src).splitlines()[0].lstrip("# ")[:20]
        for case in ("cold", "warm"):
            if case not in cases:
                continue
            secs: dict[str, list[float]] = {"before": [], "after": []}
            rss: dict[str, list[float]] = {"before": [], "after": []}
            for r in range(args.runs):
                for label, tree in trees if r % 2 == 0 else trees[::-1]:
                    s, m = one_start(tree, case == "warm", nb, marker, f"{case}{label}{r}")
                    secs[label].append(s)
                    rss[label].append(m)
            print(summary(f"{case} start", secs["before"], secs["after"]))
            print(f"{case} RSS          before {statistics.median(rss['before']):.1f} MB  "
                  f"after {statistics.median(rss['after']):.1f} MB")
        if "keys" in cases:
            import nbformat
            from nbformat.v4 import new_code_cell, new_notebook

            cells = [new_code_cell("first"), new_code_cell("second")]
            for i, cell in enumerate(cells):
                cell.id = f"c{i}"
            keys_nb = work / "keys.ipynb"
            nbformat.write(new_notebook(cells=cells), str(keys_nb))
            rng = random.Random(1)
            to_b: dict[str, list[float]] = {"before": [], "after": []}
            to_a: dict[str, list[float]] = {"before": [], "after": []}
            for r in range(2):
                for label, tree in trees if r % 2 == 0 else trees[::-1]:
                    lb, la = key_block(tree, keys_nb, args.keys, rng, f"{label}{r}")
                    to_b[label] += lb
                    to_a[label] += la
            for label in ("before", "after"):
                b, a = to_b[label], to_a[label]
                print(f"keystroke {label:6s}  A->B p50 {statistics.median(b) * 1000:.1f} ms  p90 {p90(b) * 1000:.1f} ms"
                      f"  (n={len(b)})   A->A p50 {statistics.median(a) * 1000:.1f} ms (n={len(a)})")
    finally:
        tmux("kill-server")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
