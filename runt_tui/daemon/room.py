"""A room: one notebook's canonical document, its peers, persistence and autosave."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING

from runt_tui.daemon import runtime_state
from runt_tui.daemon.docwork import DocWorker
from runt_tui.daemon.peers import PeerLink
from runt_tui.daemon.persist import PersistFailed, RoomMeta, RoomStore
from runt_tui.daemon.room_files import DiskFile, RoomFiles, SaveHook
from runt_tui.daemon.room_history import RoomHistory
from runt_tui.daemon.room_open import load_room
from runt_tui.daemon.room_persist import RoomPersistence
from runt_tui.daemon.viewers import sync_refusal
from runt_tui.doc import Baseline, DocError, FileBlobStore, NotebookDoc
from runt_tui.doc.authors import DAEMON_AUTHOR
from runt_tui.doc.history import acknowledges
from runt_tui.protocol import ErrorCode
from runt_tui.protocol.jsontypes import JSONDict, JSONValue
from runt_tui.protocol.payloads import (
    ErrorEvent,
    Event,
    PresenceEvent,
    RuntimeEvent,
    SaveResult,
    event_header,
)
from runt_tui.protocol.runtime import FileState, RuntimeState, SaveState
from runt_tui.settings import Settings

if TYPE_CHECKING:
    from runt_tui.daemon.env_room import RoomEnv
    from runt_tui.daemon.kernel_room import RoomKernel

log = logging.getLogger("runt_tui.daemon")

class Room(RoomHistory, RoomPersistence, RoomFiles):
    """The daemon's state for one notebook (a file, or a notebook_id without a file)."""

    def __init__(
        self,
        key: str,
        path: Path | None,
        notebook_id: str | None,
        doc: NotebookDoc,
        store: RoomStore,
        meta: RoomMeta,
        settings: Settings,
        blobs: FileBlobStore,
    ) -> None:
        self.key = key
        self.path = path
        self.notebook_id = notebook_id
        doc.author = DAEMON_AUTHOR  # outputs, prepares and disk merges, in the history
        doc.ensure_authors()  # a document persisted before the history had authors
        self.doc = doc
        self.store = store
        self.meta = meta
        self.settings = settings
        self.blobs = blobs
        self.peers: dict[str, PeerLink] = {}
        # Sync messages are generated once per loop iteration for everything that arrived in
        # it (generate_sync_message is the daemon's main cost; see _queue_sync).
        self._sync_all = False
        self._sync_some: set[str] = set()
        self._sync_scheduled = False
        self.seq = 0
        self._snapshot: tuple[list[bytes], bytes] | None = None
        # Long document work (disk merges, preparing big cells) runs here, off the loop.
        self.worker = DocWorker(key)
        self._save_lock = asyncio.Lock()
        self._save_handle: asyncio.TimerHandle | None = None
        self._dirty_since: float | None = None
        self._pending_write_sha: str | None = None
        self._baseline: Baseline | None = None
        self.save_state = SaveState("saved")
        self.file_state = FileState("ok" if path is None or path.exists() else "new")
        self.runtime_version = 0
        # Parts of the runtime state not (yet) typed in protocol/runtime.py, as JSON: name ->
        # getter; those also in `runtime_deltas` go in events as `<name>_changed` (see
        # daemon/runtime_state.py). They reach clients in `RuntimeState.extra`.
        self.runtime_extra: dict[str, Callable[[], JSONValue]] = {}
        self.runtime_deltas: dict[str, Callable[[], JSONDict]] = {}
        self._tasks: set[asyncio.Task[object]] = set()
        self._closing = False
        self.last_left: float | None = time.monotonic()
        self._peer_counter = 0
        # Created by the first kernel request.
        self.kernel: RoomKernel | None = None
        # Called with the notebook about to be saved (widget state goes into its metadata).
        self.save_hooks: list[SaveHook] = []
        # The notebook's environment (trust, build), created with the kernel.
        self.env: RoomEnv | None = None
        self._init_history()
        self._init_persistence()

    # ---- opening --------------------------------------------------------

    @classmethod
    async def open(
        cls,
        key: str,
        path: Path | None,
        notebook_id: str | None,
        rooms_dir: Path,
        settings: Settings,
        blobs: FileBlobStore,
    ) -> Room:
        """Load a room from the state dir and/or the file; NotebookFileError for a bad file."""
        store = RoomStore(rooms_dir, key)
        loaded = await load_room(key, path, notebook_id, store, settings, blobs)
        room = cls(key, path, notebook_id, loaded.doc, store, loaded.meta, settings, blobs)
        room._baseline = loaded.baseline
        if loaded.invalid is not None:
            room._invalid(loaded.invalid)
        if loaded.snapshot is not None:
            room._snapshot = (loaded.doc.heads(), loaded.snapshot)
        if loaded.no_file:
            room._schedule_save()
        if store.meta_damaged is not None:
            await room._record_saved_heads(loaded.conflict)
        return room

    async def _record_saved_heads(self, conflict: str | None) -> None:
        """After a damaged meta: save now, so that the meta names the heads the file holds."""
        heads = self.doc.heads()
        result = await self.save() if self.path is not None else SaveResult(False, reason="no file")
        if result.reason in ("unchanged", "no file"):
            self.meta.saved_heads = [h.hex() for h in heads]
            self.store.write_meta(self.meta)
        if conflict is not None:
            self.file_state = FileState("conflict", conflict)

    # ---- peers and sync -------------------------------------------------

    def snapshot_bytes(self) -> bytes:
        """The document's save() bytes (what a joining client starts from), cached per heads."""
        heads = self.doc.heads()
        if self._snapshot is None or self._snapshot[0] != heads:
            self._snapshot = (heads, self.clean_save())
        return self._snapshot[1]

    def next_peer_index(self) -> int:
        """A growing counter used to pick peer colours."""
        self._peer_counter += 1
        return self._peer_counter - 1

    def add_peer(self, link: PeerLink) -> None:
        """Register a joined peer and tell the others."""
        self.peers[link.peer_id] = link
        self.last_left = None
        self.publish_presence()

    def remove_peer(self, peer_id: str) -> None:
        """Forget a peer (left, disconnected or dropped) and tell the others."""
        if self.peers.pop(peer_id, None) is not None:
            if not self.peers:
                self.last_left = time.monotonic()
            self.publish_presence()

    def receive_sync(self, peer_id: str, data: bytes) -> None:
        """Apply a peer's sync message; on change, fan out to everyone."""
        link = self.peers.get(peer_id)
        if link is None:
            raise DocError("not joined to this room")
        refused = sync_refusal(link.kind, self.doc, data)
        if refused is not None:  # a viewer's edit: never applied
            log.info("room %s: %s: %s", self.key, link.name, refused)
            self.send_event(ErrorEvent(ErrorCode.READ_ONLY.value, refused), only=peer_id)
            return
        before = self.doc.heads()
        link.sync.receive(data)
        changed = self.doc.heads() != before
        self.note_sync(data, changed)
        if changed:
            self.local_changed()
        elif not acknowledges(data, before):
            self._queue_sync(link.peer_id)

    def local_changed(self, notebook_changed: bool = True) -> None:
        """The document changed (a peer's sync or the daemon's own write): sync, persist, save.

        `notebook_changed` is False for changes the .ipynb cannot show (preparing sources).
        """
        self.seq += 1
        self._queue_sync(None)  # queued first: peers see the change before the fsync runs
        self._persist_wakeup.set()
        if self.path is not None and notebook_changed:
            self._schedule_save()
        self._notify()

    def broadcast_sync(self) -> None:
        """Send each peer whatever it is missing."""
        for link in list(self.peers.values()):
            self._send_sync(link)

    def _queue_sync(self, peer_id: str | None) -> None:
        """Sync one peer (or all, None) at the end of this loop iteration.

        Changes and acks that arrive together (a burst of keystrokes, several typists, each
        peer's answer to the last broadcast) then cost one generate_sync_message per peer
        instead of one per message, which keeps a busy room from falling behind.
        """
        if peer_id is None:
            self._sync_all = True
        else:
            self._sync_some.add(peer_id)
        if not self._sync_scheduled:
            self._sync_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_sync)

    def flush_sync_now(self) -> None:
        """Send queued sync messages now, so that they precede whatever is sent next."""
        if self._sync_scheduled:
            self._flush_sync()

    def _flush_sync(self) -> None:
        self._sync_scheduled = False
        targets = list(self.peers) if self._sync_all else list(self._sync_some)
        self._sync_all = False
        self._sync_some.clear()
        for peer_id in targets:
            link = self.peers.get(peer_id)
            if link is not None:
                self._send_sync(link)

    def _send_sync(self, link: PeerLink) -> None:
        msg = link.sync.generate()
        if msg is None:
            return
        try:
            link.outbox.send_sync(self.key, msg)
        except Exception as e:  # a slow or closed peer must never block the room
            log.warning("room %s: dropping peer %s: %s", self.key, link.peer_id, e)
            self.remove_peer(link.peer_id)
            link.outbox.drop(f"dropped: {e}")

    def send_event(self, event: Event, payload: bytes = b"", only: str | None = None) -> None:
        """Send an event to every peer (or one), dropping those that cannot keep up."""
        # Keep the order of what happened: a change made before this event (outputs
        # before "execution done") reaches the peers before it.
        self.flush_sync_now()
        header = event_header(event, self.key)
        for link in list(self.peers.values()):
            if only is not None and link.peer_id != only:
                continue
            try:
                link.outbox.send_event(header, payload)
            except Exception as e:
                log.warning("room %s: dropping peer %s: %s", self.key, link.peer_id, e)
                self.remove_peer(link.peer_id)
                link.outbox.drop(f"dropped: {e}")

    def publish_presence(self) -> None:
        """Push the list of peers with their presence to everyone."""
        self.send_event(PresenceEvent([p.describe() for p in self.peers.values()]))

    def runtime(self) -> RuntimeState:
        """The whole runtime state (small, changes often, not CRDT history): the join reply's."""
        return runtime_state.snapshot(self)

    def publish_runtime(self) -> None:
        """Bump the runtime version and push the state (changes only where it can grow large)."""
        self.runtime_version += 1
        self.send_event(RuntimeEvent(runtime_state.update(self)))

    # ---- lifecycle -------------------------------------------------------

    def _spawn(self, coro: Coroutine[object, object, object]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        e = task.exception()
        if isinstance(e, PersistFailed):  # already reported (log, notice, runtime state)
            log.info("room %s: %s: %s", self.key, task.get_coro().__qualname__, e)  # type: ignore[union-attr]
        else:
            log.error("room %s: background task failed", self.key, exc_info=e)

    async def save(self, explicit: bool = False, force: bool = False) -> SaveResult:
        """RoomFiles.save, with a line in the daemon's log for each file written."""
        started = time.monotonic()
        result = await super().save(explicit, force)
        if result.saved:
            log.info("room %s: saved %s (%d bytes, %.0f ms%s)", self.key, result.path, result.bytes or 0,
                     (time.monotonic() - started) * 1000, ", asked" if explicit else "")
        elif result.error:
            log.warning("room %s: not saved: %s", self.key, self.save_state.message or result.error)
        return result

    async def _absorb(self, disk: DiskFile) -> str:
        """RoomFiles._absorb, with a line in the daemon's log for each merge or invalid file."""
        state = self.file_state.state
        outcome = await super()._absorb(disk)
        if outcome == "merged":
            log.info("room %s: merged changes from disk: %s", self.key, self.path)
        elif outcome == "invalid" and state != "invalid":
            log.warning("room %s: %s", self.key, self.file_state.message)
        return outcome

    def _after_recovery(self) -> None:
        # A save cut short by the failure (it must not write the file first) runs now.
        if self.path is not None:
            self._schedule_save()

    async def close(self) -> None:
        """Save, persist a fresh snapshot and stop background work."""
        self._closing = True
        if self.kernel is not None:
            with contextlib.suppress(Exception):
                await self.kernel.close()
        if self._save_handle is not None:
            self._save_handle.cancel()
        if (
            self.path is not None
            and self.settings.autosave
            and self.file_state.state != "deleted"
        ):
            with contextlib.suppress(Exception):
                await self.save()
        if self.history_excess():
            with contextlib.suppress(Exception):
                await self.compact(closing=True)
        self.close_persistence()
        self.worker.close()
        for t in list(self._tasks):
            t.cancel()
        self.store.close()
