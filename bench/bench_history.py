"""What history compaction costs and saves: a document whose cell reran a 1 MB output N times.

Builds the document the way the daemon writes a run (one stream output in 4 KiB
chunks, cleared by the next run), then times, in the same run:

    save()          the bloated document's bytes (what joins and the store pay)  baseline
    fork + rebuild  doc/history.rebuilt (the daemon does it on a thread)
    save() after    the rebuilt document's bytes

and prints the sizes before and after and each time as a ratio of the baseline.

    python bench/bench_history.py [--runs 6] [--mib 1]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import TypeVar

from runt_tui.daemon.outputs_writer import CellOutputWriter
from runt_tui.doc import NotebookDoc
from runt_tui.doc.history import rebuilt


def bloated(runs: int, mib: float) -> NotebookDoc:
    """A one-cell document after `runs` runs each printing `mib` MiB of random hex."""
    doc = NotebookDoc.new()
    cid = doc.insert_cell(0, "code", "print(...)")
    lines = int(mib * 1024 * 1024 / 101)
    for run in range(runs):
        writer = CellOutputWriter(doc, cid, None, 1 << 30)
        writer.begin()
        text = ""
        for chunk in range(0, lines, 400):  # one flush per ~40 KB, as a busy kernel does
            text += "".join(os.urandom(50).hex() + "\n" for _ in range(min(400, lines - chunk)))
            writer.apply(1, {0: {"output_type": "stream", "name": "stdout", "text": text}}, run + 1)
    return doc


T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--mib", type=float, default=1.0)
    args = parser.parse_args()
    doc = bloated(args.runs, args.mib)
    base_t, before = timed(doc.save)
    rebuild_t, new = timed(lambda: rebuilt(doc.fork()))
    after_t, after = timed(new.save)
    print(f"{args.runs} runs of {args.mib:g} MiB: history {len(before):,} bytes -> {len(after):,} bytes after compaction "
          f"({len(before) / len(after):.1f}x smaller)")
    print(f"{'save() before (baseline)':28} {base_t * 1000:8.1f} ms  1.00x")
    print(f"{'fork + rebuild':28} {rebuild_t * 1000:8.1f} ms  {rebuild_t / base_t:.2f}x")
    print(f"{'save() after':28} {after_t * 1000:8.1f} ms  {after_t / base_t:.2f}x")


if __name__ == "__main__":
    main()
