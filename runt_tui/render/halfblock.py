"""Pure-Rich image drawing with '▀' half blocks (two pixels per cell), when Pillow exists."""

from __future__ import annotations

import importlib.util
import io
import math
from typing import Any

from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style

from .common import placeholder
from .images import ImagePayload
from .render_options import RenderOptions

# Whether Pillow is installed, found without importing it: importing PIL.Image costs
# tens of milliseconds at start-up, and most sessions never draw an image.
HAVE_PIL = importlib.util.find_spec("PIL") is not None

_BACKGROUND = {"dark": (0, 0, 0), "light": (255, 255, 255)}
_Row = list[Segment]


def _pil_image() -> Any:
    """PIL.Image, imported on first use (see HAVE_PIL)."""
    if not HAVE_PIL:
        raise RuntimeError("Pillow is not installed")
    from PIL import Image

    return Image


class HalfBlockImage:
    """A Rich renderable that draws an image downscaled to fit, each cell two pixels tall."""

    # Pixels are decoded and resized at first paint and memoised per width, so
    # building one is free and a resize of the terminal costs one resample.

    def __init__(
        self,
        payload: ImagePayload,
        *,
        max_width: int,
        max_rows: int = 40,
        cell_px: int = 8,
        theme: str = "dark",
    ) -> None:
        self.payload = payload
        self.max_width = max(1, max_width)
        self.max_rows = max(1, max_rows)
        self.cell_px = max(1, cell_px)
        self.background = _BACKGROUND.get(theme, (0, 0, 0))
        self._cache: dict[int, list[_Row]] = {}

    def _cols(self, available: int) -> int:
        """Columns to use: natural size (pixels / cell width) bounded by the space given."""
        natural_w, natural_h = self.payload.natural_size()
        cols = min(available, self.max_width, max(1, math.ceil(natural_w / self.cell_px)))
        # Each cell is two pixels tall; shrink further if the height would overflow.
        rows = math.ceil(natural_h * cols / natural_w / 2)
        if rows > self.max_rows:
            cols = max(1, natural_w * self.max_rows * 2 // natural_h)
        return max(1, cols)

    def _rows(self, cols: int) -> list[_Row]:
        cached = self._cache.get(cols)
        if cached is None:
            cached = self._cache[cols] = self._draw(cols)
        return cached

    def _draw(self, cols: int) -> list[_Row]:
        pil = _pil_image()
        natural_w, natural_h = self.payload.natural_size()
        px_h = max(1, round(natural_h * cols / natural_w))
        with pil.open(io.BytesIO(self.payload.data)) as img:
            # draft() lets JPEG decode at a reduced scale: big photos stay cheap.
            img.draft("RGB", (cols, px_h))
            if "A" in img.mode or "transparency" in img.info:
                rgba = img.convert("RGBA")
                # Composite over the terminal background so transparent plots look right.
                base = pil.new("RGBA", rgba.size, (*self.background, 255))
                base.alpha_composite(rgba)
                opaque = base.convert("RGB")
            else:
                # Opaque: compositing is a no-op, and skipping it halves the cost
                # of a multi-megapixel image (same pixels out).
                opaque = img.convert("RGB")
        small = opaque.resize((cols, px_h), pil.Resampling.BOX)
        raw = small.tobytes()
        styles: dict[tuple[int, ...], Style] = {}

        def style_for(top: tuple[int, ...], bottom: tuple[int, ...] | None) -> Style:
            key = top + (bottom or ())
            style = styles.get(key)
            if style is None:
                bg = Color.from_rgb(*bottom) if bottom else None
                style = styles[key] = Style(color=Color.from_rgb(*top), bgcolor=bg)
            return style

        rows: list[_Row] = []
        stride = cols * 3
        for y in range(0, px_h, 2):
            row: _Row = []
            run_style: Style | None = None
            run = 0
            for x in range(cols):
                i = y * stride + x * 3
                top = tuple(raw[i : i + 3])
                bottom = tuple(raw[i + stride : i + stride + 3]) if y + 1 < px_h else None
                style = style_for(top, bottom)
                if style is run_style:
                    run += 1
                    continue
                if run_style is not None:
                    row.append(Segment("▀" * run, run_style))
                run_style, run = style, 1
            if run_style is not None:
                row.append(Segment("▀" * run, run_style))
            rows.append(row)
        return rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        cols = self._cols(options.max_width)
        try:
            rows = self._rows(cols)
        except Exception as exc:
            # Header looked fine but the body is corrupt: say so, in one line.
            p = self.payload
            label = f"{p.mime} {p.width}×{p.height}"
            yield placeholder(label, p.size, reason=f"cannot decode ({type(exc).__name__})")
            return
        for row in rows:
            yield from row
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        cols = self._cols(options.max_width)
        return Measurement(cols, cols)


def image_renderable(
    payload: ImagePayload, *, width: int, options: RenderOptions, pixels_in_rich: bool
) -> RenderableType:
    """Pick an image's Rich rendering: half blocks if allowed and possible, else a placeholder."""
    # pixels_in_rich is False for outputs in kitty/sixel mode: there the TUI draws
    # the payload itself and only needs a placeholder under it.
    mode = options.images
    if mode == "none" or not HAVE_PIL:
        return payload.placeholder()
    if mode in ("halfblock", "auto") or pixels_in_rich:
        return HalfBlockImage(
            payload,
            max_width=width,
            max_rows=options.image_max_rows,
            cell_px=options.image_cell_px,
            theme=options.theme,
        )
    return payload.placeholder()
