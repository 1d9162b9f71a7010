"""Long document work off the daemon's event loop, so that one room's big change never
stalls the others.

The Automerge bindings hold the GIL during each call and release it between
calls, so work made of many calls (writing a changed file into the document cell
by cell, filling the Texts of prepared cells) can run on a thread while the loop
keeps answering every room. The live document itself is only ever touched on
the loop: the thread writes into a fork, which the loop merges back in one
call, exactly as if the fork were one more peer. A room runs one such job at a
time (its `lock`), so two prepares of one cell can never create two Texts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from runt_tui.doc import NotebookDoc
from runt_tui.doc.merge import begin_merge, finish_merge, write_disk
from runt_tui.doc.reader import Heads

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from runt_tui.doc.blobs import BlobSink

T = TypeVar("T")

# Preparing fewer code points than this is quicker than forking and merging back.
PREPARE_ON_LOOP = 20_000


class DocWorker:
    """One room's thread for long document work, and the lock that serialises it."""

    def __init__(self, key: str) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=f"doc-{key[-24:]}")
        self.lock = asyncio.Lock()

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run `fn(*args)` on the room's document thread."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        """Stop the thread once its current job is done."""
        self._pool.shutdown(wait=False, cancel_futures=True)


async def merge_disk(
    doc: NotebookDoc, worker: DocWorker, base_heads: Heads | None, disk_nb: NotebookNode, blobs: BlobSink, threshold: int
) -> Heads:
    """merge_external with its long middle part (writing the disk version) on the worker."""
    async with worker.lock:
        fork, live = begin_merge(doc, base_heads, disk_nb)
        merge = await worker.run(write_disk, fork, live, disk_nb, blobs, threshold)
        return finish_merge(doc, merge)


async def prepare_cells(doc: NotebookDoc, worker: DocWorker, cell_ids: list[str]) -> bool:
    """Prepare cells' sources for editing (see runt_tui.doc.schema); True when something changed."""
    async with worker.lock:
        todo = [cell_id for cell_id in dict.fromkeys(cell_ids) if cell_id in doc and not doc.source_editable(cell_id)]
        if not todo:
            return False
        if sum(len(doc.source(cell_id)) for cell_id in todo) <= PREPARE_ON_LOOP:
            return doc.prepare_sources(todo)
        fork = doc.fork()
        changed = await worker.run(fork.prepare_sources, todo)
        doc.merge(fork)
        return changed
