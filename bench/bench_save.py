"""Benchmark the daemon's save path against the plain nbformat serializer it replaced.

On the generated notebook (bench/gen_notebook.py), in nbformat's layout and in
json.dumps(indent=2) with sources as strings, it times, best of --repeat:

    nbformat layout (baseline)   to_notebook + serialize_notebook (what a save cost before)
    unchanged check              to_notebook + same_content (every autosave with nothing to write)
    edit in the file's layout    to_notebook + serialize_like after a one-character edit
    read baseline                load_baseline (opening, and after an external change)

and prints each as a ratio of the baseline, with the memory a Baseline keeps
(tracemalloc) against the file's size.

    python bench/bench_save.py [--cells 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_notebook import generate_text

from runt_tui.doc import (
    NotebookDoc,
    load_baseline,
    same_content,
    serialize_like,
    serialize_notebook,
)


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run(name: str, text: str, repeat: int) -> None:
    data = text.encode("utf-8")
    base, nb = load_baseline(data, "bench.ipynb")
    doc = NotebookDoc.load(NotebookDoc.from_notebook(nb).save())
    cid = doc.cell_ids()[len(doc) // 2]
    edited = doc.fork()
    edited.set_source(cid, edited.source(cid) + "!")
    rows = [
        ("nbformat layout (baseline)", lambda: serialize_notebook(doc.to_notebook())),
        ("unchanged check", lambda: same_content(doc.to_notebook(), base)),
        ("edit in the file's layout", lambda: serialize_like(edited.to_notebook(), base)),
        ("read baseline", lambda: load_baseline(data, "bench.ipynb")),
    ]
    times = {label: best(fn, repeat) for label, fn in rows}
    ref = times["nbformat layout (baseline)"]
    print(f"\n{name}: {len(data):,} bytes, {len(doc)} cells")
    for label, t in times.items():
        print(f"  {label:<28} {t * 1000:8.1f} ms   {t / ref:5.2f}x")
    tracemalloc.start()
    kept = load_baseline(data, "bench.ipynb")[0]
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  baseline kept in memory      {size / 1e6:8.1f} MB   {size / len(data):5.1f}x the file")
    del kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    text = generate_text(args.cells, args.seed)
    run("nbformat layout", text, args.repeat)
    run("json.dumps indent=2, sources as strings", json.dumps(json.loads(text), indent=2), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
