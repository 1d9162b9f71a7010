"""The notebook's history through a session: the timeline from the replica, restores as forward edits.

Reading needs no round trip: the replica holds every change. A restore first
has the daemon prepare the sources it rewrites (a client never turns a plain
source into Text itself), then writes the old state as new changes on the
replica and waits until the daemon holds them, so every collaborator sees the
restore as an ordinary edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runt_tui.doc import (
    HistoryChange,
    HistoryGroup,
    NotebookDoc,
    change_history,
    group_history,
    restore_cell,
    restore_notebook,
    sources_to_restore,
)

if TYPE_CHECKING:
    from runt_tui.client.session import AsyncSession


def timeline(session: AsyncSession) -> tuple[list[HistoryChange], list[HistoryGroup]]:
    """Every change of the session's notebook and the changes grouped by author and minute."""
    doc = _doc(session)
    changes = change_history(doc)
    return changes, group_history(doc, changes)


def find_change(changes: list[HistoryChange], ref: str) -> HistoryChange | None:
    """The change a user named: its number in the timeline, or a prefix of its hash (4+ hex digits)."""
    ref = ref.strip().lstrip("#")
    if ref.isdigit() and 1 <= int(ref) <= len(changes):
        return changes[int(ref) - 1]
    if len(ref) >= 4:
        found = [c for c in changes if c.hash.hex().startswith(ref.lower())]
        if len(found) == 1:
            return found[0]
    return None


async def restore(session: AsyncSession, heads: list[bytes], cell_id: str | None = None) -> int:
    """Make the notebook (or one cell) as it was at `heads` with new changes; how many cells changed."""
    doc = _doc(session)
    targets = sources_to_restore(doc, heads, cell_id)
    if targets:
        await session.prepare_sources(targets, force=True)

    def write(d: NotebookDoc) -> int:
        if cell_id is None:
            return restore_notebook(d, heads)
        return int(restore_cell(d, heads, cell_id))

    changed: int = session.edit(write)
    await session.sync_now()
    return changed


def _doc(session: AsyncSession) -> NotebookDoc:
    if session.replica is None:
        raise RuntimeError("the session is not connected")
    return session.replica.doc


def group_line(group: HistoryGroup, max_cells: int = 6) -> str:
    """One timeline line: change numbers, local time, author, how many changes, the cells touched.

    Names come from peers: callers sanitize before drawing.
    """
    import time as _time

    when = _time.strftime("%Y-%m-%d %H:%M", _time.localtime(group.time)) if group.time is not None else "time unknown"
    span = f"#{group.first}" if group.first == group.last else f"#{group.first}-{group.last}"
    cells = ", ".join(group.cells[:max_cells]) + (f" +{len(group.cells) - max_cells}" if len(group.cells) > max_cells else "")
    noun = "change" if group.count == 1 else "changes"
    return f"{span:<10} {when:<16}  {group.author}  ({group.count} {noun})" + (f"  cells: {cells}" if cells else "")
