"""The vi engine bound to a cell editor: keys in, the editor's text, cursor and selection out.

The engine works on plain text and offsets; this applies what it returns to
the TextArea as one local edit (so the EditBuffer records it for the document
and for own-edits undo, like typing) and moves the cursor or the visual
selection. The app decides what to do with undo, redo and leaving the cell.
"""

from __future__ import annotations

from typing import Protocol

from textual import events
from textual.widgets.text_area import Location, Selection

from runt_tui.doc import Edit
from runt_tui.tui.vi.engine import enter_insert, feed, to_normal
from runt_tui.tui.vi.state import INSERT, NORMAL, VISUAL, VISUAL_LINE, ViResult, ViState, mode_label
from runt_tui.tui.vi.text import clamp_normal
from runt_tui.tui.vi.visual import visual_span


class ViEditor(Protocol):
    """What the binding needs of the cell editor."""

    text: str
    selection: Selection

    @property
    def cursor_index(self) -> int: ...

    def location_of(self, index: int) -> Location: ...

    def replace_range(self, pos: int, delete: int, insert: str, kind: str) -> None: ...


def key_token(event: events.Key) -> str:
    """The engine's name for a key: the character for a printable key, else Textual's key name."""
    char = event.character
    if event.is_printable and char is not None and len(char) == 1:
        return char
    return event.key


def one_edit(old: str, new: str) -> Edit | None:
    """The single edit turning `old` into `new` (shared start and end kept), or None if equal."""
    if old == new:
        return None
    n = min(len(old), len(new))
    p = 0
    while p < n and old[p] == new[p]:
        p += 1
    s = 0
    while s < n - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1
    return Edit(p, len(old) - p - s, new[p : len(new) - s])


class ViBinding:
    """One terminal's vi state (mode, register, last change), carried from cell to cell."""

    def __init__(self) -> None:
        self.state = ViState()
        # In visual mode the editor's cursor is the selection's far end (one past the
        # engine's cursor going forwards): the engine's own cursor is kept here.
        self._visual_cursor = 0

    @property
    def mode(self) -> str:
        return self.state.mode

    @property
    def label(self) -> str:
        """The mode for the status bar."""
        return mode_label(self.state)

    def opened(self) -> None:
        """A cell was opened for editing: start in insert mode (as JupyterLab's vim keys do)."""
        self.state = enter_insert(self.state)

    def closed(self) -> None:
        """The editor closed: the next cell starts afresh (the register and `.` are kept)."""
        self.state = to_normal(self.state)

    def normal(self) -> None:
        """Normal mode (a cell reached with j / k at the edge of the one before)."""
        self.state = to_normal(self.state)

    def types_itself(self, token: str) -> bool:
        """True when the editor types this key (insert mode) and the engine only records it."""
        return self.state.mode == INSERT and token != "escape" and self.state.prompt is None

    def record(self, token: str) -> None:
        """Note an insert-mode key the editor types, for `.`."""
        self.state = feed(self.state, token, "", 0).state

    def handle(self, editor: ViEditor, token: str) -> ViResult:
        """Feed one key with the editor's text and cursor; apply the new text, cursor and selection."""
        text, cursor = editor.text, editor.cursor_index
        if self.state.mode in (VISUAL, VISUAL_LINE):
            cursor = min(self._visual_cursor, len(text))
        result = feed(self.state, token, text, cursor)
        self.state = result.state
        if result.action == "pass":
            return result
        edit = one_edit(text, result.text)
        if edit is not None:
            editor.replace_range(edit.pos, edit.delete, edit.insert, "edit")
        self.show(editor, result.cursor)
        return result

    def show(self, editor: ViEditor, cursor: int) -> None:
        """Put the cursor (and in visual mode the selection) where the engine says."""
        if self.state.mode in (VISUAL, VISUAL_LINE):
            self._visual_cursor = cursor
            start, end = visual_span(self.state, editor.text, cursor)
            if cursor < self.state.anchor or (self.state.mode == VISUAL_LINE and cursor <= self.state.anchor):
                start, end = end, start
            editor.selection = Selection(editor.location_of(start), editor.location_of(end))
            return
        loc = editor.location_of(cursor)
        editor.selection = Selection(loc, loc)

    def after_undo(self, editor: ViEditor) -> None:
        """Undo moved the cursor: keep it on a character in normal mode."""
        if self.state.mode == NORMAL:
            self.show(editor, clamp_normal(editor.text, editor.cursor_index))
