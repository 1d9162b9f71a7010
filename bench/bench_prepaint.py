"""How soon `runt-tui NB.ipynb` has the notebook on a terminal: the pre-paint, against `python -c pass`.

    python bench/bench_prepaint.py [--runs 10] [--notebook small|large|huge]

Each run starts the real CLI on a fresh pty (120x40) with a fresh RUNT_TUI_HOME (so
it spawns a daemon first, as a first use does) and RUNT_TUI_PREPAINT_PROBE set, so
the process exits right after its frame; the time is from fork to the frame's
status bar on the pty. Paired with `python -c pass` on a pty in the same run
(alternating), whose time to exit is the interpreter's floor. Prints medians,
min–max and the ratio; the daemon of each run is stopped afterwards (untimed).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pty
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tui_context import notebook

CLI = [sys.executable, "-c", "from runt_tui.cli import main; main()"]


def on_pty(argv: list[str], env: dict[str, str], until: bytes | None) -> float:
    """Seconds from fork to `until` printed (None: to the process's exit)."""
    import fcntl
    import struct
    import termios

    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    out = b""
    seen = None
    try:
        while seen is None:
            if select.select([fd], [], [], 0.05)[0]:
                with contextlib.suppress(OSError):
                    out += os.read(fd, 1 << 16)
            if until is not None and until in out:
                seen = time.perf_counter() - start
            elif os.waitpid(pid, os.WNOHANG)[0]:
                seen = time.perf_counter() - start
                pid = 0
                if until is not None:
                    raise RuntimeError(f"exited without {until!r}: {out[-500:]!r}")
    finally:
        if pid:
            os.waitpid(pid, 0)
        os.close(fd)
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--notebook", default="small", choices=("small", "large", "huge"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rt-prepaint-bench-"))
    path = notebook(args.notebook, work)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RUNT_TUI_", "TMUX"))}
    base["TERM"] = "xterm-256color"
    floor: list[float] = []
    paint: list[float] = []
    try:
        for i in range(args.runs):
            floor.append(on_pty([sys.executable, "-c", "pass"], base, None))
            home = work / f"home{i}"
            env = {**base, "RUNT_TUI_HOME": str(home), "RUNT_TUI_PREPAINT_PROBE": str(work / "probe.json")}
            paint.append(on_pty([*CLI, str(path)], env, b"READ-ONLY"))
            subprocess.run([*CLI, "daemon", "stop"], env={**base, "RUNT_TUI_HOME": str(home)},
                           capture_output=True, timeout=60)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        shutil.rmtree(work, ignore_errors=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{args.notebook} notebook, {args.runs} paired runs, load {load}")
    for label, xs in (("python -c pass (exit)", floor), ("runt-tui pre-paint on screen", paint)):
        print(f"  {label:30} median {statistics.median(xs):.3f} s  ({min(xs):.3f}–{max(xs):.3f})")
    print(f"  ratio pre-paint / python -c pass: {statistics.median(paint) / statistics.median(floor):.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
