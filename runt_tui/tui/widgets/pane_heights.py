"""Each cell's height in rows for the cells pane, and their running sums (no Textual).

A cell's height is what it measured on screen; before that, an estimate from
its model when one was built anyway (to mount it); before that, a fixed
default. No cell's model is built only to size the spacers: at 10,000 cells
that alone was ~180k document reads and a third of a second of blocked event
loop after the first paint. The scrollbar is approximate until cells are seen;
the pane keeps its anchor cell in place while the figures are refined.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import accumulate

from runt_tui.tui.model import CellModel, ViewFlags, estimate_height

# Rows assumed for a cell never built nor measured: a short cell plus its margin.
DEFAULT_ROWS = 4


class PaneHeights:
    """Measured heights, estimates and a cached prefix sum over the cell order."""

    def __init__(self, default: int = DEFAULT_ROWS) -> None:
        self.default = default
        self.measured: dict[str, int] = {}
        self.estimates: dict[str, int] = {}
        self._order: list[str] = []
        self._prefix: list[int] | None = None
        # How many prefix sums were recomputed (tests count work, not time).
        self.rebuilds = 0

    def set_order(self, order: list[str]) -> None:
        """The cell order changed: forget the cells that left."""
        keep = set(order)
        for table in (self.measured, self.estimates):
            for cid in [c for c in table if c not in keep]:
                del table[cid]
        self._order = order
        self._prefix = None

    def rename(self, mapping: dict[str, str], order: list[str]) -> None:
        """The same cells under new ids (old -> new): their figures stay with them."""
        for table in (self.measured, self.estimates):
            for old in [c for c in table if c in mapping]:
                table[mapping[old]] = table.pop(old)
        self._order = order
        self._prefix = None

    def forget(self, ids: Iterable[str], measured: bool = True) -> None:
        """These cells changed: their estimates (and measured heights) are stale."""
        for cid in ids:
            self.estimates.pop(cid, None)
            if measured:
                self.measured.pop(cid, None)
        self._prefix = None

    def clear(self, estimates: bool = True) -> None:
        """Every measured height (and estimate) is stale: the width or the view changed."""
        self.measured.clear()
        if estimates:
            self.estimates.clear()
        self._prefix = None

    def measure(self, cid: str, rows: int) -> None:
        """A mounted cell reports its real height."""
        if self.measured.get(cid) != rows:
            self.measured[cid] = rows
            self._prefix = None

    def estimate(self, model: CellModel, flags: ViewFlags) -> int:
        """Estimate a cell from a model built for it anyway; kept until the cell changes."""
        rows = self.estimates.get(model.id)
        if rows is None:
            rows = self.estimates[model.id] = estimate_height(model, flags)
            if model.id not in self.measured:
                self._prefix = None
        return rows

    def adopt_default(self) -> None:
        """Take the mean estimate of the cells built so far as the default for the others.

        Called once, with the first screenful built: a notebook of tall cells
        would otherwise mount a window of many more cells than fit.
        """
        if self.estimates:
            self.default = max(1, round(sum(self.estimates.values()) / len(self.estimates)))
            self._prefix = None

    def height(self, cid: str) -> int:
        """The best figure known for one cell."""
        rows = self.measured.get(cid)
        if rows is None:
            rows = self.estimates.get(cid, self.default)
        return rows

    def prefix(self, estimates_only: bool = False) -> list[int]:
        """prefix[i] = rows above cell i; prefix[-1] = all rows (cached until a height changes)."""
        if estimates_only:
            est, default = self.estimates, self.default
            return [0, *accumulate(est.get(cid, default) for cid in self._order)]
        if self._prefix is None or len(self._prefix) != len(self._order) + 1:
            self.rebuilds += 1
            self._prefix = [0, *accumulate(map(self.height, self._order))]
        return self._prefix
