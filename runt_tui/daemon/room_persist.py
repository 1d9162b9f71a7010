"""The durable half of a room: every change on disk before it is acknowledged, and reading it back.

Changes go to the room's change log (see persist.py) on the room's I/O thread.
A write that fails (a full disk) acknowledges nothing: the writers waiting on it
get an error, every peer sees `persist: error` in the runtime state and a
notice, and the write is retried until it succeeds. Reading the store back
applies every logged change that can be applied and says what could not be.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from runt_tui.daemon.persist import (
    EpochChanged,
    PersistFailed,
    RoomMeta,
    RoomStore,
    describe,
    set_aside,
)
from runt_tui.doc import DocError, NotebookDoc, write_bytes_atomic
from runt_tui.doc.history import apply_change, change_hash, without_orphans
from runt_tui.protocol.payloads import Event, NoticeEvent
from runt_tui.protocol.runtime import PersistState

log = logging.getLogger("runt_tui.daemon")

# How soon a failed write is tried again.
RETRY_DELAY = 0.5


class RoomPersistence:
    """Mixed into Room, which provides the attributes below."""

    key: str
    doc: NotebookDoc
    store: RoomStore
    seq: int
    acks_waiting: int
    _closing: bool

    def publish_runtime(self) -> None:
        raise NotImplementedError

    def send_event(self, event: Event, payload: bytes = b"", only: str | None = None) -> None:
        raise NotImplementedError

    def _spawn(self, coro: Coroutine[object, object, object]) -> None:
        raise NotImplementedError

    def _after_recovery(self) -> None:
        """Called once writes succeed again after failing (Room reschedules its save)."""

    def snapshot_for_store(self) -> bytes:
        """The bytes to fold the log into (Room leaves out changes whose dependencies are missing)."""
        return self.doc.save()

    def _init_persistence(self) -> None:
        self.persisted_seq = 0
        # The sequence number the last failed write covered: waiters up to it fail.
        self.failed_seq = -1
        self.persist_error: str | None = None
        self._persisted_heads = self.doc.heads()
        # What the log is known to hold; a failed write falls back to it so
        # the changes are written again on the next try.
        self._durable_heads = self._persisted_heads
        self._changed = asyncio.Condition()
        self._persist_wakeup = asyncio.Event()
        self._io = ThreadPoolExecutor(1, thread_name_prefix=f"persist-{self.key}")
        self._persist_task = asyncio.get_running_loop().create_task(self._persist_loop())

    def persist_state(self) -> PersistState:
        """The `persist` part of the runtime state."""
        if self.persist_error is None:
            return PersistState("ok")
        return PersistState("error", self.persist_error)

    def _notify(self) -> None:
        async def _go() -> None:
            async with self._changed:
                self._changed.notify_all()

        self._spawn(_go())

    async def wait_acknowledged(self, heads: list[bytes], timeout: float = 10.0) -> bool:
        """Wait until the document has `heads` and they are on disk; False on timeout.

        PersistFailed when the write that was to hold them failed; EpochChanged
        when the document was compacted meanwhile (those heads are gone).
        """

        epoch = self.doc.epoch

        def moved() -> bool:
            return self.doc.epoch != epoch

        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: moved() or self.doc.has_heads(heads))
                target = self.seq
                await self._changed.wait_for(
                    lambda: moved() or self.persisted_seq >= target or self.failed_seq >= target
                )
                if moved():
                    raise EpochChanged(f"the notebook's history was compacted (epoch {self.doc.epoch})")
                if self.persisted_seq < target:
                    raise PersistFailed(self.persist_error or "cannot persist")

        self.acks_waiting += 1
        try:
            await asyncio.wait_for(_wait(), timeout)
        except TimeoutError:
            return False
        finally:
            self.acks_waiting -= 1
        return True

    async def _persist_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._persist_wakeup.wait()
            self._persist_wakeup.clear()
            # The write and fsync run on the room's I/O thread so the loop
            # keeps serving peers (and answering executions) meanwhile.
            target, work = self._persist_work()
            try:
                await loop.run_in_executor(self._io, work)
            except Exception as e:
                if isinstance(e, PersistFailed):
                    message = str(e)
                elif isinstance(e, OSError):  # e.g. a planted symlink, refused
                    message = describe(e)
                else:
                    log.exception("room %s: persisting failed", self.key)
                    message = "cannot persist: internal error"
                self._persist_failed(target, message)
                await asyncio.sleep(RETRY_DELAY)
                self._persist_wakeup.set()
                continue
            self._persist_succeeded(target)
            if self._closing:
                return

    def persist_now(self) -> None:
        """Append changes made since the last persist to the log (fsync), compacting when big; blocks.

        PersistFailed when they could not all be written.
        """
        target, work = self._persist_work()
        # Through the I/O thread even with nothing new: it finishes whatever
        # the persist loop has in flight first, keeping the log in order.
        try:
            self._io.submit(work).result()
        except PersistFailed as e:
            self._persist_failed(target, str(e))
            raise
        self._persist_succeeded(target)

    def _persist_succeeded(self, target: int) -> None:
        self.persisted_seq = max(self.persisted_seq, target)
        if self.persist_error is not None:
            self.persist_error = None
            log.info("room %s: changes are persisted again", self.key)
            self.publish_runtime()
            self.send_event(NoticeEvent("info", "changes are persisted again"))
            self._after_recovery()
        self._notify()

    def _persist_failed(self, target: int, message: str) -> None:
        self.failed_seq = max(self.failed_seq, target)
        if message != self.persist_error:
            log.error("room %s: %s (edits are not acknowledged until it can write again)", self.key, message)
            self.persist_error = message
            self.publish_runtime()
            self.send_event(NoticeEvent("error", f"{message}: edits are kept in memory and not acknowledged"))
        self._notify()

    def _persist_work(self) -> tuple[int, Callable[[], None]]:
        """The sequence number to be persisted and the file work that does it (on the I/O thread)."""
        target = self.seq
        base = self._persisted_heads
        heads = self.doc.heads()
        changes = self.doc.changes_since(base) if heads != base else []
        self._persisted_heads = heads
        snapshot = self.snapshot_for_store() if changes and self.store.needs_compaction(changes) else None
        store = self.store

        def work() -> None:
            if self._durable_heads != base:
                # An earlier write failed: these changes would follow ones not on disk.
                self._persisted_heads = self._durable_heads
                raise PersistFailed(self.persist_error or "cannot persist: an earlier write failed")
            try:
                store.append(changes)
            except BaseException:
                self._persisted_heads = self._durable_heads
                raise
            self._durable_heads = heads
            if snapshot is not None:
                try:
                    store.write_snapshot(snapshot)
                except OSError as e:  # the log still holds every change: fold it next time
                    log.warning("room %s: could not fold the change log into a snapshot: %s", self.key, e)

        return target, work

    def close_persistence(self) -> None:
        """Write what is left and a fresh snapshot (best effort: the log already holds what was acknowledged)."""
        try:
            self.persist_now()
            self.store.write_snapshot(self.snapshot_for_store())
        except Exception as e:
            log.warning("room %s: final snapshot not written: %s", self.key, e)
        self._persist_task.cancel()
        self._io.shutdown(wait=True)


def load_persisted(store: RoomStore, key: str) -> tuple[NotebookDoc | None, bool]:
    """The room's stored document (None when there is none or its snapshot is unreadable), and
    whether anything was damaged (the caller then writes a fresh snapshot).

    Every logged change that can be applied is; one that cannot (garbage that
    passed the checksum, a change whose dependencies are gone) is skipped and
    counted in the log, not allowed to discard the rest.
    """
    stored = store.read()
    if stored is None:
        return None, False
    for line in stored.damage:
        log.warning("room %s: %s", key, line)
    try:
        doc = NotebookDoc.load(stored.snapshot)
    except DocError as e:
        lost = len(stored.records)
        snap_aside = set_aside(store.snapshot)
        log_aside = stored.aside or (set_aside(store.log) if store.log.exists() else None)
        kept = ", ".join(p.name for p in (snap_aside, log_aside) if p is not None) or "nothing"
        log.error("room %s: the persisted document is unreadable (%s): it and %d logged changes are lost; kept %s",
                  key, e, lost, kept)
        return None, True
    hashes = [change_hash(r) for r in stored.records]
    if stored.records and None not in hashes:
        try:
            fast = NotebookDoc.load(stored.snapshot + b"".join(stored.records))
        except DocError:
            fast = None
        if fast is not None and all(fast.has_heads([h]) for h in hashes if h is not None):
            return fast, bool(stored.damage)
    bad = 0
    applied: list[bytes] = []
    for record, digest in zip(stored.records, hashes, strict=True):
        if digest is None or not apply_change(doc, record):
            bad += 1
        else:
            applied.append(digest)
    # Applied but waiting for changes that are not there: they never will be.
    orphans = sum(1 for h in applied if not doc.has_heads([h]))
    if orphans:
        doc = without_orphans(doc)
    if bad or orphans:
        aside = stored.aside or set_aside(store.log, copy=True)
        log.error(
            "room %s: %d of %d logged changes could not be applied (%d unreadable, %d missing what they build on)"
            " and are lost; the log is kept as %s",
            key, bad + orphans, len(stored.records), bad, orphans, aside.name if aside else "(could not copy)",
        )
    return doc, bool(stored.damage or bad or orphans)


def repair_meta(
    store: RoomStore, key: str, path: Path | None, notebook_id: str | None, file_bytes: bytes | None
) -> tuple[RoomMeta, str | None]:
    """A meta to replace a damaged one, and a message when the file on disk cannot be merged.

    The baseline (the file as last saved) is still in `<key>.base`. A file equal
    to it has not changed: nothing to merge, and the room saves at once to record
    the heads it holds. A file that differs changed while the record of the last
    save was lost: merging it without the heads of that save would revert edits
    the daemon acknowledged, so the daemon's version is kept and the disk
    version is kept in the state dir.
    """
    meta = RoomMeta(path=str(path) if path is not None else None, notebook_id=notebook_id)
    if path is None:
        return meta, None
    base = store.read_baseline()
    if base is not None:
        meta.baseline_sha256 = hashlib.sha256(base).hexdigest()
    if file_bytes is None or hashlib.sha256(file_bytes).hexdigest() == meta.baseline_sha256:
        return meta, None
    kept = store.root / f"{key}.disk-{time.strftime('%Y%m%d-%H%M%S')}.ipynb"
    write_bytes_atomic(kept, file_bytes)
    meta.baseline_sha256 = hashlib.sha256(file_bytes).hexdigest()
    message = (
        f"{path.name} changed on disk while the daemon's record of its last save was damaged:"
        f" kept the daemon's version (every acknowledged edit); the version on disk is kept as {kept}"
    )
    log.error("room %s: %s", key, message)
    return meta, message
