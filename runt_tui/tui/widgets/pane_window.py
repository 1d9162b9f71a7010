"""Which cells the cells pane mounts, and in what runs (pure functions, no Textual).

`prefix[i]` is the number of rows above cell `i` (pane_heights.py); `view` the
pane's height in rows. The window spans two screens above and below the
anchor cell (or one above and two below the scroll position) and at most
`limit` cells, always including the anchor (centred on it when cut).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TypeVar

W = TypeVar("W")
E = TypeVar("E")


def wanted_range(prefix: list[int], view: int, scroll_y: int, anchor: int | None, limit: int) -> tuple[int, int]:
    """The (lo, hi) slice of the order to mount around cell `anchor`, or around `scroll_y` without one."""
    n = len(prefix) - 1
    if anchor is not None:
        top, bottom = prefix[anchor] - view * 2, prefix[anchor + 1] + view * 2
    else:
        top, bottom = scroll_y - view, scroll_y + view * 2
    lo = max(0, bisect.bisect_right(prefix, top) - 1)
    hi = min(n, bisect.bisect_left(prefix, bottom) + 1)
    if anchor is not None:
        lo, hi = min(lo, anchor), max(hi, anchor + 1)
    if hi - lo > limit:
        if anchor is not None:
            # Centred on the anchor: starting from the top of two screens above it could leave it out.
            lo = max(0, min(anchor - limit // 2, n - limit))
        hi = min(n, lo + limit)
    return lo, hi


def window_needed(prefix: list[int], view: int, scroll_y: int, lo: int, hi: int) -> bool:
    """True when the view comes within half a screen of an edge of the mounted window [lo, hi)."""
    n = len(prefix) - 1
    if n <= 0:
        return False
    top_edge = prefix[lo]
    bottom_edge = prefix[hi] if hi <= n else prefix[-1]
    need_up = lo > 0 and scroll_y - top_edge < view // 2
    need_down = hi < n and bottom_edge - (scroll_y + view) < view // 2
    return need_up or need_down or hi <= lo


def new_runs(wanted: list[str], mounted: dict[str, W], make: Callable[[str], W], end: E) -> list[tuple[list[W], W | E]]:
    """Make (into `mounted`) the wanted cells not there yet, in runs of neighbours, each with the widget it
    goes before (`end` after the last mounted one): one mount call per run keeps the cells in order."""
    runs: list[tuple[list[W], W | E]] = []
    run: list[W] = []
    before: W | E = end
    for cid in reversed(wanted):
        w = mounted.get(cid)
        if w is None:
            run.append(mounted.setdefault(cid, make(cid)))
            continue
        if run:
            runs.append((run[::-1], before))
            run = []
        before = w
    if run:
        runs.append((run[::-1], before))
    return runs


def line_scroll(line: int, scroll_y: float, view: int) -> float | None:
    """The scroll position that moves the least to show row `line` in a view of `view` rows (None: shown)."""
    if line < scroll_y:
        return line
    if line + 1 > scroll_y + view:
        return line + 1 - view
    return None
