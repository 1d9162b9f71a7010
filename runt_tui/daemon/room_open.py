"""Loading a room: its persisted document, reconciled with the notebook file as it is now.

A room with no persisted document is created from the file (or empty). A
persisted one whose file changed while no daemon watched it gets the change
merged against the last-saved baseline, unless the change is the daemon's own
save, cut short before it was recorded. A damaged meta is rebuilt from the
baseline (see `repair_meta`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from runt_tui.daemon.persist import RoomMeta, RoomStore
from runt_tui.daemon.room_files import DiskFile, base_cells, read_disk, sha256
from runt_tui.daemon.room_persist import load_persisted, repair_meta
from runt_tui.doc import (
    Baseline,
    FileBlobStore,
    NotebookDoc,
    NotebookFileError,
    adopt_ids,
    doc_from_notebook,
    load_baseline,
    remove_stale_temps,
)
from runt_tui.doc.merge import merge_external
from runt_tui.protocol.jsontypes import JSONDict
from runt_tui.settings import Settings

log = logging.getLogger("runt_tui.daemon")
T = TypeVar("T")

DEFAULT_METADATA: JSONDict = {
    "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
    "language_info": {"name": "python"},
}


@dataclass
class LoadedRoom:
    """What a room starts from."""

    doc: NotebookDoc
    meta: RoomMeta
    # The file as last read, when it was read and parsed here.
    baseline: Baseline | None
    # The file on disk is not a valid notebook (kept as is; autosave waits).
    invalid: NotebookFileError | None
    # A fresh snapshot just written (the cache for joining clients).
    snapshot: bytes | None
    # Why a changed file could not be merged after the meta was damaged.
    conflict: str | None
    # The notebook file does not exist yet.
    no_file: bool = False
    # How long each step of a first open took (for the daemon's log).
    timing: OpenTiming | None = None


class OpenTiming:
    """Seconds spent per step of a room's first open, each step run off the event loop."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    async def run(self, step: str, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in a thread, adding its wall time to `step`."""
        started = time.monotonic()
        try:
            return await asyncio.to_thread(fn, *args)
        finally:
            self.steps[step] = self.steps.get(step, 0.0) + time.monotonic() - started

    def describe(self) -> str:
        """E.g. "parse 512 ms, build 398 ms, save 350 ms"."""
        return ", ".join(f"{k} {1000 * v:.0f} ms" for k, v in self.steps.items())


async def load_room(
    key: str, path: Path | None, notebook_id: str | None, store: RoomStore, settings: Settings, blobs: FileBlobStore
) -> LoadedRoom:
    """Load a room from the state dir and/or the file; NotebookFileError for a bad new file."""
    meta = store.read_meta()
    doc, damaged = await asyncio.to_thread(load_persisted, store, key)
    disk = None
    if path is not None:
        for tmp in await asyncio.to_thread(remove_stale_temps, path):
            log.info("room %s: removed %s, left by a save that was cut short", key, tmp)
        disk = await asyncio.to_thread(read_disk, path)
    conflict: str | None = None
    if doc is not None and store.meta_damaged is not None:
        meta, conflict = repair_meta(store, key, path, notebook_id, disk.data if disk is not None else None)
    if doc is None:
        loaded = await _create(path, notebook_id, disk, store, settings, blobs)
        if loaded.timing is not None and loaded.timing.steps:
            log.info("room %s: read from its file (%s)", key, loaded.timing.describe())
    else:
        loaded = LoadedRoom(doc, meta, None, None, None, conflict)
    loaded.no_file = path is not None and disk is None
    if doc is not None and disk is not None and sha256(disk.data) != meta.baseline_sha256:
        await _changed_offline(loaded, key, path, disk, store, settings, blobs)
    if damaged and loaded.snapshot is None:
        # What could be recovered, as a fresh snapshot: the damage is not read again.
        loaded.snapshot = loaded.doc.save()
        store.write_snapshot(loaded.snapshot)
    return loaded


async def _create(
    path: Path | None,
    notebook_id: str | None,
    disk: DiskFile | None,
    store: RoomStore,
    settings: Settings,
    blobs: FileBlobStore,
) -> LoadedRoom:
    """A room seen for the first time: its document from the file, or a new one."""
    base: Baseline | None = None
    timing = OpenTiming()
    if disk is not None:
        # Off the loop: ~0.15 s for 1k cells.
        loaded, nb = await timing.run("parse", load_baseline, disk.data, path or "")
        base = loaded
        doc = await timing.run("build", doc_from_notebook, nb, blobs, settings.blob_threshold)
        meta = RoomMeta(path=str(path), baseline_sha256=loaded.sha, saved_heads=[h.hex() for h in doc.heads()])
        store.write_baseline(disk.data)
    else:
        doc = NotebookDoc.new(metadata=DEFAULT_METADATA)
        if path is not None:
            doc.insert_cell(0, "code", "")
        meta = RoomMeta(path=str(path) if path else None, notebook_id=notebook_id)
    # Off the loop too: 10,000 cells save in ~0.4 s, while other clients are answered.
    snapshot = await timing.run("save", doc.save)
    store.write_snapshot(snapshot)
    store.write_meta(meta)
    return LoadedRoom(doc, meta, base, None, snapshot, None, timing=timing)


async def _changed_offline(
    loaded: LoadedRoom,
    key: str,
    path: Path | None,
    disk: DiskFile,
    store: RoomStore,
    settings: Settings,
    blobs: FileBlobStore,
) -> None:
    """The file differs from the last-saved baseline: our own save cut short, or a change to merge."""
    meta, doc = loaded.meta, loaded.doc
    digest = sha256(disk.data)
    pending = [bytes.fromhex(h) for h in meta.pending_heads]
    if digest == meta.pending_sha256 and pending and doc.has_heads(pending):
        # Our own save, cut short (crash) before it was recorded: not an external edit.
        meta.saved_heads = list(meta.pending_heads)
    else:
        # The file changed while no daemon watched it: merge it against the baseline.
        try:
            base, nb = await asyncio.to_thread(load_baseline, disk.data, path or "")
        except NotebookFileError as e:
            loaded.invalid = e  # kept as is; autosave waits until it is fixed
            return
        loaded.baseline = base
        saved = [bytes.fromhex(h) for h in meta.saved_heads]
        if not all(base.kept):
            adopt_ids(nb.cells, base.kept, base_cells(doc, saved))
        # Nothing else holds the document yet, so the whole merge can run off the loop.
        heads = await asyncio.to_thread(merge_external, doc, saved, nb, blobs, settings.blob_threshold)
        log.info("room %s: merged changes made on disk while no daemon watched: %s", key, path)
        meta.saved_heads = [h.hex() for h in heads]
    meta.baseline_sha256 = digest
    meta.pending_sha256, meta.pending_heads = None, []
    store.write_baseline(disk.data)
    loaded.snapshot = doc.save()
    store.write_snapshot(loaded.snapshot)
    store.write_meta(meta)
