"""Benchmark the output pane with a 20 MB stream (issue 12: large outputs stay responsive).

    python bench/bench_panes.py [--mb 20] [--moves 20]

Prints:
- a stream printed in 64 KiB steps up to MB megabytes: what the output pane's
  line model costs per step when it grows by the new tail, against splitting
  the whole text again each step (the baseline, same run);
- in the app (Pilot, 160x40, no kernel) on a notebook with a 20 MB stream and
  a 20 MB text/plain result: moving the selection between cells with the cells
  pane alone (baseline) and with the output pane beside it, which shows each
  big output in full (median per move, ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.tui import wait_until  # noqa: E402

from runt_tui.client import AsyncSession  # noqa: E402
from runt_tui.tui.app import NotebookApp  # noqa: E402
from runt_tui.tui.app_options import AppOptions  # noqa: E402
from runt_tui.tui.output_lines import OutputLines  # noqa: E402

LINE = "0123456789 " * 7 + "\n"
STEP = 64 * 1024


def growth(mb: float) -> None:
    """Per-step cost of a growing stream: incremental tail vs a fresh split."""
    total = int(mb * 1_000_000)
    text = ""
    lines = OutputLines()
    grow: list[float] = []
    fresh: list[float] = []
    chunk = LINE * (STEP // len(LINE))
    while len(text) < total:
        text += chunk
        out = [{"output_type": "stream", "name": "stdout", "text": text}]
        start = time.perf_counter()
        lines.set_outputs(out, {})
        grow.append(time.perf_counter() - start)
        if len(grow) % 16 == 0:  # the fresh split is slow: sample it
            start = time.perf_counter()
            OutputLines().set_outputs(out, {})
            fresh.append(time.perf_counter() - start)
    g, f = statistics.median(grow) * 1000, statistics.median(fresh) * 1000
    print(f"stream growing to {mb:g} MB in 64 KiB steps ({len(grow)} steps, {len(lines.lines):,} lines):")
    print(f"  grow by the tail: median {g:.2f} ms/step, max {max(grow) * 1000:.1f} ms")
    print(f"  split it all again (baseline): median {f:.1f} ms/step  -> ratio {g / f:.3f}")


async def moves(path: Path, panes: tuple[str, ...], count: int) -> list[float]:
    """Seconds per selection move (j then k between the big cells) with `panes` shown."""
    home = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
    session = AsyncSession(path=path, name="bench", embedded=True, home=home, kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False, panes=panes,
                                 config=home / "config.toml"), session=session)
    out: list[float] = []
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled, timeout=300)
            ids = session.doc.cell_ids()
            await pilot.press("j")
            await wait_until(pilot, lambda: app.pane.settled, timeout=120)
            for i in range(count):
                key, want = ("j", ids[2]) if i % 2 == 0 else ("k", ids[1])
                start = time.perf_counter()
                await pilot.press(key)
                await wait_until(pilot, lambda w=want: app.selected == w and app.pane.settled, timeout=120)  # type: ignore[misc]
                await pilot.pause()
                out.append(time.perf_counter() - start)
    finally:
        await session.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--moves", type=int, default=20)
    args = parser.parse_args()
    growth(args.mb)
    from test_tui_large import big_notebook_bytes

    work = Path(tempfile.mkdtemp(prefix="rt-bench-"))
    path = work / "big.ipynb"
    path.write_bytes(big_notebook_bytes())
    base = asyncio.run(moves(path, ("cells",), args.moves))
    with_output = asyncio.run(moves(path, ("cells", "output"), args.moves))
    b, w = statistics.median(base) * 1000, statistics.median(with_output) * 1000
    print("selection move between a 20 MB stream and a small cell (160x40):")
    print(f"  cells pane only (baseline): median {b:.0f} ms, max {max(base) * 1000:.0f} ms")
    print(f"  cells + output pane (full output): median {w:.0f} ms, max {max(with_output) * 1000:.0f} ms  -> ratio {w / b:.2f}")


if __name__ == "__main__":
    main()
