"""Benchmark notebook search (`/` in command mode) on a big notebook. Prints figures, asserts nothing.

    python bench/bench_search.py [--cells 1100] [--repeat 20]

A real replica (an embedded daemon in a temp RUNT_TUI_HOME) of a generated
notebook (bench/gen_notebook.py: 30 % markdown, outputs with tables, streams and
PNGs), searched through `SearchIndex` the way the app does: nothing is mounted,
everything is read from the document. Figures:

    baseline     reading every cell of the replica once (doc.cell for each id)
    cold         the first search: build the index (every cell read) + search
    warm         a search with the index built (the document unchanged)
    after edit   one cell's source changed: refresh (one cell read again) + search

Target (issue 19): a search across 1,100 lazy cells in <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_notebook import generate_text

from runt_tui.client import AsyncSession
from runt_tui.tui.notebook_search import SearchIndex


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


async def run(cells: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="runt-bench-search-") as tmp:
        home, nb = Path(tmp) / "home", Path(tmp) / "big.ipynb"
        home.mkdir(mode=0o700)
        nb.write_text(generate_text(cells))
        async with AsyncSession(path=nb, home=home, embedded=True, name="bench") as session:
            doc = session.doc
            order = doc.cell_ids()
            colds, warms, edits, reads = [], [], [], []
            hits = 0
            for n in range(repeat):
                t0 = time.perf_counter()
                for cid in order:
                    doc.cell(cid)
                reads.append(time.perf_counter() - t0)
                index = SearchIndex()
                t0 = time.perf_counter()
                index.refresh(doc, order)
                hits = len(index.search("variance", order))
                colds.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                index.refresh(doc, order)
                index.search("model", order)
                warms.append(time.perf_counter() - t0)
                cid = order[n % len(order)]
                await session.set_source(cid, doc.source(cid) + " variance")
                t0 = time.perf_counter()
                index.refresh(doc, order)
                index.search("variance", order)
                edits.append(time.perf_counter() - t0)
            baseline = statistics.median(reads)
            print(f"{len(order)} cells, {hits} hits for 'variance', median of {repeat} runs")
            print(f"baseline   read every cell   {ms(baseline)}")
            for label, values in (("cold", colds), ("warm", warms), ("after edit", edits)):
                median = statistics.median(values)
                print(f"{label:<10} {'':16} {ms(median)}   ({median / baseline:.2f} x baseline)"
                      f"   target <= 100 ms: {'ok' if median <= 0.1 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=1100)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.cells, args.repeat))


if __name__ == "__main__":
    main()
