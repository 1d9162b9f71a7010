"""Keeping a local editor's text and the shared document in step, and undo of one's own edits.

No UI here: the app's cell editor uses it (tui/edit_session.py), and so can a
script or the agent server that edits a cell's text live through
`AsyncSession.edit` (an `EditBuffer` on an `AsyncSession`, with a callback
that receives the edits made by others).

Local edits are kept as precise code-point edits and committed to the document:
the first edit after a quiet spell at once, the rest of a burst in batches
(`batch` seconds). When the cell's source changed remotely while
edits were pending, the pending edits are applied to a fork of the document at
the heads the editor last agreed with and merged, so Automerge — not a text
diff — decides how concurrent typing interleaves. The editor then receives the
difference between its text and the merged text as minimal edits.

Undo/redo only ever replays this terminal's own edits, as new forward edits
through the document (never a history rewind), finding them by the identity of
their characters (see undo.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from runt_tui.client.link import DaemonError, DaemonUnavailable
from runt_tui.client.session import AsyncSession
from runt_tui.client.undo import EditIds, UndoHistory, UndoStep, undo_edit
from runt_tui.doc import Edit, NotebookDoc, merge_text, text_edits

__all__ = ["EditBuffer", "UndoHistory", "UndoStep", "undo_edit"]

log = logging.getLogger("runt_tui.client")

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
        # Local edits not yet in the document, in order, each with its number (see UndoHistory).
        self.pending: list[tuple[int, Edit]] = []
        self._timer: asyncio.Handle | None = None
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
        seq = self.history.next_seq()
        self.history.record(edit, removed, kind, seq)
        self.pending.append((seq, edit))
        if self._timer is None:
            # Leading edge: the first edit after a quiet batch window goes out at once, and
            # the rest of a burst is batched into one change per window.
            loop = asyncio.get_running_loop()
            if self._writes_alone():
                # Nothing remote waits to be merged into the editor, so committing touches
                # only the document: it leaves now, before the editor even applies the key.
                self._commit_logged()
                self._timer = loop.call_later(self.batch, self._on_timer)
            else:
                # A merge may change the editor's text: never from inside its own edit.
                self._timer = loop.call_soon(self._on_timer)

    def _writes_alone(self) -> bool:
        """Whether committing now would only write the pending edits (no merge, no change to the editor)."""
        doc = self.session.doc
        cid = self.cell_id
        return self.ready and cid in doc and doc.source_editable(cid) and doc.source(cid) == self.base_text

    def _on_timer(self) -> None:
        self._timer = None
        if self.pending and self.ready:
            self._commit_logged()
            # Open (or, still typing, extend) the window that batches what follows.
            self._timer = asyncio.get_running_loop().call_later(self.batch, self._on_timer)

    def _commit_logged(self) -> None:
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
            edits = [e for _, e in pending]
            ids = self._write_over(edits) if current == self.base_text else self._merge_over(edits)
            if ids:
                self.history.resolve({seq: r for (seq, _), r in zip(pending, ids, strict=True)})
        merged = self.session.doc.source(self.cell_id)
        if merged != self.text:
            edits = text_edits(self.text, merged)
            self.text = merged
            self.history.transform(edits)
            if not self.closed:
                self.apply_to_editor(edits)
        self.base_text = merged
        self.base_heads = self.session.doc.heads()

    def _write_over(self, pending: list[Edit]) -> list[EditIds]:
        cid = self.cell_id
        result: list[EditIds] = self.session.edit(lambda d: d.splice_steps(cid, pending))
        return result

    def _merge_over(self, pending: list[Edit]) -> list[EditIds]:
        cid, heads, text = self.cell_id, self.base_heads, self.text

        def merge(d: NotebookDoc) -> list[EditIds]:
            try:
                fork = d.fork_at(heads)
                ids = fork.splice_steps(cid, pending)
                d.merge(fork)
                return ids
            except Exception as e:  # e.g. a new epoch: those heads are gone
                log.info("rebasing edits of %s failed (%s): writing the text", cid, e)
                d.set_source(cid, text)
                return []

        result: list[EditIds] = self.session.edit(merge)
        return result

    def remote_changed(self) -> None:
        """The cell's source changed in the document (someone else typed)."""
        self.commit()

    def replay(self, undo: bool) -> int | None:
        """Undo (or redo) this terminal's last edit that can be; the cursor after it, or None."""
        if self.closed:
            return None
        self.commit()
        doc, cid = self.session.doc, self.cell_id
        ids = doc.source_ids(cid) if self.ready and cid in doc and doc.source(cid) == self.text else None
        stack, other = (self.history.undo, self.history.redo) if undo else (self.history.redo, self.history.undo)
        while stack:
            plan = self.history.plan(stack.pop(), self.text, ids)
            if plan is None:
                continue  # someone else deleted that text: skip the step
            # From the end backwards, so that each edit's position is still right.
            for n in reversed(range(len(plan.edits))):
                e = plan.edits[n]
                seq = self.history.next_seq()
                if n == plan.insert_at:
                    plan.inverse.seqs.append(seq)
                self.pending.append((seq, e))
                self.text = self.text[: e.pos] + e.insert + self.text[e.pos + e.delete :]
            other.append(plan.inverse)
            self.apply_to_editor(plan.edits)
            self.commit()
            return plan.cursor
        return None

    def close(self) -> None:
        """Commit what is pending and stop."""
        if not self.closed:
            self.commit()
            self.closed = True
