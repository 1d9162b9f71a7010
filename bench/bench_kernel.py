"""Kernel round trips through the daemon vs raw jupyter_client, on the same machine, same run.

    python bench/bench_kernel.py [--runs 100] [--lines 100000] [--progress 10000] [--repeat 3]

1. `1+1`: `Session.execute_cell` (a spawned daemon, a real socket, the outputs
   read back from the client's replica) vs a `BlockingKernelClient` on its own
   kernel (`execute_interactive`, which also waits for the reply and iopub idle).
   Target: median <= raw + 2 ms.
2. A cell printing --lines lines: total time (target <= 1.3x raw) and document
   growth, `len(doc.save())` after/before, vs the text size (target <= 2x).
3. A progress bar rewriting one line --progress times with `\\r` (flushed each time).

Prints figures only; nothing is asserted. The daemon runs with a private
RUNT_TUI_HOME and is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zmq
from jupyter_client.manager import KernelManager

from runt_tui import Session
from runt_tui.daemon.lifecycle import read_pid

LINES_CODE = "for i in range({n}):\n    print(i)"
PROGRESS_CODE = "import sys\nfor i in range({n}):\n    sys.stdout.write(f'\\r{{i}} of {n}')\n    sys.stdout.flush()\nprint()"


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def ms(x: float) -> str:
    return f"{x * 1000:8.2f} ms"


def paired(a: Callable[[], Any], b: Callable[[], Any], runs: int, warmup: int = 5) -> tuple[list[float], list[float]]:
    """Time `a` and `b` alternately, so a busy machine's drift hits both alike."""
    for _ in range(warmup):
        a()
        b()
    ta: list[float] = []
    tb: list[float] = []
    for i in range(runs):
        for fn, out in ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return ta, tb


class Raw:
    """A kernel of its own, driven by a BlockingKernelClient (what nbclient does)."""

    def __init__(self, transport: str) -> None:
        self.km = KernelManager(kernel_name="python3", transport=transport)
        if transport == "ipc":
            self.km.ip = tempfile.mkdtemp(prefix="rtb-") + "/k"
        self.km.start_kernel()
        self.kc = self.km.blocking_client()
        # As the daemon does: with zmq's default receive high-water mark a
        # client that falls behind a flood (the progress bar) loses messages,
        # the final idle status among them, and execute_interactive hangs.
        self.kc.context.setsockopt(zmq.RCVHWM, 0)
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str) -> str:
        parts: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                parts.append(msg["content"]["text"])

        reply = self.kc.execute_interactive(code, output_hook=hook, timeout=120)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"raw execution failed: {reply['content']}")
        return "".join(parts)

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def cpu_of(pid: int | None) -> float:
    """User+system CPU seconds of a process (0 if unknown)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--progress", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of the big cells (median reported)")
    ap.add_argument("--raw-transport", default="ipc", choices=["ipc", "tcp"])
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="rtb-", dir="/tmp")) / "home"
    os.environ["RUNT_TUI_HOME"] = str(home)
    session = Session(notebook_id="bench", home=home, name="bench")
    raw = Raw(args.raw_transport)
    try:
        session.connect()
        daemon_pid = read_pid(home)
        session.start_kernel()
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; raw kernel on {args.raw_transport}; "
              f"daemon pid {daemon_pid}")

        # -- 1+1 round trip ----------------------------------------------------------
        cell = session.create_cell("1+1")
        session.execute_cell(cell)
        ours, theirs = paired(lambda: session.execute_cell(cell), lambda: raw.run("1+1"), args.runs)
        print(f"\n1+1 round trip, {args.runs} runs each, alternating      median        p90")
        print(f"  Session.execute_cell                         {ms(statistics.median(ours))} {ms(pct(ours, 0.9))}")
        print(f"  raw jupyter_client                           {ms(statistics.median(theirs))} {ms(pct(theirs, 0.9))}")
        print(f"  overhead (median)                            {ms(statistics.median(ours) - statistics.median(theirs))}"
              "   target <= 2 ms")

        # -- big outputs ---------------------------------------------------------------
        for label, code, text_size in (
            (f"{args.lines:,} printed lines", LINES_CODE.format(n=args.lines),
             sum(len(f"{i}\n") for i in range(args.lines))),
            (f"progress bar, {args.progress:,} \\r updates", PROGRESS_CODE.format(n=args.progress),
             sum(len(f"\r{i} of {args.progress}") for i in range(args.progress)) + 1),
        ):
            cid = session.create_cell(code)
            times, growths, cpus, raw_times = [], [], [], []
            raw_text = None
            for _ in range(args.repeat):
                before = len(session.aio.doc.save())
                cpu0 = cpu_of(daemon_pid)
                t0 = time.perf_counter()
                result = session.execute_cell(cid)
                times.append(time.perf_counter() - t0)
                cpus.append(cpu_of(daemon_pid) - cpu0)
                growths.append(len(session.aio.doc.save()) - before)
                if not result.success:
                    print(f"  (our run failed: {result.status} {result.error})")
                t0 = time.perf_counter()
                try:
                    raw_text = raw.run(code)
                except TimeoutError:
                    print("  (raw jupyter_client timed out: it lost iopub messages; run not counted)")
                    continue
                raw_times.append(time.perf_counter() - t0)
            final = result.stdout
            t_ours, t_raw = statistics.median(times), statistics.median(raw_times or [float('nan')])
            print(f"\n{label}  (median of {args.repeat})")
            print(f"  Session.execute_cell        {t_ours:8.3f} s   (daemon CPU {statistics.median(cpus):.2f} s)")
            print(f"  raw jupyter_client          {t_raw:8.3f} s")
            print(f"  ratio                       {t_ours / t_raw:8.2f} x     target <= 1.3x")
            print(f"  stream text received        {text_size:,} bytes; kept in the cell {len(final):,} bytes")
            print(f"  document growth             {statistics.median(growths):,.0f} bytes = "
                  f"{statistics.median(growths) / text_size:.2f}x the text   target <= 2x")
            if "printed" in label:
                expected = "".join(f"{i}\n" for i in range(args.lines))
            else:
                expected = f"{args.progress - 1} of {args.progress}\n"
            raw_ok = raw_text is not None and len(raw_text) == text_size
            print(f"  output complete              ours: {final == expected}, raw: {raw_ok}")
        rooms = home / "rooms"
        size = sum(p.stat().st_size for p in rooms.rglob("*") if p.is_file()) if rooms.exists() else 0
        print(f"\npersisted room files now: {size:,} bytes")
    finally:
        raw.close()
        session.close()
        subprocess.run([sys.executable, "-c", "from runt_tui.cli import main; main()", "daemon", "stop"],
                       env={**os.environ, "RUNT_TUI_HOME": str(home)}, check=False, capture_output=True)


if __name__ == "__main__":
    main()
