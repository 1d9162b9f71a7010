"""The client's replica of one room: local edits, sync with the daemon, epoch changes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from runt_tui.doc import (
    BlobMissingError,
    CellView,
    DocDelta,
    DocError,
    MemoryBlobStore,
    NotebookDoc,
    NotPreparedError,
    SyncPeer,
    blob_refs,
    inline_output,
)
from runt_tui.protocol.jsontypes import JSONDict

log = logging.getLogger("runt_tui.client")
T = TypeVar("T")

DeltaListener = Callable[[DocDelta], None]


class Replica:
    """A local replica: reads with no round trip, edits applied at once and synced behind."""

    def __init__(self, doc: NotebookDoc) -> None:
        doc.prepares = False
        self.doc = doc
        # Unsynced sources of a lost epoch waiting for the daemon to prepare their cells.
        self.unreplayed: dict[str, str] = {}
        self.sync = SyncPeer(doc)
        self.acked_heads = doc.heads()
        self.listeners: list[DeltaListener] = []
        self.blobs = MemoryBlobStore()
        self.missing_blobs: set[str] = set()
        self._send: Callable[[bytes], None] | None = None

    def attach(self, send: Callable[[bytes], None] | None) -> None:
        """Route outgoing sync messages to `send` (None while disconnected)."""
        self._send = send

    def flush(self) -> None:
        """Send the daemon whatever it is missing."""
        if self._send is None:
            return
        msg = self.sync.generate()
        if msg is not None:
            self._send(msg)

    def receive(self, data: bytes, flush: bool = True) -> DocDelta:
        """Apply a sync message from the daemon; notify listeners of what changed.

        The answer to the daemon is sent at once, unless `flush` is False: then the caller
        flushes later (once for a burst of messages: generating one costs O(history)).
        """
        before = self.doc.heads()
        try:
            self.sync.receive(data)
        except DocError as e:
            log.warning("bad sync message from daemon: %s", e)
            return DocDelta()
        if flush:
            self.flush()
        after = self.doc.heads()
        if after == before:
            return DocDelta()
        delta = self.doc.changes_between(before, after)
        self._note_blobs(delta)
        for listener in list(self.listeners):
            try:
                listener(delta)
            except Exception:
                log.exception("replica listener failed")
        return delta

    def _note_blobs(self, delta: DocDelta) -> None:
        for cell_id in delta.outputs | delta.added:
            if cell_id not in self.doc:
                continue
            for out in self.doc.cell(cell_id).outputs:
                for digest in blob_refs(out).values():
                    if digest not in self.blobs:
                        self.missing_blobs.add(digest)

    def all_blob_refs(self) -> set[str]:
        """Digests referenced by any output and not yet cached."""
        return {d for d in self.doc.blob_digests() if d not in self.blobs}

    def edit(self, fn: Callable[[NotebookDoc], T]) -> T:
        """Run a local edit on the replica and send it."""
        result = fn(self.doc)
        self.flush()
        return result

    def resolved_outputs(self, cell: CellView) -> list[JSONDict]:
        """A cell's outputs with cached blobs inlined (placeholders where not yet fetched)."""
        outs: list[JSONDict] = []
        for out in cell.outputs:
            try:
                outs.append(inline_output(out, self.blobs))
            except BlobMissingError:
                outs.append(out)
        return outs

    def unsynced_sources(self) -> dict[str, tuple[str, str, int]]:
        """Cells whose source changed locally since the last acknowledged heads: id -> (type, source, index)."""
        out: dict[str, tuple[str, str, int]] = {}
        acked_ids = set(self.doc.cell_ids(self.acked_heads))
        for i, cell_id in enumerate(self.doc.cell_ids()):
            cell = self.doc.cell(cell_id)
            if cell_id not in acked_ids or self.doc.source(cell_id, self.acked_heads) != cell.source:
                out[cell_id] = (cell.cell_type, cell.source, i)
        return out

    def replace(self, doc: NotebookDoc) -> None:
        """Adopt the daemon's document of a new epoch, replaying our unsynced source edits on it."""
        pending = self.unsynced_sources()
        doc.prepares = False
        self.doc = doc
        self.sync = SyncPeer(doc)
        base = doc.heads()
        for cell_id, (cell_type, source, index) in pending.items():
            try:
                if cell_id in doc:
                    doc.set_source(cell_id, source)
                else:
                    doc.insert_cell(index, cell_type, source, cell_id=cell_id)
            except NotPreparedError:
                self.unreplayed[cell_id] = source
            except DocError as e:
                log.warning("could not replay edit of %s: %s", cell_id, e)
        self.acked_heads = base
        for listener in list(self.listeners):
            listener(DocDelta(structure=True, metadata=True, added=frozenset(doc.cell_ids())))
