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
# - Strings from notebooks and kernels are untrusted terminal input: all of them pass
#   sanitize.py (SGR colour kept as Rich styles where ANSI is expected, every other
#   control sequence and control character removed); Guarded checks the segments too.
# - Every renderable handed out is wrapped in Guarded, so an exception inside
#   Rich at paint time becomes a placeholder line instead of crashing the app.
# Exports are loaded on first use (PEP 562): the app's first frame needs only a few of
# these modules, and importing them all (Pillow, markdown-it, ...) is slow.
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .common import Guarded, PayloadError, human_size
    from .halfblock import HAVE_PIL, HalfBlockImage, image_renderable
    from .html import render_html
    from .images import ImagePayload, rasterize_svg, sniff, svg_size
    from .jsonview import collapse_json, render_json
    from .latex import latex_to_unicode, render_latex
    from .markdown import render_markdown, render_markdown_cell, split_attachments
    from .mime import check_payload, choose_mime, ranked_mimes
    from .output import RenderResult, clear_render_cache, render_output, render_output_json
    from .render_options import (
        DEFAULT_MIME_ORDER,
        DEFAULT_OPTIONS,
        ImagesMode,
        RenderOptions,
        Theme,
    )
    from .stream import cap_lines, count_lines, fold_line, fold_stream, render_stream

_MODULES = {
    "Guarded": "common",
    "PayloadError": "common",
    "human_size": "common",
    "HAVE_PIL": "halfblock",
    "HalfBlockImage": "halfblock",
    "image_renderable": "halfblock",
    "render_html": "html",
    "ImagePayload": "images",
    "rasterize_svg": "images",
    "sniff": "images",
    "svg_size": "images",
    "collapse_json": "jsonview",
    "render_json": "jsonview",
    "latex_to_unicode": "latex",
    "render_latex": "latex",
    "render_markdown": "markdown",
    "render_markdown_cell": "markdown",
    "split_attachments": "markdown",
    "check_payload": "mime",
    "choose_mime": "mime",
    "ranked_mimes": "mime",
    "DEFAULT_MIME_ORDER": "render_options",
    "DEFAULT_OPTIONS": "render_options",
    "ImagesMode": "render_options",
    "RenderOptions": "render_options",
    "Theme": "render_options",
    "RenderResult": "output",
    "clear_render_cache": "output",
    "render_output": "output",
    "render_output_json": "output",
    "cap_lines": "stream",
    "count_lines": "stream",
    "fold_line": "stream",
    "fold_stream": "stream",
    "render_stream": "stream",
}

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


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
