"""Terminal graphics: pick kitty / sixel / half blocks, and build image widgets.

textual-image must probe the terminal before Textual takes it over, so
`prepare_images` is called by the CLI before the app runs. Half blocks and
"none" never import textual-image: half blocks are drawn by our own Rich
renderer (the same look, and deterministic for snapshots).
"""

from __future__ import annotations

import io
import math
import os
import sys
from typing import Any

from textual.widget import Widget

from runt_tui.render import ImagePayload
from runt_tui.render.sanitize import strip_controls
from runt_tui.tui.widgets.guard import GuardedRender, GuardedStatic

_resolved: str | None = None

# Bounds of a pixel image on screen, in terminal cells.
MAX_COLS = 80
MAX_ROWS = 30
# Cell size assumed when textual-image cannot tell (its own VT340 default).
_DEFAULT_CELL = (10, 20)


def _is_terminal() -> bool:
    """True when stdout is a terminal we may probe (tests replace this)."""
    return sys.stdout.isatty()


def detect_protocol() -> str:
    """Ask the terminal (through textual-image) which graphics it speaks: kitty, sixel or halfblock.

    textual-image runs its capability queries when `textual_image.renderable`
    is first imported and records the answer as `renderable.Image`; importing
    `textual_image.widget` also measures the cell size while that still works.
    """
    if not _is_terminal():
        return "halfblock"
    if os.environ.get("TMUX"):
        return tmux_protocol()
    try:
        import textual_image.renderable as renderable
        import textual_image.widget  # noqa: F401  (measures the cell size once)
    except Exception:
        return "halfblock"
    chosen = renderable.Image
    if chosen is renderable.TGPImage:
        return "kitty"
    if chosen is renderable.SixelImage:
        return "sixel"
    return "halfblock"


def tmux_protocol() -> str:
    """Inside tmux: kitty placeholders through passthrough, tmux's own sixel (3.4+), else half blocks.

    textual-image's own probe would ask tmux, which answers for itself; doctor.py
    asks tmux about the outer terminal and its settings instead.
    """
    from runt_tui.doctor import choose_tmux_graphics, tmux_graphics

    mode, _, _ = choose_tmux_graphics(tmux_graphics())
    if mode == "halfblock":
        return mode
    try:
        import textual_image.widget  # noqa: F401  (measures the cell size once)
    except Exception:
        return "halfblock"
    if mode == "kitty":
        from runt_tui.tui.kitty_tmux import install_passthrough

        install_passthrough()
    return mode


def prepare_images(mode: str) -> str:
    """Resolve `--images` to kitty, sixel, halfblock or none (probing the terminal for auto)."""
    global _resolved
    if mode in ("halfblock", "none"):
        _resolved = mode
    elif mode == "auto":
        _resolved = detect_protocol()
    else:
        try:
            import textual_image.widget  # noqa: F401  (measures the cell size once)
        except Exception:
            _resolved = "halfblock"
        else:
            _resolved = mode if mode in ("kitty", "sixel") else "halfblock"
            if _resolved == "kitty" and os.environ.get("TMUX"):
                from runt_tui.tui.kitty_tmux import install_passthrough

                install_passthrough()
    return _resolved


def resolved_mode(default: str = "halfblock") -> str:
    """The mode chosen by prepare_images (default when it was not called)."""
    return _resolved or default


def reset_images() -> None:
    """Forget the resolved mode (tests that run several apps in one process)."""
    global _resolved
    _resolved = None


def cell_size() -> tuple[int, int]:
    """A terminal cell's size in pixels, as textual-image measured it (or its default)."""
    try:
        from textual_image._terminal import get_cell_size

        size = get_cell_size()
        return max(1, size.width), max(1, size.height)
    except Exception:
        return _DEFAULT_CELL


def image_cells(payload: ImagePayload, max_cols: int = MAX_COLS, max_rows: int = MAX_ROWS) -> tuple[int, int]:
    """Columns and rows to draw an image at natural size, aspect kept, within the bounds."""
    cell_w, cell_h = cell_size()
    width, height = payload.natural_size()
    cols = max(1, min(max_cols, MAX_COLS, math.ceil(width / cell_w)))
    rows = max(1, math.ceil(height * cols * cell_w / (width * cell_h)))
    if rows > max_rows:
        rows = max_rows
        cols = max(1, min(cols, round(width * rows * cell_h / (height * cell_w))))
    return cols, rows


def _decoded(payload: ImagePayload, pixels: tuple[int, int]) -> Any:
    """The image decoded now and shrunk to the pixels it will cover.

    Decoding here means a corrupt body fails inside image_widget's try, not in
    Textual's paint; shrinking means the protocol encoder (which runs at every
    paint for kitty, per crop for sixel) never touches a multi-megapixel bitmap.
    """
    from PIL import Image as PILImage

    image: Any = PILImage.open(io.BytesIO(payload.data))
    image.draft("RGB", pixels)  # JPEG: decode at a reduced scale
    image.load()
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        alpha = "A" in image.mode or "transparency" in image.info
        image = image.convert("RGBA" if alpha else "RGB")
    if image.width > pixels[0] or image.height > pixels[1]:
        image = image.resize(pixels, PILImage.Resampling.BOX)
    return image


_GUARDED: dict[type[Widget], type[Widget]] = {}


def _guarded(cls: type[Widget]) -> type[Widget]:
    """`cls` with GuardedRender first in its bases (made once per class)."""
    if cls not in _GUARDED:
        # textual-image's widgets name their renderable when subclassed.
        extra = {"Renderable": cls._Renderable} if hasattr(cls, "_Renderable") else {}
        _GUARDED[cls] = type(f"Guarded{cls.__name__}", (GuardedRender, cls), {}, **extra)
    return _GUARDED[cls]


def image_widget(payload: ImagePayload, max_cols: int = MAX_COLS) -> Widget:
    """A widget drawing an image with the terminal's graphics protocol."""
    mode = resolved_mode()
    cols, rows = image_cells(payload, max_cols)
    cell_w, cell_h = cell_size()
    try:
        image = _decoded(payload, (cols * cell_w, rows * cell_h))
        if mode == "sixel":
            from textual_image.widget import SixelImage

            widget: Widget = _guarded(SixelImage)(image, classes="cell-image")
        else:
            from textual_image.widget import TGPImage

            widget = _guarded(TGPImage)(image, classes="cell-image")
    except Exception as exc:
        return GuardedStatic(f"[{strip_controls(payload.describe(), one_line=True)}: cannot draw ({type(exc).__name__})]", classes="cell-image", markup=False)
    widget.styles.width = cols
    widget.styles.height = rows
    return widget
