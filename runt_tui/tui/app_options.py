"""What the app is asked to open and how: filled from the command line or by tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ImagesFlag = Literal["auto", "kitty", "sixel", "halfblock", "none"]
Layout = Literal["cells", "outputs"]
Keys = Literal["default", "vi"]


@dataclass
class AppOptions:
    """Everything `runt-tui NOTEBOOK ...` can say, in one place."""

    path: Path
    # An ssh://[user@]host[:port]/path address: the notebook lives on that machine (path unused).
    url: str | None = None
    name: str | None = None
    kernel: str | None = None
    embedded: bool = False
    images: ImagesFlag = "auto"
    # None: follow nobody; "": follow the running cell; otherwise a peer's name.
    follow: str | None = None
    layout: Layout = "cells"
    home: str | os.PathLike[str] | None = None
    theme: str | None = None
    line_numbers: bool = False
    # Start the kernel as soon as the notebook is open (tests turn it off).
    start_kernel: bool = True
    # --panes: the panes to show, in order (None: remembered per size class, else by width).
    panes: tuple[str, ...] | None = None
    # Where the chosen panes are remembered (None: the user's config file).
    config: Path | None = None
    # Milliseconds local keystrokes are batched before they reach the document.
    batch_ms: int = 20
    # The editor's keys: "vi" for vi's modes, motions and operators inside a cell.
    keys: Keys = "default"
    # Watch only (`--view`): no kernel started, every edit refused, shown to others as a viewer.
    view: bool = False
