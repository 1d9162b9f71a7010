"""A room's history kept bounded: changes whose dependencies never arrive, and compaction.

Orphans: a sync message may carry changes that build on changes the daemon does
not have. Automerge queues them until those arrive, and writes the queue into
every `save()` (what a joining client downloads). The daemon notes each such
change and drops the queue (logged) when it grows past `MAX_ORPHANS` changes or
`MAX_ORPHAN_BYTES`, or its changes are older than `ORPHAN_TTL`; snapshots never
include it.

Compaction: Automerge keeps every change, so outputs rewritten by each run of a
cell pile up in the history. When the room's persisted history exceeds both the
`history_limit` setting and `HISTORY_FACTOR` times the size of its current
state, the room rebuilds its document from the current state alone, under a new
epoch, once it is quiet: no execution queued or running, no peer edit for
`QUIET` seconds, nothing waiting for an acknowledgement, no disk merge or
prepare in progress, and the file saved. Each peer then gets an `epoch` event
carrying the new document; a client adopts it and replays the source edits it
had not yet synced (as for a daemon restart). Sync frames and acks name their
epoch, so stale ones are told apart. The new document's characters have new
ids, so a terminal cannot undo edits made before it (as after a daemon
restart): hence the long quiet period.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from runt_tui.daemon.docwork import DocWorker
from runt_tui.daemon.peers import PeerLink
from runt_tui.daemon.persist import RoomMeta, RoomStore
from runt_tui.doc import NotebookDoc
from runt_tui.doc.history import change_hash, rebuilt, sync_message_changes, without_orphans
from runt_tui.protocol.payloads import EpochEvent, Event
from runt_tui.protocol.runtime import SaveState
from runt_tui.settings import Settings

if TYPE_CHECKING:
    from runt_tui.daemon.kernel_room import RoomKernel

log = logging.getLogger("runt_tui.daemon")

MAX_ORPHANS = 1000
MAX_ORPHAN_BYTES = 8 * 1024 * 1024
ORPHAN_TTL = 60.0
HISTORY_FACTOR = 3
QUIET = 30.0


class RoomHistory:
    """Mixed into Room, which provides the attributes below."""

    key: str
    doc: NotebookDoc
    store: RoomStore
    meta: RoomMeta
    settings: Settings
    peers: dict[str, PeerLink]
    kernel: RoomKernel | None
    save_state: SaveState
    persist_error: str | None
    _closing: bool
    _save_lock: asyncio.Lock
    _snapshot: tuple[list[bytes], bytes] | None
    _persisted_heads: list[bytes]
    _durable_heads: list[bytes]
    _io: ThreadPoolExecutor
    worker: DocWorker

    if TYPE_CHECKING:  # provided by Room and RoomPersistence (no stubs here: they would shadow them)

        def send_event(self, event: Event, payload: bytes = b"", only: str | None = None) -> None: ...

        def flush_sync_now(self) -> None: ...

        def _notify(self) -> None: ...

        def _spawn(self, coro: Coroutine[object, object, object]) -> None: ...

    def _init_history(self) -> None:
        # Hash -> (size, when first seen) of changes waiting for dependencies.
        self.orphans: dict[bytes, tuple[int, float]] = {}
        self.last_peer_change = time.monotonic()
        self.acks_waiting = 0
        # Size of the document rebuilt from its current state, once known.
        self.live_size: int | None = None
        self._compacting = False

    # ---- changes whose dependencies are missing --------------------------------

    def note_sync(self, data: bytes, changed: bool) -> None:
        """After a peer's sync message: note the changes it carried that could not be applied."""
        now = time.monotonic()
        if changed:
            self.last_peer_change = now
            if self.orphans:  # some may have found their dependencies
                self.orphans = {h: v for h, v in self.orphans.items() if not self.doc.has_heads([h])}
        for chunk in sync_message_changes(data) or []:
            digest = change_hash(chunk)
            if digest is not None and digest not in self.orphans and not self.doc.has_heads([digest]):
                self.orphans[digest] = (len(chunk), now)
        self._bound_orphans()

    def _bound_orphans(self) -> None:
        if self.worker.lock.locked():
            return  # a disk merge or prepare will merge a fork into this very document: later
        if len(self.orphans) > MAX_ORPHANS:
            self.drop_orphans(f"more than {MAX_ORPHANS} of them")
        elif sum(n for n, _ in self.orphans.values()) > MAX_ORPHAN_BYTES:
            self.drop_orphans(f"more than {MAX_ORPHAN_BYTES} bytes of them")

    def expire_orphans(self) -> None:
        """Drop changes past the bounds or waiting longer than ORPHAN_TTL for their dependencies (housekeeping)."""
        self._bound_orphans()
        if self.orphans and not self.worker.lock.locked() and time.monotonic() - min(t for _, t in self.orphans.values()) > ORPHAN_TTL:
            self.drop_orphans(f"their dependencies did not arrive within {ORPHAN_TTL:.0f} s")

    def drop_orphans(self, why: str) -> None:
        """Forget every change waiting for dependencies (the document object is replaced)."""
        count, size = len(self.orphans), sum(n for n, _ in self.orphans.values())
        log.warning("room %s: dropped %d changes (%d bytes) whose dependencies never arrived: %s", self.key, count, size, why)
        self.orphans.clear()
        self._swap_doc(without_orphans(self.doc))

    def clean_save(self) -> bytes:
        """The document's save() bytes without changes waiting for dependencies."""
        return (without_orphans(self.doc) if self.orphans else self.doc).save()

    def snapshot_for_store(self) -> bytes:
        """What the change log is folded into."""
        return self.clean_save()

    def _swap_doc(self, doc: NotebookDoc) -> None:
        """Replace the document object (same content): sync states and output writers follow."""
        self.doc = doc
        self._snapshot = None
        for link in self.peers.values():
            link.sync.reset(doc)
        if self.kernel is not None:
            self.kernel.rebind(doc)

    # ---- compaction ----------------------------------------------------------

    def history_excess(self) -> bool:
        """True when the persisted history is large against the limit and the current state."""
        size = self.store.persisted_size()
        return size > max(self.settings.history_limit, HISTORY_FACTOR * (self.live_size or 0))

    def _settled(self) -> bool:
        """True when the file and the change log hold the document as it is."""
        # "saved" is the file holding the notebook as it is now (a prepared cell changes
        # the heads, not the notebook: it leaves the state saved and needs no save).
        saved = self.meta.path is None or self.save_state.state == "saved"
        return (
            saved and not self._save_lock.locked() and not self.worker.lock.locked() and self.persist_error is None
            and self._durable_heads == self._persisted_heads == self.doc.heads()
        )

    def quiet(self) -> bool:
        """True when no one is mid-edit or mid-run and the file holds the document (see module doc)."""
        kernel_busy = self.kernel is not None and self.kernel.busy
        return (
            not kernel_busy and not self.acks_waiting and not self._closing
            and time.monotonic() - self.last_peer_change >= QUIET and self._settled()
        )

    def maybe_compact(self) -> None:
        """Start a compaction when the history is too large and the room is quiet (housekeeping)."""
        self.expire_orphans()
        if not self._compacting and self.history_excess() and self.quiet():
            self._compacting = True
            self._spawn(self.compact())

    async def compact(self, closing: bool = False) -> bool:
        """Rebuild the document from its current state (new epoch); True when it was swapped in.

        `closing`: the room is closing (no peers, no kernel): only the file and log must be settled.
        """
        ready = self._settled if closing else self.quiet
        try:
            heads = self.doc.heads()
            old_size = self.store.persisted_size()
            fork = without_orphans(self.doc) if self.orphans else self.doc.fork()
            new, data = await asyncio.to_thread(_rebuild, fork)
            self.live_size = len(data)
            if len(data) * 2 > old_size:
                log.info("room %s: history of %d bytes kept (its current state takes %d)", self.key, old_size, len(data))
                return False
            if self.doc.heads() != heads or not ready():
                return False  # tried again at the next quiet moment
            return self._swap_epoch(new, data, old_size)
        finally:
            self._compacting = False

    def _swap_epoch(self, new: NotebookDoc, data: bytes, old_size: int) -> bool:
        """Make `new` the room's document: on disk first, then in memory, then every peer told."""
        # Whatever peers are owed of the old document goes out before they are told of the new.
        self.flush_sync_now()
        try:
            # On the I/O thread (after any write in flight), but waited for here: nothing
            # may change the document between this write and the swap.
            self._io.submit(self.store.write_snapshot, data).result()
        except OSError as e:
            log.warning("room %s: compaction not written (%s); the history stays", self.key, e)
            return False
        old_epoch = self.doc.epoch
        self.orphans.clear()
        self._swap_doc(new)
        heads = new.heads()
        self._persisted_heads = self._durable_heads = heads
        self._snapshot = (heads, data)
        if self.meta.path is not None:
            self.meta.saved_heads = [h.hex() for h in heads]
            self.meta.pending_sha256, self.meta.pending_heads = None, []
            try:
                self.store.write_meta(self.meta)
            except OSError as e:
                log.warning("room %s: meta not written after compaction: %s", self.key, e)
        log.info("room %s: history compacted from %d to %d bytes (epoch %s -> %s)", self.key, old_size, len(data),
                 old_epoch[:8], new.epoch[:8])
        self.send_event(EpochEvent(new.epoch), data)
        self._notify()  # acks waiting on the old epoch's heads end
        return True


def _rebuild(doc: NotebookDoc) -> tuple[NotebookDoc, bytes]:
    new = rebuilt(doc)
    return new, new.save()
