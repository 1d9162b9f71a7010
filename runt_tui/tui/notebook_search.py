"""Search every cell of the notebook, sources and outputs, from the document (no widgets mounted).

The index keeps each cell's searchable text, lower-cased, and reads a cell
again only when its change stamp moved (the document's `stamps` map, one
read for the whole notebook), so a search in a big notebook costs a scan of
strings in memory. Outputs are searched as the text a reader sees: stream
text, `text/plain` (or markdown / LaTeX) of results, and error tracebacks
without their colour codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from runt_tui.doc import CellView, NotebookDoc
from runt_tui.render.sanitize import strip_controls

SOURCE = -1
_TEXT_TYPES = ("text/plain", "text/markdown", "text/latex")


@dataclass(frozen=True)
class Hit:
    """One match: its cell, the part (SOURCE or an output's index) and the span in that part's text."""

    cell_id: str
    index: int
    part: int
    start: int
    end: int


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def output_text(out: Mapping[str, Any]) -> str:
    """The text of one nbformat output as a reader sees it (no escape sequences)."""
    kind = out.get("output_type")
    if kind == "stream":
        return strip_controls(_joined(out.get("text")))
    if kind == "error":
        lines = [f"{out.get('ename', '')}: {out.get('evalue', '')}", *map(str, out.get("traceback") or [])]
        return strip_controls("\n".join(lines))
    data = out.get("data")
    if isinstance(data, Mapping):
        for mime in _TEXT_TYPES:
            if mime in data:
                return strip_controls(_joined(data[mime]))
    return ""


@dataclass(frozen=True)
class CellText:
    """A cell's searchable parts, lower-cased for case-insensitive search."""

    source: str
    outputs: tuple[str, ...]
    lower: tuple[str, ...]  # source first, then each output

    @classmethod
    def of(cls, view: CellView) -> CellText:
        outputs = tuple(output_text(o) for o in view.outputs) if view.cell_type == "code" else ()
        parts = (view.source, *outputs)
        return cls(view.source, outputs, tuple(p.lower() for p in parts))

    def part(self, part: int) -> str:
        """The text of the source (SOURCE) or of one output."""
        return self.source if part == SOURCE else self.outputs[part]


def _stamp_groups(stamps: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """cell id -> its stamps (one per writer), from the document's `stamps` map."""
    groups: dict[str, list[str]] = {}
    for key in sorted(stamps):
        groups.setdefault(key.split(":", 1)[0], []).append(stamps[key])
    return {k: tuple(v) for k, v in groups.items()}


class SearchIndex:
    """The searchable text of every cell, refreshed cell by cell as the document changes."""

    def __init__(self) -> None:
        self._cells: dict[str, tuple[object, CellText]] = {}
        self._heads: object = None

    def refresh(self, doc: NotebookDoc, order: Iterable[str]) -> None:
        """Read again the cells whose stamp moved since the last refresh (all of them the first time)."""
        heads = doc.heads()
        if heads == self._heads:
            return
        stamps = doc.stamps()
        groups = _stamp_groups(stamps) if stamps is not None else None
        fresh: dict[str, tuple[object, CellText]] = {}
        for cid in order:
            known = self._cells.get(cid)
            if groups is not None:
                stamp: object = groups.get(cid, ())
                if known is not None and known[0] == stamp:
                    fresh[cid] = known
                    continue
                fresh[cid] = (stamp, CellText.of(doc.cell(cid)))
            else:
                view = doc.cell(cid)
                stamp = (view.rev, view.orev, view.source)
                fresh[cid] = known if known is not None and known[0] == stamp else (stamp, CellText.of(view))
        self._cells = fresh
        self._heads = heads

    def text(self, cell_id: str) -> CellText | None:
        """The indexed text of a cell."""
        found = self._cells.get(cell_id)
        return found[1] if found is not None else None

    def search(self, query: str, order: Iterable[str], limit: int = 10_000) -> list[Hit]:
        """Every match of `query` in notebook order (case-insensitive unless it has a capital)."""
        if not query:
            return []
        exact = query != query.lower()
        hits: list[Hit] = []
        for index, cid in enumerate(order):
            found = self._cells.get(cid)
            if found is None:
                continue
            cell = found[1]
            for n, lowered in enumerate(cell.lower):
                part = n - 1
                hay = cell.part(part) if exact else lowered
                at = hay.find(query if exact else query.lower())
                while at >= 0:
                    hits.append(Hit(cid, index, part, at, at + len(query)))
                    if len(hits) >= limit:
                        return hits
                    at = hay.find(query if exact else query.lower(), at + max(1, len(query)))
        return hits


def next_hit(hits: list[Hit], current: int | None, forward: bool, from_index: int = 0) -> int | None:
    """The hit `n` (or `N`) moves to: after (before) `current`, or the first at or after cell `from_index`."""
    if not hits:
        return None
    if current is None:
        after = [n for n, h in enumerate(hits) if h.index >= from_index]
        if forward:
            return after[0] if after else 0
        before = [n for n, h in enumerate(hits) if h.index < from_index]
        return before[-1] if before else len(hits) - 1
    return (current + (1 if forward else -1)) % len(hits)


def find_cell(target: str, order: list[str]) -> str | None:
    """A cell named by its 1-based number or by (a unique prefix of) its id."""
    target = target.strip().lstrip(":#").strip()
    if not target:
        return None
    if target.isdigit():
        n = int(target)
        return order[n - 1] if 1 <= n <= len(order) else None
    if target in order:
        return target
    matches = [cid for cid in order if cid.startswith(target)]
    return matches[0] if len(matches) == 1 else None


class NotebookSearch:
    """The notebook's `/` search: the query, its hits, and the hit `n` / `N` last moved to."""

    def __init__(self) -> None:
        self.index = SearchIndex()
        self.query = ""
        self.hits: list[Hit] = []
        self.current: Hit | None = None

    def start(self, doc: NotebookDoc, order: list[str], query: str, from_index: int) -> Hit | None:
        """Search for `query`; the first hit at or after cell `from_index` (wrapping)."""
        self.query, self.current = query, None
        return self.step(doc, order, True, from_index)

    def step(self, doc: NotebookDoc, order: list[str], forward: bool, from_index: int = 0) -> Hit | None:
        """Move to the next (previous) hit, searching the document as it is now."""
        self.index.refresh(doc, order)
        self.hits = self.index.search(self.query, order)
        if not self.hits:
            self.current = None
            return None
        if self.current is None:
            n = next_hit(self.hits, None, forward, from_index)
        else:
            key = (self.current.index, self.current.part, self.current.start)
            keys = [(h.index, h.part, h.start) for h in self.hits]
            if forward:
                n = next((i for i, k in enumerate(keys) if k > key), 0)
            else:
                n = next((i for i in reversed(range(len(keys))) if keys[i] < key), len(keys) - 1)
        self.current = self.hits[n] if n is not None else None
        return self.current

    def describe(self) -> str:
        """Where the current hit is, for the status line."""
        hit = self.current
        if hit is None:
            return f"/{self.query}: not found"
        where = "source" if hit.part == SOURCE else f"output {hit.part + 1}"
        n = self.hits.index(hit) + 1
        more = "+" if len(self.hits) >= 10_000 else ""
        return f"/{self.query}: match {n} of {len(self.hits)}{more}, cell {hit.index + 1} ({where})"
