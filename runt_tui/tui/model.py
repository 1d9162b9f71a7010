"""Plain snapshots handed down to the cell widgets: one frozen CellModel per cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CellCopy:
    """A cell on the clipboard or in the deleted stack."""

    cell_type: str
    source: str
    metadata: dict[str, Any]
    cell_id: str | None = None
    index: int = 0


@dataclass(frozen=True)
class PeerMark:
    """Another peer focused on a cell: name, colour, and cursor (code points) if editing."""

    peer_id: str
    name: str
    colour: str
    cursor: int | None = None
    editing: bool = False


@dataclass(frozen=True)
class ViewFlags:
    """App-wide display settings that change how every cell draws."""

    line_numbers: bool = False
    layout: str = "cells"
    dark: bool = True
    images: str = "halfblock"
    language: str = "python"
    width: int = 80


@dataclass(frozen=True)
class CellModel:
    """Everything one cell widget needs to draw itself; compared by value to skip redraws."""

    id: str
    cell_type: str
    source: str
    rev: str = ""
    orev: str = ""
    execution_count: int | None = None
    status: str = ""  # "", "queued", "running", "done", "error", "cancelled"
    requester: str = ""
    # The colour of whoever queued or runs the cell (#rrggbb), drawn in its gutter.
    requester_colour: str = ""
    outputs: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    attachments: dict[str, Any] | None = field(default=None, compare=False)
    peers: tuple[PeerMark, ...] = ()
    expanded: bool = False
    blobs_epoch: int = 0
    selected: bool = False
    editing: bool = False
    search: str = ""  # the notebook search's text, highlighted where drawn
    # The document's epoch: rev and orev stand for source and outputs only within one
    # document, and drawn bodies are cached by them (widgets/bodycache.py).
    epoch: str = ""


def estimate_height(model: CellModel, flags: ViewFlags) -> int:
    """A cheap guess of a cell's height in rows, used for cells that are not mounted."""
    rows = 1 if flags.layout == "outputs" else max(1, model.source.count("\n") + 1)
    if model.cell_type == "markdown":
        rows += 1
    for out in model.outputs:
        otype = out.get("output_type")
        if otype == "stream":
            text = out.get("text", "")
            if isinstance(text, list):
                text = "".join(str(t) for t in text)
            rows += min(200, str(text).count("\n") + 1)
        elif otype == "error":
            rows += min(200, len(out.get("traceback") or []) * 3 + 1)
        else:
            data = out.get("data") or {}
            if any(str(k).startswith("image/") for k in data):
                rows += 12
            else:
                plain = data.get("text/plain", "")
                if isinstance(plain, list):
                    plain = "".join(str(t) for t in plain)
                rows += min(50, str(plain).count("\n") + 1)
    return rows + 1  # the margin between cells
