"""Benchmark `runt-tui mcp`: what an agent's tool call costs over the Session call it wraps.

On a private daemon (embedded in this process) it times, per call:

    session   AsyncSession.splice_source + set_presence   (the baseline: what the tool does)
    mcp       replace_in_cell through `runt-tui mcp` over stdio (the SDK's own client)
    mcp read  get_cell through `runt-tui mcp`

and prints the medians with the ratio to the baseline.

    python bench/bench_mcp.py [--calls 50]
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
from collections.abc import Awaitable, Callable
from pathlib import Path

from mcp import Client, StdioServerParameters

from runt_tui.client import AsyncSession


async def timed(n: int, step: Callable[[int], Awaitable[object]]) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        await step(i)
        out.append(time.perf_counter() - t0)
    return out


async def main(calls: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="rtb-", dir="/tmp"))
    home = root / "home"
    path = root / "bench.ipynb"
    try:
        async with AsyncSession(path=path, name="bench", embedded=True, home=home) as s:
            cid = await s.create_cell("counter = 0\n")

            async def direct(i: int) -> None:
                old, new = f"counter = {i}\n", f"counter = {i + 1}\n"
                await s.splice_source(cid, lambda src: [(src.index(old), len(old), new)])
                await s.set_presence(cid, 0, "edit")

            base = await timed(calls, direct)
            runt = str(Path(sys.executable).with_name("runt-tui"))
            params = StdioServerParameters(command=runt, args=["mcp", "--name", "bench-agent"],
                                           env={"RUNT_TUI_HOME": str(home), "PATH": os.environ.get("PATH", "")})
            async with Client(params) as c:
                await c.call_tool("open_notebook", {"notebook": str(path)})

                async def via_mcp(i: int) -> None:
                    n = calls + i
                    r = await c.call_tool("replace_in_cell", {"notebook": str(path), "cell_id": cid,
                                                              "old": f"counter = {n}\n", "new": f"counter = {n + 1}\n"})
                    assert not r.is_error, r.content

                async def read(i: int) -> None:
                    r = await c.call_tool("get_cell", {"notebook": str(path), "cell_id": cid})
                    assert not r.is_error, r.content

                edits = await timed(calls, via_mcp)
                reads = await timed(calls, read)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    b = statistics.median(base)
    print(f"{'step':<10}{'median ms':>12}{'x baseline':>12}")
    for name, times in (("session", base), ("mcp", edits), ("mcp read", reads)):
        m = statistics.median(times)
        print(f"{name:<10}{m * 1000:>12.2f}{m / b:>12.2f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=50)
    asyncio.run(main(ap.parse_args().calls))
