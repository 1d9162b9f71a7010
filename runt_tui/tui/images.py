"""Terminal graphics: pick kitty / sixel / half blocks, and build image widgets.

textual-image must probe the terminal before Textual takes it over, so
`prepare_images` is called by the CLI before the app runs. Half blocks and
"none" never import textual-image: half blocks are drawn by our own Rich
renderer (the same look, and deterministic for snapshots).
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any

from textual.widget import Widget
from textual.widgets import Static

from runt_tui.render import ImagePayload

_resolved: str | None = None


def prepare_images(mode: str) -> str:
    """Resolve `--images` to kitty, sixel, halfblock or none (probing the terminal for auto)."""
    global _resolved
    if mode in ("halfblock", "none"):
        _resolved = mode
        return mode
    if mode == "auto" and (not sys.stdout.isatty() or os.environ.get("TMUX")):
        _resolved = "halfblock"  # tmux passes no graphics protocol through by default
        return _resolved
    try:
        import textual_image.widget  # noqa: F401  (probes the terminal once)
        from textual_image.renderable import Image as AutoRenderable
        from textual_image.renderable.sixel import Image as SixelRenderable
        from textual_image.renderable.tgp import Image as TGPRenderable
    except Exception:
        _resolved = "halfblock"
        return _resolved
    if mode == "auto":
        if AutoRenderable is TGPRenderable:
            _resolved = "kitty"
        elif AutoRenderable is SixelRenderable:
            _resolved = "sixel"
        else:
            _resolved = "halfblock"
    else:
        _resolved = mode
    return _resolved


def resolved_mode(default: str = "halfblock") -> str:
    """The mode chosen by prepare_images (default when it was not called)."""
    return _resolved or default


def image_widget(payload: ImagePayload) -> Widget:
    """A widget drawing an image with the terminal's graphics protocol."""
    mode = resolved_mode()
    try:
        from PIL import Image as PILImage

        image: Any = PILImage.open(io.BytesIO(payload.data))
        if mode == "sixel":
            from textual_image.widget import SixelImage

            widget: Widget = SixelImage(image, classes="cell-image")
        else:
            from textual_image.widget import TGPImage

            widget = TGPImage(image, classes="cell-image")
    except Exception as exc:
        return Static(f"[{payload.describe()}: cannot draw ({type(exc).__name__})]", classes="cell-image")
    cols = min(80, max(4, payload.natural_size()[0] // 8))
    rows = min(30, max(2, payload.natural_size()[1] // 16))
    widget.styles.width = cols
    widget.styles.height = rows
    return widget
