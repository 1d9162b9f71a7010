"""The open editor, its edit buffer and this terminal's undo histories, kept together.

At most one cell is edited at a time. `EditSession` is the one place that
creates and drops the pair (CellEditor, EditBuffer), so they can never get out
of step (an editor left behind without its buffer, say); the undo histories
outlive the editor, one per cell, for the app's lifetime.
"""

from __future__ import annotations

from runt_tui.client import AsyncSession
from runt_tui.client.editsync import EditBuffer, UndoHistory
from runt_tui.tui.widgets.editor import CellEditor


class EditSession:
    """Owns the current (editor, buffer) pair and the per-cell undo histories."""

    def __init__(self, session: AsyncSession, batch_seconds: float) -> None:
        self.session = session
        self.batch_seconds = batch_seconds
        self.histories: dict[str, UndoHistory] = {}
        self.buffer: EditBuffer | None = None
        self.editor: CellEditor | None = None
        # The local cursor (code points) in the edited cell, for presence.
        self.cursor_pos: int | None = None

    @property
    def cell_id(self) -> str | None:
        """The edited cell, or None when nothing is open."""
        return self.buffer.cell_id if self.buffer is not None else None

    @property
    def is_open(self) -> bool:
        """True while an editor is open on a cell."""
        return self.buffer is not None

    def open(self, cell_id: str, language: str) -> CellEditor:
        """Create the editor and its buffer for `cell_id` (the caller mounts the editor)."""
        history = self.histories.setdefault(cell_id, UndoHistory())
        editor = CellEditor(cell_id, self.session.doc.source(cell_id), None)
        editor.highlight_as(language)
        buffer = EditBuffer(self.session, cell_id, history, editor.apply_remote, self.batch_seconds)
        editor.buffer = buffer
        self.buffer, self.editor = buffer, editor
        self.cursor_pos = None
        return editor

    def close(self) -> CellEditor | None:
        """Commit and drop the pair; returns the editor so the caller can unmount it."""
        buffer, editor = self.buffer, self.editor
        self.buffer = self.editor = None
        if buffer is not None:
            buffer.close()
        return editor

    def drop(self) -> None:
        """Forget the pair without committing (the edited cell is gone from the document)."""
        self.buffer = self.editor = None

    def commit(self) -> None:
        """Write pending typing to the document now (before running or saving)."""
        if self.buffer is not None:
            self.buffer.commit()

    def remote_changed(self) -> bool:
        """The edited cell changed in the document; False when it is gone (the pair is dropped)."""
        buffer = self.buffer
        if buffer is None:
            return True
        if buffer.cell_id not in self.session.doc:
            self.drop()
            return False
        buffer.remote_changed()
        return True

    def replay(self, undo: bool) -> bool:
        """Undo (or redo) this terminal's last edit in the open cell; False when there is none."""
        editor, buffer = self.editor, self.buffer
        if editor is None or buffer is None:
            return True
        cursor = buffer.replay(undo)
        if cursor is None:
            return False
        editor.move_cursor(editor.location_of(cursor))
        return True
