"""Markdown: text/markdown outputs and markdown cells with their attachments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text

from .common import Guarded, PayloadError, marker, payload_size, placeholder, plural, text_of
from .halfblock import image_renderable
from .images import ImagePayload, rasterize_svg, svg_size
from .render_options import DEFAULT_OPTIONS, RenderOptions
from .sanitize import strip_controls, visible_controls

# ![alt](attachment:name "title") and <img src="attachment:name">, the two forms
# Jupyter front ends write when an image is pasted into a markdown cell.
_ATTACHMENT = re.compile(
    r"""!\[[^\]]*\]\(\s*<?attachment:([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"""
    r"""|<img\b[^>]*?\bsrc\s*=\s*["']attachment:([^"']+)["'][^>]*>""",
    re.IGNORECASE,
)
_IMAGE_ORDER = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")


def render_markdown(source: str, options: RenderOptions) -> RenderableType:
    """Render Markdown text (code blocks highlighted), capped to max_text_chars."""
    hidden = max(0, len(source) - options.max_text_chars)
    # Everything Markdown draws (text, code, link targets) comes from the source.
    shown = strip_controls(source[: options.max_text_chars])
    md = Markdown(shown, code_theme=options.code_theme)
    if not hidden:
        return md
    return Group(md, marker(f"… {plural(hidden, 'more character')}"))


def resolve_attachment(
    name: str, attachments: Mapping[str, object] | None
) -> ImagePayload | Text:
    """Find an attachment's image: an ImagePayload, or a placeholder saying what is wrong."""
    bundle = None
    if isinstance(attachments, Mapping):
        bundle = attachments.get(name)
        if bundle is None:
            bundle = attachments.get(unquote(name))
    if not isinstance(bundle, Mapping):
        return placeholder(f"attachment {name}", reason="missing")
    for mime in _IMAGE_ORDER:
        if mime not in bundle:
            continue
        value = bundle[mime]
        if mime == "image/svg+xml":
            svg = text_of(value)
            payload = rasterize_svg(svg) if svg is not None else None
            if payload is not None:
                return payload
            dims = svg_size(svg or "")
            label = f"{mime} {dims[0]}×{dims[1]}" if dims else mime
            return placeholder(f"attachment {name}: {label}", payload_size(value))
        try:
            return ImagePayload.probe(mime, value)
        except PayloadError as exc:
            return placeholder(f"attachment {name}: {mime}", payload_size(value), str(exc))
    kinds = ", ".join(str(k) for k in bundle) or "empty"
    return placeholder(f"attachment {name}: {kinds}", payload_size(bundle), "not an image")


def split_attachments(
    source: str, attachments: Mapping[str, object] | None
) -> list[str | ImagePayload | Text]:
    """Split a markdown cell into markdown text runs and resolved attachment images."""
    # Exposed so the TUI can interleave real image widgets (kitty/sixel) with
    # Markdown; render_markdown_cell uses it to build a pure-Rich rendering.
    parts: list[str | ImagePayload | Text] = []
    pos = 0
    for m in _ATTACHMENT.finditer(source):
        if source[pos : m.start()].strip():
            parts.append(source[pos : m.start()])
        parts.append(resolve_attachment(m.group(1) or m.group(2), attachments))
        pos = m.end()
    if source[pos:].strip() or not parts:
        parts.append(source[pos:])
    return parts


def render_markdown_cell(
    source: str,
    attachments: Mapping[str, object] | None = None,
    *,
    width: int = 80,
    options: RenderOptions | None = None,
) -> RenderableType:
    """Render a markdown cell; attachment:name images become half blocks or placeholders."""
    options = options or DEFAULT_OPTIONS
    try:
        if not isinstance(source, str):
            source = text_of(source) or ""
        # A cell's own controls are shown (␛ …), not acted on nor hidden.
        source = visible_controls(source)
        blocks: list[RenderableType] = []
        for part in split_attachments(source, attachments):
            if isinstance(part, str):
                blocks.append(render_markdown(part, options))
            elif isinstance(part, ImagePayload):
                blocks.append(image_renderable(part, width=width, options=options,
                                               pixels_in_rich=True))
            else:
                blocks.append(part)
        return Guarded(blocks[0] if len(blocks) == 1 else Group(*blocks), "markdown")
    except Exception as exc:
        reason = f"cannot render ({type(exc).__name__})"
        return placeholder("markdown", payload_size(source), reason)
