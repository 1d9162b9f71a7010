"""Rows 3 and 4 of issue 18: `j` x200 in one burst, and a keystroke in terminal A seen in B.

Both run with a daemon already up (one home for the two rows). The burst: the
1,100-cell notebook freshly opened and idle, 200 `j` in one `send-keys` (nbterm binds
`j`/`k` as runt-tui does), timed until cell 200 is shown selected: for runt-tui a
line of its heading with the selection gutter `▌` at the start, for nbterm its
heading on screen and its status line saying "201/1100". Frames = distinct captures
seen on the way (a lower bound: a look costs a few ms).

Keystrokes: A edits the first code cell (Enter, Down, Home: line 2, whose text only the
cell shows, not the peers list); per sample A types a fresh token `Q<n>` (untimed,
waited for on the watcher), pauses 50 ms like a typist between keys, then the timed key
`Z`: the marker `Q<n>Z` exists nowhere before it (checked; a sample whose marker was
already on screen is dropped and counted), then Backspaces clean the line again. The
same samples typed into `cat` in a pane of the same server give the raw floor of the
harness (tmux, send-keys, polling) in the same run.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import peer_nbterm
from tui_context import (
    Bench,
    Opened,
    attempt,
    close,
    judge,
    notebook,
    open_nbterm,
    open_runt,
    source,
)
from tui_report import Row, percentile
from tui_tmux import Tmux, idle_after

BURST = 200


def runt_selected(marker: str) -> Callable[[str], bool]:
    def check(screen: str) -> bool:
        return any(line.startswith("▌") and marker in line for line in screen.splitlines())
    return check


def burst(b: Bench, opened: Opened, done: Callable[[str], bool]) -> tuple[float, int]:
    """Seconds from sending BURST `j` to `done(screen)`, and the frames seen meanwhile."""
    idle_after(opened.pid, time.perf_counter(), quiet=0.2, timeout=30)
    before = b.t.screen(opened.session)
    assert not done(before), "the target is shown before the burst"
    start = time.perf_counter()
    b.t.keys(opened.session, *["j"] * BURST)
    seen = b.t.wait(opened.session, done, timeout=60, before=before)
    return seen.at - start, seen.frames


def timed_burst(b: Bench, opener: Callable[[], Opened], done: Callable[[str], bool]) -> tuple[float, int]:
    """Open the notebook (runt-tui or nbterm), burst, close: (seconds, frames)."""
    opened = opener()
    try:
        return burst(b, opened, done)
    finally:
        close(b, opened)


def j_burst(b: Bench, home: Path) -> Row:
    path = notebook("large", b.work)
    marker = source(path, BURST)[0].lstrip("# ")[:25]
    total = 1100
    row = Row("j-burst", f"`j` ×{BURST} in one burst, 1,100 cells", "s", [], target="≤ 1.0× nbterm")
    frames: dict[str, list[int]] = {"runt": [], "nbterm": []}
    runt_done = runt_selected(marker)

    def peer_done(screen: str) -> bool:
        return marker in screen and peer_nbterm.selected(screen, BURST, total)

    for i in range(b.runs):
        timed = attempt(row, f"runt-tui run {i + 1}", lambda: timed_burst(b, lambda: open_runt(b, path, home), runt_done))
        if timed is not None:
            row.runt.append(timed[0])
            frames["runt"].append(timed[1])
        if b.nbterm is not None:
            timed = attempt(row, f"nbterm run {i + 1}", lambda: timed_burst(b, lambda: open_nbterm(b, path), peer_done))
            if timed is not None:
                row.peer.append(timed[0])
                frames["nbterm"].append(timed[1])
    row.extra["frames"] = frames
    row.notes.append("frames seen (median): "
                     + " / ".join(f"{name} {statistics.median(v):.0f}" for name, v in frames.items() if v))
    ratio = row.ratio()
    judge(row, None if ratio is None else ratio <= 1.0)
    return row


@dataclass
class Lags:
    """Keystroke samples per watcher, and the samples dropped as invalid."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    invalid: int = 0
    counter: int = 0


