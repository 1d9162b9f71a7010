"""CPU spent per keystroke by the app, typed in it (A) and typed by another peer (B), this tree against a git ref.

    python bench/bench_keys_cpu.py [--against main] [--runs 3] [--keys 60]

Issue 18's keystroke row (A→B in tmux, bench_tui.py) is wall time on a shared
machine; this is the work behind it, which load does not move much. Each run is
a fresh process (Textual's Pilot, headless, 120x40, the 13-cell `small`
notebook, a daemon process of its own, no kernel), alternating this tree and
`--against` (extracted with `git archive`):

- local: the app edits the first code cell and `--keys` keys are pressed one at a
  time, each waited for until its frame is drawn (A's side of a keystroke).
- remote: a second peer in the same process types `--keys` characters into that
  cell one at a time, each waited for until the app drew it (B's side).

Both type into the cell's first line (a comment, after its `# `): text whose
highlighting stays on its line, as most typing does.

Per key: the process's CPU ms (the second peer's own work included, the same in
both trees), frames, screen layouts, and lines painted (cell bodies and the
editor). Medians over runs with min-max; ratio = this tree / the other.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r'''
import asyncio, json, sys, tempfile, time
from pathlib import Path
tree, case, path, keys = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path[:0] = [tree, tree + "/tests"]
from support.tui import wait_until
from textual import events
from textual.screen import Screen
from textual.widgets import TextArea
from runt_tui.client import AsyncSession
from runt_tui.doc import Edit
from runt_tui.tui.app import NotebookApp
from runt_tui.tui.app_options import AppOptions
from runt_tui.tui.widgets.cell import CellBody
assert __import__("runt_tui").__file__.startswith(tree)
counts = {"frames": 0, "layouts": 0, "lines": 0}
def wrap(cls, name, key):
    orig = getattr(cls, name)
    def counted(*a, **k):
        counts[key] += 1
        return orig(*a, **k)
    setattr(cls, name, counted)
wrap(Screen, "_compositor_refresh", "frames")
wrap(Screen, "_refresh_layout", "layouts")
wrap(CellBody, "render_line", "lines")
wrap(TextArea, "_render_line", "lines")

async def drawn(before, shown):
    # Polled with plain sleeps: Pilot's own waits cost the process more than a keystroke does.
    deadline = time.monotonic() + 30
    while not (shown() and counts["frames"] > before):
        assert time.monotonic() < deadline, "the key was never drawn"
        await asyncio.sleep(0.002)

async def main():
    out = {}
    with tempfile.TemporaryDirectory(prefix="rtb-", dir="/tmp") as tmp:
        home = Path(tmp) / "h"
        session = AsyncSession(path=Path(path), name="ann", home=home, kind="tui")
        bob = AsyncSession(path=Path(path), name="bob", home=home, kind="tui")
        app = NotebookApp(AppOptions(path=Path(path), start_kernel=False, images="halfblock"), session=session)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await wait_until(pilot, lambda: app.ready and app.pane.settled, timeout=120)
                await bob.connect()
                cid = next(c for c in app.session.doc.cell_ids() if app.session.doc.cell(c).cell_type == "code")
                await bob.prepare_sources([cid])
                if case == "local":
                    app.selected = cid
                    await pilot.press("enter")
                    await wait_until(pilot, lambda: app.editor is not None)
                    await pilot.press("home", "right", "right")
                await pilot.pause(0.5)
                for k in counts:
                    counts[k] = 0
                cpu = time.process_time()
                for i in range(keys):
                    before = counts["frames"]
                    if case == "local":
                        n = app.editor.text.count("x") + 1
                        app._driver.send_message(events.Key("x", "x"))  # as the terminal's input thread does
                        await drawn(before, lambda: app.editor.text.count("x") == n)
                    else:
                        bob.edit(lambda d: d.splice_source(cid, [Edit(2, 0, "y")]))
                        n = bob.doc.source(cid).count("y")
                        await drawn(before, lambda: app.session.doc.source(cid).count("y") == n)
                    await asyncio.sleep(0.03)  # a typist's pace: the frame after the key is drawn too
                out["cpu_ms"] = (time.process_time() - cpu) * 1000 / keys
                out.update({k: v / keys for k, v in counts.items()})
        finally:
            await bob.close()
            await session.close()
            # The sessions started this home's daemon: stop it, not leave it idling for ten minutes.
            from runt_tui.client.link import DaemonClient, DaemonUnavailable, open_connection
            try:
                client = DaemonClient(await open_connection(home, autostart=False))
                try:
                    await client.request("stop", timeout=10)
                finally:
                    await client.close()
            except DaemonUnavailable:
                pass
    print("RESULT " + json.dumps(out))

asyncio.run(main())
'''


def run_child(tree: Path, case: str, path: Path, keys: int) -> dict[str, float] | None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        result = subprocess.run([sys.executable, "-c", CHILD, str(tree), case, str(path), str(keys)],
                                capture_output=True, text=True, timeout=300, env=env, cwd=tree)
    except subprocess.TimeoutExpired:
        print(f"  ({tree} {case}: over 300 s, run left out)")
        return None
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            parsed: dict[str, float] = json.loads(line[7:])
            return parsed
    print(f"  ({tree} {case}: no result, run left out: {result.stderr.strip().splitlines()[-3:]})")
    return None


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):8.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", default="main", help="git ref to compare with (default: main)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rt-bench-keys-") as tmp_name:
        tmp = Path(tmp_name)
        other = tmp / "other"
        other.mkdir()
        archive = subprocess.run(["git", "archive", args.against], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
        path = tmp / "small.ipynb"
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_notebook.py"), str(path), "--preset", "small"],
                       check=True, capture_output=True)
        for case in ("local", "remote"):
            mine: list[dict[str, float]] = []
            theirs: list[dict[str, float]] = []
            for i in range(args.runs):  # alternating, so load on the machine hits both alike
                pair = [(ROOT, mine), (other, theirs)]
                for tree, into in pair if i % 2 == 0 else pair[::-1]:
                    result = run_child(tree, case, path, args.keys)
                    if result is not None:
                        into.append(result)
            if not mine or not theirs:
                print(f"\n{case}: no complete runs")
                continue
            print(f"\n{case}: per key, {args.keys} keys x {args.runs} runs  (this tree | {args.against} | ratio)")
            for key in ("cpu_ms", "frames", "layouts", "lines"):
                a, b = [r[key] for r in mine], [r[key] for r in theirs]
                ratio = statistics.median(a) / statistics.median(b) if statistics.median(b) else float("nan")
                print(f"  {key:8} {summary(a)} | {summary(b)} | {ratio:5.2f}")


if __name__ == "__main__":
    main()
