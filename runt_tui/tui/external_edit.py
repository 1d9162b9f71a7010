"""Editing a cell in `$VISUAL` / `$EDITOR`: the file, the command, and the three-way merge back.

The cell's text goes to a private temporary file; when the editor exits, the
difference between the text the editor started from (`base`) and the file is
applied as minimal edits to the document *at the heads it had when the
editor opened* and merged, through the cell's EditBuffer: a collaborator's
typing meanwhile (in another part of the cell) survives, and the change is
this terminal's own edit for undo.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from runt_tui.doc import Edit, text_edits

_SUFFIXES = {"python": ".py", "markdown": ".md", "r": ".r", "julia": ".jl", "raw": ".txt"}


class Buffer(Protocol):
    """What the merge needs of an EditBuffer opened on the cell before the editor started."""

    text: str

    def local(self, edit: Edit, removed: str, kind: str = "edit") -> None: ...

    def commit(self) -> None: ...


def editor_command(environ: Mapping[str, str]) -> list[str]:
    """`$VISUAL`, else `$EDITOR` (either may carry arguments), else vi."""
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError:
                words = value.split()
            if words:
                return words
    return ["vi"]


def suffix_for(cell_type: str, language: str) -> str:
    """A file suffix that lets the editor pick its syntax mode."""
    key = language if cell_type == "code" else cell_type
    return _SUFFIXES.get(key.lower(), ".txt")


def write_temp(text: str, suffix: str) -> Path:
    """The text in a new file in a private directory of its own (removed by `remove_temp`)."""
    folder = Path(tempfile.mkdtemp(prefix="runt-tui-edit-"))
    path = folder / f"cell{suffix}"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def read_back(path: Path) -> str:
    """What the editor left in the file (undecodable bytes replaced, never raising on them)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        return f.read()


def remove_temp(path: Path) -> None:
    """Remove the file and its private directory."""
    shutil.rmtree(path.parent, ignore_errors=True)


def without_added_newline(base: str, edited: str) -> str:
    """Drop the final newline most editors add on save when the cell had none."""
    if not base.endswith("\n") and edited.endswith("\n"):
        return edited[:-2] if edited.endswith("\r\n") else edited[:-1]
    return edited


def apply_external(buffer: Buffer, base: str, edited: str) -> int:
    """Apply the editor's change to the buffer as minimal edits and commit; the number of edits.

    The buffer was opened before the editor started, so its text is still `base`
    and its commit merges against the document at that moment.
    """
    edits = text_edits(base, edited)
    # From the end backwards, so each edit's position (in base's coordinates) stays right.
    for e in reversed(edits):
        removed = buffer.text[e.pos : e.pos + e.delete]
        buffer.local(e, removed)
    buffer.commit()
    return len(edits)

