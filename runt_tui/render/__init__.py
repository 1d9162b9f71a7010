"""Outputs and markdown to Rich renderables: pure functions, no Textual, never raising."""

from __future__ import annotations

# Choices made here (DESIGN.md is silent on them):
# - \r and \b fold as a terminal shows them: "abc\rX" -> "Xbc", "\b" moves the
#   cursor without erasing; ESC[K / ESC[2K erase-in-line are honoured.
# - Streams and tracebacks keep their last N lines, text results their first N.
# - A broken richer entry (corrupt PNG) is shown as a one-line placeholder *above*
#   the fallback that was rendered instead, never dropped silently.
# - text/html that yields nothing visible (script-only widgets, plots) falls
#   through to the next MIME type, usually text/plain.
# - Images: render_output returns an ImagePayload for the TUI to draw (unless
#   images="none") plus a Rich fallback: half blocks for auto/halfblock when
#   Pillow is importable, a "[image/png W×H, size]" placeholder otherwise.
# - Every renderable handed out is wrapped in Guarded, so an exception inside
#   Rich at paint time becomes a placeholder line instead of crashing the app.
from .common import Guarded, PayloadError, human_size
from .halfblock import HAVE_PIL, HalfBlockImage, image_renderable
from .html import render_html
from .images import ImagePayload, rasterize_svg, sniff, svg_size
from .jsonview import collapse_json, render_json
from .latex import latex_to_unicode, render_latex
from .markdown import render_markdown, render_markdown_cell, split_attachments
from .mime import check_payload, choose_mime, ranked_mimes
from .options import DEFAULT_MIME_ORDER, DEFAULT_OPTIONS, ImagesMode, RenderOptions, Theme
from .output import RenderResult, clear_render_cache, render_output, render_output_json
from .stream import cap_lines, count_lines, fold_line, fold_stream, render_stream

__all__ = [
    "DEFAULT_MIME_ORDER",
    "DEFAULT_OPTIONS",
    "HAVE_PIL",
    "Guarded",
    "HalfBlockImage",
    "ImagePayload",
    "ImagesMode",
    "PayloadError",
    "RenderOptions",
    "RenderResult",
    "Theme",
    "cap_lines",
    "check_payload",
    "choose_mime",
    "clear_render_cache",
    "collapse_json",
    "count_lines",
    "fold_line",
    "fold_stream",
    "human_size",
    "image_renderable",
    "latex_to_unicode",
    "ranked_mimes",
    "rasterize_svg",
    "render_html",
    "render_json",
    "render_latex",
    "render_markdown",
    "render_markdown_cell",
    "render_output",
    "render_output_json",
    "render_stream",
    "sniff",
    "split_attachments",
    "svg_size",
]
