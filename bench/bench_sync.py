"""Benchmark sync through a real daemon process (DESIGN.md §1, §2, §5). Prints figures, asserts nothing.

Measured, each against its target:

    edit-to-visible, 2 clients     A edits, B's replica listener fires   p50 <= 2 ms,  p99 <= 10 ms
    edit-to-visible, 10 clients    same, 8 more clients joined           p50 <= 5 ms,  p99 <= 20 ms
    edit-to-visible, 1,000 cells   2 clients typing in the big notebook  (same targets as 2 clients)
    raw Unix-socket echo           round trip to an asyncio echo process (the floor; ratio printed)
    acknowledged write             AsyncSession.set_source (edit + durable ack), reported
    open-to-synced, 1,000 cells    connect + join + replica loaded        <= 1 s  (cold from the
                                   .ipynb, warm with the room open, after a daemon restart)
    daemon CPU                     10 clients x 10 edits/s for --seconds  <= 30 % of one core
                                   (a fresh daemon; also printed second by second)

Edits are single keystrokes (one code point appended to a cell's source, sent with
`AsyncSession.edit`, the TUI's path). "Visible" is the moment B's replica applies the
change (a `Replica.listeners` callback). The daemon runs in its own process, with a
temp RUNT_TUI_HOME and default settings (autosave on); the clients run in this process
(on a 2-core machine they share a core, hence the "worst client lag" of the CPU part).

    python bench/bench_sync.py [--samples 500] [--seconds 10] [--cells 1000] [--profile]
                               [--only latency,big,acked,open,cpu]

--profile runs the daemon under cProfile and prints its top functions at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_notebook import generate_text

from runt_tui.client import AsyncSession
from runt_tui.doc import DocDelta, NotebookDoc

# ---- helpers -------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q / 100 * (len(s) - 1))))
    return s[k]


def ms(x: float) -> str:
    return f"{x * 1000:8.3f} ms"


def verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


class DaemonProcess:
    """A real detached daemon on a private temp state dir."""

    def __init__(self, home: Path, profile: Path | None = None) -> None:
        self.home = home
        self.profile = profile
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNT_TUI_")}
        env["RUNT_TUI_HOME"] = str(self.home)
        cmd = [sys.executable]
        if self.profile is not None:
            cmd += ["-m", "cProfile", "-o", str(self.profile)]
        cmd += ["-m", "runt_tui.daemon"]
        with open(self.home / "daemon.log", "ab") as log:
            self.proc = subprocess.Popen(
                cmd, env=env, stdout=log, stderr=log, start_new_session=True
            )
        sock = self.home / "daemon.sock"
        deadline = time.monotonic() + 30
        while not sock.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"daemon did not start; see {self.home / 'daemon.log'}")
            await asyncio.sleep(0.01)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> tuple[float, float]:
        """(user, system) CPU seconds used so far."""
        t = psutil.Process(self.pid).cpu_times()
        return float(t.user), float(t.system)

    async def stop(self) -> None:
        if self.proc is None:
            return
        # SIGTERM: a clean stop (also lets cProfile write its stats).
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            await asyncio.to_thread(self.proc.wait, 60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def session(
    home: Path, path: Path | None = None, notebook_id: str | None = None, name: str = "b"
) -> AsyncSession:
    return AsyncSession(path=path, notebook_id=notebook_id, name=name, home=home, autostart=False)


def type_char(s: AsyncSession, cid: str, ch: str) -> None:
    def edit(d: NotebookDoc) -> None:
        src = d.source(cid)
        d.set_source(cid, src + ch)

    s.edit(edit)


# ---- raw echo floor -----------------------------------------------------------------

ECHO_SERVER = textwrap.dedent(
    """
    import asyncio, sys

    async def handle(reader, writer):
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
        writer.close()

    async def main():
        server = await asyncio.start_unix_server(handle, path=sys.argv[1])
        print("ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
    """
)


async def echo_round_trips(workdir: Path, samples: int, size: int = 200) -> list[float]:
    """Round trips of `size`-byte messages to an asyncio echo server in another process."""
    path = workdir / "echo.sock"
    proc = subprocess.Popen([sys.executable, "-c", ECHO_SERVER, str(path)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        await asyncio.to_thread(proc.stdout.readline)
        reader, writer = await asyncio.open_unix_connection(str(path))
        msg = b"x" * size
        times = []
        for i in range(samples + 50):
            t0 = time.perf_counter()
            writer.write(msg)
            await reader.readexactly(size)
            if i >= 50:
                times.append(time.perf_counter() - t0)
        writer.close()
        return times
    finally:
        proc.kill()
        proc.wait()


# ---- edit-to-visible -------------------------------------------------------------------


async def edit_latency(
    home: Path, clients: int, samples: int, path: Path | None = None
) -> list[float]:
    """A types one character at a time; the time until B's replica has applied each one.

    In a small scratch notebook, or in the notebook at `path` (its second cell).
    """
    nid = None if path is not None else f"latency-{clients}"
    a = session(home, path=path, notebook_id=nid, name="a")
    await a.connect()
    cid = a.doc.cell_ids()[1] if path is not None else await a.create_cell("")
    await a.prepare_sources([cid])  # as the editor does when it opens the cell
    b = session(home, path=path, notebook_id=nid, name="b")
    await b.connect()
    others = [session(home, path=path, notebook_id=nid, name=f"o{i}") for i in range(clients - 2)]
    await asyncio.gather(*(o.connect() for o in others))
    assert b.replica is not None
    seen = asyncio.Event()
    t_seen = 0.0
    want = [0]

    def on_delta(delta: DocDelta) -> None:
        nonlocal t_seen
        assert b.replica is not None
        if len(b.replica.doc.source(cid)) >= want[0]:
            t_seen = time.perf_counter()
            seen.set()

    b.replica.listeners.append(on_delta)
    times = []
    for i in range(samples + min(20, samples // 5)):
        seen.clear()
        want[0] = i + 1
        t0 = time.perf_counter()
        type_char(a, cid, "abcdefghij"[i % 10])
        await asyncio.wait_for(seen.wait(), 10)
        if i >= min(20, samples // 5):  # warm-up
            times.append(t_seen - t0)
        # Let every other client take in this change too before the next keystroke,
        # as they would between real keystrokes.
        await asyncio.sleep(0.001)
    await asyncio.gather(*(s.close() for s in [a, b, *others]))
    return times


async def acked_write_latency(home: Path, samples: int) -> list[float]:
    """The Session API's acknowledged write (edit, then the daemon confirms it is durable)."""
    a = session(home, notebook_id="acked", name="a")
    await a.connect()
    cid = await a.create_cell("")
    times = []
    for i in range(samples):
        t0 = time.perf_counter()
        await a.set_source(cid, "x" * (i + 1))
        times.append(time.perf_counter() - t0)
    await a.close()
    return times


# ---- open-to-synced -----------------------------------------------------------------


async def open_to_synced(home: Path, nb: Path) -> tuple[float, float, int]:
    """Cold: the daemon loads the .ipynb. Warm: a second client joins the open room."""
    t0 = time.perf_counter()
    a = session(home, path=nb, name="a")
    await a.connect()
    cold = time.perf_counter() - t0
    n = len(a.doc)
    t0 = time.perf_counter()
    b = session(home, path=nb, name="b")
    await b.connect()
    warm = time.perf_counter() - t0
    assert len(b.doc) == n
    await b.close()
    await a.close()
    return cold, warm, n


# ---- daemon CPU under load ---------------------------------------------------------------


async def cpu_under_load(
    daemon: DaemonProcess, clients: int, rate: float, seconds: float
) -> tuple[float, float, int, float, list[float]]:
    """`clients` sessions each typing `rate` keystrokes/s in their own cell of one notebook."""
    home = daemon.home
    nb = home.parent / "load.ipynb"
    sessions = [session(home, path=nb, name=f"c{i}") for i in range(clients)]
    await sessions[0].connect()
    await asyncio.gather(*(s.connect() for s in sessions[1:]))
    cells = [await s.create_cell("") for s in sessions]
    await asyncio.sleep(0.5)
    sent = 0
    lag = 0.0

    async def typist(s: AsyncSession, cid: str, offset: float) -> None:
        nonlocal sent, lag
        await s.prepare_sources([cid])
        await asyncio.sleep(offset)
        start = time.perf_counter()
        k = 0
        while True:
            due = start + k / rate
            now = time.perf_counter()
            if due - start >= seconds:
                return
            if due > now:
                await asyncio.sleep(due - now)
            else:
                lag = max(lag, now - due)
            type_char(s, cid, "x")
            sent += 1
            k += 1

    series: list[float] = []

    async def sampler() -> None:
        last, t_last = sum(daemon.cpu_seconds()), time.perf_counter()
        while True:
            await asyncio.sleep(1.0)
            now, t_now = sum(daemon.cpu_seconds()), time.perf_counter()
            series.append((now - last) / (t_now - t_last))
            last, t_last = now, t_now

    (user0, sys0) = daemon.cpu_seconds()
    t0 = time.perf_counter()
    sampling = asyncio.get_running_loop().create_task(sampler())
    await asyncio.gather(
        *(
            typist(s, c, i / (rate * clients))
            for i, (s, c) in enumerate(zip(sessions, cells, strict=True))
        )
    )
    for s in sessions:
        await s.sync_now()
    wall = time.perf_counter() - t0
    sampling.cancel()
    user1, sys1 = daemon.cpu_seconds()
    # Everyone converged on everything.
    last = sessions[-1]
    await asyncio.sleep(0.2)
    total = sum(len(last.doc.source(c)) for c in cells)
    await asyncio.gather(*(s.close() for s in sessions))
    assert total == sent, (total, sent)
    return (user1 - user0) / wall, (sys1 - sys0) / wall, sent, lag, series


# ---- main ---------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="rt-bench-", dir="/tmp"))
    home = workdir / "home"
    profile = workdir / "daemon.prof" if args.profile else None
    daemon = DaemonProcess(home, profile)
    rows: list[tuple[str, str, str]] = []

    def row(name: str, value: str, note: str = "") -> None:
        rows.append((name, value, note))
        print(f"  {name:<42} {value:>22}  {note}", flush=True)

    try:
        await daemon.start()
        print(f"daemon pid {daemon.pid}, state dir {home}, cpus {os.cpu_count()}")

        echo = await echo_round_trips(workdir, args.samples)
        e50, e99 = pct(echo, 50), pct(echo, 99)
        row("raw unix-socket echo round trip p50/p99", f"{ms(e50)} / {ms(e99)}")

        parts = set(args.only.split(","))
        for n, t50, t99 in ((2, 0.002, 0.010), (10, 0.005, 0.020)):
            if "latency" not in parts:
                break
            lat = await edit_latency(home, n, args.samples)
            p50, p99 = pct(lat, 50), pct(lat, 99)
            row(
                f"edit-to-visible, {n:>2} clients p50/p99",
                f"{ms(p50)} / {ms(p99)}",
                f"p50 {verdict(p50, t50)} (<= {t50 * 1000:g} ms), p99 {verdict(p99, t99)} (<= {t99 * 1000:g} ms); "
                f"{p50 / e50:.1f}x / {p99 / e99:.1f}x the echo",
            )

        if "big" in parts:
            big = workdir / "typing.ipynb"
            big.write_text(generate_text(args.cells), encoding="utf-8")
            lat = await edit_latency(home, 2, max(20, args.samples // 10), big)
            p50, p99 = pct(lat, 50), pct(lat, 99)
            row(
                f"edit-to-visible, 2 clients, {args.cells} cells",
                f"{ms(p50)} / {ms(p99)}",
                f"p50 {verdict(p50, 0.002)}, p99 {verdict(p99, 0.010)} (same targets, a big notebook)",
            )

        if "acked" in parts:
            acked = await acked_write_latency(home, max(50, args.samples // 5))
            row(
                "acknowledged write (set_source) p50/p99",
                f"{ms(pct(acked, 50))} / {ms(pct(acked, 99))}",
                "(edit + durable ack)",
            )

        if "open" in parts:
            nb = workdir / "big.ipynb"
            nb.write_text(generate_text(args.cells), encoding="utf-8")
            cold, warm, n = await open_to_synced(home, nb)
            row(
                f"open-to-synced, {n} cells, cold",
                ms(cold),
                f"{verdict(cold, 1.0)} (<= 1 s; the daemon parses the .ipynb)",
            )
            row(
                f"open-to-synced, {n} cells, warm",
                ms(warm),
                f"{verdict(warm, 1.0)} (<= 1 s; the room is open)",
            )
            # A restarted daemon loads the room from its state dir, not from the .ipynb.
            await daemon.stop()
            await daemon.start()
            t0 = time.perf_counter()
            c = session(home, path=nb, name="c")
            await c.connect()
            restarted = time.perf_counter() - t0
            await c.close()
            row(
                f"open-to-synced, {n} cells, daemon restarted",
                ms(restarted),
                f"{verdict(restarted, 1.0)} (<= 1 s; the room loads from the state dir)",
            )

        if "cpu" in parts:
            # A fresh daemon: rooms of the parts above would close (and save) in the window.
            await daemon.stop()
            await daemon.start()
            user, system, sent, lag, series = await cpu_under_load(daemon, 10, 10.0, args.seconds)
            share = user + system
            row(
                "daemon CPU, 10 clients x 10 edits/s",
                f"{share * 100:7.1f} % core",
                f"{verdict(share, 0.30)} (<= 30 %); user {user * 100:.1f} % + system {system * 100:.1f} %; "
                f"{sent} edits, worst client lag {lag * 1000:.0f} ms",
            )
            row(
                "  per second, as history grows",
                " ".join(f"{x * 100:.0f}" for x in series),
                "(% core)",
            )
    finally:
        await daemon.stop()
        if profile is not None and profile.exists():
            print("\ndaemon profile (cumulative, top 25):")
            pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(25)
            print("daemon profile (own time, top 20):")
            pstats.Stats(str(profile)).sort_stats("tottime").print_stats(20)
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--only",
        default="latency,big,acked,open,cpu",
        help="comma-separated parts to run: latency, big, acked, open, cpu (the echo floor always runs)",
    )
    args = parser.parse_args(argv)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
