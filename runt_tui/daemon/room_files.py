"""The file side of a room: autosave of the .ipynb and merging changes made on disk.

A save writes only when the notebook's content differs from what the file holds
(opening, preparing sources, a kernel tried change nothing), and writes it in the
file's own layout (see `runt_tui.doc.layout`). Before writing it reads the file
again: a change made since it was last seen (its hash differs from the baseline's) is
merged first, as the watcher would, and the new file replaces the old only if the
file's identity (device, inode, size, mtime) is still that of the one read. While the
file on disk is not a valid notebook (git conflict markers), autosave stops; only an
explicit save with `force` overwrites it. A file with several hard links is written
in place, so that the links stay one file.
"""

from __future__ import annotations

import asyncio
import os
import stat
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path

from runt_tui.daemon.docwork import DocWorker, merge_disk
from runt_tui.daemon.persist import RoomMeta, RoomStore
from runt_tui.doc import (
    Baseline,
    FileBlobStore,
    NotebookDoc,
    NotebookFileError,
    adopt_ids,
    load_baseline,
    same_content,
    serialize_like,
    write_bytes_atomic,
    write_bytes_in_place,
)
from runt_tui.doc.layout import sha256
from runt_tui.protocol.payloads import Event, NoticeEvent, SaveResult
from runt_tui.protocol.runtime import FileState, SaveState
from runt_tui.settings import Settings

# Attempts at a save whose file keeps changing between the check and the write.
SAVE_TRIES = 5

__all__ = ["DiskFile", "RoomFiles", "read_disk", "same_inode", "sha256"]


@dataclass(frozen=True)
class DiskFile:
    """A notebook file as read: its bytes, identity (dev, ino, size, mtime_ns) and link count."""

    data: bytes
    ident: tuple[int, int, int, int]
    nlink: int


