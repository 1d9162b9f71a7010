"""Large cell sources: replacement time, daemon liveness meanwhile, and memory per character.

    python bench/bench_large_sources.py [--size 1000000] [--cells 30] [--cell-size 96000]

1. Diff: text_edits on 1 MB of source with 50 scattered line edits, next to a plain
   str copy and difflib's SequenceMatcher on the same lines (difflib on repetitive
   lines is shown on a smaller input: it is quadratic there).
2. Document: NotebookDoc.set_source of 1 MB (all new, then 50 edits in it), next to
   the same work as one Automerge Text (what a source used to cost).   target <= 1 s
3. Real daemon process: Session.set_source of 1 MB while a second room is pinged
   every 10 ms (the worst ping shows how long the daemon stopped answering), then
   daemon RSS before and after --cells cells of --cell-size characters each
   (issue: 30 x 96 KB took 43 MB -> 1.25 GB), with a Text's bytes per character
   measured in this process as the baseline.
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil  # type: ignore[import-untyped]
from automerge.core import ROOT, Document, ObjType, ScalarType

from runt_tui.client import Session
from runt_tui.doc import NotebookDoc
from runt_tui.doc.textdiff import text_edits


def source(size: int, seed: int) -> str:
    r = random.Random(seed)
    lines: list[str] = []
    total = 0
    while total < size:
        line = f"x_{r.randrange(10**6)} = compute({r.randrange(1000)}, {r.random():.6f})  # note {r.randrange(99)}\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)[:size]


def mutate(text: str, edits: int, seed: int) -> str:
    r = random.Random(seed)
    lines = text.splitlines(keepends=True)
    for _ in range(edits):
        i = r.randrange(len(lines))
        lines[i] = lines[i][:4] + "EDITED" + lines[i][4:]
    return "".join(lines)


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def rss(pid: int | None = None) -> int:
    return int(psutil.Process(pid).memory_info().rss)


def bench_diff(size: int) -> None:
    old = source(size, 1)
    new = mutate(old, 50, 2)
    ours = timed(lambda: text_edits(old, new))
    copy = timed(lambda: "".join([old[: size // 2], old[size // 2 :]]))
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    dl = timed(lambda: difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())
    rep_old = "x = 1\n" * 4000
    rep_new = mutate(rep_old, 20, 3)
    ra, rb = rep_old.splitlines(keepends=True), rep_new.splitlines(keepends=True)
    dl_rep = timed(lambda: difflib.SequenceMatcher(None, ra, rb, autojunk=False).get_opcodes())
    ours_rep = timed(lambda: text_edits(rep_old, rep_new))
    print(f"diff, {size:,} chars, 50 edits   text_edits {ours * 1000:8.1f} ms   str copy {copy * 1000:6.2f} ms"
          f"   difflib {dl * 1000:8.1f} ms   ({ours / dl:.2f}x difflib)")
    print(f"diff, 4,000 repetitive lines     text_edits {ours_rep * 1000:8.1f} ms"
          f"   difflib {dl_rep * 1000:8.1f} ms   ({dl_rep / max(ours_rep, 1e-9):.0f}x faster)")


def bench_document(size: int) -> None:
    doc = NotebookDoc.new()
    cid = doc.insert_cell(0, "code", "")
    doc.prepare_sources([cid])
    text = source(size, 4)
    fresh = timed(lambda: doc.set_source(cid, text))
    edited = mutate(text, 50, 5)
    edit = timed(lambda: doc.set_source(cid, edited))
    am = Document()

    def as_text() -> None:
        with am.transaction() as tx:
            obj = tx.put_object(ROOT, "t", ObjType.Text)
            for i, ch in enumerate(text):
                tx.insert(obj, i, ScalarType.Str, ch)

    base = timed(as_text)
    print(f"document, {size:,} chars          set_source new {fresh:6.3f} s   50 edits {edit:6.3f} s"
          f"   one Text, per code point {base:6.3f} s ({base / fresh:.0f}x slower)   target <= 1 s")


TEXT_COST = """
import psutil
from automerge.core import ROOT, Document, ObjType, ScalarType
before = psutil.Process().memory_info().rss
am = Document()
with am.transaction() as tx:
    obj = tx.put_object(ROOT, "t", ObjType.Text)
    for i in range({chars}):
        tx.insert(obj, i, ScalarType.Str, "abcdefghij"[i % 10])
print((psutil.Process().memory_info().rss - before) / {chars})
"""


def text_bytes_per_char(chars: int) -> float:
    """RSS per character of one Automerge Text, in a fresh process (what a Text source costs)."""
    out = subprocess.run([sys.executable, "-c", TEXT_COST.format(chars=chars)], capture_output=True, text=True, check=True)
    return float(out.stdout)


WRITER = """
import sys, time
sys.path.insert(0, {bench!r})
from bench_large_sources import source
from runt_tui.client import Session
with Session(notebook_id="big", home={home!r}, name="writer") as w:
    cid = w.create_cell("")
    print("ready", flush=True)
    t = time.perf_counter()
    w.set_source(cid, source({size}, 6))
    print(time.perf_counter() - t, flush=True)
"""


def cli(home: Path, *args: str) -> None:
    argv = [sys.executable, "-c", "from runt_tui.cli import main; main()", *args]
    subprocess.run(argv, env={**os.environ, "RUNT_TUI_HOME": str(home)}, capture_output=True, timeout=120)


def bench_daemon(size: int, cells: int, cell_size: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="rt-large-", dir="/tmp")) / "home"
    cli(home, "daemon", "start")
    try:
        pid = int((home / "daemon.pid").read_text().split()[0])
        with Session(notebook_id="other", home=home, name="pinger") as p:

            def ping() -> float:
                t = time.perf_counter()
                p._run(p._async.request("ping"))
                return time.perf_counter() - t

            idle = min(ping() for _ in range(20))
            code = WRITER.format(bench=str(Path(__file__).parent), home=str(home), size=size)
            writer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
            assert writer.stdout is not None
            writer.stdout.readline()  # "ready"
            worst = 0.0
            while writer.poll() is None:
                worst = max(worst, ping())
                time.sleep(0.005)
            secs = float(writer.stdout.read().strip() or "nan")
            print(f"daemon, set_source {size:,} chars   {secs:6.3f} s end to end (writer process)"
                  f"   other room's worst ping meanwhile {worst * 1000:6.1f} ms (idle {idle * 1000:.2f} ms)")
        with Session(notebook_id="memory", home=home, name="memory") as w:
            before = rss(pid)
            ids = [w.create_cell("") for _ in range(cells)]
            for i, c in enumerate(ids):
                w.set_source(c, source(cell_size, 100 + i))
            after = rss(pid)
        total = cells * cell_size
        print(f"daemon RSS, {cells} cells x {cell_size:,} chars   before {before / 2**20:6.1f} MB"
              f"   after {after / 2**20:6.1f} MB   {(after - before) / total:6.1f} B/char"
              f"   (the same as one Text here: {text_bytes_per_char(200_000):.0f} B/char)")
    finally:
        cli(home, "daemon", "stop")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--cells", type=int, default=30)
    ap.add_argument("--cell-size", type=int, default=96_000)
    args = ap.parse_args()
    bench_diff(args.size)
    bench_document(args.size)
    bench_daemon(args.size, args.cells, args.cell_size)


if __name__ == "__main__":
    main()
