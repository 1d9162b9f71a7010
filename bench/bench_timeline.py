"""Benchmark the history timeline and the cost of signing changes (doc/authors.py, doc/timeline.py).

On a document of --cells cells edited --edits times by two authors it times:

    signed edits      set_source with `author` set (one authors entry per 20 s)
    unsigned edits    the same edits with no author (baseline)
    change_history    every change with its author, time and heads
    group_history     groups by author and minute, with the cells each touched
    get_changes       Automerge's own list of changes (baseline)

    python bench/bench_timeline.py [--cells 200] [--edits 3000]
"""

from __future__ import annotations

import argparse
import time

import runt_tui.doc.writer as writer
from runt_tui.doc import NotebookDoc, change_history, group_history


def edits(doc: NotebookDoc, ids: list[str], n: int, clock: list[float]) -> float:
    start = time.perf_counter()
    for i in range(n):
        clock[0] += 0.5  # two edits a second: a new signature every 40 edits
        doc.set_source(ids[i % len(ids)], f"x = {i}")
    return time.perf_counter() - start


def build(cells: int, author: str | None) -> tuple[NotebookDoc, list[str]]:
    doc = NotebookDoc.new()
    doc.author = author
    ids = [doc.insert_cell(i, "code", "") for i in range(cells)]
    doc.prepares = True
    return doc, ids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=200)
    ap.add_argument("--edits", type=int, default=3000)
    args = ap.parse_args()
    clock = [1_000_000.0]
    writer.now = lambda: clock[0]  # type: ignore[attr-defined]  # the writers' clock
    plain, plain_ids = build(args.cells, None)
    signed, signed_ids = build(args.cells, "alice")
    t_plain = edits(plain, plain_ids, args.edits, clock)
    t_signed = edits(signed, signed_ids, args.edits, clock)
    t0 = time.perf_counter()
    changes = signed.automerge.get_changes([])
    t_changes = time.perf_counter() - t0
    t0 = time.perf_counter()
    hist = change_history(signed)
    t_hist = time.perf_counter() - t0
    t0 = time.perf_counter()
    groups = group_history(signed, hist)
    t_groups = time.perf_counter() - t0
    print(f"{args.cells} cells, {args.edits} edits, {len(changes)} changes, {len(groups)} groups")
    print(f"unsigned edits   {t_plain * 1e6 / args.edits:8.1f} µs/edit (baseline)")
    print(f"signed edits     {t_signed * 1e6 / args.edits:8.1f} µs/edit  ratio {t_signed / t_plain:.2f}")
    print(f"get_changes      {t_changes * 1e3:8.1f} ms (baseline)")
    print(f"change_history   {t_hist * 1e3:8.1f} ms  ratio {t_hist / t_changes:.1f}")
    print(f"group_history    {t_groups * 1e3:8.1f} ms  ({t_groups * 1e3 / max(1, len(groups)):.2f} ms per group)")


if __name__ == "__main__":
    main()
