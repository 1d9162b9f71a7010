"""Benchmark chart outputs (render/charts.py): conversion to PNG vs the text summary.

On the real Altair output of tests/corpus/charts/outputs.json it times the first
conversion (vl-convert starts its engine), new specs, the same spec again (kept), and the text summary
(the path without a converter), with rendering a plain-text output as the baseline.

    python bench/bench_charts.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from runt_tui.render import RenderOptions, render_output

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "charts" / "outputs.json"


def timed(output: dict[str, Any], options: RenderOptions) -> float:
    start = time.perf_counter()
    render_output(output, options=options, cache=False)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    chart = json.loads(CORPUS.read_text())["altair_bar"]
    text = {"output_type": "execute_result", "data": {"text/plain": "x" * 2000}, "metadata": {}}
    base = statistics.median(timed(text, RenderOptions()) for _ in range(args.repeat))
    first = timed(chart, RenderOptions(images="halfblock"))
    later = statistics.median(timed(chart, RenderOptions(images="halfblock")) for _ in range(args.repeat))
    spec = chart["data"]["application/vnd.vegalite.v6.json"]
    fresh = []
    for i in range(args.repeat):
        spec["title"] = f"Rain {i}"  # a new spec each time: no cached PNG
        fresh.append(timed(chart, RenderOptions(images="halfblock")))
    new = statistics.median(fresh)
    summary = statistics.median(timed(chart, RenderOptions(images="none")) for _ in range(args.repeat))
    print(f"text/plain output     {base * 1e3:8.2f} ms (baseline)")
    print(f"chart, first PNG      {first * 1e3:8.2f} ms  ratio {first / base:.0f}")
    print(f"chart, new spec PNG   {new * 1e3:8.2f} ms  ratio {new / base:.0f}")
    print(f"chart, same spec      {later * 1e3:8.2f} ms  ratio {later / base:.1f} (PNG kept per spec)")
    print(f"chart, text summary   {summary * 1e3:8.2f} ms  ratio {summary / base:.1f}")


if __name__ == "__main__":
    main()
