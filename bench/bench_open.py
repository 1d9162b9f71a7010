"""The daemon's first open of a big notebook, step by step: parse, build, save (CPU seconds).

    python bench/bench_open.py [--runs 5] [--preset huge | --file NB.ipynb]

Parse is timed twice per run, alternating: the fast reader (doc/nbread.py: NotebookNodes
made while json.loads parses, line joins in place; doc/nbvalid.py: the schema only over
cells not certainly valid) and, as the baseline in the same run, nbformat's own path
(its v4 reader with `from_dict`, full validation, the full surrogate check). Build
(`doc_from_notebook`) and save (`Document.save()`, the snapshot a joining client loads)
follow the fast parse. Medians and min–max of process CPU time, so other load on the
machine counts less than in wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat

from runt_tui.doc import doc_from_notebook, ipynb
from runt_tui.doc.layout import load_baseline

HERE = Path(__file__).resolve().parent


@contextlib.contextmanager
def nbformat_path() -> Iterator[None]:
    """Read as nbformat does, for the baseline (the shortcuts switched off)."""
    saved = (ipynb.read_v4_in_place, ipynb.validate_v4, ipynb.may_hold_surrogates)

    def full(nb: Any, known_only: Callable[[Any], Any]) -> None:
        nbformat.validate(known_only(nb))

    ipynb.read_v4_in_place = lambda raw: None  # type: ignore[assignment]
    ipynb.validate_v4 = full  # type: ignore[assignment]
    ipynb.may_hold_surrogates = lambda text: True  # type: ignore[assignment]
    try:
        yield
    finally:
        ipynb.read_v4_in_place, ipynb.validate_v4, ipynb.may_hold_surrogates = saved  # type: ignore[assignment]


def cpu(fn: Callable[..., Any]) -> tuple[float, Any]:
    started = time.process_time()
    result = fn()
    return time.process_time() - started, result


def spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3f} s ({min(xs):.3f}–{max(xs):.3f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--preset", default="huge")
    ap.add_argument("--file", type=Path)
    args = ap.parse_args()
    path = args.file
    if path is None:
        path = Path(tempfile.mkdtemp()) / f"{args.preset}.ipynb"
        subprocess.run([sys.executable, str(HERE / "gen_notebook.py"), str(path), "--preset", args.preset],
                       check=True, capture_output=True)
    data = path.read_bytes()
    nbformat.validate(nbformat.v4.new_notebook())  # import and compile once, outside the timings
    fast: list[float] = []
    slow: list[float] = []
    build: list[float] = []
    save: list[float] = []
    for _ in range(args.runs):
        with nbformat_path():
            slow.append(cpu(lambda: load_baseline(data, path.name))[0])
        seconds, (_, nb) = cpu(lambda: load_baseline(data, path.name))
        fast.append(seconds)
        seconds, doc = cpu(lambda nb=nb: doc_from_notebook(nb, None, 65536))
        build.append(seconds)
        save.append(cpu(doc.save)[0])
    print(f"{path.name}: {len(data):,} bytes, {len(nb['cells']):,} cells, {args.runs} runs (CPU time)")
    print(f"parse, nbformat's path : {spread(slow)}")
    print(f"parse, fast reader     : {spread(fast)}  ratio {statistics.median(fast) / statistics.median(slow):.2f}")
    print(f"build                  : {spread(build)}")
    print(f"save                   : {spread(save)}")


if __name__ == "__main__":
    main()
