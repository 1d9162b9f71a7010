"""The reading half of the Session API: cells from the local replica (no round trip), peers,
presence, and the blobs (large outputs, images) fetched from the daemon and cached."""

from __future__ import annotations

import asyncio
import logging

from runt_tui.client.cells import Cell
from runt_tui.client.host import SessionHost
from runt_tui.client.link import DaemonError, DaemonUnavailable
from runt_tui.doc import CellView, NotebookDoc
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.protocol.payloads import Presence
from runt_tui.protocol.requests import Blob, SetPresence

log = logging.getLogger("runt_tui.client")

# Cells scanned for blob references between two turns of the event loop (~10 ms of work).
BLOB_SCAN_PART = 1000


class ReadAPI:
    """Reads of the notebook and its blobs (mixed into AsyncSession)."""

    # Set by AsyncSession.__init__.
    _blob_task: asyncio.Task[None] | None
    _scan_blobs: bool

    # ---- blobs -----------------------------------------------------------

    def _fetch_blobs_soon(self: SessionHost, all_refs: bool = False) -> None:
        replica = self.replica
        if replica is None or self._closing:
            return
        # Scanning every output for blob references takes a while on a big notebook: the
        # task does it, after connect() has returned with the replica ready.
        self._scan_blobs = self._scan_blobs or all_refs
        if (replica.missing_blobs or self._scan_blobs) and (self._blob_task is None or self._blob_task.done()):
            self._blob_task = asyncio.get_running_loop().create_task(self._fetch_blobs())

    async def _fetch_blobs(self: SessionHost) -> None:
        replica = self._replica()
        if self._scan_blobs:
            self._scan_blobs = False
            # In parts, yielding in between: at 10,000 cells the whole scan takes ~0.1 s,
            # which held up the first paint of the cells connect() has just made ready.
            for part in replica.doc.blob_digest_parts(BLOB_SCAN_PART):
                replica.missing_blobs |= {d for d in part if d not in replica.blobs}
                await asyncio.sleep(0)
        while replica.missing_blobs:
            digest = replica.missing_blobs.pop()
            try:
                data = await self.fetch_blob(digest)
            except DaemonUnavailable:
                replica.missing_blobs.add(digest)  # fetched again after the reconnect
                return
            except DaemonError as e:
                log.warning("blob %s: %s", digest[:12], e)
                continue
            replica.blobs.put(data)
        self._emit({"type": "blobs"})

    async def fetch_blob(self: SessionHost, digest: str) -> bytes:
        """One blob's bytes (cached)."""
        replica = self._replica()
        cached = replica.blobs.get(digest)
        if cached is not None:
            return cached
        _, data = await self.ask(Blob(digest))
        replica.blobs.put(data)
        return data

    async def wait_blobs(self: SessionHost) -> None:
        """Wait until every referenced blob is cached."""
        replica = self._replica()
        task = self._blob_task
        if task is not None and not task.done():
            # Digests it has taken from missing_blobs are in flight: wait for them too.
            await asyncio.wait([task])
        replica.missing_blobs |= replica.all_blob_refs()
        await self._fetch_blobs()

    # ---- reads (local, no round trip) -------------------------------------

    @property
    def doc(self: SessionHost) -> NotebookDoc:
        """The local replica's document."""
        return self._replica().doc

    def get_cells(self: SessionHost) -> list[Cell]:
        """Every cell, in order, from the local replica."""
        replica = self._replica()
        return [self._to_cell(v) for v in replica.doc.cells()]

    def get_cell(self: SessionHost, cell_id: str) -> Cell:
        """One cell from the local replica (KeyError when absent)."""
        replica = self._replica()
        if cell_id not in replica.doc:
            raise KeyError(cell_id)
        return self._to_cell(replica.doc.cell(cell_id))

    def _to_cell(self: SessionHost, v: CellView) -> Cell:
        replica = self._replica()
        return Cell(
            id=v.id,
            cell_type=v.cell_type,
            source=v.source,
            outputs=replica.resolved_outputs(v) if v.cell_type == "code" else [],
            execution_count=v.execution_count if v.cell_type == "code" else None,
            metadata=v.metadata,
            attachments=v.attachments,
        )

    def peers(self: SessionHost) -> list[JSONDict]:
        """The peers in the room (name, colour, focused cell, cursor), as JSON; `peer_list` has them typed."""
        return [p.to_json() for p in self.peer_list]

    async def set_presence(
        self: SessionHost, cell: str | None, cursor: int | list[int] | None = None, mode: str | None = None,
        follow: str | None = None,
    ) -> None:
        """Publish the focused cell, cursor, mode and whom we follow (a peer id, "" the running cell)."""
        await self.ask(SetPresence(Presence(cell, cursor, mode, follow=follow)))
