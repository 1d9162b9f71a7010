"""A tqdm loop through the daemon: widget bar (tqdm.notebook) vs text bar (tqdm.std on stdout), same run.

    python bench/bench_widgets.py [--steps 1000] [--repeat 3]

For each: the cell's wall time as the client sees it (execute_cell), the
document growth (`len(doc.save())` after/before) and, for the widget bar,
how many `widget` events a second client received (kernel updates of one
model within a loop iteration are merged into one event). Prints figures and
the widget/text ratio; nothing is asserted. An embedded daemon in a private
RUNT_TUI_HOME.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from runt_tui.client import AsyncSession

WIDGET = "from tqdm.notebook import tqdm\nimport time\nfor i in tqdm(range({n})):\n    time.sleep(0.0005)"
TEXT = "from tqdm import tqdm\nimport sys, time\nfor i in tqdm(range({n}), file=sys.stdout, mininterval=0):\n    time.sleep(0.0005)"


async def one(s: AsyncSession, code: str) -> tuple[float, int]:
    before = len(s.doc.save())
    cid = await s.create_cell(code)
    start = time.perf_counter()
    await s.execute_cell(cid)
    wall = time.perf_counter() - start
    await s.sync_now()
    return wall, len(s.doc.save()) - before


async def main(steps: int, repeat: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="rtb-", dir="/tmp"))
    a = AsyncSession(notebook_id="bench", embedded=True, home=home, name="a")
    await a.connect()
    b = AsyncSession(notebook_id="bench", home=home, name="b", autostart=False)
    await b.connect()
    events: list[dict[str, Any]] = []
    b.event_listeners.append(lambda e: events.append(e) if e.get("type") == "widget" else None)
    await a.start_kernel()
    await one(a, "import tqdm, ipywidgets")  # imports out of the measurement
    rows: dict[str, list[tuple[float, int]]] = {"widget": [], "text": []}
    counts = []
    for _ in range(repeat):
        for name, code in (("text", TEXT), ("widget", WIDGET)):
            events.clear()
            rows[name].append(await one(a, code.format(n=steps)))
            if name == "widget":
                await asyncio.sleep(0.2)
                counts.append(len(events))
    for name, got in rows.items():
        wall = statistics.median(w for w, _ in got)
        grown = statistics.median(g for _, g in got)
        print(f"{name:7s} {steps} steps: {wall * 1000:8.1f} ms   document +{grown / 1024:7.1f} KiB")
    ratio = statistics.median(w for w, _ in rows["widget"]) / statistics.median(w for w, _ in rows["text"])
    print(f"widget/text wall time: {ratio:.2f}x   widget events at a second client: {statistics.median(counts):.0f}")
    await a.shutdown_kernel()
    await b.close()
    await a.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.steps, args.repeat))