def _ident(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def read_disk(path: Path) -> DiskFile | None:
    """Read a file with the identity of what was read; None when it does not exist."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below; fstat needs the open file
    except FileNotFoundError:
        return None
    with f:
        st = os.fstat(f.fileno())
        data = f.read()
    return DiskFile(data, _ident(st), st.st_nlink)


def same_inode(a: Path, b: Path) -> bool:
    """True when two paths name one file (hard links, or one path twice)."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


class FileChanged(Exception):
    """The file changed between the check before a save and its write."""


class RoomFiles:
    """Saving and watching the notebook file; mixed into Room, which owns the state below."""

    path: Path | None
    doc: NotebookDoc
    store: RoomStore
    meta: RoomMeta
    settings: Settings
    blobs: FileBlobStore
    worker: DocWorker
    save_state: SaveState
    file_state: FileState
    _save_lock: asyncio.Lock
    _save_handle: asyncio.TimerHandle | None
    _dirty_since: float | None
    _pending_write_sha: str | None
    # The file as last read or written.
    _baseline: Baseline | None

    def publish_runtime(self) -> None:
        raise NotImplementedError

    def send_event(self, event: Event, payload: bytes = b"", only: str | None = None) -> None:
        raise NotImplementedError

    def local_changed(self) -> None:
        raise NotImplementedError

    def persist_now(self) -> None:
        raise NotImplementedError

    def _spawn(self, coro: Coroutine[object, object, object]) -> None:
        raise NotImplementedError

    # ---- saving the .ipynb ---------------------------------------------

    def _schedule_save(self) -> None:
        if (
            not self.settings.autosave
            or self.path is None
            or self.file_state.state == "deleted"
        ):
            if self.save_state.state == "saved":
                self._set_save_state("unsaved")
            return
        if self.file_state.state == "invalid":
            self._pause()
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._dirty_since is None:
            self._dirty_since = now
        if self.save_state.state in ("saved", "paused"):
            self._set_save_state("unsaved")
        when = min(
            now + self.settings.save_delay, self._dirty_since + self.settings.max_save_interval
        )
        if self._save_handle is not None:
            self._save_handle.cancel()
        self._save_handle = loop.call_at(when, lambda: self._spawn(self.save()))

    def _set_save_state(self, state: str, message: str | None = None) -> None:
        new = SaveState(state, message or None)
        if new != self.save_state:
            self.save_state = new
            self.publish_runtime()

    def _pause(self) -> None:
        """Autosave stops while the file on disk is invalid; say so, with the reason."""
        reason = self.file_state.message or "the file on disk is not a valid notebook"
        self._set_save_state(
            "paused", f"autosave paused: {reason}. Fix the file, or save with force to overwrite it"
        )

    async def save(self, explicit: bool = False, force: bool = False) -> SaveResult:
        """Write the .ipynb (validated, atomic, in the file's layout) unless its content is unchanged.

        `force` overwrites a file on disk that is not a valid notebook.
        """
        if self.path is None:
            self.persist_now()
            self.store.write_snapshot(self.doc.save())
            return SaveResult(False, reason="no file")
        async with self._save_lock:
            if self._save_handle is not None:
                self._save_handle.cancel()
                self._save_handle = None
            self._dirty_since = None
            for _ in range(SAVE_TRIES):
                try:
                    return await self._save_once(explicit, force)
                except FileChanged:
                    continue
            self._set_save_state("error", f"{self.path} kept changing on disk while saving")
            return SaveResult(False, error="the file kept changing on disk")

    async def _save_once(self, explicit: bool, force: bool) -> SaveResult:
        path = self.path
        assert path is not None
        try:
            disk = await asyncio.to_thread(read_disk, path)
        except OSError as e:
            self._set_save_state("error", f"cannot read {path}: {e.strerror or e}")
            return SaveResult(False, error=str(e))
        if disk is not None and await self._absorb(disk) == "merged":
            self.local_changed()  # to the peers and the store; this save writes it
            if self._save_handle is not None:
                self._save_handle.cancel()
                self._save_handle = None
            self._dirty_since = None
        invalid = disk is not None and self.file_state.state == "invalid"
        if invalid and not force:
            self._pause()
            return SaveResult(False, error="invalid", message=self.save_state.message)
        heads = self.doc.heads()
        base = self._baseline
        try:
            nb = self.doc.to_notebook(self.blobs)
            known = base if disk is not None and not invalid and base is not None and base.sha == sha256(disk.data) else None
            if known is not None and await asyncio.to_thread(same_content, nb, known):
                return self._unchanged(heads)
            text, written = await asyncio.to_thread(serialize_like, nb, base, path)
        except (NotebookFileError, KeyError) as e:
            self._set_save_state("error", str(e))
            return SaveResult(False, error=str(e))
        data = text.encode("utf-8")
        if disk is not None and data == disk.data:
            return self._unchanged(heads)
        if disk is not None and _read_only(path):
            return self._read_only_state()
        return await self._write(path, data, written, heads, disk, explicit)

    async def _write(
        self, path: Path, data: bytes, written: Baseline, heads: list[bytes], disk: DiskFile | None, explicit: bool
    ) -> SaveResult:
        """Write the file, unless it changed since `disk` was read (FileChanged: the save starts over)."""
        self._set_save_state("saving")
        self._pending_write_sha = written.sha
        # Before the file holds these heads, the persisted document must, and the meta
        # must say what is being written (see RoomMeta.pending_sha256).
        self.persist_now()
        self.meta.pending_sha256 = written.sha
        self.meta.pending_heads = [h.hex() for h in heads]
        self.store.write_meta(self.meta)
        expected = disk.ident if disk is not None else None

        def still_the_file_read() -> None:
            try:
                now: tuple[int, int, int, int] | None = _ident(os.stat(path))
            except FileNotFoundError:
                now = None
            if now != expected:
                raise FileChanged

        in_place = disk is not None and disk.nlink > 1
        try:
            if in_place:
                await asyncio.to_thread(write_bytes_in_place, path, data, still_the_file_read)
            else:
                await asyncio.to_thread(write_bytes_atomic, path, data, still_the_file_read)
        except FileChanged:
            raise
        except PermissionError:
            return self._read_only_state()
        except OSError as e:
            self._set_save_state("error", f"cannot write {path}: {e.strerror or e}")
            return SaveResult(False, error=str(e))
        self._wrote(written, heads)
        return SaveResult(True, bytes=len(data), path=str(path), explicit=explicit)

    def _wrote(self, written: Baseline, heads: list[bytes]) -> None:
        """Record a finished write as the new baseline."""
        assert self.path is not None
        self._baseline = written
        self.meta.baseline_sha256 = written.sha
        self.meta.saved_heads = [h.hex() for h in heads]
        self.meta.pending_sha256, self.meta.pending_heads = None, []
        self.store.write_baseline(written.data)
        self.store.write_meta(self.meta)
        if self.file_state.state != "ok":
            self.file_state = FileState("ok")
        self._set_save_state("saved" if self.doc.heads() == heads else "unsaved")
        if self.doc.heads() != heads:
            self._schedule_save()

    def _unchanged(self, heads: list[bytes]) -> SaveResult:
        self.meta.saved_heads = [h.hex() for h in heads]
        self._set_save_state("saved")
        return SaveResult(False, reason="unchanged", path=str(self.path))

    def _read_only_state(self) -> SaveResult:
        self._set_save_state("read-only", f"{self.path} is read-only; changes are kept in the daemon")
        return SaveResult(False, error="read-only")

    # ---- changes on disk -------------------------------------------------

    async def on_file_changed(self) -> None:
        """React to the watcher: merge a real external change, ignore our writes and touches."""
        if self.path is None:
            return
        async with self._save_lock:
            try:
                disk = await asyncio.to_thread(read_disk, self.path)
            except OSError:
                return
            if disk is None:
                if self.file_state.state != "deleted":
                    self.file_state = FileState("deleted", f"{self.path} was deleted or renamed; content kept")
                    self.publish_runtime()
                return
            was = self.file_state.state
            outcome = await self._absorb(disk)
        if outcome == "merged":
            self.local_changed()
        elif outcome == "restored" and was == "invalid":
            self._schedule_save()  # autosave resumes

    async def _absorb(self, disk: DiskFile) -> str:
        """Take in the file as read: "same", "restored" (valid again), "merged" or "invalid"."""
        assert self.path is not None
        digest = sha256(disk.data)
        if digest in (self.meta.baseline_sha256, self._pending_write_sha):
            if self._baseline is None or self._baseline.sha != digest:
                try:
                    self._baseline, _ = await asyncio.to_thread(load_baseline, disk.data, self.path)
                except NotebookFileError as e:
                    return self._invalid(e)
            if self.file_state.state in ("deleted", "invalid"):
                self.file_state = FileState("ok")
                self.publish_runtime()
                return "restored"
            return "same"
        try:
            base, nb = await asyncio.to_thread(load_baseline, disk.data, self.path)
        except NotebookFileError as e:
            return self._invalid(e)
        saved = [bytes.fromhex(h) for h in self.meta.saved_heads]
        if not all(base.kept):
            adopt_ids(nb.cells, base.kept, base_cells(self.doc, saved))
        heads = await merge_disk(self.doc, self.worker, saved, nb, self.blobs, self.settings.blob_threshold)
        self.meta.baseline_sha256 = digest
        self.meta.saved_heads = [h.hex() for h in heads]
        self.store.write_baseline(disk.data)
        self.store.write_meta(self.meta)
        self._baseline = base
        self.file_state = FileState("ok", merged_at=time.time())
        self.publish_runtime()
        self.send_event(NoticeEvent("info", f"merged changes from disk: {self.path.name}"))
        return "merged"

    def _invalid(self, e: NotebookFileError) -> str:
        state = FileState("invalid", f"the file on disk is not a valid notebook: {e.problem}")
        if self.file_state != state:
            self.file_state = state
            self.publish_runtime()
        return "invalid"


def base_cells(doc: NotebookDoc, heads: list[bytes]) -> list[tuple[str, str, str]]:
    """(id, type, source) of each cell as of `heads` (the file's last known content)."""
    at = heads if heads and doc.has_heads(heads) else None
    return [(c.id, c.cell_type, c.source) for c in doc.cells(at)]


def _read_only(path: Path) -> bool:
    """True when we may not write `path`, or nobody may (no write bit: honoured even as root)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
