"""The document half of the Session API: writes acknowledged by the daemon, and preparing
cells for editing (see runt_tui.doc.schema)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from runt_tui.client.host import SessionHost
from runt_tui.client.link import DaemonError, DaemonUnavailable
from runt_tui.doc import Edit, NotebookDoc
from runt_tui.protocol.codec import decode
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.payloads import HeadsReply
from runt_tui.protocol.requests import Prepare, Save

log = logging.getLogger("runt_tui.client")
T = TypeVar("T")


class WriteAPI:
    """Edits of the notebook through the local replica; each returns once the daemon holds it."""

    def edit(self: SessionHost, fn: Callable[[NotebookDoc], T]) -> T:
        """Apply an edit to the replica and send it, without waiting (the TUI's path)."""
        return self._replica().edit(fn)

    async def create_cell(self: SessionHost, source: str = "", cell_type: str = "code", index: int | None = None) -> str:
        """Insert a cell (at the end by default) and return its id."""
        replica = self._replica()
        at = len(replica.doc) if index is None else index
        cell_id: str = replica.edit(lambda d: d.insert_cell(at, cell_type, source))
        await self.sync_now()
        return cell_id

    async def set_source(self: SessionHost, cell_id: str, text: str) -> None:
        """Replace a cell's source (as a minimal edit)."""
        replica = self._replica()
        if cell_id in replica.doc and replica.doc.creates_chunks(cell_id, text):
            # A source over the Text limit becomes a chunk list this replica creates itself.
            replica.unreplayed.pop(cell_id, None)
            replica.edit(lambda d: d.set_source(cell_id, text))
            await self.sync_now()
            return
        try:
            await self.prepare_sources([cell_id], force=True)
        except (DaemonUnavailable, TimeoutError):
            # Never edited and the daemon is away: written once it is back and has prepared it.
            replica.unreplayed[cell_id] = text
            raise
        replica.unreplayed.pop(cell_id, None)
        replica.edit(lambda d: d.set_source(cell_id, text))
        await self.sync_now()

    async def splice_source(
        self: SessionHost, cell_id: str, compute: Callable[[str], Sequence[tuple[int, int, str]]]
    ) -> list[tuple[int, int, str]]:
        """Apply splices (pos, delete, insert; ascending, old coordinates) that `compute`
        derives from the cell's source as the replica holds it at that instant.

        Only the spliced ranges change, so text others type elsewhere in the cell,
        even concurrently, is kept (a whole-source replace would diff it away).
        """
        replica = self._replica()
        await self.prepare_sources([cell_id], force=True)
        applied: list[tuple[int, int, str]] = []

        def apply(d: NotebookDoc) -> None:
            edits = [Edit(*e) for e in compute(d.source(cell_id))]
            if edits:
                d.splice_source(cell_id, edits)
            applied.extend((e.pos, e.delete, e.insert) for e in edits)

        replica.edit(apply)
        await self.sync_now()
        return applied

    async def prepare_sources(self: SessionHost, cell_ids: list[str], timeout: float = 10.0, force: bool = False) -> None:
        """Have the daemon make these cells' sources editable (Text, or line chunks when long); returns once the replica has it.

        A notebook's sources are loaded as plain strings (cheap to build, load and
        sync); only the daemon may turn one into Text (see runt_tui.doc.schema).
        `force` asks even for cells already Text here: the answer comes once the
        daemon has them on disk, so typing never goes into a Text a crashed daemon
        could lose and then create a second time.
        """
        replica = self._replica()
        todo = [c for c in cell_ids if c in replica.doc and (force or not replica.doc.source_editable(c))]
        if not todo:
            return
        header, _ = await self.ask(Prepare(todo), timeout=timeout)
        heads = [bytes.fromhex(h) for h in decode(HeadsReply, header, "prepare reply").heads]
        await self._wait_for_heads(heads, timeout)

    async def _replay_unprepared(self: SessionHost) -> None:
        """Replay sources of a lost epoch whose cells the daemon had to prepare first."""
        replica = self._replica()
        pending, replica.unreplayed = replica.unreplayed, {}
        try:
            await self.prepare_sources(list(pending))
        except (DaemonError, DaemonUnavailable, TimeoutError) as e:
            log.warning("could not prepare cells to replay edits: %s", e)
            replica.unreplayed.update(pending)
            return
        for cell_id, source in pending.items():
            if cell_id in replica.doc:
                replica.doc.set_source(cell_id, source)
        replica.flush()

    async def delete_cell(self: SessionHost, cell_id: str) -> None:
        """Delete a cell."""
        self._replica().edit(lambda d: d.delete_cell(cell_id))
        await self.sync_now()

    async def move_cell(self: SessionHost, cell_id: str, index: int) -> None:
        """Move a cell to `index`."""
        self._replica().edit(lambda d: d.move_cell(cell_id, index))
        await self.sync_now()

    async def set_cell_type(self: SessionHost, cell_id: str, cell_type: str) -> None:
        """Change a cell's type (code, markdown, raw)."""
        self._replica().edit(lambda d: d.set_cell_type(cell_id, cell_type))
        await self.sync_now()

    async def set_cell_metadata(self: SessionHost, cell_id: str, metadata: JSONDict) -> None:
        """Replace a cell's metadata."""
        self._replica().edit(lambda d: d.set_cell_metadata(cell_id, metadata))
        await self.sync_now()

    async def save(self: SessionHost, force: bool = False) -> JSONDict:
        """Save the notebook file now (after syncing local edits).

        `force` overwrites a file on disk that is not a valid notebook (a git conflict).
        """
        await self.sync_now()
        header, _ = await self.ask(Save(force=True if force else None))
        return header
