"""Cell bodies already drawn, kept across unmount and remount (LRU, bounded by rows).

The cells pane mounts only the cells near the viewport, so scrolling away and
back builds a cell's widget again. Its body (highlighted source, markdown,
outputs, laid out beside the gutter) depends only on the key the widget
computes: the cell's model without selection and edit state (rev and orev stand
for source and outputs), the view flags and the width. A new widget with the
same key reuses the drawn body instead of rendering it again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

# At most this many entries, and about this many rendered rows in all.
MAX_ENTRIES = 512
MAX_ROWS = 50_000

V = TypeVar("V")


class BodyCache(Generic[V]):
    """A least-recently-used map from a body's key to what was drawn for it."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_rows: int = MAX_ROWS) -> None:
        self.max_entries = max_entries
        self.max_rows = max_rows
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._rows = 0
        # Counted for tests and benchmarks (work, not time).
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        """The value drawn for `key`, or None; a hit becomes the most recent entry."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[0]

    def put(self, key: Hashable, value: V, rows: int) -> None:
        """Keep `value` (about `rows` rows when drawn), dropping the least recent beyond the bounds."""
        old = self._entries.pop(key, None)
        if old is not None:
            self._rows -= old[1]
        self._entries[key] = (value, rows)
        self._rows += rows
        while self._entries and (len(self._entries) > self.max_entries or self._rows > self.max_rows):
            _, (_, dropped) = self._entries.popitem(last=False)
            self._rows -= dropped

    def clear(self) -> None:
        """Forget everything (tests)."""
        self._entries.clear()
        self._rows = 0

    def __len__(self) -> int:
        return len(self._entries)
