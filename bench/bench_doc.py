"""Benchmark the notebook document against its targets (DESIGN.md §2, §3).

On the generated 1,000-cell notebook (bench/gen_notebook.py) it times:

    .ipynb -> document    read_notebook + NotebookDoc.from_notebook       target <= 1.0 s
    document -> bytes     doc.save()                                      (reported)
    bytes -> document     NotebookDoc.load(bytes)                         target <= 0.5 s
    document -> .ipynb    to_notebook + serialize_notebook + atomic write  target <= 0.3 s

and, in the same run, plain nbformat.read / nbformat.write of the same file as a
baseline, with the ratios. Each step runs --repeat times (default 3); the table shows
the best and the median.

    python bench/bench_doc.py [--notebook FILE] [--cells 1000] [--repeat 3] [--check]

--check exits with status 1 when a target is missed (for CI use; tests never time).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_notebook import generate_text

from runt_tui.doc import (
    NotebookDoc,
    read_notebook,
    serialize_notebook,
    write_notebook_atomic,
)


@dataclass
class Timing:
    name: str
    times: list[float]
    target: float | None = None

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def ok(self) -> bool:
        return self.target is None or self.best <= self.target


def measure(name: str, fn: Callable[[], Any], repeat: int, target: float | None = None) -> Timing:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return Timing(name, times, target)


timings_sizes: dict[str, int] = {}


def run(path: Path, repeat: int, workdir: Path) -> list[Timing]:
    out_doc = workdir / "out-doc.ipynb"
    out_nbf = workdir / "out-nbformat.ipynb"

    # Warm up imports and caches (nbformat schema load, automerge extension).
    NotebookDoc.from_notebook(read_notebook(path)).save()
    nbformat.validate(nbformat.read(path, as_version=4))

    state: dict[str, Any] = {}

    def ipynb_to_doc() -> None:
        state["doc"] = NotebookDoc.from_notebook(read_notebook(path))

    def doc_to_bytes() -> None:
        state["bytes"] = state["doc"].save()

    def bytes_to_doc() -> None:
        state["loaded"] = NotebookDoc.load(state["bytes"])

    def doc_to_ipynb() -> None:
        nb = state["loaded"].to_notebook()
        state["written"] = write_notebook_atomic(out_doc, nb)

    def doc_to_notebook() -> None:
        state["nb"] = state["loaded"].to_notebook()

    def serialize() -> None:
        serialize_notebook(state["nb"])

    def nbf_read() -> None:
        state["nbf"] = nbformat.read(path, as_version=4)

    def nbf_write() -> None:
        nbformat.write(state["nbf"], out_nbf)

    timings = [
        measure(".ipynb -> document", ipynb_to_doc, repeat, 1.0),
        measure("document -> bytes (save)", doc_to_bytes, repeat),
        measure("bytes -> document (load)", bytes_to_doc, repeat, 0.5),
        measure("document -> .ipynb", doc_to_ipynb, repeat, 0.3),
        measure("  of which to_notebook", doc_to_notebook, repeat),
        measure("  of which serialize", serialize, repeat),
        measure("nbformat.read (baseline)", nbf_read, repeat),
        measure("nbformat.write (baseline)", nbf_write, repeat),
    ]
    timings_sizes.update(
        file=path.stat().st_size, saved=len(state["bytes"]), written=len(state["written"])
    )
    if state["written"] != path.read_bytes():
        print("note: the written .ipynb differs from the input file", file=sys.stderr)
    return timings


def report(timings: list[Timing], repeat: int) -> bool:
    by_name = {t.name: t for t in timings}
    print(f"{'step':<28} {'best':>9} {'median':>9} {'target':>8}  ok")
    for t in timings:
        target = f"{t.target:.2f} s" if t.target is not None else ""
        mark = ("yes" if t.ok else "MISSED") if t.target is not None else ""
        print(f"{t.name:<28} {t.best * 1000:7.1f}ms {t.median * 1000:7.1f}ms {target:>8}  {mark}")
    read_ratio = by_name[".ipynb -> document"].best / by_name["nbformat.read (baseline)"].best
    write_ratio = by_name["document -> .ipynb"].best / by_name["nbformat.write (baseline)"].best
    print()
    print(f"ratio .ipynb -> document / nbformat.read : {read_ratio:5.1f}x")
    print(f"ratio document -> .ipynb / nbformat.write: {write_ratio:5.1f}x")
    s = timings_sizes
    print(
        f"sizes: .ipynb {s['file']:,} B, doc.save() {s['saved']:,} B, "
        f"written .ipynb {s['written']:,} B   (best/median of {repeat})"
    )
    return all(t.ok for t in timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", type=Path, help="benchmark this .ipynb instead")
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="runt-bench-") as tmp:
        workdir = Path(tmp)
        path = args.notebook
        if path is None:
            path = workdir / f"bench-{args.cells}.ipynb"
            path.write_text(generate_text(args.cells, args.seed), encoding="utf-8")
        print(f"notebook: {path if args.notebook else f'generated, {args.cells} cells'}")
        ok = report(run(path, args.repeat, workdir), args.repeat)
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