def sample(t: Tmux, typist: str, watcher: str, lags: Lags, key: str = "") -> None:
    """One keystroke typed in `typist`, timed until its unique marker shows in `watcher` (filed under key)."""
    lags.counter += 1
    token = f"Q{lags.counter:03d}"
    marker = token + "Z"
    t.keys(typist, token, literal=True)
    t.wait(watcher, lambda s: token in s, timeout=20)
    time.sleep(0.05)
    before = t.screen(watcher)
    if marker in before or marker in t.screen(typist):
        lags.invalid += 1
    else:
        start = time.perf_counter()
        t.keys(typist, "Z", literal=True)
        seen = t.wait(watcher, lambda s: marker in s, timeout=20, before=before)
        lags.seconds.setdefault(key or watcher, []).append(seen.at - start)
    t.keys(typist, *["BSpace"] * len(marker))
    for name in {typist, watcher}:
        t.wait(name, lambda s: token not in s, timeout=20)


def start_editing(b: Bench, opened: Opened, attempts: int = 5) -> None:
    """Edit the first code cell at the start of its second line (retried: a busy app may drop keys)."""
    for _ in range(attempts):
        b.t.keys(opened.session, "Home")  # the first cell ...
        time.sleep(0.1)
        b.t.keys(opened.session, "j", "Enter")  # ... the one below it: the first code cell
        try:
            b.t.wait(opened.session, lambda s: " EDIT " in s, timeout=5)
            break
        except TimeoutError:
            b.t.keys(opened.session, "Escape")
            time.sleep(0.1)
    else:
        raise TimeoutError(f"{opened.session} never entered edit mode:\n{b.t.screen(opened.session)}")
    b.t.keys(opened.session, "Down", "Home")
    time.sleep(0.3)


def keystroke(b: Bench, home: Path, per_watcher: int) -> Row:
    path = notebook("small", b.work)
    row = Row("keystroke", "keystroke in A → visible in B (tmux)", "ms", [],
              target="p50 ≤ 25 ms, p90 ≤ 35 ms")
    lags = Lags()
    attempt(row, "runt-tui keystrokes", lambda: type_samples(b, path, home, per_watcher, lags))
    ab, aa = lags.seconds.get("B", []), lags.seconds.get("A", [])
    row.runt = ab
    if not ab or not aa:
        judge(row, False)
        return row
    row.extra.update(a_to_a=aa, invalid=lags.invalid)
    p50, p90 = 1000 * statistics.median(ab), 1000 * percentile(ab, 0.9)
    row.extra["runt_text"] = (f"p50 {p50:.1f} ms, p90 {p90:.1f} ms, n={len(ab)} "
                              f"(A→A p50 {1000 * statistics.median(aa):.1f} ms)")
    row.extra["peer_text"] = "(no peer can)"
    row.notes.append(f"{lags.invalid} sample(s) dropped as invalid (marker on screen before the key)")
    floor = lags.seconds.get("cat", [])
    if floor:
        row.extra["raw_floor"] = floor
        row.notes.append(
            f"raw floor, same run: `cat` echoing the same key in a tmux pane, timed the same way: p50 "
            f"{1000 * statistics.median(floor):.1f} ms, p90 {1000 * percentile(floor, 0.9):.1f} ms, n={len(floor)} "
            f"(A→B p50 is {p50 / (1000 * statistics.median(floor)):.1f}× it: the rest is runt-tui's own path)")
    judge(row, p50 <= 25 and p90 <= 35)
    return row


def type_samples(b: Bench, path: Path, home: Path, per_watcher: int, lags: Lags) -> None:
    """A and B open the notebook; A types, samples alternate B, A, B, A ... under the same load."""
    a = open_runt(b, path, home)
    try:
        bb = open_runt(b, path, home)
    except BaseException:
        close(b, a)
        raise
    try:
        start_editing(b, a)
        for i in range(2 * per_watcher):
            watcher, key = (bb.session, "B") if i % 2 == 0 else (a.session, "A")
            sample(b.t, a.session, watcher, lags, key)
    finally:
        close(b, a)
        close(b, bb)
    raw_floor(b, per_watcher, lags)


def raw_floor(b: Bench, samples: int, lags: Lags) -> None:
    """The harness's own cost: `cat` echoing each key through the terminal, sampled as A and B are."""
    session = b.name("cat")
    b.t.start(session, ["cat"], {}, b.work)
    try:
        b.t.wait(session, lambda s: True, timeout=10)
        for _ in range(samples):
            sample(b.t, session, session, lags, "cat")
    finally:
        b.t.run("kill-session", "-t", session)
