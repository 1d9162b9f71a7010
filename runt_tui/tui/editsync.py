"""Keeping an open editor and the shared document in step, and undo of one's own edits.

Local edits are kept as precise code-point edits and committed to the document
in batches (`batch` seconds). When the cell's source changed remotely while
edits were pending, the pending edits are applied to a fork of the document at
the heads the editor last agreed with and merged, so Automerge — not a text
diff — decides how concurrent typing interleaves. The editor then receives the
difference between its text and the merged text as minimal edits.

Undo/redo only ever replays this terminal's own edits, as new forward edits
through the document (never a history rewind); remote edits shift the
positions of the recorded steps, and a step whose text was changed by someone
else is dropped rather than applied over their work.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from runt_tui.client import AsyncSession, DaemonError, DaemonUnavailable
from runt_tui.doc import Edit, NotebookDoc, merge_text, text_edits

log = logging.getLogger("runt_tui.tui")

GROUP_SECONDS = 1.0


@dataclass
class UndoStep:
    """Replacing `inserted` at `pos` by `removed` undoes the step."""

    pos: int
    removed: str
    inserted: str
    at: float


def _shift(step: UndoStep, edits: list[Edit]) -> UndoStep | None:
    """Move a step through remote edits (ascending, old coordinates); None if they touch it."""
    start, end = step.pos, step.pos + len(step.inserted)
    delta = 0
    for e in edits:
        e_end = e.pos + e.delete
        if e_end <= start and not (e.delete == 0 and e.pos == start and end > start):
            delta += len(e.insert) - e.delete
        elif e.pos >= end and not (e.delete == 0 and e.pos == end == start):
            break
        else:
            return None
    return UndoStep(step.pos + delta, step.removed, step.inserted, step.at)


class UndoHistory:
    """One cell's undo and redo stacks of this terminal's own edits."""

    def __init__(self) -> None:
        self.undo: list[UndoStep] = []
        self.redo: list[UndoStep] = []

    def record(self, edit: Edit, removed: str, kind: str) -> None:
        """Note a local edit; kind is "edit", "undo" or "redo"."""
        step = UndoStep(edit.pos, removed, edit.insert, time.monotonic())
        if kind == "undo":
            self.redo.append(step)
            return
        if kind == "edit":
            self.redo.clear()
            last = self.undo[-1] if self.undo else None
            if (
                last is not None
                and not removed
                and not last.removed
                and "\n" not in edit.insert
                and edit.pos == last.pos + len(last.inserted)
                and step.at - last.at < GROUP_SECONDS
            ):
                last.inserted += edit.insert
                last.at = step.at
                return
        self.undo.append(step)

    def transform(self, edits: list[Edit]) -> None:
        """Shift every step through edits made by someone else."""
        if not edits:
            return
        self.undo = [s for s in (_shift(x, edits) for x in self.undo) if s is not None]
        self.redo = [s for s in (_shift(x, edits) for x in self.redo) if s is not None]


EditorApply = Callable[[list[Edit]], None]


class EditBuffer:
    """The bridge between one open editor and one cell of the document."""

    def __init__(
        self,
        session: AsyncSession,
        cell_id: str,
        history: UndoHistory,
        apply_to_editor: EditorApply,
        batch: float = 0.02,
    ) -> None:
        self.session = session
        self.cell_id = cell_id
        self.history = history
        self.apply_to_editor = apply_to_editor
        self.batch = batch
        doc = session.doc
        self.text = doc.source(cell_id)
        self.base_text = self.text
        self.base_heads = doc.heads()
        self.pending: list[Edit] = []
        self._timer: asyncio.TimerHandle | None = None
        self.closed = False
        # A cell never edited is a plain string until the daemon prepares it: typing
        # is kept here (and in the editor) meanwhile, then committed.
        self.ready = doc.source_editable(cell_id)
        self._preparing: asyncio.Task[None] | None = None
        if not self.ready:
            self._start_preparing()

    def _start_preparing(self) -> None:
        self.ready = False
        if self._preparing is None or self._preparing.done():
            name = f"prepare-{self.cell_id}"
            self._preparing = asyncio.get_running_loop().create_task(self._prepare(), name=name)

    async def _prepare(self) -> None:
        """Ask the daemon to prepare the cell, retrying while the connection is down."""
        delay = 0.2
        while self.cell_id in self.session.doc:
            try:
                await self.session.prepare_sources([self.cell_id])
            except (DaemonError, DaemonUnavailable, TimeoutError) as e:
                log.info("preparing %s for editing: %s; retrying", self.cell_id, e)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            self._became_ready()
            return

    def _became_ready(self) -> None:
        doc = self.session.doc
        if self.cell_id not in doc or not doc.source_editable(self.cell_id):
            return
        current = doc.source(self.cell_id)
        if current != self.base_text:
            # The daemon rewrote the plain source meanwhile (the file changed on disk).
            merged = merge_text(self.base_text, self.text, current)
            cid = self.cell_id
            self.pending.clear()
            self.session.edit(lambda d: d.set_source(cid, merged))
        self.base_heads = doc.heads()
        self.ready = True
        try:
            self.commit()
        except Exception:
            log.exception("committing edits of %s failed", self.cell_id)

    # ---- local edits --------------------------------------------------------

    def local(self, edit: Edit, removed: str, kind: str = "edit") -> None:
        """The editor changed its text by `edit` (a precise edit in the editor's coordinates)."""
        if self.closed:
            return
        self.text = self.text[: edit.pos] + edit.insert + self.text[edit.pos + edit.delete :]
        self.history.record(edit, removed, kind)
        self.pending.append(edit)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.batch, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        try:
            self.commit()
        except Exception:
            log.exception("committing edits of %s failed", self.cell_id)

    # ---- the document -----------------------------------------------------

    def commit(self) -> None:
        """Write pending edits to the document and bring the editor up to date with it."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        doc = self.session.doc
        if self.cell_id not in doc:
            self.pending.clear()
            return
        if not self.ready:
            return
        if not doc.source_editable(self.cell_id):
            # A document of a new epoch holds the cell as a plain string again.
            self._start_preparing()
            return
        if self.pending:
            pending = list(self.pending)
            self.pending.clear()
            current = doc.source(self.cell_id)
            if current == self.base_text:
                self._write_over(pending)
            else:
                self._merge_over(pending)
        merged = self.session.doc.source(self.cell_id)
        if merged != self.text:
            edits = text_edits(self.text, merged)
            self.text = merged
            self.history.transform(edits)
            if not self.closed:
                self.apply_to_editor(edits)
        self.base_text = merged
        self.base_heads = self.session.doc.heads()

    def _write_over(self, pending: list[Edit]) -> None:
        cid = self.cell_id
        edits = pending if len(pending) == 1 else text_edits(self.base_text, self.text)

        def write(d: NotebookDoc) -> None:
            d.splice_source(cid, edits)

        self.session.edit(write)

    def _merge_over(self, pending: list[Edit]) -> None:
        cid, heads, text = self.cell_id, self.base_heads, self.text

        def merge(d: NotebookDoc) -> None:
            try:
                fork = d.fork_at(heads)
                for e in pending:
                    fork.splice_source(cid, [e])
                d.merge(fork)
            except Exception as e:  # e.g. a new epoch: those heads are gone
                log.info("rebasing edits of %s failed (%s): writing the text", cid, e)
                d.set_source(cid, text)

        self.session.edit(merge)

    def remote_changed(self) -> None:
        """The cell's source changed in the document (someone else typed)."""
        self.commit()

    def close(self) -> None:
        """Commit what is pending and stop."""
        if not self.closed:
            self.commit()
            self.closed = True


def undo_edit(step: UndoStep, text: str) -> tuple[Edit, str] | None:
    """The edit undoing `step` in `text`, and what it removes; None if the text moved on."""
    end = step.pos + len(step.inserted)
    if text[step.pos : end] != step.inserted:
        return None
    return Edit(step.pos, len(step.inserted), step.removed), step.inserted
