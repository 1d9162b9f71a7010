"""The file side of a room: autosave of the .ipynb and merging changes made on disk."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import time
from pathlib import Path
from typing import Any

from runt_tui.daemon.docwork import DocWorker, merge_disk
from runt_tui.daemon.persist import RoomMeta, RoomStore
from runt_tui.doc import (
    FileBlobStore,
    NotebookDoc,
    NotebookFileError,
    parse_notebook,
    serialize_notebook,
    write_bytes_atomic,
)
from runt_tui.settings import Settings


def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


class RoomFiles:
    """Saving and watching the notebook file; mixed into Room, which owns the state below."""

    path: Path | None
    doc: NotebookDoc
    store: RoomStore
    meta: RoomMeta
    settings: Settings
    blobs: FileBlobStore
    worker: DocWorker
    save_state: dict[str, Any]
    file_state: dict[str, Any]
    _save_lock: asyncio.Lock
    _save_handle: asyncio.TimerHandle | None
    _dirty_since: float | None
    _pending_write_sha: str | None

    def publish_runtime(self) -> None:
        raise NotImplementedError

    def send_event(
        self, event: dict[str, Any], payload: bytes = b"", only: str | None = None
    ) -> None:
        raise NotImplementedError

    def local_changed(self) -> None:
        raise NotImplementedError

    def persist_now(self) -> None:
        raise NotImplementedError

    def _spawn(self, coro: Any) -> None:
        raise NotImplementedError

    # ---- saving the .ipynb ---------------------------------------------

    def _schedule_save(self) -> None:
        if (
            not self.settings.autosave
            or self.path is None
            or self.file_state.get("state") == "deleted"
        ):
            if self.save_state.get("state") == "saved":
                self._set_save_state("unsaved")
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self._dirty_since is None:
            self._dirty_since = now
        if self.save_state.get("state") == "saved":
            self._set_save_state("unsaved")
        when = min(
            now + self.settings.save_delay, self._dirty_since + self.settings.max_save_interval
        )
        if self._save_handle is not None:
            self._save_handle.cancel()
        self._save_handle = loop.call_at(when, lambda: self._spawn(self.save()))

    def _set_save_state(self, state: str, message: str | None = None) -> None:
        new = {"state": state, **({"message": message} if message else {})}
        if new != self.save_state:
            self.save_state = new
            self.publish_runtime()

    async def save(self, explicit: bool = False) -> dict[str, Any]:
        """Write the .ipynb (validated, atomic) unless its bytes would not change."""
        if self.path is None:
            self.persist_now()
            self.store.write_snapshot(self.doc.save())
            return {"saved": False, "reason": "no file"}
        async with self._save_lock:
            if self._save_handle is not None:
                self._save_handle.cancel()
                self._save_handle = None
            self._dirty_since = None
            heads = self.doc.heads()
            try:
                nb = self.doc.to_notebook(self.blobs)
                text = await asyncio.to_thread(serialize_notebook, nb, self.path)
            except (NotebookFileError, KeyError) as e:
                self._set_save_state("error", str(e))
                return {"saved": False, "error": str(e)}
            data = text.encode("utf-8")
            digest = sha256(data)
            on_disk = self.path.exists()
            if digest == self.meta.baseline_sha256 and on_disk:
                self._set_save_state("saved")
                return {"saved": False, "reason": "unchanged", "path": str(self.path)}
            if on_disk and _read_only(self.path):
                self._set_save_state(
                    "read-only", f"{self.path} is read-only; changes are kept in the daemon"
                )
                return {"saved": False, "error": "read-only"}
            self._set_save_state("saving")
            self._pending_write_sha = digest
            # Before the file holds these heads, the persisted document must, and the meta
            # must say what is being written (see RoomMeta.pending_sha256).
            self.persist_now()
            self.meta.pending_sha256 = digest
            self.meta.pending_heads = [h.hex() for h in heads]
            self.store.write_meta(self.meta)
            try:
                await asyncio.to_thread(write_bytes_atomic, self.path, data)
            except PermissionError:
                self._set_save_state(
                    "read-only", f"{self.path} is read-only; changes are kept in the daemon"
                )
                return {"saved": False, "error": "read-only"}
            except OSError as e:
                self._set_save_state("error", f"cannot write {self.path}: {e.strerror or e}")
                return {"saved": False, "error": str(e)}
            self.meta.baseline_sha256 = digest
            self.meta.saved_heads = [h.hex() for h in heads]
            self.meta.pending_sha256, self.meta.pending_heads = None, []
            self.store.write_baseline(data)
            self.store.write_meta(self.meta)
            if self.file_state.get("state") != "ok":
                self.file_state = {"state": "ok"}
            self._set_save_state("saved" if self.doc.heads() == heads else "unsaved")
            if self.doc.heads() != heads:
                self._schedule_save()
            return {"saved": True, "bytes": len(data), "path": str(self.path), "explicit": explicit}

    # ---- changes on disk -------------------------------------------------

    async def on_file_changed(self) -> None:
        """React to the watcher: merge a real external change, ignore our writes and touches."""
        if self.path is None:
            return
        async with self._save_lock:
            if not self.path.exists():
                if self.file_state.get("state") != "deleted":
                    self.file_state = {
                        "state": "deleted",
                        "message": f"{self.path} was deleted or renamed; content kept",
                    }
                    self.publish_runtime()
                return
            try:
                data = await asyncio.to_thread(_read_file, self.path)
            except OSError:
                return
            digest = sha256(data)
            if digest in (self.meta.baseline_sha256, self._pending_write_sha):
                if self.file_state.get("state") == "deleted":
                    self.file_state = {"state": "ok"}
                    self.publish_runtime()
                return
            try:
                nb = await asyncio.to_thread(parse_notebook, data, self.path)
            except NotebookFileError as e:
                self.file_state = {
                    "state": "invalid",
                    "message": f"the file on disk is not a valid notebook: {e.problem}",
                }
                self.publish_runtime()
                return
            saved = [bytes.fromhex(h) for h in self.meta.saved_heads]
            heads = await merge_disk(self.doc, self.worker, saved, nb, self.blobs, self.settings.blob_threshold)
            self.meta.baseline_sha256 = digest
            self.meta.saved_heads = [h.hex() for h in heads]
            self.store.write_baseline(data)
            self.store.write_meta(self.meta)
            self.file_state = {"state": "ok", "merged_at": time.time()}
            self.publish_runtime()
            self.send_event(
                {
                    "type": "notice",
                    "level": "info",
                    "message": f"merged changes from disk: {self.path.name}",
                }
            )
        self.local_changed()


def _read_file(path: Path) -> bytes:
    return path.read_bytes()


def _read_only(path: Path) -> bool:
    """True when we may not write `path`, or nobody may (no write bit: honoured even as root)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
