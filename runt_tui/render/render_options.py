"""Rendering options shared by every renderer in this package."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ImagesMode = Literal["auto", "kitty", "sixel", "halfblock", "none"]
Theme = Literal["dark", "light"]

# Richest first: a bundle usually carries text/plain as a fallback, so anything the
# terminal can show more faithfully must rank above it.  image/gif is not in the
# brief's list but costs nothing and matplotlib animations emit it.  Charts (Vega-Lite,
# Vega, Plotly: render/charts.py) rank below a ready-made raster and above their bundle's
# HTML and text, which are scripts or a bare repr in a terminal.
DEFAULT_MIME_ORDER: tuple[str, ...] = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "application/vnd.vegalite.v6+json",
    "application/vnd.vegalite.v6.json",
    "application/vnd.vegalite.v5+json",
    "application/vnd.vegalite.v4+json",
    "application/vnd.vegalite.v3+json",
    "application/vnd.vega.v5+json",
    "application/vnd.plotly.v1+json",
    "image/svg+xml",
    "text/markdown",
    "text/html",
    "text/latex",
    "application/json",
    "text/plain",
)


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How outputs are rendered; frozen and hashable so it can key the render cache."""

    mime_order: tuple[str, ...] = DEFAULT_MIME_ORDER
    # Streams keep their *last* lines (like a terminal), text results their first.
    max_stream_lines: int = 200
    # True for an output the user expanded: no line cap (the char cap still holds).
    show_all: bool = False
    # Hard bound on characters handed to Rich for any one text payload, so a
    # 50 MB print costs the same as a 1 MB one.
    max_text_chars: int = 200_000
    images: ImagesMode = "auto"
    theme: Theme = "dark"
    json_max_depth: int = 4
    json_max_items: int = 50
    max_table_rows: int = 100
    max_table_cols: int = 40
    # Half-block images: terminal rows at most, and how many source pixels one
    # cell column stands for at natural size (a typical cell is ~8 px wide).
    image_max_rows: int = 40
    image_cell_px: int = 8

    @property
    def code_theme(self) -> str:
        """Pygments theme for code blocks, matched to the terminal background."""
        return "monokai" if self.theme == "dark" else "default"


DEFAULT_OPTIONS = RenderOptions()
