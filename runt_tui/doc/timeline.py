"""The document's history as a timeline: changes by author and minute, the notebook then, restores.

Every change stays in the Automerge document, so the notebook at any earlier
point is a fork at that point's heads. The history is linearised in the
causal order Automerge returns; the heads after change N are the changes up to
N that no later one among them builds on. Authors and times come from the
`authors` map (authors.py). A restore writes NEW forward changes that make
cells as they were (sources, types, metadata, order; outputs and counts are
the daemon's and stay): nothing is rewritten, and collaborators see the
restore as an ordinary edit that can itself be undone by another restore.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from automerge.core import ScalarType

from runt_tui.doc.authors import authors_obj, entry_at
from runt_tui.doc.notebook import NotebookDoc
from runt_tui.doc.reader import Heads
from runt_tui.doc.schema import CellView, DocError, dumps

MINUTE = 60.0


@dataclass(frozen=True)
class HistoryChange:
    """One change: its place in the timeline, who made it and about when."""

    index: int  # 1-based, in causal order
    hash: bytes
    actor: str  # hex
    author: str | None
    time: float | None  # unix seconds, to within authors.REFRESH
    heads: tuple[bytes, ...]  # the document's heads once this change (and all before it) applied


@dataclass(frozen=True)
class HistoryGroup:
    """Consecutive changes by one author within one minute."""

    author: str
    time: float | None
    first: int
    last: int
    heads: tuple[bytes, ...]  # after the group's last change
    before: tuple[bytes, ...]  # before its first change
    cells: tuple[str, ...] = ()  # the cells it touched, in the order they stand now

    @property
    def count(self) -> int:
        """How many changes the group holds."""
        return self.last - self.first + 1


@dataclass(frozen=True)
class CellDiff:
    """How one cell differs between then and now."""

    cell_id: str
    kind: str  # "added" (exists now, not then), "removed", "changed", "moved"
    lines: tuple[str, ...] = ()  # a unified diff of the source, then -> now


def change_history(doc: NotebookDoc) -> list[HistoryChange]:
    """Every change of the document, oldest first, with its author, time and heads."""
    am = doc.automerge
    changes = am.get_changes([])
    authors = authors_obj(am)
    heads: set[bytes] = set()
    out: list[HistoryChange] = []
    for i, change in enumerate(changes, 1):
        heads -= set(change.deps)
        heads.add(change.hash)
        actor = change.actor_id.hex()
        name, when = entry_at(am, authors, actor, [change.hash]) if authors is not None else (None, None)
        out.append(HistoryChange(i, change.hash, actor, name, when, tuple(sorted(heads))))
    return out


def author_label(change: HistoryChange) -> str:
    """The author's name, or the actor's first hex digits for an unsigned change."""
    if change.author:
        return change.author
    return "created" if change.index == 1 else f"unsigned {change.actor[:8]}"


def group_history(doc: NotebookDoc, changes: list[HistoryChange]) -> list[HistoryGroup]:
    """Consecutive changes grouped by author and minute, each with the cells it touched."""
    groups: list[HistoryGroup] = []
    order = {cid: i for i, cid in enumerate(doc.cell_ids())}
    start = 0
    for i in range(1, len(changes) + 1):
        if i < len(changes) and _same_group(changes[start], changes[i]):
            continue
        first, last = changes[start], changes[i - 1]
        before = changes[start - 1].heads if start else ()
        groups.append(HistoryGroup(author_label(first), first.time, first.index, last.index,
                                   last.heads, before, _touched(doc, before, last.heads, order)))
        start = i
    return groups


def _same_group(a: HistoryChange, b: HistoryChange) -> bool:
    if a.actor != b.actor:
        return False
    if a.time is None or b.time is None:
        return a.time is None and b.time is None
    return int(a.time // MINUTE) == int(b.time // MINUTE)


def _touched(
    doc: NotebookDoc, before: tuple[bytes, ...], after: tuple[bytes, ...], order: dict[str, int]
) -> tuple[str, ...]:
    """The cells whose change stamps differ between two points, or that exist at only one of them.

    Reads the small `stamps` map at each point (one read per group boundary, a few
    milliseconds for hundreds of cells) rather than comparing whole cells.
    """
    try:
        s0, s1 = _stamps_at(doc, before), _stamps_at(doc, after)
        k0, k1 = set(doc.cell_ids(list(before))), set(doc.cell_ids(list(after)))
    except Exception:  # a history the reader cannot compare is shown without cells
        return ()
    touched = {k.partition(":")[0] for k in s0.keys() | s1.keys() if s0.get(k) != s1.get(k)} | (k0 ^ k1)
    return tuple(sorted(touched, key=lambda c: (order.get(c, len(order)), c)))


def _stamps_at(doc: NotebookDoc, heads: tuple[bytes, ...]) -> dict[str, str]:
    """The stamps map at `heads`, remembered for the next group (whose start is this one's end)."""
    cache: dict[tuple[bytes, ...], dict[str, str]] = doc.__dict__.setdefault("_timeline_stamps", {})
    if heads not in cache:
        if len(cache) > 4:
            cache.clear()
        cache[heads] = doc.stamps(list(heads)) or {}
    return cache[heads]


def state_at(doc: NotebookDoc, heads: Heads) -> NotebookDoc:
    """The notebook as it was at `heads`: an independent fork, for reading."""
    return doc.fork_at(list(heads))


def notebook_diff(doc: NotebookDoc, heads: Heads) -> list[CellDiff]:
    """How the notebook at `heads` differs from now, cell by cell, in today's order then removed ones."""
    then = {c.id: c for c in doc.cells(list(heads))}
    now = {c.id: c for c in doc.cells()}
    then_order = [cid for cid in then if cid in now]
    now_order = [cid for cid in now if cid in then]
    out: list[CellDiff] = []
    for cid, cell in now.items():
        old = then.get(cid)
        if old is None:
            out.append(CellDiff(cid, "added", _diff_lines("", cell.source)))
        elif old.source != cell.source or old.cell_type != cell.cell_type:
            out.append(CellDiff(cid, "changed", _diff_lines(old.source, cell.source)))
        elif then_order.index(cid) != now_order.index(cid):
            out.append(CellDiff(cid, "moved"))
    out += [CellDiff(cid, "removed", _diff_lines(c.source, "")) for cid, c in then.items() if cid not in now]
    return out


def _diff_lines(old: str, new: str) -> tuple[str, ...]:
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), "then", "now", lineterm="", n=1)
    return tuple(list(diff)[2:])  # without the ---/+++ header


