"""Benchmark keystroke edit-to-visible over an SSH forward vs locally, on loopback. Prints figures, asserts nothing.

One real daemon process (temp RUNT_TUI_HOME) and a real sshd on 127.0.0.1
(tests/sshd_support.py: free port, temporary keys). Three pairs of clients in
the same room, measured in the same run, interleaved round by round so that
machine load hits them alike:

    local          A and B on the daemon's socket (the baseline)
    one forward    A local, B through its own `ssh -L` forward
    two forwards   A and B each through their own forward (two people on two laptops)

A types one character (`AsyncSession.edit`, the TUI's path); "visible" is the
moment B's replica applies it (bench/bench_sync.py's method). Target: the
forward adds < 1 ms at p50 over local.

    python bench/bench_ssh.py [--samples 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_sync import DaemonProcess, ms, pct, type_char
from sshd_support import MISSING, Server, running_sshd

from runt_tui.client import AsyncSession
from runt_tui.doc import DocDelta


def make(home: Path, nb: Path, name: str, server: Server | None, local_home: Path) -> AsyncSession:
    """A session on the daemon's socket, or through an ssh:// forward of its own when `server` is given."""
    if server is None:
        return AsyncSession(path=nb, name=name, home=home, autostart=False)
    return AsyncSession(url=server.url(nb), name=name, home=local_home,
                        ssh_command=server.ssh_command, remote_command=server.remote_command)


async def latencies(a: AsyncSession, b: AsyncSession, samples: int) -> list[float]:
    """A types `samples` characters; each one's time until B's replica has it."""
    cid = a.doc.cell_ids()[0]
    await a.prepare_sources([cid])
    await b.sync_now()
    assert b.replica is not None
    seen = asyncio.Event()
    t_seen = 0.0
    want = [len(a.doc.source(cid))]

    def on_delta(delta: DocDelta) -> None:
        nonlocal t_seen
        assert b.replica is not None
        if len(b.replica.doc.source(cid)) >= want[0]:
            t_seen = time.perf_counter()
            seen.set()

    b.replica.listeners.append(on_delta)
    times = []
    for i in range(samples + 20):
        seen.clear()
        want[0] += 1
        t0 = time.perf_counter()
        type_char(a, cid, "abcdefghij"[i % 10])
        await asyncio.wait_for(seen.wait(), 10)
        if i >= 20:  # warm-up
            times.append(t_seen - t0)
        await asyncio.sleep(0.001)
    b.replica.listeners.remove(on_delta)
    return times


async def main_async(samples: int, rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="rt-bs-", dir="/tmp"))
    home = work / "d"
    daemon = DaemonProcess(home)
    await daemon.start()
    try:
        with running_sshd(remote_home=home) as server:
            pairs: dict[str, tuple[AsyncSession, AsyncSession]] = {}
            for label, sa, sb in (("local", None, None), ("one forward", None, server),
                                  ("two forwards", server, server)):
                nb = work / f"{label.replace(' ', '-')}.ipynb"
                a = make(home, nb, "a", sa, work / "la")
                b = make(home, nb, "b", sb, work / "lb")
                await a.connect()
                if not a.doc.cell_ids():
                    await a.create_cell("")
                await b.connect()
                pairs[label] = (a, b)
            results: dict[str, list[float]] = {k: [] for k in pairs}
            for _ in range(rounds):
                for label, (a, b) in pairs.items():
                    results[label] += await latencies(a, b, samples // rounds)
            base = pct(results["local"], 50)
            print(f"edit-to-visible, {len(results['local'])} keystrokes per case, loopback sshd "
                  f"({server.ssh_command.split()[0]}), rounds interleaved")
            print(f"  {'case':14} {'p50':>11} {'p90':>11} {'p99':>11}   p50 - local")
            for label, times in results.items():
                p50 = pct(times, 50)
                extra = "" if label == "local" else f"   {ms(p50 - base)}  ({'ok' if p50 - base < 0.001 else 'MISSED'}: < 1 ms)"
                print(f"  {label:14} {ms(p50)} {ms(pct(times, 90))} {ms(pct(times, 99))}{extra}")
            for a, b in pairs.values():
                await a.close()
                await b.close()
    finally:
        await daemon.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if MISSING:
        sys.exit("bench_ssh: OpenSSH (sshd, ssh, ssh-keygen) is not installed")
    asyncio.run(main_async(args.samples, args.rounds))


if __name__ == "__main__":
    main()
