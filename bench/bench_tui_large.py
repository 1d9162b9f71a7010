"""Benchmark the app with huge outputs: a 20 MB stream, a 20 MB text/plain result, a ~5 MB PNG.

    python bench/bench_tui_large.py [--mb 20] [--keys 20]

Runs the real app in-process under Textual's Pilot (headless, 80x24, half-block
images, embedded daemon). Every app figure is "key pressed -> the pane settled
and the screen refreshed", so wall times include Pilot's own per-key overhead
(its idle detection, ~0.1 s); the process CPU time spent meanwhile is printed
beside them, and the same figures on a notebook with tiny outputs are printed
first as the baseline. Issue 6
asks that a cell with a 20 MB output keeps the app responsive.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from runt_tui.client import AsyncSession
from runt_tui.render import RenderOptions, render_output
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the tests' helpers
from support.tui import png, wait_until, write_notebook

LINE = "0123456789 " * 7 + "\n"
CELLS = [("code", "a = 1"), ("code", "print(big)"), ("code", "b = 2"), ("code", "big"),
         ("code", "figure"), ("code", "c = 3")]


def outputs(megabytes: float) -> dict[int, list[dict[str, Any]]]:
    big = LINE * int(megabytes * 1_000_000 / len(LINE))
    side = max(8, int((megabytes / 4 * 1_000_000 / 3) ** 0.5))  # ~mb/4 MB of pixels
    return {
        1: [{"output_type": "stream", "name": "stdout", "text": big}],
        3: [{"output_type": "execute_result", "execution_count": 4, "metadata": {}, "data": {"text/plain": big}}],
        4: [{"output_type": "display_data", "metadata": {},
             "data": {"image/png": png(side, side, noise=True), "text/plain": "<Figure>"}}],
    }


def bench_renderers(outs: dict[int, list[dict[str, Any]]]) -> None:
    console = Console(width=74, file=open(os.devnull, "w"), color_system="truecolor")  # noqa: SIM115
    options = RenderOptions(images="halfblock")
    for label, out in (("stream", outs[1][0]), ("text/plain", outs[3][0]), ("PNG", outs[4][0])):
        start = time.perf_counter()
        result = render_output(out, width=74, options=options, cache=False)
        built = time.perf_counter()
        console.print(result.renderable)
        painted = time.perf_counter()
        render_output(out, width=74, options=options)  # fill the cache
        again = time.perf_counter()
        render_output(out, width=74, options=options)
        hit = time.perf_counter() - again
        print(f"  render {label:10} build {1000 * (built - start):6.1f} ms   first paint "
              f"{1000 * (painted - built):6.1f} ms   cache hit {1000 * hit:5.1f} ms")


Sample = tuple[float, float]  # (wall, CPU) seconds


async def timed(pilot: Any, app: NotebookApp, *keys: str, until: Callable[[], object] | None = None) -> Sample:
    """Wall and process CPU time from pressing keys to the pane settled and repainted."""
    start, cpu = time.perf_counter(), time.process_time()
    await pilot.press(*keys)
    await wait_until(pilot, lambda: app.pane.settled and (until is None or until()), timeout=120)
    await pilot.pause()
    return time.perf_counter() - start, time.process_time() - cpu


def one(sample: Sample) -> str:
    return f"{1000 * sample[0]:6.1f} ms (CPU {1000 * sample[1]:5.1f} ms)"


def summary(samples: list[Sample]) -> str:
    def p(values: list[float], q: float) -> float:
        return sorted(values)[max(0, int(len(values) * q + 0.5) - 1)] * 1000

    wall = [s[0] for s in samples]
    cpu = [s[1] for s in samples]
    return (f"p50 {statistics.median(wall) * 1000:6.1f} ms  p90 {p(wall, 0.9):6.1f} ms"
            f"  (CPU p50 {statistics.median(cpu) * 1000:5.1f} ms  p90 {p(cpu, 0.9):5.1f} ms)")


async def run_app(path: Path, home: Path, keys: int, label: str) -> None:
    session = AsyncSession(path=path, name="bench", embedded=True, home=home, kind="tui")
    app = NotebookApp(AppOptions(path=path, images="halfblock", start_kernel=False), session=session)
    start = time.perf_counter()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.ready and app.pane.settled, timeout=300)
            await pilot.pause()
            print(f"  [{label}] open -> first paint:                 {time.perf_counter() - start:6.3f} s")
            ids = session.doc.cell_ids()
            first = await timed(pilot, app, "j")
            print(f"  [{label}] j onto the stream cell (mount+paint): {one(first)}")
            steps: list[Sample] = []
            for i in range(keys):
                steps.append(await timed(pilot, app, "j" if i % 2 else "k"))
            print(f"  [{label}] j/k with it on screen:                {summary(steps)}")
            walk = [await timed(pilot, app, "j") for _ in ids[2:]] + [await timed(pilot, app, "k") for _ in ids[2:]]
            print(f"  [{label}] j/k onto and past every cell:         {summary(walk)}")
            pages = [await timed(pilot, app, "pagedown") for _ in range(10)]
            print(f"  [{label}] PgDn through the outputs:             {summary(pages)}")
            await timed(pilot, app, "home")
            await timed(pilot, app, "j")
            # Before any edit: the daemon saving a 50 MB notebook would muddle the CPU figures.
            expand = await timed(pilot, app, "o")
            collapse = await timed(pilot, app, "o")
            print(f"  [{label}] o: expand the stream:                  {one(expand)}")
            print(f"  [{label}] o: collapse it again:                 {one(collapse)}")
            enter = await timed(pilot, app, "enter", until=lambda: app.editor is not None)
            print(f"  [{label}] Enter: edit the stream cell:          {one(enter)}")
            await pilot.press("end")
            typing: list[Sample] = []
            for n in range(keys):
                want = "print(big)" + "x" * (n + 1)

                def typed(want: str = want) -> bool:
                    return session.doc.source(ids[1]) == want

                typing.append(await timed(pilot, app, "x", until=typed))
            print(f"  [{label}] typing in it (key -> doc + paint):    {summary(typing)}")
            await timed(pilot, app, "escape", until=lambda: app.editor is None)
    finally:
        await session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=20.0, help="size of each big text output in MB")
    parser.add_argument("--keys", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rt-bench-", dir="/tmp"))
    try:
        outs = outputs(args.mb)
        print(f"outputs: {args.mb:g} MB stream, {args.mb:g} MB text/plain, "
              f"{len(outs[4][0]['data']['image/png']) * 3 / 4 / 1e6:.1f} MB PNG")
        bench_renderers(outs)
        big = write_notebook(work / "big.ipynb", CELLS, outs)
        small = write_notebook(work / "small.ipynb", CELLS, outputs(0.002))
        print(f"notebook on disk: {big.stat().st_size / 1e6:.1f} MB")
        asyncio.run(run_app(small, work / "home-small", args.keys, "tiny"))
        asyncio.run(run_app(big, work / "home-big", args.keys, f"{args.mb:g} MB"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