def restore_cell(doc: NotebookDoc, heads: Heads, cell_id: str) -> bool:
    """Make one cell as it was at `heads` with forward changes (re-created if deleted since,
    deleted if it did not exist then); True when anything changed."""
    then = {c.id: c for c in doc.cells(list(heads))}
    old = then.get(cell_id)
    if old is None:
        if cell_id not in doc:
            return False
        doc.delete_cell(cell_id)
        return True
    if cell_id not in doc:
        _recreate(doc, old)
        return True
    return _restore_existing(doc, old)


def restore_notebook(doc: NotebookDoc, heads: Heads) -> int:
    """Make the whole notebook as it was at `heads` with forward changes; how many cells changed."""
    then = {c.id: c for c in doc.cells(list(heads))}
    changed = 0
    for cid in [c for c in doc.cell_ids() if c not in then]:
        doc.delete_cell(cid)
        changed += 1
    for cell in then.values():
        if cell.id in doc:
            changed += _restore_existing(doc, cell)
        else:
            _recreate(doc, cell)
            changed += 1
    if doc.metadata() != doc.metadata(list(heads)):
        doc.set_metadata(doc.metadata(list(heads)))
    return changed


def sources_to_restore(doc: NotebookDoc, heads: Heads, cell_id: str | None = None) -> list[str]:
    """Cells that exist now whose source a restore would rewrite (a client prepares them first)."""
    then = {c.id: c for c in doc.cells(list(heads)) if cell_id is None or c.id == cell_id}
    return [cid for cid, c in then.items() if cid in doc and doc.source(cid) != c.source]


def _restore_existing(doc: NotebookDoc, old: CellView) -> bool:
    now = doc.cell(old.id)
    changed = False
    if now.cell_type != old.cell_type:
        doc.set_cell_type(old.id, old.cell_type)
        changed = True
    if now.source != old.source:
        doc.set_source(old.id, old.source)
        changed = True
    if now.metadata != old.metadata:
        doc.set_cell_metadata(old.id, old.metadata)
        changed = True
    if now.position != old.position:
        doc.set_position(old.id, old.position)
        changed = True
    return changed


def _recreate(doc: NotebookDoc, old: CellView) -> None:
    """Bring a deleted cell back under its id, at its old position, with its source as Text."""
    if old.cell_type not in ("code", "markdown", "raw"):
        raise DocError(f"cannot restore a cell of type {old.cell_type!r}")
    with doc.transaction() as tx:
        c = doc._write_cell(tx, old.id, old.cell_type, old.position, old.source, old.metadata, text=True)
        if old.attachments is not None:
            tx.put(c, "attachments", ScalarType.Str, dumps(old.attachments))
